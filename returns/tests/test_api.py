"""POST /api/v1/orders/{number}/returns and the returns desk endpoints, per API.md."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import api_client_for
from fulfillment.models import Shipment
from orders.models import CustomerMessage
from returns.models import Return, Transfer


def url(order) -> str:
    return f"/api/v1/orders/{order.number}/returns"


def line_of(order, sku: str):
    return order.lines.get(sku=sku)


@pytest.mark.django_db
def test_announce_by_mail_answers_the_contract(shipped_order, returns_api):
    order = shipped_order()
    shirt = line_of(order, "TSHIRT-WHITE-M")
    body = {
        "channel": "mail",
        "lines": [
            {"line": shirt.pk, "quantity": 1, "reason": "too small", "condition": "resellable"}
        ],
    }
    response = returns_api.post(url(order), body, format="json")
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert {"id", "status", "refund_amount", "lines"} <= set(answer)
    assert answer["status"] == "announced"
    assert answer["refund_amount"] == shirt.unit_amounts[0]
    assert answer["lines"][0]["line"] == shirt.pk
    assert answer["destination"]["location"] == "wh-central"

    # the slip opens without login and names the destination
    slip = api_client_for("nobody").get(answer["slip_url"])
    assert slip.status_code == 200
    assert "Zentrallager" in slip.content.decode() or "wh-central" in slip.content.decode()
    assert answer["number"] in slip.content.decode()

    listed = returns_api.get(url(order)).json()
    assert [item["id"] for item in listed] == [answer["id"]]
    assert returns_api.get(f"/api/v1/returns/{answer['id']}/").status_code == 200


@pytest.mark.django_db
def test_announce_is_idempotent(shipped_order, returns_api):
    order = shipped_order()
    body = {"lines": [{"line": line_of(order, "JEANS-BLUE-32").pk, "quantity": 1}]}
    first = returns_api.post(url(order), body, format="json", HTTP_IDEMPOTENCY_KEY="ret-1")
    again = returns_api.post(url(order), body, format="json", HTTP_IDEMPOTENCY_KEY="ret-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Return.objects.filter(order=order).count() == 1
    other = returns_api.post(
        url(order),
        {**body, "channel": "mail", "lines": [{**body["lines"][0], "reason": "x"}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ret-1",
    )
    assert other.status_code == 422


@pytest.mark.django_db
def test_more_than_delivered_is_409(shipped_order, returns_api):
    order = shipped_order()
    body = {"lines": [{"line": line_of(order, "JEANS-BLUE-32").pk, "quantity": 2}]}
    response = returns_api.post(url(order), body, format="json")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["code"] == "more_than_delivered"
    assert response.json()["errors"][0]["attr"] == "lines.0.quantity"
    assert not Return.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_second_return_of_the_same_units_is_409(shipped_order, returns_api):
    order = shipped_order()
    body = {"lines": [{"line": line_of(order, "JEANS-BLUE-32").pk, "quantity": 1}]}
    assert returns_api.post(url(order), body, format="json").status_code == 201
    again = returns_api.post(url(order), body, format="json")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "more_than_delivered"


@pytest.mark.django_db
def test_never_delivered_line_is_409(returns_api):
    from returns.tests.conftest import place, stock_only_in_warehouse

    stock_only_in_warehouse("TSHIRT-WHITE-M", "JEANS-BLUE-32")
    order = place()
    body = {"lines": [{"line": line_of(order, "JEANS-BLUE-32").pk, "quantity": 1}]}
    response = returns_api.post(url(order), body, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "not_delivered"


@pytest.mark.django_db
def test_past_the_window_is_409(shipped_order, returns_api):
    order = shipped_order()
    Shipment.objects.filter(delivery_order__order=order).update(
        shipped_at=timezone.now() - timedelta(days=31)
    )
    body = {"lines": [{"line": line_of(order, "JEANS-BLUE-32").pk, "quantity": 1}]}
    response = returns_api.post(url(order), body, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "return_window_expired"


@pytest.mark.django_db
def test_unknown_line_is_400(shipped_order, returns_api):
    order = shipped_order()
    response = returns_api.post(url(order), {"lines": [{"line": 0, "quantity": 1}]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "lines.0.line"


@pytest.mark.django_db
def test_another_shops_order_is_not_found(shipped_order):
    order = shipped_order()
    other = api_client_for("demo-at-web")
    body = {"lines": [{"line": line_of(order, "JEANS-BLUE-32").pk, "quantity": 1}]}
    assert other.post(url(order), body, format="json").status_code == 404
    assert other.get(url(order)).status_code == 404
    mine = api_client_for("demo-de-web").post(url(order), body, format="json").json()
    assert other.get(f"/api/v1/returns/{mine['id']}").status_code == 404
    assert mine["id"] not in [item["id"] for item in other.get("/api/v1/returns").json()["results"]]


@pytest.mark.django_db
def test_store_return_through_the_api(shipped_order, returns_api):
    order = shipped_order()
    body = {
        "channel": "store",
        "location": "store-berlin-mitte",
        "payout": "cash",
        "lines": [
            {"line": line_of(order, "JEANS-BLUE-32").pk, "quantity": 1, "condition": "defective"}
        ],
    }
    response = returns_api.post(url(order), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "closed"
    assert response.json()["refunded"] is True
    assert response.json()["lines"][0]["destination"] == "rc-halle"


@pytest.mark.django_db
def test_receive_inspect_close_and_transfer_arrival(
    shipped_order, returns_api, system_api, django_capture_on_commit_callbacks
):
    order = shipped_order()
    body = {"lines": [{"line": line_of(order, "JEANS-BLUE-32").pk, "quantity": 1}]}
    created = returns_api.post(url(order), body, format="json").json()
    base = f"/api/v1/returns/{created['id']}"
    assert returns_api.post(f"{base}/receive").status_code == 403  # shops do not receive

    with django_capture_on_commit_callbacks(execute=True):
        received = system_api.post(f"{base}/receive", {"location": "rc-halle"}, format="json")
    assert received.status_code == 200, received.json()
    assert received.json()["status"] == "received"
    assert received.json()["refunded"] is True  # de-web refunds on receipt
    line_id = received.json()["lines"][0]["id"]
    inspected = system_api.post(
        f"{base}/inspect", {"lines": [{"id": line_id, "condition": "resellable"}]}, format="json"
    )
    assert inspected.status_code == 200, inspected.json()
    assert inspected.json()["lines"][0]["destination"] == "wh-central"
    assert system_api.post(f"{base}/close/").json()["status"] == "closed"
    assert system_api.post(f"{base}/close/").status_code == 409

    transfer = Transfer.objects.get(return_line__return_order_id=created["id"])
    listed = system_api.get("/api/v1/transfers", {"status": "in_transit", "target": "wh-central"})
    assert transfer.pk in [item["id"] for item in listed.json()["results"]]
    arrived = system_api.post(f"/api/v1/transfers/{transfer.pk}/arrive")
    assert arrived.status_code == 200, arrived.json()
    assert arrived.json()["status"] == "arrived"
    assert system_api.post(f"/api/v1/transfers/{transfer.pk}/arrive").status_code == 409
    assert CustomerMessage.objects.filter(order=order, type="refund_issued").count() == 1


@pytest.mark.django_db
def test_schema_documents_the_returns_endpoints(system_api):
    schema = system_api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/orders/{number}/returns",
        "/api/v1/returns/{id}/receive",
        "/api/v1/returns/{id}/inspect",
        "/api/v1/returns/{id}/close",
        "/api/v1/transfers/{id}/arrive",
    ):
        assert any(key.rstrip("/") == path for key in paths), path
