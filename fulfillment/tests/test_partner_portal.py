"""Partner portal: a partner user works only its own delivery orders and uploads its stock."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fulfillment.models import DeliveryOrder, Shipment
from fulfillment.services.routing import route_order
from inventory.models import Location, StockLevel
from orders.models import Order
from orders.services.events import Actor

SOFA = "SOFA-GREY-3S"


@pytest.fixture
def sofa_order(stock, place_order) -> DeliveryOrder:
    """An order for a sofa that only the dropshipper ds-moebelwerk has: routed there."""
    for location in Location.objects.filter(type__in=["warehouse", "store", "dropshipper"]):
        stock(SOFA, 5 if location.code == "ds-moebelwerk" else 0, location=location.code)
    order = place_order(lines=[{"sku": SOFA, "quantity": 1, "unit_price": "499.00"}])
    route_order(order=order, actor=Actor.system("test"))
    return order.delivery_orders.get(location__code="ds-moebelwerk")


@pytest.fixture
def warehouse_order(stock, place_order) -> DeliveryOrder:
    for location in Location.objects.filter(type__in=["warehouse", "store"]):
        for sku in ("TSHIRT-WHITE-M", "JEANS-BLUE-32"):
            stock(sku, 5 if location.code == "wh-central" else 0, location=location.code)
    order = place_order()
    route_order(order=order, actor=Actor.system("test"))
    return order.delivery_orders.get()


@pytest.fixture
def partner_client(client, partner_user):
    client.force_login(partner_user)
    return client


@pytest.mark.django_db
def test_partner_sees_only_its_own_delivery_orders(partner_client, sofa_order, warehouse_order):
    page = partner_client.get("/partner/?status=all")
    assert page.status_code == 200
    listed = {do.pk for do in page.context["delivery_orders"]}
    assert sofa_order.pk in listed
    assert warehouse_order.pk not in listed
    # another location's delivery order answers 404, for reading and for every action
    assert partner_client.get(f"/partner/delivery-orders/{warehouse_order.pk}/").status_code == 404
    for action in ("accept", "reject", "ship"):
        url = f"/partner/delivery-orders/{warehouse_order.pk}/{action}/"
        response = partner_client.post(url, {"confirmed": "1", "reason": "x"})
        assert response.status_code == 404
    warehouse_order.refresh_from_db()
    assert warehouse_order.status == DeliveryOrder.Status.RELEASED


@pytest.mark.django_db
def test_other_roles_cannot_open_the_portal(client, agent_user):
    client.force_login(agent_user)
    assert client.get("/partner/").status_code == 403


@pytest.mark.django_db
def test_accept_asks_for_confirmation_first(partner_client, sofa_order):
    url = f"/partner/delivery-orders/{sofa_order.pk}/accept/"
    asked = partner_client.post(url)
    assert asked.status_code == 200
    assert b"Yes, confirm" in asked.content
    sofa_order.refresh_from_db()
    assert sofa_order.status == DeliveryOrder.Status.RELEASED
    done = partner_client.post(url, {"confirmed": "1"})
    assert done.status_code == 302
    sofa_order.refresh_from_db()
    assert sofa_order.status == DeliveryOrder.Status.ACCEPTED
    event = sofa_order.order.events.get(type="delivery_order_accepted")
    assert (event.actor, event.channel) == ("partner", "partner")


@pytest.mark.django_db
def test_ship_with_carrier_and_tracking_number(partner_client, sofa_order):
    url = f"/partner/delivery-orders/{sofa_order.pk}/ship/"
    missing = partner_client.post(url, {"carrier": "spedition", "confirmed": "1"})
    assert missing.status_code == 302
    assert not Shipment.objects.filter(delivery_order=sofa_order).exists()
    partner_client.post(
        url, {"carrier": "spedition", "tracking_number": "SP-4711", "confirmed": "1"}
    )
    sofa_order.refresh_from_db()
    assert sofa_order.status == DeliveryOrder.Status.SHIPPED
    assert Shipment.objects.get(delivery_order=sofa_order).tracking_number == "SP-4711"
    assert Order.objects.get(pk=sofa_order.order_id).status == Order.Status.SHIPPED


@pytest.mark.django_db
def test_reject_with_a_reason_sends_the_units_elsewhere_or_waits(partner_client, sofa_order):
    line = sofa_order.lines.get()
    url = f"/partner/delivery-orders/{sofa_order.pk}/reject/"
    partner_client.post(
        url, {"reason": "damaged", f"quantity-{line.order_line_id}": "1", "confirmed": "1"}
    )
    sofa_order.refresh_from_db()
    assert sofa_order.status == DeliveryOrder.Status.REJECTED
    assert sofa_order.reject_reason == "damaged"
    order = Order.objects.get(pk=sofa_order.order_id)
    assert order.status == Order.Status.UNROUTABLE  # nobody else has the sofa
    assert "SOFA-GREY-3S" in order.hold_reason


@pytest.mark.django_db
def test_stock_upload_is_confirmed_then_applied_to_own_locations(partner_client):
    csv = "sku;quantity\nSOFA-GREY-3S;7\nSOFA-BLUE-2S;3\n"
    upload = SimpleUploadedFile("stock.csv", csv.encode(), content_type="text/csv")
    preview = partner_client.post("/partner/stock/", {"location": "ds-moebelwerk", "file": upload})
    assert preview.status_code == 200
    assert b"SOFA-BLUE-2S" in preview.content
    level = StockLevel.objects.filter(location__code="ds-moebelwerk", product__sku=SOFA)
    before = level.first().on_hand if level.exists() else None
    assert before != 7
    done = partner_client.post(
        "/partner/stock/", {"location": "ds-moebelwerk", "content": csv, "confirmed": "1"}
    )
    assert done.status_code == 302
    assert level.get().on_hand == 7


@pytest.mark.django_db
def test_stock_upload_for_another_location_changes_nothing(partner_client):
    csv = "wh-central;TSHIRT-WHITE-M;0\n"
    before = StockLevel.objects.get(location__code="wh-central", product__sku="TSHIRT-WHITE-M")
    response = partner_client.post(
        "/partner/stock/", {"location": "ds-moebelwerk", "content": csv, "confirmed": "1"}
    )
    assert response.status_code == 400
    assert b"not one of your locations" in response.content
    after = StockLevel.objects.get(pk=before.pk)
    assert after.on_hand == before.on_hand


@pytest.mark.django_db
def test_a_bad_file_is_explained(partner_client):
    response = partner_client.post(
        "/partner/stock/", {"location": "ds-moebelwerk", "content": "SOFA-GREY-3S;many\n"}
    )
    assert response.status_code == 400
    assert b"not a whole number" in response.content
