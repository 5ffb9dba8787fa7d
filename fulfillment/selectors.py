"""Reads for routing and promising: shipping options, earliest delivery dates."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from fulfillment import config
from fulfillment.models import CarrierService, LocationCarrier, TransitTime
from fulfillment.routing.calendar import earliest_delivery, parse_working_days
from inventory.models import Location
from oms.models import Country

if TYPE_CHECKING:
    from orders.models import Order, OrderLine

# Holidays are loaded for this many days ahead of today (a parcel never takes longer).
HOLIDAY_HORIZON_DAYS = 120


@dataclass(frozen=True)
class ShippingOption:
    """The fastest way a location can send a parcel to a destination with a service level."""

    location_id: int
    service_id: int
    carrier_code: str
    earliest_delivery: datetime.date
    cost: Decimal


def _country_code(country: Country | str) -> str:
    return country if isinstance(country, str) else country.code


def _holidays(
    codes: Iterable[str], start: datetime.date, configuration: config.Configuration
) -> dict[str, set[datetime.date]]:
    first = start - datetime.timedelta(days=7)
    last = start + datetime.timedelta(days=HOLIDAY_HORIZON_DAYS)
    return {
        code: {day for day in configuration.holidays(code) if first <= day <= last}
        for code in codes
    }


def _transit_days(
    zones: list[TransitTime], service: CarrierService, postcode: str, domestic: bool
) -> int | None:
    """The zone's transit days; the service's default at home; None when not served."""
    if not postcode:
        # No postcode yet (a product page): the fastest zone of the country.
        days = [zone.transit_days for zone in zones if zone.service_id == service.pk]
        if days:
            return min(days)
        return service.transit_days if domestic else None
    matches = [
        zone
        for zone in zones
        if zone.service_id == service.pk and zone.postcode_from <= postcode <= zone.postcode_to
    ]
    if matches:
        # The narrowest range is the most specific one.
        return min(matches, key=lambda z: (z.postcode_to, z.postcode_from[::-1])).transit_days
    if any(zone.service_id == service.pk for zone in zones):
        return None  # the carrier lists zones for this country and the postcode is in none
    return service.transit_days if domestic else None


def shipping_options(
    locations: Iterable[Location],
    *,
    country: Country | str,
    postcode: str,
    service: str = CarrierService.Level.STANDARD,
    now: datetime.datetime | None = None,
    ready_on: dict[int, datetime.date] | None = None,
    weight_grams: int = 0,
    configuration: config.Configuration | None = None,
) -> dict[int, ShippingOption]:
    """Per location that can ship there: the earliest delivery date and its parcel cost."""
    locations = list(locations)
    configuration = configuration or config.current()
    now = now or timezone.now()
    code = _country_code(country)
    postcode = (postcode or "").strip()
    ready_on = ready_on or {}
    by_location = configuration.carrier_links(service)
    # A location without configured carriers ships with every active carrier's defaults.
    defaults = [
        LocationCarrier(service=service_row, cost_base=Decimal("0"), cost_per_kg=Decimal("0"))
        for service_row in configuration.carrier_services(service)
    ]
    zones = configuration.transit_zones(code)
    origin_codes = {location.country.code for location in locations}
    holidays = _holidays(origin_codes | {code}, now.date(), configuration)

    options: dict[int, ShippingOption] = {}
    for location in locations:
        origin = location.country.code
        closed = holidays[origin] | holidays[code]
        regional = (
            configuration.holidays(origin, location.region) if location.region else frozenset()
        )
        best: ShippingOption | None = None
        for link in by_location.get(location.pk, defaults):
            days = _transit_days(zones, link.service, postcode, domestic=origin == code)
            if days is None:
                continue
            date = earliest_delivery(
                now,
                location_tz=location.time_zone,
                cutoff=link.cutoff_time or link.service.cutoff_time,
                transit_days=days,
                holidays=closed,
                working_days=parse_working_days(link.service.working_days),
                ready_on=ready_on.get(location.pk),
                closed_at_location=regional,
            )
            cost = link.cost_for(weight_grams).quantize(Decimal("0.01"))
            option = ShippingOption(
                location.pk, link.service.pk, link.service.carrier.code, date, cost
            )
            if best is None or (date, cost) < (best.earliest_delivery, best.cost):
                best = option
        if best is not None:
            options[location.pk] = best
    return options


def earliest_delivery_date(
    location: Location,
    country: Country | str,
    postcode: str,
    service: str = CarrierService.Level.STANDARD,
    now: datetime.datetime | None = None,
    ready_on: datetime.date | None = None,
) -> datetime.date | None:
    """The first day goods from this location can reach the postcode (None: not served)."""
    options = shipping_options(
        [location],
        country=country,
        postcode=postcode,
        service=service,
        now=now,
        ready_on={location.pk: ready_on} if ready_on else None,
    )
    option = options.get(location.pk)
    return option.earliest_delivery if option else None


@dataclass(frozen=True)
class RoutingWait:
    """What of an order waits for a location (a backorder), since when and why."""

    reason: str
    since: datetime.datetime | None
    attempts: int
    lines: list[tuple["OrderLine", int]]  # the order line and its units waiting


def routing_wait(order: "Order") -> RoutingWait | None:
    """The order's units no location could take yet, with the reason (None: nothing waits)."""
    from fulfillment.models import RoutingDecision
    from fulfillment.services.routing import WAITING_OUTCOMES, unrouted_quantities

    waiting = unrouted_quantities(order)
    decisions = list(
        RoutingDecision.objects.filter(order=order)
        .order_by("-pk")
        .values_list("outcome", "created_at")
    )
    if not waiting or not decisions or decisions[0][0] not in WAITING_OUTCOMES:
        return None
    streak = []
    for outcome, created_at in decisions:
        if outcome not in WAITING_OUTCOMES:
            break
        streak.append(created_at)
    lines = {line.pk: line for line in order.lines.filter(pk__in=waiting)}
    return RoutingWait(
        reason=order.hold_reason,
        since=streak[-1],
        attempts=len(streak),
        lines=[(lines[line_id], quantity) for line_id, quantity in waiting.items()],
    )


def active_carriers():
    """The carriers a location may ship with, by code, with their service levels."""
    from fulfillment.models import Carrier

    return Carrier.objects.filter(is_active=True).prefetch_related("services").order_by("code")
