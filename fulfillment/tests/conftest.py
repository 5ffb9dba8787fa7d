"""Fixtures for routing and fulfilment: stocked locations and released orders."""

import pytest

from conftest import api_client_for
from orders.models import Order
from orders.tests.conftest import order_body, priced, set_stock


@pytest.fixture
def stock():
    """Set one SKU's stock at a location (absolute)."""
    return set_stock


@pytest.fixture
def place_order(db):
    """Submit an order through the API as de-web (card, authorised → released); return it."""
    api = api_client_for("demo-de-web")

    def place(**overrides) -> Order:
        response = api.post("/api/v1/orders", priced(order_body(**overrides)), format="json")
        assert response.status_code == 201, response.json()
        return Order.objects.get(number=response.json()["number"])

    return place
