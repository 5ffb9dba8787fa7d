"""The demo retailer: a German fashion-and-home retailer selling in Germany and Austria.

`seed()` loads the master data (countries, partners, locations, shops, carriers, products,
role users, API clients); `seed_all()` then runs `<app>.demo.seed()` of the other apps.
Everything is keyed by code, so seeding twice gives the same data.
"""

import importlib
import itertools
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from fulfillment.models import Carrier, CarrierService, Partner
from inventory.models import Location, Product
from oms import roles
from oms.models import ApiClient, Country, Shop, User

# Apps whose `demo.seed()` runs after ours, in this order.
APP_SEEDS = ["inventory", "fulfillment", "orders", "returns", "instore"]

COUNTRIES = [
    {
        "code": "DE",
        "name": "Deutschland",
        "currency": "EUR",
        "currency_decimals": 2,
        "languages": "de,en",
        "vat_rate": Decimal("19.00"),
        "time_zone": "Europe/Berlin",
    },
    {
        "code": "AT",
        "name": "Österreich",
        "currency": "EUR",
        "currency_decimals": 2,
        "languages": "de,en",
        "vat_rate": Decimal("20.00"),
        "time_zone": "Europe/Vienna",
    },
]

PARTNERS = [
    {
        "code": "moebelwerk",
        "name": "Möbelwerk Ostwestfalen GmbH",
        "kind": Partner.Kind.DROPSHIPPER,
        "contact_email": "auftraege@moebelwerk.example",
    },
    {
        "code": "marketplace-moebel",
        "name": "Möbel-Markt Marktplatz",
        "kind": Partner.Kind.MARKETPLACE,
        "contact_email": "partner@moebel-markt.example",
    },
]

STORE_HOURS = "Mo-Sa 10:00-20:00"

# code, name, street, postcode, city, region (for regional holidays), latitude, longitude
STORES = [
    ("store-berlin-mitte", "Berlin Mitte", "Friedrichstraße 90", "10117", "Berlin", "BE", "52.51760", "13.38880"),
    ("store-hamburg", "Hamburg Mönckebergstraße", "Mönckebergstraße 7", "20095", "Hamburg", "HH", "53.55060", "10.00110"),
    ("store-muenchen", "München Kaufingerstraße", "Kaufingerstraße 15", "80331", "München", "BY", "48.13730", "11.57140"),
    ("store-koeln", "Köln Schildergasse", "Schildergasse 65", "50667", "Köln", "NW", "50.93640", "6.95280"),
    ("store-frankfurt", "Frankfurt Zeil", "Zeil 90", "60311", "Frankfurt am Main", "HE", "50.11470", "8.68450"),
    ("store-leipzig", "Leipzig Petersstraße", "Petersstraße 24", "04109", "Leipzig", "SN", "51.33820", "12.37510"),
]  # fmt: skip

LOCATIONS = [
    {
        "code": "wh-central",
        "name": "Zentrallager Kassel",
        "type": Location.Type.WAREHOUSE,
        "street": "Kurfürstenstraße 8",
        "postcode": "34117",
        "city": "Kassel",
        "region": "HE",
        "latitude": Decimal("51.31800"),
        "longitude": Decimal("9.49400"),
        "opening_hours": "Mo-Fr 06:00-22:00, Sa 06:00-14:00",
        "daily_capacity": 2500,
    },
    {
        "code": "rc-halle",
        "name": "Retourenzentrum Halle",
        "type": Location.Type.RETURNS_CENTRE,
        "street": "Am Saalehafen 10",
        "postcode": "06118",
        "city": "Halle (Saale)",
        "region": "ST",
        "latitude": Decimal("51.50510"),
        "longitude": Decimal("11.95330"),
        "opening_hours": "Mo-Fr 07:00-19:00",
        "daily_capacity": 800,
    },
    *[
        {
            "code": code,
            "name": f"Filiale {name}",
            "type": Location.Type.STORE,
            "street": street,
            "postcode": postcode,
            "city": city,
            "region": region,
            "latitude": Decimal(latitude),
            "longitude": Decimal(longitude),
            "opening_hours": STORE_HOURS,
            "daily_capacity": 40,
            "offers_pickup": True,
        }
        for code, name, street, postcode, city, region, latitude, longitude in STORES
    ],
    {
        "code": "ds-moebelwerk",
        "name": "Möbelwerk Ostwestfalen (Strecke)",
        "type": Location.Type.DROPSHIPPER,
        "partner": "moebelwerk",
        "street": "Industriestraße 12",
        "postcode": "32051",
        "city": "Herford",
        "region": "NW",
        "latitude": Decimal("52.11460"),
        "longitude": Decimal("8.67340"),
        "opening_hours": "Mo-Fr 07:00-16:00",
        "daily_capacity": 60,
    },
]

