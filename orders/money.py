"""Money: Decimal amounts in a currency's minor unit, and exact discount allocation.

Amounts are rounded half-up to the currency's minor unit. Order-level discounts are spread
over every unit of every line in proportion to the unit's value after its line discount;
the cents that proportional shares cannot express go, one each, to the units with the
largest remainders (ties to the earlier unit). Everything is computed in integer minor units,
so the parts always add up to the whole and no unit ever goes below zero.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not the cent. Everything else has two decimals.
CURRENCY_DECIMALS = {
    "BHD": 3,
    "CLP": 0,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "VND": 0,
}


def currency_decimals(currency: str) -> int:
    """How many decimals the currency's minor unit has (EUR: 2, JPY: 0, KWD: 3)."""
    return CURRENCY_DECIMALS.get(currency.upper(), 2)


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_decimals(currency))


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    return Decimal(amount).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | int | str, currency: str) -> str:
    """The amount as text in the currency's minor unit (84.920000 EUR → "84.92")."""
    return str(quantize(amount, currency))


def fits_currency(amount: Decimal, currency: str) -> bool:
    """True when the amount has no more decimals than the currency's minor unit."""
    return amount == amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    return int(quantize(amount, currency).scaleb(currency_decimals(currency)))


def from_minor(units: int, currency: str) -> Decimal:
    return quantize(Decimal(units).scaleb(-currency_decimals(currency)), currency)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` minor units over `weights` proportionally; the parts sum to `total`.

    Largest remainder method: each part gets floor(total × weight / Σ weights); the units left
    over go one each to the largest fractional remainders, ties to the lower index. When
    total ≤ Σ weights no part exceeds its weight.
    """
    if total < 0 or any(weight < 0 for weight in weights):
        raise ValueError("allocate() takes non-negative amounts")
    whole = sum(weights)
    if total == 0 or whole == 0:
        if total and not whole:
            raise ValueError("cannot allocate an amount over nothing")
        return [0] * len(weights)
    parts = []
    remainders = []
    for index, weight in enumerate(weights):
        part, remainder = divmod(total * weight, whole)
        parts.append(part)
        remainders.append((-remainder, index))
    left = total - sum(parts)
    for _, index in sorted(remainders)[:left]:
        parts[index] += 1
    return parts


@dataclass(frozen=True)
class LinePrice:
    """What an order line is sold for: its inputs and the allocation that follows from them."""

    quantity: int
    unit_price: Decimal
    discount: Decimal
    order_discount: Decimal
    net_price: Decimal
    unit_amounts: list[Decimal]


def price_lines(
    lines: list[tuple[int, Decimal, Decimal]], order_discount: Decimal, currency: str
) -> list[LinePrice]:
    """Price lines given as (quantity, unit_price, line discount) under an order discount.

    The line discount is spread evenly over the line's units (earlier units take the extra
    cents); the order discount over all units proportionally to their value after that.
    Raises ValueError when a discount exceeds what it applies to.
    """
    unit_values: list[list[int]] = []
    for quantity, unit_price, discount in lines:
        price = to_minor(unit_price, currency)
        line_discount = to_minor(discount, currency)
        if line_discount > price * quantity:
            raise ValueError("line discount exceeds the line value")
        base, extra = divmod(line_discount, quantity)
        unit_values.append([price - base - (1 if unit < extra else 0) for unit in range(quantity)])
    flat = [value for values in unit_values for value in values]
    order_total = to_minor(order_discount, currency)
    if order_total > sum(flat):
        raise ValueError("order discount exceeds the goods value")
    shares = allocate(order_total, flat)
    priced: list[LinePrice] = []
    offset = 0
    for (quantity, unit_price, discount), values in zip(lines, unit_values, strict=True):
        line_shares = shares[offset : offset + quantity]
        offset += quantity
        nets = [value - share for value, share in zip(values, line_shares, strict=True)]
        priced.append(
            LinePrice(
                quantity=quantity,
                unit_price=quantize(unit_price, currency),
                discount=quantize(discount, currency),
                order_discount=from_minor(sum(line_shares), currency),
                net_price=from_minor(sum(nets), currency),
                unit_amounts=[from_minor(net, currency) for net in nets],
            )
        )
    return priced


def units_value(unit_amounts: list, start: int, count: int) -> Decimal:
    """The stored net amount of `count` units from position `start` of a line."""
    return sum((Decimal(str(amount)) for amount in unit_amounts[start : start + count]), Decimal(0))
