"""The step roll-up: the same exact percentiles as reading every recorded time, live.

`step_durations_refresh` copies the durations finished before the current hour; the
dashboard reads whole hours from the histogram, the window's first part-hour from the
copied durations and everything after the copy live from the recorded times.
"""

import datetime
import random
from collections import Counter

import pytest

from fulfillment.models import DeliveryOrder, Shipment
from inventory.models import Location
from monitoring.models import (
    Step,
    StepDuration,
    StepHistogram,
    StepPlaceHistogram,
    StepRollupState,
)
from monitoring.selectors import Filters, step_durations
from monitoring.services import ROLLUP_RECOPY_LATE, step_durations_refresh
from monitoring.stats import DurationStats, percentile_cont
from monitoring.tests.conftest import NOW, event
from orders.models import Order

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
COPIED_AT = NOW - 95 * MINUTE  # the job ran at 09:25 UTC: durations before 09:00 are copied
READ_AT = NOW + 25 * MINUTE  # the dashboard is read at 11:25, between two job runs


@pytest.fixture
def ship_from(make_delivery, make_shipment):
    """Ship the order from a location: accepted, shipped and delivered at random times after
    its release (a step not reached by READ_AT stays open); the delivery order is created
    `created_within` minutes after the release."""

    def ship(order, location, released, rng, *, created_within: tuple[float, float]) -> None:
        accepted = released + rng.uniform(5, 300) * MINUTE
        shipped = accepted + rng.uniform(30, 900) * MINUTE
        delivery = make_delivery(
            order,
            location=location,
            status=DeliveryOrder.Status.SHIPPED,
            created_at=released + rng.uniform(*created_within) * MINUTE,
            released_at=released,
            accepted_at=accepted if accepted < READ_AT else None,
            shipped_at=shipped if shipped < READ_AT and accepted < READ_AT else None,
        )
        if shipped < READ_AT and accepted < READ_AT:
            delivered = shipped + rng.uniform(60, 4000) * MINUTE
            make_shipment(
                delivery,
                status=Shipment.Status.DELIVERED if delivered < READ_AT else "in_transit",
                shipped_at=shipped,
                delivered_at=delivered if delivered < READ_AT else None,
            )

    return ship


@pytest.fixture
def histories(world, make_order, ship_from):
    """Orders of both shops whose steps end all over the last 8 days, some after the copy."""
    rng = random.Random(9)
    intake = []
    for index in range(60):
        shop = world["web"] if index % 3 else world["app"]
        released = READ_AT - rng.uniform(0, 8 * 24 * 60) * MINUTE
        if index < 6:  # in the window's first part-hour, and after the copy
            released = READ_AT - datetime.timedelta(days=7) + rng.uniform(1, 30) * MINUTE
        elif index < 12:
            released = READ_AT - rng.uniform(1, 140) * MINUTE
        taken = round(rng.choice([rng.uniform(1, 600), rng.uniform(600, 20_000)]), 3)
        created = released - datetime.timedelta(seconds=taken)
        order = make_order(
            shop=shop, status=Order.Status.COMPLETED, created_at=created, released_at=released
        )
        if released > READ_AT - datetime.timedelta(days=7) and shop == world["web"]:
            intake.append(taken)
        location = world["store"] if index % 4 == 0 else world["warehouse"]
        ship_from(order, location, released, rng, created_within=(0, 5))
        if index % 5 == 0:
            event(order, "ready_for_pickup", released + 60 * MINUTE)
            event(order, "collected", released + rng.uniform(61, 3000) * MINUTE)
        if index % 7 == 0:
            event(order, "return_announced", released + 30 * MINUTE)
            event(order, "refund_issued", released + rng.uniform(31, 5000) * MINUTE)
    return {"intake_web_7d": intake}


def direct(filters: Filters, now: datetime.datetime = READ_AT) -> dict:
    """The figures read from every recorded time (no roll-up)."""
    state = list(StepRollupState.objects.all())
    StepRollupState.objects.all().delete()
    try:
        return {row.step: row.stats for row in step_durations(filters, now=now)}
    finally:
        for row in state:
            row.save()


