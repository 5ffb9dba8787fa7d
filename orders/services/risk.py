"""Risk checks: the admin's rules applied to an order being submitted."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from orders.models import RiskRule


@dataclass(frozen=True)
class RiskHit:
    rule: RiskRule
    detail: str


def evaluate_risk(
    *,
    shop,
    quantities: dict[str, int],
    order_value: Decimal,
    is_new_customer: Callable[[], bool],
    billing_country: str,
    shipping_country: str,
) -> list[RiskHit]:
    """Every active rule of the shop (or of all shops) the order trips, by rule name."""
    hits = []
    # Rules for every shop (none chosen) or for this one, in one query.
    rules = (
        RiskRule.objects.filter(is_active=True)
        .filter(Q(shops=None) | Q(shops=shop))
        .distinct()
        .order_by("name")
    )
    for rule in rules:
        threshold = rule.threshold if rule.threshold is not None else Decimal("0")
        detail = ""
        if rule.condition == RiskRule.Condition.LINE_QUANTITY_ABOVE:
            over = sorted(sku for sku, quantity in quantities.items() if quantity > threshold)
            if over:
                detail = _("quantity above %(n)s for %(skus)s") % {
                    "n": threshold.normalize(),
                    "skus": ", ".join(over),
                }
        elif rule.condition == RiskRule.Condition.ORDER_VALUE_ABOVE:
            if order_value > threshold:
                detail = _("order value %(value)s above %(n)s") % {
                    "value": order_value,
                    "n": threshold,
                }
        elif rule.condition == RiskRule.Condition.NEW_CUSTOMER_VALUE_ABOVE:
            if order_value > threshold and is_new_customer():
                detail = _("new customer, order value %(value)s above %(n)s") % {
                    "value": order_value,
                    "n": threshold,
                }
        elif rule.condition == RiskRule.Condition.COUNTRIES_DIFFER:
            if billing_country != shipping_country:
                detail = _("billing country %(b)s, shipping country %(s)s") % {
                    "b": billing_country,
                    "s": shipping_country,
                }
        elif rule.condition == RiskRule.Condition.SKU_WATCH_LIST:
            watched = sorted(set(quantities) & rule.sku_list)
            if watched:
                detail = _("watched SKU(s) %(skus)s") % {"skus": ", ".join(watched)}
        if detail:
            hits.append(RiskHit(rule=rule, detail=detail))
    return hits
