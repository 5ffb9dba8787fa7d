"""Shared fixtures: API clients per scope, role users, the demo data, a real browser."""

import pytest
from django.db import connection
from rest_framework.test import APIClient


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite does not lock rows")


def api_client_for(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
