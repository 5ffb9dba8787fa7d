"""Refunds never exceed what was paid and add up exactly when everything comes back.

Random orders are priced like intake does (orders.money.price_lines); random sequences of
partial cancellations (last units of a line) and partial returns (next shipped units) are
refunded like the services do (returns.calculation over the stored unit amounts).
"""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orders.money import price_lines, quantize, units_value
from returns.calculation import ReturnedUnits, refund_breakdown

CENTS = st.integers(min_value=1, max_value=20_000).map(lambda c: Decimal(c) / 100)


@st.composite
def orders(draw):
    count = draw(st.integers(min_value=1, max_value=4))
    lines = []
    for _ in range(count):
        quantity = draw(st.integers(min_value=1, max_value=5))
        price = draw(CENTS)
        discount = draw(st.integers(0, int(price * quantity * 100) // 3)) / Decimal(100)
        lines.append((quantity, price, discount))
    goods = sum(q * p - d for q, p, d in lines)
    order_discount = draw(st.integers(0, int(goods * 100) // 2)) / Decimal(100)
    shipping = draw(st.sampled_from([Decimal("0"), Decimal("4.95"), Decimal("0.01")]))
    return lines, order_discount, shipping


@st.composite
def scenarios(draw):
    lines, order_discount, shipping = draw(orders())
    priced = price_lines(lines, order_discount, "EUR")
    # shipped / cancelled split per line, then returns of shipped units in random chunks
    cancels = [draw(st.integers(0, line.quantity)) for line in priced]
    returns = []
    for index, line in enumerate(priced):
        shipped = line.quantity - cancels[index]
        left = shipped
        while left:
            chunk = draw(st.integers(1, left))
            returns.append((index, chunk))
            left -= chunk
    returns = draw(st.permutations(returns))
    stop = draw(st.integers(0, len(returns)))
    refund_shipping = draw(st.booleans())
    return priced, shipping, cancels, list(returns), stop, refund_shipping


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_refunds_never_exceed_payment_and_sum_exactly(scenario):
    priced, shipping, cancels, returns, stop, refund_shipping = scenario
    total = sum((line.net_price for line in priced), Decimal(0)) + shipping

    # cancellations give back the last units of each line (orders.services.cancel_order)
    credited = Decimal(0)
    for line, cancelled in zip(priced, cancels, strict=True):
        credited += units_value(line.unit_amounts, line.quantity - cancelled, cancelled)
    all_cancelled = all(c == line.quantity for c, line in zip(cancels, priced, strict=True))
    if all_cancelled:
        credited += shipping  # nothing shipped: cancel_order refunds the fee

    claimed = [0] * len(priced)
    for step, (index, quantity) in enumerate(returns[:stop] if stop else returns):
        line = priced[index]
        units = [ReturnedUnits(line.unit_amounts, claimed[index], quantity)]
        claimed[index] += quantity
        completes = all(cancels[i] + claimed[i] == priced[i].quantity for i in range(len(priced)))
        breakdown = refund_breakdown(
            units=units,
            currency="EUR",
            shipping_fee=shipping,
            completes_order=completes,
            refund_shipping=refund_shipping,
        )
        credited += breakdown.total
        assert credited <= total, (step, credited, total)

    everything_back = all(cancels[i] + claimed[i] == priced[i].quantity for i in range(len(priced)))
    if everything_back:
        expected = total if (refund_shipping or all_cancelled) else total - shipping
        assert credited == expected
    assert credited == quantize(credited, "EUR")


def test_rounding_in_cents_with_an_order_discount_spread_over_three_units():
    # 3 × 10.00 with 10.00 off: 6.66 + 6.67 + 6.67 — one at a time sums to exactly 20.00.
    (line,) = price_lines([(3, Decimal("10.00"), Decimal("0"))], Decimal("10.00"), "EUR")
    refunds = [
        refund_breakdown(
            units=[ReturnedUnits(line.unit_amounts, first, 1)],
            currency="EUR",
            shipping_fee=Decimal("0"),
            completes_order=first == 2,
            refund_shipping=True,
        ).total
        for first in range(3)
    ]
    assert sorted(refunds) == [Decimal("6.66"), Decimal("6.67"), Decimal("6.67")]
    assert sum(refunds) == Decimal("20.00")


def test_line_discount_and_order_discount_both_reduce_the_refund():
    shirt, _jeans = price_lines(
        [(2, Decimal("19.99"), Decimal("2.00")), (1, Decimal("49.99"), Decimal("0"))],
        Decimal("10.00"),
        "EUR",
    )
    one_shirt = refund_breakdown(
        units=[ReturnedUnits(shirt.unit_amounts, 0, 1)],
        currency="EUR",
        shipping_fee=Decimal("4.95"),
        completes_order=False,
        refund_shipping=True,
    )
    assert one_shirt.total < Decimal("19.99") - Decimal("1.00")
    assert one_shirt.shipping == 0


def test_fee_never_makes_a_refund_negative():
    breakdown = refund_breakdown(
        units=[ReturnedUnits(["1.00"], 0, 1)],
        currency="EUR",
        shipping_fee=Decimal("0"),
        completes_order=False,
        refund_shipping=True,
        fee=Decimal("5.00"),
    )
    assert breakdown.total == 0
    assert breakdown.fee == Decimal("1.00")
