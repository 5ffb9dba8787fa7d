"""Median and 90th percentile of durations: in PostgreSQL with percentile_cont, else in Python."""

import datetime
import functools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Floor, Greatest, Ln

P = ParamSpec("P")
R = TypeVar("R")


def analytic(function: Callable[P, R]) -> Callable[P, R]:
    """Run a dashboard read with PostgreSQL's JIT compiler off.

    The dashboard's aggregates look expensive to the planner, so PostgreSQL JIT-compiles
    them; compiling took longer than running them (about half of each query's time at a
    million orders). `SET LOCAL` ends with the transaction, so other queries keep the default.
    A read of its own runs as one snapshot (REPEATABLE READ): the step roll-up and the live
    rest after it are read as of the same moment, even while the roll-up job commits.
    """

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.vendor != "postgresql":
            return function(*args, **kwargs)
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SET LOCAL jit = off")
            return function(*args, **kwargs)

    return wrapper


def without_parallel_workers() -> None:
    """Plan the rest of the current dashboard read without parallel workers.

    For reads made of short index walks that stop after a limit (the stuck list with a
    location filter): starting workers took longer (~20 ms a query on two busy cores) than
    they saved. `SET LOCAL`: only inside an `analytic` read's transaction.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile (interpolates between the two nearest values)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra) -> None:
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(fraction), **extra)


@dataclass(frozen=True)
class DurationStats:
    count: int
    median: datetime.timedelta | None
    p90: datetime.timedelta | None


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """The same interpolation as SQL percentile_cont, for databases without it."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _as_delta(seconds: float | None) -> datetime.timedelta | None:
    return None if seconds is None else datetime.timedelta(seconds=round(seconds, 6))


def duration_stats(queryset: QuerySet, duration: Expression) -> DurationStats:
    """Count, median and p90 of a duration expression over the rows of a queryset.

    Interpolated on seconds as double precision (in PostgreSQL and, elsewhere, in Python)
    and rounded to microseconds, exactly like the roll-up's `bucketed_stats`.
    """
    if connection.vendor == "postgresql":
        figures = queryset.annotate(_seconds=EpochSeconds(duration)).aggregate(
            count=Count("pk"),
            median=PercentileCont("_seconds", 0.5, output_field=FloatField()),
            p90=PercentileCont("_seconds", 0.9, output_field=FloatField()),
        )
        return DurationStats(
            figures["count"], _as_delta(figures["median"]), _as_delta(figures["p90"])
        )
    seconds = [
        value.total_seconds()
        for value in queryset.annotate(_duration=duration).values_list("_duration", flat=True)
        if value is not None
    ]
    return DurationStats(
        len(seconds),
        _as_delta(percentile_cont(seconds, 0.5)),
        _as_delta(percentile_cont(seconds, 0.9)),
    )


class EpochSeconds(Func):
    """A duration expression in seconds (float): EXTRACT(EPOCH …) or SQLite's microseconds."""

    output_field = FloatField()
    template = "((%(expressions)s) / 1000000.0)"

    def as_postgresql(self, compiler, connection, **extra):
        template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
        return self.as_sql(compiler, connection, template=template, **extra)


# Duration buckets 2 % wide on a log scale (e^0.02): 1 s … a year in about 860 buckets.
BUCKET_WIDTH = 0.02


def duration_bucket(seconds: str) -> Cast:
    """floor(ln(max(seconds, 1)) / BUCKET_WIDTH): never decreasing as the duration grows."""
    scaled = Ln(Greatest(F(seconds), Value(1.0))) / Value(BUCKET_WIDTH)
    return Cast(Floor(scaled), IntegerField())


def _values_at_rank(
    counts: Counter, fetch: Callable[[int, int, int], list[float]], rank: int, limit: int
) -> list[float]:
    """The `limit` durations from the `rank`-th smallest on (0-based), via the bucket counts."""
    values: list[float] = []
    below = 0
    for bucket in sorted(counts):
        size = counts[bucket]
        if rank < below + size:
            values += fetch(bucket, max(rank - below, 0), limit - len(values))
            if len(values) >= limit:
                return values
            rank = below + size  # go on with the next bucket's first value
        below += size
    return values


def bucketed_stats(counts: Counter, fetch: Callable[[int, int, int], list[float]]) -> DurationStats:
    """Exact count, median and p90 from counts per duration bucket.

    `fetch(bucket, offset, limit)` returns that bucket's durations in seconds, ascending, from
    `offset`: the two values around each percentile's position are read there and interpolated
    like percentile_cont.
    """
    total = sum(counts.values())

    def at(fraction: float) -> datetime.timedelta | None:
        if not total:
            return None
        position = fraction * (total - 1)
        lower = math.floor(position)
        wanted = 2 if position > lower else 1
        values = _values_at_rank(counts, fetch, lower, wanted)
        value = values[0]
        if wanted == 2:
            value += (values[1] - values[0]) * (position - lower)
        return _as_delta(value)

    return DurationStats(total, at(0.5), at(0.9))
