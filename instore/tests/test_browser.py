"""Store flows in a real browser: scanning, packing, labels, pickup handover, short picks,
expiry of uncollected pickups and the click & reserve sale at the counter."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fulfillment.models import DeliveryOrder
from instore import services
from instore.models import Pickup
from instore.tasks import expire_uncollected_pickups
from instore.tests.conftest import BERLIN, JEANS, SHIRT, ean, only_in, place_and_route
from inventory.models import StockLevel
from orders.models import Order, Payment
from orders.services.events import Actor
from orders.tests.conftest import set_stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scan(page, code: str) -> None:
    """Type like a scanner into the focused input: digits, then Enter.

    Only once htmx has taken over the scan form: a scan right after a page load would
    otherwise post the plain form (the result then comes as a toast after a reload).
    """
    page.wait_for_function(
        "() => document.querySelector('#ean')?.form?.['htmx-internal-data']?.initHash"
    )
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
    # Read the code only once the server has answered (the page shows its notice).
    expect(page.locator("#toasts")).to_contain_text("The customer was sent the pickup code")
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


def click_and_wait(page, locator) -> None:
    """Click a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def ready_tab_row(page, delivery_order: DeliveryOrder):
    return page.locator("table.queue").get_by_role("link", name=f"DO-{delivery_order.pk}")


def test_a_pickup_not_collected_in_time_expires(login):
    only_in(BERLIN)
    delivery_order = place_and_route(
        delivery={"method": "click_collect", "pickup_location": BERLIN}
    )
    actor = Actor.system("test")
    for pick in services.pick_lines(delivery_order):
        for _unit in range(pick.to_pick):
            services.pick_scan(delivery_order=delivery_order, ean=pick.product.ean, actor=actor)
    pickup = services.mark_ready_for_pickup(delivery_order=delivery_order, actor=actor)
    page = login("store")
    page.goto(f"/store/{BERLIN}/?tab=ready")
    expect(ready_tab_row(page, delivery_order)).to_be_visible()

    Pickup.objects.filter(pk=pickup.pk).update(
        expires_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert expire_uncollected_pickups() == 1  # as the beat runs it

    page.reload()
    expect(page.locator("a.tab[aria-current='page']")).to_contain_text("Ready for pickup")
    expect(ready_tab_row(page, delivery_order)).to_have_count(0)
    page.goto(f"/store/{BERLIN}/do/{delivery_order.pk}/")
    expect(page.locator(".do-header .badge")).to_have_text("Expired")
    expect(page.locator("#actions")).to_contain_text("Nothing left to do")
    click_and_wait(page, page.get_by_role("link", name="Pickup counter"))
    page.fill("#q", pickup.code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("No order waiting here matches")

    order = Order.objects.get(pk=delivery_order.order_id)
    assert order.status == Order.Status.CANCELLED
    cancellation = order.messages.get(type="cancelled")
    assert cancellation.sent_at is not None  # the send task ran (eagerly in the tests)
    for sku in (SHIRT, JEANS):
        stock = StockLevel.objects.get(product__sku=sku, location__code=BERLIN)
        assert (stock.on_hand, stock.reserved) == (20, 0)


def test_click_and_reserve_is_prepared_and_sold_at_the_counter(login):
    only_in(BERLIN)
    delivery_order = place_and_route(
        delivery={"method": "reserve", "pickup_location": BERLIN},
        payment={"method": "cash", "status": "pending", "reference": "", "amount": "0"},
    )
    order = delivery_order.order
    page = login("store")
    page.goto(f"/store/{BERLIN}/")
    click_and_wait(page, page.get_by_role("link", name="Reservations"))
    expect(page.locator("span.count[data-tab='reservations']")).to_have_text("1")
    click_and_wait(page, page.get_by_role("link", name=f"DO-{delivery_order.pk}"))
    expect(page.locator(".do-header")).to_contain_text("Click & reserve")

    click_and_wait(page, page.get_by_role("button", name="Start picking"))
    confirm(page)
    expect(page.locator("#ean")).to_be_focused()
    scan(page, ean(SHIRT))
    expect(page.locator(f"tr[data-sku='{SHIRT}'] .qty")).to_have_text("1 / 2")
    expect(page.locator("#ean")).to_be_focused()
    scan(page, ean(SHIRT))
    expect(page.locator(f"tr[data-sku='{SHIRT}'] .qty")).to_have_text("2 / 2")
    expect(page.locator("#ean")).to_be_focused()
    scan(page, ean(JEANS))
    expect(page.locator("#picklist")).to_contain_text("Everything is picked.")
    click_and_wait(page, page.get_by_role("button", name="Ready for pickup"))
    confirm(page)
    expect(page.locator("#toasts")).to_contain_text("The customer was sent the pickup code")
    code = Pickup.objects.get(delivery_order=delivery_order).code
    expect(page.locator("#toasts")).to_contain_text(code)

    click_and_wait(page, page.get_by_role("link", name="Pickup counter"))
    page.fill("#q", order.number)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    click_and_wait(page, page.get_by_role("link", name="Hand over"))
    expect(page.locator("legend")).to_contain_text(f"Take {order.total} EUR")
    page.fill("#code", code)
    page.get_by_label("Cash").check()
    click_and_wait(page, page.get_by_role("button", name="Continue"))
    expect(page.locator(".summary")).to_contain_text("(cash)")
    confirm(page)
    expect(page.locator("#toasts")).to_contain_text("collected")

    delivery_order.refresh_from_db()
    order.refresh_from_db()
    assert delivery_order.status == DeliveryOrder.Status.COLLECTED
    assert order.status == Order.Status.SHIPPED
    paid = order.payments.filter(status=Payment.Status.PAID)
    assert sum(payment.amount_captured for payment in paid) == order.total
    assert order.events.filter(type="payment_received", channel="store").exists()
