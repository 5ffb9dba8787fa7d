"""Writes of the monitoring domain: marking SLA breaches once, alerting operations."""

import datetime
import math
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, TruncDay, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fulfillment.models import DeliveryOrder, Shipment
from monitoring.figures import counted
from monitoring.links import care_order_url
from monitoring.models import (
    AlertSettings,
    KeyFigureHour,
    KeyFigureLocationHour,
    KeyFigureLocationTypeHour,
    KeyFigureRollupState,
    SlaBreach,
    Step,
    StepDuration,
    StepHistogram,
    StepPlaceHistogram,
    StepRollupState,
)
from monitoring.selectors import (
    DAY,
    HOUR,
    Filters,
    Ranges,
    StuckOrder,
    _completed_step,
    _floor_day,
    _floor_hour,
    _in_ranges,
    step_facts,
    stuck_orders,
)
from orders.models import Order, OrderEvent
from orders.services.events import Actor, record_event

SLA_MONITOR = Actor.system("sla-monitor")

# The step roll-up keeps a little more than the longest dashboard window (30 days) …
ROLLUP_KEEP = datetime.timedelta(days=31)
# … and every run copies the last minutes again (a transaction that committed just after
# the previous run with an earlier time); the hourly run copies the last day again, so a
# step end recorded late (a carrier's delivery scan hours after the fact) gets in too.
ROLLUP_RECOPY = datetime.timedelta(minutes=10)
ROLLUP_RECOPY_LATE = datetime.timedelta(hours=24)
# Timeline entries that change no key figure: they do not make the roll-up count again.
FIGURE_NEUTRAL_EVENTS = ["sla_breached", "message_sent", "note"]


def _insert_select(table: str, columns: dict[str, str], queryset: QuerySet, conflict: str) -> int:
    """INSERT INTO table the queryset's rows: {table column: queryset column}."""
    sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    targets = ", ".join(quote(column) for column in columns)
    sources = ", ".join(quote(column) for column in columns.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({targets}) SELECT {sources} FROM ({sql}) AS copied "
            f"WHERE true {conflict}",
            params,
        )
        return cursor.rowcount


def step_durations_refresh(
    *,
    now: datetime.datetime | None = None,
    recopy: datetime.timedelta = ROLLUP_RECOPY,
    full: bool = False,
) -> int:
    """Copy the step durations finished until now into the roll-up the dashboard reads.

    The first run (or `full`) copies the last 31 days; later runs what finished since the
    previous run and `recopy` before it, upserting by (step, source), then recount the
    histogram's hours and days (UTC) those touch from the copied durations, the current
    hour and day up to now — running it twice changes nothing. Returns how many durations
    were written.
    """
    now = now or timezone.now()
    keep_from = _floor_day(now - ROLLUP_KEEP)
    columns = {
        "step": "_step",
        "source_id": "_source",
        "order_id": "_order",
        "shop_id": "_shop",
        "location_id": "_location",
        "finished_at": "_finished",
        "seconds": "_seconds",
        "bucket": "_bucket",
    }
    update = ", ".join(
        f"{column} = excluded.{column}" for column in columns if column not in ("step", "source_id")
    )
    with transaction.atomic():
        if not _rollup_lock():
            return 0  # another run is copying right now (e.g. the first, long one)
        state = StepRollupState.objects.select_for_update().first()
        if state is None or full or state.covered_until < keep_from:
            start = keep_from
        else:
            start = max(keep_from, min(state.covered_until, now) - recopy)
        written = 0
        for step in Step.values:
            source = _completed_step(step, Filters(), start, now, until_inclusive=False)
            rows = step_facts(source).annotate(_step=Value(step)).values(*columns.values())
            written += _insert_select(
                StepDuration._meta.db_table,
                columns,
                rows,
                f"ON CONFLICT (step, source_id) DO UPDATE SET {update}",
            )
        # The current hour and day are counted too, up to `now` (= covered_until).
        _recount(
            StepHistogram.Span.HOUR,
            _floor_hour(start),
            now,
            StepDuration.objects.annotate(_start=TruncHour("finished_at", tzinfo=datetime.UTC)),
            "finished_at",
            Count("*"),
        )
        _recount(
            StepHistogram.Span.DAY,
            _floor_day(start),
            now,
            StepHistogram.objects.filter(span=StepHistogram.Span.HOUR).annotate(
                _start=TruncDay("start", tzinfo=datetime.UTC)
            ),
            "start",
            Sum("count"),
        )
        _recount_places_since(start, now, keep_from)
        StepDuration.objects.filter(finished_at__lt=keep_from).delete()
        StepHistogram.objects.filter(start__lt=keep_from).delete()
        StepPlaceHistogram.objects.filter(start__lt=keep_from).delete()
        state = state or StepRollupState()
        state.covered_from = keep_from
        state.covered_until = now
        state.refreshed_at = now
        state.save()
    return written


