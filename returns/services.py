"""Every write on returns: announce, take in store, receive, inspect, close, refund, transfers."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fulfillment.models import ShipmentLine
from inventory import services as inventory_services
from inventory.models import Location, StockMovement
from oms.errors import DomainError, InvalidInput
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine, PaymentTransaction
from orders.money import format_money
from orders.payments import PaymentResult, get_provider
from orders.services.events import Actor, record_event
from orders.services.messages import queue_message
from orders.services.payments import reduce_payments
from returns.calculation import RefundBreakdown, ReturnedUnits, refund_breakdown
from returns.models import Refund, Return, ReturnFee, ReturnLine, ShopReturnSettings, Transfer
from returns.routing import address_point, goods_destination, parcel_destination

ZERO = Decimal("0")
RESELLABLE = ReturnLine.Condition.RESELLABLE
DEFECTIVE = ReturnLine.Condition.DEFECTIVE
ANNOUNCEMENT = "announcement"
PAYOUT = "payout"


@dataclass(frozen=True)
class ReturnItem:
    """Units of one order line the customer brings or sends back."""

    line_id: int
    quantity: int
    reason: str = ""
    condition: str = RESELLABLE


def return_settings(shop) -> ShopReturnSettings:
    return ShopReturnSettings.objects.filter(shop=shop).first() or ShopReturnSettings(shop=shop)


def days_by_shop(setting: str) -> Callable[[int], int]:
    """A shop's return setting in days by shop id (the default for shops without settings)."""
    days = dict(ShopReturnSettings.objects.values_list("shop_id", setting))
    default = ShopReturnSettings._meta.get_field(setting).default
    return lambda shop_id: days.get(shop_id, default)


def cancellable_returns() -> QuerySet[Return]:
    """Announced returns whose parcel may still be called off: none refunded at announcement."""
    return Return.objects.filter(status=Return.Status.ANNOUNCED).exclude(refunds__succeeded=True)


def _claiming(line: OrderLine):
    """The line's units in returns that are not cancelled."""
    return ReturnLine.objects.filter(order_line=line).exclude(
        return_order__status=Return.Status.CANCELLED
    )


def units_claimed(line: OrderLine) -> int:
    """Units of the line already announced or taken back in an earlier return."""
    return _claiming(line).aggregate(total=Sum("quantity"))["total"] or 0


def next_units(line: OrderLine, quantity: int) -> list[ReturnedUnits]:
    """The units a new return of `quantity` takes: the first ones no return claims.

    Returns take shipped units in order, so each unit's stored amount is refunded once; a
    cancelled return frees its units for the next one, which may then take them in runs."""
    taken = set()
    for first, count in _claiming(line).values_list("first_unit", "quantity"):
        taken.update(range(first, first + count))
    free = [unit for unit in range(line.quantity) if unit not in taken][:quantity]
    runs: list[ReturnedUnits] = []
    for unit in free:
        if runs and runs[-1].first_unit + runs[-1].quantity == unit:
            last = runs.pop()
            runs.append(ReturnedUnits(line.unit_amounts, last.first_unit, last.quantity + 1))
        else:
            runs.append(ReturnedUnits(line.unit_amounts, unit, 1))
    return runs


def shipping_refund_on_cancellation(order: Order, lines: list[OrderLine]) -> Decimal:
    """The shipping fee a cancellation gives back when it brings back the order's last units
    after everything shipped came back through returns (the shop refunds shipping on a full
    return). No return could complete the order then, so the fee would otherwise be lost."""
    nothing_open = all(line.quantity_open == 0 for line in lines)
    shipped = any(line.quantity_shipped for line in lines)
    all_shipped_returned = all(units_claimed(line) >= line.quantity_shipped for line in lines)
    if not (nothing_open and shipped and all_shipped_returned):
        return Decimal("0")
    if not return_settings(order.shop).refund_shipping_on_full_return:
        return Decimal("0")
    return order.shipping_fee


