"""Fixtures for returns: shipped orders to take back."""

import itertools

import pytest

from conftest import api_client_for
from fulfillment.models import Carrier
from fulfillment.services.delivery import delivery_order_ship
from fulfillment.services.routing import route_order
from inventory.models import Location
from orders.models import Order
from orders.services.events import Actor
from orders.tests.conftest import order_body, priced, set_stock

_tracking = itertools.count(1)
SKUS = ("TSHIRT-WHITE-M", "JEANS-BLUE-32")


def stock_only_in_warehouse(*skus: str, quantity: int = 50) -> None:
    for location in Location.objects.filter(type__in=["warehouse", "store"]):
        for sku in skus:
            set_stock(sku, 0, location=location.code)
    for sku in skus:
        set_stock(sku, quantity, location="wh-central")


def place(**overrides) -> Order:
    response = api_client_for("demo-de-web").post(
        "/api/v1/orders", priced(order_body(**overrides)), format="json"
    )
    assert response.status_code == 201, response.json()
    return Order.objects.get(number=response.json()["number"])


def ship_all(order: Order, lines=None) -> None:
    """Route the order and ship every delivery order (or the given (line, quantity) pairs)."""
    from fulfillment.services.delivery import LineQuantity

    route_order(order=order, actor=Actor.system("test"))
    carrier = Carrier.objects.get(code="dhl")
    for delivery_order in order.delivery_orders.all():
        wanted = None
        if lines is not None:
            own = {line.order_line_id for line in delivery_order.lines.all()}
            wanted = [LineQuantity(line.pk, q) for line, q in lines if line.pk in own and q]
            if not wanted:
                continue
        delivery_order_ship(
            delivery_order=delivery_order,
            carrier=carrier,
            tracking_number=f"RT{next(_tracking):012d}",
            lines=wanted,
            actor=Actor.system("test"),
        )
    order.refresh_from_db()


@pytest.fixture
def shipped_order(db):
    """A de-web order (2 × T-shirt 19.99, 1 × jeans 49.99, 10.00 off, 4.95 shipping) shipped."""

    def make(**overrides) -> Order:
        stock_only_in_warehouse(*SKUS)
        order = place(**overrides)
        ship_all(order)
        assert order.status == Order.Status.SHIPPED
        return order

    return make


@pytest.fixture
def returns_api(db):
    return api_client_for("demo-de-web")


@pytest.fixture
def system_api(db):
    return api_client_for("demo-system")