def _recount_places_since(
    start: datetime.datetime, now: datetime.datetime, keep_from: datetime.datetime
) -> None:
    """Count the location (type) cells again that changed since `start`.

    Those are the hours durations were copied into, and the hours of the order's own steps
    (intake, pickup, return) of every order that got a delivery order since: they now count
    at one more location (type). Hour cells are kept for yesterday and today: their days
    are added up from them; older days are counted from the copied durations.
    """
    hours_from = _floor_day(now) - DAY
    hours = _hours_between(_floor_hour(start), _floor_hour(now) + HOUR)
    hours |= _hours_with_new_places(start)
    recent = {hour for hour in hours if hour >= hours_from}
    older_days = {_floor_day(hour) for hour in hours if keep_from <= hour < hours_from}
    _recount_places(StepHistogram.Span.HOUR, _hour_ranges(recent), now)
    _add_up_place_days(_hour_ranges({_floor_day(hour) for hour in recent}, DAY), now)
    _recount_places(StepHistogram.Span.DAY, _hour_ranges(older_days, DAY), now)
    StepPlaceHistogram.objects.filter(span=StepHistogram.Span.HOUR, start__lt=hours_from).delete()


def _hours_with_new_places(since: datetime.datetime) -> set[datetime.datetime]:
    """The UTC hours of the order's own steps of every order that got a delivery order since."""
    routed = DeliveryOrder.objects.filter(created_at__gte=since).values("order_id")
    return set(
        StepDuration.objects.filter(location__isnull=True, order_id__in=routed)
        .annotate(_hour=TruncHour("finished_at", tzinfo=datetime.UTC))
        .order_by()
        .values_list("_hour", flat=True)
        .distinct()
    )


PLACE_CELL_COLUMNS = {"step": "step", "span": "_span", "start": "_start", "shop_id": "shop_id",
                      "location_id": "_location", "location_type": "_type", "bucket": "bucket",
                      "count": "_count"}  # fmt: skip


def _recount_places(span: str, ranges: Ranges, now: datetime.datetime) -> None:
    """Count the location and location-type cells (hours or days) of the ranges again.

    From the copied durations: a step of a delivery order or its parcel at its location and
    that location's type; the order's own steps at each location and type among the order's
    delivery orders, once each (an order at two stores is one intake for "stores").
    """
    ranges = [(low, min(high, now)) for low, high in ranges if low < now]
    if not ranges:
        return
    StepPlaceHistogram.objects.filter(_in_ranges("start", ranges), span=span).delete()
    trunc = TruncHour if span == StepHistogram.Span.HOUR else TruncDay
    facts = StepDuration.objects.filter(_in_ranges("finished_at", ranges)).annotate(
        _start=trunc("finished_at", tzinfo=datetime.UTC), _span=Value(span)
    )
    theirs = facts.filter(location__isnull=False)
    own = facts.filter(location__isnull=True)
    no_location = Cast(None, BigIntegerField())
    no_type = Value("")
    delivery = "order__delivery_orders__location"
    once = Count("source_id", distinct=True)
    # (durations, the location's id, the type, how they count, where a place was found)
    for rows, location, location_type, total, placed in [
        (theirs, F("location_id"), no_type, Count("*"), Q()),
        (theirs, no_location, F("location__type"), Count("*"), Q(_type__isnull=False)),
        (own, F(f"{delivery}_id"), no_type, once, Q(_location__isnull=False)),
        (own, no_location, F(f"{delivery}__type"), once, Q(_type__isnull=False)),
    ]:
        cells = (
            rows.values("step", "_span", "_start", "shop_id", "bucket")
            .annotate(_location=location, _type=location_type)
            .filter(placed)
            .values("step", "_span", "_start", "shop_id", "_location", "_type", "bucket")
            .annotate(_count=total)
            .order_by()
        )
        _insert_select(StepPlaceHistogram._meta.db_table, PLACE_CELL_COLUMNS, cells, "")


def _add_up_place_days(ranges: Ranges, now: datetime.datetime) -> None:
    """Count the location (type) day cells of the ranges again from their hour cells."""
    ranges = [(low, min(high, now)) for low, high in ranges if low < now]
    if not ranges:
        return
    day = StepHistogram.Span.DAY
    StepPlaceHistogram.objects.filter(_in_ranges("start", ranges), span=day).delete()
    cells = (
        StepPlaceHistogram.objects.filter(_in_ranges("start", ranges), span=StepHistogram.Span.HOUR)
        .annotate(
            _span=Value(day),
            _start=TruncDay("start", tzinfo=datetime.UTC),
            _location=F("location_id"),
            _type=F("location_type"),
        )
        .values("step", "_span", "_start", "shop_id", "_location", "_type", "bucket")
        .annotate(_count=Sum("count"))
        .order_by()
    )
    _insert_select(StepPlaceHistogram._meta.db_table, PLACE_CELL_COLUMNS, cells, "")


