"""Route orders: load the candidates, ask the engine, persist delivery orders and reservations."""

import datetime
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fulfillment import config, routing
from fulfillment.geo import distance_km, postcode_centre
from fulfillment.models import (
    DeliveryOrder,
    DeliveryOrderLine,
    LocationRoutingProfile,
    RoutingDecision,
    RoutingStrategy,
)
from fulfillment.selectors import shipping_options
from inventory import services as inventory_services
from inventory.locks import lock_products
from inventory.models import Location, Reservation, StockLevel
from orders.locks import lock_order
from orders.models import Address, Order, OrderLine
from orders.services.events import Actor, deferred_events, record_event
from orders.services.lifecycle import change_status

ROUTABLE_STATES = (
    Order.Status.RELEASED,
    Order.Status.UNROUTABLE,
    Order.Status.IN_FULFILMENT,
    Order.Status.PARTLY_SHIPPED,
)
WAITING_OUTCOMES = (RoutingDecision.Outcome.UNROUTABLE, RoutingDecision.Outcome.PARTIAL)
# Delivery orders that still hold units at their location.
LIVE_DELIVERY_STATES = (*DeliveryOrder.OPEN_STATES, DeliveryOrder.Status.READY_FOR_PICKUP)
RULE_LABELS = {
    routing.Rule.TYPE_NOT_ALLOWED: gettext_lazy("type not allowed"),
    routing.Rule.INACTIVE: gettext_lazy("switched off"),
    routing.Rule.OUTAGE: gettext_lazy("outage"),
    routing.Rule.COUNTRY_NOT_SERVED: gettext_lazy("does not serve the destination"),
    routing.Rule.NO_CAPACITY: gettext_lazy("full for today"),
    routing.Rule.NO_STOCK: gettext_lazy("no stock"),
    routing.Rule.HAZARDOUS_NOT_PERMITTED: gettext_lazy("no hazardous goods permit"),
    routing.Rule.BULKY_TOO_FAR: gettext_lazy("too far for bulky goods"),
    routing.Rule.DROPSHIPPER_FOREIGN_SKU: gettext_lazy("dropshipper of other goods"),
    routing.Rule.NOT_ALLOWED: gettext_lazy("rejected it or not eligible"),
    "short": gettext_lazy("not enough stock"),
}


class StockChanged(Exception):
    """The stock moved between loading the candidates and holding it: route again."""


@dataclass
class RoutingInput:
    lines: list[routing.Line]
    candidates: list[routing.Candidate]
    strategy: routing.Strategy
    strategy_row: RoutingStrategy | None
    options: dict = field(default_factory=dict)
    locations: dict[int, Location] = field(default_factory=dict)
    products: dict[int, int] = field(default_factory=dict)  # order line id → product id
    order_lines: dict[int, OrderLine] = field(default_factory=dict)  # with their products
    # (location id, order line id) → units the line already holds there (click & collect).
    own_placed: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveredLine:
    """A delivery order line of the order, as routing needs it (read once per routing)."""

    order_line_id: int
    location_id: int
    cancelled: bool  # its delivery order was cancelled: it holds nothing
    units_open: int  # neither shipped, rejected nor cancelled
    units_rejected: int


def strategy_for(
    order: Order, configuration: config.Configuration | None = None
) -> RoutingStrategy | None:
    """The active strategy for the order's shop and customer group (else the shop's default)."""
    configuration = configuration or config.current()
    group = order.customer.group if order.customer_id else ""
    return (
        configuration.active_strategy(order.shop_id, group) if group else None
    ) or configuration.active_strategy(order.shop_id, "")


def unrouted_quantities(order: Order) -> dict[int, int]:
    """Per order line: units neither cancelled, shipped nor held by a live delivery order."""
    return _unrouted(_order_lines(order), _delivery_lines(Q(order_line__order=order)))


def _order_lines(order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("product").order_by("pk"))


