"""Reads for the care console: order search, the order's whole story, the customer's orders.

Search is built for a large table. Every field is matched with `UPPER(column) LIKE '%term%'`
(what `icontains` compiles to), which PostgreSQL answers from the trigram GIN indexes of
migration customercare.0001. The planner trap: `WHERE <trigram match> ORDER BY created_at
DESC LIMIT 50` tempts PostgreSQL to walk the created_at index backwards and test every row,
which takes seconds when the match is rare. So the matching ids are fetched first, per field
and each from its own index, and only those few rows are sorted. When a term matches very
many rows (say "gmail"), walking created_at is the fast plan, and the search takes it.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from orders.models import Address, Customer, CustomerMessage, Order, OrderEvent, OrderLine
from returns.selectors import slip_url

SEARCH_FIELDS = {
    "any": _("Any field"),
    "number": _("Order number"),
    "external_id": _("External id"),
    "email": _("E-mail"),
    "name": _("Name"),
    "phone": _("Phone"),
    "postcode": _("Postcode"),
}
# Trigram indexes need three characters; shorter terms match whole values only.
MIN_PARTIAL = 3
# More matching ids than this per field: the match is dense, walking created_at is faster.
DENSE = 2000
PAGE = 50


@dataclass
class OrderQuery:
    """What the agent typed and picked; it round-trips through the URL."""

    q: str = ""
    field_name: str = "any"
    shop: str = ""
    status: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params) -> "OrderQuery":
        query = cls(
            q=(params.get("q") or "").strip()[:200],
            field_name=params.get("field") or "any",
            shop=params.get("shop") or "",
            status=params.get("status") or "",
        )
        if query.field_name not in SEARCH_FIELDS:
            query.errors["field"] = str(_("Unknown field."))
            query.field_name = "any"
        if query.status and query.status not in Order.Status.values:
            query.errors["status"] = str(_("Unknown status."))
            query.status = ""
        for name in ("date_from", "date_to"):
            raw = params.get(name) or ""
            if raw:
                try:
                    setattr(query, name, datetime.date.fromisoformat(raw))
                except ValueError:
                    query.errors[name] = str(_("Use the format YYYY-MM-DD."))
        return query

    @property
    def is_empty(self) -> bool:
        return not (self.q or self.shop or self.status or self.date_from or self.date_to)


def _text(column: str, term: str) -> Q:
    """Partial match from three characters on, else the whole value (any case)."""
    if len(term) >= MIN_PARTIAL:
        return Q(**{f"{column}__icontains": term})
    return Q(**{f"{column}__iexact": term})


def _name(term: str) -> Q:
    """Every word in the first or the last name."""
    condition = Q()
    for word in term.split():
        condition &= _text("first_name", word) | _text("last_name", word)
    return condition


def _field_conditions(name: str, term: str) -> list[tuple[QuerySet, str]]:
    """(query of the matching rows, the order column they join on) for one field."""
    if name in ("number", "external_id", "email"):
        return [(Order.objects.filter(_text(name, term)).order_by(), "pk")]
    if name == "name":
        return [(Customer.objects.filter(_name(term)).order_by(), "customer_id")]
    if name == "phone":
        return [
            (Customer.objects.filter(_text("phone", term)).order_by(), "customer_id"),
            (Address.objects.filter(_text("phone", term)), "shipping_address_id"),
            (Address.objects.filter(_text("phone", term)), "billing_address_id"),
        ]
    if name == "postcode":
        postcode = (
            Q(postcode__istartswith=term)
            if len(term) < MIN_PARTIAL
            else Q(postcode__icontains=term)
        )
        addresses = Address.objects.filter(postcode)
        return [(addresses, "shipping_address_id"), (addresses, "billing_address_id")]
    return []


def _plausible_fields(term: str) -> list[str]:
    """The fields "any field" searches: only those the term could be part of (fewer scans)."""
    if "@" in term:
        return ["email"]
    has_digit = any(char.isdigit() for char in term)
    names = ["number", "external_id", "email"]
    if any(char.isalpha() for char in term):
        names.append("name")
    if has_digit and all(char.isdigit() or char in "+-/() " for char in term):
        names.append("phone")
    if has_digit and len(term) <= 10 and term.replace(" ", "").isalnum():
        names.append("postcode")
    return names


def _filtered(orders: QuerySet[Order], query: OrderQuery) -> QuerySet[Order]:
    if query.shop:
        orders = orders.filter(shop__code=query.shop)
    if query.status:
        orders = orders.filter(status=query.status)
    if query.date_from:
        orders = orders.filter(created_at__date__gte=query.date_from)
    if query.date_to:
        orders = orders.filter(created_at__date__lte=query.date_to)
    return orders


def search_orders(query: OrderQuery, *, limit: int = PAGE) -> list[Order]:
    """Newest orders first that match the term in the chosen field(s) and the filters."""
    orders = Order.objects.select_related("shop", "customer")
    ordering = ("-created_at", "-pk")
    if not query.q:
        return list(_filtered(orders, query).order_by(*ordering)[:limit])
    names = _plausible_fields(query.q) if query.field_name == "any" else [query.field_name]
    ids: set[int] = set()
    conditions = Q()
    is_dense = False
    for name in names:
        for rows, column in _field_conditions(name, query.q):
            conditions |= Q(**{f"{column}__in": rows.values("pk")})
            if is_dense:
                continue
            found = list(rows.values_list("pk", flat=True)[: DENSE + 1])
            if column != "pk" and len(found) <= DENSE:
                found = list(
                    Order.objects.filter(**{f"{column}__in": found})
                    .order_by()
                    .values_list("pk", flat=True)[: DENSE + 1]
                )
            if len(found) > DENSE:
                is_dense = True
            else:
                ids.update(found)
    # Dense: PostgreSQL walks created_at and stops after `limit` hits, which come quickly.
    matching = orders.filter(conditions) if is_dense else orders.filter(pk__in=ids)
    return list(_filtered(matching, query).order_by(*ordering)[:limit])


# The order page --------------------------------------------------------------------------

TIMELINE_KINDS = {
    "status": _("State changes"),
    "payment": _("Payments"),
    "message": _("Messages"),
    "note": _("Notes"),
    "fulfilment": _("Fulfilment"),
    "care": _("Care actions"),
}


def event_kind(event_type: str) -> str:
    """The timeline filter an event type belongs to."""
    if event_type == "note":
        return "note"
    if event_type.startswith("message") or event_type.endswith("_message"):
        return "message"
    if event_type.startswith(("payment", "goodwill", "voucher", "refund")):
        return "payment"
    if event_type in ("status_changed", "order_created", "released_for_fulfilment") or (
        event_type.startswith(("review_", "risk_"))
    ):
        return "status"
    if event_type.startswith(("routed", "routing", "delivery", "shipment", "shipped")):
        return "fulfilment"
    return "care"


def timeline(order: Order, *, kinds: list[str] | None = None, channel: str = "") -> list:
    """The order's events, newest first, optionally only some kinds or one channel."""
    events = OrderEvent.objects.filter(order=order).order_by("-at", "-pk")
    if channel:
        events = events.filter(channel=channel)
    wanted = set(kinds or [])
    result = []
    for event in events:
        event.kind = event_kind(event.type)
        if wanted and event.kind not in wanted:
            continue
        result.append(event)
    return result