def shipped_on(line: OrderLine) -> datetime | None:
    """When the line's units last reached the customer (delivered, else shipped)."""
    latest = ShipmentLine.objects.filter(delivery_line__order_line=line).aggregate(
        delivered=Max("shipment__delivered_at"), shipped=Max("shipment__shipped_at")
    )
    return latest["delivered"] or latest["shipped"]


def return_fee(shop, reasons: list[str]) -> Decimal:
    """The highest fee configured for any of the reasons (else the shop's default fee)."""
    fees = {fee.reason.strip().lower(): fee.amount for fee in ReturnFee.objects.filter(shop=shop)}
    default = fees.get("", ZERO)
    return max((fees.get(reason.strip().lower(), default) for reason in reasons), default=ZERO)


def _refusal(attr: str, code: str, detail: str) -> dict:
    return {"attr": attr, "code": code, "detail": detail}


def _check_items(
    order: Order,
    lines: dict[int, OrderLine],
    items: list[ReturnItem],
    *,
    override_window: bool,
    now: datetime,
) -> None:
    """Refuse unknown lines (400) and, with a reason each, returns the order does not allow (409):
    a line never delivered, more units than were delivered, a return after the window."""
    unknown = []
    seen = set()
    for index, item in enumerate(items):
        if item.line_id not in lines:
            unknown.append(_refusal(f"lines.{index}.line", "unknown", _("No such line.")))
        elif item.line_id in seen:
            unknown.append(_refusal(f"lines.{index}.line", "duplicate", _("Line given twice.")))
        if item.condition not in ReturnLine.Condition.values:
            unknown.append(
                _refusal(f"lines.{index}.condition", "invalid_choice", _("Unknown condition."))
            )
        if item.quantity < 1:
            unknown.append(_refusal(f"lines.{index}.quantity", "min_value", _("At least 1.")))
        seen.add(item.line_id)
    if not items:
        unknown.append(_refusal("lines", "empty", _("Name at least one line.")))
    if unknown:
        raise InvalidInput(unknown)

    window = return_settings(order.shop).window_days
    refusals = []
    for index, item in enumerate(items):
        line = lines[item.line_id]
        if line.quantity_shipped == 0:
            refusals.append(
                _refusal(
                    f"lines.{index}.line",
                    "not_delivered",
                    _("Line %(line)s (%(sku)s) was never delivered.")
                    % {"line": line.pk, "sku": line.sku},
                )
            )
            continue
        returnable = line.quantity_shipped - units_claimed(line)
        if item.quantity > returnable:
            refusals.append(
                _refusal(
                    f"lines.{index}.quantity",
                    "more_than_delivered",
                    _(
                        "Only %(left)s unit(s) of line %(line)s (%(sku)s) were delivered and "
                        "not yet returned."
                    )
                    % {"left": returnable, "line": line.pk, "sku": line.sku},
                )
            )
        delivered = shipped_on(line)
        if (
            not override_window
            and delivered is not None
            and now > delivered + timedelta(days=window)
        ):
            refusals.append(
                _refusal(
                    f"lines.{index}.line",
                    "return_window_expired",
                    _("Line %(line)s was delivered on %(date)s; the %(days)s-day window is over.")
                    % {"line": line.pk, "date": delivered.date().isoformat(), "days": window},
                )
            )
    if refusals:
        raise DomainError(
            "; ".join(refusal["detail"] for refusal in refusals),
            errors=refusals,
            code=refusals[0]["code"].replace("_", "-"),
        )


def _lock_return(return_order: Return) -> tuple[Order, Return]:
    """Lock the order first (the orders domain's lock order), then the return."""
    order_id = return_order.order_id or Return.objects.values_list("order_id", flat=True).get(
        pk=return_order.pk
    )
    order = lock_order(order_id)
    locked = (
        Return.objects.select_for_update(of=("self",))
        .select_related("destination", "received_at_location")
        .get(pk=return_order.pk)
    )
    return order, locked


def _illegal(return_order: Return, action: str) -> DomainError:
    return DomainError(
        _("Return %(number)s is %(status)s and cannot be %(action)s.")
        % {"number": return_order.number, "status": return_order.status, "action": action},
        code="illegal-state",
    )


