"""Earliest delivery dates from the demo carrier data; the demo seed is idempotent."""

import datetime
import zoneinfo

import pytest

from fulfillment import demo
from fulfillment.models import Holiday, RoutingStrategy, TransitTime
from fulfillment.selectors import earliest_delivery_date
from inventory.models import Location

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def at(day: str, clock: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


@pytest.mark.django_db
def test_warehouse_to_berlin_before_and_after_the_cutoff():
    warehouse = Location.objects.get(code="wh-central")
    # Tuesday before DHL's 18:00 cut-off: Nord/Ost zone, one day
    assert earliest_delivery_date(
        warehouse, "DE", "10117", now=at("2026-12-01", "12:00")
    ) == datetime.date(2026, 12, 2)
    # after every standard cut-off: hand-over Wednesday
    assert earliest_delivery_date(
        warehouse, "DE", "10117", now=at("2026-12-01", "19:00")
    ) == datetime.date(2026, 12, 3)


@pytest.mark.django_db
def test_christmas_holidays_and_stock_in_transit():
    warehouse = Location.objects.get(code="wh-central")
    assert earliest_delivery_date(
        warehouse, "DE", "10117", now=at("2026-12-24", "12:00")
    ) == datetime.date(2026, 12, 28)
    assert earliest_delivery_date(
        warehouse,
        "DE",
        "10117",
        now=at("2026-12-01", "12:00"),
        ready_on=datetime.date(2026, 12, 7),
    ) == datetime.date(2026, 12, 8)


@pytest.mark.django_db
def test_austria_takes_longer_and_express_is_faster():
    warehouse = Location.objects.get(code="wh-central")
    now = at("2026-12-01", "12:00")
    assert earliest_delivery_date(warehouse, "AT", "1010", now=now) == datetime.date(2026, 12, 3)
    assert earliest_delivery_date(
        warehouse, "DE", "80331", service="express", now=now
    ) == datetime.date(2026, 12, 2)


@pytest.mark.django_db
def test_seed_twice_changes_nothing():
    counts = (TransitTime.objects.count(), Holiday.objects.count(), RoutingStrategy.objects.count())
    demo.seed()
    assert counts == (
        TransitTime.objects.count(),
        Holiday.objects.count(),
        RoutingStrategy.objects.count(),
    )
    assert (
        RoutingStrategy.objects.filter(
            shop__code="de-web", status=RoutingStrategy.Status.ACTIVE
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_a_regional_holiday_closes_only_the_locations_of_that_region():
    # Corpus Christi 2026 (Thursday 4 June) is a holiday in Bavaria, not in Berlin
    munich = Location.objects.get(code="store-muenchen")
    berlin = Location.objects.get(code="store-berlin-mitte")
    assert (munich.region, berlin.region) == ("BY", "BE")
    assert Holiday.objects.filter(region="BY", date=datetime.date(2026, 6, 4)).exists()
    wednesday_evening = at("2026-06-03", "20:00")

    from_munich = earliest_delivery_date(munich, "DE", "10117", now=wednesday_evening)
    from_berlin = earliest_delivery_date(berlin, "DE", "10117", now=wednesday_evening)

    assert from_berlin == datetime.date(2026, 6, 5)  # handed over Thursday
    assert from_munich == datetime.date(2026, 6, 8)  # handed over Friday, delivered Monday
