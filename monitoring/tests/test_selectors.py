"""The dashboard's figures over constructed histories, with the clock frozen at NOW."""

import datetime
from decimal import Decimal

import pytest

from fulfillment.models import DeliveryOrder, RoutingDecision, Shipment
from inventory.models import Product
from monitoring.figures import key_figures, orders_per_hour
from monitoring.models import Step, StepSla
from monitoring.selectors import (
    Filters,
    backlog_by_location,
    orders_by_state,
    step_durations,
    stuck_count,
    stuck_orders,
)
from monitoring.stats import percentile_cont
from monitoring.tests.conftest import NOW, ago, event
from orders.models import Order, OrderLine

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


def step(rows, name):
    return next(row for row in rows if row.step == name)


def test_percentile_cont_interpolates_like_sql():
    assert percentile_cont([1, 2, 3, 4, 10], 0.5) == 3
    assert percentile_cont([1, 2, 3, 4, 10], 0.9) == pytest.approx(7.6)
    assert percentile_cont([5], 0.9) == 5
    assert percentile_cont([], 0.5) is None


def test_intake_to_release_median_and_p90_over_the_window(world, make_order):
    # given five orders released in the last week after 1, 2, 3, 4 and 10 hours
    for hours in (1, 2, 3, 4, 10):
        make_order(
            status=Order.Status.COMPLETED,
            created_at=ago(days=1, hours=hours),
            released_at=ago(days=1),
        )
    # one released eight days ago, and one of another shop
    make_order(
        status=Order.Status.COMPLETED, created_at=ago(days=8, hours=20), released_at=ago(days=8)
    )
    make_order(
        shop=world["app"],
        status=Order.Status.COMPLETED,
        created_at=ago(hours=101),
        released_at=ago(hours=1),
    )

    # when
    week = step(step_durations(Filters(shop="h8-web"), now=NOW), Step.INTAKE_RELEASED)
    month = step(
        step_durations(Filters(shop="h8-web", window="30d"), now=NOW), Step.INTAKE_RELEASED
    )
    app = step(
        step_durations(Filters(channel="app", window="today"), now=NOW), Step.INTAKE_RELEASED
    )

    # then
    assert (week.stats.count, week.stats.median, week.stats.p90) == (5, 3 * H, 7.6 * H)
    assert (month.stats.count, month.stats.median) == (6, 3.5 * H)
    assert (app.stats.count, app.stats.median, app.stats.p90) == (1, 100 * H, 100 * H)


def test_delivery_steps_filter_by_location_and_location_type(
    world, make_order, make_delivery, make_shipment
):
    order = make_order(status=Order.Status.SHIPPED, created_at=ago(days=2), released_at=ago(days=2))
    minutes = datetime.timedelta(minutes=1)
    for location, accept_after in (
        (world["warehouse"], 30),
        (world["warehouse"], 90),
        (world["store"], 300),
    ):
        released = ago(days=1)
        make_delivery(
            order,
            location=location,
            status=DeliveryOrder.Status.SHIPPED,
            released_at=released,
            accepted_at=released + accept_after * minutes,
            shipped_at=released + 2 * accept_after * minutes,
        )
    delivery = order.delivery_orders.get(location=world["store"])
    make_shipment(
        delivery,
        status=Shipment.Status.DELIVERED,
        shipped_at=ago(hours=30),
        delivered_at=ago(hours=6),
    )

    everywhere = step_durations(Filters(shop="h8-web"), now=NOW)
    warehouse = step_durations(Filters(shop="h8-web", location="h8-wh"), now=NOW)
    stores = step_durations(Filters(shop="h8-web", location_type="store"), now=NOW)

    assert step(everywhere, Step.ROUTED_ACCEPTED).stats.median == 90 * minutes
    assert step(everywhere, Step.ROUTED_ACCEPTED).stats.p90 == 258 * minutes  # 90 + 0.8 × 210
    assert step(warehouse, Step.ROUTED_ACCEPTED).stats.median == 60 * minutes
    assert step(warehouse, Step.ACCEPTED_SHIPPED).stats.p90 == 84 * minutes  # 30 + 0.9 × 60
    assert step(stores, Step.ROUTED_ACCEPTED).stats.count == 1
    assert step(stores, Step.ACCEPTED_SHIPPED).stats.median == 300 * minutes
    assert step(stores, Step.SHIPPED_DELIVERED).stats.median == 24 * H
    assert step(warehouse, Step.SHIPPED_DELIVERED).stats.count == 0
    assert step(warehouse, Step.SHIPPED_DELIVERED).stats.median is None


