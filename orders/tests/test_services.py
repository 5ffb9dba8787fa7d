from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from inventory.models import Reservation
from oms.dispatch import KickHook
from oms.errors import DomainError
from oms.models import Shop
from orders import services, tasks
from orders.models import CustomerMessage, Order, OrderEvent, Payment, RiskRule
from orders.tests.conftest import order_body, priced

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(stocked):
    """Submit an order through the service as the de-web API client."""
    from oms.models import ApiClient

    client = ApiClient.objects.get(shop__code="de-web")

    def place_order(body: dict | None = None) -> Order:
        body = body or order_body()
        from orders.api.serializers import OrderSubmitSerializer

        serializer = OrderSubmitSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        return services.submit_order(
            client=client,
            data=serializer.validated_data,
            actor=services.Actor.for_api_client(client),
        )

    return place_order


def prepayment_body() -> dict:
    return priced(order_body(payment={"method": "prepayment", "status": "pending", "amount": "0"}))


def open_reserved(order: Order) -> int:
    return sum(
        Reservation.objects.filter(order_line__order=order, status="open").values_list(
            "quantity", flat=True
        )
    )


def test_every_status_change_is_on_the_timeline_with_from_and_to(place):
    order = place()

    changes = OrderEvent.objects.filter(order=order, type="status_changed")
    assert [(e.data["from"], e.data["to"]) for e in changes] == [("new", "released")]
    assert OrderEvent.objects.filter(order=order, type="released_for_fulfilment").count() == 1


def test_the_status_cannot_be_assigned_directly(place):
    order = place()

    with pytest.raises(AttributeError):
        order.status = Order.Status.SHIPPED


def test_a_risk_rule_holds_the_order_and_names_itself_on_the_timeline(place):
    RiskRule.objects.create(
        name="Test: watch T-shirts",
        condition=RiskRule.Condition.SKU_WATCH_LIST,
        skus="TSHIRT-WHITE-M",
        action=RiskRule.Action.HOLD,
    )

    order = place()

    assert order.status == Order.Status.ON_HOLD
    hit = OrderEvent.objects.get(order=order, type="risk_rule_hit")
    assert "Test: watch T-shirts" in hit.message
    assert open_reserved(order) == 3


def test_a_held_order_is_approved_or_rejected(place):
    RiskRule.objects.create(
        name="Test: hold all",
        condition=RiskRule.Condition.ORDER_VALUE_ABOVE,
        threshold=Decimal("1"),
        action=RiskRule.Action.HOLD,
    )
    approved, rejected = place(), place()
    actor = services.Actor.system("reviewer")

    services.approve_order(order=approved, actor=actor)
    services.reject_order(order=rejected, actor=actor, reason="fraud")

    approved = Order.objects.get(pk=approved.pk)
    rejected = Order.objects.get(pk=rejected.pk)
    assert approved.status == Order.Status.RELEASED
    assert rejected.status == Order.Status.CANCELLED
    assert open_reserved(rejected) == 0
    assert rejected.payments.get().status == Payment.Status.VOIDED
    with pytest.raises(DomainError):
        services.approve_order(order=approved, actor=actor)


def test_a_prepayment_rule_switches_the_payment_method_and_tells_the_customer(
    place, django_capture_on_commit_callbacks
):
    RiskRule.objects.create(
        name="Test: new customers prepay",
        condition=RiskRule.Condition.NEW_CUSTOMER_VALUE_ABOVE,
        threshold=Decimal("10"),
        action=RiskRule.Action.PREPAYMENT,
    )

    with django_capture_on_commit_callbacks(execute=True):
        order = place()

    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.payment_method == Order.PaymentMethod.PREPAYMENT
    assert OrderEvent.objects.filter(order=order, type="payment_method_changed").exists()
    types = set(CustomerMessage.objects.filter(order=order).values_list("type", flat=True))
    assert types == {"confirmation", "payment_method_changed", "payment_instructions"}


