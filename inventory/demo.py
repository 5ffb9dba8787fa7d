"""Demo stock: every SKU somewhere, deterministic numbers, so availability looks real.

Warehouse: lots of apparel, home and hazardous goods. Stores: a few units of apparel.
Dropshipper: the bulky furniture only. Plus safety stock per location type, stock in transit,
where the assembly service is offered, and a quota for the furniture marketplace.
"""

import datetime
import zlib

from django.utils import timezone

from inventory.models import (
    InboundStock,
    Location,
    Product,
    SafetyStockDefault,
    ServiceRegion,
    StockQuota,
)
from inventory.services import apply_stock_feed
from oms.models import Country, Shop

SAFETY_STOCK = {
    Location.Type.WAREHOUSE: 2,
    Location.Type.STORE: 1,
    Location.Type.DROPSHIPPER: 0,
    Location.Type.RETURNS_CENTRE: 0,
}
ASSEMBLY_REGIONS = [("DE", "10000", "14999"), ("DE", "20000", "22999")]
MARKETPLACE_QUOTA = 2  # units of every bulky SKU held for moebel-markt


def _number(*parts: str, low: int, high: int) -> int:
    """A stable pseudo-random number in [low, high] for the given key."""
    return low + zlib.crc32("/".join(parts).encode()) % (high - low + 1)


def stock_items() -> list[dict]:
    """The demo stock as absolute feed items."""
    locations = dict(Location.objects.values_list("code", "type"))
    warehouses = [code for code, kind in locations.items() if kind == Location.Type.WAREHOUSE]
    stores = [code for code, kind in locations.items() if kind == Location.Type.STORE]
    dropshippers = [code for code, kind in locations.items() if kind == Location.Type.DROPSHIPPER]
    items = []
    for sku, is_bulky, is_hazardous in Product.objects.filter(is_service=False).values_list(
        "sku", "is_bulky", "is_hazardous"
    ):
        if is_bulky:
            items += [
                {"location": code, "sku": sku, "quantity": _number(code, sku, low=4, high=25)}
                for code in dropshippers
            ]
            continue
        items += [
            {"location": code, "sku": sku, "quantity": _number(code, sku, low=30, high=250)}
            for code in warehouses
        ]
        if not is_hazardous:
            items += [
                {"location": code, "sku": sku, "quantity": _number(code, sku, low=0, high=6)}
                for code in stores
            ]
    return items


def seed() -> None:
    """Load the demo stock (idempotent: an unchanged absolute feed records no movement)."""
    for location_type, quantity in SAFETY_STOCK.items():
        SafetyStockDefault.objects.update_or_create(
            location_type=location_type, defaults={"quantity": quantity}
        )
    apply_stock_feed(mode="absolute", items=stock_items(), source="demo", actor="demo")
    _seed_inbound()
    _seed_service_regions()
    _seed_quotas()


def _seed_inbound() -> None:
    warehouse = Location.objects.filter(code="wh-central").first()
    if warehouse is None:
        return
    today = timezone.localdate()
    for offset, sku in enumerate(["TSHIRT-WHITE-M", "JEANS-BLUE-32", "HOODIE-GREY-M"], start=1):
        product = Product.objects.filter(sku=sku).first()
        if product is not None:
            InboundStock.objects.update_or_create(
                reference=f"PO-DEMO-{offset}",
                defaults={
                    "location": warehouse,
                    "product": product,
                    "quantity": 50 * offset,
                    "expected_on": today + datetime.timedelta(days=3 + offset),
                },
            )


def _seed_service_regions() -> None:
    assembly = Product.objects.filter(sku="SERVICE-ASSEMBLY").first()
    if assembly is None:
        return
    for country_code, postcode_from, postcode_to in ASSEMBLY_REGIONS:
        country = Country.objects.filter(code=country_code).first()
        if country is not None:
            ServiceRegion.objects.get_or_create(
                product=assembly,
                country=country,
                postcode_from=postcode_from,
                postcode_to=postcode_to,
            )


def _seed_quotas() -> None:
    marketplace = Shop.objects.filter(code="moebel-markt").first()
    if marketplace is None:
        return
    for product in Product.objects.filter(is_bulky=True):
        StockQuota.objects.update_or_create(
            shop=marketplace,
            product=product,
            defaults={"quantity": MARKETPLACE_QUOTA, "share_percent": None},
        )
