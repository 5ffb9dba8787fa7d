"""A small constructed world for the dashboard: its own shop and locations, a frozen clock."""

import datetime
import itertools
from decimal import Decimal

import pytest

from fulfillment.models import DeliveryOrder, Shipment
from inventory.models import Location
from oms.models import Country, Shop
from orders.models import Address, Customer, Order, OrderEvent

# A Tuesday noon in Berlin; every selector takes `now`, so the clock is frozen by argument.
NOW = datetime.datetime(2026, 3, 10, 11, 0, tzinfo=datetime.UTC)
_serial = itertools.count(1)


def ago(**delta) -> datetime.datetime:
    return NOW - datetime.timedelta(**delta)


@pytest.fixture(autouse=True)
def _dashboard_uncached(monkeypatch):
    """Panels computed on every request: tests change the data between two requests.

    (test_views.py tests the cache itself, with keys of its own that it removes again.)
    """
    monkeypatch.setattr("monitoring.views.CACHE_SECONDS", 0)


@pytest.fixture
def world(db) -> dict:
    """Two shops of their own (web, marketplace-free app) and a warehouse and a store."""
    de = Country.objects.get(code="DE")
    web = Shop.objects.create(
        code="h8-web", name="H8 Web", country=de, channel="web", currency="EUR"
    )
    app = Shop.objects.create(
        code="h8-app", name="H8 App", country=de, channel="app", currency="EUR"
    )
    common = {
        "street": "Teststr. 1",
        "city": "Kassel",
        "country": de,
        "latitude": 51,
        "longitude": 9,
    }
    warehouse = Location.objects.create(
        code="h8-wh",
        name="H8 Warehouse",
        type="warehouse",
        postcode="34117",
        daily_capacity=10,
        **common,
    )
    store = Location.objects.create(
        code="h8-store", name="H8 Store", type="store", postcode="10117", daily_capacity=2, **common
    )
    return {"web": web, "app": app, "warehouse": warehouse, "store": store, "country": de}


@pytest.fixture
def make_order(world):
    def make(
        *,
        shop: Shop | None = None,
        status: str = Order.Status.NEW,
        created_at: datetime.datetime = NOW,
        released_at: datetime.datetime | None = None,
        total: str = "100.00",
    ) -> Order:
        serial = next(_serial)
        customer = Customer.objects.create(email=f"h8-{serial}@example.com")
        address = Address.objects.create(
            street="Teststr. 1", postcode="10117", city="Berlin", country=world["country"]
        )
        return Order.objects.create(
            number=f"H8-{serial:05d}",
            shop=shop or world["web"],
            external_id=f"H8-{serial}",
            customer=customer,
            email=customer.email,
            currency="EUR",
            status=status,
            billing_address=address,
            shipping_address=address,
            delivery_method="ship",
            payment_method="card",
            total=Decimal(total),
            created_at=created_at,
            released_at=released_at,
        )

    return make


@pytest.fixture
def make_delivery(world):
    def make(
        order: Order, *, location: Location | None = None, status: str, **times
    ) -> DeliveryOrder:
        return DeliveryOrder.objects.create(
            order=order, location=location or world["warehouse"], status=status, **times
        )

    return make


@pytest.fixture
def make_shipment(world):
    def make(
        delivery: DeliveryOrder, *, status: str = Shipment.Status.SHIPPED, **fields
    ) -> Shipment:
        return Shipment.objects.create(
            delivery_order=delivery,
            carrier_id=_carrier_id(),
            tracking_number=f"H8T{next(_serial)}",
            status=status,
            **fields,
        )

    return make


def _carrier_id() -> int:
    from fulfillment.models import Carrier

    return Carrier.objects.get(code="dhl").pk


def event(order: Order, type: str, at: datetime.datetime) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, type=type, at=at, actor="test", actor_kind="system", channel="system"
    )