def order_story(number: str) -> Order | None:
    """The order with everything the care page shows, in a handful of queries."""
    from fulfillment.models import DeliveryOrder, DeliveryOrderLine, Shipment

    order = (
        Order.objects.select_related(
            "shop",
            "customer",
            "pickup_location",
            "billing_address__country",
            "shipping_address__country",
        )
        .prefetch_related(
            Prefetch(
                "lines", queryset=OrderLine.objects.select_related("product").order_by("position")
            ),
            "discounts",
            "payments__transactions",
            Prefetch(
                "delivery_orders",
                queryset=DeliveryOrder.objects.select_related(
                    "location", "carrier_service__carrier"
                )
                .prefetch_related(
                    Prefetch("lines", queryset=DeliveryOrderLine.objects.order_by("pk")),
                    Prefetch(
                        "shipments",
                        queryset=Shipment.objects.select_related("carrier").order_by("shipped_at"),
                    ),
                )
                .order_by("pk"),
            ),
            "routing_decisions__strategy",
            Prefetch("messages", queryset=CustomerMessage.objects.order_by("-created_at", "-pk")),
        )
        .filter(number=number)
        .first()
    )
    return order


def returns_of(order: Order) -> list:
    """The order's returns, each with the link to its printable slip."""
    returns = list(order.returns.order_by("created_at", "pk"))
    for return_order in returns:
        return_order.slip_url = slip_url(return_order)
    return returns


def review_queue() -> QuerySet[Order]:
    """Orders held by risk rules, the longest waiting first."""
    return (
        Order.objects.filter(status=Order.Status.ON_HOLD)
        .select_related("shop", "customer")
        .order_by("created_at", "pk")
    )


def customer_orders(customer: Customer) -> QuerySet[Order]:
    """Every order of the customer from every channel, newest first."""
    return customer.orders.select_related("shop").order_by("-created_at", "-pk")


def customer_messages(customer: Customer) -> QuerySet[CustomerMessage]:
    return (
        CustomerMessage.objects.filter(order__customer=customer)
        .select_related("order")
        .order_by("-created_at", "-pk")
    )


def variants_with_availability(line: OrderLine, order: Order) -> list[dict]:
    """The other sizes and colours of the line's style, with what the shop can sell now."""
    from inventory.selectors import availability
    from orders.services.care import exchange_variants

    variants = list(exchange_variants(line))
    if not variants:
        return []
    answers = availability(
        shop=order.shop,
        skus=[variant.sku for variant in variants],
        country=order.shipping_address.country.code,
        postcode=order.shipping_address.postcode,
    )
    by_sku = {answer["sku"]: answer for answer in answers}
    return [
        {"product": variant, "available": by_sku.get(variant.sku, {}).get("available", 0)}
        for variant in variants
    ]
