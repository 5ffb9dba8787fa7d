"""Orders waiting for a location, address changes at a location, the messages of care actions,
one permission per action, and exchanges of delivered units."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from customercare.tests.conftest import take_from_agents
from customercare.tests.test_views import ADDRESS, act, action_url, care_events
from fulfillment.services.routing import route_order
from orders.models import CustomerMessage, Order, OrderEvent, Payment
from orders.money import units_value
from orders.services import Actor
from returns.tests.conftest import place, ship_all, stock_only_in_warehouse

pytestmark = pytest.mark.django_db

ROUTING = Actor.system("test")


def page(client, order: Order) -> str:
    return client.get(reverse("care-order", args=[order.number])).content.decode()


def routed(order: Order) -> Order:
    """The order with its delivery orders at their locations (routing runs on commit)."""
    if not order.delivery_orders.exists():
        route_order(order=order, actor=ROUTING)
    return Order.objects.get(pk=order.pk)


# Orders waiting for a location ----------------------------------------------------------


def test_an_unroutable_order_shows_why_it_waits_and_keeps_the_care_actions(agent, make_order):
    order = make_order()
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.UNROUTABLE, hold_reason="No location has 2 × TSHIRT-WHITE-M in stock"
    )
    order.refresh_from_db()

    html = page(agent, order)
    search = agent.get(reverse("care-home"), {"status": "unroutable"}).content.decode()

    assert 'id="routing-wait"' in html
    assert "No location has 2 × TSHIRT-WHITE-M in stock" in html
    for action in ("cancel", "address", "payment-method", "exchange"):
        assert f'data-action="{action}"' in html, action
    assert 'value="unroutable"' in search
    assert order.number in search


def test_an_item_of_an_unroutable_order_is_exchanged(agent, make_order):
    order = make_order()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.UNROUTABLE, hold_reason="waits")
    line = order.lines.get(sku="TSHIRT-WHITE-M")

    response = act(
        agent,
        order,
        "exchange",
        {"line": line.pk, "quantity": 2, "sku": "TSHIRT-BLACK-M", "reason": "white sold out"},
    )

    assert response.status_code == 200, response.content.decode()
    assert order.lines.get(sku="TSHIRT-BLACK-M").quantity == 2
    assert order.lines.get(pk=line.pk).quantity_cancelled == 2


# Address change at a location ------------------------------------------------------------


def test_an_address_change_informs_the_location_already_working_on_it(
    agent, make_order, system_api
):
    order = routed(make_order())
    delivery_order = order.delivery_orders.get()
    assert delivery_order.status in ("released", "accepted", "picking")

    response = act(agent, order, "address", ADDRESS)

    assert response.status_code == 200
    changed = care_events(order, "shipping_address_changed").get()
    assert changed.data["reason"] == "moved"
    informed = order.events.get(type="location_informed_of_address")
    assert informed.channel == OrderEvent.Channel.SYSTEM
    assert informed.data["delivery_order"] == delivery_order.pk
    assert informed.data["location"] == delivery_order.location.code
    assert delivery_order.location.name in informed.message
    listed = system_api.get("/api/v1/delivery-orders", {"location": delivery_order.location.code})
    shown = next(d for d in listed.json()["results"] if d["id"] == delivery_order.pk)
    assert shown["shipping_address"]["street"] == "Mönckebergstraße 7"
    assert shown["shipping_address"]["postcode"] == "20095"


def test_an_address_change_before_routing_informs_no_location(agent, make_order):
    order = make_order(
        payment={"method": "prepayment", "status": "pending", "reference": "", "amount": "0"}
    )

    assert act(agent, order, "address", ADDRESS).status_code == 200

    assert not order.events.filter(type="location_informed_of_address").exists()


# Messages of care actions ---------------------------------------------------------------


def test_a_voucher_is_mailed_to_the_customer_once(
    agent, make_order, django_capture_on_commit_callbacks
):
    order = make_order()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = act(
            agent, order, "voucher", {"code": "SORRY10", "value": "10", "reason": "waited long"}
        )

    assert response.status_code == 200
    (message,) = CustomerMessage.objects.filter(order=order, type="goodwill_voucher")
    assert message.sent_at is not None
    assert "SORRY10" in message.body and "10.00" in message.body
    assert [sent.to for sent in mail.outbox] == [[order.email]]
    assert "SORRY10" in mail.outbox[0].body


def test_the_switch_to_invoice_tells_the_customer_once(
    agent, make_order, django_capture_on_commit_callbacks
):
    order = make_order()

    with django_capture_on_commit_callbacks(execute=True):
        act(agent, order, "payment-method", {"method": "invoice", "reason": "card failed"})

    (message,) = CustomerMessage.objects.filter(order=order, type="payment_method_invoice")
    assert "invoice" in message.body.lower() or "rechnung" in message.body.lower()
    assert not CustomerMessage.objects.filter(order=order, type="payment_method_changed").exists()


def test_the_switch_to_prepayment_sends_no_invoice_text(agent, held_order):
    order = held_order

    act(agent, order, "payment-method", {"method": "prepayment", "reason": "card failed"})

    assert CustomerMessage.objects.filter(order=order, type="payment_method_changed").count() == 1
    assert not CustomerMessage.objects.filter(order=order, type="payment_method_invoice").exists()


# One permission per action ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "codename", "state"),
    [
        ("cancel", "cancel_order", "open"),
        ("address", "change_address_order", "open"),
        ("click-collect", "change_address_order", "prepayment"),
        ("payment-method", "change_payment_order", "open"),
        ("exchange", "exchange_order", "open"),
        ("approve", "approve_order", "held"),
        ("reject", "approve_order", "held"),
        ("goodwill", "refund_order", "paid"),
        ("voucher", "refund_order", "open"),
        ("resend", "resend_message_order", "open"),
    ],
)
def test_an_agent_without_the_permission_of_an_action_neither_sees_nor_runs_it(
    agent, make_order, held_order, action, codename, state
):
    body = {}
    if state == "prepayment":
        body["payment"] = {
            "method": "prepayment",
            "status": "pending",
            "reference": "",
            "amount": "0",
        }
    if state == "paid":
        body["payment"] = {"method": "card", "status": "paid", "reference": "bank-1", "amount": "0"}
    order = held_order if state == "held" else make_order(**body)
    assert f'data-action="{action}"' in page(agent, order)

    take_from_agents(codename)

    html = page(agent, order)
    assert f'data-action="{action}"' not in html
    assert 'data-action="note"' in html
    assert agent.get(action_url(order, action)).status_code == 403
    assert act(agent, order, action, {"reason": "x"}).status_code == 403


def test_agents_have_every_care_permission_but_not_the_admin_change_permission(agent_user):
    for codename in (
        "cancel_order",
        "change_address_order",
        "change_payment_order",
        "exchange_order",
        "approve_order",
        "refund_order",
        "resend_message_order",
    ):
        assert agent_user.has_perm(f"orders.{codename}"), codename
    assert not agent_user.has_perm("orders.change_order")


# Exchange of delivered units --------------------------------------------------------------


@pytest.fixture
def delivered_order(db):
    """A de-web card order (2 × T-shirt white M, 1 × jeans) shipped and paid."""
    stock_only_in_warehouse("TSHIRT-WHITE-M", "JEANS-BLUE-32", "TSHIRT-WHITE-L")
    order = place()
    ship_all(order)
    assert order.status == Order.Status.SHIPPED
    return order


def test_a_delivered_item_is_exchanged_through_a_return_and_the_new_size_is_routed(
    agent, delivered_order, django_capture_on_commit_callbacks
):
    order = delivered_order
    line = order.lines.get(sku="TSHIRT-WHITE-M")
    payment = order.payments.get(status=Payment.Status.PAID)
    old_value = units_value(line.unit_amounts, 0, 1)
    assert 'data-action="exchange"' in page(agent, order)

    with django_capture_on_commit_callbacks(execute=True):
        response = act(
            agent,
            order,
            "exchange",
            {
                "line": line.pk,
                "quantity": 1,
                "sku": "TSHIRT-WHITE-L",
                "unit_price": "24.99",
                "reason": "too small",
            },
        )

    assert response.status_code == 200, response.content.decode()
    order.refresh_from_db()
    # the delivered shirt comes back by a return, priced from its stored amount
    (return_order,) = order.returns.all()
    (return_line,) = return_order.lines.all()
    assert (return_line.order_line_id, return_line.quantity) == (line.pk, 1)
    assert return_order.goods_value == old_value
    assert order.lines.get(pk=line.pk).quantity_cancelled == 0
    # the new size is added, the order reopened and the new line routed
    new_line = order.lines.get(sku="TSHIRT-WHITE-L")
    assert new_line.quantity == 1 and new_line.unit_price == Decimal("24.99")
    assert order.status in (Order.Status.PARTLY_SHIPPED,)
    assert order.delivery_orders.filter(
        lines__order_line=new_line, status__in=["released", "accepted"]
    ).exists()
    # the customer pays the new item (authorised again on the card); the return refunds the old
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORIZED
    assert payment.amount - payment.amount_captured == Decimal("24.99")
    exchanged = care_events(order, "line_exchanged").get()
    assert exchanged.data["returned"] == 1 and exchanged.data["cancelled"] == 0
    assert Decimal(exchanged.data["difference"]) == Decimal("24.99") - old_value


def test_delivered_units_already_returned_cannot_be_exchanged(agent, delivered_order):
    from returns.services import ReturnItem, return_announce

    line = delivered_order.lines.get(sku="TSHIRT-WHITE-M")
    return_announce(
        order=delivered_order,
        channel="mail",
        items=[ReturnItem(line_id=line.pk, quantity=2)],
        actor=ROUTING,
    )

    response = act(
        agent,
        delivered_order,
        "exchange",
        {"line": line.pk, "quantity": 1, "sku": "TSHIRT-WHITE-L", "reason": "too small"},
    )

    assert response.status_code in (409, 422)
    assert not delivered_order.lines.filter(sku="TSHIRT-WHITE-L").exists()


def test_the_review_queue_offers_approve_and_reject_only_with_the_permission(agent, held_order):
    queue = reverse("care-review")
    assert f"/care/orders/{held_order.number}/actions/approve/" in agent.get(queue).content.decode()

    take_from_agents("approve_order")

    assert "/actions/approve/" not in agent.get(queue).content.decode()
