"""Demo data for routing and delivery dates: transit zones, holidays, carriers per location,
location routing profiles and one active default strategy per shop. Idempotent."""

import datetime
from decimal import Decimal

from django.db import transaction

from fulfillment.models import (
    CarrierService,
    Holiday,
    LocationCarrier,
    LocationRoutingProfile,
    RoutingStrategy,
    TransitTime,
)
from inventory.models import Location
from oms.models import Country, Shop

STANDARD = CarrierService.Level.STANDARD
EXPRESS = CarrierService.Level.EXPRESS

# carrier, level, country, zone, postcode from, postcode to, transit working days
TRANSIT_TIMES = [
    ("dhl", STANDARD, "DE", "Nord/Ost", "01000", "39999", 1),
    ("dhl", STANDARD, "DE", "West/Mitte", "40000", "69999", 1),
    ("dhl", STANDARD, "DE", "Süd", "70000", "99999", 2),
    ("dhl", STANDARD, "AT", "Österreich", "1000", "9999", 3),
    ("dhl", EXPRESS, "DE", "Deutschland", "01000", "99999", 1),
    ("dhl", EXPRESS, "AT", "Österreich", "1000", "9999", 2),
    ("dpd", STANDARD, "DE", "Nord/West", "01000", "59999", 1),
    ("dpd", STANDARD, "DE", "Süd", "60000", "99999", 2),
    ("dpd", STANDARD, "AT", "Wien", "1000", "1999", 2),
    ("dpd", STANDARD, "AT", "Österreich", "2000", "9999", 3),
    ("dpd", EXPRESS, "DE", "Deutschland", "01000", "99999", 1),
    ("spedition", STANDARD, "DE", "Deutschland", "01000", "99999", 4),
    ("spedition", STANDARD, "AT", "Österreich", "1000", "9999", 6),
]

# location, carrier, level, cut-off (None: the service's), cost per parcel, cost per kg
LOCATION_CARRIERS = [
    ("wh-central", "dhl", STANDARD, datetime.time(18, 0), "4.20", "0.30"),
    ("wh-central", "dhl", EXPRESS, datetime.time(15, 0), "9.90", "0.50"),
    ("wh-central", "dpd", STANDARD, datetime.time(17, 0), "3.90", "0.35"),
    ("wh-central", "spedition", STANDARD, None, "45.00", "0.40"),
    ("ds-moebelwerk", "spedition", STANDARD, datetime.time(12, 0), "39.00", "0.50"),
    *[
        (store, "dhl", level, datetime.time(16, 0), cost, "0.30")
        for store in (
            "store-berlin-mitte",
            "store-hamburg",
            "store-muenchen",
            "store-koeln",
            "store-frankfurt",
            "store-leipzig",
        )
        for level, cost in ((STANDARD, "5.50"), (EXPRESS, "11.90"))
    ],
]

# location, priority, ships hazardous, markdown SKUs, own styles (dropshippers)
PROFILES = [
    ("wh-central", 80, True, [], []),
    ("ds-moebelwerk", 50, False, [], ["SOFA", "TABLE", "ARMCHAIR"]),
    ("store-berlin-mitte", 40, False, [], []),
    ("store-hamburg", 40, False, ["JEANS-BLUE-32"], []),
    ("store-muenchen", 40, False, [], []),
    ("store-koeln", 40, False, [], []),
    ("store-frankfurt", 40, False, [], []),
    ("store-leipzig", 30, False, ["TSHIRT-WHITE-M"], []),
]


def easter_sunday(year: int) -> datetime.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def german_holidays(year: int) -> list[tuple[str, datetime.date, str]]:
    """(region, date, name): nationwide ('') and the main regional public holidays."""
    easter = easter_sunday(year)

    def after_easter(days: int) -> datetime.date:
        return easter + datetime.timedelta(days=days)

    nationwide = [
        (datetime.date(year, 1, 1), "Neujahr"),
        (after_easter(-2), "Karfreitag"),
        (after_easter(1), "Ostermontag"),
        (datetime.date(year, 5, 1), "Tag der Arbeit"),
        (after_easter(39), "Christi Himmelfahrt"),
        (after_easter(50), "Pfingstmontag"),
        (datetime.date(year, 10, 3), "Tag der Deutschen Einheit"),
        (datetime.date(year, 12, 25), "1. Weihnachtstag"),
        (datetime.date(year, 12, 26), "2. Weihnachtstag"),
    ]
    regional = [
        *[
            (region, datetime.date(year, 1, 6), "Heilige Drei Könige")
            for region in ("BW", "BY", "ST")
        ],
        *[
            (region, after_easter(60), "Fronleichnam")
            for region in ("BW", "BY", "HE", "NW", "RP", "SL")
        ],
        *[
            (region, datetime.date(year, 10, 31), "Reformationstag")
            for region in ("BB", "HB", "HH", "MV", "NI", "SN", "ST", "SH", "TH")
        ],
        *[
            (region, datetime.date(year, 11, 1), "Allerheiligen")
            for region in ("BW", "BY", "NW", "RP", "SL")
        ],
    ]
    return [("", day, name) for day, name in nationwide] + regional


