"""Where returned goods go: the most useful place at the least cost.

- Resellable goods stay in the store that took them back when the store sells the SKU (it has
  a stock level for it) and is below its target stock; otherwise they go to the cheapest, then
  nearest, warehouse.
- Defective goods go to the supplier when the item was dropshipped (the dropshipper that
  shipped it, or the one whose styles include it), otherwise to the nearest returns centre.
"""

from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from fulfillment.geo import distance_km, postcode_centre
from fulfillment.models import DeliveryOrderLine, LocationRoutingProfile
from fulfillment.selectors import shipping_options
from inventory.models import Location, Product, StockLevel
from orders.models import OrderLine
from returns.models import ReturnLine, StoreTargetStock, Transfer

RESELLABLE = ReturnLine.Condition.RESELLABLE
DEFECTIVE = ReturnLine.Condition.DEFECTIVE
DEFAULT_STORE_TARGET = 2

Point = tuple[float, float]


def location_point(location: Location) -> Point:
    return (float(location.latitude), float(location.longitude))


def address_point(country: str, postcode: str) -> Point | None:
    return postcode_centre(country, postcode)


def _usable(type: str):
    return Location.objects.filter(type=type, is_active=True, is_outage=False).select_related(
        "country"
    )


def _nearest(candidates: list[Location], point: Point | None) -> Location | None:
    if not candidates:
        return None
    if point is None:
        return min(candidates, key=lambda location: location.code)
    return min(
        candidates,
        key=lambda location: (distance_km(point, location_point(location)), location.code),
    )


def cheapest_warehouse(*, origin: Location | None, point: Point | None) -> Location | None:
    """The warehouse the goods reach at the lowest parcel cost, then the nearest one."""
    warehouses = list(_usable(Location.Type.WAREHOUSE))
    if not warehouses:
        return None
    costs: dict[int, Decimal] = {}
    if origin is not None:
        for warehouse in warehouses:
            option = shipping_options(
                [origin], country=warehouse.country, postcode=warehouse.postcode
            ).get(origin.pk)
            costs[warehouse.pk] = option.cost if option else Decimal("Infinity")
    point = point or (location_point(origin) if origin else None)
    return min(
        warehouses,
        key=lambda warehouse: (
            costs.get(warehouse.pk, Decimal(0)),
            distance_km(point, location_point(warehouse)) if point else 0,
            warehouse.code,
        ),
    )


def returns_centre(point: Point | None) -> Location | None:
    return _nearest(list(_usable(Location.Type.RETURNS_CENTRE)), point)


def supplier_of(order_line: OrderLine) -> Location | None:
    """The dropshipper that shipped the line, or whose own styles include the product."""
    shipped_by = (
        DeliveryOrderLine.objects.filter(
            order_line=order_line,
            quantity_shipped__gt=0,
            delivery_order__location__type=Location.Type.DROPSHIPPER,
        )
        .select_related("delivery_order__location")
        .first()
    )
    if shipped_by is not None:
        return shipped_by.delivery_order.location
    style = order_line.product.style
    if not style:
        return None
    for profile in LocationRoutingProfile.objects.filter(
        location__type=Location.Type.DROPSHIPPER, location__is_active=True
    ).select_related("location"):
        if style in (profile.dropship_styles or []):
            return profile.location
    return None


def store_target(store: Location, product: Product) -> int:
    target = (
        StoreTargetStock.objects.filter(location=store, product=product)
        .values_list("quantity", flat=True)
        .first()
    )
    if target is not None:
        return target
    return getattr(settings, "OMS_RETURNS_DEFAULT_STORE_TARGET", DEFAULT_STORE_TARGET)


def store_wants(store: Location, product: Product) -> bool:
    """The store sells the SKU (it has a stock level for it) and is below its target stock."""
    level = StockLevel.objects.filter(location=store, product=product).first()
    if level is None:
        return False
    coming = (
        Transfer.objects.filter(
            target=store, product=product, status=Transfer.Status.IN_TRANSIT
        ).aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    return level.on_hand + coming < store_target(store, product)


def goods_destination(
    *,
    order_line: OrderLine,
    condition: str,
    at: Location | None,
    point: Point | None = None,
) -> Location | None:
    """Where units of a line that came back (at a location, or at a customer's `point`) go."""
    product = order_line.product
    point = point or (location_point(at) if at else None)
    if condition == DEFECTIVE:
        supplier = supplier_of(order_line)
        if supplier is not None:
            return supplier
        if at is not None and at.type == Location.Type.RETURNS_CENTRE:
            return at
        return returns_centre(point)
    if at is not None and at.type == Location.Type.STORE and store_wants(at, product):
        return at
    if at is not None and at.type == Location.Type.WAREHOUSE and at.can_fulfil:
        return at
    return cheapest_warehouse(origin=at, point=point) or at


def parcel_destination(
    *, lines: list[tuple[OrderLine, str]], point: Point | None
) -> Location | None:
    """The one address a customer's return parcel goes to.

    All defective units of one dropshipper go straight back to it; anything else defective
    goes to the returns centre, which inspects it; resellable goods go to the warehouse.
    """
    if any(condition == DEFECTIVE for _line, condition in lines):
        suppliers = {
            supplier_of(line) if condition == DEFECTIVE else None for line, condition in lines
        }
        if len(suppliers) == 1 and None not in suppliers:
            return suppliers.pop()
        return returns_centre(point) or cheapest_warehouse(origin=None, point=point)
    return cheapest_warehouse(origin=None, point=point) or returns_centre(point)
