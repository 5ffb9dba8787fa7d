"""The stock admin: levels with what is free, CSV feed upload (all or nothing), corrections."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import StockLevel, StockMovement
from inventory.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client, admin_login):
    client.force_login(admin_login)
    return client


def test_the_stock_list_shows_levels_and_filters_low_stock(admin_client_logged_in, world):
    scarce, plenty = factories.product(), factories.product()
    factories.stock(world["warehouse"], scarce, 1)
    factories.stock(world["warehouse"], plenty, 90)
    url = reverse("admin:inventory_stocklevel_changelist")

    page = admin_client_logged_in.get(url, {"q": "T-SKU", "low": "low"})

    assert page.status_code == 200
    body = page.content.decode()
    assert scarce.sku in body and plenty.sku not in body


def test_a_csv_feed_is_applied_through_the_admin(admin_client_logged_in, world):
    shirt = factories.product()
    csv = f"location,sku,quantity\n{world['warehouse'].code},{shirt.sku},17\n".encode()

    response = admin_client_logged_in.post(
        reverse("admin:inventory_stocklevel_upload"),
        {"mode": "absolute", "file": SimpleUploadedFile("feed.csv", csv, "text/csv")},
    )

    assert response.status_code == 302
    assert StockLevel.objects.get(product=shirt).on_hand == 17
    assert StockMovement.objects.get(product=shirt).source == "admin-csv:feed.csv"


def test_a_bad_csv_row_is_shown_and_nothing_is_applied(admin_client_logged_in, world):
    shirt = factories.product()
    csv = (
        f"location,sku,quantity\n{world['warehouse'].code},{shirt.sku},17\n"
        f"{world['warehouse'].code},NO-SUCH-SKU,3\n"
    ).encode()

    response = admin_client_logged_in.post(
        reverse("admin:inventory_stocklevel_upload"),
        {"mode": "absolute", "file": SimpleUploadedFile("feed.csv", csv, "text/csv")},
    )

    assert response.status_code == 200
    assert "Line 3 (sku)" in response.content.decode()
    assert not StockLevel.objects.filter(product=shirt).exists()


def test_a_store_correction_records_who_and_why(admin_client_logged_in, world):
    shirt = factories.product()
    level = factories.stock(world["store_a"], shirt, 6)

    response = admin_client_logged_in.post(
        reverse("admin:inventory_stocklevel_correct", args=[level.pk]),
        {"on_hand": 4, "reason": "two damaged"},
    )

    assert response.status_code == 302
    level.refresh_from_db()
    assert level.on_hand == 4
    movement = StockMovement.objects.get(product=shirt)
    assert (movement.reason, movement.delta_on_hand, movement.source, movement.actor) == (
        "correction",
        -2,
        "two damaged",
        "user:admin",
    )


def test_the_movement_history_is_read_only(admin_client_logged_in):
    page = admin_client_logged_in.get(
        reverse("admin:inventory_stockmovement_changelist"), {"q": "TSHIRT-WHITE-M"}
    )

    assert page.status_code == 200
    assert "TSHIRT-WHITE-M" in page.content.decode()
    assert (
        admin_client_logged_in.get(reverse("admin:inventory_stockmovement_add")).status_code == 403
    )


@pytest.mark.parametrize(
    "model", ["reservation", "safetystockdefault", "inboundstock", "serviceregion", "stockquota"]
)
def test_the_stock_configuration_pages_open(admin_client_logged_in, model):
    assert (
        admin_client_logged_in.get(reverse(f"admin:inventory_{model}_changelist")).status_code
        == 200
    )


@pytest.mark.parametrize("model", ["safetystockdefault", "inboundstock", "stockquota"])
def test_the_stock_configuration_add_forms_open(admin_client_logged_in, model):
    assert admin_client_logged_in.get(reverse(f"admin:inventory_{model}_add")).status_code == 200
