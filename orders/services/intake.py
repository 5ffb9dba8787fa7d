"""Order intake: validate a submitted order, reserve its stock, check risk, take payment."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Location, Product
from oms.errors import DomainError, InvalidInput
from oms.models import ApiClient, Country, Shop
from oms.prepared import Prepared
from oms.rows import columns, insert, select
from oms.validators import validate_postcode
from orders.models import (
    Address,
    Customer,
    Order,
    OrderDiscount,
    OrderLine,
    Payment,
    PaymentTransaction,
    RiskRule,
)
from orders.money import fits_currency, format_money, price_lines
from orders.payments import get_provider
from orders.services.events import Actor, deferred_events, record_event
from orders.services.lifecycle import on_order_released, record_status_change, settings_for
from orders.services.messages import queue_message
from orders.services.payments import record_transaction, waits_for_payment
from orders.services.risk import evaluate_risk
from orders.stock import reserve_lines

ZERO = Decimal("0")
PICKUP_METHODS = {Order.DeliveryMethod.CLICK_COLLECT, Order.DeliveryMethod.RESERVE}
ONLINE_METHODS = {Order.PaymentMethod.CARD, Order.PaymentMethod.PAYPAL}


def _error(attr: str, code: str, detail: str) -> dict:
    return {"attr": attr, "code": code, "detail": str(detail)}


def build_address(
    data: dict, *, customer: Customer | None, attr: str, errors: list[dict], countries=None
) -> Address:
    """An unsaved Address from submitted data; problems are appended to `errors`."""
    prefix = f"{attr}." if attr else ""
    code = (data.get("country") or "").upper()
    country = (countries or {}).get(code)
    if country is None:
        country = Country.objects.filter(code=code).first()
    if country is None:
        errors.append(_error(f"{prefix}country", "unknown_country", _("Unknown country.")))
    else:
        try:
            validate_postcode(code, data.get("postcode", ""))
        except ValidationError as exc:
            errors.append(_error(f"{prefix}postcode", "invalid_postcode", exc.messages[0]))
    return Address(
        customer=customer,
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        company=data.get("company", ""),
        street=data.get("street", ""),
        street2=data.get("street2", ""),
        postcode=(data.get("postcode") or "").strip(),
        city=data.get("city", ""),
        country=country,
        phone=data.get("phone", ""),
    )


def _find_customer(data: dict, language: str) -> tuple[Customer, bool]:
    """The one customer with this e-mail across all channels; created on first order."""
    email = data["email"].strip().lower()
    found = _customers_by_email(email)
    if found:
        customer, created = found[0], False
    else:
        try:
            with transaction.atomic():  # a savepoint: the e-mail may have been taken meanwhile
                customer = Customer.objects.create(
                    email=email,
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                    phone=data.get("phone", ""),
                    group=data.get("group") or "standard",
                    language=language,
                )
            created = True
        except IntegrityError:  # a concurrent order created the customer: it is theirs too
            customer, created = Customer.objects.get(email=email), False
    if not created:
        changed = [
            name
            for name in ("first_name", "last_name", "phone")
            if data.get(name) and not getattr(customer, name)
        ]
        for name in changed:
            setattr(customer, name, data[name])
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
    return customer, created


_CUSTOMER_BY_EMAIL = Prepared(
    "oms_customer_by_email",
    "text",
    f"SELECT {columns(Customer)} FROM {Customer._meta.db_table} WHERE email = $1",
)


def _customers_by_email(email: str) -> list[Customer]:
    """The customer with this (normalised) e-mail, if any (prepared on PostgreSQL)."""
    return select(Customer, _CUSTOMER_BY_EMAIL.statement(), [email])


def _check_pickup(shop: Shop, delivery: dict, errors: list[dict]) -> Location | None:
    method = delivery["method"]
    code = delivery.get("pickup_location")
    if method not in PICKUP_METHODS:
        if code:
            errors.append(
                _error(
                    "delivery.pickup_location",
                    "not_allowed",
                    _("A pickup location is only for click & collect and click & reserve."),
                )
            )
        return None
    if not code:
        errors.append(
            _error(
                "delivery.pickup_location",
                "required",
                _("Click & collect and click & reserve need a pickup store."),
            )
        )
        return None
    location = Location.objects.filter(code=code).first()
    if location is None:
        errors.append(_error("delivery.pickup_location", "unknown", _("Unknown location.")))
        return None
    allowed = shop.fulfilment_locations.all()
    if (
        location.type != Location.Type.STORE
        or not location.offers_pickup
        or not location.can_fulfil
        or (allowed.exists() and not allowed.filter(pk=location.pk).exists())
    ):
        errors.append(
            _error(
                "delivery.pickup_location",
                "no_pickup",
                _("%(code)s is not a store offering pickup for this shop.") % {"code": code},
            )
        )
    return location


def _validate_money(currency: str, data: dict, errors: list[dict]) -> None:
    def check(attr: str, amount: Decimal | None) -> None:
        if amount is not None and not fits_currency(amount, currency):
            errors.append(
                _error(
                    attr,
                    "too_many_decimals",
                    _("%(currency)s amounts have no more decimals than its minor unit.")
                    % {"currency": currency},
                )
            )

    for index, line in enumerate(data["lines"]):
        check(f"lines.{index}.unit_price", line["unit_price"])
        check(f"lines.{index}.discount", line.get("discount"))
    for index, discount in enumerate(data.get("discounts") or []):
        check(f"discounts.{index}.amount", discount["amount"])
    check("shipping_fee", data.get("shipping_fee"))
    if data.get("payment"):
        check("payment.amount", data["payment"].get("amount"))


def _client_shop(client: ApiClient | None, code: str, errors: list[dict]) -> Shop | None:
    if client is not None and client.shop_id is not None and client.shop.code == code:
        shop = client.shop  # read with the client for this request (authentication)
    else:
        shop = Shop.objects.select_related("country").filter(code=code).first()
    if shop is None or not shop.is_active:
        errors.append(_error("shop", "unknown_shop", _("Unknown or inactive shop.")))
        return None
    if client is not None and client.scope == ApiClient.Scope.SHOP and client.shop_id != shop.pk:
        raise PermissionDenied(_("This client may only submit orders for its own shop."))
    return shop


def submit_order(
    *, client: ApiClient | None, data: dict[str, Any], actor: Actor, savepoint: bool = True
) -> Order:
    """Accept an order from any channel: validate, reserve stock, check risk, take payment.

    Either the whole order is created with its stock reserved, or nothing is written:
    InvalidInput (400) for bad data, DomainError (409) for a duplicate external id, a
    shortage of stock or a declined payment.

    Inside a caller's transaction it works in a savepoint, so a refusal leaves the caller's
    transaction usable. A caller that rolls back everything on a refusal anyway (the API
    with its idempotency record) passes `savepoint=False` and saves two round trips.

    The order comes back with its lines, payment and events in memory as if prefetched, so
    answering with it reads nothing again.
    """
    with transaction.atomic(savepoint=savepoint), deferred_events() as events:
        order, lines, payment = _accept_order(client=client, data=data, actor=actor)
    _remember(order, lines=lines, payments=[payment], events=events)
    return order


def _remember(order: Order, **related: list) -> None:
    """Keep rows this transaction wrote for the order in its prefetch cache (a snapshot,
    exactly like prefetch_related's; the events sorted as the relation orders them)."""
    if "events" in related:
        positions = {id(event): index for index, event in enumerate(related["events"])}
        related["events"] = sorted(related["events"], key=lambda e: (e.at, positions[id(e)]))
    cache = order.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in related.items():
        queryset = getattr(order, name).all()
        queryset._result_cache = list(objects)
        queryset._prefetch_done = True
        cache[name] = queryset


def _accept_order(
    *, client: ApiClient | None, data: dict[str, Any], actor: Actor
) -> tuple[Order, list[OrderLine], Payment]:
    errors: list[dict] = []
    shop = _client_shop(client, data["shop"], errors)
    if shop is None:
        raise InvalidInput(errors)
    currency = data["currency"].upper()
    if currency != shop.currency:
        errors.append(
            _error(
                "currency",
                "currency_mismatch",
                _("The shop sells in %(currency)s.") % {"currency": shop.currency},
            )
        )
    _validate_money(currency, data, errors)

    skus = {line["sku"] for line in data["lines"]}
    products = _products(skus)
    for index, line in enumerate(data["lines"]):
        product = products.get(line["sku"])
        if product is None:
            errors.append(_error(f"lines.{index}.sku", "unknown_sku", _("Unknown SKU.")))
        elif not product.is_active:
            errors.append(_error(f"lines.{index}.sku", "inactive_sku", _("SKU is not sold.")))

    shipping_data = data.get("shipping_address") or data["billing_address"]
    country_codes = {
        (data["billing_address"].get("country") or "").upper(),
        (shipping_data.get("country") or "").upper(),
    }
    countries = {shop.country.code: shop.country}
    if country_codes - set(countries):
        countries = {c.code: c for c in Country.objects.filter(code__in=country_codes)}
    billing = build_address(
        data["billing_address"],
        customer=None,
        attr="billing_address",
        errors=errors,
        countries=countries,
    )
    shipping = build_address(
        shipping_data,
        customer=None,
        attr="shipping_address" if data.get("shipping_address") else "billing_address",
        errors=errors,
        countries=countries,
    )
    delivery = data["delivery"]
    pickup_location = _check_pickup(shop, delivery, errors)

    payment_data = data.get("payment")
    if payment_data is None and delivery["method"] != Order.DeliveryMethod.RESERVE:
        errors.append(_error("payment", "required", _("A payment is required.")))
    if errors:
        raise InvalidInput(errors)

    shipping_fee = data.get("shipping_fee") or ZERO
    order_discount = sum((d["amount"] for d in data.get("discounts") or []), ZERO)
    try:
        priced = price_lines(
            [
                (line["quantity"], line["unit_price"], line.get("discount") or ZERO)
                for line in data["lines"]
            ],
            order_discount,
            currency,
        )
    except ValueError:
        errors.extend(_discount_errors(data, currency))
        raise InvalidInput(errors) from None
    goods = sum((p.net_price for p in priced), ZERO)
    total = goods + shipping_fee
    if payment_data is not None and payment_data["amount"] != total:
        raise InvalidInput(
            [
                _error(
                    "payment.amount",
                    "amount_mismatch",
                    _("The payment amount must equal the order total %(total)s.")
                    % {"total": format_money(total, currency)},
                )
            ]
        )
    customer_data = data["customer"]
    language = customer_data.get("language") or shop.language
    customer, customer_created = _find_customer(customer_data, language)
    billing.customer = shipping.customer = customer
    if shipping_data is data["billing_address"]:
        shipping = billing
    insert([billing] if shipping is billing else [billing, shipping])

    quantities: dict[str, int] = {}
    for line in data["lines"]:
        quantities[line["sku"]] = quantities.get(line["sku"], 0) + line["quantity"]
    hits = evaluate_risk(
        shop=shop,
        quantities=quantities,
        order_value=total,
        is_new_customer=lambda: customer_created or not customer.orders.exists(),
        billing_country=billing.country.code,
        shipping_country=shipping.country.code,
    )
    hold = any(hit.rule.action == RiskRule.Action.HOLD for hit in hits)
    to_prepayment = (
        any(hit.rule.action == RiskRule.Action.PREPAYMENT for hit in hits)
        and payment_data is not None
        and payment_data["method"] != Order.PaymentMethod.PREPAYMENT
        and payment_data["status"] != Payment.Status.PAID
    )

    payment_method = payment_data["method"] if payment_data else Order.PaymentMethod.CASH
    order = Order(
        shop=shop,
        external_id=data["external_id"],
        customer=customer,
        email=customer.email,
        language=language,
        currency=currency,
        billing_address=billing,
        shipping_address=shipping,
        delivery_method=delivery["method"],
        delivery_service=delivery.get("service") or "",
        pickup_location=pickup_location,
        payment_method=Order.PaymentMethod.PREPAYMENT if to_prepayment else payment_method,
        subtotal=sum((p.quantity * p.unit_price for p in priced), ZERO),
        discount_total=order_discount,
        shipping_fee=shipping_fee,
        total=total,
        hold_reason="; ".join(f"{hit.rule.name}: {hit.detail}" for hit in hits if hold),
    )
    # The order is written once: numbered and in the status its first transition gives
    # (held, waiting for the money or released); the transition goes on the timeline last.
    order.pk = _next_order_id()
    order.number = f"{shop.country.code}{order.pk:08d}"
    payment = _submitted_payment(order, payment_data, to_prepayment=to_prepayment)
    transition = _first_transition(order, payment, hold=hold)
    getattr(order, transition)()
    try:
        # No savepoint: a duplicate ends the order's transaction (or savepoint) anyway.
        insert([order])
    except IntegrityError:
        raise _duplicate(data["external_id"]) from None
    order._update_initial_state()  # what a save() would note for the state machine

    lines = insert(
        [
            OrderLine(
                order=order,
                position=index + 1,
                product=products[line["sku"]],
                sku=line["sku"],
                name=products[line["sku"]].name,
                quantity=price.quantity,
                unit_price=price.unit_price,
                discount=price.discount,
                order_discount=price.order_discount,
                net_price=price.net_price,
                unit_amounts=[str(amount) for amount in price.unit_amounts],
            )
            for index, (line, price) in enumerate(zip(data["lines"], priced, strict=True))
        ]
    )
    if data.get("discounts"):
        insert(
            [
                OrderDiscount(order=order, code=d.get("code", ""), amount=d["amount"])
                for d in data["discounts"]
            ]
        )
    record_event(
        order,
        "order_created",
        actor=actor,
        message=_("Order %(external_id)s received from %(shop)s, total %(total)s %(currency)s.")
        % {
            "external_id": order.external_id,
            "shop": shop.code,
            "total": format_money(total, currency),
            "currency": currency,
        },
        data={"external_id": order.external_id, "total": format_money(total, currency)},
    )
    for hit in hits:
        record_event(
            order,
            "risk_rule_hit",
            actor=Actor.system("risk check"),
            message=_("Risk rule “%(rule)s”: %(detail)s → %(action)s")
            % {"rule": hit.rule.name, "detail": hit.detail, "action": hit.rule.action},
            data={"rule": hit.rule.name, "rule_id": hit.rule.pk, "action": hit.rule.action},
        )
    asks_provider = _asks_provider(payment, payment_data, to_prepayment=to_prepayment)
    if asks_provider:  # a shortage refuses the order before the provider is asked
        _reserve_stock(order, lines, actor=actor)
    _take_payment(
        order,
        payment,
        payment_data,
        to_prepayment=to_prepayment,
        asks_provider=asks_provider,
        actor=actor,
    )

    queue_message(order=order, type="confirmation", key=f"confirmation:{order.pk}", new=True)
    if to_prepayment:
        queue_message(
            order=order,
            type="payment_method_changed",
            key=f"payment_method_changed:{order.pk}",
            new=True,
        )
    new = Order.Status.NEW
    if transition == "hold":
        record_status_change(
            order,
            before=new,
            transition=transition,
            actor=Actor.system("risk check"),
            message=order.hold_reason,
        )
    elif transition == "await_payment":
        record_status_change(order, before=new, transition=transition, actor=actor)
        queue_message(
            order=order, type="payment_instructions", key=f"payment_instructions:{order.pk}"
        )
    else:
        record_status_change(order, before=new, transition=transition, actor=actor)
        on_order_released(order, actor=actor)
    if not asks_provider:
        _reserve_stock(order, lines, actor=actor)
    return order, lines, payment


def _asks_provider(payment: Payment, payment_data: dict | None, *, to_prepayment: bool) -> bool:
    """Whether `_take_payment` calls the payment provider: to authorise a pending card or
    PayPal payment, or to void an authorisation the risk check turned to prepayment."""
    if payment_data is None:
        return False
    if to_prepayment:
        return payment_data["status"] == Payment.Status.AUTHORIZED and bool(
            payment_data.get("reference")
        )
    return payment.method in ONLINE_METHODS and payment.status == Payment.Status.PENDING


def _reserve_stock(order: Order, lines: list[OrderLine], *, actor: Actor) -> None:
    """Reserve the order's units; the products stay locked from here to the commit.

    Intake reserves last, so only the events, the stored answer and the commit run under the
    lock — unless it must ask the payment provider: then it reserves first, so that a
    shortage refuses the order before anything happens at the provider (no authorisation to
    take back), and the provider's answer comes under the lock.
    """
    expires_at = None
    if order.delivery_method == Order.DeliveryMethod.RESERVE:
        hold_days = settings_for(order).click_reserve_hold_days
        expires_at = timezone.now() + timedelta(days=hold_days)
    # No savepoint of its own: a shortage ends this order's transaction (or savepoint).
    reserve_lines(
        order=order, lines=lines, actor=actor.label, expires_at=expires_at, savepoint=False
    )


_PRODUCTS_BY_SKU = Prepared(
    "oms_products_by_sku",
    "text[]",
    f"SELECT {columns(Product)} FROM {Product._meta.db_table} WHERE sku = ANY($1)",
)


def _products(skus: set[str]) -> dict[str, Product]:
    """The products of these SKUs by SKU (a prepared statement on PostgreSQL)."""
    if connection.vendor == "postgresql":
        found = select(Product, _PRODUCTS_BY_SKU.call(), [sorted(skus)])
    else:
        found = Product.objects.filter(sku__in=skus)
    return {product.sku: product for product in found}


def _next_order_id() -> int:
    """The id the next order gets (its number is made of it), taken before its INSERT."""
    table = Order._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, Order._meta.pk.column]
            )
        else:  # SQLite's AUTOINCREMENT counter; the IMMEDIATE transaction holds the write lock
            cursor.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM sqlite_sequence WHERE name = %s", [table]
            )
        return cursor.fetchone()[0]


