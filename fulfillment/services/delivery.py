"""Work on delivery orders and shipments: accept, reject (→ reroute), ship, tracking events."""

import contextlib
import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fulfillment.models import (
    Carrier,
    DeliveryOrder,
    DeliveryOrderLine,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
)
from inventory import services as inventory_services
from inventory.models import Reservation
from oms.errors import DomainError, InvalidInput
from orders.locks import lock_order
from orders.models import Order, OrderLine
from orders.services.events import Actor, record_event
from orders.services.lifecycle import change_status
from orders.services.messages import queue_message
from orders.services.payments import capture_payment_for_shipment


@dataclass(frozen=True)
class LineQuantity:
    line_id: int  # the order line's id, as in the API
    quantity: int


def _lock(delivery_order: DeliveryOrder) -> tuple[Order, DeliveryOrder]:
    """Lock the order first (the orders domain's lock order), then the delivery order."""
    order_id = delivery_order.order_id or (
        DeliveryOrder.objects.values_list("order_id", flat=True).get(pk=delivery_order.pk)
    )
    order = lock_order(order_id)
    locked = (
        DeliveryOrder.objects.select_for_update()
        .select_related("location")
        .get(pk=delivery_order.pk)
    )
    return order, locked


def _resolve(
    delivery_order: DeliveryOrder, lines: list[LineQuantity] | None
) -> list[tuple[DeliveryOrderLine, int]]:
    """The delivery order's lines and quantities asked for (all that is open without `lines`)."""
    own = {line.order_line_id: line for line in delivery_order.lines.select_for_update()}
    if not lines:
        return [(line, line.quantity_open) for line in own.values() if line.quantity_open > 0]
    errors = []
    asked: dict[int, int] = {}  # a line named twice counts with both quantities
    for index, item in enumerate(lines):
        line = own.get(item.line_id)
        if line is None:
            errors.append(
                {
                    "attr": f"lines.{index}.line",
                    "code": "not_in_delivery_order",
                    "detail": _("Line %(line)s is not part of this delivery order.")
                    % {"line": item.line_id},
                }
            )
            continue
        asked[line.order_line_id] = asked.get(line.order_line_id, 0) + item.quantity
        if not 1 <= asked[line.order_line_id] <= line.quantity_open:
            errors.append(
                {
                    "attr": f"lines.{index}.quantity",
                    "code": "too_many",
                    "detail": _("Between 1 and %(open)d.") % {"open": line.quantity_open},
                }
            )
    if any(error["code"] == "not_in_delivery_order" for error in errors):
        raise InvalidInput(errors)
    if errors:  # more than is open: a business rule, like cancelling shipped units
        raise DomainError(
            _("More than is still open on the delivery order."), errors=errors, code="too-many"
        )
    return [(own[line_id], quantity) for line_id, quantity in asked.items()]


def _back_to_pool(order, delivery_order, line, quantity: int, *, reason: str, actor: str) -> None:
    """Give units of a delivery-order line back: release them at the location, hold them in
    the shop's pool again so routing can place them elsewhere."""
    left = quantity
    for reservation in _placed_reservations(delivery_order, line):
        if left <= 0:
            break
        take = min(left, reservation.quantity)
        inventory_services.release_reservation(
            reservation=reservation, quantity=take, reason=reason, actor=actor
        )
        left -= take
    _hold_in_pool(order, line.order_line, quantity, actor=actor)


def _placed_reservations(delivery_order: DeliveryOrder, line: DeliveryOrderLine):
    return Reservation.objects.filter(
        order_line_id=line.order_line_id,
        location_id=delivery_order.location_id,
        status=Reservation.Status.OPEN,
    ).order_by("pk")


def _hold_in_pool(order: Order, order_line: OrderLine, quantity: int, *, actor: str) -> None:
    """Hold the rejected units in the shop's pool again so the reroute can place them."""
    # With nothing left anywhere the reroute reports the line as waiting for stock.
    with contextlib.suppress(inventory_services.InsufficientStock):
        inventory_services.reserve_for_order(
            shop=order.shop,
            items=[
                inventory_services.ReservationRequest(
                    product=order_line.product, quantity=quantity, order_line=order_line
                )
            ],
            actor=actor,
        )


