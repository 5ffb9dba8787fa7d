"""What happens to an order after intake: release, review, cancellation, address change,
the prepayment reminder and the automatic cancellation of unpaid orders."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oms import dispatch
from oms.errors import DomainError, InvalidInput
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderEvent, ShopOrderSettings
from orders.money import units_value
from orders.services.events import Actor, record_event
from orders.services.messages import queue_message
from orders.services.payments import reduce_payments, waits_for_payment
from orders.stock import held_units, release_line

DEFAULT_SETTINGS = ShopOrderSettings()


@dataclass(frozen=True)
class LineQuantity:
    line_id: int
    quantity: int


def settings_for(order: Order) -> ShopOrderSettings:
    return ShopOrderSettings.objects.filter(shop=order.shop_id).first() or DEFAULT_SETTINGS


def change_status(
    order: Order,
    transition: str,
    *,
    actor: Actor,
    message: str = "",
    fields: list[str] | None = None,
    **arguments: str,
) -> OrderEvent:
    """Fire one transition, save the order and put the change on the timeline.

    `fields`: what the transition changes (status included), when the caller knows it; only
    those are written (with `updated_at`). Without it the whole row is.
    """
    before = order.status
    getattr(order, transition)(**arguments)
    order.save(update_fields=None if fields is None else [*fields, "updated_at"])
    return record_status_change(
        order, before=before, transition=transition, actor=actor, message=message
    )


def record_status_change(
    order: Order, *, before: str, transition: str, actor: Actor, message: str = ""
) -> OrderEvent:
    """Put a status change (`transition` fired in status `before`) on the timeline."""
    return record_event(
        order,
        "status_changed",
        actor=actor,
        message=message or _("%(from)s → %(to)s") % {"from": before, "to": order.status},
        data={"from": before, "to": order.status, "transition": transition},
    )


def on_order_released(order: Order, *, actor: Actor) -> None:
    """The order may now be fulfilled: the routing drain takes it after this transaction
    commits (fulfillment/services/release_queue.py)."""
    record_event(
        order,
        "released_for_fulfilment",
        actor=actor,
        message=_("Released for fulfilment."),
    )
    dispatch.kick("routing")


def release_order(*, order: Order, actor: Actor) -> None:
    """Release a locked order for fulfilment (inside the caller's transaction)."""
    change_status(order, "release", actor=actor)
    on_order_released(order, actor=actor)


@transaction.atomic
def approve_order(*, order: Order, actor: Actor, note: str = "") -> Order:
    """Approve an order held for review: it goes on to payment or fulfilment."""
    order = lock_order(order.pk)
    if order.status != Order.Status.ON_HOLD:
        raise DomainError(_("Only an order on hold can be approved."), code="illegal-state")
    record_event(order, "review_approved", actor=actor, message=note or _("Review approved."))
    if waits_for_payment(order):
        change_status(order, "await_payment", actor=actor)
        queue_message(
            order=order, type="payment_instructions", key=f"payment_instructions:{order.pk}"
        )
    else:
        release_order(order=order, actor=actor)
    return order


@transaction.atomic
def reject_order(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Reject an order held for review: cancel it, release its stock, give back the money."""
    order = lock_order(order.pk)
    if order.status != Order.Status.ON_HOLD:
        raise DomainError(_("Only an order on hold can be rejected."), code="illegal-state")
    record_event(order, "review_rejected", actor=actor, message=reason or _("Review rejected."))
    return cancel_order(order=order, lines=None, reason=reason or _("rejected"), actor=actor)


@transaction.atomic
def cancel_order(
    *, order: Order, lines: list[LineQuantity] | None, reason: str, actor: Actor
) -> Order:
    """Cancel the order, or some quantities of some lines: only what is not shipped.

    Releases the stock, lowers the payment (void or refund of the stored unit amounts, never
    recomputed) and tells the customer.
    """
    from fulfillment.services.delivery import delivery_lines_cancel
    from fulfillment.services.routing import end_routing_wait, unrouted_quantities

    order = lock_order(order.pk)
    if order.status in (Order.Status.CANCELLED, Order.Status.COMPLETED, Order.Status.SHIPPED):
        raise DomainError(
            _("Order %(number)s cannot be cancelled in status %(status)s.")
            % {"number": order.number, "status": order.status},
            code="not-cancellable",
        )
    order_lines = {line.pk: line for line in lock_lines(order)}
    if lines is None:
        wanted = [
            LineQuantity(line.pk, line.quantity_open)
            for line in order_lines.values()
            if line.quantity_open
        ]
    else:
        wanted = lines
    errors = []
    asked: dict[int, int] = {}  # a line named twice counts with both quantities
    for index, item in enumerate(wanted):
        line = order_lines.get(item.line_id)
        if line is None:
            errors.append(
                {"attr": f"lines.{index}.line", "code": "unknown", "detail": _("No such line.")}
            )
            continue
        asked[line.pk] = asked.get(line.pk, 0) + item.quantity
        if asked[line.pk] > line.quantity_open:
            errors.append(
                {
                    "attr": f"lines.{index}.quantity",
                    "code": "not_cancellable",
                    "detail": _("Only %(open)s unit(s) of line %(line)s are not yet shipped.")
                    % {"open": line.quantity_open, "line": line.pk},
                }
            )
    if errors:
        if any(error["code"] == "unknown" for error in errors):
            raise InvalidInput(errors)
        raise DomainError(_("Shipped units cannot be cancelled."), errors=errors, code="shipped")
    wanted = [LineQuantity(line_id, quantity) for line_id, quantity in asked.items()]
    if not any(item.quantity for item in wanted):
        raise DomainError(_("Nothing left to cancel."), code="not-cancellable")

    value = Decimal("0")
    items = []
    waiting = unrouted_quantities(order)  # units no location holds yet go first
    for item in wanted:
        if not item.quantity:
            continue
        line = order_lines[item.line_id]
        # Cancelled units are taken from the end of the line, shipped ones from the start.
        first = line.quantity - line.quantity_cancelled - item.quantity
        value += units_value(line.unit_amounts, first, item.quantity)
        # Units waiting for stock with nothing held for them are cancelled first.
        unheld = max(0, line.quantity_open - held_units(line))
        line.quantity_cancelled += item.quantity
        line.refresh_status()
        line.save(update_fields=["quantity_cancelled", "status"])
        release_line(
            line=line,
            quantity=item.quantity - min(item.quantity, unheld),
            reason=reason or "cancelled",
            actor=actor.label,
        )
        from_waiting = min(item.quantity, waiting.get(line.pk, 0))
        delivery_lines_cancel(order_line=line, quantity=item.quantity - from_waiting, actor=actor)
        items.append({"line": line.pk, "sku": line.sku, "quantity": item.quantity})

    nothing_open = all(line.quantity_open == 0 for line in order_lines.values())
    anything_shipped = any(line.quantity_shipped for line in order_lines.values())
    if nothing_open and not anything_shipped:
        value += order.shipping_fee
    elif nothing_open:
        from returns.services import shipping_refund_on_cancellation

        value += shipping_refund_on_cancellation(order, list(order_lines.values()))
    cancelled_event = record_event(
        order,
        "lines_cancelled",
        actor=actor,
        message=_("Cancelled: %(items)s. Reason: %(reason)s")
        % {
            "items": ", ".join(f"{item['quantity']} × {item['sku']}" for item in items),
            "reason": reason,
        },
        data={"lines": items, "reason": reason, "value": str(value)},
    )
    refunded = reduce_payments(order=order, amount=value, actor=actor)
    if nothing_open:
        if anything_shipped:
            change_status(order, "ship", actor=actor)
        else:
            change_status(order, "cancel", actor=actor)
    end_routing_wait(order=order)
    queue_message(
        order=order,
        type="cancelled",
        key=f"cancelled:{cancelled_event.pk}",
        context={
            "items": items,
            "reason": reason,
            "partial": not (nothing_open and not anything_shipped),
            "refund": str(refunded) if refunded else "",
        },
    )
    return order


def shipping_address_locked(order: Order) -> bool:
    """True once anything of the order has left a location (the fulfilment issue refines)."""
    if order.status in (Order.Status.SHIPPED, Order.Status.COMPLETED, Order.Status.CANCELLED):
        return True
    return order.lines.filter(quantity_shipped__gt=0).exists()


@transaction.atomic
def change_shipping_address(
    *, order: Order, address: dict, actor: Actor, reason: str = ""
) -> Order:
    """Send the order (what is not yet shipped) to another address.

    Locations already working on a delivery order of it are informed (timeline entry naming
    the location; the delivery order shows the new address).
    """
    from fulfillment.services.delivery import delivery_orders_inform_address_change
    from orders.services.intake import build_address

    order = lock_order(order.pk)
    if shipping_address_locked(order):
        raise DomainError(
            _("The order has been shipped; its address can no longer change."),
            code="already-shipped",
        )
    errors: list[dict] = []
    new_address = build_address(address, customer=order.customer, attr="", errors=errors)
    if errors:
        raise InvalidInput(errors)
    new_address.save()
    old = order.shipping_address
    order.shipping_address = new_address
    order.save(update_fields=["shipping_address", "updated_at"])
    reason = (reason or "").strip()
    message = _("Shipping address changed from %(old)s to %(new)s.") % {
        "old": old,
        "new": new_address,
    }
    if reason:
        message += " " + _("Reason: %(reason)s") % {"reason": reason}
    record_event(
        order,
        "shipping_address_changed",
        actor=actor,
        message=message,
        data={"from": old.pk, "to": new_address.pk, "reason": reason},
    )
    delivery_orders_inform_address_change(order=order)
    return order


def _due(order: Order, days: int, now: datetime) -> bool:
    return order.created_at <= now - timedelta(days=days)


@transaction.atomic
def remind_payment(*, order: Order, now: datetime | None = None) -> bool:
    """Send the prepayment reminder once, when it is due; True if sent now."""
    now = now or timezone.now()
    order = lock_order(order.pk)
    settings = settings_for(order)
    if (
        order.status != Order.Status.AWAITING_PAYMENT
        or order.payment_reminder_sent_at is not None
        or not _due(order, settings.prepayment_reminder_days, now)
    ):
        return False
    order.payment_reminder_sent_at = now
    order.save(update_fields=["payment_reminder_sent_at", "updated_at"])
    record_event(
        order,
        "payment_reminder_due",
        actor=Actor.system(),
        message=_("No payment after %(days)s days: reminder sent.")
        % {"days": settings.prepayment_reminder_days},
    )
    queue_message(order=order, type="payment_reminder", key=f"payment_reminder:{order.pk}")
    return True


@transaction.atomic
def cancel_unpaid_order(*, order: Order, now: datetime | None = None) -> bool:
    """Cancel a prepayment order whose payment did not arrive in time; True if cancelled now."""
    now = now or timezone.now()
    order = lock_order(order.pk)
    settings = settings_for(order)
    if order.status != Order.Status.AWAITING_PAYMENT or not _due(
        order, settings.prepayment_cancel_days, now
    ):
        return False
    cancel_order(
        order=order,
        lines=None,
        reason=_("payment not received within %(days)s days")
        % {"days": settings.prepayment_cancel_days},
        actor=Actor.system("prepayment deadline"),
    )
    return True


def unpaid_orders_due(*, reminder: bool, now: datetime | None = None) -> list[int]:
    """Ids of prepayment orders whose reminder (or cancellation) deadline has passed."""
    now = now or timezone.now()
    candidates = Order.objects.filter(status=Order.Status.AWAITING_PAYMENT)
    if reminder:
        candidates = candidates.filter(payment_reminder_sent_at__isnull=True)
    settings_by_shop = {s.shop_id: s for s in ShopOrderSettings.objects.all()}
    due = []
    for order_id, shop_id, created_at in candidates.values_list("pk", "shop_id", "created_at"):
        settings = settings_by_shop.get(shop_id, DEFAULT_SETTINGS)
        days = settings.prepayment_reminder_days if reminder else settings.prepayment_cancel_days
        if created_at <= now - timedelta(days=days):
            due.append(order_id)
    return due
