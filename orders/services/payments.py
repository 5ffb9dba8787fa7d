"""Payments of an order: recording money received, capture at shipment, refunds on cancel."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from oms.errors import DomainError, InvalidInput
from orders.locks import lock_order
from orders.models import Order, OrderLine, Payment, PaymentTransaction
from orders.money import fits_currency, format_money, units_value
from orders.payments import PaymentProvider, get_provider
from orders.services.events import Actor, record_event
from orders.services.messages import queue_message

ZERO = Decimal("0")
SETTLED = {Payment.Status.FAILED, Payment.Status.VOIDED}
# Methods whose customer pays by transfer after ordering and is told the money arrived.
THANKED_METHODS = {Order.PaymentMethod.PREPAYMENT, Order.PaymentMethod.INVOICE}


def amount_due(order: Order) -> Decimal:
    """What the customer still has to pay: the open part of every pending payment. A
    prepayment order waits for it; a click & reserve order's total is paid in the store; the
    counter and `record_payment` take no more."""
    return sum((open_amount(payment) for payment in order.payments.all()), ZERO)


def open_amount(payment: Payment) -> Decimal:
    """What a payment still expects: the open part of a pending one."""
    if payment.status != Payment.Status.PENDING:
        return ZERO
    return max(payment.amount - payment.amount_captured, ZERO)


def waits_for_payment(order: Order) -> bool:
    """True for a prepayment order whose money has not fully arrived."""
    return order.payment_method == Order.PaymentMethod.PREPAYMENT and amount_due(order) > ZERO


def record_transaction(
    payment: Payment,
    kind: str,
    amount: Decimal,
    result,
    provider: str = "",
    *,
    reference: str | None = None,
) -> PaymentTransaction:
    """Book what the payment provider answered (reference: the provider's, unless given)."""
    return PaymentTransaction.objects.create(
        payment=payment,
        kind=kind,
        amount=amount,
        succeeded=result.ok,
        provider=provider,
        reference=result.reference if reference is None else reference,
        message=result.message,
    )


@transaction.atomic
def record_payment(
    *, order: Order, amount: Decimal, reference: str, status: str, actor: Actor
) -> Order:
    """Record a payment received (e.g. a bank transfer); release the order once covered.

    Refused: more decimals than the currency has (400); a cancelled order, nothing due, more
    than is due, or an authorisation that does not cover the whole amount due (409). A
    transfer may pay part of what is due; the order waits for the rest.
    """
    from orders.services.lifecycle import release_order

    order = lock_order(order.pk)
    if order.status == Order.Status.CANCELLED:
        raise DomainError(_("The order is cancelled; it takes no payments."), code="order-closed")
    if not fits_currency(amount, order.currency):
        raise InvalidInput(
            [
                _amount_error(
                    "too_many_decimals",
                    _("%(currency)s amounts have no more decimals than its minor unit.")
                    % {"currency": order.currency},
                )
            ]
        )
    pending = list(order.payments.filter(status=Payment.Status.PENDING).order_by("pk"))
    expected = sum((open_amount(payment) for payment in pending), ZERO)
    if expected <= ZERO:
        raise DomainError(
            _("Nothing is due on order %(number)s.") % {"number": order.number},
            errors=[_amount_error("nothing_due", _("Nothing is due."))],
            code="nothing-due",
        )
    due = format_money(expected, order.currency)
    if amount > expected:
        raise DomainError(
            _("Only %(due)s %(currency)s is due.") % {"due": due, "currency": order.currency},
            errors=[_amount_error("exceeds_due", _("At most %(due)s.") % {"due": due})],
            code="exceeds-due",
        )
    if status == Payment.Status.AUTHORIZED and amount != expected:
        raise DomainError(
            _("An authorisation covers the whole amount due (%(due)s %(currency)s).")
            % {"due": due, "currency": order.currency},
            errors=[_amount_error("partial_authorization", _("Must be %(due)s.") % {"due": due})],
            code="partial-authorization",
        )
    kind = (
        PaymentTransaction.Kind.AUTHORIZE
        if status == Payment.Status.AUTHORIZED
        else PaymentTransaction.Kind.PAYMENT
    )
    booked = None
    left = amount
    for payment in pending:  # the oldest pending payment first
        take = min(left, open_amount(payment))
        if take <= ZERO:
            continue
        if kind == PaymentTransaction.Kind.AUTHORIZE:
            payment.status, payment.reference = Payment.Status.AUTHORIZED, reference
        else:
            payment.amount_captured += take
            if payment.amount_captured >= payment.amount:
                payment.status = Payment.Status.PAID
        payment.save(update_fields=["status", "reference", "amount_captured"])
        transaction_row = PaymentTransaction.objects.create(
            payment=payment, kind=kind, amount=take, succeeded=True, reference=reference
        )
        booked = booked or transaction_row
        left -= take
        if left <= ZERO:
            break
    if kind == PaymentTransaction.Kind.PAYMENT and order.payment_method in THANKED_METHODS:
        # The customer transferred money and waits to hear it arrived: once per transfer.
        queue_message(
            order=order,
            type="payment_received",
            key=f"payment_received:{booked.pk}",
            context={"amount": format_money(amount, order.currency)},
        )
    record_event(
        order,
        "payment_received" if kind == PaymentTransaction.Kind.PAYMENT else "payment_authorized",
        actor=actor,
        message=_("%(amount)s %(currency)s received (%(reference)s).")
        % {
            "amount": format_money(amount, order.currency),
            "currency": order.currency,
            "reference": reference,
        },
        data={
            "amount": format_money(amount, order.currency),
            "reference": reference,
            "payment": booked.payment_id,
        },
    )
    if order.status == Order.Status.AWAITING_PAYMENT and amount_due(order) <= ZERO:
        release_order(order=order, actor=actor)
    return order


def _amount_error(code: str, detail: str) -> dict:
    return {"attr": "amount", "code": code, "detail": str(detail)}


def shipment_value(line: OrderLine, quantity: int) -> Decimal:
    """The stored net amount of the `quantity` units last recorded as shipped on the line."""
    return units_value(line.unit_amounts, line.quantity_shipped - quantity, quantity)


@transaction.atomic
def capture_payment_for_shipment(
    *, order: Order, shipped: list[tuple[OrderLine, int]], actor: Actor
) -> Decimal:
    """Capture the authorised payment for what was just shipped; return the amount captured.

    Call after the lines' `quantity_shipped` includes this shipment. The shipping fee is
    captured with the first shipment. A declined capture is recorded on the timeline (the
    goods are gone; collecting the money becomes a task for customer care).
    """
    order = lock_order(order.pk)
    amount = sum((shipment_value(line, quantity) for line, quantity in shipped), ZERO)
    payment = (
        order.payments.filter(status__in=[Payment.Status.AUTHORIZED])
        .exclude(method__in=[Order.PaymentMethod.INVOICE, Order.PaymentMethod.CASH])
        .order_by("pk")
        .first()
    )
    if payment is None:
        return ZERO
    if payment.amount_captured == ZERO:
        amount += order.shipping_fee
    amount = min(amount, payment.amount - payment.amount_captured)
    if amount <= ZERO:
        return ZERO
    provider = get_provider()
    result = provider.capture(amount=amount, currency=order.currency, reference=payment.reference)
    record_transaction(payment, PaymentTransaction.Kind.CAPTURE, amount, result, provider.name)
    if not result.ok:
        record_event(
            order,
            "payment_capture_failed",
            actor=actor,
            message=_("Capture of %(amount)s declined: %(message)s")
            % {"amount": format_money(amount, order.currency), "message": result.message},
            data={"amount": str(amount), "payment": payment.pk},
        )
        return ZERO
    payment.amount_captured += amount
    if payment.amount_captured >= payment.amount:
        payment.status = Payment.Status.PAID
    payment.save(update_fields=["amount_captured", "status"])
    record_event(
        order,
        "payment_captured",
        actor=actor,
        message=_("%(amount)s %(currency)s captured.")
        % {"amount": format_money(amount, order.currency), "currency": order.currency},
        data={"amount": str(amount), "payment": payment.pk},
    )
    return amount


def reduce_payments(
    *, order: Order, amount: Decimal, actor: Actor, provider: PaymentProvider | None = None
) -> Decimal:
    """Lower what the customer owes by `amount` (a cancellation): void what is only
    authorised, refund what was already paid. Returns the amount refunded.

    Runs inside the caller's transaction with the order locked. `provider` replaces the
    configured one (the returns app pays refunds out in cash at a store counter).
    """
    refunded = ZERO
    left = amount
    provider = provider or get_provider()
    for payment in order.payments.exclude(status__in=SETTLED).order_by("pk"):
        if left <= ZERO:
            break
        cut = min(left, payment.amount)
        left -= cut
        new_amount = payment.amount - cut
        uncaptured = max(payment.amount - payment.amount_captured, ZERO)
        to_void = min(cut, uncaptured)
        to_refund = max(payment.amount_captured - payment.amount_refunded - new_amount, ZERO)
        if payment.status == Payment.Status.AUTHORIZED and to_void > ZERO:
            result = provider.void(
                amount=to_void, currency=order.currency, reference=payment.reference
            )
            record_transaction(
                payment, PaymentTransaction.Kind.VOID, to_void, result, provider.name
            )
            record_event(
                order,
                "payment_voided",
                actor=actor,
                message=_("Authorisation reduced by %(amount)s %(currency)s.")
                % {"amount": format_money(to_void, order.currency), "currency": order.currency},
                data={"amount": str(to_void), "payment": payment.pk, "ok": result.ok},
            )
        if to_refund > ZERO:
            result = provider.refund(
                amount=to_refund, currency=order.currency, reference=payment.reference
            )
            record_transaction(
                payment, PaymentTransaction.Kind.REFUND, to_refund, result, provider.name
            )
            if result.ok:
                payment.amount_refunded += to_refund
                refunded += to_refund
            record_event(
                order,
                "payment_refunded" if result.ok else "payment_refund_failed",
                actor=actor,
                message=_("%(amount)s %(currency)s refunded.")
                % {"amount": format_money(to_refund, order.currency), "currency": order.currency},
                data={"amount": str(to_refund), "payment": payment.pk, "ok": result.ok},
            )
        payment.amount = new_amount
        if payment.amount_refunded > ZERO:
            still_held = payment.amount_captured - payment.amount_refunded
            payment.status = (
                Payment.Status.REFUNDED if still_held <= ZERO else Payment.Status.PARTLY_REFUNDED
            )
        elif new_amount <= ZERO:
            payment.status = Payment.Status.VOIDED
        payment.save(update_fields=["amount", "amount_refunded", "status"])
    return refunded