def _reroute(order: Order, *, reason: str) -> None:
    """Route the units given back at once (never to a location that rejected them).

    When the stock moves under the engine, the routing task retries with fresh data.
    """
    from fulfillment.services.routing import StockChanged, route_order
    from fulfillment.tasks import route_order as route_order_task

    try:
        with transaction.atomic():
            route_order(order=order, actor=Actor.system("routing"), reason=reason)
    except StockChanged:
        route_order_task.delay_on_commit(order.pk, reason=reason)


@transaction.atomic
def delivery_order_accept(*, delivery_order: DeliveryOrder, actor: Actor) -> DeliveryOrder:
    """The location confirms it will fulfil the delivery order."""
    order, delivery_order = _lock(delivery_order)
    delivery_order.accept()
    delivery_order.save()
    record_event(
        order,
        "delivery_order_accepted",
        actor=actor,
        message=_("%(location)s accepted delivery order %(id)s.")
        % {"location": delivery_order.location.code, "id": delivery_order.pk},
        data={"delivery_order": delivery_order.pk},
    )
    return delivery_order


def _illegal(delivery_order: DeliveryOrder, action: str) -> DomainError:
    return DomainError(
        _("Delivery order %(id)s is %(status)s and cannot be %(action)s.")
        % {"id": delivery_order.pk, "status": delivery_order.status, "action": action},
        code="illegal-state",
    )


@transaction.atomic
def delivery_order_start_picking(*, delivery_order: DeliveryOrder, actor: Actor) -> DeliveryOrder:
    """The location starts picking (accepting it first if nobody did); safe to repeat."""
    order, delivery_order = _lock(delivery_order)
    if delivery_order.status == DeliveryOrder.Status.PICKING:
        return delivery_order
    if delivery_order.status not in DeliveryOrder.NOT_PICKED_STATES:
        raise _illegal(delivery_order, pgettext("cannot be …", "picked"))
    if delivery_order.status == DeliveryOrder.Status.RELEASED:
        delivery_order.accept()
    delivery_order.start_picking()
    delivery_order.save()
    record_event(
        order,
        "picking_started",
        actor=actor,
        message=_("Picking started in %(location)s (delivery order %(id)s).")
        % {"location": delivery_order.location.name, "id": delivery_order.pk},
        data={"delivery_order": delivery_order.pk},
    )
    return delivery_order


@transaction.atomic
def delivery_order_pack(
    *, delivery_order: DeliveryOrder, actor: Actor, message: str = "", data: dict | None = None
) -> DeliveryOrder:
    """Everything is picked and packed: the parcels wait for the carrier; safe to repeat."""
    order, delivery_order = _lock(delivery_order)
    if delivery_order.status == DeliveryOrder.Status.PACKED:
        return delivery_order
    if delivery_order.status not in (DeliveryOrder.Status.ACCEPTED, DeliveryOrder.Status.PICKING):
        raise _illegal(delivery_order, pgettext("cannot be …", "packed"))
    if order.delivery_method != Order.DeliveryMethod.SHIP:
        raise DomainError(_("A pickup order is not packed for a carrier."), code="pickup-order")
    delivery_order.pack()
    delivery_order.save()
    record_event(
        order,
        "packed",
        actor=actor,
        message=message
        or _("Packed in %(location)s.") % {"location": delivery_order.location.name},
        data={"delivery_order": delivery_order.pk, **(data or {})},
    )
    return delivery_order


@transaction.atomic
def delivery_order_ready_for_pickup(
    *, delivery_order: DeliveryOrder, collect_by: datetime.datetime, actor: Actor
) -> DeliveryOrder:
    """The goods wait at the store's counter for the customer until `collect_by`."""
    order, delivery_order = _lock(delivery_order)
    if delivery_order.status == DeliveryOrder.Status.READY_FOR_PICKUP:
        return delivery_order
    if order.delivery_method == Order.DeliveryMethod.SHIP:
        raise DomainError(_("This order is delivered to the customer's home."), code="not-pickup")
    if delivery_order.status not in (
        DeliveryOrder.Status.ACCEPTED,
        DeliveryOrder.Status.PICKING,
        DeliveryOrder.Status.PACKED,
    ):
        raise _illegal(delivery_order, pgettext("cannot be …", "made ready for pickup"))
    delivery_order.ready_for_pickup()
    delivery_order.save()
    record_event(
        order,
        "ready_for_pickup",
        actor=actor,
        message=_("Ready for pickup in %(location)s until %(date)s.")
        % {
            "location": delivery_order.location.name,
            "date": timezone.localtime(collect_by).strftime("%d.%m.%Y"),
        },
        data={"delivery_order": delivery_order.pk, "collect_by": collect_by.isoformat()},
    )
    return delivery_order


