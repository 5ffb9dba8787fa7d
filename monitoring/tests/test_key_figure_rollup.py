"""The key-figure roll-up: the same figures as counting every record, from hourly cells.

`key_figures_refresh` counts every complete hour (UTC) per shop; the dashboard reads the
cells and counts only the window's first part hour and the time since the last complete
hour directly. An hour is counted again when one of its orders gets a timeline entry.
"""

import datetime
import random
from decimal import Decimal

import pytest
from django.db.models import F

from fulfillment.models import DeliveryOrder, Shipment
from inventory.models import Product
from monitoring.figures import key_figures, orders_per_hour
from monitoring.models import KeyFigureHour, KeyFigureRollupState
from monitoring.selectors import Filters
from monitoring.services import ROLLUP_RECOPY_LATE, key_figures_refresh
from monitoring.tests.conftest import NOW, event
from orders.models import Order, OrderLine

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
COUNTED_AT = NOW - 95 * MINUTE  # the job last ran at 09:25 UTC
READ_AT = NOW + 25 * MINUTE  # the dashboard is read at 11:25


@pytest.fixture
def histories(world, make_order, make_delivery, make_shipment):
    """Orders of both shops placed all over the last 8 days, shipped, delivered, cancelled."""
    rng = random.Random(4)
    product = Product.objects.get(sku="TSHIRT-WHITE-M")
    orders = []
    for index in range(80):
        shop = world["web"] if index % 3 else world["app"]
        placed = READ_AT - rng.uniform(0, 8 * 24 * 60) * MINUTE
        if index < 5:  # in the 7-day window's first part hour
            placed = READ_AT - datetime.timedelta(days=7) + rng.uniform(1, 20) * MINUTE
        elif index < 10:  # around and after the job's last run
            placed = READ_AT - rng.uniform(1, 140) * MINUTE
        cancelled = index % 7 == 0
        order = make_order(
            shop=shop,
            status=Order.Status.CANCELLED if cancelled else Order.Status.SHIPPED,
            created_at=placed,
            total=f"{rng.randint(10, 300)}.{rng.randint(0, 99):02d}",
        )
        orders.append(order)
        shipped_units = 0 if cancelled else rng.randint(1, 3)
        OrderLine.objects.create(
            order=order, position=1, product=product, sku=product.sku, quantity=3,
            unit_price=Decimal("10"), net_price=Decimal("30"), quantity_shipped=shipped_units,
            quantity_returned=min(shipped_units, rng.choice([0, 0, 1])),
        )  # fmt: skip
        if cancelled:
            continue
        location = world["store"] if index % 4 == 0 else world["warehouse"]
        delivery = make_delivery(
            order,
            location=location,
            status=DeliveryOrder.Status.SHIPPED,
            created_at=placed + rng.uniform(1, 60) * MINUTE,
        )
        if index % 9 == 0:
            make_delivery(order, status=DeliveryOrder.Status.REJECTED, created_at=placed)
        for parcel in range(1 + (index % 5 == 0)):
            shipped = placed + rng.uniform(60, 3000) * MINUTE + parcel * 600 * MINUTE
            if shipped >= READ_AT:
                continue
            delivered = shipped + rng.uniform(600, 4000) * MINUTE
            make_shipment(
                delivery,
                status=Shipment.Status.DELIVERED if delivered < READ_AT else "shipped",
                shipped_at=shipped,
                delivered_at=delivered if delivered < READ_AT else None,
                promised_date=(shipped + datetime.timedelta(days=2)).date(),
            )
    return orders


def _direct(filters: Filters, now: datetime.datetime):
    """The figures with no roll-up: every record counted."""
    state = KeyFigureRollupState.objects.all()
    saved = list(state)
    state.delete()
    try:
        return key_figures(filters, now=now), orders_per_hour(filters, now=now)
    finally:
        KeyFigureRollupState.objects.bulk_create(saved)


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(window="today"), Filters(window="30d"), Filters(shop="h8-app")],
    ids=["7d", "today", "30d", "one-shop"],
)
def test_the_rolled_up_figures_equal_counting_every_record(histories, filters):
    key_figures_refresh(now=COUNTED_AT)
    assert KeyFigureHour.objects.exists()

    rolled_up = key_figures(filters, now=READ_AT), orders_per_hour(filters, now=READ_AT)

    assert rolled_up == _direct(filters, READ_AT)
    figures = rolled_up[0]
    if filters == Filters():
        assert figures.orders > 40
        assert figures.cancellation_rate.numerator > 0
        assert figures.parcels > figures.orders_shipped > 0
        assert figures.on_time_rate.denominator > 0