def test_pickup_and_return_steps_come_from_the_timeline(world, make_order):
    collected = make_order(status=Order.Status.COMPLETED, created_at=ago(days=3))
    event(collected, "ready_for_pickup", ago(hours=50))
    event(collected, "collected", ago(hours=2))
    returned = make_order(status=Order.Status.COMPLETED, created_at=ago(days=20))
    event(returned, "refund_issued", ago(days=19))  # a refund before the return: not its end
    event(returned, "return_announced", ago(days=5))
    event(returned, "payment_refunded", ago(days=4))  # the payment side alone does not count
    event(returned, "refund_issued", ago(days=2))

    rows = step_durations(Filters(shop="h8-web"), now=NOW)

    assert step(rows, Step.PICKUP_COLLECTED).stats.median == 48 * H
    assert step(rows, Step.RETURN_REFUNDED).stats.median == 72 * H
    assert step(rows, Step.RETURN_REFUNDED).stats.count == 1


def test_open_orders_by_state_in_age_buckets(world, make_order):
    make_order(created_at=ago(minutes=30))
    make_order(created_at=ago(hours=1))  # exactly one hour: the 1–4 h bucket
    make_order(created_at=ago(hours=2))
    make_order(status=Order.Status.ON_HOLD, created_at=ago(hours=5))
    make_order(status=Order.Status.AWAITING_PAYMENT, created_at=ago(hours=30))
    make_order(status=Order.Status.COMPLETED, created_at=ago(hours=30))  # not open
    make_order(shop=world["app"], created_at=ago(minutes=5))  # another shop

    rows = {row.status: row for row in orders_by_state(Filters(shop="h8-web"), now=NOW)}

    assert rows["new"].buckets == {"lt_1h": 1, "h1_4": 2, "h4_24": 0, "gt_24h": 0}
    assert rows["on_hold"].buckets == {"lt_1h": 0, "h1_4": 0, "h4_24": 1, "gt_24h": 0}
    assert rows["awaiting_payment"].buckets["gt_24h"] == 1
    assert "completed" not in rows
    assert sum(row.total for row in rows.values()) == 5


