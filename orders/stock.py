"""How orders use the inventory's reservations: the one adapter to inventory.services."""

from datetime import datetime

from django.db.models import Case, Sum, When

from orders.models import Order, OrderLine


def reserve_lines(
    *,
    order: Order,
    lines: list[OrderLine],
    actor: str,
    expires_at: datetime | None = None,
    savepoint: bool = True,
):
    """Reserve every line's units in one go; raises InsufficientStock (409) on any shortage.

    `savepoint=False` when a shortage ends the caller's transaction anyway (intake).
    """
    from inventory.models import Reservation
    from inventory.services import ReservationRequest, reserve_for_order

    if order.delivery_method == Order.DeliveryMethod.SHIP:
        location, kind = None, Reservation.Kind.ORDER
    elif order.delivery_method == Order.DeliveryMethod.RESERVE:
        location, kind = order.pickup_location, Reservation.Kind.CLICK_RESERVE
    else:
        location, kind = order.pickup_location, Reservation.Kind.ORDER
    items = [
        ReservationRequest(order_line=line, product=line.product, quantity=line.quantity)
        for line in lines
    ]
    return reserve_for_order(
        shop=order.shop,
        items=items,
        location=location,
        kind=kind,
        expires_at=expires_at,
        country=order.shipping_address.country.code,
        postcode=order.shipping_address.postcode,
        actor=actor,
        savepoint=savepoint,
    )


def held_units(line: OrderLine) -> int:
    """Units stock is held for (open reservations, in the pool or at a location)."""
    from inventory.models import Reservation

    return (
        line.reservations.filter(status=Reservation.Status.OPEN).aggregate(units=Sum("quantity"))[
            "units"
        ]
        or 0
    )


def release_line(*, line: OrderLine, quantity: int, reason: str, actor: str) -> None:
    """Give back `quantity` units held for the line, newest reservation first."""
    from inventory.models import Reservation
    from inventory.services import release_reservation

    left = quantity
    # Units held in the pool (not yet at a location) go first: they are the ones still waiting.
    open_reservations = (
        line.reservations.filter(status=Reservation.Status.OPEN)
        .annotate(placed=Case(When(location__isnull=True, then=0), default=1))
        .order_by("placed", "-pk")
    )
    for reservation in open_reservations:
        if left <= 0:
            break
        take = min(left, reservation.quantity)
        if take:
            release_reservation(reservation=reservation, quantity=take, reason=reason, actor=actor)
            left -= take
