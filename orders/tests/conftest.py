"""Fixtures for orders: stock to sell, a valid order body, and helpers to submit it."""

import copy
import itertools
from decimal import Decimal

import pytest

from conftest import api_client_for
from inventory.services import StockFeedItem, apply_stock_feed

_numbers = itertools.count(1)

ORDER = {
    "shop": "de-web",
    "external_id": "WEB-1",
    "currency": "EUR",
    "customer": {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+49301234567",
        "group": "standard",
    },
    "billing_address": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "street": "Unter den Linden 1",
        "postcode": "10117",
        "city": "Berlin",
        "country": "DE",
    },
    "shipping_address": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "street": "Unter den Linden 1",
        "postcode": "10117",
        "city": "Berlin",
        "country": "DE",
    },
    "delivery": {"method": "ship", "service": "standard", "pickup_location": None},
    "payment": {
        "method": "card",
        "status": "authorized",
        "reference": "psp-123",
        "amount": "84.92",
    },
    "lines": [
        {"sku": "TSHIRT-WHITE-M", "quantity": 2, "unit_price": "19.99"},
        {"sku": "JEANS-BLUE-32", "quantity": 1, "unit_price": "49.99"},
    ],
    "discounts": [{"code": "WINTER10", "amount": "10.00"}],
    "shipping_fee": "4.95",
}


def set_stock(sku: str, quantity: int, location: str = "wh-central") -> None:
    apply_stock_feed(
        mode="absolute",
        items=[StockFeedItem(location=location, sku=sku, quantity=quantity)],
        source="test",
        actor="test",
    )


@pytest.fixture
def stocked(db) -> None:
    """Plenty of the SKUs the example order uses, in the warehouse and one store."""
    for sku in ("TSHIRT-WHITE-M", "JEANS-BLUE-32"):
        set_stock(sku, 500)
        set_stock(sku, 50, location="store-berlin-mitte")


def order_body(**overrides) -> dict:
    """The API.md example with a fresh external id (and e-mail); overrides replace keys."""
    body = copy.deepcopy(ORDER)
    number = next(_numbers)
    body["external_id"] = f"T-{number}"
    body["customer"]["email"] = f"buyer{number}@example.com"
    body.update(copy.deepcopy(overrides))
    return body


def priced(body: dict) -> dict:
    """Set the payment amount to the body's total (lines − discounts + shipping fee)."""
    total = sum(
        Decimal(line["unit_price"]) * line["quantity"] - Decimal(line.get("discount", "0"))
        for line in body["lines"]
    )
    total -= sum(Decimal(d["amount"]) for d in body.get("discounts", []))
    total += Decimal(body.get("shipping_fee", "0"))
    if body.get("payment"):
        body["payment"]["amount"] = str(total)
    return body


@pytest.fixture
def submit(shop_api, stocked):
    """POST an order as de-web; returns the response."""

    def post(body: dict | None = None, api=None, **headers):
        return (api or shop_api).post(
            "/api/v1/orders", body or order_body(), format="json", **headers
        )

    return post


@pytest.fixture
def other_shop_api(db):
    return api_client_for("demo-at-web")
