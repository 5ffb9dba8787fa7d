"""The store screens over HTTP: access per store, confirmation steps, HTMX fragments."""

import pytest
from django.urls import reverse

from fulfillment.models import DeliveryOrder
from instore.models import PickIssueReason, Pickup
from instore.tests.conftest import BERLIN, JEANS, SHIRT, ean
from orders.models import Order

pytestmark = pytest.mark.django_db


def url(name: str, *args, code: str = BERLIN) -> str:
    return reverse(f"instore:{name}", args=[code, *args])


def test_store_staff_see_only_their_store(client, store2_user, ship_order):
    client.force_login(store2_user)
    assert client.get(url("queue")).status_code == 404
    assert client.get(url("delivery-order", ship_order.pk)).status_code == 404
    assert client.post(url("scan", ship_order.pk), {"ean": ean(SHIRT)}).status_code == 404
    # and a delivery order of another store is not reachable through their own store's URL
    assert client.get(url("delivery-order", ship_order.pk, code="store-hamburg")).status_code == 404
    assert client.get(url("queue", code="store-hamburg")).status_code == 200


def test_other_roles_are_refused(client, agent_user):
    client.force_login(agent_user)
    assert client.get(url("queue")).status_code == 403


def test_queue_shows_the_new_delivery_order_with_counts(store_client, ship_order):
    response = store_client.get(url("queue"))
    assert response.status_code == 200
    assert f"DO-{ship_order.pk}" in response.text
    assert response.context["counts"]["new"] >= 1