FILTERS = [
    Filters(),
    Filters(shop="h8-web"),
    Filters(channel="app", window="30d"),
    Filters(window="today"),
    Filters(shop="h8-app", window="today"),
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda filters: str(filters.as_query()))
def test_the_roll_up_gives_exactly_the_figures_of_every_recorded_time(histories, filters):
    # given the durations copied up to 09:25, and steps that ended after that
    step_durations_refresh(now=COPIED_AT)
    assert StepRollupState.objects.get().covered_until == COPIED_AT
    assert StepHistogram.objects.filter(span="hour").exists()
    assert StepHistogram.objects.filter(span="day").exists()

    # when the dashboard reads at 11:25 (window start 11:25, inside an hour)
    rolled = {row.step: row.stats for row in step_durations(filters, now=READ_AT)}

    # then count, median and p90 are exactly those of every duration in the window
    expected = direct(filters)
    assert rolled == expected
    assert sum(stats.count for stats in rolled.values()) > 0


def test_the_intake_median_and_p90_from_the_roll_up_are_exact(histories):
    step_durations_refresh(now=COPIED_AT)

    rows = step_durations(Filters(shop="h8-web"), now=READ_AT)
    intake = next(row.stats for row in rows if row.step == Step.INTAKE_RELEASED)

    durations = histories["intake_web_7d"]
    assert intake.count == len(durations)
    assert intake.median.total_seconds() == pytest.approx(percentile_cont(durations, 0.5), abs=1e-5)
    assert intake.p90.total_seconds() == pytest.approx(percentile_cont(durations, 0.9), abs=1e-5)


def test_running_the_refresh_twice_changes_nothing(histories):
    step_durations_refresh(now=COPIED_AT)
    facts = set(StepDuration.objects.values_list("step", "source_id", "seconds", "bucket"))
    cells = set(StepHistogram.objects.values_list("step", "span", "start", "bucket", "count"))

    step_durations_refresh(now=COPIED_AT)

    assert set(StepDuration.objects.values_list("step", "source_id", "seconds", "bucket")) == facts
    assert (
        set(StepHistogram.objects.values_list("step", "span", "start", "bucket", "count")) == cells
    )
    hours = sum(cell[-1] for cell in cells if cell[1] == "hour")
    assert 0 < hours <= len(facts)


def test_a_step_end_recorded_late_is_copied_by_the_hourly_run(world, make_order):
    step_durations_refresh(now=COPIED_AT)
    # a release recorded only now with a time three hours ago (before the copied moment)
    make_order(
        status=Order.Status.COMPLETED,
        created_at=NOW - datetime.timedelta(hours=5),
        released_at=NOW - datetime.timedelta(hours=3),
    )
    filters = Filters(shop="h8-web", window="today")

    def intake() -> DurationStats:
        rows = step_durations(filters, now=NOW)
        return next(row.stats for row in rows if row.step == Step.INTAKE_RELEASED)

    missing = intake()
    step_durations_refresh(now=NOW)  # the run every minute copies only the last minutes
    still_missing = intake()
    step_durations_refresh(now=NOW, recopy=ROLLUP_RECOPY_LATE)  # the hourly run
    found = intake()

    assert (missing.count, still_missing.count, found.count) == (0, 0, 1)
    assert found.median == datetime.timedelta(hours=2)


@pytest.fixture
def split_histories(histories, world, ship_from):
    """Some orders also at a second store: two stores, one type."""
    second = Location.objects.create(
        code="h8-store-2", name="H8 Store 2", type="store", postcode="20095", daily_capacity=2,
        street="Teststr. 2", city="Hamburg", country=world["country"], latitude=53, longitude=10,
    )  # fmt: skip
    rng = random.Random(3)
    for order in Order.objects.filter(shop__in=[world["web"], world["app"]])[::3]:
        released = order.released_at
        ship_from(order, second, released, rng, created_within=(6, 20))
    return second


LOCATION_FILTERS = [
    Filters(location="h8-store"),
    Filters(location="h8-store-2", window="30d"),
    Filters(location="h8-wh", window="today"),
    Filters(location_type="store"),
    Filters(location_type="store", window="30d", shop="h8-web"),
    Filters(location_type="warehouse", channel="app"),
    Filters(location="h8-store", location_type="store", window="today"),
    Filters(location="h8-store", location_type="warehouse"),
]


