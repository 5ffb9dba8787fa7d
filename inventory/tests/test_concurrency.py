"""No oversell under concurrent buyers, and no deadlocks (PostgreSQL: SQLite locks no rows)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from inventory.models import Location, Reservation, SafetyStockDefault
from inventory.services import InsufficientStock, ReservationRequest, reserve_for_order
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