WAREHOUSE = "wh-central"
RETURNS_CENTRE = "rc-halle"
DROPSHIPPER = "ds-moebelwerk"
STORE_CODES = [store[0] for store in STORES]
FULFILLING = [WAREHOUSE, *STORE_CODES, DROPSHIPPER]

SHOPS = [
    {
        "code": "de-web",
        "name": "Webshop Deutschland",
        "country": "DE",
        "channel": Shop.Channel.WEB,
        "locations": FULFILLING,
    },
    {
        "code": "at-web",
        "name": "Webshop Österreich",
        "country": "AT",
        "channel": Shop.Channel.WEB,
        "locations": [WAREHOUSE, DROPSHIPPER],
    },
    {
        "code": "moebel-markt",
        "name": "Möbel-Markt (Marktplatz)",
        "country": "DE",
        "channel": Shop.Channel.MARKETPLACE,
        "partner": "marketplace-moebel",
        "locations": [WAREHOUSE, DROPSHIPPER],
    },
    {
        "code": "de-store",
        "name": "Filialen Deutschland",
        "country": "DE",
        "channel": Shop.Channel.STORE,
        "locations": FULFILLING,
    },
    {
        "code": "de-callcentre",
        "name": "Kundenservice-Telefon",
        "country": "DE",
        "channel": Shop.Channel.CALL_CENTRE,
        "locations": FULFILLING,
    },
]

# code, name, tracking URL template, {level: (cut-off time, transit days)}
CARRIERS = [
    (
        "dhl",
        "DHL Paket",
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={tracking_number}",
        {CarrierService.Level.STANDARD: (time(18), 2), CarrierService.Level.EXPRESS: (time(15), 1)},
    ),
    (
        "dpd",
        "DPD",
        "https://tracking.dpd.de/status/de_DE/parcel/{tracking_number}",
        {CarrierService.Level.STANDARD: (time(17), 2), CarrierService.Level.EXPRESS: (time(14), 1)},
    ),
    (
        "spedition",
        "Möbelspedition Nord (2-Mann-Handling)",
        "https://sendungsverfolgung.spedition-nord.example/{tracking_number}",
        {CarrierService.Level.STANDARD: (time(12), 5)},
    ),
]

COLOURS = {
    "WHITE": "Weiß",
    "BLACK": "Schwarz",
    "NAVY": "Marine",
    "GREY": "Grau",
    "RED": "Rot",
    "BLUE": "Blau",
    "GREEN": "Grün",
    "CREAM": "Creme",
    "PINK": "Rosa",
    "BEIGE": "Beige",
    "OLIVE": "Oliv",
    "BROWN": "Braun",
    "SAGE": "Salbei",
    "MUSTARD": "Senf",
    "TEAL": "Petrol",
    "OAK": "Eiche",
    "WALNUT": "Nussbaum",
}
LETTER_SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
DRESS_SIZES = ["34", "36", "38", "40", "42", "44"]
SHOE_SIZES = [str(size) for size in range(36, 47)]


@dataclass(frozen=True)
class Style:
    code: str
    name: str
    sizes: list[str]
    colours: list[str]
    weight_grams: int
    is_hazardous: bool = False
    is_bulky: bool = False
    is_service: bool = False
    extra: dict = field(default_factory=dict)


