from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.money import allocate, fits_currency, price_lines, quantize

cents = st.integers(min_value=0, max_value=500_000)
line = st.tuples(st.integers(min_value=1, max_value=12), cents, st.integers(0, 100))


def test_amounts_round_half_up_to_the_minor_unit():
    assert quantize(Decimal("0.125"), "EUR") == Decimal("0.13")
    assert quantize(Decimal("0.5"), "JPY") == Decimal("1")
    assert quantize(Decimal("1.0005"), "KWD") == Decimal("1.001")
    assert fits_currency(Decimal("19.99"), "EUR")
    assert not fits_currency(Decimal("19.999"), "EUR")


def test_leftover_cents_go_to_the_largest_remainders_then_the_earlier_unit():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(1000, [1999, 1999, 4999]) == [222, 222, 556]


def test_the_api_example_distributes_ten_euros_exactly():
    tshirt, jeans = price_lines(
        [(2, Decimal("19.99"), Decimal("0")), (1, Decimal("49.99"), Decimal("0"))],
        Decimal("10.00"),
        "EUR",
    )

    assert (tshirt.order_discount, jeans.order_discount) == (Decimal("4.44"), Decimal("5.56"))
    assert tshirt.unit_amounts == [Decimal("17.77"), Decimal("17.77")]
    assert tshirt.net_price + jeans.net_price == Decimal("79.97")


def test_a_discount_larger_than_the_goods_is_refused():
    with pytest.raises(ValueError):
        price_lines([(1, Decimal("5.00"), Decimal("0"))], Decimal("5.01"), "EUR")


@given(
    lines=st.lists(line, min_size=1, max_size=6),
    share=st.integers(min_value=0, max_value=100),
)
def test_allocation_always_sums_exactly_and_never_goes_negative(lines, share):
    # given lines (quantity, unit price in cents, line discount in % of the line)
    inputs = [
        (quantity, Decimal(price) / 100, Decimal(price * quantity * percent // 100) / 100)
        for quantity, price, percent in lines
    ]
    goods = sum(q * p - d for q, p, d in inputs)
    order_discount = quantize(goods * share / 100, "EUR")

    priced = price_lines(inputs, order_discount, "EUR")

    assert sum(p.order_discount for p in priced) == order_discount
    for (quantity, price, discount), p in zip(inputs, priced, strict=True):
        assert p.net_price == quantity * price - discount - p.order_discount
        assert sum(p.unit_amounts) == p.net_price
        assert len(p.unit_amounts) == quantity
        assert all(amount >= 0 for amount in p.unit_amounts)
        assert all(fits_currency(amount, "EUR") for amount in p.unit_amounts)


@given(total=st.integers(0, 10**7), weights=st.lists(st.integers(0, 10**6), min_size=1))
def test_allocate_sums_to_the_total_and_respects_the_weights(total, weights):
    if sum(weights) == 0 or total > sum(weights):
        return
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert all(0 <= part <= weight for part, weight in zip(parts, weights, strict=True))
