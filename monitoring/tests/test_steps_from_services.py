"""The pickup and return steps, built through the real store and returns services.

The dashboard reads these steps from the timeline; these tests make sure it reads the event
types the services actually record (not names it guessed).
"""

import datetime

import pytest
from django.utils import timezone

from fulfillment.models import DeliveryOrder
from instore import services as instore
from instore.tests.conftest import BERLIN, only_in, place_and_route
from monitoring.models import Step
from monitoring.selectors import Filters, _completed_step, stuck_orders
from orders.models import Order, OrderEvent
from orders.services.events import Actor
from returns import services as returns
from returns.tests.conftest import SKUS, place, ship_all, stock_only_in_warehouse

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
DAY = datetime.timedelta(days=1)


def event_at(order: Order, type: str) -> datetime.datetime:
    return OrderEvent.objects.filter(order=order, type=type).latest("at").at


def completed_duration(step: str, order: Order) -> datetime.timedelta | None:
    now = timezone.now() + datetime.timedelta(seconds=1)
    source = _completed_step(step, Filters(window="today"), now - DAY, now)
    found = (
        source.queryset.filter(pk=order.pk)
        .annotate(taken=source.duration)
        .values_list("taken", flat=True)
    )
    return next(iter(found), None)


def stuck_steps(order: Order, *, later: datetime.timedelta) -> dict[str, str]:
    found = stuck_orders(Filters(), now=timezone.now() + later, limit=None)
    return {item.step: item.reason for item in found if item.order_id == order.pk}


def test_a_pickup_is_stuck_until_collected_then_timed(db):
    # given a click & collect order ready in the Berlin store
    only_in(BERLIN)
    delivery = place_and_route(delivery={"method": "click_collect", "pickup_location": BERLIN})
    order = delivery.order
    for pick in instore.pick_lines(delivery):
        for _unit in range(pick.to_pick - pick.picked):
            instore.pick_scan(delivery_order=delivery, ean=pick.product.ean, actor=ACTOR)
    pickup = instore.mark_ready_for_pickup(delivery_order=delivery, actor=ACTOR)

    # then after the SLA (5 days) it is stuck, not collected
    assert stuck_steps(order, later=6 * DAY).get(Step.PICKUP_COLLECTED) == "not_collected"
    assert completed_duration(Step.PICKUP_COLLECTED, order) is None

    # when the customer collects it
    instore.hand_over_to_customer(
        delivery_order=delivery, code=pickup.code, id_checked=True, actor=ACTOR
    )

    # then the step is finished and timed from ready to collected
    delivery.refresh_from_db()
    assert delivery.status == DeliveryOrder.Status.COLLECTED
    assert Step.PICKUP_COLLECTED not in stuck_steps(order, later=6 * DAY)
    assert completed_duration(Step.PICKUP_COLLECTED, order) == event_at(
        order, "collected"
    ) - event_at(order, "ready_for_pickup")


def test_a_return_is_stuck_until_refunded_then_timed(db):
    # given a shipped order and a return announced by mail (refund when it arrives)
    stock_only_in_warehouse(*SKUS)
    order = place()
    ship_all(order)
    shirt = order.lines.get(sku="TSHIRT-WHITE-M")
    return_order = returns.return_announce(
        order=order, channel="mail", items=[returns.ReturnItem(shirt.pk, 1)], actor=ACTOR
    )

    # then after the SLA (7 days) the refund is pending
    assert stuck_steps(order, later=8 * DAY).get(Step.RETURN_REFUNDED) == "refund_pending"
    assert completed_duration(Step.RETURN_REFUNDED, order) is None

    # when the parcel arrives (which refunds it)
    returns.return_receive(return_order=return_order, actor=ACTOR)

    # then the step is finished and timed from announcement to refund
    assert Step.RETURN_REFUNDED not in stuck_steps(order, later=8 * DAY)
    assert completed_duration(Step.RETURN_REFUNDED, order) == event_at(
        order, "refund_issued"
    ) - event_at(order, "return_announced")


def test_a_return_called_off_is_no_longer_waiting_for_its_refund(db):
    # given a return whose parcel will not come
    stock_only_in_warehouse(*SKUS)
    order = place()
    ship_all(order)
    shirt = order.lines.get(sku="TSHIRT-WHITE-M")
    return_order = returns.return_announce(
        order=order, channel="mail", items=[returns.ReturnItem(shirt.pk, 1)], actor=ACTOR
    )
    assert stuck_steps(order, later=8 * DAY).get(Step.RETURN_REFUNDED) == "refund_pending"

    # when it is cancelled, the order leaves the stuck list and no refund time is counted
    returns.return_cancel(return_order=return_order, reason="customer kept it", actor=ACTOR)

    assert Step.RETURN_REFUNDED not in stuck_steps(order, later=8 * DAY)
    assert completed_duration(Step.RETURN_REFUNDED, order) is None
