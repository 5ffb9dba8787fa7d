"""GET /api/v1/dashboard: the same figures for system clients, documented in the schema."""

import datetime

import pytest
from django.utils import timezone

from orders.models import Order

pytestmark = pytest.mark.django_db


def test_a_system_client_gets_the_figures(system_api, world, make_order):
    now = timezone.now()
    held = make_order(status=Order.Status.ON_HOLD, created_at=now - datetime.timedelta(days=2))
    make_order(status=Order.Status.COMPLETED, created_at=now - datetime.timedelta(hours=3),
               released_at=now - datetime.timedelta(hours=1))  # fmt: skip

    response = system_api.get("/api/v1/dashboard?shop=h8-web&window=30d")

    assert response.status_code == 200
    body = response.json()
    assert body["window"] == "30d"
    assert body["filters"] == {"shop": "h8-web"}
    states = {row["status"]: row for row in body["states"]}
    assert states["on_hold"]["gt_24h"] == 1
    intake = next(row for row in body["steps"] if row["step"] == "intake_released")
    assert (intake["count"], intake["median_seconds"]) == (1, 7200.0)
    assert [(row["number"], row["reason"]) for row in body["stuck"]] == [(held.number, "on_hold")]
    assert body["stuck_total"] == 1
    assert body["figures"]["orders"] == 2
    assert body["figures"]["revenue"] == "200.00"
    assert len(body["hourly"]) == 24
    assert {"location", "open_delivery_orders", "daily_capacity"} <= set(body["backlog"][0])


def test_the_path_works_without_and_with_a_slash(system_api):
    assert system_api.get("/api/v1/dashboard/").status_code == 200


def test_bad_filters_answer_400_with_field_errors(system_api):
    response = system_api.get("/api/v1/dashboard?window=1y&shop=nope")

    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} == {"window", "shop"}


def test_shop_and_partner_clients_are_refused(shop_api, partner_api, client):
    assert shop_api.get("/api/v1/dashboard").status_code == 403
    assert partner_api.get("/api/v1/dashboard").status_code == 403
    assert client.get("/api/v1/dashboard").status_code == 401


def test_the_endpoint_is_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/dashboard/"]["get"]
    assert operation["operationId"] == "dashboard_retrieve"
    assert {parameter["name"] for parameter in operation["parameters"]} >= {
        "window", "shop", "channel", "location", "location_type"
    }  # fmt: skip
