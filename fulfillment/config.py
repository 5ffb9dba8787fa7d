"""Configuration that routing and promising read on every call, kept in memory per process.

Carrier services, the carriers of each location, transit times, public holidays, routing
profiles, routing strategies and safety stock defaults change when an administrator edits
them, but every routing and every availability request reads them. Each process keeps what
it read under a version token in the shared Django cache and checks the token once per
call. Saving or deleting any of these rows replaces the token at once and again when the
transaction commits (a process that read the old rows in between reloads too), so every
process reloads on its next call. A transaction that changed configuration reads it from
the database and keeps nothing: its rows would outlive a rollback.

Whether a location is active, under outage or full is never taken from here: those change
often, also through `QuerySet.update()` (which sends no signals). `locations()` is for the
fixed facts (country, time zone, coordinates) of locations the caller found fulfilling now.
"""

import datetime
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from fulfillment.models import (
    Carrier,
    CarrierService,
    Holiday,
    LocationCarrier,
    LocationRoutingProfile,
    RoutingStrategy,
    TransitTime,
)
from inventory.models import Location, SafetyStockDefault
from oms.models import Country

VERSION_KEY = "oms:configuration-version"
CONFIGURATION_MODELS = (
    Carrier,
    CarrierService,
    Country,
    Holiday,
    LocationCarrier,
    Location,
    LocationRoutingProfile,
    RoutingStrategy,
    SafetyStockDefault,
    TransitTime,
)

T = TypeVar("T")


class Configuration:
    """One read of the configuration, loaded part by part on first use."""

    def __init__(self) -> None:
        self._parts: dict[object, object] = {}

    def _part(self, key: object, load: Callable[[], T]) -> T:
        if key not in self._parts:
            self._parts[key] = load()
        return self._parts[key]  # type: ignore[return-value]

    def locations(self) -> dict[int, Location]:
        """Every location by id, with its country (fixed facts only, see above)."""
        return self._part(
            "locations",
            lambda: {
                location.pk: location for location in Location.objects.select_related("country")
            },
        )

    def routing_profiles(self) -> dict[int, LocationRoutingProfile]:
        """Routing profile per location id (locations without one have none)."""
        return self._part(
            "profiles",
            lambda: {
                profile.location_id: profile for profile in LocationRoutingProfile.objects.all()
            },
        )

    def active_strategy(self, shop_id: int, customer_group: str) -> RoutingStrategy | None:
        """The shop's active strategy for the customer group (exactly that group)."""

        def load() -> dict[tuple[int, str], RoutingStrategy]:
            active = RoutingStrategy.objects.filter(status=RoutingStrategy.Status.ACTIVE)
            strategies: dict[tuple[int, str], RoutingStrategy] = {}
            for strategy in active:  # the model's ordering: newest version first
                strategies.setdefault((strategy.shop_id, strategy.customer_group), strategy)
            return strategies

        return self._part("strategies", load).get((shop_id, customer_group))

    def safety_defaults(self) -> dict[str, int]:
        """Safety stock per location type."""
        return self._part(
            "safety",
            lambda: dict(SafetyStockDefault.objects.values_list("location_type", "quantity")),
        )

    def carrier_links(self, level: str) -> dict[int, list[LocationCarrier]]:
        """Per location id: its active carrier services of this level (active carriers only)."""

        def load() -> dict[int, list[LocationCarrier]]:
            links: dict[int, list[LocationCarrier]] = {}
            for link in LocationCarrier.objects.filter(
                is_active=True, service__level=level, service__carrier__is_active=True
            ).select_related("service__carrier"):
                links.setdefault(link.location_id, []).append(link)
            return links

        return self._part(("links", level), load)

    def carrier_services(self, level: str) -> list[CarrierService]:
        """Every active carrier's service of this level."""
        return self._part(
            ("services", level),
            lambda: list(
                CarrierService.objects.filter(level=level, carrier__is_active=True).select_related(
                    "carrier"
                )
            ),
        )

    def transit_zones(self, country_code: str) -> list[TransitTime]:
        """Every carrier service's transit zones into the country."""
        return self._part(
            ("zones", country_code),
            lambda: list(TransitTime.objects.filter(country__code=country_code)),
        )

    def holidays(self, country_code: str, region: str = "") -> frozenset[datetime.date]:
        """The country's nationwide public holidays, or only the region's own ones."""
        return self._part(
            ("holidays", country_code, region),
            lambda: frozenset(
                Holiday.objects.filter(country__code=country_code, region=region).values_list(
                    "date", flat=True
                )
            ),
        )


_cached: tuple[str, Configuration] | None = None


def current() -> Configuration:
    """The configuration to use for this call (checks the version token once)."""
    global _cached
    if _changed_in_this_transaction():
        return Configuration()
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
        if version is None:  # a cache that keeps nothing: nothing can be shared safely
            return Configuration()
    if _cached is None or _cached[0] != version:
        _cached = (version, Configuration())
    return _cached[1]


def invalidate() -> None:
    """Configuration changed: every process reloads it (now, and once more on commit)."""
    _bump()
    if not _changed_in_this_transaction():
        transaction.on_commit(_bump_on_commit)


def _bump() -> None:
    global _cached
    _cached = None
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _bump_on_commit() -> None:
    _bump()


def _changed_in_this_transaction() -> bool:
    # Our callback waits in the open transaction until it commits; a rollback (of the
    # transaction or of the savepoint that made the change) drops it, and the change with it.
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        callback is _bump_on_commit for _savepoints, callback, _robust in connection.run_on_commit
    )


def _on_change(**kwargs: object) -> None:
    invalidate()


def connect_signals() -> None:
    """Invalidate on every save and delete of a configuration row, and after a flush."""
    for model in CONFIGURATION_MODELS:
        post_save.connect(_on_change, sender=model, dispatch_uid=f"configuration-{model.__name__}")
        post_delete.connect(
            _on_change, sender=model, dispatch_uid=f"configuration-del-{model.__name__}"
        )
    post_migrate.connect(_on_change, dispatch_uid="configuration-migrate")
