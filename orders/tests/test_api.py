from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from inventory.models import Product, Reservation
from oms.models import IdempotencyRecord
from orders.models import Customer, CustomerMessage, Order, OrderEvent, PaymentTransaction
from orders.payments import FakePaymentProvider
from orders.tests.conftest import order_body, priced, set_stock

pytestmark = pytest.mark.django_db


def errors_of(response) -> dict[str, str]:
    return {error["attr"]: error["code"] for error in response.json()["errors"]}


def test_a_submitted_order_answers_201_with_the_contract_fields(submit):
    response = submit()

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"number", "status", "shop", "external_id", "currency", "total", "lines"} <= set(body)
    assert body["delivery_orders"] == []
    assert body["returns"] == []
    assert body["status"] == "released"
    assert body["shop"] == "de-web"
    assert body["total"] == "84.92"
    line = body["lines"][0]
    assert set(line) >= {
        "id",
        "sku",
        "quantity",
        "unit_price",
        "discount",
        "order_discount",
        "net_price",
        "quantity_cancelled",
        "quantity_shipped",
        "quantity_returned",
        "status",
    }
    assert [(line["sku"], line["net_price"]) for line in body["lines"]] == [
        ("TSHIRT-WHITE-M", "35.54"),
        ("JEANS-BLUE-32", "44.43"),
    ]
    assert sum(Decimal(line["order_discount"]) for line in body["lines"]) == Decimal("10.00")
    assert body["payments"][0]["method"] == "card"
    assert body["payments"][0]["status"] == "authorized"
    assert body["payments"][0]["amount"] == "84.92"
    assert {"at", "type", "actor", "channel", "message"} <= set(body["events"][0])


def test_the_order_reserves_its_stock(submit):
    number = submit().json()["number"]

    reserved = Reservation.objects.filter(order_line__order__number=number, status="open")
    assert sorted((r.product.sku, r.quantity) for r in reserved) == [
        ("JEANS-BLUE-32", 1),
        ("TSHIRT-WHITE-M", 2),
    ]


def test_get_answers_the_order_and_the_list_filters(submit, shop_api):
    body = order_body()
    number = submit(body).json()["number"]

    detail = shop_api.get(f"/api/v1/orders/{number}/")
    listing = shop_api.get("/api/v1/orders", {"email": body["customer"]["email"]})

    assert detail.status_code == 200
    assert detail.json()["number"] == number
    assert [item["number"] for item in listing.json()["results"]] == [number]
    assert shop_api.get("/api/v1/orders", {"status": "nonsense"}).status_code == 400


def test_updated_since_without_an_offset_is_read_as_utc(submit, shop_api, recwarn):
    number = submit().json()["number"]
    updated_at = Order.objects.get(number=number).updated_at.astimezone(UTC)
    naive = (updated_at + timedelta(minutes=30)).replace(tzinfo=None).isoformat()
    earlier = (updated_at - timedelta(minutes=30)).replace(tzinfo=None).isoformat()

    def listed(since: str) -> list[str]:
        response = shop_api.get("/api/v1/orders", {"updated_since": since})
        assert response.status_code == 200, response.json()
        return [item["number"] for item in response.json()["results"]]

    # Read as Berlin time, half an hour later in UTC would still be before the order.
    assert number not in listed(naive)
    assert number in listed(earlier)
    assert number in listed(earlier + "+00:00")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("since", ["yesterday", "2020-13-01T00:00:00", "2020-01-01T25:00"])
def test_an_unparsable_updated_since_answers_400(shop_api, since):
    response = shop_api.get("/api/v1/orders", {"updated_since": since})

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["updated_since"]


@pytest.mark.parametrize("page", ["abc", "0", "2"])
def test_a_page_that_does_not_exist_answers_400_naming_page(submit, shop_api, page):
    submit()

    response = shop_api.get("/api/v1/orders", {"page": page, "page_size": 200})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("page", "invalid_page")
    assert "ask for a page from 1 to" in error["detail"]


