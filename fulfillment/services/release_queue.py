"""Orders released for fulfilment wait here until a routing drain takes them, oldest first.

Releasing an order (intake, payment, review) kicks the drain `routing` (oms/dispatch.py)
instead of publishing one Celery task per order: the queue is the orders themselves, in
status "released", which routing moves on (in fulfilment, or waiting for stock). A drain
takes them one by one, each routed in its own transaction, and locks the order it takes
with SKIP LOCKED, so drains on several workers share the queue and none routes an order
twice; a drain that starts with two or more orders waiting kicks one more, so idle routing
workers join in. The periodic sweep kicks the drain every minute, so an order whose kick was lost
waits about a minute.
"""

import logging

from django.db import OperationalError, transaction
from django.db.models import QuerySet

from fulfillment.services.routing import StockChanged, route_order
from orders.models import Order
from orders.services.events import Actor

logger = logging.getLogger(__name__)

ROUTING_DRAIN = "routing"


def route_released_orders(*, limit: int = 500) -> tuple[int, bool]:
    """Route the released orders no routing has taken yet; (how many, whether more wait).

    An order whose stock moved under the engine (StockChanged) or whose lock the database
    gave up stays released and is tried again by the next drain; each drain tries an order
    once, so one that cannot be routed now does not hold up the others.
    """
    tried: set[int] = set()
    routed = 0
    while len(tried) < limit:
        with transaction.atomic():
            order_id = _next_released(exclude=tried)
            if order_id is None:
                return routed, False
            tried.add(order_id)
            try:
                with transaction.atomic():
                    decision = route_order(
                        order=Order(pk=order_id), actor=Actor.system("routing"), reason="release"
                    )
            except (StockChanged, OperationalError) as error:
                logger.info("Order %s stays released for the next drain: %s", order_id, error)
                continue
        routed += decision is not None
    return routed, released_waiting(exclude=tried)


def _next_released(*, exclude: set[int]) -> int | None:
    """The oldest released order no other drain holds, locked for this transaction."""
    return (
        waiting_orders()
        .exclude(pk__in=exclude)
        .order_by("created_at", "pk")  # the (status, created_at) index gives this order
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
        .first()
    )


def waiting_orders() -> QuerySet[Order]:
    """The queue: orders released for fulfilment that no routing has taken yet."""
    return Order.objects.filter(status=Order.Status.RELEASED)


def released_waiting(*, exclude: set[int] = frozenset(), at_least: int = 1) -> bool:
    """Whether (at least so many) released orders wait for a drain."""
    waiting = waiting_orders().exclude(pk__in=exclude)
    return waiting.order_by()[at_least - 1 : at_least].exists()