def test_the_figures_read_the_cells_and_count_only_the_rest(histories):
    key_figures_refresh(now=COUNTED_AT)
    before = key_figures(Filters(), now=READ_AT)
    counted_hours = (READ_AT - datetime.timedelta(days=7, hours=-1), COUNTED_AT)
    in_cells = next(o for o in histories if counted_hours[0] <= o.created_at < counted_hours[1])
    recent = next(o for o in histories if o.created_at >= COUNTED_AT)
    # Totals changed behind the timeline's back: the cells keep what they counted, what
    # happened after the job's last run is read from the orders.
    Order.objects.filter(pk__in=[in_cells.pk, recent.pk]).update(total=F("total") + 1000)

    assert key_figures(Filters(), now=READ_AT).revenue == before.revenue + 1000
    assert _direct(Filters(), READ_AT)[0].revenue == before.revenue + 2000
    key_figures_refresh(now=READ_AT, full=True)
    assert key_figures(Filters(), now=READ_AT).revenue == before.revenue + 2000


def test_a_change_with_a_timeline_entry_is_counted_again_on_the_next_run(
    world, make_order, make_delivery, make_shipment
):
    placed = NOW - datetime.timedelta(days=2)
    order = make_order(shop=world["web"], status=Order.Status.SHIPPED, created_at=placed)
    delivery = make_delivery(order, status=DeliveryOrder.Status.SHIPPED, created_at=placed)
    make_shipment(delivery, shipped_at=placed + 60 * MINUTE)
    key_figures_refresh(now=NOW - 30 * MINUTE)
    figures = key_figures(Filters(), now=NOW)
    assert (figures.orders, figures.cancellation_rate.numerator) == (1, 0)
    assert (figures.parcels, figures.orders_shipped) == (1, 1)

    # Two days later the second parcel leaves, the order is cancelled in part: timeline.
    make_shipment(delivery, shipped_at=NOW - 10 * MINUTE)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    event(order, "status_changed", NOW - 10 * MINUTE)
    assert key_figures_refresh(now=NOW) >= 2  # the placing hour and the first parcel's

    figures = key_figures(Filters(), now=NOW)
    assert figures.cancellation_rate.numerator == 1
    # The split rate counts the order at its first parcel, with both parcels.
    assert (figures.parcels, figures.orders_shipped) == (2, 1)
    assert figures == _direct(Filters(), NOW)[0]


def test_a_second_run_changes_nothing_and_old_cells_are_pruned(histories):
    key_figures_refresh(now=COUNTED_AT)
    cells = set(KeyFigureHour.objects.values_list("start", "shop_id", "orders", "parcels"))

    key_figures_refresh(now=COUNTED_AT)
    key_figures_refresh(now=COUNTED_AT, recopy=ROLLUP_RECOPY_LATE)

    assert set(KeyFigureHour.objects.values_list("start", "shop_id", "orders", "parcels")) == cells
    assert KeyFigureRollupState.objects.get().covered_until == COUNTED_AT
    key_figures_refresh(now=COUNTED_AT + datetime.timedelta(days=30))
    oldest = KeyFigureHour.objects.order_by("start").values_list("start", flat=True).first()
    assert oldest is None or oldest >= COUNTED_AT - datetime.timedelta(days=2)


def test_a_location_filter_counts_every_record(histories, world):
    key_figures_refresh(now=COUNTED_AT)
    store = Filters(location="h8-store")

    figures = key_figures(store, now=READ_AT)

    assert figures == _direct(store, READ_AT)[0]
    assert figures.store_share.value == 1.0
