"""The routing task: idempotent, retried with fresh data when the stock moved meanwhile."""

import threading

import pytest
from django.db import connection

from fulfillment.models import DeliveryOrder, RoutingDecision, RoutingStrategy
from fulfillment.services import routing as routing_services
from fulfillment.tasks import retry_waiting_orders, route_order
from inventory.models import Location
from oms.models import Shop


@pytest.fixture
def warehouse_only(stock):
    for location in Location.objects.filter(type__in=["warehouse", "store"]):
        stock("TSHIRT-WHITE-M", 0, location=location.code)
        stock("JEANS-BLUE-32", 0, location=location.code)
    stock("TSHIRT-WHITE-M", 5, location="wh-central")
    stock("JEANS-BLUE-32", 5, location="wh-central")


@pytest.mark.django_db
def test_task_routes_once(warehouse_only, place_order):
    order = place_order()
    assert route_order.delay(order.pk).get() is not None
    assert route_order.delay(order.pk).get() is None
    assert order.delivery_orders.count() == 1


@pytest.mark.django_db
def test_task_retries_when_the_stock_moved(warehouse_only, place_order, monkeypatch):
    order = place_order()
    calls = []
    real = routing_services._hold_stock

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise routing_services.StockChanged("moved")
        return real(*args, **kwargs)

    monkeypatch.setattr(routing_services, "_hold_stock", flaky)
    # eagerly the retry runs at once (a worker would wait with backoff)
    route_order.apply(args=[order.pk], throw=False)
    assert len(calls) == 2
    # the failed attempt left nothing behind
    assert RoutingDecision.objects.filter(order=order).count() == 1
    assert order.delivery_orders.count() == 1


@pytest.mark.django_db
def test_customer_group_strategy_wins(warehouse_only, place_order):
    shop = Shop.objects.get(code="de-web")
    vip = RoutingStrategy(shop=shop, customer_group="vip", name="VIP", version=1)
    vip.activate()
    vip.save()
    order = place_order(
        customer={"email": "vip@example.com", "first_name": "V", "last_name": "Ip", "group": "vip"}
    )
    decision = route_order.delay(order.pk).get()
    assert RoutingDecision.objects.get(pk=decision).strategy == vip


@pytest.mark.django_db
def test_retry_job_routes_waiting_orders(warehouse_only, place_order, stock):
    order = place_order()
    stock("TSHIRT-WHITE-M", 0, location="wh-central")
    route_order.delay(order.pk).get()
    assert order.delivery_orders.count() == 1  # the jeans went, the shirts wait
    stock("TSHIRT-WHITE-M", 5, location="wh-central")
    assert retry_waiting_orders() == 1
    assert order.delivery_orders.count() == 2
    assert retry_waiting_orders() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_routing_creates_one_set(postgres_only, warehouse_only, place_order):
    order = place_order()
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            routing_services.route_order(order=order, actor=routing_services.Actor.system("thread"))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DeliveryOrder.objects.filter(order=order).count() == 1
    assert RoutingDecision.objects.filter(order=order).count() == 1
