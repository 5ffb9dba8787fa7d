"""What a return is worth: the stored per-unit amounts of the order, never recomputed.

Every unit of an order line carries the net amount it was sold for (after its line discount and
its share of the order discounts), fixed at intake. Shipped units are the first ones of a line,
cancelled units the last ones, and returned units are taken from the shipped ones in order, so
no unit is ever refunded twice and, once every unit is cancelled or returned, the amounts add
up to exactly what the lines cost. The shipping fee comes back with the last unit of the order
(if the shop says so); a return fee is kept from the refund but never makes it negative.
"""

from dataclasses import dataclass
from decimal import Decimal

from orders.money import quantize, units_value

ZERO = Decimal("0")


@dataclass(frozen=True)
class ReturnedUnits:
    """`quantity` units of a line starting at position `first_unit` of its unit amounts."""

    unit_amounts: list
    first_unit: int
    quantity: int

    @property
    def value(self) -> Decimal:
        return units_value(self.unit_amounts, self.first_unit, self.quantity)


@dataclass(frozen=True)
class RefundBreakdown:
    goods: Decimal
    shipping: Decimal
    fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.goods + self.shipping - self.fee


def refund_breakdown(
    *,
    units: list[ReturnedUnits],
    currency: str,
    shipping_fee: Decimal,
    completes_order: bool,
    refund_shipping: bool,
    fee: Decimal = ZERO,
) -> RefundBreakdown:
    """The refund of a return: the units' stored amounts, the shipping fee when this return
    brings back the last unit of the order, less the return fee (at most what is refunded)."""
    goods = quantize(sum((item.value for item in units), ZERO), currency)
    shipping = quantize(shipping_fee, currency) if completes_order and refund_shipping else ZERO
    kept = min(quantize(fee, currency), goods + shipping)
    return RefundBreakdown(goods=goods, shipping=shipping, fee=max(kept, ZERO))
