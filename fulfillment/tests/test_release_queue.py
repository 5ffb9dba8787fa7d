"""The routing drain: released orders are routed once, oldest first, by any number of drains."""

import threading
from types import SimpleNamespace

import pytest
from django.conf import settings as settings_module
from django.db import connection

from fulfillment.models import DeliveryOrder, RoutingDecision
from fulfillment.services import release_queue
from fulfillment.services import routing as routing_services
from fulfillment.tasks import route_released_orders
from inventory.models import Location
from oms import dispatch
from oms.dispatch import KickHook
from orders.models import Order
from orders.services import lifecycle


@pytest.fixture
def warehouse_only(stock):
    for location in Location.objects.filter(type__in=["warehouse", "store"]):
        stock("TSHIRT-WHITE-M", 0, location=location.code)
        stock("JEANS-BLUE-32", 0, location=location.code)
    stock("TSHIRT-WHITE-M", 50, location="wh-central")
    stock("JEANS-BLUE-32", 50, location="wh-central")


@pytest.fixture
def nothing_else_released(db):
    """Released orders of the demo data would be routed by the drain too: set them aside."""
    Order.objects.filter(status=Order.Status.RELEASED).update(status=Order.Status.ON_HOLD)


@pytest.mark.django_db
def test_a_release_kicks_the_routing_drain_which_routes_the_order(
    warehouse_only, nothing_else_released, place_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = place_order()

    assert [c.name for c in callbacks if isinstance(c, KickHook)].count("routing") == 1
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    assert order.delivery_orders.count() == 1


@pytest.mark.django_db
def test_the_drain_routes_every_released_order_once(
    warehouse_only, nothing_else_released, place_order
):
    orders = [place_order(), place_order(), place_order()]

    assert route_released_orders.delay().get() == 3
    assert route_released_orders.delay().get() == 0  # a second run finds nothing to do

    for order in orders:
        order.refresh_from_db()
        assert order.status == Order.Status.IN_FULFILMENT
        assert RoutingDecision.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_an_order_whose_stock_moved_waits_for_the_next_drain_and_holds_up_nobody(
    warehouse_only, nothing_else_released, place_order, monkeypatch
):
    unlucky, lucky = place_order(), place_order()
    real = routing_services._hold_stock

    def moved_for_the_first(order, *args, **kwargs):
        if order.pk == unlucky.pk:
            raise routing_services.StockChanged("moved")
        return real(order, *args, **kwargs)

    monkeypatch.setattr(routing_services, "_hold_stock", moved_for_the_first)
    assert release_queue.route_released_orders() == (1, False)
    unlucky.refresh_from_db()
    lucky.refresh_from_db()
    assert unlucky.status == Order.Status.RELEASED  # rolled back, nothing left behind
    assert not RoutingDecision.objects.filter(order=unlucky).exists()
    assert lucky.status == Order.Status.IN_FULFILMENT

    monkeypatch.setattr(routing_services, "_hold_stock", real)
    assert release_queue.route_released_orders() == (1, False)
    unlucky.refresh_from_db()
    assert unlucky.status == Order.Status.IN_FULFILMENT


@pytest.mark.django_db
def test_a_drain_stops_at_its_limit_and_says_more_wait(
    warehouse_only, nothing_else_released, place_order
):
    place_order(), place_order()

    assert release_queue.route_released_orders(limit=1) == (1, True)
    assert release_queue.route_released_orders(limit=1) == (1, False)


@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_share_the_queue_and_route_each_order_once(
    postgres_only, warehouse_only, nothing_else_released, place_order, monkeypatch
):
    # committed for real here, so the kick would route each order at once: no kicks
    monkeypatch.setattr(lifecycle, "dispatch", SimpleNamespace(kick=lambda name: None))
    orders = [place_order() for _ in range(6)]
    assert {order.status for order in orders} == {Order.Status.RELEASED}
    barrier = threading.Barrier(2)
    routed, errors = [], []

    def drain():
        try:
            barrier.wait()
            routed.append(release_queue.route_released_orders()[0])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(routed) == 6
    for order in orders:
        assert RoutingDecision.objects.filter(order=order).count() == 1
        assert DeliveryOrder.objects.filter(order=order).count() == 1


@pytest.mark.skipif(not settings_module.REDIS_URL, reason="needs Redis (REDIS_URL)")
@pytest.mark.django_db
def test_with_a_broker_a_drain_finding_a_queue_calls_in_another_worker(
    settings,
    monkeypatch,
    warehouse_only,
    nothing_else_released,
    place_order,
    django_capture_on_commit_callbacks,
):
    place_order(), place_order(), place_order()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(route_released_orders, "apply_async", lambda **o: queued.append(o))
    flags = dispatch._redis(settings.REDIS_URL)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert route_released_orders() == 3  # this drain routes them all itself ...
        # ... and queued one more for an idle worker to share, to start at once
        assert queued == [{"countdown": None}]
    finally:
        flags.delete(dispatch.flag_key(release_queue.ROUTING_DRAIN))