@pytest.mark.parametrize(
    ("change", "attr", "code"),
    [
        (lambda b: b.update(shop="no-such-shop"), "shop", "unknown_shop"),
        (lambda b: b["lines"][0].update(sku="NOPE-1"), "lines.0.sku", "unknown_sku"),
        (lambda b: b["lines"][1].update(quantity=0), "lines.1.quantity", "min_value"),
        (lambda b: b["lines"][0].update(unit_price="19.999"), "lines.0.unit_price", "too_many_decimals"),
        (lambda b: b["shipping_address"].update(country="XX"), "shipping_address.country", "unknown_country"),
        (lambda b: b["billing_address"].update(postcode="1"), "billing_address.postcode", "invalid_postcode"),
        (lambda b: b["payment"].update(amount="80.00"), "payment.amount", "amount_mismatch"),
        (lambda b: b.update(currency="CHF"), "currency", "currency_mismatch"),
        (lambda b: b.update(payment=None), "payment", "required"),
        (
            lambda b: b.update(delivery={"method": "click_collect", "pickup_location": None}),
            "delivery.pickup_location",
            "required",
        ),
        (
            lambda b: b.update(delivery={"method": "click_collect", "pickup_location": "wh-central"}),
            "delivery.pickup_location",
            "no_pickup",
        ),
        (lambda b: b.update(discounts=[{"amount": "500.00"}]), "discounts", "exceeds_value"),
        (lambda b: b["lines"][0].update(discount="99.00"), "lines.0.discount", "exceeds_value"),
    ],
)  # fmt: skip
def test_invalid_orders_answer_400_naming_the_field_and_write_nothing(submit, change, attr, code):
    body = order_body()
    change(body)
    before = Order.objects.count(), Customer.objects.count()

    response = submit(body)

    assert response.status_code == 400, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert errors_of(response).get(attr) == code, response.json()
    assert (Order.objects.count(), Customer.objects.count()) == before


@pytest.mark.parametrize("keys", [(), ("first-key", "second-key")], ids=["no key", "keys"])
def test_the_same_external_id_twice_answers_409(submit, keys):
    body = order_body()
    headers = [{"HTTP_IDEMPOTENCY_KEY": key} for key in keys] or [{}, {}]
    assert submit(body, **headers[0]).status_code == 201
    records = IdempotencyRecord.objects.count()

    again = submit(body, **headers[1])
    replayed = submit(body, **headers[1])

    assert again.status_code == replayed.status_code == 409
    assert errors_of(again) == {"external_id": "duplicate"}
    assert replayed.json() == again.json()
    assert Order.objects.filter(external_id=body["external_id"]).count() == 1
    assert IdempotencyRecord.objects.count() == records + len(keys[1:])  # the refusal's key


def test_a_shortage_answers_409_naming_the_sku_and_reserves_nothing(submit):
    Product.objects.create(sku="ORD-SCARCE-1", name="Scarce", style="ORD-SCARCE")
    set_stock("ORD-SCARCE-1", 1)
    body = order_body()
    body["lines"][1] = {"sku": "ORD-SCARCE-1", "quantity": 2, "unit_price": "49.99"}
    before = Reservation.objects.count(), Order.objects.count()

    response = submit(priced(body))

    assert response.status_code == 409, response.json()
    assert errors_of(response) == {"lines.1.sku": "insufficient_stock"}
    assert (Reservation.objects.count(), Order.objects.count()) == before


class RecordingProvider(FakePaymentProvider):
    """The fake provider, noting what it was asked to do."""

    calls: list[str] = []

    def authorise(self, **kwargs):
        self.calls.append("authorise")
        return super().authorise(**kwargs)

    def void(self, **kwargs):
        self.calls.append("void")
        return super().void(**kwargs)


