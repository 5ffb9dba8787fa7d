"""Demo data for returns: settings per shop, a fee, target stock in two stores."""

from decimal import Decimal

from inventory.models import Location, Product
from oms.models import Shop
from returns.models import ReturnFee, ShopReturnSettings, StoreTargetStock


def seed() -> None:
    for shop in Shop.objects.all():
        ShopReturnSettings.objects.get_or_create(shop=shop)
    at_web = Shop.objects.filter(code="at-web").first()
    if at_web is not None:
        ReturnFee.objects.update_or_create(
            shop=at_web, reason="", defaults={"amount": Decimal("2.95")}
        )
    for store_code in ("store-berlin-mitte", "store-hamburg"):
        store = Location.objects.filter(code=store_code).first()
        if store is None:
            continue
        for product in Product.objects.filter(sku__startswith="TSHIRT-")[:12]:
            StoreTargetStock.objects.update_or_create(
                location=store, product=product, defaults={"quantity": 4}
            )
