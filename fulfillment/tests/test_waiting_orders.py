"""Orders no location can take wait visibly with the reason, are retried, and resume."""

import pytest

from fulfillment.models import DeliveryOrder, RoutingDecision
from fulfillment.selectors import routing_wait
from fulfillment.services.delivery import LineQuantity, delivery_order_reject
from fulfillment.services.routing import route_order
from fulfillment.tasks import retry_waiting_orders
from inventory.models import InboundStock, Location, StockLevel
from oms.models import Shop
from orders.models import Order
from orders.services.events import Actor
from orders.services.lifecycle import LineQuantity as OrderLineQuantity
from orders.services.lifecycle import cancel_order
from orders.tests.conftest import order_body, priced

ACTOR = Actor.system("test")
SHIRT, JEANS = "TSHIRT-WHITE-M", "JEANS-BLUE-32"


@pytest.fixture
def nowhere(stock):
    """Stock the order's SKUs only where named (`wh_central=5`), nowhere else."""

    def set_only(**quantities_by_location: int) -> None:
        for location in Location.objects.filter(type__in=["warehouse", "store"]):
            for sku in (SHIRT, JEANS):
                stock(
                    sku,
                    quantities_by_location.get(location.code.replace("-", "_"), 0),
                    location=location.code,
                )

    return set_only


def statuses(order: Order) -> list[tuple[str, str]]:
    return [
        (event.data["from"], event.data["to"])
        for event in order.events.filter(type="status_changed").order_by("pk")
    ]


@pytest.mark.django_db
def test_unroutable_order_waits_with_the_reason_and_counts_attempts(nowhere, place_order, stock):
    # given an order whose stock vanished after intake
    order = place_order()
    nowhere()
    # when routing and the periodic retry run while nothing arrives
    route_order(order=order, actor=ACTOR)
    assert retry_waiting_orders() == 1
    # then it waits visibly, with the reason and the attempts on the timeline
    order.refresh_from_db()
    assert order.status == Order.Status.UNROUTABLE
    assert "attempt 2" in order.hold_reason
    failed = order.events.filter(type="routing_failed").order_by("pk")
    assert [event.data["attempt"] for event in failed] == [1, 2]
    wait = routing_wait(order)
    assert wait is not None and wait.attempts == 2
    assert sorted((line.sku, units) for line, units in wait.lines) == [(JEANS, 1), (SHIRT, 2)]
    assert order.delivery_orders.count() == 0
    # when stock arrives, the next retry routes it: unroutable → released → in fulfilment
    stock(SHIRT, 5, location="wh-central")
    stock(JEANS, 5, location="wh-central")
    assert retry_waiting_orders() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    assert order.hold_reason == ""
    assert routing_wait(order) is None
    assert statuses(order)[-3:] == [
        ("released", "unroutable"),
        ("unroutable", "released"),
        ("released", "in_fulfilment"),
    ]
    assert retry_waiting_orders() == 0


@pytest.mark.django_db
def test_rejected_order_that_no_one_else_can_take_waits(nowhere, place_order):
    # given an order routed to the warehouse, the only location with stock
    nowhere(wh_central=5)
    order = place_order()
    route_order(order=order, actor=ACTOR)
    (delivery_order,) = order.delivery_orders.all()
    # when the warehouse rejects all of it
    delivery_order_reject(delivery_order=delivery_order, reason="damaged", lines=None, actor=ACTOR)
    # then it is not sent back there: the order waits, and care sees why
    order.refresh_from_db()
    assert order.status == Order.Status.UNROUTABLE
    assert "rejected it" in order.hold_reason
    assert not order.delivery_orders.exclude(status=DeliveryOrder.Status.REJECTED).exists()
    # a store gets the goods: the retry routes the order there
    nowhere(wh_central=5, store_berlin_mitte=5)
    assert retry_waiting_orders() == 1
    live = order.delivery_orders.exclude(status=DeliveryOrder.Status.REJECTED)
    assert [d.location.code for d in live] == ["store-berlin-mitte"]
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT


@pytest.mark.django_db
def test_a_rejected_remainder_waits_as_a_backorder_until_cancelled(nowhere, place_order):
    # given an order at the warehouse
    nowhere(wh_central=5)
    order = place_order()
    route_order(order=order, actor=ACTOR)
    (delivery_order,) = order.delivery_orders.all()
    shirt_line = order.lines.get(sku=SHIRT)
    # when it rejects one shirt that nobody else has
    delivery_order_reject(
        delivery_order=delivery_order,
        reason="damaged",
        lines=[LineQuantity(line_id=shirt_line.pk, quantity=1)],
        actor=ACTOR,
    )
    # then the rest stays in fulfilment and the shirt waits, visibly
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    assert "1 × TSHIRT-WHITE-M" in order.hold_reason
    wait = routing_wait(order)
    assert [(line.sku, units) for line, units in wait.lines] == [(SHIRT, 1)]
    assert RoutingDecision.objects.filter(order=order).first().outcome == "unroutable"
    # when care cancels the waiting unit, nothing waits any more
    cancel_order(
        order=order,
        lines=[OrderLineQuantity(shirt_line.pk, 1)],
        reason="not available",
        actor=ACTOR,
    )
    order.refresh_from_db()
    assert order.hold_reason == ""
    assert routing_wait(order) is None
    assert order.status == Order.Status.IN_FULFILMENT


@pytest.mark.django_db
def test_an_unroutable_order_can_be_cancelled(nowhere, place_order):
    order = place_order()
    nowhere()
    route_order(order=order, actor=ACTOR)
    cancel_order(order=order, lines=None, reason="customer gave up", actor=ACTOR)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.hold_reason == ""
    assert retry_waiting_orders() == 0


@pytest.mark.django_db
def test_an_order_promised_from_stock_in_transit_ships_after_it_arrives(nowhere, place_order):
    # given a shop that sells stock in transit, and shirts and jeans only on their way
    Shop.objects.filter(code="de-web").update(sells_stock_in_transit=True)
    nowhere()
    assert InboundStock.objects.filter(product__sku__in=[SHIRT, JEANS]).count() == 2
    # when the order comes in, it is accepted and waits: nothing is placed before it arrives
    order = place_order()
    route_order(order=order, actor=ACTOR)
    order.refresh_from_db()
    assert order.status == Order.Status.UNROUTABLE
    assert not StockLevel.objects.filter(product__sku__in=[SHIRT, JEANS], reserved__gt=0).exists()
    # when the goods arrive (received into stock, the inbound line closed), the retry routes it
    nowhere(wh_central=5)
    InboundStock.objects.filter(product__sku__in=[SHIRT, JEANS]).delete()
    assert retry_waiting_orders() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    assert [d.location.code for d in order.delivery_orders.all()] == ["wh-central"]


@pytest.mark.django_db
def test_a_shop_that_does_not_sell_stock_in_transit_refuses_such_an_order(nowhere, shop_api):
    nowhere()

    response = shop_api.post("/api/v1/orders", priced(order_body()), format="json")

    assert response.status_code == 409
    assert {error["attr"] for error in response.json()["errors"]} == {"lines.0.sku", "lines.1.sku"}