def _delivery_lines(lines: Q) -> list[DeliveredLine]:
    """The delivery order lines of these order lines, in one query of plain values."""
    return [
        DeliveredLine(
            order_line_id=line_id,
            location_id=location_id,
            cancelled=status == DeliveryOrder.Status.CANCELLED,
            units_open=quantity - shipped - rejected - cancelled,
            units_rejected=rejected,
        )
        for line_id, location_id, status, quantity, shipped, rejected, cancelled in (
            DeliveryOrderLine.objects.filter(lines).values_list(
                "order_line_id",
                "delivery_order__location_id",
                "delivery_order__status",
                "quantity",
                "quantity_shipped",
                "quantity_rejected",
                "quantity_cancelled",
            )
        )
    ]


def _unrouted(lines: list[OrderLine], delivered: list[DeliveredLine]) -> dict[int, int]:
    """Per order line (by pk): open units that no delivery order that is not cancelled holds."""
    held: dict[int, int] = {}
    for line in delivered:
        if not line.cancelled:
            held[line.order_line_id] = held.get(line.order_line_id, 0) + line.units_open
    quantities = {}
    for line in lines:
        if line.product.is_service:
            continue
        left = line.quantity_open - held.get(line.pk, 0)
        if left > 0:
            quantities[line.pk] = left
    return quantities


def _today_counts(location_ids: Iterable[int], now: datetime.datetime) -> dict[int, int]:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return dict(
        DeliveryOrder.objects.filter(location_id__in=list(location_ids), created_at__gte=start)
        .exclude(status__in=[DeliveryOrder.Status.CANCELLED, DeliveryOrder.Status.REJECTED])
        .values("location")
        .annotate(count=Count("id"))
        .values_list("location", "count")
    )


