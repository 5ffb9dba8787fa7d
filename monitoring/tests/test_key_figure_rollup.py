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
from inventory.models import Location, Product
from monitoring.figures import Rate, key_figures, orders_per_hour
from monitoring.models import (
    KeyFigureHour,
    KeyFigureLocationHour,
    KeyFigureLocationTypeHour,
    KeyFigureRollupState,
)
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


@pytest.fixture
def second_store(world):
    return Location.objects.create(
        code="h8-store-2", name="H8 Store 2", type="store", postcode="20095", daily_capacity=2,
        street="Teststr. 2", city="Hamburg", country=world["country"], latitude=53, longitude=10,
    )  # fmt: skip


@pytest.fixture
def split_orders(histories, second_store, make_delivery, make_shipment):
    """Orders of the histories split over both stores: two stores, one type."""
    split = [order for order in histories if order.status == Order.Status.SHIPPED][::3]
    for index, order in enumerate(split):
        delivery = make_delivery(
            order,
            location=second_store,
            status=DeliveryOrder.Status.SHIPPED,
            created_at=order.created_at + (index + 1) * MINUTE,
        )
        shipped = order.created_at + (90 + 40 * index) * MINUTE
        if shipped < READ_AT:
            make_shipment(
                delivery,
                shipped_at=shipped,
                promised_date=(shipped + datetime.timedelta(days=1)).date(),
                delivered_at=shipped + 600 * MINUTE if shipped + 600 * MINUTE < READ_AT else None,
            )
    return split


@pytest.mark.parametrize(
    "filters",
    [
        Filters(location="h8-store"),
        Filters(location="h8-store-2", window="30d"),
        Filters(location="h8-wh", window="today"),
        Filters(location_type="store"),
        Filters(location_type="store", window="30d", shop="h8-app"),
        Filters(location_type="warehouse", channel="web"),
        Filters(location="h8-store", location_type="store"),
        Filters(location="h8-store", location_type="warehouse"),
    ],
    ids=[
        "store",
        "store-2-30d",
        "warehouse-today",
        "stores",
        "stores-30d-one-shop",
        "warehouses-one-channel",
        "store-and-its-type",
        "store-and-another-type",
    ],
)
def test_the_rolled_up_figures_per_location_equal_counting_every_record(split_orders, filters):
    key_figures_refresh(now=COUNTED_AT)
    assert KeyFigureLocationHour.objects.exists()
    assert KeyFigureLocationTypeHour.objects.exists()

    rolled_up = key_figures(filters, now=READ_AT), orders_per_hour(filters, now=READ_AT)

    assert rolled_up == _direct(filters, READ_AT)
    if filters.location_type == "store" and not filters.shop:
        assert rolled_up[0].orders > 10
        assert rolled_up[0].parcels > rolled_up[0].orders_shipped > 0


def test_an_order_at_two_stores_counts_at_each_store_and_once_for_stores(
    world, second_store, make_order, make_delivery, make_shipment
):
    placed = NOW - datetime.timedelta(days=2)
    order = make_order(
        shop=world["web"], status=Order.Status.SHIPPED, created_at=placed, total="80.00"
    )
    for minutes, location in [(5, world["store"]), (6, second_store), (7, world["store"])]:
        delivery = make_delivery(
            order,
            location=location,
            status=DeliveryOrder.Status.SHIPPED,
            created_at=placed + minutes * MINUTE,
        )
        make_shipment(delivery, shipped_at=placed + minutes * 60 * MINUTE)
    key_figures_refresh(now=NOW - 30 * MINUTE)
    # Changed behind the timeline's back: the figures below come from the cells.
    Order.objects.filter(pk=order.pk).update(total=Decimal("1000"))

    def figures(**filters):
        found = key_figures(Filters(**filters), now=NOW)
        return found.orders, found.revenue, found.orders_shipped, found.parcels

    assert figures(location_type="store") == (1, Decimal("80.00"), 1, 3)
    assert figures(location="h8-store") == (1, Decimal("80.00"), 1, 2)
    assert figures(location="h8-store-2") == (1, Decimal("80.00"), 1, 1)
    assert figures(location_type="warehouse") == (0, Decimal("0.00"), 0, 0)
    stores = key_figures(Filters(location_type="store"), now=NOW)
    assert stores.store_share == Rate(3, 3)
    key_figures_refresh(now=NOW, full=True)
    assert figures(location_type="store") == (1, Decimal("1000.00"), 1, 3)
    assert (
        key_figures(Filters(location_type="store"), now=NOW)
        == _direct(Filters(location_type="store"), NOW)[0]
    )


def test_a_second_run_changes_no_location_cell(split_orders):
    key_figures_refresh(now=COUNTED_AT)
    fields = ("start", "shop_id", "orders", "revenue", "parcels", "on_time")
    per_location = set(KeyFigureLocationHour.objects.values_list("location_id", *fields))
    per_type = set(KeyFigureLocationTypeHour.objects.values_list("location_type", *fields))

    key_figures_refresh(now=COUNTED_AT)
    key_figures_refresh(now=COUNTED_AT, recopy=ROLLUP_RECOPY_LATE)

    assert set(KeyFigureLocationHour.objects.values_list("location_id", *fields)) == per_location
    assert set(KeyFigureLocationTypeHour.objects.values_list("location_type", *fields)) == per_type
    # The orders at both stores count once for the type: its cells are no sum of the stores'.
    stores = {location.pk for location in Location.objects.filter(type="store")}
    at_stores = sum(cell[3] for cell in per_location if cell[0] in stores)
    for_stores = sum(cell[3] for cell in per_type if cell[0] == "store")
    at_both = [
        order
        for order in split_orders
        if order.created_at < COUNTED_AT
        and DeliveryOrder.objects.filter(order=order, location__code="h8-store").exists()
    ]
    assert at_both
    assert for_stores == at_stores - len(at_both)