@transaction.atomic
def delivery_order_collect(
    *, delivery_order: DeliveryOrder, reference: str, verified_by: str, actor: Actor
) -> DeliveryOrder:
    """The customer collected: the goods leave the stock, the order is shipped, card captured."""
    order, delivery_order = _lock(delivery_order)
    if delivery_order.status == DeliveryOrder.Status.COLLECTED:
        return delivery_order
    if delivery_order.status != DeliveryOrder.Status.READY_FOR_PICKUP:
        raise _illegal(delivery_order, pgettext("cannot be …", "handed over"))
    items = [
        (line, line.quantity_open)
        for line in delivery_order.lines.select_for_update().order_by("pk")
        if line.quantity_open > 0
    ]
    handed = _take_out_of_stock(delivery_order, items, reference=reference, actor=actor)
    delivery_order.collect()
    delivery_order.save()
    _order_shipped(order, actor=actor)
    record_event(
        order,
        "collected",
        actor=actor,
        message=_("Collected by the customer in %(location)s (verified by %(check)s).")
        % {"location": delivery_order.location.name, "check": verified_by},
        data={"delivery_order": delivery_order.pk, "reference": reference},
    )
    capture_payment_for_shipment(order=order, shipped=handed, actor=actor)
    return delivery_order


@transaction.atomic
def delivery_order_expire_pickup(*, delivery_order: DeliveryOrder, actor: Actor) -> bool:
    """The customer did not come in time: cancel what waits (stock and money back, told).

    A delivery order ready for pickup expires; a click & reserve one not yet prepared is
    cancelled. Returns False when there was nothing to expire.
    """
    from orders.services.lifecycle import LineQuantity as OrderLineQuantity
    from orders.services.lifecycle import cancel_order

    order, delivery_order = _lock(delivery_order)
    if delivery_order.status == DeliveryOrder.Status.READY_FOR_PICKUP:
        delivery_order.expire()
    elif (
        delivery_order.status in DeliveryOrder.OPEN_STATES
        and order.delivery_method == Order.DeliveryMethod.RESERVE
    ):
        delivery_order.cancel()
    else:
        return False
    delivery_order.save()
    cancelled = []
    for line in delivery_order.lines.select_for_update().order_by("pk"):
        quantity = line.quantity_open
        if quantity > 0:
            line.quantity_cancelled += quantity
            line.save(update_fields=["quantity_cancelled"])
            cancelled.append(OrderLineQuantity(line_id=line.order_line_id, quantity=quantity))
    record_event(
        order,
        "pickup_expired",
        actor=actor,
        message=_("Not collected in %(location)s in time.")
        % {"location": delivery_order.location.name},
        data={"delivery_order": delivery_order.pk},
    )
    if cancelled and order.status not in (Order.Status.CANCELLED, Order.Status.SHIPPED):
        cancel_order(order=order, lines=cancelled, reason=_("not collected in time"), actor=actor)
    return True


@transaction.atomic
def delivery_order_reject(
    *,
    delivery_order: DeliveryOrder,
    reason: str,
    lines: list[LineQuantity] | None,
    actor: Actor,
) -> DeliveryOrder:
    """The location cannot ship (some of) it: give its stock back and route the rest anew."""
    order, delivery_order = _lock(delivery_order)
    if delivery_order.status not in DeliveryOrder.OPEN_STATES:
        raise DomainError(
            _("Delivery order %(id)s is %(status)s and cannot be rejected.")
            % {"id": delivery_order.pk, "status": delivery_order.status},
            code="illegal-state",
        )
    rejected = _resolve(delivery_order, lines)
    label = f"delivery:{actor.label}"
    for line, quantity in rejected:
        line.quantity_rejected += quantity
        line.save(update_fields=["quantity_rejected"])
        _back_to_pool(order, delivery_order, line, quantity, reason=reason, actor=label)
    delivery_order.reject_reason = reason[:200]
    if _close_when_done(delivery_order, otherwise="reject") is None:
        delivery_order.save(update_fields=["reject_reason", "updated_at"])
    record_event(
        order,
        "delivery_order_rejected",
        actor=actor,
        message=_("%(location)s rejected %(units)d unit(s): %(reason)s")
        % {
            "location": delivery_order.location.code,
            "units": sum(quantity for _line, quantity in rejected),
            "reason": reason,
        },
        data={
            "delivery_order": delivery_order.pk,
            "lines": [{"line": line.order_line_id, "quantity": q} for line, q in rejected],
        },
    )
    _reroute(order, reason="reject")
    return delivery_order


