"""Completing orders: shipped, the shop's return window over since the goods last reached the
customer, and no return still open. Nothing more can happen to such an order."""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.locks import lock_order
from orders.models import Order, OrderEvent
from orders.services.events import Actor
from orders.services.lifecycle import change_status

# When goods last left for or reached the customer: the return window counts from there.
REACHED_EVENTS = ("shipped", "shipment_delivered", "collected")


def _due(orders: QuerySet[Order], now: datetime.datetime) -> QuerySet[Order]:
    from oms.models import Shop
    from returns.models import Return
    from returns.services import days_by_shop

    window = days_by_shop("window_days")
    window_over = Q(pk__in=[])
    for shop_id in Shop.objects.values_list("pk", flat=True):
        window_over |= Q(
            shop_id=shop_id, reached__lt=now - datetime.timedelta(days=window(shop_id))
        )
    reached = (
        OrderEvent.objects.filter(order=OuterRef("pk"), type__in=REACHED_EVENTS)
        .order_by("-at")
        .values("at")[:1]
    )
    open_return = Return.objects.filter(order=OuterRef("pk"), status__in=Return.OPEN_STATES)
    return (
        orders.filter(status=Order.Status.SHIPPED)
        .annotate(reached=Subquery(reached))
        .filter(window_over)
        .exclude(Exists(open_return))
    )


def orders_to_complete(now: datetime.datetime | None = None) -> list[int]:
    """Ids of the orders due for completion, longest finished first."""
    due = _due(Order.objects.all(), now or timezone.now())
    return list(due.order_by("reached", "pk").values_list("pk", flat=True))


@transaction.atomic
def complete_order(*, order: Order, now: datetime.datetime | None = None) -> bool:
    """Complete the order if it is (still) due; True when it was completed now."""
    order = lock_order(order.pk)
    if not _due(Order.objects.filter(pk=order.pk), now or timezone.now()).exists():
        return False
    change_status(
        order,
        "complete",
        actor=Actor.system("order-completion"),
        message=_("Completed: the return window is over and no return is open."),
    )
    return True
