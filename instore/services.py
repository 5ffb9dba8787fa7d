"""Store work on delivery orders: pick, short-pick, pack, hand over, click & collect, expiry.

These compose the fulfilment, inventory and orders services; the business rules that decide
stock, routing, payment and messages stay there. Lock order everywhere: the order, then the
delivery order, then stock (as the fulfilment services do).
"""

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fulfillment.models import Carrier, DeliveryOrder, DeliveryOrderLine
from fulfillment.services import delivery as delivery_services
from fulfillment.services.carriers import get_carrier_gateway
from instore.models import Parcel, PickedQuantity, PickIssueReason, Pickup, StoreSettings
from inventory import services as inventory_services
from inventory.models import Location, Product, Reservation, StockLevel
from oms.errors import DomainError, InvalidInput
from oms.models import Shop
from orders.locks import lock_order
from orders.models import Order, OrderEvent, Payment
from orders.money import format_money
from orders.services import record_payment
from orders.services.events import Actor, record_event
from orders.services.messages import queue_message
from orders.services.payments import amount_due

ZERO = Decimal("0")
PICKUP_METHODS = (Order.DeliveryMethod.CLICK_COLLECT, Order.DeliveryMethod.RESERVE)
NOTICE_PAUSE = datetime.timedelta(minutes=1)


class StaleDeliveryOrder(DomainError):
    """The delivery order changed (a colleague, a reroute) since the screen was loaded."""

    code = "changed-meanwhile"


class WrongItem(DomainError):
    code = "wrong-item"


def store_actor(user) -> Actor:
    return Actor.for_user(user, channel=OrderEvent.Channel.STORE)


def store_settings(shop_id: int) -> StoreSettings:
    """The shop's store settings, or the defaults when none were configured."""
    return StoreSettings.objects.filter(shop_id=shop_id).first() or StoreSettings(shop_id=shop_id)


def _lock(delivery_order: DeliveryOrder, expected: str | None = None):
    """Lock order, then delivery order; refuse when the status moved since the screen showed it."""
    order = lock_order(delivery_order.order_id)
    locked = (
        DeliveryOrder.objects.select_for_update(of=("self",))
        .select_related("location", "carrier_service__carrier")
        .get(pk=delivery_order.pk)
    )
    if expected and locked.status != expected:
        raise StaleDeliveryOrder(
            _(
                "Delivery order %(id)s was changed meanwhile and is now “%(status)s”. "
                "Please check it before you go on."
            )
            % {"id": locked.pk, "status": locked.get_status_display()}
        )
    return order, locked


def _illegal(delivery_order: DeliveryOrder, action: str) -> DomainError:
    return StaleDeliveryOrder(
        _("Delivery order %(id)s is “%(status)s”: it cannot be %(action)s now.")
        % {"id": delivery_order.pk, "status": delivery_order.get_status_display(), "action": action}
    )


# Picking ------------------------------------------------------------------------------------


@dataclass
class PickLine:
    line: DeliveryOrderLine
    product: Product
    picked: int

    @property
    def to_pick(self) -> int:
        return self.line.quantity_open

    @property
    def done(self) -> bool:
        return self.picked >= self.to_pick


def pick_lines(delivery_order: DeliveryOrder) -> list[PickLine]:
    """The open lines of a delivery order with what has been picked, sorted by SKU."""
    lines = list(
        delivery_order.lines.select_related("order_line__product", "picked").order_by("sku")
    )
    result = []
    for line in lines:
        if line.quantity_open <= 0:
            continue
        picked = getattr(line, "picked", None)
        result.append(PickLine(line, line.order_line.product, picked.quantity if picked else 0))
    return result


def fully_picked(delivery_order: DeliveryOrder) -> bool:
    lines = pick_lines(delivery_order)
    return bool(lines) and all(line.done for line in lines)


def _start_picking(delivery_order: DeliveryOrder, actor: Actor) -> DeliveryOrder:
    return delivery_services.delivery_order_start_picking(
        delivery_order=delivery_order, actor=actor
    )


@transaction.atomic
def picking_start(
    *, delivery_order: DeliveryOrder, actor: Actor, expected: str | None = None
) -> DeliveryOrder:
    """Take a delivery order into picking (safe to repeat)."""
    _order, delivery_order = _lock(delivery_order, expected)
    if delivery_order.status == DeliveryOrder.Status.PICKING:
        return delivery_order
    if delivery_order.status not in DeliveryOrder.NOT_PICKED_STATES:
        raise _illegal(delivery_order, pgettext("cannot be …", "picked"))
    return _start_picking(delivery_order, actor)


