"""In a real browser: the dashboard loads, refreshes a panel, filters by a store, links to care."""

import datetime

import pytest
from django.utils import timezone

from fulfillment.models import DeliveryOrder
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_refreshes_filters_by_store_and_follows_a_stuck_order(
    login, world, make_order, make_delivery
):
    now = timezone.now()
    at_store = make_order(
        status=Order.Status.IN_FULFILMENT, created_at=now - datetime.timedelta(hours=12)
    )
    make_delivery(at_store, location=world["store"], status=DeliveryOrder.Status.RELEASED,
                  released_at=now - datetime.timedelta(hours=10))  # fmt: skip
    in_warehouse = make_order(
        status=Order.Status.IN_FULFILMENT, created_at=now - datetime.timedelta(hours=12)
    )
    make_delivery(in_warehouse, location=world["warehouse"], status=DeliveryOrder.Status.RELEASED,
                  released_at=now - datetime.timedelta(hours=9))  # fmt: skip
    page = login("ops")  # the operations lead

    # the dashboard loads with its panels
    page.goto("/dashboard/?shop=h8-web")
    assert "Operations dashboard" in page.locator("h1").inner_text()
    new_orders = page.locator('#panel-states tr[data-status="new"] td[data-bucket="lt_1h"]')
    assert new_orders.inner_text() == "0"

    # a new order arrives; the panel refreshes without reloading the page
    make_order(created_at=timezone.now())
    page.evaluate("window.dashboardMarker = 1")
    page.get_by_role("button", name="Refresh now").click()
    page.wait_for_function(
        "document.querySelector('#panel-states tr[data-status=\"new\"] td[data-bucket=\"lt_1h\"]').textContent === '1'"
    )
    assert page.evaluate("window.dashboardMarker") == 1

    # filter by the store: the URL holds the filter, only the store's stuck order is listed
    page.select_option("#id_location", "h8-store")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    assert "location=h8-store" in page.url
    rows = page.locator("#panel-stuck tbody tr")
    assert rows.count() == 1
    assert "Not accepted by the location" in rows.first.inner_text()

    # and follow it to the order's care page
    with page.expect_navigation():
        rows.first.get_by_role("link", name=at_store.number).click()
    assert page.url.endswith(f"/care/orders/{at_store.number}/")
    assert at_store.number in page.locator("h1").inner_text()