def _take_out_of_stock(
    delivery_order: DeliveryOrder,
    items: list[tuple[DeliveryOrderLine, int]],
    *,
    reference: str,
    actor: Actor,
) -> list[tuple[OrderLine, int]]:
    """Units leave the location: consume their reservations, count them shipped on both lines."""
    order_lines = {
        line.pk: line
        for line in OrderLine.objects.select_for_update()
        .filter(pk__in=[line.order_line_id for line, _q in items])
        .order_by("pk")
    }
    handed: list[tuple[OrderLine, int]] = []
    for line, quantity in items:
        line.quantity_shipped += quantity
        line.save(update_fields=["quantity_shipped"])
        left = quantity
        for reservation in _placed_reservations(delivery_order, line):
            if left <= 0:
                break
            take = min(left, reservation.quantity)
            inventory_services.consume_reservation(
                reservation=reservation, quantity=take, reference=reference, actor=actor.label
            )
            left -= take
        order_line = order_lines[line.order_line_id]
        order_line.quantity_shipped += quantity
        order_line.refresh_status()
        order_line.save(update_fields=["quantity_shipped", "status"])
        handed.append((order_line, quantity))
    return handed


def _order_shipped(order: Order, *, actor: Actor) -> None:
    """Move the (locked) order to shipped, or partly shipped while units are still open."""
    everything = all(line.quantity_open == 0 for line in order.lines.all())
    if order.status == Order.Status.PARTLY_SHIPPED and not everything:
        return
    change_status(order, "ship" if everything else "ship_partly", actor=actor)


@transaction.atomic
def delivery_order_ship(
    *,
    delivery_order: DeliveryOrder,
    carrier: Carrier,
    tracking_number: str,
    lines: list[LineQuantity] | None,
    actor: Actor,
) -> Shipment:
    """Parcel handed to the carrier: consume the stock, capture payment, tell the customer."""
    order, delivery_order = _lock(delivery_order)
    if delivery_order.status not in DeliveryOrder.OPEN_STATES or (
        delivery_order.status == DeliveryOrder.Status.CREATED
    ):
        raise DomainError(
            _("Delivery order %(id)s is %(status)s and cannot be shipped.")
            % {"id": delivery_order.pk, "status": delivery_order.status},
            code="illegal-state",
        )
    _refuse_used_tracking_number(carrier, tracking_number)
    shipped = _resolve(delivery_order, lines)
    if not shipped:
        raise DomainError(_("Nothing is left to ship."), code="nothing-to-ship")
    shipment = Shipment.objects.create(
        delivery_order=delivery_order,
        carrier=carrier,
        tracking_number=tracking_number,
        promised_date=delivery_order.promised_date,
    )
    for line, quantity in shipped:
        ShipmentLine.objects.create(shipment=shipment, delivery_line=line, quantity=quantity)
    captured = _take_out_of_stock(
        delivery_order, shipped, reference=f"shipment:{carrier.code}:{tracking_number}", actor=actor
    )
    if all(line.quantity_open == 0 for line in delivery_order.lines.all()):
        delivery_order.ship()
        delivery_order.save()
    _order_shipped(order, actor=actor)
    record_event(
        order,
        "shipped",
        actor=actor,
        message=_("Shipped from %(location)s with %(carrier)s, tracking %(number)s.")
        % {
            "location": delivery_order.location.code,
            "carrier": carrier.name,
            "number": tracking_number,
        },
        data={"shipment": shipment.pk, "delivery_order": delivery_order.pk},
    )
    capture_payment_for_shipment(order=order, shipped=captured, actor=actor)
    _tell_shipped(order, shipment)
    return shipment


