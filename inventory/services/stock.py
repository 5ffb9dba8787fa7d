"""Changes of on-hand stock outside feeds: returns put back, store corrections."""

from django.db import transaction
from django.utils.translation import gettext as _

from inventory.models import Location, Product, StockLevel, StockMovement
from inventory.services.common import actor_label
from oms.errors import InvalidInput


def _locked_level(location: Location, product: Product) -> StockLevel:
    StockLevel.objects.get_or_create(location=location, product=product)
    return StockLevel.objects.select_for_update().get(location=location, product=product)


def _refuse_service(product: Product) -> None:
    if product.is_service:
        raise InvalidInput(
            [{"attr": "sku", "code": "service_article", "detail": _("A service has no stock.")}]
        )


@transaction.atomic
def restock(
    *,
    location: Location,
    product: Product,
    quantity: int,
    reference: str = "",
    reason: str = StockMovement.Reason.RETURN_RESTOCK,
    actor=None,
) -> StockLevel:
    """Put returned (or transferred) goods back on the location's shelf."""
    _refuse_service(product)
    if quantity < 1:
        raise InvalidInput([{"attr": "quantity", "code": "min_value", "detail": _("At least 1.")}])
    level = _locked_level(location, product)
    level.on_hand += quantity
    level.save(update_fields=["on_hand", "updated_at"])
    StockMovement.objects.create(
        location=location,
        product=product,
        delta_on_hand=quantity,
        reason=reason,
        reference=reference[:100],
        actor=actor_label(actor)[:150],
    )
    return level


@transaction.atomic
def correct_stock(
    *, location: Location, product: Product, on_hand: int, reason: str, actor
) -> StockLevel:
    """Set the counted on-hand quantity of a SKU at a location (store correction)."""
    _refuse_service(product)
    if on_hand < 0:
        raise InvalidInput(
            [{"attr": "on_hand", "code": "min_value", "detail": _("Cannot be negative.")}]
        )
    level = _locked_level(location, product)
    delta = on_hand - level.on_hand
    if delta:
        level.on_hand = on_hand
        level.save(update_fields=["on_hand", "updated_at"])
        StockMovement.objects.create(
            location=location,
            product=product,
            delta_on_hand=delta,
            reason=StockMovement.Reason.CORRECTION,
            source=reason[:200],
            actor=actor_label(actor)[:150],
        )
    return level
