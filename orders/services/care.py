"""Care actions the intake and lifecycle modules lack: notes, payment-method change, goodwill
refunds and vouchers, exchanges, switching to click & collect, resending a message.

Each composes the existing order services (cancel, reservations, payments, messages), so the
care console, the store screens and the API call one implementation per rule.
"""

import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from oms.dispatch import kick
from oms.errors import DomainError, InvalidInput
from orders.locks import lock_lines, lock_order
from orders.models import (
    CustomerMessage,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    PaymentTransaction,
)
from orders.money import format_money, quantize, units_value
from orders.payments import get_provider
from orders.services.events import Actor, record_event
from orders.services.lifecycle import LineQuantity, cancel_order, change_status, release_order
from orders.services.messages import (
    MAX_SEND_ATTEMPTS,
    MESSAGES_DRAIN,
    queue_message,
    record_sent,
)
from orders.services.payments import record_transaction

ZERO = Decimal("0")
LIVE_PAYMENT_STATES = (
    Payment.Status.PENDING,
    Payment.Status.AUTHORIZED,
    Payment.Status.PAID,
    Payment.Status.PARTLY_REFUNDED,
)
# Before any unit left a location: the order may still change how it is paid or delivered.
BEFORE_FULFILMENT = (Order.Status.NEW, Order.Status.ON_HOLD, Order.Status.AWAITING_PAYMENT)
OPEN_FOR_CHANGES = (
    *BEFORE_FULFILMENT,
    Order.Status.RELEASED,
    Order.Status.UNROUTABLE,
    Order.Status.IN_FULFILMENT,
    Order.Status.PARTLY_SHIPPED,
)
# Delivered units can still be exchanged (through a return) once everything was shipped.
OPEN_FOR_EXCHANGE = (*OPEN_FOR_CHANGES, Order.Status.SHIPPED, Order.Status.COMPLETED)
# Events that arrive on their own after an action (a message going out) do not count as a
# change someone else made to the order.
PASSIVE_EVENTS = ("message_sent",)


def order_version(order: Order) -> int:
    """A token that changes whenever someone acts on the order (the newest timeline entry)."""
    latest = (
        OrderEvent.objects.filter(order_id=order.pk)
        .exclude(type__in=PASSIVE_EVENTS)
        .aggregate(latest=Max("pk"))["latest"]
    )
    return latest or 0


def check_version(order: Order, version: int | None) -> None:
    """Refuse to act on an order someone else changed since the agent loaded it."""
    if version is not None and order_version(order) != version:
        raise DomainError(
            _("The order was changed meanwhile. Reload it and try again."),
            code="changed-meanwhile",
        )


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput([{"attr": "reason", "code": "required", "detail": _("Give a reason.")}])
    return reason


