"""Refunds never exceed what was paid and add up exactly when everything comes back.

The property test drives the real code on the database: random orders go through intake
(the shop API), some units are shipped, then a random sequence of partial cancellations
(`orders.services.cancel_order`) and partial returns (`returns.services.return_announce`,
refunded on receipt by `return_receive`) runs against them. Nothing here re-implements which
units a step takes or what they are worth; the test only adds up what the services credit.
"""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms.models import Shop
from orders.models import OrderEvent, RiskRule
from orders.money import price_lines, quantize
from orders.services import Actor, LineQuantity, cancel_order
from orders.tests.conftest import order_body
from returns.calculation import ReturnedUnits, refund_breakdown
from returns.models import Refund, Return, ShopReturnSettings
from returns.services import ReturnItem, return_announce, return_receive
from returns.tests.conftest import place, ship_all, stock_only_in_warehouse

PROPERTY_SKUS = ("TSHIRT-WHITE-M", "JEANS-BLUE-32", "TSHIRT-BLACK-M")
CENTS = st.integers(min_value=1, max_value=20_000).map(lambda c: Decimal(c) / 100)
ACTOR = Actor.system("refund-property")


@st.composite
def orders(draw):
    """Lines (sku, quantity, unit price, line discount), an order discount and a shipping fee."""
    count = draw(st.integers(min_value=1, max_value=len(PROPERTY_SKUS)))
    lines = []
    for sku in PROPERTY_SKUS[:count]:
        quantity = draw(st.integers(min_value=1, max_value=4))
        price = draw(CENTS)
        discount = draw(st.integers(0, int(price * quantity * 100) // 3)) / Decimal(100)
        lines.append((sku, quantity, price, discount))
    goods = sum(q * p - d for _sku, q, p, d in lines)
    order_discount = draw(st.integers(0, int(goods * 100) // 2)) / Decimal(100)
    shipping = draw(st.sampled_from([Decimal("0.00"), Decimal("4.95"), Decimal("0.01")]))
    return lines, order_discount, shipping


def chunks(draw, total: int) -> list[int]:
    parts = []
    while total:
        part = draw(st.integers(1, total))
        parts.append(part)
        total -= part
    return parts


@st.composite
def scenarios(draw):
    """An order, the units shipped per line, then cancellations of unshipped units and returns
    of shipped ones in a random order (possibly stopping early); a return is received at once
    or later."""
    lines, order_discount, shipping = draw(orders())
    shipped = [draw(st.integers(0, quantity)) for _sku, quantity, _p, _d in lines]
    steps = []
    for index, (_sku, quantity, _p, _d) in enumerate(lines):
        steps += [
            ("cancel", index, part, False) for part in chunks(draw, quantity - shipped[index])
        ]
        steps += [
            ("return", index, part, draw(st.booleans())) for part in chunks(draw, shipped[index])
        ]
    steps = list(draw(st.permutations(steps)))
    steps = steps[: draw(st.integers(0, len(steps)))] if draw(st.booleans()) else steps
    refund_shipping = draw(st.booleans())
    return lines, order_discount, shipping, shipped, steps, refund_shipping


def place_order(lines, order_discount: Decimal, shipping: Decimal):
    body = order_body(
        lines=[
            {"sku": sku, "quantity": quantity, "unit_price": str(price), "discount": str(discount)}
            for sku, quantity, price, discount in lines
        ],
        discounts=[{"code": "PROP", "amount": str(order_discount)}] if order_discount else [],
        shipping_fee=str(shipping),
    )
    return place(**{key: body[key] for key in ("lines", "discounts", "shipping_fee", "payment")})


def credited_by_cancellations(order) -> Decimal:
    """What cancel_order lowered the payment by: the value it recorded on the timeline."""
    events = OrderEvent.objects.filter(order=order, type="lines_cancelled")
    return sum((Decimal(event.data["value"]) for event in events), Decimal(0))


def promised_by_returns(order) -> Decimal:
    """What the announced returns will refund (computed by the service at announcement)."""
    return sum((r.refund_amount for r in order.returns.all()), Decimal(0))


def paid_back_by_returns(order) -> Decimal:
    return sum((refund.amount for refund in Refund.objects.filter(order=order)), Decimal(0))


@pytest.fixture
def property_stock(db) -> None:
    stock_only_in_warehouse(*PROPERTY_SKUS, quantity=5_000)
    # Random order values would trip the demo's risk rules (hold, switch to prepayment);
    # this test is about refunds of released orders.
    RiskRule.objects.update(is_active=False)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_refunds_never_exceed_payment_and_sum_exactly(property_stock, scenario):
    lines, order_discount, shipping, shipped, steps, refund_shipping = scenario
    ShopReturnSettings.objects.update_or_create(
        shop=Shop.objects.get(code="de-web"),
        defaults={"refund_shipping_on_full_return": refund_shipping, "trusted_groups": ""},
    )
    order = place_order(lines, order_discount, shipping)
    (payment,) = order.payments.all()
    paid = payment.amount
    order_lines = list(order.lines.order_by("position"))
    wanted = [(line, units) for line, units in zip(order_lines, shipped, strict=True) if units]
    if wanted:
        ship_all(order, lines=wanted)
    shipped_now = [line.quantity_shipped for line in order.lines.order_by("position")]
    assert shipped_now == list(shipped), (order.status, order.hold_reason, shipped_now)

    for step, (kind, index, quantity, receive_now) in enumerate(steps):
        line = order_lines[index]
        if kind == "cancel":
            cancel_order(
                order=order, lines=[LineQuantity(line.pk, quantity)], reason="p", actor=ACTOR
            )
        else:
            return_order = return_announce(
                order=order,
                channel=Return.Channel.MAIL,
                items=[ReturnItem(line_id=line.pk, quantity=quantity)],
                actor=ACTOR,
            )
            if receive_now:
                return_receive(return_order=return_order, actor=ACTOR)
        cancelled = credited_by_cancellations(order)
        promised = cancelled + promised_by_returns(order)
        assert promised <= paid, (step, promised, paid)
        assert promised == quantize(promised, "EUR")
        # the money really went back: the payment was lowered by exactly what was credited
        payment.refresh_from_db()
        assert payment.amount == paid - cancelled - paid_back_by_returns(order), step

    for return_order in order.returns.filter(status=Return.Status.ANNOUNCED):
        return_receive(return_order=return_order, actor=ACTOR)
    credited = credited_by_cancellations(order) + paid_back_by_returns(order)
    payment.refresh_from_db()
    assert payment.amount == paid - credited
    performed = {"cancel": [0] * len(lines), "return": [0] * len(lines)}
    for kind, index, quantity, _receive_now in steps:
        performed[kind][index] += quantity
    everything_back = all(
        performed["cancel"][i] + performed["return"][i] == lines[i][1] for i in range(len(lines))
    )
    if everything_back:
        nothing_shipped = not any(shipped)
        expected = paid if (refund_shipping or nothing_shipped) else paid - shipping
        assert credited == expected


@pytest.mark.django_db
def test_returning_the_shipped_unit_then_cancelling_the_rest_refunds_everything(property_stock):
    ShopReturnSettings.objects.update_or_create(
        shop=Shop.objects.get(code="de-web"),
        defaults={"refund_shipping_on_full_return": True, "trusted_groups": ""},
    )
    order = place_order(
        [("TSHIRT-WHITE-M", 2, Decimal("10.00"), Decimal("0"))], Decimal(0), Decimal("4.95")
    )
    (line,) = order.lines.all()
    ship_all(order, lines=[(line, 1)])

    return_order = return_announce(
        order=order, channel=Return.Channel.MAIL, items=[ReturnItem(line.pk, 1)], actor=ACTOR
    )
    return_receive(return_order=return_order, actor=ACTOR)
    cancel_order(order=order, lines=[LineQuantity(line.pk, 1)], reason="p", actor=ACTOR)

    credited = credited_by_cancellations(order) + paid_back_by_returns(order)
    assert credited == Decimal("24.95")


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
