"""Reads of stock: availability (available-to-promise) per shop and the stock list."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import atp
from inventory.locks import LOCK_PRODUCTS
from inventory.models import (
    InboundStock,
    Location,
    Product,
    Reservation,
    SafetyStockDefault,
    ServiceRegion,
    StockLevel,
    StockQuota,
)
from oms.errors import InvalidInput
from oms.models import Shop
from oms.prepared import Prepared

# A service article has no stock; where it is offered it is "available" in this quantity.
SERVICE_AVAILABLE = 999


def _default_safety() -> Subquery:
    """The safety stock default of the row's location type (SQL, for annotations)."""
    return Subquery(
        SafetyStockDefault.objects.filter(location_type=OuterRef("location__type")).values(
            "quantity"
        )[:1]
    )


def shop_locations(rows: list[tuple] | None = None) -> dict[int, frozenset]:
    """Every shop's supplies: the ids of its fulfilment locations that can fulfil now (active,
    not under outage) and, when the shop sells stock in transit, `atp.InTransit` of each."""
    locations: dict[int, set] = defaultdict(set)
    for shop_id, location_id, _code, _pickup, in_transit in (
        fulfilment_rows() if rows is None else rows
    ):
        locations[shop_id].add(location_id)
        if in_transit:
            locations[shop_id].add(atp.InTransit(location_id))
    return {shop_id: frozenset(ids) for shop_id, ids in locations.items()}


def fulfilment_rows() -> list[tuple[int, int, str, bool, bool]]:
    """(shop id, location id, location code, is a pickup store, the shop sells stock in
    transit) for locations that can fulfil."""
    with connection.cursor() as cursor:
        cursor.execute(FULFILMENT_ROWS.statement(), [Location.Type.STORE])
        return [
            (shop_id, location_id, code, bool(pickup), bool(in_transit))
            for shop_id, location_id, code, pickup, in_transit in cursor.fetchall()
        ]


# Read on every reservation and availability request: written once, prepared on PostgreSQL.
_FULFILMENT_ROWS_SQL = f"""
SELECT f.shop_id, f.location_id, l.code, (l.type = $1 AND l.offers_pickup),
       s.sells_stock_in_transit
FROM {Shop.fulfilment_locations.through._meta.db_table} f
JOIN {Location._meta.db_table} l ON l.id = f.location_id
JOIN {Shop._meta.db_table} s ON s.id = f.shop_id
WHERE l.is_active AND NOT l.is_outage
ORDER BY f.shop_id, f.location_id
"""
FULFILMENT_ROWS = Prepared("oms_fulfilment_rows", "text", _FULFILMENT_ROWS_SQL)


def product_pictures(
    product_ids: Iterable[int],
    *,
    shop_locations_by_id: dict[int, frozenset[int]],
    lock: bool = False,
) -> dict[int, atp.ProductPicture]:
    """Free stock per location, open pool reservations and quotas left, for each product.

    With `lock` the products are locked first, as `lock_products` does; on PostgreSQL the lock
    and the read go to the server in one round trip (two statements, so the read sees what
    the previous lock holder committed).
    """
    product_ids = sorted(set(product_ids))
    pictures = {product_id: atp.ProductPicture() for product_id in product_ids}
    if not product_ids:
        return pictures
    quota_ids = []
    today = timezone.localdate()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            read = PICTURE.call()
            if lock:
                cursor.execute(f"{LOCK_PRODUCTS.call()}; {read}", [product_ids, product_ids, today])
                cursor.nextset()
            else:
                cursor.execute(read, [product_ids, today])
            for _skipped in range(PICTURE.leading_results):
                cursor.nextset()
        else:
            ids = ", ".join(["%s"] * len(product_ids))
            cursor.execute(
                _PICTURE_SQL.format(ids=f"IN ({ids})", today="%s"),
                [*product_ids, *product_ids, *product_ids, today, *product_ids],
            )
        for kind, product_id, key, units, arrives in cursor.fetchall():
            if kind == "free" and units > 0:
                pictures[product_id].free[key] = units
            elif kind == "inbound" and units > 0:
                pictures[product_id].free[atp.InTransit(key)] = units
                pictures[product_id].arrivals[key] = (
                    arrives
                    if isinstance(arrives, datetime.date)
                    else datetime.date.fromisoformat(arrives)
                )
            elif kind == "pool":
                pictures[product_id].pool[key] = units
            elif kind == "quota":
                quota_ids.append(units)
    if quota_ids:
        _add_quotas(pictures, shop_locations_by_id, StockQuota.objects.filter(pk__in=quota_ids))
    return pictures