@pytest.mark.parametrize("stock", [1, 10], ids=["shortage", "enough"])
def test_intake_asks_the_provider_only_for_an_order_it_can_accept(submit, settings, stock):
    settings.OMS_PAYMENT_PROVIDER = f"{__name__}.RecordingProvider"
    RecordingProvider.calls = []
    Product.objects.create(sku="ORD-SCARCE-3", name="Scarce", style="ORD-SCARCE")
    set_stock("ORD-SCARCE-3", stock)
    body = order_body(payment={"method": "card", "status": "pending", "reference": "psp-1"})
    body["lines"][1] = {"sku": "ORD-SCARCE-3", "quantity": 2, "unit_price": "49.99"}
    before = Order.objects.count(), PaymentTransaction.objects.count()

    response = submit(priced(body))

    if stock == 1:
        assert response.status_code == 409, response.json()
        assert errors_of(response) == {"lines.1.sku": "insufficient_stock"}
        assert RecordingProvider.calls == []  # nothing to take back at the provider
        assert (Order.objects.count(), PaymentTransaction.objects.count()) == before
    else:
        assert response.status_code == 201, response.json()
        assert response.json()["payments"][0]["status"] == "authorized"
        assert RecordingProvider.calls == ["authorise"]


def test_an_order_refused_under_an_idempotency_key_is_refused_again_for_that_key(submit):
    Product.objects.create(sku="ORD-SCARCE-2", name="Scarce", style="ORD-SCARCE")
    set_stock("ORD-SCARCE-2", 1)
    body = order_body()
    body["lines"][1] = {"sku": "ORD-SCARCE-2", "quantity": 2, "unit_price": "49.99"}
    body = priced(body)
    before = Reservation.objects.count(), Order.objects.count()

    refused = submit(body, HTTP_IDEMPOTENCY_KEY="retry-after-restock")

    assert refused.status_code == 409, refused.json()
    assert (Reservation.objects.count(), Order.objects.count()) == before
    set_stock("ORD-SCARCE-2", 10)
    retried = submit(body, HTTP_IDEMPOTENCY_KEY="retry-after-restock")
    assert retried.status_code == 409  # the original answer, not a second attempt
    assert retried.json() == refused.json()
    assert retried["Content-Type"].startswith("application/problem+json")
    assert retried["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == before[1]
    new_attempt = submit(body, HTTP_IDEMPOTENCY_KEY="second-attempt")
    assert new_attempt.status_code == 201, new_attempt.json()


def test_one_customer_across_orders_matched_by_email(submit):
    first, second = order_body(), order_body()
    second["customer"]["email"] = first["customer"]["email"].upper()

    submit(first)
    submit(second)

    customer = Customer.objects.get(email=first["customer"]["email"])
    assert customer.orders.count() == 2


def test_a_shop_client_cannot_submit_for_or_see_another_shop(submit, other_shop_api):
    number = submit().json()["number"]

    assert other_shop_api.get(f"/api/v1/orders/{number}").status_code == 404
    assert submit(order_body(), api=other_shop_api).status_code == 403
    assert other_shop_api.get("/api/v1/orders", {"shop": "de-web"}).json()["results"] == []


def test_submitting_for_another_shop_answers_403_with_the_reason(submit, other_shop_api):
    response = submit(order_body(), api=other_shop_api)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == "This client may only submit orders for its own shop."


def test_the_timeline_names_the_api_client_and_channel(submit):
    number = submit().json()["number"]

    created = OrderEvent.objects.get(order__number=number, type="order_created")
    assert (created.actor, created.actor_kind, created.channel) == (
        "de-web",
        "api_client",
        "api",
    ) or (created.actor_kind, created.channel) == ("api_client", "api")


def test_prepayment_waits_for_the_money_and_the_payments_endpoint_releases(
    submit, shop_api, django_capture_on_commit_callbacks
):
    body = priced(order_body(payment={"method": "prepayment", "status": "pending", "amount": "0"}))
    order = submit(body).json()
    assert order["status"] == "awaiting_payment"
    assert order["amount_due"] == "84.92"

    with django_capture_on_commit_callbacks(execute=True):
        part = shop_api.post(
            f"/api/v1/orders/{order['number']}/payments",
            {"status": "paid", "amount": "50.00", "reference": "bank-1"},
            format="json",
        )
    with django_capture_on_commit_callbacks(execute=True):
        rest = shop_api.post(
            f"/api/v1/orders/{order['number']}/payments",
            {"status": "paid", "amount": "34.92", "reference": "bank-2"},
            format="json",
        )

    assert part.json()["status"] == "awaiting_payment"
    assert rest.status_code == 200
    assert rest.json()["status"] == "released"
    assert rest.json()["amount_due"] == "0.00"
    # The customer hears of each transfer once, with its amount.
    thanks = CustomerMessage.objects.filter(
        order__number=order["number"], type="payment_received"
    ).order_by("pk")
    assert [message.sent_at is not None for message in thanks] == [True, True]
    assert "50.00 EUR" in thanks[0].body and "34.92 EUR" in thanks[1].body
    assert (
        OrderEvent.objects.filter(
            order__number=order["number"], type="message_sent", data__type="payment_received"
        ).count()
        == 2
    )


def test_a_card_payment_recorded_later_sends_no_payment_received_message(submit, shop_api):
    order = submit(priced(order_body(payment={"method": "card", "status": "pending",
                                              "amount": "0"}))).json()  # fmt: skip

    shop_api.post(
        f"/api/v1/orders/{order['number']}/payments",
        {"status": "paid", "amount": "84.92", "reference": "psp-9"},
        format="json",
    )

    assert not CustomerMessage.objects.filter(
        order__number=order["number"], type="payment_received"
    ).exists()


def test_cancel_lines_then_the_rest_through_the_api(submit, shop_api):
    order = submit().json()
    tshirt = order["lines"][0]["id"]

    partial = shop_api.post(
        f"/api/v1/orders/{order['number']}/cancel",
        {"lines": [{"line": tshirt, "quantity": 1}], "reason": "customer request"},
        format="json",
    )
    whole = shop_api.post(f"/api/v1/orders/{order['number']}/cancel/", {}, format="json")
    again = shop_api.post(f"/api/v1/orders/{order['number']}/cancel", {}, format="json")

    assert partial.status_code == 200
    assert partial.json()["lines"][0]["quantity_cancelled"] == 1
    assert whole.json()["status"] == "cancelled"
    assert again.status_code == 409


def test_cancelling_more_than_is_open_answers_409(submit, shop_api):
    order = submit().json()
    line = order["lines"][1]["id"]

    response = shop_api.post(
        f"/api/v1/orders/{order['number']}/cancel",
        {"lines": [{"line": line, "quantity": 2}]},
        format="json",
    )

    assert response.status_code == 409
    assert "lines.0.quantity" in errors_of(response)


def test_a_line_named_twice_counts_with_both_quantities(submit, shop_api):
    order = submit().json()
    line = order["lines"][1]  # one unit
    twice = [{"line": line["id"], "quantity": 1}, {"line": line["id"], "quantity": 1}]

    response = shop_api.post(
        f"/api/v1/orders/{order['number']}/cancel", {"lines": twice}, format="json"
    )

    assert response.status_code == 409
    assert errors_of(response) == {"lines.1.quantity": "not_cancellable"}
    after = shop_api.get(f"/api/v1/orders/{order['number']}").json()
    assert after["lines"][1]["quantity_cancelled"] == 0
    assert after["status"] == order["status"]


def test_cancel_with_lines_null_cancels_the_whole_order(submit, shop_api):
    order = submit().json()

    response = shop_api.post(
        f"/api/v1/orders/{order['number']}/cancel", {"lines": None}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"


def test_shipping_address_put_and_409_once_shipped(submit, shop_api):
    order = submit().json()
    address = {"street": "Zeil 1", "postcode": "60311", "city": "Frankfurt", "country": "DE"}

    changed = shop_api.put(
        f"/api/v1/orders/{order['number']}/shipping-address", address, format="json"
    )
    Order.objects.get(number=order["number"]).lines.update(quantity_shipped=1)
    refused = shop_api.put(
        f"/api/v1/orders/{order['number']}/shipping-address", address, format="json"
    )

    assert changed.status_code == 200
    assert changed.json()["shipping_address"]["city"] == "Frankfurt"
    assert refused.status_code == 409


def test_rejecting_a_held_order_takes_a_reason_as_cancel_does(submit, shop_api):
    body = order_body(lines=[{"sku": "TSHIRT-WHITE-M", "quantity": 400, "unit_price": "0.05"}])
    held = submit(priced(body)).json()
    assert held["status"] == "on_hold"

    response = shop_api.post(
        f"/api/v1/orders/{held['number']}/reject", {"reason": "fraud check failed"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    messages = [event["message"] for event in response.json()["events"]]
    assert any("fraud check failed" in message for message in messages), messages


def test_approving_an_order_that_is_not_held_answers_409(submit, shop_api):
    number = submit().json()["number"]

    response = shop_api.post(f"/api/v1/orders/{number}/approve", {}, format="json")

    assert response.status_code == 409


def test_idempotent_replay_returns_the_same_response_and_another_body_422(submit):
    body = order_body()

    first = submit(body, HTTP_IDEMPOTENCY_KEY="order-key-1")
    replay = submit(body, HTTP_IDEMPOTENCY_KEY="order-key-1")
    other = submit(order_body(), HTTP_IDEMPOTENCY_KEY="order-key-1")

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert other.status_code == 422
    assert Order.objects.filter(external_id=body["external_id"]).count() == 1


@pytest.mark.parametrize(
    ("payment", "status", "code"),
    [
        ({"status": "authorized", "amount": "1.00"}, 409, "partial_authorization"),
        ({"status": "paid", "amount": "84.93"}, 409, "exceeds_due"),
        ({"status": "paid", "amount": "84.925"}, 400, "too_many_decimals"),
    ],
    ids=["partial authorisation", "more than due", "three decimals"],
)
def test_a_payment_that_does_not_fit_the_amount_due_is_refused_and_changes_nothing(
    submit, shop_api, payment, status, code
):
    body = priced(order_body(payment={"method": "prepayment", "status": "pending", "amount": "0"}))
    number = submit(body).json()["number"]
    before = PaymentTransaction.objects.filter(payment__order__number=number).count()

    response = shop_api.post(
        f"/api/v1/orders/{number}/payments", {**payment, "reference": "bank-9"}, format="json"
    )

    assert response.status_code == status, response.json()
    assert errors_of(response) == {"amount": code}
    order = shop_api.get(f"/api/v1/orders/{number}").json()
    assert (order["status"], order["amount_due"]) == ("awaiting_payment", "84.92")
    assert PaymentTransaction.objects.filter(payment__order__number=number).count() == before


def test_a_payment_for_an_order_with_nothing_due_answers_409(submit, shop_api):
    number = submit().json()["number"]  # card, authorised at intake
    payments = shop_api.get(f"/api/v1/orders/{number}").json()["payments"]

    response = shop_api.post(
        f"/api/v1/orders/{number}/payments",
        {"status": "paid", "amount": "84.92", "reference": "twice"},
        format="json",
    )

    assert response.status_code == 409
    assert errors_of(response) == {"amount": "nothing_due"}
    assert shop_api.get(f"/api/v1/orders/{number}").json()["payments"] == payments


def test_the_timeline_shows_money_in_the_currency_minor_unit(submit, shop_api):
    number = submit().json()["number"]

    events = shop_api.get(f"/api/v1/orders/{number}").json()["events"]

    created = next(event for event in events if event["type"] == "order_created")
    assert "84.92 EUR" in created["message"], created["message"]
    assert not any("0000" in event["message"] for event in events), events


def test_intake_stays_within_its_query_budget(submit, django_assert_max_num_queries):
    submit()  # warm caches (content types, first-customer paths)
    # 23 on PostgreSQL for a new customer with an Idempotency-Key, the savepoints of the
    # test's own transaction included: auth, savepoint + key claim, products, customer
    # (lookup, savepoint, insert, release), addresses, risk rules, order id, order, lines,
    # discounts, reservation (locations, insert, lock + stock picture), payment, its
    # transaction, message, events (one insert), stored answer, release. Intake sets no
    # savepoint of its own under a key. SQLite needs one more (the reservation and its
    # movements are two inserts there).
    with django_assert_max_num_queries(23 if connection.vendor == "postgresql" else 24):
        response = submit(HTTP_IDEMPOTENCY_KEY="budget-key")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({}, "released"),
        (
            {"payment": {"method": "prepayment", "status": "pending", "amount": "84.92"}},
            "awaiting_payment",
        ),
        (
            {"payment": {"method": "prepayment", "status": "paid", "amount": "84.92"}},
            "released",
        ),
        ({"lines": [{"sku": "TSHIRT-WHITE-M", "quantity": 400, "unit_price": "0.05"}]}, "on_hold"),
        (
            {"lines": [{"sku": "JEANS-BLUE-32", "quantity": 1, "unit_price": "1100.00"}]},
            "awaiting_payment",
        ),
    ],
    ids=["released", "awaiting-payment", "prepaid", "held", "switched-to-prepayment"],
)
def test_intake_writes_the_order_row_once_numbered_in_its_first_status(submit, overrides, status):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # when an order is submitted
    with CaptureQueriesContext(connection) as queries:
        response = submit(priced(order_body(**overrides)))
    assert response.status_code == 201, response.json()

    # then its row is inserted with its number and first status, and never updated
    writes = [
        query["sql"].split(None, 1)[0]
        for query in queries.captured_queries
        if query["sql"].startswith(('INSERT INTO "orders_order" ', 'UPDATE "orders_order" '))
    ]
    order = Order.objects.get(number=response.json()["number"])
    assert writes == ["INSERT"]
    assert order.number == f"DE{order.pk:08d}"
    assert order.status == response.json()["status"] == status
    changed = order.events.get(type="status_changed")
    assert changed.data == {"from": "new", "to": status, "transition": changed.data["transition"]}


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"payment": {"method": "prepayment", "status": "pending", "amount": "84.92"}},
        {"lines": [{"sku": "TSHIRT-WHITE-M", "quantity": 400, "unit_price": "0.05"}]},
        {"lines": [{"sku": "JEANS-BLUE-32", "quantity": 1, "unit_price": "1100.00"}]},
    ],
    ids=["released", "awaiting-payment", "held", "switched-to-prepayment"],
)
def test_the_intake_answer_is_the_order_as_read_back(submit, shop_api, overrides):
    # given an order answered from what intake wrote, without reading it again
    created = submit(priced(order_body(**overrides)), HTTP_IDEMPOTENCY_KEY="answer-key")
    assert created.status_code == 201, created.json()

    # when the shop reads the order back
    read = shop_api.get(f"/api/v1/orders/{created.json()['number']}")

    # then both answers are the same, timeline included
    assert created.json() == read.json()
    assert len(created.json()["events"]) >= 2