@transaction.atomic
def delivery_order_ship_parcels(
    *, delivery_order: DeliveryOrder, parcels: list[tuple[Carrier, str]], actor: Actor
) -> list[Shipment]:
    """Hand several parcels of one delivery order to the carrier at once.

    Each parcel is a shipment of its own: its tracking number, delivery scans and shipping
    notice. The goods are booked with the first parcel (a store packs without recording which
    item went into which box); the delivery order is delivered once every parcel is.
    """
    (carrier, tracking_number), *more = parcels
    first = delivery_order_ship(
        delivery_order=delivery_order,
        carrier=carrier,
        tracking_number=tracking_number,
        lines=None,
        actor=actor,
    )
    shipments = [first]
    order = Order.objects.get(pk=delivery_order.order_id)
    for carrier, tracking_number in more:
        _refuse_used_tracking_number(carrier, tracking_number)
        shipment = Shipment.objects.create(
            delivery_order=first.delivery_order,
            carrier=carrier,
            tracking_number=tracking_number,
            promised_date=first.promised_date,
            shipped_at=first.shipped_at,
        )
        record_event(
            order,
            "shipped",
            actor=actor,
            message=_("Further parcel with %(carrier)s, tracking %(number)s.")
            % {"carrier": carrier.name, "number": tracking_number},
            data={"shipment": shipment.pk, "delivery_order": delivery_order.pk},
        )
        _tell_shipped(order, shipment)
        shipments.append(shipment)
    return shipments


def _refuse_used_tracking_number(carrier: Carrier, tracking_number: str) -> None:
    if Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).exists():
        raise DomainError(
            _("Tracking number %(number)s is already used.") % {"number": tracking_number},
            errors=[{"attr": "tracking_number", "code": "duplicate", "detail": _("Already used.")}],
            code="duplicate-tracking-number",
        )


def _tell_shipped(order: Order, shipment: Shipment) -> None:
    queue_message(
        order=order,
        type="shipped",
        key=f"shipped:{shipment.pk}",
        context={
            "tracking_url": shipment.tracking_url,
            "tracking_number": shipment.tracking_number,
        },
    )


@transaction.atomic
def shipment_record_event(
    *, shipment: Shipment, status: str, at: datetime.datetime, message: str, actor: Actor
) -> Shipment:
    """A tracking update: store it and move the shipment (and its delivery order) on."""
    shipment = (
        Shipment.objects.select_for_update().select_related("delivery_order").get(pk=shipment.pk)
    )
    ShipmentEvent.objects.create(shipment=shipment, status=status, at=at, message=message[:500])
    if status == shipment.status:
        return shipment
    transition = {
        Shipment.Status.IN_TRANSIT: "transit",
        Shipment.Status.DELIVERED: "deliver",
        Shipment.Status.EXCEPTION: "report_exception",
    }[status]
    if shipment.status == Shipment.Status.DELIVERED:
        return shipment  # a late "in transit" after delivery changes nothing
    getattr(shipment, transition)()
    if status == Shipment.Status.DELIVERED:
        shipment.delivered_at = at
    shipment.save()
    order = Order.objects.get(pk=shipment.delivery_order.order_id)
    record_event(
        order,
        f"shipment_{status}",
        actor=actor,
        message=message or status,
        data={"shipment": shipment.pk, "at": at.isoformat()},
    )
    if status == Shipment.Status.DELIVERED:
        # Locked before it is read: a reject or cancel closing it at the same moment
        # (`_close_when_done`) sees this parcel delivered, or this sees it shipped.
        delivery_order = DeliveryOrder.objects.select_for_update().get(
            pk=shipment.delivery_order_id
        )
        if (
            delivery_order.status == DeliveryOrder.Status.SHIPPED
            and not delivery_order.shipments.exclude(status=Shipment.Status.DELIVERED).exists()
        ):
            delivery_order.deliver()
            delivery_order.save()
    return shipment


@transaction.atomic
def delivery_order_withdraw(
    *, delivery_order: DeliveryOrder, reason: str, actor: Actor
) -> DeliveryOrder:
    """Take back a delivery order not yet picked (outage): its units are routed elsewhere."""
    order, delivery_order = _lock(delivery_order)
    if delivery_order.status not in DeliveryOrder.NOT_PICKED_STATES:
        return delivery_order
    label = f"withdraw:{actor.label}"
    for line in delivery_order.lines.select_for_update().select_related("order_line__product"):
        quantity = line.quantity_open
        if quantity <= 0:
            continue
        line.quantity_cancelled += quantity
        line.save(update_fields=["quantity_cancelled"])
        _back_to_pool(order, delivery_order, line, quantity, reason=reason, actor=label)
    _close_when_done(delivery_order, otherwise="cancel")
    record_event(
        order,
        "delivery_order_withdrawn",
        actor=actor,
        message=_("Delivery order %(id)s taken back from %(location)s: %(reason)s")
        % {"id": delivery_order.pk, "location": delivery_order.location.code, "reason": reason},
        data={"delivery_order": delivery_order.pk},
    )
    _reroute(order, reason="outage")
    return delivery_order