@transaction.atomic
def add_note(*, order: Order, text: str, actor: Actor) -> OrderEvent:
    """Put an internal note on the order's timeline (never shown to the customer)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput([{"attr": "text", "code": "required", "detail": _("Write a note.")}])
    order = lock_order(order.pk)
    return record_event(order, "note", actor=actor, message=text)


def open_value(order: Order) -> Decimal:
    """What the customer owes for everything not cancelled (stored unit amounts + fee)."""
    value = ZERO
    anything_left = False
    for line in order.lines.all():
        active = line.quantity - line.quantity_cancelled
        if active:
            anything_left = True
            value += units_value(line.unit_amounts, 0, active)
    return value + order.shipping_fee if anything_left else value


def paid_amount(order: Order) -> Decimal:
    """Money actually received and not yet given back: the cap of any refund."""
    return sum(
        (max(p.amount_captured - p.amount_refunded, ZERO) for p in order.payments.all()), ZERO
    )


PAYMENT_METHOD_TARGETS = (Order.PaymentMethod.PREPAYMENT, Order.PaymentMethod.INVOICE)


def payment_method_change_refusal(order: Order, method: str | None = None) -> str:
    """Why the payment method cannot change now ("" when it can)."""
    if order.status not in OPEN_FOR_CHANGES:
        return _("The order is closed.")
    if paid_amount(order) > ZERO:
        return _("Money has been received already; refund it first.")
    if method is not None:
        if method not in PAYMENT_METHOD_TARGETS:
            return _("Switch only to prepayment or invoice.")
        if method == order.payment_method:
            return _("The order is paid this way already.")
        if method == Order.PaymentMethod.PREPAYMENT and order.status not in BEFORE_FULFILMENT:
            return _("Prepayment is only possible before fulfilment starts.")
    return ""


@transaction.atomic
def change_payment_method(*, order: Order, method: str, reason: str, actor: Actor) -> Order:
    """Let the customer pay another way (e.g. a failed card → prepayment or invoice).

    Authorisations still held are voided; a new pending payment over what is owed replaces
    them. Prepayment waits for the money (with instructions to the customer); an invoice
    lets an order that waited for a prepayment go to fulfilment.
    """
    reason = _required_reason(reason)
    order = lock_order(order.pk)
    refusal = payment_method_change_refusal(order, method)
    if refusal:
        raise DomainError(refusal, code="payment-method-not-changeable")
    provider = get_provider()
    for payment in order.payments.filter(status__in=LIVE_PAYMENT_STATES).order_by("pk"):
        if payment.status == Payment.Status.AUTHORIZED and payment.amount > ZERO:
            result = provider.void(
                amount=payment.amount, currency=order.currency, reference=payment.reference
            )
            record_transaction(
                payment,
                PaymentTransaction.Kind.VOID,
                payment.amount,
                result,
                provider.name,
                reference=payment.reference,
            )
        payment.status = Payment.Status.VOIDED
        payment.save(update_fields=["status"])
    previous = order.payment_method
    order.payment_method = method
    order.save(update_fields=["payment_method", "updated_at"])
    amount = open_value(order)
    Payment.objects.create(order=order, method=method, status=Payment.Status.PENDING, amount=amount)
    event = record_event(
        order,
        "payment_method_changed",
        actor=actor,
        message=_("Payment method changed from %(old)s to %(new)s. Reason: %(reason)s")
        % {"old": previous, "new": method, "reason": reason},
        data={"from": previous, "to": method, "reason": reason, "amount": str(amount)},
    )
    if method == Order.PaymentMethod.INVOICE:
        queue_message(
            order=order, type="payment_method_invoice", key=f"payment_method_invoice:{event.pk}"
        )
    if method == Order.PaymentMethod.PREPAYMENT:
        queue_message(
            order=order, type="payment_method_changed", key=f"payment_method_changed:{event.pk}"
        )
        if order.status == Order.Status.NEW:
            change_status(order, "await_payment", actor=actor)
        if order.status == Order.Status.AWAITING_PAYMENT:
            queue_message(
                order=order, type="payment_instructions", key=f"payment_instructions:{event.pk}"
            )
    elif order.status == Order.Status.AWAITING_PAYMENT:
        release_order(order=order, actor=actor)
    return order


def _refund(order: Order, amount: Decimal, actor: Actor) -> Decimal:
    """Refund up to `amount` of received money, oldest payment first; the amount refunded."""
    provider = get_provider()
    left = amount
    refunded = ZERO
    for payment in order.payments.order_by("pk"):
        held = payment.amount_captured - payment.amount_refunded
        if left <= ZERO or held <= ZERO:
            continue
        take = min(left, held)
        result = provider.refund(amount=take, currency=order.currency, reference=payment.reference)
        record_transaction(payment, PaymentTransaction.Kind.REFUND, take, result, provider.name)
        if not result.ok:
            raise DomainError(
                _("The payment provider declined the refund: %(message)s")
                % {"message": result.message},
                code="refund-declined",
            )
        payment.amount_refunded += take
        payment.status = (
            Payment.Status.REFUNDED
            if payment.amount_refunded >= payment.amount_captured
            else Payment.Status.PARTLY_REFUNDED
        )
        payment.save(update_fields=["amount_refunded", "status"])
        left -= take
        refunded += take
    return refunded


@transaction.atomic
def goodwill_refund(*, order: Order, amount: Decimal, reason: str, actor: Actor) -> Decimal:
    """Give back part of what the customer paid as a gesture; never more than was paid."""
    reason = _required_reason(reason)
    order = lock_order(order.pk)
    amount = quantize(amount, order.currency)
    if amount <= ZERO:
        raise InvalidInput(
            [{"attr": "amount", "code": "min_value", "detail": _("Enter an amount above 0.")}]
        )
    cap = paid_amount(order)
    if amount > cap:
        raise DomainError(
            _("At most %(cap)s %(currency)s can be refunded: that is what was paid.")
            % {"cap": cap, "currency": order.currency},
            errors=[{"attr": "amount", "code": "above_paid", "detail": str(cap)}],
            code="refund-above-paid",
        )
    refunded = _refund(order, amount, actor)
    event = record_event(
        order,
        "goodwill_refund",
        actor=actor,
        message=_("Goodwill refund of %(amount)s %(currency)s. Reason: %(reason)s")
        % {
            "amount": format_money(refunded, order.currency),
            "currency": order.currency,
            "reason": reason,
        },
        data={"amount": str(refunded), "reason": reason},
    )
    queue_message(
        order=order,
        type="refund_issued",
        key=f"refund_issued:{event.pk}",
        context={"amount": str(refunded)},
    )
    return refunded


@transaction.atomic
def issue_voucher(
    *, order: Order, code: str, value: Decimal | None, reason: str, actor: Actor
) -> OrderEvent:
    """Give the customer a voucher code as a goodwill gesture: on the timeline and mailed."""
    reason = _required_reason(reason)
    code = (code or "").strip()
    if not code:
        raise InvalidInput(
            [{"attr": "code", "code": "required", "detail": _("Enter the voucher code.")}]
        )
    order = lock_order(order.pk)
    value = quantize(value, order.currency) if value else None
    value_text = f" ({value} {order.currency})" if value else ""
    event = record_event(
        order,
        "voucher_issued",
        actor=actor,
        message=_("Voucher %(code)s%(value)s given. Reason: %(reason)s")
        % {"code": code, "value": value_text, "reason": reason},
        data={"code": code, "value": str(value) if value else "", "reason": reason},
    )
    queue_message(
        order=order,
        type="goodwill_voucher",
        key=f"goodwill_voucher:{event.pk}",
        context={"code": code, "value": str(value) if value else ""},
    )
    return event


def _charge(order: Order, amount: Decimal) -> None:
    """Add `amount` to what the customer pays: more authorised on the card, or more owed."""
    if amount <= ZERO:
        return
    payment = order.payments.filter(status__in=LIVE_PAYMENT_STATES).order_by("pk").first()
    online = order.payment_method in (Order.PaymentMethod.CARD, Order.PaymentMethod.PAYPAL)
    # A captured card payment (an exchange of delivered units) is authorised again for the
    # extra amount; capture at shipment takes it from there.
    if (
        payment is not None
        and payment.status in (Payment.Status.AUTHORIZED, Payment.Status.PAID)
        and online
    ):
        provider = get_provider()
        result = provider.authorise(
            amount=amount, currency=order.currency, reference=payment.reference
        )
        record_transaction(
            payment, PaymentTransaction.Kind.AUTHORIZE, amount, result, provider.name
        )
        if not result.ok:
            raise DomainError(
                _("The payment was declined: %(message)s") % {"message": result.message},
                code="payment-declined",
            )
        payment.amount += amount
        payment.status = Payment.Status.AUTHORIZED
        payment.save(update_fields=["amount", "status"])
    elif payment is not None and payment.status == Payment.Status.PENDING:
        payment.amount += amount
        payment.save(update_fields=["amount"])
    else:
        Payment.objects.create(
            order=order, method=order.payment_method, status=Payment.Status.PENDING, amount=amount
        )


def exchange_variants(line: OrderLine):
    """The other active variants of the line's style (sizes and colours)."""
    from inventory.models import Product

    return (
        Product.objects.filter(style=line.product.style, is_active=True, is_service=False)
        .exclude(pk=line.product_id)
        .order_by("sku")
    )