def test_the_hand_built_answer_matches_the_documented_serializer(submit):
    from orders.api.serializers import OrderSerializer, order_representation
    from orders.selectors import order_detail

    order = order_detail(None, submit().json()["number"])

    assert order_representation(order) == dict(OrderSerializer(order).data)


def test_a_routed_order_shows_its_delivery_orders_and_shipments_contract(
    submit, shop_api, django_capture_on_commit_callbacks
):
    # given an order that routing splits into delivery orders once it is committed
    with django_capture_on_commit_callbacks(execute=True):
        number = submit().json()["number"]

    # when the shop reads it
    body = shop_api.get(f"/api/v1/orders/{number}").json()

    # then every unit sits on a delivery order at a concrete location
    assert body["status"] == "in_fulfilment"
    assert body["delivery_orders"], body
    delivery = body["delivery_orders"][0]
    assert {"id", "location", "status", "lines", "shipments"} <= set(delivery)
    assert {"line", "sku", "quantity"} <= set(delivery["lines"][0])
    routed = sum(line["quantity"] for d in body["delivery_orders"] for line in d["lines"])
    assert routed == sum(line["quantity"] for line in body["lines"])


def test_the_schema_documents_the_idempotency_key_and_the_401(client):
    schema = client.get("/api/schema/?format=json").json()

    submit_order = schema["paths"]["/api/v1/orders/"]["post"]
    header = [p for p in submit_order["parameters"] if p["in"] == "header"]
    assert [(p["name"], p["required"]) for p in header] == [("Idempotency-Key", False)]
    assert {"401", "422"} <= set(submit_order["responses"])
    assert "401" in schema["paths"]["/api/v1/orders/{number}/"]["get"]["responses"]