def _rollup_lock(name: str = "monitoring.step_rollup") -> bool:
    """One roll-up run at a time (PostgreSQL; held until the transaction ends)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [name])
        return cursor.fetchone()[0]


def key_figures_refresh(
    *,
    now: datetime.datetime | None = None,
    recopy: datetime.timedelta = ROLLUP_RECOPY,
    full: bool = False,
) -> int:
    """Count the key figures of every hour that changed since the previous run.

    The first run (or `full`) counts the last 31 days. Later runs count the hours since the
    previous run, and every hour holding something of an order that got a timeline entry
    since then (its placing, delivery orders, parcels, deliveries), each from `recopy` before
    the previous run on (a transaction that committed late with an earlier time). The current
    hour's cell counts up to `now` (= covered_until). Running it twice changes nothing.
    Returns how many hours were counted.
    """
    now = now or timezone.now()
    keep_from = _floor_day(now - ROLLUP_KEEP)
    current_hour = _floor_hour(now)
    with transaction.atomic():
        if not _rollup_lock("monitoring.key_figure_rollup"):
            return 0
        state = KeyFigureRollupState.objects.select_for_update().first()
        if state is None or full or state.covered_until < keep_from:
            hours = _hours_between(keep_from, current_hour + HOUR)
        else:
            since = min(state.refreshed_at, now) - recopy
            hours = _hours_between(_floor_hour(since), current_hour + HOUR)
            hours |= _hours_touched(since)
        in_reach = (hour for hour in hours if keep_from <= hour <= current_hour)
        ranges = [(start, min(end, now)) for start, end in _hour_ranges(in_reach)]
        for model, by, place_fields in KEY_FIGURE_CELLS:
            if ranges:
                model.objects.filter(_in_ranges("start", ranges)).delete()
                cells = _key_figure_cells(model, by, place_fields, ranges)
                model.objects.bulk_create(cells, batch_size=2000)
            model.objects.filter(start__lt=keep_from).delete()
        state = state or KeyFigureRollupState()
        state.covered_from = keep_from
        state.covered_until = now
        state.refreshed_at = now
        state.save()
    return sum(math.ceil((high - low) / HOUR) for low, high in ranges)


# The cells the key-figure job keeps: per shop, per shop and location, per shop and type
# (`figures.PLACES`), with the fields their place is kept in.
KEY_FIGURE_CELLS = [
    (KeyFigureHour, None, ()),
    (KeyFigureLocationHour, "location", ("location_id",)),
    (KeyFigureLocationTypeHour, "location_type", ("location_type",)),
]


def _key_figure_cells(model, by: str | None, place_fields: tuple, ranges: Ranges) -> list:
    """The cells of the ranges, counted from the records by the dashboard's own `counted`."""
    keys = ("start", "shop_id", *place_fields)
    return [
        model(**dict(zip(keys, key, strict=True)), **measures)
        for key, measures in counted(Filters(), ranges, by=by).items()
    ]


def _hours_between(
    start: datetime.datetime, end: datetime.datetime, unit: datetime.timedelta = HOUR
) -> set[datetime.datetime]:
    return {start + n * unit for n in range(max(0, round((end - start) / unit)))}


def _hours_touched(since: datetime.datetime) -> set[datetime.datetime]:
    """The UTC hours of everything of the orders with a timeline entry since `since`."""
    changed = OrderEvent.objects.filter(at__gte=since).exclude(type__in=FIGURE_NEUTRAL_EVENTS)
    orders = changed.values("order_id")
    moments = [
        (Order.objects.filter(pk__in=orders), "created_at"),
        (DeliveryOrder.objects.filter(order__in=orders), "created_at"),
        (Shipment.objects.filter(delivery_order__order__in=orders), "shipped_at"),
        (Shipment.objects.filter(delivery_order__order__in=orders), "delivered_at"),
    ]
    return {
        hour
        for rows, field in moments
        for hour in rows.annotate(_hour=TruncHour(field, tzinfo=datetime.UTC))
        .order_by()
        .values_list("_hour", flat=True)
        .distinct()
        if hour is not None
    }