def test_queue_polling_returns_the_fragment_and_signals_new_orders(store_client, ship_order):
    response = store_client.get(url("queue") + "?latest=0", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="live"' in response.text
    assert "New orders have arrived." in response.text
    assert response.headers["Vary"].count("HX-Request")
    latest = store_client.get(
        url("queue") + f"?latest={ship_order.pk}", headers={"HX-Request": "true"}
    )
    assert "New orders have arrived." not in latest.text


def test_scan_answers_with_the_pick_list_fragment(store_client, ship_order):
    response = store_client.post(
        url("scan", ship_order.pk), {"ean": ean(SHIRT)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="picklist"' in response.text and "<html" not in response.text
    assert "1 of 2 picked" in response.text
    wrong = store_client.post(
        url("scan", ship_order.pk), {"ean": ean("JEANS-BLUE-34")}, headers={"HX-Request": "true"}
    )
    assert "Wrong item" in wrong.text
    assert 'role="alert"' in wrong.text


def test_scan_without_htmx_redirects_with_a_message(store_client, ship_order):
    response = store_client.post(url("scan", ship_order.pk), {"ean": "123"}, follow=True)
    assert response.redirect_chain[-1][0] == url("delivery-order", ship_order.pk)
    assert "No product has the EAN 123" in response.text


def test_every_action_asks_for_confirmation_first(store_client, ship_order):
    response = store_client.post(url("start-picking", ship_order.pk), {"status": "released"})
    assert response.status_code == 200
    assert "Start picking?" in response.text
    ship_order.refresh_from_db()
    assert ship_order.status == DeliveryOrder.Status.RELEASED

    response = store_client.post(
        url("start-picking", ship_order.pk), {"status": "released", "confirmed": "1"}
    )
    assert response.status_code == 302
    ship_order.refresh_from_db()
    assert ship_order.status == DeliveryOrder.Status.PICKING
    event = ship_order.order.events.get(type="picking_started")
    assert (event.channel, event.actor) == ("store", "store")


def test_an_outdated_form_shows_a_clear_message(store_client, ship_order):
    store_client.post(url("start-picking", ship_order.pk), {"status": "released", "confirmed": "1"})
    response = store_client.post(
        url("pack", ship_order.pk),
        {"status": "packed", "weight": "1", "confirmed": "1"},
        follow=True,
    )
    assert "changed meanwhile" in response.text


def test_pick_issue_form_validates_then_confirms_then_reroutes(store_client, ship_order):
    line = ship_order.lines.get(sku=JEANS)
    reason = PickIssueReason.objects.get(code="not-found")
    assert store_client.get(url("pick-issue", ship_order.pk, line.pk)).status_code == 200
    bad = store_client.post(url("pick-issue", ship_order.pk, line.pk), {"quantity": "5"})
    assert bad.status_code == 400
    assert "Choose a reason." in bad.text
    confirm = store_client.post(
        url("pick-issue", ship_order.pk, line.pk), {"quantity": "1", "reason": reason.pk}
    )
    assert "Report a picking problem?" in confirm.text
    done = store_client.post(
        url("pick-issue", ship_order.pk, line.pk),
        {"quantity": "1", "reason": reason.pk, "status": "released", "confirmed": "1"},
    )
    assert done.status_code == 302
    line.refresh_from_db()
    assert line.quantity_rejected == 1


def test_full_ship_flow_over_http(store_client, ship_order):
    for sku, units in ((SHIRT, 2), (JEANS, 1)):
        for _unit in range(units):
            store_client.post(url("scan", ship_order.pk), {"ean": ean(sku)})
    store_client.post(
        url("pack", ship_order.pk), {"status": "picking", "weight": ["1,2", ""], "confirmed": "1"}
    )
    ship_order.refresh_from_db()
    assert ship_order.status == DeliveryOrder.Status.PACKED
    parcel = ship_order.parcels.get()
    assert parcel.weight_grams == 1200
    label = store_client.get(url("label", ship_order.pk))
    assert "<svg" in label.text and parcel.tracking_number in label.text
    slip = store_client.get(url("packing-slip", ship_order.pk))
    assert ship_order.order.number in slip.text
    store_client.post(url("hand-to-carrier", ship_order.pk), {"status": "packed", "confirmed": "1"})
    ship_order.refresh_from_db()
    assert ship_order.status == DeliveryOrder.Status.SHIPPED


def test_handover_checks_the_code(store_client, collect_order):
    for sku, units in ((SHIRT, 2), (JEANS, 1)):
        for _unit in range(units):
            store_client.post(url("scan", collect_order.pk), {"ean": ean(sku)})
    store_client.post(
        url("ready-for-pickup", collect_order.pk), {"status": "picking", "confirmed": "1"}
    )
    pickup = Pickup.objects.get(delivery_order=collect_order)
    found = store_client.get(url("pickup-search") + f"?q={pickup.code}")
    assert collect_order.order.number in found.text
    wrong = store_client.post(url("hand-over", collect_order.pk), {"code": "XXXXXX"})
    assert wrong.status_code == 400
    assert "does not match" in wrong.text
    store_client.post(
        url("hand-over", collect_order.pk),
        {"code": pickup.code, "status": "ready_for_pickup", "confirmed": "1"},
    )
    collect_order.refresh_from_db()
    assert collect_order.status == DeliveryOrder.Status.COLLECTED


def test_batch_picking_counts_for_the_first_order_needing_the_item(store_client, berlin_stock):
    from instore.tests.conftest import place_and_route

    first, second = place_and_route(), place_and_route()
    page = store_client.get(url("batch") + f"?do={first.pk}&do={second.pk}")
    assert page.status_code == 200
    assert "4" in page.text  # 2 + 2 shirts in one row
    response = store_client.post(
        url("batch-scan"),
        {"do": [first.pk, second.pk], "ean": ean(JEANS)},
        headers={"HX-Request": "true"},
    )
    assert f"delivery order {first.pk}" in response.text
    response = store_client.post(
        url("batch-scan"),
        {"do": [first.pk, second.pk], "ean": ean(JEANS)},
        headers={"HX-Request": "true"},
    )
    assert f"delivery order {second.pk}" in response.text


def test_endless_aisle_search_and_order(store_client, berlin_stock):
    from orders.tests.conftest import set_stock

    set_stock("JEANS-BLUE-34", 5, location="wh-central")
    search = store_client.get(url("aisle") + "?q=JEANS-BLUE-34")
    assert "JEANS-BLUE-34" in search.text
    form = {
        "sku": "JEANS-BLUE-34",
        "reference": "abc123",
        "quantity": "1",
        "unit_price": "49.99",
        "email": "walkin@example.com",
        "first_name": "Max",
        "last_name": "Muster",
        "delivery": "ship",
        "street": "Hauptstr. 1",
        "postcode": "10115",
        "city": "Berlin",
        "payment": "card",
    }
    assert store_client.post(url("aisle-order"), form).status_code == 200  # confirmation
    done = store_client.post(url("aisle-order"), {**form, "confirmed": "1"})
    assert done.status_code == 302
    order = Order.objects.get(external_id=f"{BERLIN}-abc123")
    assert order.shop.code == "de-store"
    assert order.events.filter(type="order_created", channel="store").exists()
    again = store_client.post(url("aisle-order"), {**form, "confirmed": "1"})
    assert again.status_code == 302
    assert Order.objects.filter(external_id=f"{BERLIN}-abc123").count() == 1