def _submitted_payment(order: Order, payment_data: dict | None, *, to_prepayment: bool) -> Payment:
    """The payment as submitted (unsaved): pending when switched to prepayment; when none was
    submitted (click & reserve), the order's total, pending until it is paid in the store."""
    if payment_data is None:
        return Payment(
            order=order,
            method=order.payment_method,
            status=Payment.Status.PENDING,
            amount=order.total,
        )
    amount = payment_data["amount"]
    if to_prepayment:
        return Payment(
            order=order,
            method=Order.PaymentMethod.PREPAYMENT,
            status=Payment.Status.PENDING,
            amount=amount,
        )
    status = payment_data["status"]
    return Payment(
        order=order,
        method=payment_data["method"],
        status=status,
        amount=amount,
        amount_captured=amount if status == Payment.Status.PAID else ZERO,
        reference=payment_data.get("reference") or "",
    )


def _first_transition(order: Order, payment: Payment, *, hold: bool) -> str:
    """Hold for review, wait for the money (the payment as submitted says), or release."""
    if hold:
        return "hold"
    # A pending card or PayPal payment is authorised later (_take_payment); only a
    # prepayment order waits for its money, so that never changes the answer.
    _remember(order, payments=[payment])
    return "await_payment" if waits_for_payment(order) else "release"


