"""The delivery order services the store screens and the API share: pick, pack, pickup."""

import datetime

import pytest
from django.utils import timezone

from fulfillment.models import Carrier, DeliveryOrder, Shipment
from fulfillment.services import delivery as services
from fulfillment.services.routing import route_order
from inventory.models import Location, StockLevel
from oms.errors import DomainError
from orders.models import Order
from orders.services.events import Actor
from orders.services.lifecycle import LineQuantity as OrderLineQuantity
from orders.services.lifecycle import cancel_order

ACTOR = Actor.system("test")
BERLIN = "store-berlin-mitte"


@pytest.fixture
def berlin_only(stock):
    for location in Location.objects.filter(type__in=["warehouse", "store"]):
        for sku in ("TSHIRT-WHITE-M", "JEANS-BLUE-32"):
            stock(sku, 20 if location.code == BERLIN else 0, location=location.code)


def routed(place_order, **overrides) -> DeliveryOrder:
    order = place_order(**overrides)
    route_order(order=order, actor=ACTOR)
    return order.delivery_orders.get()


@pytest.mark.django_db
def test_start_picking_accepts_first_and_is_safe_to_repeat(berlin_only, place_order):
    delivery_order = routed(place_order)
    services.delivery_order_start_picking(delivery_order=delivery_order, actor=ACTOR)
    again = services.delivery_order_start_picking(delivery_order=delivery_order, actor=ACTOR)
    assert again.status == DeliveryOrder.Status.PICKING
    assert again.accepted_at is not None
    assert delivery_order.order.events.filter(type="picking_started").count() == 1


@pytest.mark.django_db
def test_a_pickup_order_is_not_packed_and_a_home_delivery_not_collected(berlin_only, place_order):
    pickup = routed(place_order, delivery={"method": "click_collect", "pickup_location": BERLIN})
    services.delivery_order_start_picking(delivery_order=pickup, actor=ACTOR)
    with pytest.raises(DomainError):
        services.delivery_order_pack(delivery_order=pickup, actor=ACTOR)
    with pytest.raises(DomainError):
        services.delivery_order_collect(
            delivery_order=pickup, reference="x", verified_by="code", actor=ACTOR
        )


@pytest.mark.django_db
def test_collect_takes_the_goods_out_of_stock_and_ships_the_order(berlin_only, place_order):
    delivery_order = routed(
        place_order, delivery={"method": "click_collect", "pickup_location": BERLIN}
    )
    services.delivery_order_start_picking(delivery_order=delivery_order, actor=ACTOR)
    services.delivery_order_ready_for_pickup(
        delivery_order=delivery_order,
        collect_by=timezone.now() + datetime.timedelta(days=3),
        actor=ACTOR,
    )
    services.delivery_order_collect(
        delivery_order=delivery_order, reference="pickup:T1", verified_by="code", actor=ACTOR
    )
    delivery_order.refresh_from_db()
    order = Order.objects.get(pk=delivery_order.order_id)
    assert delivery_order.status == DeliveryOrder.Status.COLLECTED
    assert order.status == Order.Status.SHIPPED
    shirts = StockLevel.objects.get(location__code=BERLIN, product__sku="TSHIRT-WHITE-M")
    assert (shirts.on_hand, shirts.reserved) == (18, 0)
    assert order.payments.get().amount_captured > 0


@pytest.mark.django_db
def test_an_expired_pickup_cancels_the_order_once(berlin_only, place_order):
    delivery_order = routed(
        place_order, delivery={"method": "click_collect", "pickup_location": BERLIN}
    )
    services.delivery_order_start_picking(delivery_order=delivery_order, actor=ACTOR)
    services.delivery_order_ready_for_pickup(
        delivery_order=delivery_order, collect_by=timezone.now(), actor=ACTOR
    )
    assert services.delivery_order_expire_pickup(delivery_order=delivery_order, actor=ACTOR)
    assert not services.delivery_order_expire_pickup(delivery_order=delivery_order, actor=ACTOR)
    order = Order.objects.get(pk=delivery_order.order_id)
    assert order.status == Order.Status.CANCELLED
    shirts = StockLevel.objects.get(location__code=BERLIN, product__sku="TSHIRT-WHITE-M")
    assert (shirts.on_hand, shirts.reserved) == (20, 0)


def _ship_first_line(delivery_order: DeliveryOrder) -> Shipment:
    line = delivery_order.lines.order_by("order_line__position").first()
    return services.delivery_order_ship(
        delivery_order=delivery_order,
        carrier=Carrier.objects.get(code="dhl"),
        tracking_number=f"T-{delivery_order.pk}",
        lines=[services.LineQuantity(line.order_line_id, line.quantity)],
        actor=ACTOR,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["rejected", "cancelled"])
def test_a_partly_shipped_delivery_order_whose_rest_goes_counts_as_shipped(
    berlin_only, place_order, how
):
    delivery_order = routed(place_order)
    services.delivery_order_start_picking(delivery_order=delivery_order, actor=ACTOR)
    shipment = _ship_first_line(delivery_order)
    rest = delivery_order.lines.order_by("order_line__position").last()

    if how == "rejected":
        services.delivery_order_reject(
            delivery_order=delivery_order, reason="damaged", lines=None, actor=ACTOR
        )
    else:
        cancel_order(
            order=Order.objects.get(pk=delivery_order.order_id),
            lines=[OrderLineQuantity(rest.order_line_id, rest.quantity_open)],
            reason="customer request",
            actor=ACTOR,
        )

    delivery_order.refresh_from_db()
    assert delivery_order.status == DeliveryOrder.Status.SHIPPED  # off the work list
    services.shipment_record_event(
        shipment=shipment, status="delivered", at=timezone.now(), message="", actor=ACTOR
    )
    delivery_order.refresh_from_db()
    assert delivery_order.status == DeliveryOrder.Status.DELIVERED
