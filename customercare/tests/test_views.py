"""Care screens: who may open them, what the order page shows, and every action through
form → confirmation → service, offered only when the state and the permission allow it."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from customercare.tests.conftest import mark_shipped
from orders.models import CustomerMessage, Order, OrderEvent
from orders.money import quantize
from orders.services import Actor
from orders.services.care import add_note, order_version
from orders.services.messages import MAX_SEND_ATTEMPTS

pytestmark = pytest.mark.django_db


def action_url(order: Order, action: str) -> str:
    return reverse("care-order-action", args=[order.number, action])


def act(client, order: Order, action: str, data: dict, *, confirm: bool = True):
    """Post an action the way the screen does: with the version the form carried."""
    body = {"version": order_version(order), **data}
    if confirm:
        body["confirm"] = "yes"
    return client.post(action_url(order, action), body, HTTP_HX_REQUEST="true")


def care_events(order: Order, type: str):
    return OrderEvent.objects.filter(order=order, type=type, channel=OrderEvent.Channel.CARE)


# Who may use the console ---------------------------------------------------------------


@pytest.mark.parametrize("username", ["store", "store2", "partner"])
def test_store_and_partner_users_cannot_open_the_console(client, make_order, username):
    from oms.models import User

    order = make_order()
    client.force_login(User.objects.get(username=username))

    assert client.get(reverse("care-home")).status_code == 403
    assert client.get(reverse("care-order", args=[order.number])).status_code == 403
    assert client.get(action_url(order, "cancel")).status_code == 403


def test_an_operations_lead_reads_an_order_page_but_may_not_act(client, make_order):
    from oms.models import User

    order = make_order()
    client.force_login(User.objects.get(username="ops"))

    page = client.get(reverse("care-order", args=[order.number]))
    assert page.status_code == 200
    assert order.number in page.content.decode()
    assert client.get(reverse("care-home")).status_code == 403
    assert client.get(action_url(order, "cancel")).status_code == 403


def test_a_guest_is_sent_to_the_login(client):
    response = client.get(reverse("care-home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_agent_without_the_change_permission_sees_no_actions_and_may_not_act(
    agent, make_order, without_change_permission
):
    order = make_order()

    page = agent.get(reverse("care-order", args=[order.number])).content.decode()
    response = act(agent, order, "cancel", {"whole": "on", "reason": "customer asked"})

    assert 'data-action="cancel"' not in page
    assert 'data-action="note"' in page
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status != Order.Status.CANCELLED


# Search, order and customer pages -------------------------------------------------------


def test_search_shows_status_date_shop_and_amount_and_keeps_the_filters_in_the_url(
    agent, make_order
):
    order = make_order(customer={"email": "search-page@example.com", "last_name": "Pagefinder"})

    response = agent.get(
        reverse("care-home"), {"q": "pagefinder", "field": "name", "shop": "de-web"}
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert order.number in html
    assert "Web-Shop" in html or order.shop.name in html
    assert f"{quantize(order.total, 'EUR')} EUR" in html
    assert order.get_status_display() in html
    assert 'value="pagefinder"' in html
    assert '<option value="name" selected>' in html


def test_search_answers_htmx_with_the_results_only(agent, make_order):
    order = make_order(customer={"email": "fragment@example.com"})

    response = agent.get(reverse("care-home"), {"q": "fragment@"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert order.number in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_the_order_page_shows_the_whole_story(agent, make_order):
    order = make_order()
    add_note(order=order, text="Called about delivery date", actor=Actor.system("test"))

    html = agent.get(reverse("care-order", args=[order.number])).content.decode()

    for text in [
        order.number,
        order.customer.email,
        "Unter den Linden 1",
        "TSHIRT-WHITE-M",
        "JEANS-BLUE-32",
        "WINTER10",
        "psp-123",
        "Called about delivery date",
        "order_created",
    ]:
        assert text in html, text


def test_the_timeline_filters_by_kind_and_channel(agent, make_order):
    order = make_order()
    add_note(order=order, text="Only this note", actor=Actor.system("test"))
    url = reverse("care-order", args=[order.number])

    notes = agent.get(url, {"kind": "note"}, HTTP_HX_REQUEST="true").content.decode()
    care_only = agent.get(url, {"channel": "care"}, HTTP_HX_REQUEST="true").content.decode()

    assert "Only this note" in notes
    assert "order_created" not in notes
    assert "<html" not in notes
    assert "Nothing matches these filters." in care_only


def test_sent_messages_can_be_opened_on_the_timeline(agent, make_order):
    order = make_order()

    html = agent.get(
        reverse("care-order", args=[order.number]), {"kind": "message"}
    ).content.decode()

    assert "<details>" in html
    assert order.messages.filter(sent_at__isnull=False).exists()
    assert order.messages.first().body.split("\n")[0] in html


def test_the_customer_page_lists_orders_of_every_shop_and_the_messages(agent, make_order):
    customer = {"email": "omni@example.com", "first_name": "Omni", "last_name": "Channel"}
    german = make_order(customer=customer)
    austrian = make_order(shop="at-web", customer=customer)

    html = agent.get(reverse("care-customer", args=[german.customer_id])).content.decode()

    assert german.number in html
    assert austrian.number in html
    assert german.messages.first().subject in html


# Cancel ---------------------------------------------------------------------------------


def test_partial_cancel_asks_for_confirmation_then_cancels_and_records_the_reason(
    agent, make_order
):
    order = make_order()
    line = order.lines.get(sku="TSHIRT-WHITE-M")
    data = {f"line_{line.pk}": "1", "reason": "customer changed mind"}

    form = agent.get(action_url(order, "cancel"), HTTP_HX_REQUEST="true")
    confirmation = act(agent, order, "cancel", data, confirm=False)
    line.refresh_from_db()
    assert line.quantity_cancelled == 0
    assert "Please confirm" in confirmation.content.decode()

    done = act(agent, order, "cancel", data)

    line.refresh_from_db()
    assert form.status_code == 200
    assert done.status_code == 200
    assert done["HX-Redirect"] == reverse("care-order", args=[order.number])
    assert line.quantity_cancelled == 1
    event = care_events(order, "lines_cancelled").get()
    assert "customer changed mind" in event.message
    assert event.actor == "agent"


def test_cancel_needs_a_reason(agent, make_order):
    order = make_order()

    response = act(agent, order, "cancel", {"whole": "on", "reason": ""})

    assert response.status_code == 422
    assert Order.objects.get(pk=order.pk).status != Order.Status.CANCELLED


def test_whole_cancel_cancels_the_order_and_tells_the_customer(
    agent, make_order, django_capture_on_commit_callbacks
):
    order = make_order()

    with django_capture_on_commit_callbacks(execute=True):
        act(agent, order, "cancel", {"whole": "on", "reason": "duplicate order"})

    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert order.messages.filter(type="cancelled", sent_at__isnull=False).exists()


def test_cancel_is_not_offered_and_refused_once_shipped(agent, make_order):
    order = mark_shipped(make_order())

    page = agent.get(reverse("care-order", args=[order.number])).content.decode()
    response = act(agent, order, "cancel", {"whole": "on", "reason": "too late"})

    assert 'data-action="cancel"' not in page
    assert response.status_code == 409


# Address, click & collect ------------------------------------------------------------------


ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "street": "Mönckebergstraße 7",
    "postcode": "20095",
    "city": "Hamburg",
    "country": "DE",
    "reason": "moved",
}


def test_the_delivery_address_changes_with_the_reason_on_the_timeline(agent, make_order):
    order = make_order()

    response = act(agent, order, "address", ADDRESS)

    order.refresh_from_db()
    assert response.status_code == 200
    assert order.shipping_address.street == "Mönckebergstraße 7"
    changed = care_events(order, "shipping_address_changed").get()
    assert changed.data["reason"] == "moved"
    assert "moved" in changed.message
    assert not order.events.filter(type="care_reason").exists()


def test_an_invalid_postcode_is_shown_inline_and_changes_nothing(agent, make_order):
    order = make_order()

    response = act(agent, order, "address", {**ADDRESS, "postcode": "12"})

    order.refresh_from_db()
    assert response.status_code == 422
    assert "inline-error" in response.content.decode()
    assert order.shipping_address.street == "Unter den Linden 1"


def test_the_address_cannot_change_after_shipping(agent, make_order):
    order = mark_shipped(make_order())

    assert act(agent, order, "address", ADDRESS).status_code == 409


def test_a_pending_order_switches_to_click_and_collect(agent, make_order):
    order = make_order(
        payment={"method": "prepayment", "status": "pending", "reference": "", "amount": "0"}
    )
    assert order.status == Order.Status.AWAITING_PAYMENT

    response = act(
        agent, order, "click-collect", {"store": "store-berlin-mitte", "reason": "wants to pick up"}
    )

    order.refresh_from_db()
    assert response.status_code == 200, response.content.decode()
    assert order.delivery_method == Order.DeliveryMethod.CLICK_COLLECT
    assert order.pickup_location.code == "store-berlin-mitte"
    assert care_events(order, "switched_to_click_collect").exists()


# Payment method -------------------------------------------------------------------------


def test_a_card_order_switches_to_invoice(agent, make_order):
    order = make_order()

    response = act(agent, order, "payment-method", {"method": "invoice", "reason": "card failed"})

    order.refresh_from_db()
    assert response.status_code == 200
    assert order.payment_method == Order.PaymentMethod.INVOICE
    assert order.payments.get(status="pending").method == "invoice"
    assert order.payments.get(method="card").status == "voided"
    assert care_events(order, "payment_method_changed").exists()


def test_the_payment_method_cannot_change_once_paid(agent, paid_order):
    response = act(agent, paid_order, "payment-method", {"method": "invoice", "reason": "x"})

    assert response.status_code == 409


# Exchange -------------------------------------------------------------------------------


def test_an_item_is_exchanged_for_another_size_of_the_same_style(agent, make_order):
    order = make_order()
    line = order.lines.get(sku="TSHIRT-WHITE-M")

    form = agent.get(action_url(order, "exchange"), {"line": line.pk}, HTTP_HX_REQUEST="true")
    response = act(
        agent,
        order,
        "exchange",
        {"line": line.pk, "quantity": 1, "sku": "TSHIRT-WHITE-L", "reason": "too small"},
    )

    line.refresh_from_db()
    assert "TSHIRT-BLACK-M" in form.content.decode()
    assert "available" in form.content.decode()
    assert response.status_code == 200, response.content.decode()
    assert line.quantity_cancelled == 1
    assert order.lines.get(sku="TSHIRT-WHITE-L").quantity == 1
    assert care_events(order, "line_exchanged").exists()


def test_an_exchange_for_another_style_is_refused(agent, make_order):
    order = make_order()
    line = order.lines.get(sku="TSHIRT-WHITE-M")

    response = act(
        agent,
        order,
        "exchange",
        {"line": line.pk, "quantity": 1, "sku": "JEANS-BLUE-32", "reason": "x"},
    )

    assert response.status_code == 422
    assert not order.lines.filter(sku="JEANS-BLUE-32", position__gt=2).exists()


# Review ---------------------------------------------------------------------------------


def test_the_review_queue_lists_held_orders_oldest_first(agent, held_order, make_order):
    Order.objects.filter(pk=held_order.pk).update(
        created_at=held_order.created_at.replace(year=2020)
    )
    newer = make_order(shipping_address={**held_order_shipping(), "street": "Kärntner Straße 2"})

    html = agent.get(reverse("care-review")).content.decode()

    assert html.index(held_order.number) < html.index(newer.number)


def held_order_shipping() -> dict:
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "street": "Graben 1",
        "postcode": "1010",
        "city": "Wien",
        "country": "AT",
    }


def test_a_held_order_is_approved_with_a_reason(agent, held_order):
    assert held_order.status == Order.Status.ON_HOLD

    response = act(agent, held_order, "approve", {"reason": "customer verified by phone"})

    held_order.refresh_from_db()
    assert response.status_code == 200
    assert held_order.status in (Order.Status.RELEASED, Order.Status.IN_FULFILMENT)
    assert "verified" in care_events(held_order, "review_approved").get().message


def test_a_held_order_is_rejected(agent, held_order):
    act(agent, held_order, "reject", {"reason": "fraud suspected"})

    held_order.refresh_from_db()
    assert held_order.status == Order.Status.CANCELLED


def test_an_order_not_on_hold_cannot_be_approved(agent, make_order):
    order = make_order()

    assert agent.get(action_url(order, "approve")).status_code == 409
    assert act(agent, order, "approve", {"reason": "x"}).status_code == 409


# Goodwill, voucher ----------------------------------------------------------------------


def test_a_goodwill_refund_gives_money_back(agent, paid_order):
    response = act(agent, paid_order, "goodwill", {"amount": "5.00", "reason": "late parcel"})

    payment = paid_order.payments.get()
    assert response.status_code == 200
    assert payment.amount_refunded == Decimal("5.00")
    assert care_events(paid_order, "goodwill_refund").exists()


def test_a_goodwill_refund_is_capped_by_what_was_paid(agent, paid_order):
    response = act(agent, paid_order, "goodwill", {"amount": "1000", "reason": "x"})

    assert response.status_code == 422
    assert paid_order.payments.get().amount_refunded == 0


def test_no_goodwill_refund_before_anything_was_paid(agent, make_order):
    order = make_order()

    assert act(agent, order, "goodwill", {"amount": "1", "reason": "x"}).status_code == 409


def test_a_voucher_is_recorded(agent, make_order):
    order = make_order()

    act(agent, order, "voucher", {"code": "SORRY10", "value": "10", "reason": "waited long"})

    assert "SORRY10" in care_events(order, "voucher_issued").get().message


# Messages and notes ---------------------------------------------------------------------


def test_a_sent_message_is_sent_again_word_for_word(
    agent, make_order, django_capture_on_commit_callbacks
):
    order = make_order()
    message = order.messages.filter(sent_at__isnull=False).first()
    before = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = act(agent, order, "resend", {"message": message.pk, "reason": "not received"})

    assert response.status_code == 200
    assert len(mail.outbox) == before + 1
    assert mail.outbox[-1].body == message.body
    assert care_events(order, "message_resent").exists()


def test_a_message_the_outbox_gave_up_on_is_queued_again_and_goes_out(
    agent, make_order, django_capture_on_commit_callbacks
):
    order = make_order()
    message = order.messages.filter(sent_at__isnull=False).first()
    # as if the mail server had refused it every time
    CustomerMessage.objects.filter(pk=message.pk).update(
        sent_at=None, body="", attempts=MAX_SEND_ATTEMPTS
    )
    before = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = act(agent, order, "resend", {"message": message.pk, "reason": "mail fixed"})

    assert response.status_code == 200, response.content.decode()[-1500:]
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 0
    assert len(mail.outbox) == before + 1
    assert care_events(order, "message_retried").exists()


def test_a_message_still_being_tried_is_not_queued_twice(agent, make_order):
    order = make_order()
    message = order.messages.filter(sent_at__isnull=False).first()
    CustomerMessage.objects.filter(pk=message.pk).update(sent_at=None, body="", attempts=2)

    response = act(agent, order, "resend", {"message": message.pk, "reason": "impatient"})

    assert response.status_code == 409
    assert not care_events(order, "message_retried").exists()


def test_a_note_is_added(agent, make_order):
    order = make_order()

    act(agent, order, "note", {"text": "Customer prefers e-mail"})

    assert care_events(order, "note").get().message == "Customer prefers e-mail"


# Two agents at once ---------------------------------------------------------------------


def test_an_agent_acting_on_a_stale_page_is_told_to_reload(agent, make_order):
    order = make_order()
    stale = order_version(order)
    add_note(order=order, text="Colleague was faster", actor=Actor.system("colleague"))

    response = agent.post(
        action_url(order, "cancel"),
        {"whole": "on", "reason": "x", "version": stale, "confirm": "yes"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    assert "changed meanwhile" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status != Order.Status.CANCELLED
