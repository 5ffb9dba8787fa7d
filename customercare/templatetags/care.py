"""Template filters of the care console."""

from decimal import Decimal

from django import template

from orders.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """The amount in the currency's minor unit (84.920 EUR → 84.92)."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)