def build_input(
    order: Order,
    *,
    quantities: dict[int, int],
    strategy: RoutingStrategy | None = None,
    exclude_location_ids: Iterable[int] = (),
    now: datetime.datetime | None = None,
    time_budget_ms: float | None = None,
    order_lines: Iterable[OrderLine] | None = None,
    delivered: list[DeliveredLine] | None = None,
) -> RoutingInput:
    """Everything the engine needs for these quantities of the order, as plain data.

    `order_lines` (with their products) and `delivered` are what the caller already read of
    the order; without them they are read here.
    """
    from django.conf import settings

    now = now or timezone.now()
    configuration = config.current()
    strategy = strategy or strategy_for(order, configuration)
    budget = time_budget_ms or float(
        getattr(
            settings, "OMS_ROUTING_TIME_BUDGET_MS", os.environ.get("OMS_ROUTING_TIME_BUDGET_MS", 50)
        )
    )
    engine_strategy = (
        strategy.to_engine(time_budget_ms=budget)
        if strategy
        else routing.Strategy(time_budget_ms=budget)
    )
    if order_lines is None:
        order_lines = OrderLine.objects.filter(pk__in=quantities).select_related("product")
    order_lines = {line.pk: line for line in order_lines if line.pk in quantities}
    locations = list(
        order.shop.fulfilment_locations.select_related("country", "partner").order_by("code")
    )
    profiles = configuration.routing_profiles()
    owners: dict[str, str] = {}
    for location in locations:
        profile = profiles.get(location.pk)
        if location.type == Location.Type.DROPSHIPPER and location.partner and profile:
            for style in profile.dropship_styles:
                owners.setdefault(style, location.partner.code)

    lines = [
        routing.Line(
            key=line_id,
            sku=order_lines[line_id].sku,
            quantity=quantity,
            hazardous=order_lines[line_id].product.is_hazardous,
            bulky=order_lines[line_id].product.is_bulky,
            dropship_owner=owners.get(order_lines[line_id].product.style),
        )
        for line_id, quantity in quantities.items()
    ]
    product_ids = {line.product_id for line in order_lines.values()}
    defaults = configuration.safety_defaults()
    by_id = {location.pk: location for location in locations}
    skus = {line.product_id: line.sku for line in order_lines.values()}
    stock: dict[int, dict[str, int]] = {}
    for location_id, product_id, on_hand, reserved, safety in StockLevel.objects.filter(
        location__in=locations, product_id__in=product_ids
    ).values_list("location_id", "product_id", "on_hand", "reserved", "safety_stock"):
        if safety is None:
            safety = defaults.get(by_id[location_id].type, 0)
        free = on_hand - reserved - safety
        if free > 0:
            stock.setdefault(location_id, {})[skus[product_id]] = free

    # Units this order already holds at a location (click & collect/reserve) are free for it.
    own_placed = _own_placed_units(quantities, delivered)
    for (location_id, line_id), units in own_placed.items():
        sku = order_lines[line_id].sku
        stock.setdefault(location_id, {})
        stock[location_id][sku] = stock[location_id].get(sku, 0) + units

    address = _shipping_address(order)
    weight = sum(line.product.weight_grams * quantities[pk] for pk, line in order_lines.items())
    options = shipping_options(
        locations,
        country=address.country.code,
        postcode=address.postcode,
        service=order.delivery_service or "standard",
        now=now,
        weight_grams=weight,
        configuration=configuration,
    )
    centre = postcode_centre(address.country.code, address.postcode)
    counts = _today_counts([location.pk for location in locations], now)
    excluded = set(exclude_location_ids)
    pickup_only = order.delivery_method != Order.DeliveryMethod.SHIP and order.pickup_location_id
    candidates = []
    for location in locations:
        profile = profiles.get(location.pk) or LocationRoutingProfile(location=location)
        option = options.get(location.pk)
        used = counts.get(location.pk, 0)
        capacity = max(location.daily_capacity, 0)
        allowed = location.pk not in excluded and location.type != Location.Type.RETURNS_CENTRE
        if pickup_only:
            allowed = allowed and location.pk == order.pickup_location_id
        candidates.append(
            routing.Candidate(
                id=location.pk,
                code=location.code,
                stock=stock.get(location.pk, {}),
                type=location.type,
                partner=location.partner.code if location.partner else None,
                distance_km=distance_km(
                    centre, (float(location.latitude), float(location.longitude))
                )
                if centre
                else 0.0,
                capacity_left=capacity - used,
                backlog_share=used / capacity if capacity else 1.0,
                priority=profile.priority,
                markdown_skus=frozenset(profile.markdown_skus or ()),
                shipping_cost=float(option.cost) if option else 0.0,
                earliest_delivery=option.earliest_delivery if option else None,
                is_active=location.is_active,
                is_outage=location.is_outage,
                serves_destination=bool(pickup_only) or option is not None,
                ships_hazardous=profile.ships_hazardous,
                allowed=allowed,
            )
        )
    return RoutingInput(
        lines,
        candidates,
        engine_strategy,
        strategy,
        options,
        locations=by_id,
        products={line_id: line.product_id for line_id, line in order_lines.items()},
        order_lines=order_lines,
        own_placed=own_placed,
    )


def _shipping_address(order: Order) -> Address:
    """The order's shipping address with its country (one query unless already loaded)."""
    if Order.shipping_address.is_cached(order):
        return order.shipping_address
    order.shipping_address = Address.objects.select_related("country").get(
        pk=order.shipping_address_id
    )
    return order.shipping_address


def _own_placed_units(
    quantities: dict[int, int], delivered: list[DeliveredLine] | None = None
) -> dict[tuple[int, int], int]:
    """(location, line) → units the lines hold at locations beyond their live delivery orders.

    `delivered`: the order's delivery order lines if the caller read them (else read here,
    and only when the lines hold units at a location at all).
    """
    placed: dict[tuple[int, int], int] = {}
    for location_id, line_id, units in (
        Reservation.objects.filter(
            order_line_id__in=list(quantities),
            status=Reservation.Status.OPEN,
            location__isnull=False,
        )
        .values("location", "order_line")
        .annotate(units=Sum("quantity"))
        .values_list("location", "order_line", "units")
    ):
        placed[(location_id, line_id)] = units
    if not placed:
        return placed
    if delivered is None:
        delivered = _delivery_lines(Q(order_line_id__in=list(quantities)))
    for line in delivered:
        key = (line.location_id, line.order_line_id)
        if key in placed and not line.cancelled:
            placed[key] -= line.units_open
    return {key: units for key, units in placed.items() if units > 0}


