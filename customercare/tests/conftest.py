"""Fixtures for the care console: stock to sell and orders in the states the actions need."""

import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from orders.api.serializers import OrderSubmitSerializer
from orders.models import Order
from orders.services import Actor, submit_order
from orders.tests.conftest import order_body, priced, set_stock

_numbers = itertools.count(1)
SKUS = ("TSHIRT-WHITE-M", "TSHIRT-BLACK-M", "TSHIRT-WHITE-L", "JEANS-BLUE-32")


@pytest.fixture
def stocked(db) -> None:
    for sku in SKUS:
        set_stock(sku, 500)
        set_stock(sku, 50, location="store-berlin-mitte")


@pytest.fixture
def make_order(stocked, django_capture_on_commit_callbacks):
    """Submit an order as the web shop would (its messages go out); overrides replace keys."""

    def make(*, shop: str = "de-web", **overrides) -> Order:
        number = next(_numbers)
        body = order_body(**overrides)
        body["shop"] = shop
        body["external_id"] = f"CARE-{number}-{body['external_id']}"
        if shop == "at-web":
            for key in ("billing_address", "shipping_address"):
                body[key] = {**body[key], "country": "AT", "postcode": "1010", "city": "Wien"}
        priced(body)
        serializer = OrderSubmitSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        with django_capture_on_commit_callbacks(execute=True):
            order = submit_order(
                client=None, data=serializer.validated_data, actor=Actor.system("test")
            )
        return Order.objects.get(pk=order.pk)

    return make


@pytest.fixture
def held_order(make_order) -> Order:
    """Held for review: billing in Germany, shipping to Austria."""
    return make_order(
        shipping_address={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "street": "Graben 1",
            "postcode": "1010",
            "city": "Wien",
            "country": "AT",
        }
    )


@pytest.fixture
def paid_order(make_order) -> Order:
    body = order_body()
    body["payment"] = {**body["payment"], "status": "paid", "reference": "bank-1"}
    return make_order(payment=body["payment"])


def mark_shipped(order: Order) -> Order:
    """Pretend everything left the warehouse (the fulfilment flow is tested elsewhere)."""
    for line in order.lines.all():
        order.lines.filter(pk=line.pk).update(
            quantity_shipped=line.quantity - line.quantity_cancelled, status="shipped"
        )
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def agent(client: Client, agent_user) -> Client:
    client.force_login(agent_user)
    return client


CARE_ACTION_PERMISSIONS = (
    "cancel_order",
    "change_address_order",
    "change_payment_order",
    "exchange_order",
    "approve_order",
    "refund_order",
    "resend_message_order",
)


def take_from_agents(*codenames: str) -> None:
    """Care agents lose these order permissions (rolled back after the test)."""
    from django.contrib.auth.models import Group

    permissions = Permission.objects.filter(
        content_type__app_label="orders", codename__in=codenames
    )
    assert permissions.count() == len(codenames)
    Group.objects.get(name="care_agent").permissions.remove(*permissions)


@pytest.fixture
def without_change_permission(db) -> None:
    """Care agents who may look but not change orders (rolled back after the test)."""
    take_from_agents(*CARE_ACTION_PERMISSIONS)


def money(value: str) -> Decimal:
    return Decimal(value)
