"""The key figures retailers steer by, counted per hour (UTC) and shop.

Every measure is counted at one moment of its own:
- the order's placing (`Order.created_at`): orders, revenue (their total), cancelled (those
  cancelled by now), units shipped and returned (of their lines) — cancellation and return
  rate;
- the order's first parcel (its earliest `Shipment.shipped_at`): orders shipped and all their
  parcels so far — parcels per order (the split rate);
- the delivery order's creation (unless cancelled or rejected): deliveries, those from
  stores — the store share;
- the delivery (`Shipment.delivered_at`, with a promised date): delivered, on time (on or
  before the promised day, local time).

`counted()` counts them in the database for any time ranges. The roll-up job
(`services.key_figures_refresh`, every minute) keeps its result per hour in `KeyFigureHour`,
the current hour up to its run, and counts an hour again when one of its orders gets a
timeline entry; per location (`KeyFigureLocationHour`) and per location type
(`KeyFigureLocationTypeHour`) too, counted apart as their filters count (an order with
delivery orders at two stores counts once for "stores"). The readers take the cells the
filters need and count only the rest directly: the window's first part hour and the minute
since the job's last run. Before the job's first run everything is counted directly.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from fulfillment.models import DeliveryOrder, Shipment
from inventory.models import Location
from monitoring.models import (
    KeyFigureHour,
    KeyFigureLocationHour,
    KeyFigureLocationTypeHour,
    KeyFigureRollupState,
)
from monitoring.selectors import (
    HOUR,
    Filters,
    Ranges,
    _ceil,
    _delivery_scope,
    _floor_hour,
    _in_ranges,
    _order_scope,
    _place_ids,
    _shipment_scope,
    _shop_ids,
    place_of,
    start_of_day,
)
from monitoring.stats import analytic
from orders.models import Order, OrderLine

MEASURES = (
    "orders",
    "revenue",
    "cancelled",
    "units_shipped",
    "units_returned",
    "orders_shipped",
    "parcels",
    "deliveries",
    "store_deliveries",
    "delivered",
    "on_time",
)
# The measures per (hour in UTC, shop id) or per (hour, shop id, location id or type).
Cells = dict[tuple, Counter]
# A window [since, now] includes `now` itself.
INSTANT = datetime.timedelta(microseconds=1)
# The places cells are kept for besides shops: the path from a delivery order to the place.
PLACES = {"location": "location_id", "location_type": "location__type"}


def _hour(field: str) -> TruncHour:
    return TruncHour(field, tzinfo=datetime.UTC)


def _add(cells: Cells, rows: QuerySet) -> None:
    for row in rows.order_by():
        key = (row.pop("_hour"), row.pop("_shop"))
        if "_place" in row:
            key += (row.pop("_place"),)
        cells[key].update({name: value or 0 for name, value in row.items()})


def counted(
    filters: Filters,
    ranges: Ranges,
    measures: Collection[str] = MEASURES,
    *,
    by: str | None = None,
) -> Cells:
    """The measures per (UTC hour, shop[, place]) of what happened in the ranges, from the records.

    `by` a place (PLACES; by default the one the filters slice by) counts every place apart,
    as its filter counts: an order at every place it has a delivery order at (once, however
    many it has there); parcels, deliveries and on-time deliveries at their delivery order's
    place, an order's first parcel among its parcels from that place.
    """
    cells: Cells = defaultdict(Counter)
    if not ranges:
        return cells
    place = PLACES[by] if by else PLACES.get(place_of(filters))
    wanted = set(measures).intersection

    def group(moment: str, shop: str, to_delivery: str = "") -> dict:
        """The cell of a row: the hour of its moment, its shop and place."""
        keys = {"_hour": _hour(moment), "_shop": F(shop)}
        return keys | {"_place": F(f"{to_delivery}{place}")} if place else keys

    if place and wanted({"orders", "revenue", "cancelled", "units_shipped", "units_returned"}):
        # An order at a place: its first delivery order there stands for it.
        earlier_here = DeliveryOrder.objects.filter(
            order=OuterRef("order_id"), pk__lt=OuterRef("pk"), **{place: OuterRef(place)}
        )
        at_place = DeliveryOrder.objects.filter(
            _delivery_scope(filters), _in_ranges("order__created_at", ranges)
        ).exclude(Exists(earlier_here))
        per_order = at_place.values(**group("order__created_at", "order__shop_id"))
        if wanted({"orders", "revenue", "cancelled"}):
            _add(
                cells,
                per_order.annotate(
                    orders=Count("*"),
                    cancelled=Count("pk", filter=Q(order__status=Order.Status.CANCELLED)),
                    revenue=Sum("order__total"),
                ),
            )
        if wanted({"units_shipped", "units_returned"}):
            _add(
                cells,
                per_order.annotate(
                    units_shipped=Sum("order__lines__quantity_shipped"),
                    units_returned=Sum("order__lines__quantity_returned"),
                ),
            )
    if not place and wanted({"orders", "revenue", "cancelled"}):
        placed = Order.objects.filter(_order_scope(filters), _in_ranges("created_at", ranges))
        _add(
            cells,
            placed.values(**group("created_at", "shop_id")).annotate(
                orders=Count("*"),
                cancelled=Count("pk", filter=Q(status=Order.Status.CANCELLED)),
                revenue=Sum("total"),
            ),
        )
    if not place and wanted({"units_shipped", "units_returned"}):
        lines = OrderLine.objects.filter(
            _order_scope(filters, "order__", order_id="order"),
            _in_ranges("order__created_at", ranges),
        )
        _add(
            cells,
            lines.values(**group("order__created_at", "order__shop_id")).annotate(
                units_shipped=Sum("quantity_shipped"), units_returned=Sum("quantity_returned")
            ),
        )
    if wanted({"orders_shipped", "parcels"}):
        # An order's first parcel (from the place): none of its parcels (from there) left
        # earlier, or at the same moment with a lower id; counted with all those parcels.
        shipments = Shipment.objects.filter(_shipment_scope(filters))
        same_order = shipments.filter(delivery_order__order=OuterRef("delivery_order__order"))
        if place:
            here = f"delivery_order__{place}"
            same_order = same_order.filter(**{here: OuterRef(here)})
        earlier = same_order.filter(
            Q(shipped_at__lt=OuterRef("shipped_at"))
            | Q(shipped_at=OuterRef("shipped_at"), pk__lt=OuterRef("pk"))
        )
        parcels = same_order.order_by().values("delivery_order__order").annotate(n=Count("*"))
        firsts = (
            shipments.filter(_in_ranges("shipped_at", ranges))
            .exclude(Exists(earlier))
            .annotate(_parcels=Subquery(parcels.values("n")))
        )
        _add(
            cells,
            firsts.values(
                **group("shipped_at", "delivery_order__order__shop_id", "delivery_order__")
            ).annotate(orders_shipped=Count("*"), parcels=Sum("_parcels")),
        )
    if wanted({"deliveries", "store_deliveries"}):
        deliveries = DeliveryOrder.objects.filter(
            _delivery_scope(filters), _in_ranges("created_at", ranges)
        ).exclude(status__in=[DeliveryOrder.Status.CANCELLED, DeliveryOrder.Status.REJECTED])
        _add(
            cells,
            deliveries.values(**group("created_at", "order__shop_id")).annotate(
                deliveries=Count("*"),
                store_deliveries=Count("pk", filter=Q(location__type=Location.Type.STORE)),
            ),
        )
    if wanted({"delivered", "on_time"}):
        delivered = Shipment.objects.filter(
            _shipment_scope(filters),
            _in_ranges("delivered_at", ranges),
            promised_date__isnull=False,
        ).annotate(_day=TruncDate("delivered_at", tzinfo=timezone.get_current_timezone()))
        _add(
            cells,
            delivered.values(
                **group("delivered_at", "delivery_order__order__shop_id", "delivery_order__")
            ).annotate(
                delivered=Count("*"), on_time=Count("pk", filter=Q(_day__lte=F("promised_date")))
            ),
        )
    return cells


def _split(
    filters: Filters, start: datetime.datetime, end: datetime.datetime
) -> tuple[Ranges, Ranges]:
    """[start, end) as (ranges to count directly, the range of hour cells to read).

    The cells hold the complete hours and the hour of `covered_until` up to that moment: a
    window reaching past it reads that cell and counts from `covered_until` on.
    """
    state = KeyFigureRollupState.objects.first()
    if state is None:
        return [(start, end)], []
    first = _ceil(start, _floor_hour, HOUR)
    if end >= state.covered_until:
        cells_end, rest = _floor_hour(state.covered_until) + HOUR, state.covered_until
    else:
        cells_end = rest = _floor_hour(end)
    if first < state.covered_from or first >= cells_end:
        return [(start, end)], []
    direct = [(low, high) for low, high in ((start, first), (rest, end)) if low < high]
    return direct, [(first, cells_end)]


def per_hour(
    filters: Filters,
    start: datetime.datetime,
    end: datetime.datetime,
    measures: Collection[str] = MEASURES,
) -> dict[datetime.datetime, Counter]:
    """The measures of [start, end) per UTC hour: the roll-up's cells and the rest counted."""
    direct, stored = _split(filters, start, end)
    hours: dict[datetime.datetime, Counter] = defaultdict(Counter)
    for (hour, *_shop_place), counts in counted(filters, direct, measures).items():
        hours[hour].update(counts)
    if stored:
        sums = {name: Sum(name) for name in measures}
        for cell in _cells(filters, stored).values("start").annotate(**sums).order_by():
            hours[cell.pop("start")].update(cell)
    return hours