# One round trip for everything availability depends on (the hot path runs it under a lock):
# free units per location that can fulfil, open pool reservations per shop, quotas that apply,
# stock in transit to locations that can fulfil (expected today or later) and its first arrival.
_PICTURE_SQL = f"""
SELECT 'free', s.product_id, s.location_id,
       s.on_hand - s.reserved - COALESCE(s.safety_stock, d.quantity, 0), CAST(NULL AS date)
FROM {StockLevel._meta.db_table} s
JOIN {Location._meta.db_table} l ON l.id = s.location_id
LEFT JOIN {SafetyStockDefault._meta.db_table} d ON d.location_type = l.type
WHERE s.product_id {{ids}} AND l.is_active AND NOT l.is_outage
UNION ALL
SELECT 'pool', r.product_id, r.shop_id, SUM(r.quantity), CAST(NULL AS date)
FROM {Reservation._meta.db_table} r
WHERE r.product_id {{ids}} AND r.status = 'open' AND r.location_id IS NULL
GROUP BY r.product_id, r.shop_id
UNION ALL
SELECT 'quota', q.product_id, q.shop_id, q.id, CAST(NULL AS date)
FROM {StockQuota._meta.db_table} q
JOIN {Shop._meta.db_table} sh ON sh.id = q.shop_id
WHERE (q.product_id {{ids}} OR q.product_id IS NULL) AND sh.is_active
UNION ALL
SELECT 'inbound', i.product_id, i.location_id, SUM(i.quantity), MIN(i.expected_on)
FROM {InboundStock._meta.db_table} i
JOIN {Location._meta.db_table} l ON l.id = i.location_id
WHERE i.expected_on >= {{today}} AND i.product_id {{ids}} AND l.is_active AND NOT l.is_outage
GROUP BY i.product_id, i.location_id
"""
PICTURE = Prepared(
    "oms_product_picture",
    "bigint[], date",
    _PICTURE_SQL.format(ids="= ANY($1)", today="$2"),
    generic=True,  # planned anew on every call otherwise (0.4 ms, under the product lock)
)


def _add_quotas(
    pictures: dict[int, atp.ProductPicture],
    shop_locations_by_id: dict[int, frozenset[int]],
    quotas: Iterable[StockQuota],
) -> None:
    """Hold back what each marketplace quota still reserves (its open reservations use it up)."""
    chosen: dict[tuple[int, int], StockQuota] = {}
    for quota in quotas:
        for product_id in [quota.product_id] if quota.product_id else pictures:
            key = (product_id, quota.shop_id)
            if quota.product_id or key not in chosen:  # a SKU's own quota beats "all SKUs"
                chosen[key] = quota
    used = {
        (product_id, shop_id): units
        for product_id, shop_id, units in Reservation.objects.filter(
            product_id__in=list(pictures),
            shop_id__in={shop_id for _product, shop_id in chosen},
            status=Reservation.Status.OPEN,
        )
        .values_list("product_id", "shop_id")
        .annotate(units=Sum("quantity"))
    }
    for (product_id, shop_id), quota in chosen.items():
        picture = pictures[product_id]
        free = sum(
            picture.free.get(location, 0)
            for location in atp.on_hand_locations(shop_locations_by_id.get(shop_id, ()))
        )
        left = quota.set_aside(free) - used.get((product_id, shop_id), 0)
        if left > 0:
            picture.set_aside[shop_id] = left