def test_prepayment_instructions_tell_the_amount_due_and_the_shops_bank_details(
    place, django_capture_on_commit_callbacks
):
    # given a prepayment order of a shop with bank details
    body = order_body()
    body["payment"].update(method="prepayment", status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(body)

    # when its messages have been sent
    instructions = CustomerMessage.objects.get(order=order, type="payment_instructions")
    confirmation = CustomerMessage.objects.get(order=order, type="confirmation")

    # then the instructions name the amount due, the IBAN and the deadline, and the
    # confirmation lists every line
    settings = order.shop.order_settings
    assert "84.92" in instructions.body
    assert settings.bank_iban and settings.bank_iban in instructions.body
    days = settings.prepayment_cancel_days
    assert f"{days} days" in instructions.body or f"{days} Tagen" in instructions.body
    for line in order.lines.all():
        assert f"{line.quantity} × {line.name or line.sku}: {line.net_price}" in confirmation.body


def test_messages_go_out_after_commit_exactly_once_and_land_on_the_timeline(
    place, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = place()
    message = CustomerMessage.objects.get(order=order, type="confirmation")

    kicks = [callback for callback in callbacks if isinstance(callback, KickHook)]
    assert [kick.name for kick in kicks].count("customer-messages") == 1
    assert [m.to for m in mail.outbox] == [[order.email]]
    assert order.number in mail.outbox[0].subject
    assert services.send_message(message_id=message.pk) is False
    assert len(mail.outbox) == 1
    sent = OrderEvent.objects.get(order=order, type="message_sent")
    assert message.body and message.body in sent.message


def test_a_rolled_back_transaction_sends_nothing(place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                place()
                raise RuntimeError("boom")
        except RuntimeError:
            pass

    assert callbacks == []
    assert mail.outbox == []


def test_partial_cancel_releases_stock_and_lowers_the_authorisation(place):
    order = place()
    tshirt = order.lines.get(sku="TSHIRT-WHITE-M")

    services.cancel_order(
        order=order,
        lines=[services.LineQuantity(tshirt.pk, 1)],
        reason="customer request",
        actor=services.Actor.system(),
    )

    order = Order.objects.get(pk=order.pk)
    tshirt.refresh_from_db()
    assert order.status == Order.Status.RELEASED
    assert tshirt.quantity_cancelled == 1
    assert open_reserved(order) == 2
    payment = order.payments.get()
    assert payment.amount == Decimal("84.92") - Decimal("17.77")
    assert payment.status == Payment.Status.AUTHORIZED


def test_whole_cancel_voids_the_payment_releases_everything_and_cannot_repeat(place):
    order = place()

    services.cancel_order(order=order, lines=None, reason="x", actor=services.Actor.system())

    order = Order.objects.get(pk=order.pk)
    assert order.status == Order.Status.CANCELLED
    assert open_reserved(order) == 0
    assert order.payments.get().status == Payment.Status.VOIDED
    with pytest.raises(DomainError):
        services.cancel_order(order=order, lines=None, reason="x", actor=services.Actor.system())


def test_cancelling_a_paid_order_refunds_the_stored_unit_amounts(place):
    body = order_body()
    body["payment"]["status"] = "paid"
    order = place(body)
    jeans = order.lines.get(sku="JEANS-BLUE-32")

    services.cancel_order(
        order=order,
        lines=[services.LineQuantity(jeans.pk, 1)],
        reason="",
        actor=services.Actor.system(),
    )

    payment = order.payments.get()
    assert payment.amount_refunded == Decimal("44.43")
    assert payment.status == Payment.Status.PARTLY_REFUNDED


def test_shipped_units_cannot_be_cancelled(place):
    order = place()
    line = order.lines.get(sku="JEANS-BLUE-32")
    line.quantity_shipped = 1
    line.save()

    with pytest.raises(DomainError) as refused:
        services.cancel_order(
            order=order,
            lines=[services.LineQuantity(line.pk, 1)],
            reason="",
            actor=services.Actor.system(),
        )
    assert refused.value.errors[0]["attr"] == "lines.0.quantity"


def test_capture_at_shipment_takes_the_shipped_units_and_the_fee(place):
    order = place()
    line = order.lines.get(sku="JEANS-BLUE-32")
    line.quantity_shipped = 1
    line.save()

    captured = services.capture_payment_for_shipment(
        order=order, shipped=[(line, 1)], actor=services.Actor.system()
    )

    assert captured == Decimal("44.43") + Decimal("4.95")
    assert order.payments.get().amount_captured == captured


def test_prepayment_reminder_and_auto_cancel_run_twice_act_once(
    place, django_capture_on_commit_callbacks
):
    order = place(prepayment_body())
    assert order.status == Order.Status.AWAITING_PAYMENT
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=6))

    with django_capture_on_commit_callbacks(execute=True):
        reminded = [tasks.send_prepayment_reminders(), tasks.send_prepayment_reminders()]
        cancelled_early = tasks.cancel_unpaid_prepayments()
    assert reminded == [1, 0]
    assert cancelled_early == 0
    assert CustomerMessage.objects.filter(order=order, type="payment_reminder").count() == 1

    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=11))
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = [tasks.cancel_unpaid_prepayments(), tasks.cancel_unpaid_prepayments()]

    assert cancelled == [1, 0]
    order = Order.objects.get(pk=order.pk)
    assert order.status == Order.Status.CANCELLED
    assert open_reserved(order) == 0
    assert CustomerMessage.objects.filter(order=order, type="cancelled").count() == 1


