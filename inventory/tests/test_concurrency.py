"""No oversell under concurrent buyers, and no deadlocks (PostgreSQL: SQLite locks no rows)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum

from inventory.models import (
    Location,
    Reservation,
    SafetyStockDefault,
    StockLevel,
    StockMovement,
)
from inventory.services import (
    InsufficientStock,
    Placement,
    ReservationRequest,
    assign_reservations_to_locations,
    reserve_for_order,
)
from inventory.tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_concurrently(buyers: int, buy) -> list:
    start = threading.Barrier(buyers)

    def one(index: int):
        try:
            start.wait()
            return buy(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=buyers) as pool:
        return list(pool.map(one, range(buyers)))


def test_fifty_buyers_of_the_last_units_exactly_k_succeed(postgres_only):
    SafetyStockDefault.objects.all().delete()
    warehouse = factories.location(Location.Type.WAREHOUSE)
    store = factories.location(Location.Type.STORE)
    shops = [factories.shop([warehouse, store]), factories.shop([warehouse])]
    shirt = factories.product()
    factories.stock(warehouse, shirt, 5)
    factories.stock(store, shirt, 2)

    def buy(index: int) -> str:
        try:
            reserve_for_order(
                shop=shops[index % 2], items=[ReservationRequest(product=shirt, quantity=1)]
            )
            return "ok"
        except InsufficientStock as refusal:
            assert refusal.errors[0]["attr"] == "lines.0.sku"
            assert refusal.errors[0]["code"] == "insufficient_stock"
            return "refused"

    results = _run_concurrently(50, buy)

    assert results.count("ok") == 7
    assert results.count("refused") == 43
    assert Reservation.objects.filter(product=shirt, status="open").count() == 7


def test_orders_locking_the_same_skus_in_any_order_do_not_deadlock(postgres_only):
    SafetyStockDefault.objects.all().delete()
    warehouse = factories.location(Location.Type.WAREHOUSE)
    shop = factories.shop([warehouse])
    shirt, jeans = factories.product(), factories.product()
    factories.stock(warehouse, shirt, 15)
    factories.stock(warehouse, jeans, 1000)

    def buy(index: int) -> str:
        pair = [shirt, jeans] if index % 2 else [jeans, shirt]
        try:
            reserve_for_order(
                shop=shop, items=[ReservationRequest(product=p, quantity=1) for p in pair]
            )
            return "ok"
        except InsufficientStock:
            return "refused"

    results = _run_concurrently(40, buy)

    assert results.count("ok") == 15
    # an order short of shirts reserved no jeans either
    assert Reservation.objects.filter(product=jeans).count() == 15


def test_routings_placing_the_last_units_at_a_location_exactly_k_succeed(postgres_only):
    # given 3 shirts in the warehouse and 3 in a store, and 6 pool reservations of one each
    SafetyStockDefault.objects.all().delete()
    warehouse = factories.location(Location.Type.WAREHOUSE)
    store = factories.location(Location.Type.STORE)
    shop = factories.shop([warehouse, store])
    shirt, jeans = factories.product(), factories.product()
    factories.stock(warehouse, shirt, 3)
    factories.stock(store, shirt, 3)
    factories.stock(warehouse, jeans, 100)
    orders = [
        reserve_for_order(
            shop=shop,
            items=[
                ReservationRequest(product=shirt, quantity=1),
                ReservationRequest(product=jeans, quantity=1),
            ],
        )
        for _ in range(6)
    ]

    # when six routings place theirs in the warehouse at once (in either line order)
    def place(index: int) -> str:
        shirts, pair = orders[index]
        placements = [Placement(shirts, warehouse), Placement(pair, warehouse)]
        try:
            assign_reservations_to_locations(placements=placements[:: 1 if index % 2 else -1])
            return "ok"
        except InsufficientStock:
            return "refused"

    results = _run_concurrently(6, place)

    # then only three fit, and the books say so
    assert results.count("ok") == 3
    assert StockLevel.objects.get(location=warehouse, product=shirt).reserved == 3
    assert StockLevel.objects.get(location=warehouse, product=jeans).reserved == 3
    assert Reservation.objects.filter(product=shirt, location=None).count() == 3
    moved = StockMovement.objects.filter(location=warehouse, product=jeans, source="routing")
    assert moved.aggregate(units=Sum("delta_reserved"))["units"] == 3
