"""The dashboard's figures, aggregated in the database from the recorded state-change times.

Durations run from one recorded moment to the next: order `created_at` → `released_at`,
the first delivery order's `created_at` (routing), delivery order `released_at` →
`accepted_at` → `shipped_at`, shipment `shipped_at` → `delivered_at`. Pickups and returns
have no timestamp columns of their own (yet), so their moments come from the order timeline
(the event types below).
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fulfillment.models import DeliveryOrder, RoutingDecision, Shipment
from inventory.models import Location
from monitoring.models import (
    DEFAULT_SLAS,
    SlaBreach,
    Step,
    StepDuration,
    StepHistogram,
    StepPlaceHistogram,
    StepRollupState,
    StepSla,
)
from monitoring.stats import (
    DurationStats,
    EpochSeconds,
    analytic,
    bucketed_stats,
    duration_bucket,
    duration_stats,
    without_parallel_workers,
)
from oms.models import Shop
from orders.models import Order, OrderEvent

# Timeline event types that mark the moments without a column of their own, exactly as the
# services record them: instore.services.mark_ready_for_pickup / hand_over_to_customer,
# returns.services.return_announce (also behind return_take_in_store) / _issue_refund.
# (`payment_refunded` is the payment side of any refund, cancellations too: not counted.)
READY_FOR_PICKUP_EVENTS = ("ready_for_pickup",)
COLLECTED_EVENTS = ("collected",)
RETURN_ANNOUNCED_EVENTS = ("return_announced",)
REFUND_EVENTS = ("refund_issued",)
# A return called off ends the wait for its refund (its parcel will not come).
RETURN_ENDED_EVENTS = (*REFUND_EVENTS, "return_cancelled")

OPEN_ORDER_STATES = [
    Order.Status.NEW,
    Order.Status.ON_HOLD,
    Order.Status.AWAITING_PAYMENT,
    Order.Status.RELEASED,
    Order.Status.UNROUTABLE,
    Order.Status.IN_FULFILMENT,
    Order.Status.PARTLY_SHIPPED,
    Order.Status.SHIPPED,
]
HOUR = datetime.timedelta(hours=1)
AGE_BUCKETS = [
    ("lt_1h", _("< 1 h"), None, HOUR),
    ("h1_4", _("1–4 h"), HOUR, 4 * HOUR),
    ("h4_24", _("4–24 h"), 4 * HOUR, 24 * HOUR),
    ("gt_24h", _("> 24 h"), 24 * HOUR, None),
]
WINDOWS = {"today": _("Today"), "7d": _("7 days"), "30d": _("30 days")}
DEFAULT_WINDOW = "7d"

REASONS = {
    "not_released": _("Not released"),
    "on_hold": _("Held for review"),
    "awaiting_payment": _("Awaiting payment"),
    "not_routed": _("Waiting for routing"),
    "unroutable": _("Unroutable"),
    "rejected": _("Rejected by the location"),
    "not_accepted": _("Not accepted by the location"),
    "outage": _("Location has an outage"),
    "not_shipped": _("Not shipped"),
    "in_transit": _("Not delivered yet"),
    "late": _("Shipment late"),
    "carrier_exception": _("Carrier reports a problem"),
    "not_collected": _("Pickup not collected"),
    "refund_pending": _("Refund pending"),
}


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: the time window and the slice of shops and locations."""

    window: str = DEFAULT_WINDOW
    shop: str = ""
    channel: str = ""
    location: str = ""
    location_type: str = ""

    def window_start(self, now: datetime.datetime) -> datetime.datetime:
        if self.window == "today":
            return start_of_day(now)
        return now - datetime.timedelta(days=30 if self.window == "30d" else 7)

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters (empty ones left out)."""
        names = ["window", "shop", "channel", "location", "location_type"]
        return {name: getattr(self, name) for name in names if getattr(self, name)}


def start_of_day(now: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _orders_q(filters: Filters, prefix: str = "") -> Q:
    q = Q()
    if filters.shop:
        q &= Q(**{f"{prefix}shop__code": filters.shop})
    if filters.channel:
        q &= Q(**{f"{prefix}shop__channel": filters.channel})
    return q


def _locations_q(filters: Filters, prefix: str = "") -> Q:
    """Delivery orders at the location (type): by the locations' ids, which PostgreSQL
    plans with (its statistics know how many delivery orders each location has)."""
    if not (filters.location or filters.location_type):
        return Q()
    return Q(**{f"{prefix}location__in": _place_ids(filters)})


def _order_scope(filters: Filters, prefix: str = "", order_id: str = "pk") -> Q:
    """Orders of the shop/channel that have a delivery order at the location (type)."""
    q = _orders_q(filters, prefix)
    if filters.location or filters.location_type:
        at_location = DeliveryOrder.objects.filter(_locations_q(filters), order=OuterRef(order_id))
        q &= Q(Exists(at_location))
    return q


def _delivery_scope(filters: Filters) -> Q:
    return _orders_q(filters, "order__") & _locations_q(filters)


def _shipment_scope(filters: Filters) -> Q:
    return _orders_q(filters, "delivery_order__order__") & _locations_q(filters, "delivery_order__")


def place_of(filters: Filters) -> str | None:
    """What the filters slice by besides shops: one location (of a type), a type, nothing."""
    if filters.location:
        return "location"
    if filters.location_type:
        return "location_type"
    return None


def _place_ids(filters: Filters) -> list[int]:
    """The locations the location (type) filters keep."""
    locations = Location.objects.all()
    if filters.location:
        locations = locations.filter(code=filters.location)
    if filters.location_type:
        locations = locations.filter(type=filters.location_type)
    return list(locations.values_list("pk", flat=True))


def _between(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _event_at(types: Iterable[str], *, first: bool = True, after: str | None = None) -> Subquery:
    """The first (or last) time one of these event types happened on the outer order."""
    events = OrderEvent.objects.filter(order=OuterRef("pk"), type__in=list(types))
    if after:
        events = events.filter(at__gte=OuterRef(after))
    ordered = events.order_by("at" if first else "-at")
    return Subquery(ordered.values("at")[:1], output_field=DateTimeField())


# Orders by state -------------------------------------------------------------------------


@dataclass(frozen=True)
class StateRow:
    status: str
    label: str
    buckets: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.buckets.values())


@analytic
def orders_by_state(filters: Filters, *, now: datetime.datetime) -> list[StateRow]:
    """Open orders per state, counted by how long ago they were placed."""
    counts = {}
    for key, _label, older_than, younger_than in AGE_BUCKETS:
        q = Q()
        if older_than is not None:
            q &= Q(created_at__lte=now - older_than)
        if younger_than is not None:
            q &= Q(created_at__gt=now - younger_than)
        # COUNT of an indexed column (not of id) lets PostgreSQL answer from the (status,
        # created_at) index alone.
        counts[key] = Count("created_at", filter=q)
    rows = {
        row["status"]: row
        for row in Order.objects.filter(_order_scope(filters), status__in=OPEN_ORDER_STATES)
        .values("status")
        .annotate(**counts)
        .order_by()
    }
    labels = dict(Order.Status.choices)
    return [
        StateRow(
            status=status,
            label=str(labels[status]),
            buckets={key: rows.get(status, {}).get(key, 0) for key, *_rest in AGE_BUCKETS},
        )
        for status in OPEN_ORDER_STATES
    ]


# Step durations --------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    step: str
    label: str
    stats: DurationStats
    sla: datetime.timedelta


@dataclass(frozen=True)
class StepSource:
    """The rows that finished a step in a time range, with the paths the roll-up copies."""

    queryset: QuerySet
    duration: ExpressionWrapper
    finished: str  # the field or annotation holding the moment the step ended
    order: str  # path to the order's id
    shop: str  # path to the shop's id
    # Path to the location's id for the steps of a delivery order or its parcel; None for
    # the order's own steps, which count at every location of its delivery orders.
    location: str | None = None


def _completed_step(
    step: str,
    filters: Filters,
    since: datetime.datetime,
    until: datetime.datetime,
    *,
    until_inclusive: bool = True,
) -> StepSource:
    """The rows that finished the step in [since, until] (or [since, until)), and the duration."""
    end = "lte" if until_inclusive else "lt"

    def between(name: str) -> Q:
        return Q(**{f"{name}__gte": since, f"{name}__{end}": until})

    if step == Step.INTAKE_RELEASED:
        orders = Order.objects.filter(_order_scope(filters)).filter(between("released_at"))
        return StepSource(
            orders, _between("created_at", "released_at"), "released_at", "pk", "shop_id"
        )
    if step == Step.RELEASED_ROUTED:
        # Routing ends when the order's first delivery order is created.
        earlier = DeliveryOrder.objects.filter(
            order=OuterRef("order_id"), created_at__lt=OuterRef("created_at")
        )
        deliveries = (
            DeliveryOrder.objects.filter(_delivery_scope(filters))
            .filter(between("created_at"))
            .filter(order__released_at__isnull=False, order__released_at__lte=F("created_at"))
        )
        return StepSource(
            deliveries.filter(~Exists(earlier)),
            _between("order__released_at", "created_at"),
            "created_at",
            "order_id",
            "order__shop_id",
            "location_id",
        )
    if step == Step.ROUTED_ACCEPTED:
        deliveries = DeliveryOrder.objects.filter(_delivery_scope(filters)).filter(
            between("accepted_at"), released_at__isnull=False
        )
        return StepSource(
            deliveries,
            _between("released_at", "accepted_at"),
            "accepted_at",
            "order_id",
            "order__shop_id",
            "location_id",
        )
    if step == Step.ACCEPTED_SHIPPED:
        deliveries = DeliveryOrder.objects.filter(_delivery_scope(filters)).filter(
            between("shipped_at"), accepted_at__isnull=False
        )
        return StepSource(
            deliveries,
            _between("accepted_at", "shipped_at"),
            "shipped_at",
            "order_id",
            "order__shop_id",
            "location_id",
        )
    if step == Step.SHIPPED_DELIVERED:
        shipments = Shipment.objects.filter(_shipment_scope(filters)).filter(
            between("delivered_at")
        )
        return StepSource(
            shipments,
            _between("shipped_at", "delivered_at"),
            "delivered_at",
            "delivery_order__order_id",
            "delivery_order__order__shop_id",
            "delivery_order__location_id",
        )
    if step == Step.PICKUP_COLLECTED:
        events = OrderEvent.objects.filter(between("at"), type__in=COLLECTED_EVENTS)
        orders = (
            Order.objects.filter(_order_scope(filters))
            .filter(pk__in=events.values("order_id"))
            .annotate(ready_at=_event_at(READY_FOR_PICKUP_EVENTS))
            .annotate(collected_at=_event_at(COLLECTED_EVENTS, after="ready_at"))
            .filter(between("collected_at"), ready_at__isnull=False)
        )
        return StepSource(
            orders, _between("ready_at", "collected_at"), "collected_at", "pk", "shop_id"
        )
    if step == Step.RETURN_REFUNDED:
        events = OrderEvent.objects.filter(between("at"), type__in=REFUND_EVENTS)
        orders = (
            Order.objects.filter(_order_scope(filters))
            .filter(pk__in=events.values("order_id"))
            .annotate(announced_at=_event_at(RETURN_ANNOUNCED_EVENTS))
            .annotate(refunded_at=_event_at(REFUND_EVENTS, after="announced_at"))
            .filter(between("refunded_at"), announced_at__isnull=False)
        )
        return StepSource(
            orders, _between("announced_at", "refunded_at"), "refunded_at", "pk", "shop_id"
        )
    raise ValueError(step)


def step_facts(source: StepSource) -> QuerySet:
    """The source rows as step-duration facts: source, order, shop, location, end, seconds, bucket."""
    no_location = Cast(None, BigIntegerField())
    return (
        source.queryset.annotate(
            _source=F("pk"),
            _order=F(source.order),
            _shop=F(source.shop),
            _location=F(source.location) if source.location else no_location,
            _finished=F(source.finished),
            _seconds=EpochSeconds(source.duration),
        )
        .annotate(_bucket=duration_bucket("_seconds"))
        .order_by()
    )


DAY = datetime.timedelta(days=1)


def _floor_hour(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def _floor_day(moment: datetime.datetime) -> datetime.datetime:
    return _floor_hour(moment).replace(hour=0)


def _ceil(moment: datetime.datetime, floor, unit: datetime.timedelta) -> datetime.datetime:
    floored = floor(moment)
    return floored if floored == moment else floored + unit


Ranges = list[tuple[datetime.datetime, datetime.datetime]]


def rollup_segments(
    start: datetime.datetime, end: datetime.datetime
) -> tuple[Ranges, Ranges, Ranges]:
    """[start, end) as a part hour (read from the facts), hour cells and day cells.

    The roll-up's last hour and day cells count up to its `covered_until` (= `end`), so
    only the window's first part hour is read from the facts.
    """
    if start >= end:
        return [], [], []
    first_hour = _ceil(start, _floor_hour, HOUR)
    if first_hour >= end:
        return [(start, end)], [], []
    parts = [(start, first_hour)] if start < first_hour else []
    first_day = _ceil(first_hour, _floor_day, DAY)
    if first_day >= end:
        return parts, [(first_hour, end)], []
    hours = [(first_hour, first_day)] if first_hour < first_day else []
    return parts, hours, [(first_day, end)]


def _in_ranges(field: str, ranges: Ranges) -> Q:
    q = Q()
    for low, high in ranges:
        q |= Q(**{f"{field}__gte": low, f"{field}__lt": high})
    return q


def _shop_ids(filters: Filters) -> list[int] | None:
    if not (filters.shop or filters.channel):
        return None
    shops = Shop.objects.all()
    if filters.shop:
        shops = shops.filter(code=filters.shop)
    if filters.channel:
        shops = shops.filter(channel=filters.channel)
    return list(shops.values_list("pk", flat=True))


def _joined(ranges: Ranges) -> Ranges:
    """Sorted ranges with the neighbouring ones joined (one index range scan each)."""
    joined: Ranges = []
    for low, high in ranges:
        if joined and joined[-1][1] == low:
            joined[-1] = (joined[-1][0], high)
        else:
            joined.append((low, high))
    return joined


def _at_place(filters: Filters) -> Q:
    """The copied durations the location (type) filters count, like `_completed_step`.

    A step of a delivery order or its parcel at its location; the order's own steps where
    the order has a delivery order at the location (type) now.
    """
    ids = _place_ids(filters)
    deliveries_there = DeliveryOrder.objects.filter(order=OuterRef("order_id"), location__in=ids)
    return Q(location__in=ids) | Q(location__isnull=True) & Q(Exists(deliveries_there))


def _place_cells(filters: Filters) -> QuerySet:
    """The day cells of the location (of the type) or of the location type filtered."""
    days = StepPlaceHistogram.objects.filter(span=StepHistogram.Span.DAY)
    if filters.location:
        return days.filter(location_type="", location_id__in=_place_ids(filters))
    return days.filter(location_type=filters.location_type, location_id__isnull=True)


def _rolled_up_stats(
    filters: Filters, since: datetime.datetime, now: datetime.datetime, state: StepRollupState
) -> dict[str, DurationStats]:
    """Exact count, median and p90 per step from the roll-up plus the recorded times after it.

    [since, covered_until) comes from the copied durations: days and hours as counts per
    duration bucket (StepHistogram), the window's first part hour from StepDuration (with a
    location filter: days from StepPlaceHistogram, the first part day from StepDuration);
    [covered_until, now] (the minute since the job last ran) is read from the orders,
    delivery orders, shipments and timeline. The counts per bucket say in which
    bucket each percentile's rank lies; the value is then read among that bucket's durations
    (a few thousand at most) — so the result equals percentile_cont over every duration.
    """
    horizon = state.covered_until
    parts, hours, days = rollup_segments(since, horizon)
    shop_ids = _shop_ids(filters)
    facts = StepDuration.objects.all()
    cells = StepHistogram.objects.all()
    by_place = place_of(filters) is not None
    if by_place:
        # Per location (type) the roll-up keeps days only: the window's first part day
        # comes from the copied durations.
        facts = facts.filter(_at_place(filters))
        cells = _place_cells(filters)
        parts, hours = _joined(parts + hours), []
    if shop_ids is not None:
        facts = facts.filter(shop_id__in=shop_ids)
        cells = cells.filter(shop_id__in=shop_ids)
    counts: dict[str, Counter] = {step: Counter() for step in Step.values}
    grouped = []
    if parts:
        grouped.append((facts.filter(_in_ranges("finished_at", parts)), Count("*")))
    for span, ranges in ((StepHistogram.Span.HOUR, hours), (StepHistogram.Span.DAY, days)):
        if ranges:
            in_span = cells.filter(_in_ranges("start", ranges))
            if not by_place:  # the place cells are all days
                in_span = in_span.filter(span=span)
            grouped.append((in_span, Sum("count")))
    for queryset, total in grouped:
        for row in queryset.values("step", "bucket").annotate(n=total).order_by():
            counts[row["step"]][row["bucket"]] += row["n"]
    in_window = facts.filter(finished_at__gte=since, finished_at__lt=horizon)
    result = {}
    for step in Step.values:
        live = step_facts(_completed_step(step, filters, max(since, horizon), now))
        for row in live.values("_bucket").annotate(n=Count("*")).order_by():
            counts[step][row["_bucket"]] += row["n"]

        def fetch(bucket: int, offset: int, limit: int, step: str = step, live=live) -> list:
            stored = in_window.filter(step=step, bucket=bucket).values_list("seconds")
            recent = live.filter(_bucket=bucket).values_list("_seconds")
            values = stored.order_by().union(recent, all=True).order_by("seconds")
            return [value for (value,) in values[offset : offset + limit]]

        result[step] = bucketed_stats(counts[step], fetch)
    return result


@analytic
def step_durations(filters: Filters, *, now: datetime.datetime) -> list[StepRow]:
    """Median and 90th percentile of every process step finished in the window.

    Exact either way: from the roll-up (`step_durations_refresh`) and the live rest when the
    roll-up covers the window, else from the recorded times directly (slower on a large data
    set).
    """
    since = filters.window_start(now)
    slas = SlaTable.load()
    shop = Shop.objects.filter(code=filters.shop).first() if filters.shop else None
    state = StepRollupState.objects.first()
    if state is not None and state.covered_from <= since and state.covered_until <= now:
        stats = _rolled_up_stats(filters, since, now, state)
    else:
        # No roll-up yet: every duration of the window straight from the recorded times.
        stats = {}
        for step in Step.values:
            source = _completed_step(step, filters, since, now)
            stats[step] = duration_stats(source.queryset, source.duration)
    return [
        StepRow(step, str(label), stats[step], slas.for_shop(step, shop))
        for step, label in Step.choices
    ]


# Service levels and stuck orders ---------------------------------------------------------


@dataclass
class SlaTable:
    """Every step's service level: per shop where configured, else the default."""

    defaults: dict[str, datetime.timedelta]
    per_shop: dict[str, dict[int, datetime.timedelta]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "SlaTable":
        table = cls(defaults=dict(DEFAULT_SLAS))
        for sla in StepSla.objects.all():
            if sla.shop_id is None:
                table.defaults[sla.step] = sla.max_duration
            else:
                table.per_shop.setdefault(sla.step, {})[sla.shop_id] = sla.max_duration
        return table

    def for_shop(self, step: str, shop: Shop | int | None) -> datetime.timedelta:
        shop_id = shop.pk if isinstance(shop, Shop) else shop
        return self.per_shop.get(step, {}).get(shop_id, self.defaults[step])

    def breached(self, step: str, shop_field: str, now: datetime.datetime) -> Q:
        """Rows whose `since` lies further back than their shop's service level."""
        overrides = self.per_shop.get(step, {})
        q = Q(since__lt=now - self.defaults[step])
        if overrides:
            q &= ~Q(**{f"{shop_field}__in": list(overrides)})
        for shop_id, limit in overrides.items():
            q |= Q(**{shop_field: shop_id}, since__lt=now - limit)
        return q


@dataclass(frozen=True)
class StuckOrder:
    order_id: int
    number: str
    shop: str
    step: str
    reason: str
    since: datetime.datetime
    sla: datetime.timedelta
    location: str = ""

    @property
    def step_label(self) -> str:
        return str(Step(self.step).label)

    @property
    def reason_label(self) -> str:
        return str(REASONS.get(self.reason, self.reason))

    def age(self, now: datetime.datetime) -> datetime.timedelta:
        return now - self.since


INTAKE_STATES = [Order.Status.NEW, Order.Status.ON_HOLD, Order.Status.AWAITING_PAYMENT]


def _intake_scope(filters: Filters) -> Q:
    """`_order_scope` for the orders in intake: with a location filter, the few of them with
    a delivery order there are looked up first (one join from that location's delivery
    orders), rather than probing every order in intake, oldest first, for one — orders not
    yet released rarely have any, so the probing would read them all."""
    if not place_of(filters):
        return _order_scope(filters)
    at_place = DeliveryOrder.objects.filter(_locations_q(filters), order__status__in=INTAKE_STATES)
    order_ids = at_place.order_by().values_list("order_id", flat=True).distinct()
    return _orders_q(filters) & Q(pk__in=list(order_ids))


def _stuck_candidates(filters: Filters, *, now: datetime.datetime) -> dict[str, tuple | list]:
    """Per step: rows in the step right now with `since`, the shop and order paths, a reason.

    A step may have several parts (a list), each a disjoint set of orders.
    """
    open_delivery = DeliveryOrder.objects.filter(
        order=OuterRef("pk"),
        status__in=[*DeliveryOrder.OPEN_STATES, DeliveryOrder.Status.READY_FOR_PICKUP],
    )
    rejected = DeliveryOrder.objects.filter(
        order=OuterRef("pk"), status=DeliveryOrder.Status.REJECTED
    )
    rejected_orders = DeliveryOrder.objects.filter(status=DeliveryOrder.Status.REJECTED).values(
        "order_id"
    )
    unroutable = RoutingDecision.objects.filter(
        order=OuterRef("pk"), outcome=RoutingDecision.Outcome.UNROUTABLE
    )
    today = timezone.localdate(now)

    def intake_reason(row: dict) -> str:
        return {
            Order.Status.ON_HOLD: "on_hold",
            Order.Status.AWAITING_PAYMENT: "awaiting_payment",
        }.get(row["status"], "not_released")

    def routing_reason(row: dict) -> str:
        if row["has_rejected"] and not row["has_open"]:
            return "rejected"
        if row["status"] == Order.Status.UNROUTABLE or row["has_unroutable"]:
            return "unroutable"
        return "not_routed"

    def shipment_reason(row: dict) -> str:
        if row["status"] == Shipment.Status.EXCEPTION:
            return "carrier_exception"
        if row["promised_date"] and row["promised_date"] < today:
            return "late"
        return "in_transit"

    order_fields = ("pk", "number", "shop__code", "shop_id")
    delivery_fields = ("order_id", "order__number", "order__shop__code", "order__shop_id")
    return {
        Step.INTAKE_RELEASED: (
            Order.objects.filter(_intake_scope(filters), status__in=INTAKE_STATES).annotate(
                since=F("created_at")
            ),
            order_fields,
            ("status",),
            intake_reason,
        ),
        Step.RELEASED_ROUTED: [
            # Released (or waiting unroutable) and never rejected: since the release.
            (
                Order.objects.filter(
                    _order_scope(filters),
                    status__in=[Order.Status.RELEASED, Order.Status.UNROUTABLE],
                )
                .filter(~Exists(rejected))
                .annotate(
                    has_open=Value(False),
                    has_rejected=Value(False),
                    has_unroutable=Exists(unroutable),
                    since=Coalesce("released_at", "created_at"),
                ),
                order_fields,
                ("status", "has_open", "has_rejected", "has_unroutable"),
                routing_reason,
            ),
            # Rejected by a location and not routed elsewhere: since the rejection. These
            # are few, so they are found through the rejected delivery orders rather than by
            # probing every order in fulfilment.
            (
                Order.objects.filter(
                    _order_scope(filters),
                    status__in=[
                        Order.Status.RELEASED,
                        Order.Status.UNROUTABLE,
                        Order.Status.IN_FULFILMENT,
                        Order.Status.PARTLY_SHIPPED,
                    ],
                    pk__in=rejected_orders,
                )
                .filter(
                    Q(status__in=[Order.Status.RELEASED, Order.Status.UNROUTABLE])
                    | ~Exists(open_delivery)
                )
                .annotate(
                    has_open=Exists(open_delivery),
                    has_rejected=Value(True),
                    has_unroutable=Exists(unroutable),
                    since=Coalesce(
                        Subquery(rejected.order_by("-updated_at").values("updated_at")[:1]),
                        "released_at",
                        "created_at",
                    ),
                ),
                order_fields,
                ("status", "has_open", "has_rejected", "has_unroutable"),
                routing_reason,
            ),
        ],
        Step.ROUTED_ACCEPTED: (
            DeliveryOrder.objects.filter(
                _delivery_scope(filters), status=DeliveryOrder.Status.RELEASED
            ).annotate(since=Coalesce("released_at", "created_at")),
            delivery_fields,
            ("location__code", "location__is_outage"),
            lambda row: "outage" if row["location__is_outage"] else "not_accepted",
        ),
        Step.ACCEPTED_SHIPPED: (
            DeliveryOrder.objects.filter(
                _delivery_scope(filters),
                status__in=[
                    DeliveryOrder.Status.ACCEPTED,
                    DeliveryOrder.Status.PICKING,
                    DeliveryOrder.Status.PACKED,
                ],
            ).annotate(since=Coalesce("accepted_at", "released_at", "created_at")),
            delivery_fields,
            ("location__code",),
            lambda row: "not_shipped",
        ),
        Step.SHIPPED_DELIVERED: (
            Shipment.objects.filter(
                _shipment_scope(filters),
                status__in=[
                    Shipment.Status.SHIPPED,
                    Shipment.Status.IN_TRANSIT,
                    Shipment.Status.EXCEPTION,
                ],
            ).annotate(since=F("shipped_at")),
            (
                "delivery_order__order_id",
                "delivery_order__order__number",
                "delivery_order__order__shop__code",
                "delivery_order__order__shop_id",
            ),
            ("delivery_order__location__code", "status", "promised_date"),
            shipment_reason,
        ),
        Step.PICKUP_COLLECTED: (
            DeliveryOrder.objects.filter(
                _delivery_scope(filters), status=DeliveryOrder.Status.READY_FOR_PICKUP
            ).annotate(
                since=Coalesce(
                    Subquery(
                        OrderEvent.objects.filter(
                            order=OuterRef("order_id"), type__in=READY_FOR_PICKUP_EVENTS
                        )
                        .order_by("-at")
                        .values("at")[:1]
                    ),
                    "updated_at",
                )
            ),
            delivery_fields,
            ("location__code",),
            lambda row: "not_collected",
        ),
        # From the order's last return announcement without a refund after it: read from
        # the timeline's (type, at) index oldest first, so the list stops after its limit.
        Step.RETURN_REFUNDED: (
            OrderEvent.objects.filter(
                _order_scope(filters, "order__", "order_id"), type__in=RETURN_ANNOUNCED_EVENTS
            )
            .filter(
                ~Exists(
                    OrderEvent.objects.filter(
                        order=OuterRef("order_id"),
                        type__in=RETURN_ANNOUNCED_EVENTS,
                        at__gt=OuterRef("at"),
                    )
                ),
                ~Exists(
                    OrderEvent.objects.filter(
                        order=OuterRef("order_id"),
                        type__in=RETURN_ENDED_EVENTS,
                        at__gte=OuterRef("at"),
                    )
                ),
            )
            .annotate(since=F("at")),
            ("order_id", "order__number", "order__shop__code", "order__shop_id"),
            (),
            lambda row: "refund_pending",
        ),
    }


def _stuck_parts(filters: Filters, *, now: datetime.datetime) -> Iterator[tuple]:
    """(step, queryset, ids, extra, reason) for every candidate query of every step."""
    for step, parts in _stuck_candidates(filters, now=now).items():
        for part in parts if isinstance(parts, list) else [parts]:
            yield (step, *part)


@analytic
def stuck_orders(
    filters: Filters, *, now: datetime.datetime, limit: int | None = 100, unmarked: bool = False
) -> list[StuckOrder]:
    """Orders whose current step has lasted longer than its service level, oldest first.

    `unmarked`: only those without an SLA breach recorded for the step yet (the SLA job).
    """
    slas = SlaTable.load()
    if place_of(filters):
        without_parallel_workers()
    found: list[StuckOrder] = []
    for step, queryset, ids, extra, reason in _stuck_parts(filters, now=now):
        order_id, number, shop_code, shop_id = ids
        breaching = queryset.filter(slas.breached(step, shop_id, now))
        if unmarked:
            marked = SlaBreach.objects.filter(order_id=OuterRef(order_id), step=step)
            breaching = breaching.filter(~Exists(marked))
        rows = breaching.order_by("since").values(
            order_id, number, shop_code, shop_id, "since", *extra
        )
        if limit is not None:
            rows = rows[: limit * 2]
        for row in rows:
            location = next((row[name] for name in extra if name.endswith("location__code")), "")
            found.append(
                StuckOrder(
                    order_id=row[order_id],
                    number=row[number] or "",
                    shop=row[shop_code],
                    step=step,
                    reason=reason(row),
                    since=row["since"],
                    sla=slas.for_shop(step, row[shop_id]),
                    location=location or "",
                )
            )
    found.sort(key=lambda item: (item.since, item.order_id))
    unique: dict[tuple[int, str], StuckOrder] = {}
    for item in found:
        unique.setdefault((item.order_id, item.step), item)
    result = list(unique.values())
    return result if limit is None else result[:limit]


@analytic
def stuck_count(filters: Filters, *, now: datetime.datetime) -> int:
    """How many (order, step) pairs are past their service level, counted in the database."""
    slas = SlaTable.load()
    total = 0
    # The parts of a step are disjoint sets of orders, so their counts add up.
    for step, queryset, ids, _extra, _reason in _stuck_parts(filters, now=now):
        breaching = queryset.filter(slas.breached(step, ids[3], now))
        total += breaching.order_by().values(ids[0]).distinct().count()
    return total


# Backlog per location --------------------------------------------------------------------


@dataclass(frozen=True)
class BacklogRow:
    code: str
    name: str
    type: str
    capacity: int
    backlog: int
    today: int

    @property
    def load(self) -> float:
        """Open delivery orders as a share of one day's capacity."""
        return self.backlog / self.capacity if self.capacity else float(self.backlog > 0)


def _count_per_location(deliveries: QuerySet) -> dict[int, int]:
    rows = deliveries.values("location_id").annotate(n=Count("*")).order_by()
    return {row["location_id"]: row["n"] for row in rows}


@analytic
def backlog_by_location(filters: Filters, *, now: datetime.datetime) -> list[BacklogRow]:
    """Open delivery orders per location against its daily capacity, busiest first.

    Counted per location from the delivery orders (two GROUP BYs on their indexes), not by
    joining every delivery order to its location.
    """
    locations = Location.objects.filter(is_active=True).exclude(type=Location.Type.RETURNS_CENTRE)
    if filters.location:
        locations = locations.filter(code=filters.location)
    if filters.location_type:
        locations = locations.filter(type=filters.location_type)
    deliveries = DeliveryOrder.objects.filter(
        _orders_q(filters, "order__"), location__in=locations.values("pk")
    )
    backlog = _count_per_location(deliveries.filter(status__in=DeliveryOrder.OPEN_STATES))
    today = _count_per_location(
        deliveries.filter(created_at__gte=start_of_day(now)).exclude(
            status__in=[DeliveryOrder.Status.CANCELLED, DeliveryOrder.Status.REJECTED]
        )
    )
    rows = [
        (code, name, type_, capacity, backlog.get(pk, 0), today.get(pk, 0))
        for pk, code, name, type_, capacity in locations.values_list(
            "pk", "code", "name", "type", "daily_capacity"
        )
    ]
    result = [BacklogRow(*row) for row in rows]
    result.sort(key=lambda row: (-row.load, row.code))
    return result
