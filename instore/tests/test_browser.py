"""Store flows in a real browser: scanning, packing, labels, pickup handover, short picks."""

import pytest
from playwright.sync_api import expect

from fulfillment.models import DeliveryOrder
from instore.models import Pickup
from instore.tests.conftest import BERLIN, JEANS, SHIRT, ean, only_in, place_and_route
from orders.tests.conftest import set_stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scan(page, code: str) -> None:
    """Type like a scanner into the focused input: digits, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def confirm(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, confirm").click()


def open_delivery_order(page, delivery_order: DeliveryOrder) -> None:
    page.goto(f"/store/{BERLIN}/")
    page.get_by_role("link", name=f"DO-{delivery_order.pk}").click()
    expect(page.locator("h1")).to_contain_text(f"DO-{delivery_order.pk}")


def pick_all_by_scanning(page) -> None:
    page.get_by_role("button", name="Start picking").click()
    confirm(page)
    expect(page.locator("#ean")).to_be_focused()
    scan(page, ean("JEANS-BLUE-34"))
    expect(page.get_by_role("alert")).to_contain_text("Wrong item")
    expect(page.locator("#ean")).to_be_focused()
    scan(page, ean(SHIRT))
    expect(page.locator("#picklist")).to_contain_text("1 of 2 picked")
    scan(page, ean(SHIRT))
    expect(page.locator(f"tr[data-sku='{SHIRT}'] .qty")).to_have_text("2 / 2")
    scan(page, ean(JEANS))
    expect(page.locator("#picklist")).to_contain_text("Everything is picked.")


def test_pick_by_scanning_pack_label_and_hand_to_carrier(login):
    only_in(BERLIN)
    delivery_order = place_and_route()
    page = login("store")
    open_delivery_order(page, delivery_order)

    pick_all_by_scanning(page)
    page.fill("#weight-1", "1,4")
    page.get_by_role("button", name="Pack and create labels").click()
    expect(page.locator("h1")).to_have_text("Pack and create the labels?")
    confirm(page)
    expect(page.get_by_role("status").first).to_contain_text("Packed")
    parcel = delivery_order.parcels.get()
    assert parcel.weight_grams == 1400

    page.goto(f"/store/{BERLIN}/do/{delivery_order.pk}/label/")
    barcode = page.locator(f"[data-tracking='{parcel.tracking_number}'] svg")
    expect(barcode).to_be_visible()
    assert barcode.get_attribute("aria-label") == parcel.tracking_number
    page.go_back()

    page.get_by_role("button", name="Handed to the carrier").click()
    confirm(page)
    expect(page.locator("#toasts")).to_contain_text("Shipped")
    delivery_order.refresh_from_db()
    assert delivery_order.status == DeliveryOrder.Status.SHIPPED
    assert delivery_order.order.messages.filter(type="shipped").exists()


def test_click_and_collect_ready_then_handover_with_the_code(login):
    only_in(BERLIN)
    delivery_order = place_and_route(
        delivery={"method": "click_collect", "pickup_location": BERLIN}
    )
    page = login("store")
    open_delivery_order(page, delivery_order)
    pick_all_by_scanning(page)
    page.get_by_role("button", name="Ready for pickup").click()
    confirm(page)
    code = Pickup.objects.get(delivery_order=delivery_order).code
    expect(page.locator("#toasts")).to_contain_text(code)

    page.get_by_role("link", name="Pickup counter").click()
    page.fill("#q", delivery_order.order.number)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Hand over").click()
    page.fill("#code", "WRONG9")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("does not match")
    page.fill("#code", code)
    page.get_by_role("button", name="Continue").click()
    confirm(page)
    expect(page.locator("#toasts")).to_contain_text("collected")
    delivery_order.refresh_from_db()
    assert delivery_order.status == DeliveryOrder.Status.COLLECTED


def test_short_pick_with_a_reason_is_rerouted(login):
    only_in(BERLIN)
    delivery_order = place_and_route()
    set_stock(JEANS, 5, location="wh-central")
    page = login("store")
    open_delivery_order(page, delivery_order)

    page.locator(f"tr[data-sku='{JEANS}']").get_by_role("link", name="Problem…").click()
    page.get_by_label("Not found").check()
    page.fill("#quantity", "1")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Report a picking problem?")
    confirm(page)
    expect(page.locator("#toasts")).to_contain_text("passed on to another location")

    rerouted = DeliveryOrder.objects.get(order=delivery_order.order, location__code="wh-central")
    assert [(line.sku, line.quantity) for line in rerouted.lines.all()] == [(JEANS, 1)]
    expect(page.locator(f"tr[data-sku='{JEANS}']")).to_have_count(0)


def test_endless_aisle_order_for_the_customer(login):
    only_in(BERLIN)
    set_stock("JEANS-BLUE-34", 5, location="wh-central")
    page = login("store")
    page.get_by_role("link", name="Endless aisle").click()
    page.fill("#q", "JEANS-BLUE-34")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Order for the customer").click()
    page.fill("#id_unit_price", "49.99")
    page.fill("#id_email", "walkin@example.com")
    page.fill("#id_first_name", "Max")
    page.fill("#id_last_name", "Muster")
    page.get_by_role("radio", name="Home delivery").check()
    page.fill("#id_street", "Hauptstr. 1")
    page.fill("#id_postcode", "10115")
    page.fill("#id_city", "Berlin")
    page.get_by_label("Card, paid now at the till").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Create this order?")
    confirm(page)
    expect(page.locator("h1")).to_contain_text("created")
    from orders.models import Order

    order = Order.objects.get(email="walkin@example.com", shop__code="de-store")
    assert order.number in page.locator("h1").inner_text()
    assert order.events.filter(type="endless_aisle", channel="store").exists()