@pytest.mark.parametrize("filters", LOCATION_FILTERS, ids=lambda filters: str(filters.as_query()))
def test_the_roll_up_per_location_gives_exactly_the_figures_of_every_recorded_time(
    split_histories, filters
):
    step_durations_refresh(now=COPIED_AT)
    assert StepPlaceHistogram.objects.filter(location_type="store").exists()
    assert StepPlaceHistogram.objects.filter(location_id=split_histories.pk).exists()

    rolled = {row.step: row.stats for row in step_durations(filters, now=READ_AT)}

    assert rolled == direct(filters)
    if filters.location_type == "store" and not filters.location:
        assert rolled[Step.INTAKE_RELEASED].count > 0
        assert rolled[Step.ROUTED_ACCEPTED].count > 0


def test_an_order_at_two_stores_is_one_intake_for_stores_and_one_at_each_store(
    world, make_order, make_delivery
):
    second = Location.objects.create(
        code="h8-store-2", name="H8 Store 2", type="store", postcode="20095", daily_capacity=2,
        street="Teststr. 2", city="Hamburg", country=world["country"], latitude=53, longitude=10,
    )  # fmt: skip
    released = NOW - datetime.timedelta(days=2)
    order = make_order(
        status=Order.Status.IN_FULFILMENT,
        created_at=released - 30 * MINUTE,
        released_at=released,
    )
    # the intake is copied before the order is routed
    step_durations_refresh(now=released + 5 * MINUTE)
    for minutes, location in [(10, world["store"]), (11, second), (12, world["store"])]:
        make_delivery(
            order,
            location=location,
            status=DeliveryOrder.Status.ACCEPTED,
            created_at=released + minutes * MINUTE,
            released_at=released + minutes * MINUTE,
            accepted_at=released + 2 * minutes * MINUTE,
        )
    step_durations_refresh(now=released + 30 * MINUTE)
    step_durations_refresh(now=NOW - 5 * MINUTE)

    def counts(**filters) -> tuple[int, int]:
        rows = {row.step: row.stats for row in step_durations(Filters(**filters), now=NOW)}
        return rows[Step.INTAKE_RELEASED].count, rows[Step.ROUTED_ACCEPTED].count

    assert counts(location_type="store") == (1, 3)
    assert counts(location="h8-store") == (1, 2)
    assert counts(location="h8-store-2") == (1, 1)
    assert counts(location_type="warehouse") == (0, 0)
    intake_cells = StepPlaceHistogram.objects.filter(step=Step.INTAKE_RELEASED, span="day")
    assert sorted(intake_cells.values_list("location_type", "count")) == [
        ("", 1), ("", 1), ("store", 1)
    ]  # fmt: skip
    assert counts(location_type="store") == tuple(
        direct(Filters(location_type="store"), NOW)[step].count
        for step in (Step.INTAKE_RELEASED, Step.ROUTED_ACCEPTED)
    )


def test_a_second_run_changes_no_location_cell(split_histories):
    step_durations_refresh(now=COPIED_AT)
    fields = ("step", "span", "start", "shop_id", "location_id", "location_type", "bucket", "count")
    cells = Counter(StepPlaceHistogram.objects.values_list(*fields))

    step_durations_refresh(now=COPIED_AT)
    step_durations_refresh(now=COPIED_AT, recopy=ROLLUP_RECOPY_LATE)

    assert Counter(StepPlaceHistogram.objects.values_list(*fields)) == cells
    assert len(cells) > 0
    # hour cells only for yesterday and today (UTC), to add up today's day cell
    hours = StepPlaceHistogram.objects.filter(span="hour")
    yesterday = COPIED_AT.replace(hour=0, minute=0) - datetime.timedelta(days=1)
    assert hours.exists() and not hours.filter(start__lt=yesterday).exists()


def test_beat_refreshes_the_roll_up_every_minute_and_copies_the_last_day_hourly(
    settings, make_order
):
    from django.utils import timezone

    from monitoring import tasks

    released = timezone.now() - datetime.timedelta(hours=2)
    make_order(
        status=Order.Status.COMPLETED,
        created_at=released - datetime.timedelta(minutes=30),
        released_at=released,
    )

    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["monitoring.tasks.refresh_step_durations"] == 60.0
    assert schedule["monitoring.tasks.recopy_step_durations"] == 3600.0

    first = tasks.refresh_step_durations.delay().get()
    again = tasks.recopy_step_durations.delay().get()

    # the first run copies the last 31 days; the hourly one the last day once more (upserted)
    assert first == StepDuration.objects.count() >= again >= 1
    assert StepDuration.objects.filter(step=Step.INTAKE_RELEASED, seconds=1800).exists()