def _add_picked(
    order: Order, delivery_order: DeliveryOrder, line: DeliveryOrderLine, units: int, actor: Actor
) -> int:
    picked, _created = PickedQuantity.objects.select_for_update().get_or_create(delivery_line=line)
    picked.quantity = min(picked.quantity + units, line.quantity_open)
    picked.updated_by = actor.label
    picked.save(update_fields=["quantity", "updated_at", "updated_by"])
    if picked.quantity >= line.quantity_open:
        record_event(
            order,
            "line_picked",
            actor=actor,
            message=_("Picked %(quantity)d × %(sku)s in %(store)s.")
            % {
                "quantity": line.quantity_open,
                "sku": line.sku,
                "store": delivery_order.location.name,
            },
            data={"delivery_order": delivery_order.pk, "line": line.order_line_id},
        )
    return picked.quantity


@dataclass(frozen=True)
class ScanResult:
    delivery_order: DeliveryOrder
    line: DeliveryOrderLine
    picked: int
    to_pick: int


def _pickable(delivery_order: DeliveryOrder) -> None:
    if delivery_order.status not in (
        *DeliveryOrder.NOT_PICKED_STATES,
        DeliveryOrder.Status.PICKING,
    ):
        raise _illegal(delivery_order, pgettext("cannot be …", "picked"))


@transaction.atomic
def pick_scan(*, delivery_order: DeliveryOrder, ean: str, actor: Actor) -> ScanResult:
    """Count one scanned unit; a product not on the pick list (or already complete) is refused."""
    ean = ean.strip()
    order, delivery_order = _lock(delivery_order)
    _pickable(delivery_order)
    for pick in pick_lines(delivery_order):
        if pick.product.ean and pick.product.ean == ean:
            if pick.done:
                raise WrongItem(
                    _("%(sku)s is complete already (%(quantity)d of %(quantity)d picked).")
                    % {"sku": pick.line.sku, "quantity": pick.to_pick}
                )
            if delivery_order.status != DeliveryOrder.Status.PICKING:
                delivery_order = _start_picking(delivery_order, actor)
            picked = _add_picked(order, delivery_order, pick.line, 1, actor)
            return ScanResult(delivery_order, pick.line, picked, pick.to_pick)
    product = Product.objects.filter(ean=ean).first() if ean else None
    if product is None:
        raise WrongItem(_("No product has the EAN %(ean)s. Scan again.") % {"ean": ean or "–"})
    raise WrongItem(
        _("Wrong item: %(name)s (%(sku)s) is not on this pick list. Put it back.")
        % {"name": product.name, "sku": product.sku}
    )


@transaction.atomic
def pick_scan_batch(*, delivery_orders: list[DeliveryOrder], ean: str, actor: Actor) -> ScanResult:
    """Count a scanned unit for the first delivery order of the batch that still needs it."""
    wrong: WrongItem | None = None
    for delivery_order in sorted(delivery_orders, key=lambda d: d.pk):
        try:
            return pick_scan(delivery_order=delivery_order, ean=ean, actor=actor)
        except WrongItem as error:  # try the next delivery order of the walk
            wrong = wrong or error
        except StaleDeliveryOrder:
            continue
    raise wrong or WrongItem(_("Nothing in this batch is left to pick."))


@transaction.atomic
def pick_confirm_by_hand(
    *, delivery_order: DeliveryOrder, line_id: int, actor: Actor
) -> ScanResult:
    """Count a line as picked without scanning, where the shop allows it."""
    order, delivery_order = _lock(delivery_order)
    _pickable(delivery_order)
    if not store_settings(order.shop_id).manual_confirm:
        raise DomainError(_("This shop requires every unit to be scanned."), code="scan-required")
    line = delivery_order.lines.filter(pk=line_id).first()
    if line is None or line.quantity_open <= 0:
        raise InvalidInput([{"attr": "line", "code": "unknown", "detail": _("No such line.")}])
    if delivery_order.status != DeliveryOrder.Status.PICKING:
        delivery_order = _start_picking(delivery_order, actor)
    picked = _add_picked(order, delivery_order, line, line.quantity_open, actor)
    return ScanResult(delivery_order, line, picked, line.quantity_open)


# Short pick / reject ------------------------------------------------------------------------