# Append new styles at the end: a style's position is part of its EAN.
CATALOGUE = [
    Style("TSHIRT", "Basic-T-Shirt", LETTER_SIZES, ["WHITE", "BLACK", "NAVY", "GREY", "RED"], 180),
    Style("POLO", "Piqué-Poloshirt", LETTER_SIZES[1:], ["WHITE", "NAVY", "GREEN"], 250),
    Style(
        "JEANS",
        "Slim-Fit-Jeans",
        ["28", "29", "30", "31", "32", "33", "34", "36", "38"],
        ["BLUE", "BLACK", "GREY"],
        650,
    ),
    Style("HOODIE", "Kapuzenpullover", LETTER_SIZES, ["GREY", "BLACK", "NAVY", "GREEN"], 600),
    Style("SWEATER", "Strickpullover", LETTER_SIZES[1:5], ["CREAM", "NAVY", "RED"], 450),
    Style("DRESS", "Sommerkleid", DRESS_SIZES, ["BLACK", "RED", "BLUE", "GREEN"], 300),
    Style("BLOUSE", "Bluse", DRESS_SIZES, ["WHITE", "BLUE", "PINK"], 200),
    Style(
        "SHIRT",
        "Businesshemd",
        [str(size) for size in range(38, 46)],
        ["WHITE", "BLUE", "PINK"],
        300,
    ),
    Style(
        "CHINO",
        "Chinohose",
        ["28", "30", "31", "32", "33", "34", "36", "38"],
        ["BEIGE", "NAVY", "OLIVE"],
        550,
    ),
    Style("JACKET", "Steppjacke", LETTER_SIZES[1:], ["BLACK", "OLIVE", "NAVY"], 900),
    Style("SNEAKER", "Ledersneaker", SHOE_SIZES, ["WHITE", "BLACK"], 900),
    Style("BOOT", "Chelsea-Boots", SHOE_SIZES, ["BROWN", "BLACK"], 1200),
    Style("SOCKS", "Socken 3er-Pack", ["35-38", "39-42", "43-46"], ["WHITE", "BLACK", "GREY"], 150),
    Style("SCARF", "Wollschal", [""], ["GREY", "RED", "NAVY"], 200),
    Style("CAP", "Baseballcap", [""], ["BLACK", "NAVY"], 100),
    Style("TOWEL", "Frottierhandtuch", ["50X100", "70X140"], ["WHITE", "GREY", "BLUE"], 500),
    Style(
        "BEDLINEN", "Bettwäsche Renforcé", ["135X200", "155X220"], ["WHITE", "GREY", "SAGE"], 1400
    ),
    Style("CUSHION", "Kissenhülle Samt", ["40X40", "50X50"], ["MUSTARD", "GREY", "TEAL"], 250),
    Style("MUG", "Steingutbecher", [""], ["WHITE", "BLACK"], 350),
    Style("LAMP-OIL", "Lampenöl, geruchlos", ["1L"], [""], 1000, is_hazardous=True),
    Style("GRILL-FLUID", "Grillanzünder flüssig", ["1L"], [""], 1000, is_hazardous=True),
    Style("SOFA", "Sofa Lund", ["2S", "3S"], ["GREY", "BLUE", "GREEN"], 62000, is_bulky=True),
    Style("TABLE", "Esstisch Massivholz", ["160", "200"], ["OAK", "WALNUT"], 48000, is_bulky=True),
    Style("ARMCHAIR", "Sessel Lund", [""], ["GREY", "BLUE"], 27000, is_bulky=True),
    Style("SERVICE-ASSEMBLY", "Aufbauservice Möbel", [""], [""], 0, is_service=True),
]
BULKY_STYLES = [style.code for style in CATALOGUE if style.is_bulky]

# GS1 Germany range (400-440) with a made-up company prefix: 7 + 2 (style) + 3 (variant) digits.
EAN_COMPANY_PREFIX = "4061234"


