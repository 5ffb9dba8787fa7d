"""Routing and promising keep the configuration in memory and still see every change."""

import datetime
import zoneinfo

import pytest
from django.db import transaction

from fulfillment import config
from fulfillment.models import Holiday, TransitTime
from fulfillment.selectors import earliest_delivery_date
from inventory.models import Location
from oms.models import Country

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TUESDAY_NOON = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=BERLIN)


def berlin_date() -> datetime.date | None:
    warehouse = Location.objects.get(code="wh-central")
    return earliest_delivery_date(warehouse, "DE", "10117", now=TUESDAY_NOON)


@pytest.mark.django_db
def test_a_configuration_read_twice_is_read_from_memory(django_assert_max_num_queries):
    berlin_date()
    with django_assert_max_num_queries(0):
        config.current().holidays("DE")
        config.current().transit_zones("DE")


@pytest.mark.django_db
def test_a_new_holiday_moves_the_date_at_once_and_is_gone_after_a_rollback():
    assert berlin_date() == datetime.date(2026, 12, 2)

    with transaction.atomic():
        Holiday.objects.create(
            country=Country.objects.get(code="DE"), date=datetime.date(2026, 12, 2), name="Test"
        )
        assert berlin_date() == datetime.date(2026, 12, 3)
        transaction.set_rollback(True)

    assert berlin_date() == datetime.date(2026, 12, 2)


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_reaches_a_process_that_cached_the_old_rows():
    assert berlin_date() == datetime.date(2026, 12, 2)
    cached = config.current()

    zones = TransitTime.objects.filter(
        country__code="DE", postcode_from__lte="10117", postcode_to__gte="10117"
    )
    for zone in zones:
        zone.transit_days += 2
        zone.save()

    assert config.current() is not cached
    assert berlin_date() > datetime.date(2026, 12, 2)
