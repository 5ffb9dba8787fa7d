"""Fixtures for the store screens: a delivery order routed to store-berlin-mitte."""

import pytest

from conftest import api_client_for
from fulfillment.models import DeliveryOrder
from fulfillment.services.routing import route_order
from inventory.models import Location, Product
from orders.models import Order
from orders.services.events import Actor
from orders.tests.conftest import order_body, priced, set_stock

BERLIN = "store-berlin-mitte"
SHIRT, JEANS = "TSHIRT-WHITE-M", "JEANS-BLUE-32"


def only_in(location: str, quantity: int = 20, skus=(SHIRT, JEANS)) -> None:
    """Stock the SKUs in one location and nowhere else."""
    for other in Location.objects.filter(type__in=["warehouse", "store"]).values_list(
        "code", flat=True
    ):
        for sku in skus:
            set_stock(sku, quantity if other == location else 0, location=other)


def place_and_route(**overrides) -> DeliveryOrder:
    """Submit an order as de-web, route it, return the delivery order of store-berlin-mitte."""
    response = api_client_for("demo-de-web").post(
        "/api/v1/orders", priced(order_body(**overrides)), format="json"
    )
    assert response.status_code == 201, response.json()
    order = Order.objects.get(number=response.json()["number"])
    route_order(order=order, actor=Actor.system("test"))
    return DeliveryOrder.objects.get(order=order, location__code=BERLIN)


@pytest.fixture
def berlin_stock(db) -> None:
    only_in(BERLIN)


@pytest.fixture
def ship_order(berlin_stock) -> DeliveryOrder:
    """2 × TSHIRT-WHITE-M and 1 × JEANS-BLUE-32 to ship from Berlin (card, authorised)."""
    return place_and_route()


@pytest.fixture
def collect_order(berlin_stock) -> DeliveryOrder:
    """The same order as click & collect in Berlin."""
    return place_and_route(delivery={"method": "click_collect", "pickup_location": BERLIN})


@pytest.fixture
def store_client(client, store_user):
    client.force_login(store_user)
    return client


def ean(sku: str) -> str:
    return Product.objects.get(sku=sku).ean