def _apply_stock_effect(
    store: Location, product: Product, quantity: int, reason: PickIssueReason, actor: Actor
) -> None:
    if reason.stock_effect == PickIssueReason.StockEffect.NONE or product.is_service:
        return
    level = StockLevel.objects.filter(location=store, product=product).first()
    on_hand = level.on_hand if level else 0
    target = 0 if reason.stock_effect == PickIssueReason.StockEffect.ZERO else on_hand - quantity
    inventory_services.correct_stock(
        location=store,
        product=product,
        on_hand=max(target, 0),
        reason=_("pick issue: %(reason)s") % {"reason": reason.name},
        actor=f"user:{actor.label}",
    )


@transaction.atomic
def pick_issue(
    *,
    delivery_order: DeliveryOrder,
    line_id: int,
    quantity: int,
    reason: PickIssueReason,
    actor: Actor,
    expected: str | None = None,
) -> DeliveryOrder:
    """Short-pick or reject units: apply the reason's stock effect, then reject them (→ reroute)."""
    order, delivery_order = _lock(delivery_order, expected)
    if delivery_order.status not in DeliveryOrder.OPEN_STATES:
        raise _illegal(delivery_order, pgettext("cannot be …", "rejected"))
    line = delivery_order.lines.select_related("order_line__product").filter(pk=line_id).first()
    if line is None or line.quantity_open <= 0:
        raise InvalidInput([{"attr": "line", "code": "unknown", "detail": _("No such line.")}])
    if not 1 <= quantity <= line.quantity_open:
        raise InvalidInput(
            [
                {
                    "attr": "quantity",
                    "code": "out_of_range",
                    "detail": _("Between 1 and %(open)d.") % {"open": line.quantity_open},
                }
            ]
        )
    _apply_stock_effect(delivery_order.location, line.order_line.product, quantity, reason, actor)
    record_event(
        order,
        "pick_issue",
        actor=actor,
        message=_("%(store)s cannot pick %(quantity)d × %(sku)s: %(reason)s.")
        % {
            "store": delivery_order.location.name,
            "quantity": quantity,
            "sku": line.sku,
            "reason": reason.name,
        },
        data={
            "delivery_order": delivery_order.pk,
            "line": line.order_line_id,
            "quantity": quantity,
            "reason": reason.code,
            "stock_effect": reason.stock_effect,
        },
    )
    delivery_services.delivery_order_reject(
        delivery_order=delivery_order,
        reason=reason.name,
        lines=[delivery_services.LineQuantity(line_id=line.order_line_id, quantity=quantity)],
        actor=actor,
    )
    line.refresh_from_db()
    picked = PickedQuantity.objects.filter(delivery_line=line).first()
    if picked and picked.quantity > line.quantity_open:
        picked.quantity = line.quantity_open
        picked.save(update_fields=["quantity", "updated_at"])
    delivery_order.refresh_from_db()
    return delivery_order


# Pack, label, hand over to the carrier ------------------------------------------------------


def carrier_for(delivery_order: DeliveryOrder) -> Carrier:
    """The carrier routing chose for the delivery order, else the first active one."""
    if delivery_order.carrier_service_id:
        return delivery_order.carrier_service.carrier
    carrier = Carrier.objects.filter(is_active=True).order_by("code").first()
    if carrier is None:
        raise DomainError(_("No carrier is set up."), code="no-carrier")
    return carrier


@transaction.atomic
def pack(
    *, delivery_order: DeliveryOrder, weights_grams: list[int], actor: Actor, expected: str | None
) -> list[Parcel]:
    """Record the parcels with their weights and book them with the carrier (tracking numbers)."""
    order, delivery_order = _lock(delivery_order, expected)
    if delivery_order.status == DeliveryOrder.Status.PACKED:
        return list(delivery_order.parcels.all())
    if delivery_order.status != DeliveryOrder.Status.PICKING:
        raise _illegal(delivery_order, pgettext("cannot be …", "packed"))
    if order.delivery_method != Order.DeliveryMethod.SHIP:
        raise DomainError(_("A pickup order is not packed for a carrier."), code="pickup-order")
    if not fully_picked(delivery_order):
        raise DomainError(
            _("Pick every item first (or report what is missing)."), code="not-picked"
        )
    errors = [
        {"attr": f"parcels.{index}.weight", "code": "min_value", "detail": _("At least 1 g.")}
        for index, weight in enumerate(weights_grams)
        if weight < 1
    ]
    if not weights_grams:
        errors.append({"attr": "parcels", "code": "required", "detail": _("At least one parcel.")})
    if errors:
        raise InvalidInput(errors)
    carrier = carrier_for(delivery_order)
    gateway = get_carrier_gateway()
    parcels = []
    for number, weight in enumerate(weights_grams, start=1):
        booking = gateway.book_parcel(
            carrier=carrier, weight_grams=weight, reference=f"DO-{delivery_order.pk}-{number}"
        )
        parcels.append(
            Parcel.objects.create(
                delivery_order=delivery_order,
                number=number,
                weight_grams=weight,
                carrier=carrier,
                tracking_number=booking.tracking_number,
            )
        )
    delivery_services.delivery_order_pack(
        delivery_order=delivery_order,
        actor=actor,
        message=_(
            "Packed in %(store)s: %(count)d parcel(s), %(weight)s kg, %(carrier)s %(numbers)s."
        )
        % {
            "store": delivery_order.location.name,
            "count": len(parcels),
            "weight": Decimal(sum(weights_grams)) / 1000,
            "carrier": carrier.name,
            "numbers": ", ".join(parcel.tracking_number for parcel in parcels),
        },
        data={"parcels": [p.pk for p in parcels]},
    )
    return parcels