def _price(
    order: Order, lines: dict[int, OrderLine], items: list[ReturnItem], settings
) -> tuple[list[list[ReturnedUnits]], RefundBreakdown]:
    """The units each item takes (the next ones not yet returned) and what they refund."""
    claimed = {line_id: units_claimed(line) for line_id, line in lines.items()}
    units = [next_units(lines[item.line_id], item.quantity) for item in items]
    after = dict(claimed)
    for item in items:
        after[item.line_id] += item.quantity
    completes = all(
        line.quantity_cancelled + after[line.pk] == line.quantity for line in lines.values()
    )
    breakdown = refund_breakdown(
        units=[run for runs in units for run in runs],
        currency=order.currency,
        shipping_fee=order.shipping_fee,
        completes_order=completes,
        refund_shipping=settings.refund_shipping_on_full_return,
        fee=return_fee(order.shop, [item.reason for item in items]),
    )
    return units, breakdown


def return_quote(
    *, order: Order, items: list[ReturnItem], override_window: bool = False
) -> RefundBreakdown:
    """What a return would refund, checked like the real one; writes nothing."""
    lines = {line.pk: line for line in order.lines.all()}
    _check_items(order, lines, items, override_window=override_window, now=timezone.now())
    return _price(order, lines, items, return_settings(order.shop))[1]


@transaction.atomic
def return_announce(
    *,
    order: Order,
    channel: str,
    items: list[ReturnItem],
    actor: Actor,
    location: Location | None = None,
    override_window: bool = False,
    now: datetime | None = None,
) -> Return:
    """Authorise a return: check it, price it from the stored unit amounts, pick where the
    parcel goes; refund at once for trusted customers."""
    now = now or timezone.now()
    order = lock_order(order.pk)
    lines = {line.pk: line for line in lock_lines(order)}
    _check_items(order, lines, items, override_window=override_window, now=now)
    if channel == Return.Channel.STORE and (location is None or location.type != "store"):
        raise InvalidInput(
            [_refusal("location", "store_required", _("A store return names the store."))]
        )
    settings = return_settings(order.shop)
    units, breakdown = _price(order, lines, items, settings)

    if channel == Return.Channel.STORE:
        destination, refund_on = location, PAYOUT
    else:
        address = order.shipping_address
        point = address_point(address.country.code, address.postcode)
        destination = location or parcel_destination(
            lines=[(lines[item.line_id], item.condition) for item in items], point=point
        )
        if destination is None:
            raise DomainError(_("No location takes returns at the moment."), code="no-destination")
        trusted = order.customer.group in settings.trusted_group_list
        refund_on = ANNOUNCEMENT if trusted else settings.refund_timing

    return_order = Return.objects.create(
        number=f"{order.number}-R{order.returns.count() + 1}",
        order=order,
        channel=channel,
        destination=destination,
        goods_value=breakdown.goods,
        shipping_refund=breakdown.shipping,
        fee=breakdown.fee,
        refund_amount=breakdown.total,
        refund_on=refund_on,
        window_overridden=override_window,
        created_by=actor.label[:150],
        created_at=now,
    )
    for item, runs in zip(items, units, strict=True):
        for run in runs:  # one row per run of units (several only after a cancelled return)
            ReturnLine.objects.create(
                return_order=return_order,
                order_line=lines[item.line_id],
                quantity=run.quantity,
                first_unit=run.first_unit,
                amount=run.value,
                reason=item.reason[:200],
                condition=item.condition,
            )
    described = ", ".join(f"{item.quantity} × {lines[item.line_id].sku}" for item in items)
    record_event(
        order,
        "return_announced",
        actor=actor,
        message=_("Return %(number)s: %(items)s, refund %(amount)s %(currency)s; goes to %(to)s.")
        % {
            "number": return_order.number,
            "items": described,
            "amount": format_money(breakdown.total, order.currency),
            "currency": order.currency,
            "to": destination.code,
        },
        data={
            "return": return_order.pk,
            "number": return_order.number,
            "refund_amount": str(breakdown.total),
            "fee": str(breakdown.fee),
            "shipping": str(breakdown.shipping),
            "window_overridden": override_window,
        },
    )
    if refund_on == ANNOUNCEMENT:
        _issue_refund(order, return_order, method=Refund.Method.ORIGINAL, actor=actor)
    return return_order