def totals(filters: Filters, start: datetime.datetime, end: datetime.datetime) -> Counter:
    """The measures of [start, end) summed: the roll-up's cells and the rest counted."""
    direct, stored = _split(filters, start, end)
    result: Counter = Counter()
    for measures in counted(filters, direct).values():
        result.update(measures)
    if stored:
        summed = _cells(filters, stored).aggregate(**{name: Sum(name) for name in MEASURES})
        result.update({name: value or 0 for name, value in summed.items()})
    return result


def _cells(filters: Filters, ranges: Ranges) -> QuerySet:
    """The cells of the ranges the filters read: per shop, or per location (type) as well."""
    place = place_of(filters)
    if place == "location":
        cells = KeyFigureLocationHour.objects.filter(location_id__in=_place_ids(filters))
    elif place == "location_type":
        cells = KeyFigureLocationTypeHour.objects.filter(location_type=filters.location_type)
    else:
        cells = KeyFigureHour.objects.all()
    cells = cells.filter(_in_ranges("start", ranges))
    shop_ids = _shop_ids(filters)
    return cells if shop_ids is None else cells.filter(shop_id__in=shop_ids)


def _money(value: Decimal | int | None) -> Decimal:
    """Sums over shops may mix currencies' minor units: shown with two decimals."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class HourRow:
    hour: int
    orders_today: int
    revenue_today: Decimal
    orders_last_week: int
    revenue_last_week: Decimal


@analytic
def orders_per_hour(filters: Filters, *, now: datetime.datetime) -> list[HourRow]:
    """Orders and order value per local hour today against the same weekday a week ago.

    From UTC hour cells: in a time zone whose offset is not whole hours, an hour's orders
    are shown at the local hour its UTC hour starts in.
    """
    today = start_of_day(now)
    last_week = today - datetime.timedelta(days=7)

    def by_local_hour(start: datetime.datetime, end: datetime.datetime) -> dict[int, tuple]:
        result: dict[int, Counter] = defaultdict(Counter)
        for hour, counts in per_hour(filters, start, end, ("orders", "revenue")).items():
            result[timezone.localtime(hour).hour].update(counts)
        return {hour: (row["orders"], _money(row["revenue"])) for hour, row in result.items()}

    current = by_local_hour(today, now + INSTANT)
    before = by_local_hour(last_week, last_week + datetime.timedelta(days=1))
    zero = (0, _money(None))
    return [HourRow(hour, *current.get(hour, zero), *before.get(hour, zero)) for hour in range(24)]


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class KeyFigures:
    orders: int
    revenue: Decimal
    parcels: int
    orders_shipped: int
    store_share: Rate
    cancellation_rate: Rate
    return_rate: Rate
    on_time_rate: Rate

    @property
    def parcels_per_order(self) -> float | None:
        return self.parcels / self.orders_shipped if self.orders_shipped else None


@analytic
def key_figures(filters: Filters, *, now: datetime.datetime) -> KeyFigures:
    """The figures retailers steer by, over the window [since, now].

    Orders, revenue and cancellations count the orders placed in the window; the return
    rate units returned per unit shipped of those orders; parcels per order the orders whose
    first parcel was handed over in it, with all their parcels; the store share the delivery
    orders created in it; on time the shipments delivered in it by their promised date.
    """
    counts = totals(filters, filters.window_start(now), now + INSTANT)
    return KeyFigures(
        orders=counts["orders"],
        revenue=_money(counts["revenue"]),
        parcels=counts["parcels"],
        orders_shipped=counts["orders_shipped"],
        store_share=Rate(counts["store_deliveries"], counts["deliveries"]),
        cancellation_rate=Rate(counts["cancelled"], counts["orders"]),
        return_rate=Rate(counts["units_returned"], counts["units_shipped"]),
        on_time_rate=Rate(counts["on_time"], counts["delivered"]),
    )
