"""Outage → reroute; late parcels → one message and one compensation even when run twice."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfillment.models import DeliveryOrder, Shipment, ShopFulfilmentSettings
from fulfillment.services.delivery import LineQuantity, delivery_order_ship
from fulfillment.services.routing import route_order
from fulfillment.tasks import handle_late_shipments, reroute_from_outages
from inventory.models import Location
from orders.models import CustomerMessage, Order
from orders.services.events import Actor

ACTOR = Actor.system("test")


@pytest.fixture
def only_warehouse_and_berlin(stock):
    for location in Location.objects.filter(type__in=["warehouse", "store"]):
        stock("TSHIRT-WHITE-M", 0, location=location.code)
        stock("JEANS-BLUE-32", 0, location=location.code)
    for code in ("wh-central", "store-berlin-mitte"):
        stock("TSHIRT-WHITE-M", 5, location=code)
        stock("JEANS-BLUE-32", 5, location=code)


@pytest.mark.django_db
def test_outage_reroutes_delivery_orders_not_yet_picked(
    only_warehouse_and_berlin, place_order, django_capture_on_commit_callbacks
):
    order = place_order()
    decision = route_order(order=order, actor=ACTOR)
    (first,) = decision.chosen
    location = Location.objects.get(code=first)
    location.is_outage = True
    location.save(update_fields=["is_outage"])
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert reroute_from_outages() == 1
        live = order.delivery_orders.exclude(status=DeliveryOrder.Status.CANCELLED)
        assert [d.location.code for d in live] == [
            {"wh-central": "store-berlin-mitte", "store-berlin-mitte": "wh-central"}[first]
        ]
        assert order.delivery_orders.get(location=location).status == DeliveryOrder.Status.CANCELLED
        assert order.events.filter(type="delivery_order_withdrawn").exists()
        # running again finds nothing more to do
        assert reroute_from_outages() == 0
    finally:
        location.is_outage = False
        location.save(update_fields=["is_outage"])


@pytest.mark.django_db
def test_late_parcel_one_message_and_one_refund_of_the_express_fee(
    only_warehouse_and_berlin, place_order, django_capture_on_commit_callbacks
):
    ShopFulfilmentSettings.objects.update_or_create(
        shop=Order._meta.get_field("shop").related_model.objects.get(code="de-web"),
        defaults={"late_compensation": ShopFulfilmentSettings.Compensation.REFUND_EXPRESS_FEE},
    )
    order = place_order(delivery={"method": "ship", "service": "express", "pickup_location": None})
    route_order(order=order, actor=ACTOR)
    (delivery_order,) = order.delivery_orders.all()
    shipment = delivery_order_ship(
        delivery_order=delivery_order,
        carrier=delivery_order.carrier_service.carrier,
        tracking_number="LATE-1",
        lines=None,
        actor=ACTOR,
    )
    Shipment.objects.filter(pk=shipment.pk).update(
        promised_date=timezone.localdate() - datetime.timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert handle_late_shipments() == 1
        assert handle_late_shipments() == 0
    assert CustomerMessage.objects.filter(order=order, type="delayed").count() == 1
    assert order.events.filter(type="late_compensation").count() == 1
    refunded = sum((p.amount_refunded for p in order.payments.all()), Decimal("0"))
    assert refunded == order.shipping_fee
    shipment.refresh_from_db()
    assert shipment.late_notified_at is not None and shipment.compensated_at is not None


@pytest.mark.django_db
def test_partial_ship_keeps_the_delivery_order_open(only_warehouse_and_berlin, place_order):
    order = place_order()
    route_order(order=order, actor=ACTOR)
    (delivery_order,) = order.delivery_orders.all()
    line = order.lines.get(sku="TSHIRT-WHITE-M")
    delivery_order_ship(
        delivery_order=delivery_order,
        carrier=delivery_order.carrier_service.carrier,
        tracking_number="PART-1",
        lines=[LineQuantity(line.pk, 1)],
        actor=ACTOR,
    )
    delivery_order.refresh_from_db()
    order.refresh_from_db()
    assert delivery_order.status == DeliveryOrder.Status.RELEASED
    assert order.status == Order.Status.PARTLY_SHIPPED


@pytest.mark.django_db
def test_cancelled_units_leave_the_delivery_order(only_warehouse_and_berlin, place_order):
    from fulfillment.services.delivery import delivery_lines_cancel

    order = place_order()
    route_order(order=order, actor=ACTOR)
    (delivery_order,) = order.delivery_orders.all()
    for line in order.lines.all():
        assert delivery_lines_cancel(order_line=line, quantity=line.quantity, actor=ACTOR) == (
            line.quantity
        )
    delivery_order = DeliveryOrder.objects.get(pk=delivery_order.pk)
    assert delivery_order.status == DeliveryOrder.Status.CANCELLED
