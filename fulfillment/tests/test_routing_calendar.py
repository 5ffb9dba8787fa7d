"""Earliest delivery: cut-off before/after, weekends, holidays, stock in transit, time zones."""

import datetime
import zoneinfo

import pytest

from fulfillment.routing.calendar import earliest_delivery, parse_working_days

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
CUTOFF = datetime.time(15, 0)


def at(day: str, clock: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


def delivery(now, transit_days=1, **kwargs) -> datetime.date:
    return earliest_delivery(
        now, location_tz="Europe/Berlin", cutoff=CUTOFF, transit_days=transit_days, **kwargs
    )


def test_before_the_cutoff_ships_today():
    # Tuesday 2026-12-01 14:59 → hand-over Tuesday, delivered Wednesday
    assert delivery(at("2026-12-01", "14:59")) == datetime.date(2026, 12, 2)


def test_after_the_cutoff_ships_the_next_working_day():
    assert delivery(at("2026-12-01", "15:00")) == datetime.date(2026, 12, 3)


def test_weekend_is_skipped_for_hand_over_and_transit():
    # Friday after the cut-off → Monday hand-over → Tuesday delivery
    assert delivery(at("2026-12-04", "16:00")) == datetime.date(2026, 12, 8)
    # Friday before the cut-off, 2 days transit → Tuesday
    assert delivery(at("2026-12-04", "10:00"), transit_days=2) == datetime.date(2026, 12, 8)


def test_holidays_are_skipped():
    christmas = {datetime.date(2026, 12, 25), datetime.date(2026, 12, 26)}
    # Thursday 24 Dec before the cut-off, one day transit: 25 (holiday), 26 (Sat, holiday),
    # 27 (Sunday) → Monday 28
    assert delivery(at("2026-12-24", "09:00"), holidays=christmas) == datetime.date(2026, 12, 28)
    # a holiday on the hand-over day moves the hand-over
    assert delivery(at("2026-12-25", "09:00"), holidays=christmas) == datetime.date(2026, 12, 29)


def test_the_cutoff_is_in_the_locations_time_zone():
    # 14:30 UTC is 15:30 in Berlin: past the cut-off there
    now = datetime.datetime(2026, 12, 1, 14, 30, tzinfo=datetime.UTC)
    assert delivery(now) == datetime.date(2026, 12, 3)


def test_stock_in_transit_ships_after_it_arrives():
    # arrives Saturday → hand-over Monday → Tuesday
    result = delivery(at("2026-12-01", "09:00"), ready_on=datetime.date(2026, 12, 5))
    assert result == datetime.date(2026, 12, 8)
    # an arrival in the past changes nothing
    assert delivery(at("2026-12-01", "09:00"), ready_on=datetime.date(2026, 11, 1)) == (
        datetime.date(2026, 12, 2)
    )


def test_saturday_delivery_when_the_carrier_works_saturdays():
    days = parse_working_days("123456")
    assert delivery(at("2026-12-04", "10:00"), working_days=days) == datetime.date(2026, 12, 5)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        delivery(datetime.datetime(2026, 12, 1, 9, 0))


def test_a_holiday_only_at_the_location_delays_the_hand_over_but_not_the_transit():
    # Wednesday 2026-12-02 is a holiday where the store is, not where the parcel travels
    local_holiday = {datetime.date(2026, 12, 2)}
    now = at("2026-12-01", "16:00")  # Tuesday after the cut-off

    assert delivery(now, closed_at_location=local_holiday) == datetime.date(2026, 12, 4)
    assert delivery(at("2026-12-01", "10:00"), closed_at_location=local_holiday) == (
        datetime.date(2026, 12, 2)  # handed over Tuesday, delivered on the store's holiday
    )
