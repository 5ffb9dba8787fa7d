"""Reusable read queries on orders."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from oms.models import ApiClient
from orders.models import Order, OrderEvent, OrderLine


def orders_visible_to(client: ApiClient | None) -> QuerySet[Order]:
    """A shop client sees its shop's orders; a system client (or staff, None) sees all."""
    orders = Order.objects.all()
    if client is not None and client.scope == ApiClient.Scope.SHOP:
        return orders.filter(shop_id=client.shop_id)
    if client is not None and client.scope != ApiClient.Scope.SYSTEM:
        return orders.none()
    return orders


def order_detail(client: ApiClient | None, number: str) -> Order:
    """The order with everything the detail answer shows, or 404 (also for other shops)."""
    queryset = orders_visible_to(client).select_related(
        "shop",
        "customer",
        "pickup_location",
        "billing_address__country",
        "shipping_address__country",
    )
    queryset = queryset.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("position")),
        "payments",
        Prefetch("events", queryset=OrderEvent.objects.order_by("at", "pk")),
    )
    return get_object_or_404(queryset, number=number)


def order_search(
    client: ApiClient | None,
    *,
    shop: str | None = None,
    status: str | None = None,
    email: str | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[Order]:
    orders = orders_visible_to(client).select_related("shop")
    if shop:
        orders = orders.filter(shop__code=shop)
    if status:
        orders = orders.filter(status=status)
    if email:
        orders = orders.filter(email__iexact=email.strip())
    if updated_since:
        orders = orders.filter(updated_at__gte=updated_since)
    return orders.order_by("-updated_at", "-pk")