def _hold_stock(
    order: Order, result: routing.RoutingResult, actor: Actor, data: RoutingInput
) -> None:
    """Move the order's pool reservations to the chosen locations (inventory checks stock)."""
    label = f"routing:{actor.label}"
    # Lock every product up front in id order (the inventory's lock order): holding them one
    # by one in line order lets two routings of orders with the same SKUs deadlock.
    lock_products(data.products[allocation.line_key] for allocation in result.allocations)
    own = data.own_placed  # read with the input, under the order's lock
    pools: dict[int, list[Reservation]] = {}
    for reservation in Reservation.objects.filter(
        order_line_id__in={allocation.line_key for allocation in result.allocations},
        status=Reservation.Status.OPEN,
        location__isnull=True,
    ).order_by("pk"):
        pools.setdefault(reservation.order_line_id, []).append(reservation)
    taken: dict[int, int] = {}  # reservation id → units placed so far
    placements = []
    unheld = []  # units that waited with nothing held for them (no stock anywhere then)
    for allocation in sorted(result.allocations, key=lambda a: (a.line_key, a.location_id)):
        # Units the order already holds there (click & collect) need nothing more.
        left = allocation.quantity - own.get((allocation.location_id, allocation.line_key), 0)
        location = data.locations[allocation.location_id]
        for reservation in pools.get(allocation.line_key, ()):
            open_units = reservation.quantity - taken.get(reservation.pk, 0)
            if left <= 0:
                break
            if open_units <= 0:
                continue
            take = min(left, open_units)
            placements.append(inventory_services.Placement(reservation, location, take))
            taken[reservation.pk] = taken.get(reservation.pk, 0) + take
            left -= take
        if left > 0:
            unheld.append((allocation.line_key, location, left))
    try:
        inventory_services.assign_reservations_to_locations(placements=placements, actor=label)
        for line_id, location, units in unheld:
            order_line = data.order_lines[line_id]
            inventory_services.reserve_for_order(
                shop=order.shop,
                items=[
                    inventory_services.ReservationRequest(
                        product=order_line.product, quantity=units, order_line=order_line
                    )
                ],
                location=location,
                actor=label,
            )
    except inventory_services.InsufficientStock as error:
        raise StockChanged(str(error)) from error


def rejecting_location_ids(delivered: list[DeliveredLine]) -> set[int]:
    """Locations that rejected units of this order: the order is not sent back to them."""
    return {line.location_id for line in delivered if line.units_rejected > 0}


def _last_outcome(order: Order) -> str | None:
    return (
        RoutingDecision.objects.filter(order=order)
        .order_by("-pk")
        .values_list("outcome", flat=True)
        .first()
    )


