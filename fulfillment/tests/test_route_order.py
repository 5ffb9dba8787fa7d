"""Routing an order end to end in the database: delivery orders, reservations, decision."""

import pytest
from django.db import connection

from fulfillment.models import DeliveryOrder, RoutingDecision
from fulfillment.services.routing import route_order
from inventory.models import Location, Reservation, SafetyStockDefault, StockLevel
from orders.models import Order
from orders.services.events import Actor

ACTOR = Actor.system("test")


@pytest.fixture
def shirts_only_in_berlin(stock):
    for location in Location.objects.filter(type__in=["warehouse", "store"]):
        stock("TSHIRT-WHITE-M", 0, location=location.code)
        stock("JEANS-BLUE-32", 0, location=location.code)
    stock("TSHIRT-WHITE-M", 5, location="store-berlin-mitte")
    stock("JEANS-BLUE-32", 5, location="wh-central")


@pytest.mark.django_db
def test_released_order_is_split_into_delivery_orders(shirts_only_in_berlin, place_order):
    # given
    order = place_order()
    assert order.status == Order.Status.RELEASED
    # when
    decision = route_order(order=order, actor=ACTOR)
    # then one delivery order per location, released, with the reservations moved there
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    assert decision.outcome == RoutingDecision.Outcome.ROUTED
    assert sorted(decision.chosen) == ["store-berlin-mitte", "wh-central"]
    delivery_orders = {d.location.code: d for d in order.delivery_orders.all()}
    assert {code: d.status for code, d in delivery_orders.items()} == {
        "store-berlin-mitte": DeliveryOrder.Status.RELEASED,
        "wh-central": DeliveryOrder.Status.RELEASED,
    }
    berlin = delivery_orders["store-berlin-mitte"]
    assert [(line.sku, line.quantity) for line in berlin.lines.all()] == [("TSHIRT-WHITE-M", 2)]
    assert berlin.promised_date is not None
    held = Reservation.objects.filter(
        order_line__order=order, status=Reservation.Status.OPEN, location__isnull=False
    )
    assert sorted((r.location.code, r.quantity) for r in held) == [
        ("store-berlin-mitte", 2),
        ("wh-central", 1),
    ]
    assert (
        StockLevel.objects.get(
            location__code="store-berlin-mitte", product__sku="TSHIRT-WHITE-M"
        ).reserved
        == 2
    )
    # every candidate is explained
    codes = {candidate["code"] for candidate in decision.candidates}
    assert set(order.shop.fulfilment_locations.values_list("code", flat=True)) == codes
    assert order.events.filter(type="routed").exists()


@pytest.mark.django_db
def test_routing_an_order_stays_within_its_query_budget(
    shirts_only_in_berlin, place_order, django_assert_max_num_queries
):
    route_order(order=place_order(), actor=ACTOR)  # warm caches (configuration)
    order = place_order()
    # 19 on PostgreSQL for an order split over two locations: the savepoint and its release,
    # lock (with the address), lines, delivery lines, locations, stock, units held at
    # locations, today's counts, decision, product lock, pool reservations, the placement
    # (inventory: locations with the product and reservation locks in one round trip, stock
    # picture, one write), delivery orders, their lines, order status, events (one insert).
    # SQLite places with the ORM (24): savepoint and release, reservations read, locations,
    # stock picture, reservations written, stock levels twice, movements; no product lock.
    budget = 19 if connection.vendor == "postgresql" else 24
    with django_assert_max_num_queries(budget):
        decision = route_order(order=order, actor=ACTOR)
    assert decision.outcome == RoutingDecision.Outcome.ROUTED
    assert sorted(decision.chosen) == ["store-berlin-mitte", "wh-central"]


@pytest.mark.django_db
def test_routing_twice_creates_no_second_set(shirts_only_in_berlin, place_order):
    order = place_order()
    route_order(order=order, actor=ACTOR)
    assert route_order(order=order, actor=ACTOR) is None
    assert order.delivery_orders.count() == 2


@pytest.mark.django_db
def test_order_without_stock_anywhere_waits_and_is_retried(
    shirts_only_in_berlin, place_order, stock
):
    order = place_order()
    # the stock disappears after intake (a feed counted it out)
    for location in ("store-berlin-mitte", "wh-central"):
        stock("TSHIRT-WHITE-M", 0, location=location)
        stock("JEANS-BLUE-32", 0, location=location)
    decision = route_order(order=order, actor=ACTOR)
    assert decision.outcome == RoutingDecision.Outcome.UNROUTABLE
    order.refresh_from_db()
    assert order.status == Order.Status.UNROUTABLE
    assert "2 × TSHIRT-WHITE-M" in order.hold_reason
    assert "no stock" in order.hold_reason
    assert order.events.filter(type="routing_failed").exists()
    from fulfillment.services.routing import orders_waiting_for_routing

    assert order.pk in orders_waiting_for_routing()
    # stock arrives: the retry routes it
    stock("TSHIRT-WHITE-M", 5, location="wh-central")
    stock("JEANS-BLUE-32", 5, location="wh-central")
    decision = route_order(order=order, actor=ACTOR, reason="retry")
    assert decision.chosen == ["wh-central"]
    assert order.pk not in orders_waiting_for_routing()
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    assert order.hold_reason == ""


@pytest.mark.django_db
def test_click_and_collect_is_routed_to_the_pickup_store_with_its_own_reservation(
    shirts_only_in_berlin, place_order, stock
):
    # given the store holds exactly what the order reserves there at intake (beyond safety)
    safety = (
        SafetyStockDefault.objects.filter(location_type="store")
        .values_list("quantity", flat=True)
        .first()
        or 0
    )
    stock("TSHIRT-WHITE-M", 2 + safety, location="store-berlin-mitte")
    stock("JEANS-BLUE-32", 1 + safety, location="store-berlin-mitte")
    order = place_order(
        delivery={
            "method": "click_collect",
            "service": "standard",
            "pickup_location": "store-berlin-mitte",
        }
    )
    decision = route_order(order=order, actor=ACTOR)
    assert decision.outcome == RoutingDecision.Outcome.ROUTED
    assert decision.chosen == ["store-berlin-mitte"]
    reserved = StockLevel.objects.get(
        location__code="store-berlin-mitte", product__sku="TSHIRT-WHITE-M"
    ).reserved
    assert reserved == 2  # held once, not twice