def service_offered(product: Product, *, country: str | None, postcode: str | None) -> bool:
    """A service article is offered where one of its regions covers the destination."""
    if not country:
        return False
    return any(region.covers(country, postcode) for region in product.service_regions.all())


def _earliest_delivery(
    *,
    shop: Shop,
    location_ids: Iterable[int],
    products: list[Product],
    country: str | None,
    postcode: str | None,
) -> dict[int, datetime.date | None]:
    """Earliest delivery date per product for home delivery.

    The fastest of the shop's fulfilling locations (`location_ids`: active, not under outage)
    that hold free stock of the product (any of them when none does), by carrier transit per
    postcode zone, cut-off and holidays (`fulfillment.selectors.shipping_options`).
    """
    from fulfillment import config
    from fulfillment.selectors import shipping_options

    configuration = config.current()
    known = configuration.locations()
    locations = [known[pk] for pk in location_ids if pk in known]
    options = shipping_options(
        locations,
        country=country or shop.country.code,
        postcode=postcode or "",
        configuration=configuration,
    )
    if not options:
        return {product.pk: None for product in products}
    stocked: dict[int, set[int]] = defaultdict(set)
    for product_id, location_id in StockLevel.objects.filter(
        product__in=products, location_id__in=list(options), on_hand__gt=F("reserved")
    ).values_list("product_id", "location_id"):
        stocked[product_id].add(location_id)
    fastest = min(option.earliest_delivery for option in options.values())
    return {
        product.pk: min(
            (options[location_id].earliest_delivery for location_id in stocked[product.pk]),
            default=fastest,
        )
        for product in products
    }


def availability(
    *, shop: Shop, skus: list[str], country: str | None = None, postcode: str | None = None
) -> list[dict]:
    """What the shop may sell now per SKU, for delivery and per pickup store (API contract).

    Raises InvalidInput naming unknown SKUs (`sku.<index>`).
    """
    products = {product.sku: product for product in Product.objects.filter(sku__in=skus)}
    unknown = [
        {
            "attr": f"sku.{index}",
            "code": "unknown_sku",
            "detail": _("There is no SKU %(sku)s.") % {"sku": sku},
        }
        for index, sku in enumerate(skus)
        if sku not in products
    ]
    if unknown:
        raise InvalidInput(unknown)
    services = [product for product in products.values() if product.is_service]
    if services:
        prefetch_related_objects(
            services,
            Prefetch("service_regions", ServiceRegion.objects.select_related("country")),
        )
    rows = fulfilment_rows()
    locations_by_shop = shop_locations(rows)
    supplies = locations_by_shop.get(shop.pk, frozenset())
    own = frozenset(atp.on_hand_locations(supplies))
    stock_products = [p for p in products.values() if not p.is_service and p.is_active]
    pictures = product_pictures(
        [p.pk for p in stock_products], shop_locations_by_id=locations_by_shop
    )
    stores = sorted(
        (code, location_id)
        for shop_id, location_id, code, is_pickup_store, _in_transit in rows
        if shop_id == shop.pk and is_pickup_store
    )
    destination = {"shop": shop, "country": country, "postcode": postcode}
    delivery_dates = _earliest_delivery(
        location_ids=own, products=list(products.values()), **destination
    )
    inbound = {
        product_id: in_transit
        for product_id, picture in pictures.items()
        if (in_transit := _in_transit(picture, own))
    }
    later_dates = (
        _delivery_after_arrival(inbound, **destination) if len(supplies) > len(own) else {}
    )
    answers = []
    for sku in skus:
        product = products[sku]
        if product.is_service:
            offered = product.is_active and service_offered(
                product, country=country or shop.country.code, postcode=postcode
            )
            units = SERVICE_AVAILABLE if offered else 0
            answers.append(
                {
                    "sku": sku,
                    "available": units,
                    "service": True,
                    "ship": {
                        "available": units,
                        "earliest_delivery": delivery_dates[product.pk] if units else None,
                        "in_transit": None,
                    },
                    "pickup": [],
                    "in_transit": None,
                }
            )
            continue
        picture = pictures.get(product.pk, atp.ProductPicture())
        ship = atp.available(
            picture, shop_id=shop.pk, locations=supplies, shop_locations=locations_by_shop
        )
        from_stock = (
            atp.available(picture, shop_id=shop.pk, locations=own, shop_locations=locations_by_shop)
            if later_dates
            else ship
        )
        later = (
            {"available": ship - from_stock, "earliest_delivery": later_dates.get(product.pk)}
            if ship > from_stock
            else None
        )
        pickup = [
            {
                "location": code,
                "available": atp.available(
                    picture, shop_id=shop.pk, locations=[pk], shop_locations=locations_by_shop
                ),
            }
            for code, pk in stores
        ]
        incoming = inbound.get(product.pk)
        answers.append(
            {
                "sku": sku,
                "available": ship,
                "service": False,
                "ship": {
                    "available": ship,
                    "earliest_delivery": (
                        delivery_dates[product.pk]
                        if from_stock
                        else later and later["earliest_delivery"]
                    ),
                    "in_transit": later,
                },
                "pickup": pickup,
                "in_transit": incoming
                and {"quantity": incoming["quantity"], "expected_on": incoming["expected_on"]},
            }
        )
    return answers