def _attempts(order: Order) -> int:
    """Routing attempts that left units waiting since the order was last routed completely."""
    last_routed = (
        RoutingDecision.objects.filter(order=order, outcome=RoutingDecision.Outcome.ROUTED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return RoutingDecision.objects.filter(
        order=order, pk__gt=last_routed or 0, outcome__in=WAITING_OUTCOMES
    ).count()


def _wait_reason(data: RoutingInput, result: routing.RoutingResult, attempt: int) -> str:
    """Which units wait and why every location said no, for the timeline, care and admin."""
    skus = {line.key: line.sku for line in data.lines}
    waiting = {skus[key] for key in result.unallocated}
    why: Counter = Counter()
    for report in result.candidates:
        if report.excluded:
            why[report.excluded] += 1
            continue
        rules = sorted({report.line_exclusions.get(sku) for sku in waiting} & set(RULE_LABELS))
        why[rules[0] if rules else "short"] += 1
    return _(
        "No location can take %(units)s now (%(why)s); waiting, retried automatically "
        "(attempt %(attempt)d)."
    ) % {
        "units": ", ".join(
            f"{quantity} × {skus[key]}" for key, quantity in sorted(result.unallocated.items())
        ),
        "why": ", ".join(f"{RULE_LABELS[rule]}: {count}" for rule, count in why.most_common())
        or _("no location"),
        "attempt": attempt,
    }


def _has_live_delivery_orders(order: Order) -> bool:
    return order.delivery_orders.filter(status__in=LIVE_DELIVERY_STATES).exists()


@transaction.atomic
def route_order(
    *,
    order: Order,
    actor: Actor,
    reason: str = "release",
    exclude_location_ids: Iterable[int] = (),
) -> RoutingDecision | None:
    """Split what is not yet routed of the order into delivery orders, one per location.

    Safe to call twice: only quantities no live delivery order holds are routed. Units no
    location can take wait: the order shows why (`hold_reason`; status `unroutable` when
    nothing of it is at a location) and `retry_waiting_orders` tries again. Raises
    `StockChanged` when a location no longer has the units the engine chose (the caller
    retries with fresh data).
    """
    order = lock_order(order.pk, related=("shipping_address__country",))
    if order.status not in ROUTABLE_STATES:
        return None
    # The order's lines and delivery order lines are read once and passed along.
    lines = _order_lines(order)
    delivered = _delivery_lines(Q(order_line__order=order))
    quantities = _unrouted(lines, delivered)
    # Only an order showing a reason can have waited (the last decision is read then only).
    was_waiting = bool(order.hold_reason) and _last_outcome(order) in WAITING_OUTCOMES
    if not quantities:
        _end_wait(order, was_waiting=was_waiting)
        return None
    excluded = set(exclude_location_ids) | rejecting_location_ids(delivered)
    data = build_input(
        order,
        quantities=quantities,
        exclude_location_ids=excluded,
        order_lines=lines,
        delivered=delivered,
    )
    result = routing.route(data.lines, data.candidates, data.strategy)
    if result.allocations and not result.unallocated:
        outcome = RoutingDecision.Outcome.ROUTED
    elif result.allocations:
        outcome = RoutingDecision.Outcome.PARTIAL
    else:
        outcome = RoutingDecision.Outcome.UNROUTABLE
    codes = {candidate.id: candidate.code for candidate in data.candidates}
    explanation = result.to_dict()
    decision = RoutingDecision.objects.create(
        order=order,
        strategy=data.strategy_row,
        strategy_version=data.strategy_row.version if data.strategy_row else None,
        reason=reason,
        outcome=outcome,
        method=result.method,
        objective=result.objective,
        elapsed_ms=result.elapsed_ms,
        chosen=[codes[location_id] for location_id in result.location_ids],
        unallocated=explanation["unallocated"],
        candidates=explanation["candidates"],
    )
    _hold_stock(order, result, actor, data)
    _create_delivery_orders(order, result, decision, data)
    with deferred_events():  # the timeline entries of this routing: one INSERT
        _tell_outcome(order, result, decision, data, reason, actor, was_waiting=was_waiting)
    return decision


def _create_delivery_orders(
    order: Order, result: routing.RoutingResult, decision: RoutingDecision, data: RoutingInput
) -> None:
    """One released delivery order per chosen location, with its lines (two INSERTs in all)."""
    delivery_orders = []
    lines = []
    for location_id, allocations in sorted(result.by_location().items()):
        option = data.options.get(location_id)
        delivery_order = DeliveryOrder(
            order=order,
            location_id=location_id,
            decision=decision,
            carrier_service_id=option.service_id if option else None,
            promised_date=option.earliest_delivery if option else None,
        )
        delivery_order.release()  # inserted released: nobody ever sees it created
        delivery_orders.append(delivery_order)
        quantities_by_line: dict[int, int] = {}
        skus = {}
        for allocation in allocations:
            quantities_by_line[allocation.line_key] = (
                quantities_by_line.get(allocation.line_key, 0) + allocation.quantity
            )
            skus[allocation.line_key] = allocation.sku
        lines += [
            DeliveryOrderLine(
                delivery_order=delivery_order,
                order_line_id=line_id,
                sku=skus[line_id],
                quantity=quantity,
            )
            for line_id, quantity in sorted(quantities_by_line.items())
        ]
    DeliveryOrder.objects.bulk_create(delivery_orders)
    DeliveryOrderLine.objects.bulk_create(lines)


def _tell_outcome(
    order: Order,
    result: routing.RoutingResult,
    decision: RoutingDecision,
    data: RoutingInput,
    reason: str,
    actor: Actor,
    *,
    was_waiting: bool,
) -> None:
    """Put the routing on the timeline and move the order on (or let it wait, saying why)."""
    outcome = decision.outcome
    attempt = _attempts(order) if result.unallocated else 0
    wait_reason = _wait_reason(data, result, attempt) if result.unallocated else ""
    if outcome == RoutingDecision.Outcome.UNROUTABLE:
        message = wait_reason
    else:
        message = _("Routed to %(locations)s.") % {"locations": ", ".join(decision.chosen)}
        if wait_reason:
            message += " " + wait_reason
    record_event(
        order,
        "routed" if outcome != RoutingDecision.Outcome.UNROUTABLE else "routing_failed",
        actor=actor,
        message=message,
        data={
            "decision": decision.pk,
            "outcome": outcome,
            "reason": reason,
            "attempt": attempt,
            "waiting": decision.unallocated,
        },
    )
    if result.allocations:
        if order.status == Order.Status.UNROUTABLE:
            change_status(order, "resume_routing", actor=actor, fields=["status", "hold_reason"])
        if order.status == Order.Status.RELEASED:
            change_status(order, "start_fulfilment", actor=actor, fields=["status"])
    if not wait_reason:
        _end_wait(order, was_waiting=was_waiting)
    elif order.status in (Order.Status.RELEASED, Order.Status.IN_FULFILMENT) and not (
        result.allocations or _has_live_delivery_orders(order)  # the new ones are live
    ):
        change_status(
            order,
            "wait_for_routing",
            actor=actor,
            message=wait_reason,
            reason=wait_reason,
            fields=["status", "hold_reason"],
        )
    else:  # part of the order is at a location (or shipped): the rest waits as a backorder
        order.hold_reason = wait_reason[:300]
        order.save(update_fields=["hold_reason", "updated_at"])


def _end_wait(order: Order, *, was_waiting: bool) -> None:
    """Nothing of the order waits for a location any more: drop the reason it showed."""
    if order.hold_reason and was_waiting:
        order.hold_reason = ""
        order.save(update_fields=["hold_reason", "updated_at"])


def end_routing_wait(*, order: Order) -> None:
    """After a cancellation: if no unit of the (locked) order waits any more, say so."""
    if not unrouted_quantities(order):
        _end_wait(order, was_waiting=_last_outcome(order) in WAITING_OUTCOMES)


def orders_waiting_for_routing() -> list[int]:
    """Orders released for fulfilment with units no delivery order holds (retried periodically)."""
    candidates = Order.objects.filter(status__in=ROUTABLE_STATES).filter(
        Q(routing_decisions__outcome__in=WAITING_OUTCOMES)
        | Q(status__in=[Order.Status.RELEASED, Order.Status.UNROUTABLE])
    )
    return [
        order.pk for order in candidates.distinct().order_by("pk") if unrouted_quantities(order)
    ]


def simulate_strategy(
    strategy: RoutingStrategy, orders: Iterable[Order]
) -> list[tuple[Order, routing.RoutingResult, dict[int, str]]]:
    """What the strategy would decide for these orders now (nothing is written)."""
    outcomes = []
    for order in orders:
        quantities = {
            line.pk: line.quantity - line.quantity_cancelled
            for line in order.lines.select_related("product")
            if not line.product.is_service and line.quantity > line.quantity_cancelled
        }
        if not quantities:
            continue
        data = build_input(order, quantities=quantities, strategy=strategy)
        result = routing.route(data.lines, data.candidates, data.strategy)
        codes = {candidate.id: candidate.code for candidate in data.candidates}
        outcomes.append((order, result, codes))
    return outcomes
