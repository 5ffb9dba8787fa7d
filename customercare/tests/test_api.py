"""The care actions over the API call the same services as the console."""

import pytest

from customercare.tests.conftest import mark_shipped
from orders.models import OrderEvent

pytestmark = pytest.mark.django_db


def post(api, order, path: str, body: dict):
    return api.post(f"/api/v1/orders/{order.number}/{path}", body, format="json")


def test_a_note_through_the_api_lands_on_the_timeline_with_the_api_channel(shop_api, make_order):
    order = make_order()

    response = post(shop_api, order, "notes", {"text": "Called back"})

    assert response.status_code == 200
    event = order.events.get(type="note")
    assert event.channel == OrderEvent.Channel.API
    assert event.message == "Called back"


def test_payment_method_change_through_the_api(system_api, make_order):
    order = make_order()

    response = post(
        system_api, order, "payment-method", {"method": "invoice", "reason": "card failed"}
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.payment_method == "invoice"


def test_an_exchange_of_more_units_than_were_delivered_is_refused_with_409(shop_api, make_order):
    order = mark_shipped(make_order())
    line = order.lines.get(sku="TSHIRT-WHITE-M")

    response = post(
        shop_api,
        order,
        "exchange",
        {"line": line.pk, "quantity": 3, "sku": "TSHIRT-WHITE-L", "reason": "x"},
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "quantity"
    assert not order.returns.exists()


def test_a_goodwill_refund_above_what_was_paid_is_refused(shop_api, paid_order):
    response = post(shop_api, paid_order, "goodwill-refund", {"amount": "999", "reason": "x"})

    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "amount"


def test_another_shops_order_is_not_found(make_order):
    from conftest import api_client_for

    order = make_order()

    response = post(api_client_for("demo-at-web"), order, "notes", {"text": "x"})

    assert response.status_code == 404


def test_the_schema_documents_the_care_actions(shop_api):
    from django.test import Client

    schema = Client().get("/api/schema/").content.decode()

    for path in [
        "notes",
        "payment-method",
        "exchange",
        "goodwill-refund",
        "vouchers",
        "click-collect",
        "resend",
    ]:
        assert path in schema, path
