"""Median and 90th percentile of durations: in PostgreSQL with percentile_cont, else in Python."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, Expression, QuerySet


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