@transaction.atomic
def hand_to_carrier(
    *, delivery_order: DeliveryOrder, actor: Actor, expected: str | None
) -> DeliveryOrder:
    """The carrier took the parcels: ship the delivery order (stock, payment, customer notice)."""
    _order, delivery_order = _lock(delivery_order, expected)
    if delivery_order.status in (DeliveryOrder.Status.SHIPPED, DeliveryOrder.Status.DELIVERED):
        return delivery_order
    if delivery_order.status != DeliveryOrder.Status.PACKED:
        raise _illegal(delivery_order, pgettext("cannot be …", "handed to the carrier"))
    parcels = list(delivery_order.parcels.select_related("carrier").order_by("number"))
    shipments = delivery_services.delivery_order_ship_parcels(
        delivery_order=delivery_order,
        parcels=[(parcel.carrier, parcel.tracking_number) for parcel in parcels],
        actor=actor,
    )
    for parcel, shipment in zip(parcels, shipments, strict=True):
        parcel.shipment = shipment
    Parcel.objects.bulk_update(parcels, ["shipment"])
    delivery_order.refresh_from_db()
    return delivery_order


# Click & collect, click & reserve -----------------------------------------------------------


def _pickup_deadline(order: Order, now: datetime.datetime) -> datetime.datetime:
    if order.delivery_method == Order.DeliveryMethod.RESERVE:
        held = (
            Reservation.objects.filter(order_line__order=order, expires_at__isnull=False)
            .order_by("expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
        if held:
            return held
    return now + datetime.timedelta(days=store_settings(order.shop_id).pickup_days)


def _queue_pickup_notice(order: Order, pickup: Pickup) -> None:
    pickup.notices_sent += 1
    pickup.save(update_fields=["notices_sent"])
    queue_message(
        order=order,
        type="ready_for_pickup",
        key=f"ready_for_pickup:{pickup.pk}:{pickup.notices_sent}",
        context={
            "pickup_code": pickup.code,
            "collect_by": timezone.localtime(pickup.expires_at).strftime("%d.%m.%Y"),
        },
    )


@transaction.atomic
def mark_ready_for_pickup(
    *, delivery_order: DeliveryOrder, actor: Actor, expected: str | None = None
) -> Pickup:
    """The goods wait at the counter: issue the pickup code and tell the customer."""
    order, delivery_order = _lock(delivery_order, expected)
    if delivery_order.status == DeliveryOrder.Status.READY_FOR_PICKUP:
        return delivery_order.pickup
    if order.delivery_method not in PICKUP_METHODS:
        raise DomainError(_("This order is delivered to the customer's home."), code="not-pickup")
    if delivery_order.status not in (DeliveryOrder.Status.PICKING, DeliveryOrder.Status.PACKED):
        raise _illegal(delivery_order, pgettext("cannot be …", "made ready for pickup"))
    if not fully_picked(delivery_order):
        raise DomainError(
            _("Pick every item first (or report what is missing)."), code="not-picked"
        )
    now = timezone.now()
    collect_by = _pickup_deadline(order, now)
    delivery_order = delivery_services.delivery_order_ready_for_pickup(
        delivery_order=delivery_order, collect_by=collect_by, actor=actor
    )
    pickup = Pickup.objects.create(
        delivery_order=delivery_order, ready_at=now, expires_at=collect_by
    )
    _queue_pickup_notice(order, pickup)
    return pickup


@transaction.atomic
def resend_pickup_notice(*, delivery_order: DeliveryOrder, actor: Actor) -> Pickup:
    """Send the ready-for-pickup notice with the code again (not twice within a minute)."""
    order, delivery_order = _lock(delivery_order)
    if delivery_order.status != DeliveryOrder.Status.READY_FOR_PICKUP:
        raise _illegal(delivery_order, pgettext("cannot be …", "notified again"))
    pickup = Pickup.objects.select_for_update().get(delivery_order=delivery_order)
    last = order.messages.filter(type="ready_for_pickup").order_by("-created_at").first()
    if last and last.created_at > timezone.now() - NOTICE_PAUSE:
        return pickup
    _queue_pickup_notice(order, pickup)
    record_event(
        order,
        "pickup_notice_resent",
        actor=actor,
        message=_("Pickup notice sent again to %(email)s.") % {"email": order.email},
        data={"delivery_order": delivery_order.pk},
    )
    return pickup


def verification_problem(
    settings: StoreSettings, pickup: Pickup, *, code: str, id_checked: bool
) -> str | None:
    """Why the handover check fails (None: the customer is verified)."""
    code_ok = bool(code) and code.strip().upper() == pickup.code
    if settings.verification == StoreSettings.Verification.CODE:
        return None if code_ok else _("The pickup code does not match.")
    if settings.verification == StoreSettings.Verification.ID:
        return None if id_checked else _("Check the customer's ID and tick the box.")
    if code_ok or id_checked:
        return None
    if code:
        return _("The pickup code does not match. Check the customer's ID instead.")
    return _("Enter the pickup code or check the customer's ID.")


@transaction.atomic
def hand_over_to_customer(
    *,
    delivery_order: DeliveryOrder,
    code: str,
    id_checked: bool,
    actor: Actor,
    paid_in_store: str = "",
    expected: str | None = None,
) -> DeliveryOrder:
    """The customer collects: verify, take the goods out of stock, take the payment, close."""
    order, delivery_order = _lock(delivery_order, expected)
    if delivery_order.status == DeliveryOrder.Status.COLLECTED:
        return delivery_order
    if delivery_order.status != DeliveryOrder.Status.READY_FOR_PICKUP:
        raise _illegal(delivery_order, pgettext("cannot be …", "handed over"))
    pickup = Pickup.objects.select_for_update().get(delivery_order=delivery_order)
    problem = verification_problem(
        store_settings(order.shop_id), pickup, code=code, id_checked=id_checked
    )
    if problem:
        raise InvalidInput([{"attr": "code", "code": "not_verified", "detail": problem}])
    if pickup.expires_at <= timezone.now():
        raise DomainError(
            _("The pickup deadline has passed; the order is being cancelled."), code="expired"
        )
    verified_by = "code" if code.strip().upper() == pickup.code else "id"
    delivery_order = delivery_services.delivery_order_collect(
        delivery_order=delivery_order,
        reference=f"pickup:{pickup.code}",
        verified_by=_("pickup code") if verified_by == "code" else _("ID check"),
        actor=actor,
    )
    pickup.collected_at = timezone.now()
    pickup.verified_by = verified_by
    pickup.save(update_fields=["collected_at", "verified_by"])
    _take_counter_payment(order, paid_in_store, actor)
    return delivery_order


def counter_amount(order: Order) -> Decimal:
    """What the customer pays at the counter: what is still due (a reserved item's price
    included), exactly what `record_payment` takes."""
    return amount_due(order)


def _take_counter_payment(order: Order, method: str, actor: Actor) -> None:
    due = counter_amount(order)
    if due <= ZERO:
        return
    if method not in ("cash", "card"):
        raise InvalidInput(
            [
                {
                    "attr": "paid_in_store",
                    "code": "required",
                    "detail": _("Take %(amount)s %(currency)s and say how the customer paid.")
                    % {"amount": format_money(due, order.currency), "currency": order.currency},
                }
            ]
        )
    record_payment(
        order=order,
        amount=due,
        reference=f"store-{method}-{order.number}",
        status=Payment.Status.PAID,
        actor=actor,
    )


# Expiry of pickups and reservations not collected ------------------------------------------


def expired_pickups(now: datetime.datetime | None = None) -> list[int]:
    """Delivery orders whose customer did not come in time (ready ones and reservations)."""
    now = now or timezone.now()
    ready = DeliveryOrder.objects.filter(
        status=DeliveryOrder.Status.READY_FOR_PICKUP, pickup__expires_at__lte=now
    ).values_list("pk", flat=True)
    reserved = (
        DeliveryOrder.objects.filter(
            status__in=DeliveryOrder.OPEN_STATES,
            order__delivery_method=Order.DeliveryMethod.RESERVE,
            order__lines__reservations__expires_at__lte=now,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    return sorted(set(ready) | set(reserved))


@transaction.atomic
def expire_pickup(*, delivery_order: DeliveryOrder, now: datetime.datetime | None = None) -> bool:
    """Cancel what the customer did not collect in time: stock back, money back, customer told."""
    now = now or timezone.now()
    order, delivery_order = _lock(delivery_order)
    if delivery_order.status == DeliveryOrder.Status.READY_FOR_PICKUP:
        due = delivery_order.pickup.expires_at <= now
    else:
        due = (
            delivery_order.status in DeliveryOrder.OPEN_STATES
            and order.delivery_method == Order.DeliveryMethod.RESERVE
            and _pickup_deadline(order, now) <= now
        )
    if not due:
        return False
    return delivery_services.delivery_order_expire_pickup(
        delivery_order=delivery_order, actor=Actor.system("pickup deadline")
    )


# Endless aisle ------------------------------------------------------------------------------


def store_shop(store: Location) -> Shop:
    """The store channel's shop in the store's country (e.g. de-store)."""
    shop = (
        Shop.objects.filter(channel=Shop.Channel.STORE, country=store.country, is_active=True)
        .order_by("code")
        .first()
    )
    if shop is None:
        raise DomainError(_("No store shop is set up for this country."), code="no-store-shop")
    return shop


def new_aisle_reference() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True)
class AisleOrder:
    reference: str  # the form's one-time token: a resubmitted form finds its order
    email: str
    first_name: str
    last_name: str
    phone: str
    sku: str
    quantity: int
    unit_price: Decimal
    delivery: str  # "ship" or "click_collect" (here)
    payment: str  # "cash", "card" (in store) or "prepayment"
    street: str = ""
    postcode: str = ""
    city: str = ""


def aisle_order_for(store: Location, reference: str) -> Order | None:
    return Order.objects.filter(
        shop=store_shop(store), external_id=f"{store.code}-{reference}"
    ).first()


def create_aisle_order(*, store: Location, data: AisleOrder, actor: Actor) -> Order:
    """Order for the customer in front of us what this store does not have (channel store)."""
    from orders.services import submit_order

    existing = aisle_order_for(store, data.reference)
    if existing is not None:
        return existing
    shop = store_shop(store)
    here = {
        "street": store.street,
        "postcode": store.postcode,
        "city": store.city,
        "country": store.country_id_code,
    }
    names = {"first_name": data.first_name, "last_name": data.last_name, "phone": data.phone}
    if data.delivery == Order.DeliveryMethod.SHIP:
        address = {
            **names,
            "street": data.street,
            "postcode": data.postcode,
            "city": data.city,
            "country": store.country_id_code,
        }
    else:
        address = {**names, **here}
    total = (data.unit_price * data.quantity).quantize(Decimal("0.01"))
    if data.payment == "card":
        payment = {"method": "card", "status": "paid", "reference": f"till-{data.reference}"}
    elif data.payment == "cash" and data.delivery == Order.DeliveryMethod.SHIP:
        payment = {"method": "cash", "status": "paid", "reference": f"till-{data.reference}"}
    elif data.payment == "cash":
        payment = {"method": "cash", "status": "pending", "reference": ""}
    else:
        payment = {"method": "prepayment", "status": "pending", "reference": ""}
    body = {
        "shop": shop.code,
        "external_id": f"{store.code}-{data.reference}",
        "currency": shop.currency,
        "customer": {"email": data.email, **names, "language": shop.language},
        "billing_address": address,
        "shipping_address": address,
        "delivery": {
            "method": data.delivery,
            "service": "standard",
            "pickup_location": store.code if data.delivery != Order.DeliveryMethod.SHIP else None,
        },
        "payment": {**payment, "amount": total},
        "lines": [{"sku": data.sku, "quantity": data.quantity, "unit_price": data.unit_price}],
        "discounts": [],
        "shipping_fee": ZERO,
    }
    with transaction.atomic():
        order = submit_order(client=None, data=body, actor=actor)
        record_event(
            order,
            "endless_aisle",
            actor=actor,
            message=_("Ordered in %(store)s for the customer (endless aisle).")
            % {"store": store.name},
            data={"store": store.code},
        )
    return order