def austrian_holidays(year: int) -> list[tuple[str, datetime.date, str]]:
    easter = easter_sunday(year)
    days = [
        (datetime.date(year, 1, 1), "Neujahr"),
        (datetime.date(year, 1, 6), "Heilige Drei Könige"),
        (easter + datetime.timedelta(days=1), "Ostermontag"),
        (datetime.date(year, 5, 1), "Staatsfeiertag"),
        (easter + datetime.timedelta(days=39), "Christi Himmelfahrt"),
        (easter + datetime.timedelta(days=50), "Pfingstmontag"),
        (easter + datetime.timedelta(days=60), "Fronleichnam"),
        (datetime.date(year, 8, 15), "Mariä Himmelfahrt"),
        (datetime.date(year, 10, 26), "Nationalfeiertag"),
        (datetime.date(year, 11, 1), "Allerheiligen"),
        (datetime.date(year, 12, 8), "Mariä Empfängnis"),
        (datetime.date(year, 12, 25), "Christtag"),
        (datetime.date(year, 12, 26), "Stefanitag"),
    ]
    return [("", day, name) for day, name in days]


@transaction.atomic
def seed() -> None:
    countries = {country.code: country for country in Country.objects.all()}
    services = {
        (service.carrier.code, service.level): service
        for service in CarrierService.objects.select_related("carrier")
    }
    locations = {location.code: location for location in Location.objects.all()}

    for carrier, level, country, zone, start, end, days in TRANSIT_TIMES:
        service = services.get((carrier, level))
        if service is None or country not in countries:
            continue
        TransitTime.objects.update_or_create(
            service=service,
            country=countries[country],
            postcode_from=start,
            defaults={"zone": zone, "postcode_to": end, "transit_days": days},
        )

    for code, holidays in (("DE", german_holidays), ("AT", austrian_holidays)):
        if code not in countries:
            continue
        for year in (2026, 2027):
            for region, day, name in holidays(year):
                Holiday.objects.update_or_create(
                    country=countries[code], region=region, date=day, defaults={"name": name}
                )

    for location, carrier, level, cutoff, cost, per_kg in LOCATION_CARRIERS:
        service = services.get((carrier, level))
        if service is None or location not in locations:
            continue
        LocationCarrier.objects.update_or_create(
            location=locations[location],
            service=service,
            defaults={
                "cutoff_time": cutoff,
                "cost_base": Decimal(cost),
                "cost_per_kg": Decimal(per_kg),
                "is_active": True,
            },
        )

    for location, priority, hazardous, markdown, styles in PROFILES:
        if location not in locations:
            continue
        LocationRoutingProfile.objects.update_or_create(
            location=locations[location],
            defaults={
                "priority": priority,
                "ships_hazardous": hazardous,
                "markdown_skus": markdown,
                "dropship_styles": styles,
            },
        )

    for shop in Shop.objects.all():
        strategy, _created = RoutingStrategy.objects.get_or_create(
            shop=shop,
            customer_group="",
            version=1,
            defaults={
                "name": "Standard",
                "allowed_location_types": [
                    Location.Type.WAREHOUSE,
                    Location.Type.STORE,
                    Location.Type.DROPSHIPPER,
                ],
                "bulky_max_distance_km": 700,
            },
        )
        has_active = RoutingStrategy.objects.filter(
            shop=shop, customer_group="", status=RoutingStrategy.Status.ACTIVE
        ).exists()
        if strategy.status == RoutingStrategy.Status.DRAFT and not has_active:
            strategy.activate()
            strategy.save()