def ean13(first_twelve: str) -> str:
    """Append the EAN-13 check digit (weights 1 and 3 from the left) to twelve digits."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first_twelve))
    return first_twelve + str((10 - total % 10) % 10)


def catalogue_products() -> list[dict]:
    """Every SKU of the catalogue as field values for Product."""
    products = []
    for style_index, style in enumerate(CATALOGUE, start=1):
        variants = itertools.product(style.colours, style.sizes)
        for variant_index, (colour, size) in enumerate(variants, start=1):
            sku = "-".join(part for part in (style.code, colour, size) if part)
            colour_name = COLOURS.get(colour, "")
            products.append(
                {
                    "sku": sku,
                    "ean": None
                    if style.is_service
                    else ean13(f"{EAN_COMPANY_PREFIX}{style_index:02d}{variant_index:03d}"),
                    "name": " ".join(part for part in (style.name, colour_name, size) if part),
                    "style": style.code,
                    "size": size,
                    "colour": colour_name,
                    "weight_grams": style.weight_grams,
                    "is_hazardous": style.is_hazardous,
                    "is_bulky": style.is_bulky,
                    "is_service": style.is_service,
                    "is_active": True,
                }
            )
    return products


# username, first name, last name, role, stores, partner
USERS = [
    ("admin", "Anna", "Admin", roles.ADMINISTRATOR, [], None),
    ("ops", "Oliver", "Operations", roles.OPERATIONS_LEAD, [], None),
    ("agent", "Clara", "Kundenservice", roles.CARE_AGENT, [], None),
    ("returns", "Rita", "Retouren", roles.RETURNS_CLERK, [], None),
    ("store", "Sven", "Berlin", roles.STORE_STAFF, ["store-berlin-mitte"], None),
    ("store2", "Hanna", "Nordwest", roles.STORE_STAFF, ["store-hamburg", "store-koeln"], None),
    ("partner", "Paul", "Möbelwerk", roles.PARTNER_USER, [], "moebelwerk"),
]

# token (clear text, demo only), scope, shop or partner code
API_CLIENTS = [
    ("demo-de-web", ApiClient.Scope.SHOP, "de-web"),
    ("demo-at-web", ApiClient.Scope.SHOP, "at-web"),
    ("demo-moebel-markt", ApiClient.Scope.SHOP, "moebel-markt"),
    ("demo-moebelwerk", ApiClient.Scope.PARTNER, "moebelwerk"),
    ("demo-system", ApiClient.Scope.SYSTEM, None),
]


def _seed_countries() -> dict[str, Country]:
    return {
        values["code"]: Country.objects.update_or_create(code=values["code"], defaults=values)[0]
        for values in COUNTRIES
    }


def _seed_partners() -> dict[str, Partner]:
    return {
        values["code"]: Partner.objects.update_or_create(code=values["code"], defaults=values)[0]
        for values in PARTNERS
    }


def _seed_locations(countries: dict[str, Country], partners: dict[str, Partner]):
    locations = {}
    for values in LOCATIONS:
        defaults = {
            "offers_pickup": False,
            "is_active": True,
            "is_outage": False,
            "time_zone": "Europe/Berlin",
            **values,
            "country": countries["DE"],
            "partner": partners.get(values.get("partner", "")),
        }
        locations[values["code"]] = Location.objects.update_or_create(
            code=values["code"], defaults=defaults
        )[0]
    return locations


def _seed_shops(countries, partners, locations) -> dict[str, Shop]:
    shops = {}
    for values in SHOPS:
        country = countries[values["country"]]
        shop, _created = Shop.objects.update_or_create(
            code=values["code"],
            defaults={
                "name": values["name"],
                "country": country,
                "channel": values["channel"],
                "currency": country.currency,
                "language": "de",
                "is_active": True,
                "partner": partners.get(values.get("partner", "")),
            },
        )
        shop.fulfilment_locations.set([locations[code] for code in values["locations"]])
        shops[shop.code] = shop
    return shops


def _seed_carriers() -> None:
    for code, name, template, services in CARRIERS:
        carrier, _created = Carrier.objects.update_or_create(
            code=code,
            defaults={"name": name, "tracking_url_template": template, "is_active": True},
        )
        for level, (cutoff, transit_days) in services.items():
            CarrierService.objects.update_or_create(
                carrier=carrier,
                level=level,
                defaults={"cutoff_time": cutoff, "transit_days": transit_days},
            )


def _seed_products() -> None:
    wanted = catalogue_products()
    existing = {product.sku: product for product in Product.objects.all()}
    new, changed = [], []
    for values in wanted:
        product = existing.get(values["sku"])
        if product is None:
            new.append(Product(**values))
        elif any(getattr(product, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(product, name, value)
            changed.append(product)
    Product.objects.bulk_create(new, batch_size=500)
    Product.objects.bulk_update(changed, fields=list(wanted[0]), batch_size=500)


def _seed_users(groups, locations, partners) -> None:
    password = make_password(settings.OMS_DEMO_PASSWORD)  # hashed once: it is slow on purpose
    for username, first_name, last_name, role, stores, partner in USERS:
        is_admin = role == roles.ADMINISTRATOR
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@oms.example",
                "password": password,
                "is_active": True,
                # Only administrators reach the admin console.
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "partner": partners.get(partner or ""),
            },
        )
        user.groups.set([groups[role]])
        user.locations.set([locations[code] for code in stores])


def _seed_api_clients(shops, partners) -> None:
    for token, scope, binding in API_CLIENTS:
        client = ApiClient.objects.filter(name=token).first() or ApiClient(name=token)
        client.scope = scope
        client.shop = shops[binding] if scope == ApiClient.Scope.SHOP else None
        client.partner = partners[binding] if scope == ApiClient.Scope.PARTNER else None
        client.is_active = True
        client.revoked_at = None
        client.set_token(token)
        client.save()


@transaction.atomic
def seed() -> None:
    """Load the retailer's master data, role users and API clients (idempotent)."""
    countries = _seed_countries()
    partners = _seed_partners()
    locations = _seed_locations(countries, partners)
    shops = _seed_shops(countries, partners, locations)
    _seed_carriers()
    _seed_products()
    _seed_users(roles.ensure_roles(), locations, partners)
    _seed_api_clients(shops, partners)


def _app_demo(app: str):
    name = f"{app}.demo"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:  # a missing import inside the module is a real bug
            raise
        return None


@transaction.atomic
def seed_all() -> list[str]:
    """Seed the master data, then every app's demo data; return the apps seeded."""
    seed()
    seeded = ["oms"]
    for app in APP_SEEDS:
        module = _app_demo(app)
        if module is not None:
            module.seed()
            seeded.append(app)
    return seeded