@transaction.atomic
def return_take_in_store(
    *,
    order: Order,
    store: Location,
    items: list[ReturnItem],
    payout: str,
    actor: Actor,
    override_window: bool = False,
) -> Return:
    """Take goods back at a store counter and pay out on the spot (cash or original payment);
    the goods stay in the store or are sent on, and the return is closed at once."""
    if payout not in Refund.Method.values:
        raise InvalidInput([_refusal("payout", "invalid_choice", _("Cash or original payment."))])
    return_order = return_announce(
        order=order,
        channel=Return.Channel.STORE,
        items=items,
        actor=actor,
        location=store,
        override_window=override_window,
    )
    return_receive(return_order=return_order, location=store, actor=actor)
    return_inspect(return_order=return_order, actor=actor)
    order, return_order = _lock_return(return_order)
    _issue_refund(order, return_order, method=payout, actor=actor, location=store)
    return return_close(return_order=return_order, actor=actor)


@transaction.atomic
def return_receive(
    *, return_order: Return, actor: Actor, location: Location | None = None
) -> Return:
    """The parcel (or the goods at the counter) arrived: count the units as returned."""
    order, return_order = _lock_return(return_order)
    if return_order.status != Return.Status.ANNOUNCED:
        raise _illegal(return_order, pgettext("cannot be …", "received"))
    location = location or return_order.destination
    return_order.receive()
    return_order.received_at_location = location
    return_order.save()
    for return_line in return_order.lines.select_related("order_line").order_by("pk"):
        line = OrderLine.objects.select_for_update().get(pk=return_line.order_line_id)
        line.quantity_returned += return_line.quantity
        line.refresh_status()
        line.save(update_fields=["quantity_returned", "status"])
    record_event(
        order,
        "return_received",
        actor=actor,
        message=_("Return %(number)s received at %(location)s.")
        % {"number": return_order.number, "location": location.code},
        data={"return": return_order.pk, "location": location.code},
    )
    if return_order.refund_on == ShopReturnSettings.RefundTiming.RECEIPT:
        _issue_refund(order, return_order, method=Refund.Method.ORIGINAL, actor=actor)
    return return_order


@transaction.atomic
def return_inspect(
    *, return_order: Return, actor: Actor, conditions: dict[int, str] | None = None
) -> Return:
    """Record the condition of the goods and send them where they are useful: put back on the
    shelf here, or on a transfer to a warehouse, the returns centre or the supplier."""
    order, return_order = _lock_return(return_order)
    if return_order.status != Return.Status.RECEIVED:
        raise _illegal(return_order, pgettext("cannot be …", "inspected"))
    conditions = conditions or {}
    unknown = [
        condition
        for condition in conditions.values()
        if condition not in ReturnLine.Condition.values
    ]
    if unknown:
        raise InvalidInput([_refusal("conditions", "invalid_choice", _("Unknown condition."))])
    here = return_order.received_at_location
    return_order.inspect()
    return_order.save()
    routed = []
    for return_line in return_order.lines.select_related("order_line__product").order_by("pk"):
        return_line.condition = conditions.get(return_line.pk, return_line.condition)
        destination = goods_destination(
            order_line=return_line.order_line, condition=return_line.condition, at=here
        )
        return_line.destination = destination
        return_line.save(update_fields=["condition", "destination"])
        product = return_line.order_line.product
        if product.is_service:
            continue
        if destination == here:
            _put_away(here, product, return_line.quantity, return_line.condition, return_order)
        else:
            Transfer.objects.create(
                return_line=return_line,
                product=product,
                quantity=return_line.quantity,
                condition=return_line.condition,
                source=here,
                target=destination,
            )
        routed.append(
            f"{return_line.quantity} × {product.sku} ({return_line.get_condition_display()}) "
            f"→ {destination.code}"
        )
    record_event(
        order,
        "return_inspected",
        actor=actor,
        message=_("Return %(number)s inspected: %(routed)s.")
        % {"number": return_order.number, "routed": "; ".join(routed)},
        data={"return": return_order.pk},
    )
    if return_order.refund_on == ShopReturnSettings.RefundTiming.INSPECTION:
        _issue_refund(order, return_order, method=Refund.Method.ORIGINAL, actor=actor)
    return return_order