def _in_transit(picture: atp.ProductPicture, locations: frozenset[int]) -> dict | None:
    """Stock on its way to these locations: quantity, the first expected arrival, and the
    first arrival per location (`by_location`); None when nothing is on its way."""
    arrivals = {pk: day for pk, day in picture.arrivals.items() if pk in locations}
    if not arrivals:
        return None
    return {
        "quantity": sum(picture.free[atp.InTransit(pk)] for pk in arrivals),
        "expected_on": min(arrivals.values()),
        "by_location": arrivals,
    }


def _delivery_after_arrival(
    inbound: dict[int, dict], *, shop: Shop, country: str | None, postcode: str | None
) -> dict[int, datetime.date | None]:
    """Earliest delivery per product of units in transit: shipped from where they arrive,
    from the day they arrive."""
    from fulfillment import config
    from fulfillment.selectors import shipping_options

    configuration = config.current()
    known = configuration.locations()
    dates = {}
    for product_id, entry in inbound.items():
        arrivals = entry["by_location"]
        options = shipping_options(
            [known[pk] for pk in arrivals if pk in known],
            country=country or shop.country.code,
            postcode=postcode or "",
            ready_on=arrivals,
            configuration=configuration,
        )
        dates[product_id] = min(
            (option.earliest_delivery for option in options.values()), default=None
        )
    return dates


def stock_rows(*, sku: str | None = None, location: str | None = None) -> QuerySet[StockLevel]:
    """Stock levels with safety stock, stock in transit and free units, for the API and admin."""
    in_transit = Subquery(
        InboundStock.objects.filter(location=OuterRef("location"), product=OuterRef("product"))
        .values("product")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    rows = (
        StockLevel.objects.select_related("location", "product")
        .annotate(
            effective_safety=Coalesce(F("safety_stock"), _default_safety(), Value(0)),
            in_transit=Coalesce(in_transit, Value(0)),
        )
        .annotate(
            available=Case(
                When(location__is_active=False, then=Value(0)),
                When(location__is_outage=True, then=Value(0)),
                default=Greatest(F("on_hand") - F("reserved") - F("effective_safety"), Value(0)),
                output_field=IntegerField(),
            )
        )
        .order_by("product__sku", "location__code")
    )
    if sku:
        rows = rows.filter(product__sku=sku)
    if location:
        rows = rows.filter(location__code=location)
    return rows