def returnable_units(line: OrderLine) -> int:
    """Delivered units of the line not yet claimed by a return: exchanged through a return."""
    from returns.services import units_claimed

    if not line.quantity_shipped:
        return 0
    return max(line.quantity_shipped - units_claimed(line), 0)


def exchangeable_units(line: OrderLine) -> int:
    """Units an exchange can take: the unshipped ones first, then the delivered ones."""
    return line.quantity_open + returnable_units(line)


@transaction.atomic
def exchange_line(
    *,
    order: Order,
    line_id: int,
    quantity: int,
    sku: str,
    reason: str,
    actor: Actor,
    unit_price: Decimal | None = None,
) -> OrderLine:
    """Swap units of a line for another size or colour of the same style.

    The new variant is added as a new line (stock reserved, routed with the rest) and the
    customer pays it: authorised on top or owed. The old units go away the way they can:
    unshipped ones through the one cancellation (stock released, payment lowered), delivered
    ones through a return (`returns.services.return_announce`, refunded when the return's
    rules say so). The customer thus pays or gets back the difference. A shipped order is
    reopened (partly shipped) so that the new line is routed and shipped.
    """
    from inventory.models import Product
    from orders.stock import reserve_lines
    from returns.models import Return
    from returns.services import ReturnItem, next_units, return_announce

    reason = _required_reason(reason)
    order = lock_order(order.pk)
    if order.status not in OPEN_FOR_EXCHANGE:
        raise DomainError(_("The order is closed."), code="not-exchangeable")
    lines = {line.pk: line for line in lock_lines(order)}
    line = lines.get(line_id)
    if line is None:
        raise InvalidInput([{"attr": "line", "code": "unknown", "detail": _("No such line.")}])
    open_part = min(max(quantity, 0), line.quantity_open)
    returned_part = quantity - open_part
    if quantity < 1 or returned_part > returnable_units(line):
        raise DomainError(
            _(
                "Only %(units)s unit(s) of %(sku)s can be exchanged: %(open)s not shipped, "
                "%(delivered)s delivered and not yet returned."
            )
            % {
                "units": exchangeable_units(line),
                "sku": line.sku,
                "open": line.quantity_open,
                "delivered": returnable_units(line),
            },
            errors=[
                {
                    "attr": "quantity",
                    "code": "not_exchangeable",
                    "detail": str(exchangeable_units(line)),
                }
            ],
            code="not-exchangeable",
        )
    product = Product.objects.filter(sku=sku, is_active=True).first()
    if product is None or product.style != line.product.style or product.pk == line.product_id:
        raise InvalidInput(
            [
                {
                    "attr": "sku",
                    "code": "not_a_variant",
                    "detail": _("Choose another size or colour of the same style."),
                }
            ]
        )
    # The old units' stored net amounts are what the cancellation and the return give back:
    # cancelled units are taken from the end of the line, returned ones are the next unclaimed.
    first_open = line.quantity - line.quantity_cancelled - open_part
    old_value = units_value(line.unit_amounts, first_open, open_part) + sum(
        (run.value for run in next_units(line, returned_part)), ZERO
    )
    if unit_price is None:
        unit_price = quantize(old_value / quantity, order.currency)
    unit_price = quantize(unit_price, order.currency)
    if unit_price < ZERO:
        raise InvalidInput(
            [{"attr": "unit_price", "code": "min_value", "detail": _("Not below 0.")}]
        )
    new_value = unit_price * quantity
    position = (order.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    new_line = OrderLine.objects.create(
        order=order,
        position=position,
        product=product,
        sku=product.sku,
        name=product.name,
        quantity=quantity,
        unit_price=unit_price,
        net_price=new_value,
        unit_amounts=[str(unit_price)] * quantity,
    )
    reserve_lines(order=order, lines=[new_line], actor=actor.label)
    order.subtotal += new_value
    order.total += new_value
    order.save(update_fields=["subtotal", "total", "updated_at"])
    _charge(order, new_value)
    record_event(
        order,
        "line_exchanged",
        actor=actor,
        message=_(
            "%(quantity)s × %(old)s exchanged for %(new)s (%(difference)s %(currency)s). "
            "Reason: %(reason)s"
        )
        % {
            "quantity": quantity,
            "old": line.sku,
            "new": product.sku,
            "difference": new_value - old_value,
            "currency": order.currency,
            "reason": reason,
        },
        data={
            "line": line.pk,
            "new_line": new_line.pk,
            "quantity": quantity,
            "cancelled": open_part,
            "returned": returned_part,
            "difference": str(new_value - old_value),
            "reason": reason,
        },
    )
    exchanged_for = _("exchanged for %(sku)s") % {"sku": product.sku}
    if open_part:
        cancel_order(
            order=order,
            lines=[LineQuantity(line.pk, open_part)],
            reason=exchanged_for,
            actor=actor,
        )
    if returned_part:
        return_announce(
            order=order,
            channel=Return.Channel.MAIL,
            items=[ReturnItem(line_id=line.pk, quantity=returned_part, reason=exchanged_for)],
            actor=actor,
        )
    order = lock_order(order.pk)
    if order.status in (Order.Status.SHIPPED, Order.Status.COMPLETED):
        change_status(order, "reopen", actor=actor)
    from fulfillment.services.routing import ROUTABLE_STATES
    from fulfillment.tasks import route_order

    if order.status in ROUTABLE_STATES:
        route_order.delay_on_commit(order.pk, reason="exchange")
    return new_line


def click_collect_refusal(order: Order) -> str:
    """Why the order cannot switch to click & collect now ("" when it can)."""
    if order.delivery_method != Order.DeliveryMethod.SHIP:
        return _("The order is not a home delivery.")
    if order.status not in BEFORE_FULFILMENT and not (
        order.status == Order.Status.RELEASED and not order.delivery_orders.exists()
    ):
        return _("Only an order not yet sent to a location can switch to click & collect.")
    return ""


@transaction.atomic
def switch_to_click_collect(*, order: Order, store_code: str, reason: str, actor: Actor) -> Order:
    """Let the customer collect a pending home-delivery order in a store instead."""
    from inventory.models import Location, Reservation
    from inventory.services import ReservationRequest, reserve_for_order
    from orders.stock import release_line

    reason = _required_reason(reason)
    order = lock_order(order.pk)
    refusal = click_collect_refusal(order)
    if refusal:
        raise DomainError(refusal, code="not-switchable")
    store = Location.objects.filter(
        code=store_code, type=Location.Type.STORE, offers_pickup=True
    ).first()
    if store is None:
        raise InvalidInput(
            [{"attr": "store", "code": "no_pickup", "detail": _("Choose a pickup store.")}]
        )
    lines = [line for line in lock_lines(order) if line.quantity_open]
    for line in lines:
        release_line(
            line=line, quantity=line.quantity_open, reason="click & collect", actor=actor.label
        )
    reserve_for_order(
        shop=order.shop,
        items=[
            ReservationRequest(order_line=line, product=line.product, quantity=line.quantity_open)
            for line in lines
        ],
        location=store,
        kind=Reservation.Kind.ORDER,
        actor=actor.label,
    )
    order.delivery_method = Order.DeliveryMethod.CLICK_COLLECT
    order.pickup_location = store
    order.save(update_fields=["delivery_method", "pickup_location", "updated_at"])
    record_event(
        order,
        "switched_to_click_collect",
        actor=actor,
        message=_("Switched to click & collect at %(store)s. Reason: %(reason)s")
        % {"store": store.name, "reason": reason},
        data={"store": store.code, "reason": reason},
    )
    return order


@transaction.atomic
def resend_message(*, message: CustomerMessage, actor: Actor, reason: str = "") -> CustomerMessage:
    """Send a copy of a message the customer already got (or should have got), word for word."""
    from customercare.tasks import send_message_copy

    original = CustomerMessage.objects.select_related("order").get(pk=message.pk)
    if original.sent_at is None:
        if original.attempts < MAX_SEND_ATTEMPTS:
            raise DomainError(
                _("This message has not been sent yet; it goes out on its own."), code="not-sent"
            )
        return _try_again(original, actor=actor, reason=reason)
    order = lock_order(original.order_id)
    copy = CustomerMessage.objects.create(
        order=order,
        type=original.type,
        key=f"resend:{original.pk}:{uuid.uuid4().hex}",
        language=original.language,
        to=order.email,
        subject=original.subject,
        body=original.body,
    )
    record_event(
        order,
        "message_resent",
        actor=actor,
        message=_("“%(subject)s” sent again to %(to)s. Reason: %(reason)s")
        % {"subject": original.subject, "to": order.email, "reason": reason or "–"},
        data={
            "message_id": original.pk,
            "copy_id": copy.pk,
            "type": original.type,
            "reason": reason,
        },
    )
    send_message_copy.delay_on_commit(copy.pk)
    return copy


def _try_again(message: CustomerMessage, *, actor: Actor, reason: str) -> CustomerMessage:
    """A message the outbox gave up on (the mail server refused it again and again) goes into
    the outbox once more, with fresh attempts; the drain sends it as usual."""
    order = lock_order(message.order_id)
    CustomerMessage.objects.filter(pk=message.pk).update(attempts=0, retry_at=None)
    record_event(
        order,
        "message_retried",
        actor=actor,
        message=_("“%(type)s” to %(to)s queued again after failed attempts. Reason: %(reason)s")
        % {"type": message.get_type_display(), "to": message.to, "reason": reason or "–"},
        data={"message_id": message.pk, "type": message.type, "reason": reason},
    )
    kick(MESSAGES_DRAIN)
    message.refresh_from_db()
    return message


def deliver_message_copy(*, message_id: int) -> bool:
    """Send a resent message as stored (no re-rendering); at most once."""
    from django.conf import settings
    from django.core.mail import send_mail

    with transaction.atomic():
        message = (
            CustomerMessage.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.sent_at is not None:
            return False
        send_mail(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [message.to],
            fail_silently=False,
        )
        message.sent_at = timezone.now()
        message.save(update_fields=["sent_at"])
        record_sent(message)
    return True