@transaction.atomic
def return_close(*, return_order: Return, actor: Actor) -> Return:
    """Finish an inspected return; a refund not yet paid is paid now."""
    order, return_order = _lock_return(return_order)
    if return_order.status != Return.Status.INSPECTED:
        raise _illegal(return_order, pgettext("cannot be …", "closed"))
    _issue_refund(order, return_order, method=Refund.Method.ORIGINAL, actor=actor)
    return_order.close()
    return_order.save()
    record_event(
        order,
        "return_closed",
        actor=actor,
        message=_("Return %(number)s closed.") % {"number": return_order.number},
        data={"return": return_order.pk},
    )
    return return_order


@transaction.atomic
def return_cancel(*, return_order: Return, reason: str, actor: Actor) -> Return:
    """The announced parcel will not come: its units may be returned again.

    Refused once it arrived, and when it was already refunded (a trusted customer's refund at
    announcement): that money is only settled by receiving the goods.
    """
    reason = reason.strip()[:200]
    if not reason:
        raise InvalidInput([_refusal("reason", "required", _("Say why it is cancelled."))])
    order, return_order = _lock_return(return_order)
    if return_order.status != Return.Status.ANNOUNCED:
        raise _illegal(return_order, pgettext("cannot be …", "cancelled"))
    if return_order.is_refunded:
        raise DomainError(
            _("Return %(number)s was refunded at announcement; receive the goods instead.")
            % {"number": return_order.number},
            code="return-refunded",
        )
    return_order.cancel()
    return_order.save()
    record_event(
        order,
        "return_cancelled",
        actor=actor,
        message=_("Return %(number)s cancelled: %(reason)s.")
        % {"number": return_order.number, "reason": reason},
        data={"return": return_order.pk, "reason": reason},
    )
    return return_order


def announced_returns_overdue(now: datetime | None = None) -> list[int]:
    """Mailed returns announced longer ago than their shop allows, not refunded (ids)."""
    now = now or timezone.now()
    valid_days = days_by_shop("announcement_valid_days")
    candidates = (
        cancellable_returns()
        .filter(channel=Return.Channel.MAIL)
        .values_list("pk", "created_at", "order__shop_id")
        .order_by("created_at", "pk")
    )
    return [
        pk
        for pk, created_at, shop_id in candidates
        if valid_days(shop_id) and created_at < now - timedelta(days=valid_days(shop_id))
    ]


def expire_announced_returns(now: datetime | None = None) -> int:
    """Cancel the overdue announced returns (safe to run twice: each is cancelled once)."""
    expired = 0
    for pk in announced_returns_overdue(now):
        try:
            return_cancel(
                return_order=Return(pk=pk),
                reason=_("the parcel did not arrive in time"),
                actor=Actor.system("return-expiry"),
            )
        except DomainError:  # received or refunded meanwhile
            continue
        expired += 1
    return expired


def _put_away(
    location: Location, product, quantity: int, condition: str, return_order: Return
) -> None:
    """Goods that arrived go on the location's stock: resellable ones always, defective ones
    only at a returns centre (which sells nothing); a supplier books its own."""
    if condition == RESELLABLE or location.type == Location.Type.RETURNS_CENTRE:
        inventory_services.restock(
            location=location,
            product=product,
            quantity=quantity,
            reference=f"return:{return_order.number}",
            reason=StockMovement.Reason.RETURN_RESTOCK,
            actor=f"return:{return_order.number}",
        )