def _hour_ranges(hours: Iterable[datetime.datetime], unit: datetime.timedelta = HOUR) -> Ranges:
    """Sorted hours (or days) as few [start, end) ranges (neighbouring ones joined)."""
    ranges: Ranges = []
    for hour in sorted(hours):
        if ranges and ranges[-1][1] == hour:
            ranges[-1] = (ranges[-1][0], hour + unit)
        else:
            ranges.append((hour, hour + unit))
    return ranges


def _recount(span, start, end, rows: QuerySet, moment: str, total) -> None:
    """Count the histogram cells of one span in [start, end) again from `rows`."""
    if start >= end:
        return
    StepHistogram.objects.filter(span=span, start__gte=start, start__lt=end).delete()
    cells = (
        rows.filter(**{f"{moment}__gte": start, f"{moment}__lt": end})
        .annotate(_span=Value(span))
        .values("step", "_span", "_start", "shop_id", "bucket")
        .annotate(_count=total)
        .order_by()
    )
    columns = {"step": "step", "span": "_span", "start": "_start", "shop_id": "shop_id",
               "bucket": "bucket", "count": "_count"}  # fmt: skip
    _insert_select(StepHistogram._meta.db_table, columns, cells, "")


def sla_breaches_mark(
    *, now: datetime.datetime | None = None, batch_size: int = 1000
) -> list[SlaBreach]:
    """Mark every order newly past a step's service level: one breach, one timeline entry.

    Written in batches (one transaction each). The unique (order, step) constraint keeps it
    idempotent when two runs overlap: the loser's rows are skipped, and only breaches this
    run created (stamped with its `now`) get a timeline entry.
    """
    now = now or timezone.now()
    fresh = stuck_orders(Filters(), now=now, limit=None, unmarked=True)
    created: list[SlaBreach] = []
    for start in range(0, len(fresh), batch_size):
        created += _mark_batch(fresh[start : start + batch_size], now=now)
    if created and AlertSettings.current().mode == AlertSettings.Mode.IMMEDIATE:
        from monitoring.tasks import send_sla_alerts

        transaction.on_commit(send_sla_alerts.delay)
    return created


@transaction.atomic
def _mark_batch(items: list[StuckOrder], *, now: datetime.datetime) -> list[SlaBreach]:
    SlaBreach.objects.bulk_create(
        [
            SlaBreach(
                order_id=item.order_id,
                step=item.step,
                reason=item.reason,
                step_started_at=item.since,
                sla=item.sla,
                detected_at=now,
            )
            for item in items
        ],
        ignore_conflicts=True,
    )
    wanted = {(item.order_id, item.step): item for item in items}
    # Read back through the (order, step) index; the run's `now` tells its own rows apart.
    created = [
        breach
        for breach in SlaBreach.objects.filter(order_id__in={item.order_id for item in items})
        if (breach.order_id, breach.step) in wanted and breach.detected_at == now
    ]
    OrderEvent.objects.bulk_create(
        [
            record_event(
                Order(pk=breach.order_id),
                "sla_breached",
                actor=SLA_MONITOR,
                message=_("%(step)s has taken longer than its service level: %(reason)s.")
                % {"step": item.step_label, "reason": item.reason_label},
                data={"step": item.step, "reason": item.reason, "since": item.since.isoformat()},
                save=False,
            )
            for breach in created
            for item in [wanted[(breach.order_id, breach.step)]]
        ]
    )
    return created


def sla_alert_send(*, now: datetime.datetime | None = None) -> int:
    """E-mail operations every breach not yet alerted (once each); return how many."""
    now = now or timezone.now()
    alert_settings = AlertSettings.current()
    recipients = alert_settings.recipient_list
    if alert_settings.mode == AlertSettings.Mode.OFF or not recipients:
        return 0
    with transaction.atomic():
        breaches = list(
            SlaBreach.objects.select_for_update(of=("self",))
            .filter(notified_at__isnull=True)
            .select_related("order")
            .order_by("step_started_at", "pk")
        )
        if not breaches:
            return 0
        base = settings.OMS_PUBLIC_URL.rstrip("/")
        lines = [
            f"{breach.order.number or breach.order_id} · {breach.get_step_display()} · "
            f"{_('since')} {timezone.localtime(breach.step_started_at):%Y-%m-%d %H:%M} · "
            f"{base}{care_order_url(breach.order.number or str(breach.order_id))}"
            for breach in breaches
        ]
        subject = ngettext(
            "[OMS] %(count)d order past its service level",
            "[OMS] %(count)d orders past their service level",
            len(breaches),
        ) % {"count": len(breaches)}
        # Sent inside the transaction on purpose: if the mail server fails, the breaches stay
        # un-alerted and the next run tries again.
        send_mail(subject, "\n".join(lines), None, recipients)
        SlaBreach.objects.filter(pk__in=[breach.pk for breach in breaches]).update(notified_at=now)
    return len(breaches)
