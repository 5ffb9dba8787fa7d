"""The dashboard screen: who may see it, its panels, filters in the URL, CSV exports."""

import csv
import datetime
import io

import pytest
from django.utils import timezone, translation

from monitoring.models import Step, StepSla
from monitoring.tests.conftest import ago
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("username", "status"),
    [("ops", 200), ("admin", 200), ("agent", 403), ("store", 403), ("partner", 403)],
)
def test_only_operations_and_administrators_see_the_dashboard(client, username, status):
    from oms.models import User

    client.force_login(User.objects.get(username=username))

    assert client.get("/dashboard/").status_code == status
    assert client.get("/dashboard/export/stuck.csv").status_code == status


def test_a_guest_is_sent_to_the_login(client):
    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_the_page_shows_every_panel_and_keeps_the_filters(client, ops_user, world, make_order):
    held = make_order(status=Order.Status.ON_HOLD, created_at=ago(days=3))
    client.force_login(ops_user)

    response = client.get("/dashboard/?shop=h8-web&window=30d")

    html = response.content.decode()
    for panel in ("figures", "states", "backlog", "steps", "stuck"):
        assert f'id="panel-{panel}"' in html
        assert f"panel={panel}&amp;window=30d&amp;shop=h8-web" in html
    assert f'href="/care/orders/{held.number}/"' in html
    assert "Held for review" in html
    assert '<option value="h8-web" selected>' in html
    assert response["Vary"].count("HX-Request") == 1


def test_the_operations_lead_can_follow_a_stuck_order_to_its_care_page(
    client, ops_user, world, make_order
):
    held = make_order(status=Order.Status.ON_HOLD, created_at=ago(days=3))
    client.force_login(ops_user)
    assert f'href="/care/orders/{held.number}/"' in client.get("/dashboard/").content.decode()

    response = client.get(f"/care/orders/{held.number}/")

    assert response.status_code == 200
    assert held.number in response.content.decode()


def test_htmx_gets_only_the_panel(client, ops_user, world, make_order):
    make_order(status=Order.Status.ON_HOLD, created_at=ago(minutes=10))
    client.force_login(ops_user)

    response = client.get("/dashboard/?panel=states&shop=h8-web", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="panel-states"')
    assert "<html" not in html
    assert 'data-status="on_hold"' in html


def test_an_unknown_filter_value_is_ignored_and_shown(client, ops_user):
    client.force_login(ops_user)

    response = client.get("/dashboard/?shop=no-such-shop&window=1y")

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_german_labels(client, ops_user):
    client.force_login(ops_user)

    response = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 200
    assert 'lang="de"' in response.content.decode()


def read_csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_export_of_stuck_orders_and_figures(client, ops_user, world, make_order):
    # the screen runs on the real clock
    now = timezone.now()
    StepSla.objects.create(
        step=Step.INTAKE_RELEASED, shop=world["web"], max_duration=datetime.timedelta(hours=2)
    )
    held = make_order(status=Order.Status.ON_HOLD, created_at=now - datetime.timedelta(hours=3))
    make_order(status=Order.Status.CANCELLED, created_at=now - datetime.timedelta(minutes=1))
    make_order(created_at=now - datetime.timedelta(minutes=1))
    client.force_login(ops_user)

    stuck = read_csv(client.get("/dashboard/export/stuck.csv?shop=h8-web"))
    figures = read_csv(client.get("/dashboard/export/figures.csv?shop=h8-web&window=7d"))
    steps = read_csv(client.get("/dashboard/export/steps.csv"))

    assert [(row["order"], row["step"], row["reason"], row["sla_seconds"]) for row in stuck] == [
        (held.number, "intake_released", "on_hold", "7200")
    ]
    by_name = {row["figure"]: row for row in figures}
    assert (by_name["orders"]["value"], by_name["revenue"]["value"]) == ("3", "300.00")
    cancellation = by_name["cancellation_rate"]
    assert (cancellation["numerator"], cancellation["denominator"]) == ("1", "3")
    assert cancellation["value"] == "0.3333"
    assert {"parcels_per_order", "return_rate", "on_time_rate", "store_share"} <= set(by_name)
    assert [row["step"] for row in steps] == list(Step.values)
    assert client.get("/dashboard/export/nothing.csv").status_code == 404


@pytest.fixture
def cached_panels(monkeypatch):
    """The panel cache on, as in production; the keys it wrote are removed afterwards."""
    from django.core.cache import cache

    from monitoring import views
    from monitoring.selectors import Filters

    monkeypatch.setattr(views, "CACHE_SECONDS", 30)
    yield
    for shop in ("h8-web", "h8-app"):
        filters = Filters(shop=shop, window="30d")
        for language in ("en", "de"):
            with translation.override(language):
                cache.delete_many([views.panel_cache_key(name, filters) for name in views.PANELS])


def test_a_panel_is_computed_once_per_refresh_interval_and_filter_set(
    client, ops_user, world, make_order, cached_panels
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_order(status=Order.Status.ON_HOLD, created_at=ago(days=3))
    client.force_login(ops_user)
    url = "/dashboard/?panel=stuck&shop=h8-web&window=30d"
    first = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    make_order(status=Order.Status.ON_HOLD, created_at=ago(days=4))

    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    other_shop = client.get(
        "/dashboard/?panel=stuck&shop=h8-app&window=30d", HTTP_HX_REQUEST="true"
    ).content.decode()

    assert again == first  # the second order shows with the next interval
    assert not [query for query in queries if "orders_order" in query["sql"]]
    assert first.count('href="/care/orders/') == 1
    assert other_shop.count('href="/care/orders/') == 0
