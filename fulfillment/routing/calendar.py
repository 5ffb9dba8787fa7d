"""Earliest delivery dates from cut-off times, transit days, working days and holidays.

Plain Python (no Django): the selector in `fulfillment.selectors` loads the carrier data and
calls `earliest_delivery`.
"""

import datetime
import zoneinfo
from collections.abc import Collection

MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})


def parse_working_days(value: str) -> frozenset[int]:
    """'12345' (Monday = 1 … Sunday = 7) → {0, 1, 2, 3, 4} (Python's weekday numbers)."""
    days = frozenset(int(char) - 1 for char in value if char in "1234567")
    return days or MONDAY_TO_FRIDAY


def is_working_day(
    day: datetime.date, working_days: Collection[int], holidays: Collection[datetime.date]
) -> bool:
    return day.weekday() in working_days and day not in holidays


def next_working_day(
    day: datetime.date,
    working_days: Collection[int],
    holidays: Collection[datetime.date],
    *,
    include_today: bool,
) -> datetime.date:
    """The first working day on or after (include_today) or strictly after `day`."""
    if not include_today:
        day += datetime.timedelta(days=1)
    # A year without a single working day is a configuration error, not an endless loop.
    for _ in range(366):
        if is_working_day(day, working_days, holidays):
            return day
        day += datetime.timedelta(days=1)
    raise ValueError("no working day within a year")


def earliest_delivery(
    now: datetime.datetime,
    *,
    location_tz: str,
    cutoff: datetime.time,
    transit_days: int,
    holidays: Collection[datetime.date] = (),
    working_days: Collection[int] = MONDAY_TO_FRIDAY,
    ready_on: datetime.date | None = None,
    closed_at_location: Collection[datetime.date] = (),
) -> datetime.date:
    """The first day a parcel handed over at the location can reach the customer.

    The parcel leaves today when it is a working day and the location's local time is before
    the cut-off, otherwise on the next working day. Goods arriving later (stock in transit,
    `ready_on`) leave on the first working day on or after their arrival. Transit counts
    working days after the hand-over day; holidays are skipped both for hand-over and transit,
    the location's own (regional) holidays, `closed_at_location`, only for the hand-over.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    local = now.astimezone(zoneinfo.ZoneInfo(location_tz))
    closed = set(holidays) | set(closed_at_location)
    handover = next_working_day(
        local.date(), working_days, closed, include_today=local.time() < cutoff
    )
    if ready_on is not None and ready_on > handover:
        handover = next_working_day(ready_on, working_days, closed, include_today=True)
    day = handover
    for _ in range(max(transit_days, 0)):
        day = next_working_day(day, working_days, holidays, include_today=False)
    return day
