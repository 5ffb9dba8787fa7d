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


def test_the_charts_read_right_to_left_in_arabic(login, world, make_order):
    make_order(created_at=timezone.now())
    page = login("ops")
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": page.url}])

    page.goto("/dashboard/")

    assert page.evaluate("document.documentElement.dir") == "rtl"
    # Nothing sticks out of the page (a hidden table once widened it by half a screen).
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    # Every label of the rate and backlog charts is drawn inside its chart, right of its bar.
    outside = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg.bars')).flatMap(svg => {
            const box = svg.getBoundingClientRect();
            return Array.from(svg.querySelectorAll('g')).flatMap(row => {
                const label = row.querySelector('.bar-label').getBoundingClientRect();
                const track = row.querySelector('.track').getBoundingClientRect();
                const inside = label.width > 0 && label.left >= box.left - 1
                    && label.right <= box.right + 1 && label.left >= track.right - 1;
                return inside ? [] : [row.textContent.trim()];
            });
        })"""
    )
    assert outside == []