def test_stuck_orders_by_sla_per_shop_oldest_first_with_reasons(
    world, make_order, make_delivery, make_shipment
):
    StepSla.objects.create(step=Step.INTAKE_RELEASED, max_duration=2 * H)
    StepSla.objects.create(step=Step.INTAKE_RELEASED, shop=world["app"], max_duration=10 * H)
    held = make_order(status=Order.Status.ON_HOLD, created_at=ago(hours=3))
    make_order(
        shop=world["app"], status=Order.Status.AWAITING_PAYMENT, created_at=ago(hours=3)
    )  # within 10 h
    unpaid = make_order(
        shop=world["app"], status=Order.Status.AWAITING_PAYMENT, created_at=ago(hours=11)
    )
    make_order(created_at=ago(hours=1))  # within 2 h
    unroutable = make_order(
        status=Order.Status.RELEASED, created_at=ago(hours=3), released_at=ago(hours=2)
    )
    RoutingDecision.objects.create(
        order=unroutable, outcome=RoutingDecision.Outcome.UNROUTABLE, method="test"
    )
    rejected = make_order(
        status=Order.Status.IN_FULFILMENT, created_at=ago(hours=5), released_at=ago(hours=5)
    )
    make_delivery(rejected, status=DeliveryOrder.Status.REJECTED, released_at=ago(hours=5))
    DeliveryOrder.objects.filter(order=rejected).update(updated_at=ago(hours=4))
    late = make_order(status=Order.Status.SHIPPED, created_at=ago(days=7), released_at=ago(days=7))
    shipped = make_delivery(late, status=DeliveryOrder.Status.SHIPPED, shipped_at=ago(days=5))
    make_shipment(
        shipped, shipped_at=ago(days=5), promised_date=(NOW - datetime.timedelta(days=2)).date()
    )
    pickup = make_order(
        status=Order.Status.IN_FULFILMENT, created_at=ago(days=8), released_at=ago(days=8)
    )
    make_delivery(pickup, location=world["store"], status=DeliveryOrder.Status.READY_FOR_PICKUP)
    event(pickup, "ready_for_pickup", ago(days=6))

    stuck = stuck_orders(Filters(shop="h8-web"), now=NOW)
    app_stuck = stuck_orders(Filters(channel="app"), now=NOW)

    assert [(item.number, item.step, item.reason) for item in stuck] == [
        (pickup.number, Step.PICKUP_COLLECTED, "not_collected"),
        (late.number, Step.SHIPPED_DELIVERED, "late"),
        (rejected.number, Step.RELEASED_ROUTED, "rejected"),
        (held.number, Step.INTAKE_RELEASED, "on_hold"),
        (unroutable.number, Step.RELEASED_ROUTED, "unroutable"),
    ]
    assert stuck[0].location == "h8-store"
    assert [(item.number, item.reason, item.sla) for item in app_stuck] == [
        (unpaid.number, "awaiting_payment", 10 * H)
    ]
    assert [item.number for item in stuck_orders(Filters(location="h8-store"), now=NOW)] == [
        pickup.number
    ]


def test_backlog_per_location_against_capacity(world, make_order, make_delivery):
    order = make_order(status=Order.Status.IN_FULFILMENT, created_at=ago(days=2))
    for status in ("released", "accepted", "picking"):
        make_delivery(order, location=world["store"], status=status, created_at=ago(days=1))
    make_delivery(
        order,
        location=world["store"],
        status="shipped",
        created_at=NOW - datetime.timedelta(minutes=5),
    )
    make_delivery(
        order,
        location=world["warehouse"],
        status="released",
        created_at=NOW - datetime.timedelta(minutes=5),
    )

    rows = {row.code: row for row in backlog_by_location(Filters(location_type="store"), now=NOW)}
    warehouse = backlog_by_location(Filters(location="h8-wh"), now=NOW)

    assert (rows["h8-store"].backlog, rows["h8-store"].today, rows["h8-store"].capacity) == (
        3,
        1,
        2,
    )
    assert rows["h8-store"].load == 1.5
    assert "h8-wh" not in rows
    assert [(row.code, row.backlog, row.today) for row in warehouse] == [("h8-wh", 1, 1)]


