"""Median and 90th percentile of durations: in PostgreSQL with percentile_cont, else in Python."""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.db import connection, transaction
from django.db.models import Aggregate, Count, DurationField, Expression, QuerySet

P = ParamSpec("P")
R = TypeVar("R")


def analytic(function: Callable[P, R]) -> Callable[P, R]:
    """Run a dashboard read with PostgreSQL's JIT compiler off.

    The dashboard's aggregates look expensive to the planner, so PostgreSQL JIT-compiles
    them; compiling took longer than running them (about half of each query's time at a
    million orders). `SET LOCAL` ends with the transaction, so other queries keep the default.
    """

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.vendor != "postgresql":
            return function(*args, **kwargs)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
            return function(*args, **kwargs)

    return wrapper


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


def duration_stats(queryset: QuerySet, duration: Expression) -> DurationStats:
    """Count, median and p90 of a duration expression over the rows of a queryset."""
    if connection.vendor == "postgresql":
        figures = queryset.annotate(_duration=duration).aggregate(
            count=Count("pk"),
            median=PercentileCont("_duration", 0.5, output_field=DurationField()),
            p90=PercentileCont("_duration", 0.9, output_field=DurationField()),
        )
        return DurationStats(figures["count"], figures["median"], figures["p90"])
    seconds = [
        value.total_seconds()
        for value in queryset.annotate(_duration=duration).values_list("_duration", flat=True)
        if value is not None
    ]

    def as_delta(value: float | None) -> datetime.timedelta | None:
        return None if value is None else datetime.timedelta(seconds=round(value, 6))

    return DurationStats(
        len(seconds),
        as_delta(percentile_cont(seconds, 0.5)),
        as_delta(percentile_cont(seconds, 0.9)),
    )