def delivery_orders_at_unavailable_locations() -> list[int]:
    """Delivery orders not yet picked at locations now under outage or switched off."""
    return list(
        DeliveryOrder.objects.filter(status__in=DeliveryOrder.NOT_PICKED_STATES)
        .filter(Q(location__is_outage=True) | Q(location__is_active=False))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def delivery_lines_cancel(*, order_line: OrderLine, quantity: int, actor: Actor) -> int:
    """Take cancelled units of an order line off its open delivery orders (newest first).

    For the orders' cancel service, inside its transaction with the order locked; the
    reservations are released there. A delivery order left with nothing is cancelled.
    Returns the units taken off.
    """
    left = quantity
    lines = (
        DeliveryOrderLine.objects.select_for_update()
        .filter(
            order_line=order_line,
            delivery_order__status__in=DeliveryOrder.OPEN_STATES,
        )
        .select_related("delivery_order")
        .order_by("-delivery_order_id")
    )
    for line in lines:
        if left <= 0:
            break
        take = min(left, line.quantity_open)
        if take <= 0:
            continue
        line.quantity_cancelled += take
        line.save(update_fields=["quantity_cancelled"])
        left -= take
        delivery_order = DeliveryOrder.objects.select_for_update().get(pk=line.delivery_order_id)
        if _close_when_done(delivery_order, otherwise="cancel") == DeliveryOrder.Status.CANCELLED:
            record_event(
                order_line.order,
                "delivery_order_cancelled",
                actor=actor,
                message=_("Delivery order %(id)s cancelled.") % {"id": delivery_order.pk},
                data={"delivery_order": delivery_order.pk},
            )
    return quantity - left


def _close_when_done(delivery_order: DeliveryOrder, *, otherwise: str) -> str | None:
    """End a delivery order that has nothing open any more; its new status, None if open.

    If some of it was shipped it is shipped (delivered once every parcel of it arrived), so
    it leaves the location's work list and its parcels' tracking can complete it; if none
    was, the `otherwise` transition ("reject", "cancel") ends it. Saves it when it ends.
    """
    lines = list(delivery_order.lines.all())
    if any(line.quantity_open for line in lines):
        return None
    if any(line.quantity_shipped for line in lines):
        delivery_order.ship()
        if not delivery_order.shipments.exclude(status=Shipment.Status.DELIVERED).exists():
            delivery_order.deliver()
    else:
        getattr(delivery_order, otherwise)()
    delivery_order.save()
    return delivery_order.status


# Delivery orders a location already works on: it must ship them to a changed address.
ADDRESS_INFORMED_STATES = (
    DeliveryOrder.Status.RELEASED,
    DeliveryOrder.Status.ACCEPTED,
    DeliveryOrder.Status.PICKING,
    DeliveryOrder.Status.PACKED,
)


def delivery_orders_inform_address_change(*, order: Order) -> list[DeliveryOrder]:
    """Tell the locations already working on the (locked) order about its new delivery address.

    For the orders' address change, inside its transaction. Each delivery order at a location
    gets a timeline entry (channel system) naming the location; warehouses and partners read
    the address from the delivery order (API and portal), stores from their screens.
    """
    informed = list(
        order.delivery_orders.filter(status__in=ADDRESS_INFORMED_STATES)
        .select_related("location")
        .order_by("pk")
    )
    for delivery_order in informed:
        record_event(
            order,
            "location_informed_of_address",
            actor=Actor.system("fulfilment"),
            message=_(
                "%(location)s (%(code)s) informed of the new delivery address for delivery "
                "order %(id)s (%(status)s): %(address)s."
            )
            % {
                "location": delivery_order.location.name,
                "code": delivery_order.location.code,
                "id": delivery_order.pk,
                "status": delivery_order.get_status_display(),
                "address": order.shipping_address,
            },
            data={
                "delivery_order": delivery_order.pk,
                "location": delivery_order.location.code,
                "status": delivery_order.status,
                "address": order.shipping_address_id,
            },
        )
    return informed