def _take_payment(
    order: Order,
    payment: Payment,
    payment_data: dict | None,
    *,
    to_prepayment: bool,
    asks_provider: bool,
    actor: Actor,
) -> None:
    """Record the payment as submitted; authorise pending card/PayPal payments now."""
    if payment_data is None:
        insert([payment])
        return
    amount = payment.amount
    if to_prepayment:
        insert([payment])
        record_event(
            order,
            "payment_method_changed",
            actor=Actor.system("risk check"),
            message=_("Payment method changed from %(old)s to prepayment.")
            % {"old": payment_data["method"]},
            data={"from": payment_data["method"], "to": Order.PaymentMethod.PREPAYMENT},
        )
        reference = payment_data.get("reference") or ""
        if asks_provider:  # the shop's authorisation is not needed any more
            provider = get_provider()
            result = provider.void(amount=amount, currency=order.currency, reference=reference)
            record_transaction(
                payment,
                PaymentTransaction.Kind.VOID,
                amount,
                result,
                provider.name,
                reference=reference,
            )
        return
    if asks_provider:
        provider = get_provider()
        result = provider.authorise(
            amount=amount, currency=order.currency, reference=payment.reference
        )
        if not result.ok:
            raise DomainError(
                _("The payment was declined: %(message)s") % {"message": result.message},
                errors=[_error("payment.reference", "declined", result.message)],
                code="payment-declined",
            )
        payment.status, provider_name = Payment.Status.AUTHORIZED, provider.name
        payment.reference = payment.reference or result.reference
    else:
        provider_name = ""
    insert([payment])
    status, reference = payment.status, payment.reference
    if status != Payment.Status.PENDING:
        kind = (
            PaymentTransaction.Kind.PAYMENT
            if status == Payment.Status.PAID
            else PaymentTransaction.Kind.AUTHORIZE
        )
        insert(
            [
                PaymentTransaction(
                    payment=payment,
                    kind=kind,
                    amount=amount,
                    succeeded=True,
                    provider=provider_name,
                    reference=reference,
                )
            ]
        )
        record_event(
            order,
            "payment_received" if status == Payment.Status.PAID else "payment_authorized",
            actor=actor,
            message=_("%(method)s %(status)s: %(amount)s %(currency)s")
            % {
                "method": payment_data["method"],
                "status": status,
                "amount": format_money(amount, order.currency),
                "currency": order.currency,
            },
            data={
                "amount": format_money(amount, order.currency),
                "reference": reference,
                "payment": payment.pk,
            },
        )


def _duplicate(external_id: str) -> DomainError:
    return DomainError(
        _("An order with external id %(id)s exists already for this shop.") % {"id": external_id},
        errors=[_error("external_id", "duplicate", _("Already used in this shop."))],
        code="duplicate-external-id",
    )


def _discount_errors(data: dict, currency: str) -> list[dict]:
    errors = []
    remaining = ZERO
    for index, line in enumerate(data["lines"]):
        value = line["quantity"] * line["unit_price"]
        discount = line.get("discount") or ZERO
        if discount > value:
            errors.append(
                _error(
                    f"lines.{index}.discount",
                    "exceeds_value",
                    _("The discount exceeds the line value."),
                )
            )
        remaining += max(value - discount, ZERO)
    if not errors:
        errors.append(
            _error(
                "discounts",
                "exceeds_value",
                _("The order discounts exceed the value of the goods (%(value)s).")
                % {"value": remaining},
            )
        )
    return errors
