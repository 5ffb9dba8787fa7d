"""Shipped orders are completed once the return window is over and no return is open; the
job completes each order once."""

import datetime

import pytest
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.services.events import Actor
from orders.tasks import complete_finished_orders
from returns import services as returns
from returns.models import ShopReturnSettings
from returns.tests.conftest import SKUS, place, ship_all, stock_only_in_warehouse

ACTOR = Actor.system("test")


def shipped(days_ago: int) -> Order:
    stock_only_in_warehouse(*SKUS)
    order = place()
    ship_all(order)
    assert order.status == Order.Status.SHIPPED
    OrderEvent.objects.filter(order=order, type="shipped").update(
        at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return order


@pytest.mark.django_db
def test_an_order_is_completed_once_its_return_window_is_over():
    ShopReturnSettings.objects.update_or_create(shop=shipped(0).shop, defaults={"window_days": 14})
    recent, old = shipped(13), shipped(15)

    assert complete_finished_orders() == 1
    assert complete_finished_orders() == 0

    recent.refresh_from_db()
    old.refresh_from_db()
    assert recent.status == Order.Status.SHIPPED
    assert old.status == Order.Status.COMPLETED
    [event] = old.events.filter(type="status_changed", data__to="completed")
    assert event.actor == "order-completion"


@pytest.mark.django_db
def test_an_open_return_keeps_the_order_open_until_it_is_closed():
    order = shipped(40)
    shirt = order.lines.get(sku="TSHIRT-WHITE-M")
    return_order = returns.return_announce(
        order=order,
        channel="mail",
        items=[returns.ReturnItem(shirt.pk, 1)],
        actor=ACTOR,
        override_window=True,
    )

    assert complete_finished_orders() == 0

    returns.return_receive(return_order=return_order, actor=ACTOR)
    returns.return_inspect(return_order=return_order, actor=ACTOR)
    returns.return_close(return_order=return_order, actor=ACTOR)
    assert complete_finished_orders() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


@pytest.mark.django_db
def test_an_order_not_yet_shipped_is_never_completed():
    stock_only_in_warehouse(*SKUS)
    order = place()

    assert complete_finished_orders() == 0
    order.refresh_from_db()
    assert order.status != Order.Status.COMPLETED
