"""The partner portal in a real browser: accept, ship with tracking number, upload stock."""

import pytest
from playwright.sync_api import expect

from conftest import api_client_for
from fulfillment.models import DeliveryOrder
from fulfillment.services.routing import route_order
from inventory.models import Location, StockLevel
from orders.models import Order
from orders.services.events import Actor
from orders.tests.conftest import order_body, priced, set_stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SOFA = "SOFA-GREY-3S"


def sofa_delivery_order() -> DeliveryOrder:
    for location in Location.objects.filter(type__in=["warehouse", "store", "dropshipper"]):
        set_stock(SOFA, 5 if location.code == "ds-moebelwerk" else 0, location=location.code)
    body = priced(order_body(lines=[{"sku": SOFA, "quantity": 1, "unit_price": "499.00"}]))
    response = api_client_for("demo-de-web").post("/api/v1/orders", body, format="json")
    assert response.status_code == 201, response.json()
    order = Order.objects.get(number=response.json()["number"])
    route_order(order=order, actor=Actor.system("test"))
    return order.delivery_orders.get(location__code="ds-moebelwerk")


def confirm(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, confirm").click()


def test_partner_accepts_ships_and_uploads_stock(login, tmp_path):
    delivery_order = sofa_delivery_order()
    page = login("partner")
    expect(page.locator("h1")).to_contain_text("Partner portal")

    page.get_by_role("link", name=f"DO-{delivery_order.pk}").click()
    page.get_by_role("button", name="Accept delivery order").click()
    expect(page.locator("h1")).to_contain_text("Accept delivery order")
    confirm(page)
    expect(page.locator("#toasts")).to_contain_text("accepted")

    page.select_option("#ship-carrier", "spedition")
    page.fill("#ship-tracking", "SP-BROWSER-1")
    page.get_by_role("button", name="Ship", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Ship from delivery order")
    confirm(page)
    expect(page.locator("#toasts")).to_contain_text("Shipped")
    delivery_order.refresh_from_db()
    assert delivery_order.status == DeliveryOrder.Status.SHIPPED

    csv = tmp_path / "stock.csv"
    csv.write_text("sku;quantity\nSOFA-GREY-3S;12\n")
    page.get_by_role("link", name="Stock upload").first.click()
    page.set_input_files("#stock-file", str(csv))
    page.get_by_role("button", name="Check file").click()
    expect(page.locator("h1")).to_have_text("Apply stock upload?")
    confirm(page)
    expect(page.locator("#toasts")).to_contain_text("Stock updated for 1 SKU")
    level = StockLevel.objects.get(location__code="ds-moebelwerk", product__sku=SOFA)
    assert level.on_hand == 12