def test_key_figures_rates(world, make_order, make_delivery, make_shipment):
    app = world["app"]
    product = Product.objects.get(sku="TSHIRT-WHITE-M")
    orders = [
        make_order(shop=app, status=Order.Status.SHIPPED, created_at=ago(days=1), total="50.00")
        for _ in range(3)
    ]
    make_order(shop=app, status=Order.Status.CANCELLED, created_at=ago(days=2), total="20.00")
    make_order(
        shop=app, status=Order.Status.CANCELLED, created_at=ago(days=9)
    )  # outside the window
    for order, (shipped, returned) in zip(orders, [(2, 1), (1, 0), (1, 0)], strict=True):
        OrderLine.objects.create(
            order=order, position=1, product=product, sku=product.sku, quantity=shipped,
            unit_price=Decimal("25"), net_price=Decimal("50"), quantity_shipped=shipped,
            quantity_returned=returned,
        )  # fmt: skip
    first = make_delivery(orders[0], status="shipped", created_at=ago(days=1))
    second = make_delivery(
        orders[1], location=world["store"], status="shipped", created_at=ago(days=1)
    )
    make_delivery(orders[2], status="shipped", created_at=ago(days=1))
    make_delivery(orders[2], location=world["store"], status="cancelled", created_at=ago(days=1))
    make_delivery(orders[2], status="shipped", created_at=ago(days=1))
    promised = (NOW - datetime.timedelta(days=1)).date()
    # delivered the promised day at 23:30 Berlin time (22:30 UTC): still on time
    make_shipment(first, status="delivered", shipped_at=ago(days=1), promised_date=promised,
                  delivered_at=datetime.datetime.combine(promised, datetime.time(22, 30), datetime.UTC))  # fmt: skip
    make_shipment(
        first,
        status="delivered",
        shipped_at=ago(days=1),
        promised_date=promised,
        delivered_at=ago(hours=2),
    )
    make_shipment(
        second,
        status="delivered",
        shipped_at=ago(days=1),
        promised_date=promised,
        delivered_at=ago(days=1, hours=2),
    )

    figures = key_figures(Filters(channel="app"), now=NOW)

    assert figures.orders == 4
    assert figures.revenue == Decimal("170.00")
    assert figures.cancellation_rate.value == 0.25
    assert (figures.return_rate.numerator, figures.return_rate.denominator) == (1, 4)
    assert figures.parcels_per_order == 1.5
    assert (figures.store_share.numerator, figures.store_share.denominator) == (1, 4)
    assert (figures.on_time_rate.numerator, figures.on_time_rate.denominator) == (2, 3)


def test_orders_per_hour_today_vs_same_weekday_last_week(world, make_order):
    # NOW is 12:00 in Berlin; 08:30 UTC is 09:30 local
    make_order(shop=world["app"], created_at=NOW.replace(hour=8, minute=30), total="10.00")
    make_order(shop=world["app"], created_at=NOW.replace(hour=8, minute=45), total="15.00")
    make_order(
        shop=world["app"],
        created_at=NOW.replace(hour=8, minute=10) - datetime.timedelta(days=7),
        total="7.00",
    )
    make_order(shop=world["app"], created_at=NOW - datetime.timedelta(days=2))

    hours = orders_per_hour(Filters(channel="app"), now=NOW)

    assert len(hours) == 24
    assert (hours[9].orders_today, hours[9].revenue_today) == (2, Decimal("25.00"))
    assert (hours[9].orders_last_week, hours[9].revenue_last_week) == (1, Decimal("7.00"))
    assert sum(row.orders_today + row.orders_last_week for row in hours) == 3


def test_the_stuck_count_is_the_length_of_the_full_stuck_list(world, make_order, make_delivery):
    make_order(status=Order.Status.ON_HOLD, created_at=ago(days=2))
    make_order(status=Order.Status.AWAITING_PAYMENT, created_at=ago(days=3))
    order = make_order(
        status=Order.Status.IN_FULFILMENT, created_at=ago(days=1), released_at=ago(hours=20)
    )
    for _ in range(2):  # two delivery orders of one order: one stuck order in the step
        make_delivery(order, status=DeliveryOrder.Status.RELEASED, released_at=ago(hours=10))
    filters = Filters(shop="h8-web")

    assert stuck_count(filters, now=NOW) == len(stuck_orders(filters, now=NOW, limit=None)) == 3


def test_an_order_waiting_unroutable_is_open_and_stuck_as_unroutable(world, make_order):
    waiting = make_order(
        status=Order.Status.UNROUTABLE, created_at=ago(hours=5), released_at=ago(hours=4)
    )

    states = {row.status: row for row in orders_by_state(Filters(shop="h8-web"), now=NOW)}
    stuck = stuck_orders(Filters(shop="h8-web"), now=NOW)

    assert states[Order.Status.UNROUTABLE].buckets["h4_24"] == 1
    assert [(item.order_id, item.step, item.reason) for item in stuck] == [
        (waiting.pk, Step.RELEASED_ROUTED, "unroutable")
    ]
