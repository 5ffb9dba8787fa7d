"""Small builders for stock tests: own locations, SKUs and shops with unique codes."""

import itertools
from decimal import Decimal

from inventory.models import Location, Product, StockLevel
from oms.models import Country, Shop

_serial = itertools.count(1)


def country(code: str = "DE") -> Country:
    return Country.objects.get_or_create(code=code, defaults={"name": code, "currency": "EUR"})[0]


def location(kind: str = Location.Type.WAREHOUSE, **fields) -> Location:
    number = next(_serial)
    values = {
        "code": f"t-{kind.replace('_', '-')}-{number}",
        "name": f"Test {kind} {number}",
        "type": kind,
        "street": "Teststraße 1",
        "postcode": "10115",
        "city": "Berlin",
        "country": country(),
        "latitude": Decimal("52.5"),
        "longitude": Decimal("13.4"),
        "offers_pickup": kind == Location.Type.STORE,
    }
    values.update(fields)
    return Location.objects.create(**values)


def product(**fields) -> Product:
    number = next(_serial)
    values = {"sku": f"T-SKU-{number}", "name": f"Test SKU {number}", "style": "T-STYLE"}
    values.update(fields)
    return Product.objects.create(**values)


def shop(locations: list[Location], **fields) -> Shop:
    number = next(_serial)
    values = {
        "code": f"t-shop-{number}",
        "name": f"Test shop {number}",
        "country": country(),
        "channel": Shop.Channel.WEB,
        "currency": "EUR",
    }
    values.update(fields)
    created = Shop.objects.create(**values)
    created.fulfilment_locations.set(locations)
    return created


def stock(where: Location, what: Product, on_hand: int, **fields) -> StockLevel:
    return StockLevel.objects.update_or_create(
        location=where, product=what, defaults={"on_hand": on_hand, **fields}
    )[0]