def test_reminder_days_come_from_the_shop_settings(place):
    Shop.objects.get(code="de-web").order_settings.__class__.objects.update_or_create(
        shop=Shop.objects.get(code="de-web"),
        defaults={"prepayment_reminder_days": 2, "prepayment_cancel_days": 3},
    )
    order = place(prepayment_body())
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=2, hours=1))

    assert tasks.send_prepayment_reminders() == 1


def test_shipping_address_changes_until_shipped(place):
    order = place()
    actor = services.Actor.system()
    new = {"street": "Zeil 1", "postcode": "60311", "city": "Frankfurt", "country": "DE"}

    services.change_shipping_address(order=order, address=new, actor=actor)

    order = Order.objects.get(pk=order.pk)
    assert order.shipping_address.city == "Frankfurt"
    assert OrderEvent.objects.filter(order=order, type="shipping_address_changed").count() == 1
    order.lines.update(quantity_shipped=1)
    with pytest.raises(DomainError):
        services.change_shipping_address(order=order, address=new, actor=actor)


def test_a_declined_card_authorisation_creates_nothing(place):
    body = order_body()
    body["payment"].update(status="pending", reference="will-fail")
    before = Order.objects.count()

    with pytest.raises(DomainError):
        place(body)

    assert Order.objects.count() == before


def test_invoice_and_cash_orders_are_released_at_once(place):
    for method in ("invoice", "cash"):
        body = order_body()
        body["payment"].update(method=method, status="pending")
        assert place(body).status == Order.Status.RELEASED


def test_a_transfer_pays_every_pending_payment_oldest_first(place):
    order = place(priced(order_body(payment={"method": "prepayment", "status": "pending"})))
    Payment.objects.create(  # e.g. an item added by customer care, to be paid as well
        order=order, method="prepayment", status=Payment.Status.PENDING, amount=Decimal("10.00")
    )
    due = order.total + Decimal("10.00")

    services.record_payment(
        order=order, amount=due, reference="bank-1", status="paid", actor=services.Actor.system("t")
    )

    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED
    assert [p.status for p in order.payments.order_by("pk")] == ["paid", "paid"]
    assert sum(p.amount_captured for p in order.payments.all()) == due


def test_the_migration_gives_old_reservations_their_total(place):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("orders.migrations.0007_reserve_payment_carries_the_total")
    order = place(
        order_body(
            payment=None, delivery={"method": "reserve", "pickup_location": "store-berlin-mitte"}
        )
    )
    order.payments.update(amount=0)  # as click & reserve orders were stored before

    migration.carry_the_total(apps, None)

    assert order.payments.get().amount == order.total
