"""The one place that decides lock order for orders: the order row, then its lines by pk."""

from orders.models import Order, OrderLine


def lock_order(order_id: int, *, related: tuple[str, ...] = ()) -> Order:
    """Lock and re-read the order (call inside a transaction), with its shop and customer
    and any further `related` rows the caller reads anyway (only the order row is locked)."""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("shop", "customer", *related)
        .get(pk=order_id)
    )


def lock_lines(order: Order) -> list[OrderLine]:
    """Lock the order's lines in pk order (after the order itself)."""
    return list(order.lines.select_for_update().order_by("pk"))