@transaction.atomic
def transfer_arrive(*, transfer: Transfer, actor: Actor) -> Transfer:
    """Returned goods reached their target: only now do they count as its stock."""
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("target", "product", "return_line__return_order__order")
        .get(pk=transfer.pk)
    )
    if transfer.status != Transfer.Status.IN_TRANSIT:
        raise DomainError(
            _("Transfer %(id)s has already arrived.") % {"id": transfer.pk},
            code="illegal-state",
        )
    transfer.arrive()
    transfer.save()
    return_order = transfer.return_line.return_order if transfer.return_line else None
    if transfer.condition == RESELLABLE or transfer.target.type == Location.Type.RETURNS_CENTRE:
        inventory_services.restock(
            location=transfer.target,
            product=transfer.product,
            quantity=transfer.quantity,
            reference=f"transfer:{transfer.pk}",
            reason=StockMovement.Reason.TRANSFER,
            actor=actor.label,
        )
    if return_order is not None:
        record_event(
            return_order.order,
            "return_goods_arrived",
            actor=actor,
            message=_("%(quantity)s × %(sku)s from return %(number)s arrived at %(location)s.")
            % {
                "quantity": transfer.quantity,
                "sku": transfer.product.sku,
                "number": return_order.number,
                "location": transfer.target.code,
            },
            data={"transfer": transfer.pk, "return": return_order.pk},
        )
    return transfer


class CashDesk:
    """Pays refunds out in cash at a store counter; anything else goes to the real provider."""

    name = "cash-desk"

    def __init__(self, store: Location) -> None:
        self.store = store
        self.provider = get_provider()

    def refund(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        return PaymentResult(ok=True, reference=f"cash:{self.store.code}:{secrets.token_hex(4)}")

    def void(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        return self.provider.void(amount=amount, currency=currency, reference=reference)

    def authorise(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        return self.provider.authorise(amount=amount, currency=currency, reference=reference)

    def capture(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        return self.provider.capture(amount=amount, currency=currency, reference=reference)


def _issue_refund(
    order: Order,
    return_order: Return,
    *,
    method: str,
    actor: Actor,
    location: Location | None = None,
) -> Refund | None:
    """Give the return's refund back once (order and return locked by the caller).

    Lowers what the customer owes through the orders' payment service: money already taken
    goes back (through the provider, or in cash at the counter), an authorisation not yet
    captured is reduced. A declined refund rolls everything back with a 409.
    """
    existing = return_order.refunds.filter(succeeded=True).first()
    if existing is not None or return_order.refund_amount <= ZERO:
        return existing
    last = (
        PaymentTransaction.objects.filter(payment__order=order).aggregate(last=Max("pk"))["last"]
        or 0
    )
    provider = CashDesk(location) if method == Refund.Method.CASH and location else None
    paid_out = reduce_payments(
        order=order, amount=return_order.refund_amount, actor=actor, provider=provider
    )
    made = list(PaymentTransaction.objects.filter(payment__order=order, pk__gt=last))
    declined = [made_transaction for made_transaction in made if not made_transaction.succeeded]
    if declined:
        raise DomainError(
            _("The payment provider declined the refund: %(message)s")
            % {"message": declined[0].message or declined[0].reference},
            code="refund-declined",
        )
    refund = Refund.objects.create(
        return_order=return_order,
        order=order,
        method=method,
        amount=return_order.refund_amount,
        amount_paid_out=paid_out,
        location=location,
        actor=actor.label[:150],
    )
    refund.transactions.set(made)
    record_event(
        order,
        "refund_issued",
        actor=actor,
        message=_("Refund of %(amount)s %(currency)s for return %(number)s (%(method)s).")
        % {
            "amount": format_money(refund.amount, order.currency),
            "currency": order.currency,
            "number": return_order.number,
            "method": refund.get_method_display(),
        },
        data={
            "return": return_order.pk,
            "refund": refund.pk,
            "amount": str(refund.amount),
            "paid_out": str(paid_out),
            "method": method,
        },
    )
    queue_message(
        order=order,
        type="refund_issued",
        key=f"refund_issued:return:{return_order.pk}",
        context={
            "amount": str(refund.amount),
            "return_number": return_order.number,
            "method": method,
        },
    )
    return refund
