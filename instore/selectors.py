"""Reads for the store screens: the work queue with its tabs, ages and due times, searches."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fulfillment.models import DeliveryOrder
from instore.models import StoreSettings
from instore.services import store_settings
from inventory.models import Location, Product
from orders.models import Order

TABS = [
    ("new", _("New")),
    ("picking", _("Picking")),
    ("packed", _("Packed")),
    ("ready", _("Ready for pickup")),
    ("reservations", _("Reservations")),
    ("overdue", _("Overdue")),
]
TAB_KEYS = [key for key, _label in TABS]
ACTIVE_STATES = (*DeliveryOrder.OPEN_STATES, DeliveryOrder.Status.READY_FOR_PICKUP)


@dataclass
class QueueEntry:
    delivery_order: DeliveryOrder
    since: datetime.datetime
    due: datetime.datetime
    age: datetime.timedelta
    level: str  # "ok", "amber", "red"
    tabs: tuple[str, ...]

    @property
    def age_minutes(self) -> int:
        return int(self.age.total_seconds() // 60)


def _entry(
    delivery_order: DeliveryOrder, settings: StoreSettings, now: datetime.datetime
) -> QueueEntry:
    order = delivery_order.order
    status = delivery_order.status
    pickup = getattr(delivery_order, "pickup", None) if status == "ready_for_pickup" else None
    if pickup is not None:
        since, due = pickup.ready_at, pickup.expires_at
        amber = due - datetime.timedelta(days=1)
    else:
        since = delivery_order.released_at or delivery_order.created_at
        due = since + datetime.timedelta(minutes=settings.due_after_minutes)
        amber = since + datetime.timedelta(minutes=settings.amber_after_minutes)
    level = "red" if now >= due else "amber" if now >= amber else "ok"
    if order.delivery_method == Order.DeliveryMethod.RESERVE:
        tabs = ["reservations"]
    elif status == DeliveryOrder.Status.READY_FOR_PICKUP:
        tabs = ["ready"]
    elif status == DeliveryOrder.Status.PICKING:
        tabs = ["picking"]
    elif status == DeliveryOrder.Status.PACKED:
        tabs = ["packed"]
    else:
        tabs = ["new"]
    if level == "red":
        tabs.append("overdue")
    return QueueEntry(delivery_order, since, due, now - since, level, tuple(tabs))


def store_delivery_orders(store: Location) -> QuerySet[DeliveryOrder]:
    return DeliveryOrder.objects.filter(location=store).select_related(
        "order__customer", "order__shop", "location"
    )


def queue(store: Location, now: datetime.datetime | None = None) -> list[QueueEntry]:
    """Every delivery order the store still has to work on, oldest first, with its tabs."""
    now = now or timezone.now()
    delivery_orders = (
        store_delivery_orders(store)
        .filter(status__in=[s for s in ACTIVE_STATES if s != DeliveryOrder.Status.CREATED])
        .select_related("pickup")
        .prefetch_related("lines")
        .order_by("released_at", "pk")
    )
    settings: dict[int, StoreSettings] = {}
    entries = []
    for delivery_order in delivery_orders:
        shop_id = delivery_order.order.shop_id
        if shop_id not in settings:
            settings[shop_id] = store_settings(shop_id)
        entries.append(_entry(delivery_order, settings[shop_id], now))
    return entries


def counts(entries: list[QueueEntry]) -> dict[str, int]:
    totals = dict.fromkeys(TAB_KEYS, 0)
    for entry in entries:
        for tab in entry.tabs:
            totals[tab] += 1
    return totals


def latest_id(store: Location) -> int:
    return (
        DeliveryOrder.objects.filter(location=store)
        .exclude(status=DeliveryOrder.Status.CREATED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )


def find_pickups(store: Location, query: str) -> QuerySet[DeliveryOrder]:
    """Orders waiting at this store for the customer, by pickup code, order number or name."""
    query = query.strip()
    found = store_delivery_orders(store).filter(
        status__in=[DeliveryOrder.Status.READY_FOR_PICKUP, *DeliveryOrder.OPEN_STATES],
        order__delivery_method__in=[
            Order.DeliveryMethod.CLICK_COLLECT,
            Order.DeliveryMethod.RESERVE,
        ],
    )
    if not query:
        return found.none()
    words = query.split()
    match = Q(pickup__code__iexact=query) | Q(order__number__iexact=query)
    match |= Q(order__email__iexact=query)
    name = Q()
    for word in words:
        name &= Q(order__customer__first_name__icontains=word) | Q(
            order__customer__last_name__icontains=word
        )
    return found.filter(match | name).select_related("pickup").order_by("pk")[:20]


def search_products(query: str, limit: int = 20) -> list[Product]:
    """Products by SKU, EAN, name or style, for the endless aisle."""
    query = query.strip()
    if len(query) < 2:
        return []
    return list(
        Product.objects.filter(is_active=True, is_service=False)
        .filter(
            Q(sku__icontains=query)
            | Q(ean=query)
            | Q(name__icontains=query)
            | Q(style__iexact=query)
        )
        .order_by("sku")[:limit]
    )
