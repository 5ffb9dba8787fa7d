"""Store screens: work queue, pick lists, packing, labels, click & collect, endless aisle.

Views are thin: they check that the user works in this store (another store's data answers
404), ask for a confirmation before any change, call the services and show the outcome.
Every change is a POST that redirects (reload-safe); the services check the state, so a
repeated or outdated POST changes nothing and explains why.
"""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from fulfillment.geo import distance_km
from fulfillment.models import DeliveryOrder
from instore import selectors, services
from instore.models import PickIssueReason, Pickup
from inventory.models import Location, Product
from inventory.selectors import availability
from oms.access import role_required, store_for
from oms.barcode import code128_svg
from oms.errors import DomainError, InvalidInput
from oms.roles import STORE_STAFF
from orders.models import Order

store_view = role_required(STORE_STAFF)


def _delivery_order(store: Location, pk: int) -> DeliveryOrder:
    """The delivery order if it belongs to this store; another store's answers 404."""
    return get_object_or_404(
        selectors.store_delivery_orders(store).select_related(
            "order__shipping_address__country", "carrier_service__carrier"
        ),
        pk=pk,
    )


def _detail_url(store: Location, delivery_order: DeliveryOrder) -> str:
    return reverse("instore:delivery-order", args=[store.code, delivery_order.pk])


def _error_text(error: Exception) -> str:
    if isinstance(error, InvalidInput):
        return " ".join(str(item["detail"]) for item in error.errors) or error.detail
    if isinstance(error, DomainError):
        return str(error.detail)
    return _("Someone else changed this delivery order meanwhile. Please check it again.")


def _confirm_or_run(
    request: HttpRequest,
    store: Location,
    delivery_order: DeliveryOrder | None,
    *,
    title: str,
    summary: list[str],
    run: Callable[[], str | None],
    back: str,
    danger: bool = False,
) -> HttpResponse:
    """First POST: show what will happen and ask to confirm; second POST: do it, then redirect."""
    if request.POST.get("confirmed") != "1":
        fields = [
            (name, value)
            for name, values in request.POST.lists()
            if name not in ("csrfmiddlewaretoken", "confirmed")
            for value in values
        ]
        if delivery_order is not None and "status" not in request.POST:
            fields.append(("status", delivery_order.status))
        return render(
            request,
            "instore/confirm.html",
            {
                "store": store,
                "delivery_order": delivery_order,
                "title": title,
                "summary": summary,
                "fields": fields,
                "back": back,
                "danger": danger,
            },
        )
    try:
        target = run()
    except (DomainError, InvalidInput, TransitionNotAllowed, ConcurrentTransition) as error:
        messages.error(request, _error_text(error))
        return redirect(back)
    return redirect(target or back)


def _expected(request: HttpRequest) -> str | None:
    return request.POST.get("status") or None


# Queue --------------------------------------------------------------------------------------


def _queue_context(request: HttpRequest, store: Location) -> dict:
    tab = request.GET.get("tab", "new")
    if tab not in selectors.TAB_KEYS:
        tab = "new"
    entries = selectors.queue(store)
    try:
        seen = int(request.GET.get("latest", ""))
    except ValueError:
        seen = selectors.latest_id(store)
    latest = selectors.latest_id(store)
    return {
        "store": store,
        "tab": tab,
        "tabs": selectors.TABS,
        "counts": selectors.counts(entries),
        "entries": [entry for entry in entries if tab in entry.tabs],
        "seen": seen,
        "new_arrivals": latest > seen,
        "now": timezone.now(),
    }


@store_view
@vary_on_headers("HX-Request")
@require_GET
def queue(request: HttpRequest, code: str) -> HttpResponse:
    """The store's work queue: tabs with live counts and the delivery orders of one tab."""
    store = store_for(request.user, code)
    context = _queue_context(request, store)
    if request.htmx:
        return render(request, "instore/queue.html#live", context)
    return render(request, "instore/queue.html", context)


# One delivery order: pick list, scanning, actions ---------------------------------------------


def _detail_context(store: Location, delivery_order: DeliveryOrder, **extra) -> dict:
    order = delivery_order.order
    settings = services.store_settings(order.shop_id)
    lines = services.pick_lines(delivery_order)
    all_picked = bool(lines) and all(line.done for line in lines)
    weight = sum((line.product.weight_grams * line.to_pick for line in lines), 0)
    return {
        "store": store,
        "delivery_order": delivery_order,
        "order": order,
        "lines": lines,
        "all_picked": all_picked,
        "pickable": delivery_order.status
        in (*DeliveryOrder.NOT_PICKED_STATES, DeliveryOrder.Status.PICKING),
        "is_pickup": order.delivery_method != Order.DeliveryMethod.SHIP,
        "manual_confirm": settings.manual_confirm,
        "parcels": list(delivery_order.parcels.all()),
        "pickup": Pickup.objects.filter(delivery_order=delivery_order).first(),
        "suggested_kg": f"{max(weight, 100) / 1000:.1f}",
        "events": order.events.order_by("-at", "-pk")[:12],
        "entry": next(
            (e for e in selectors.queue(store) if e.delivery_order.pk == delivery_order.pk), None
        ),
        **extra,
    }


@store_view
@vary_on_headers("HX-Request")
@require_GET
def delivery_order_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    return render(request, "instore/delivery_order.html", _detail_context(store, delivery_order))


def _picklist_response(
    request: HttpRequest, store: Location, delivery_order: DeliveryOrder, **extra
) -> HttpResponse:
    delivery_order = _delivery_order(store, delivery_order.pk)
    context = _detail_context(store, delivery_order, **extra)
    if request.htmx:
        return render(request, "instore/delivery_order.html#picklist", context)
    if extra.get("scan_error"):
        messages.error(request, extra["scan_error"])
    elif extra.get("scan_ok"):
        messages.success(request, extra["scan_ok"])
    return redirect(_detail_url(store, delivery_order))


@store_view
@require_POST
def scan(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """One scanned EAN (scanner types it and Enter): counted, or refused with the reason."""
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    try:
        result = services.pick_scan(
            delivery_order=delivery_order,
            ean=request.POST.get("ean", ""),
            actor=services.store_actor(request.user),
        )
    except (DomainError, TransitionNotAllowed, ConcurrentTransition) as error:
        return _picklist_response(request, store, delivery_order, scan_error=_error_text(error))
    return _picklist_response(
        request,
        store,
        delivery_order,
        scan_ok=_("%(sku)s: %(picked)d of %(total)d picked.")
        % {"sku": result.line.sku, "picked": result.picked, "total": result.to_pick},
    )


@store_view
@require_POST
def confirm_line(request: HttpRequest, code: str, pk: int, line: int) -> HttpResponse:
    """Count a line as picked without scanning (where the shop allows it)."""
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    try:
        result = services.pick_confirm_by_hand(
            delivery_order=delivery_order, line_id=line, actor=services.store_actor(request.user)
        )
    except (DomainError, InvalidInput, TransitionNotAllowed, ConcurrentTransition) as error:
        return _picklist_response(request, store, delivery_order, scan_error=_error_text(error))
    return _picklist_response(
        request,
        store,
        delivery_order,
        scan_ok=_("%(sku)s confirmed by hand: %(picked)d of %(total)d.")
        % {"sku": result.line.sku, "picked": result.picked, "total": result.to_pick},
    )


@store_view
@require_POST
def start_picking(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    url = _detail_url(store, delivery_order)

    def run() -> None:
        services.picking_start(
            delivery_order=delivery_order,
            actor=services.store_actor(request.user),
            expected=_expected(request),
        )
        messages.success(request, _("Picking started. Scan the first item."))

    return _confirm_or_run(
        request,
        store,
        delivery_order,
        title=_("Start picking?"),
        summary=[
            _("Delivery order %(id)s for order %(number)s")
            % {"id": delivery_order.pk, "number": delivery_order.order.number}
        ],
        run=run,
        back=url,
    )


@store_view
def pick_issue(request: HttpRequest, code: str, pk: int, line: int) -> HttpResponse:
    """Short-pick or reject units of a line with a reason; they are rerouted at once."""
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    delivery_line = get_object_or_404(delivery_order.lines.select_related("order_line"), pk=line)
    reasons = list(PickIssueReason.objects.filter(is_active=True))
    url = _detail_url(store, delivery_order)
    context = {
        "store": store,
        "delivery_order": delivery_order,
        "line": delivery_line,
        "reasons": reasons,
        "errors": {},
    }
    if request.method != "POST":
        return render(request, "instore/pick_issue.html", context)
    reason = next((r for r in reasons if str(r.pk) == request.POST.get("reason")), None)
    try:
        quantity = int(request.POST.get("quantity", ""))
    except ValueError:
        quantity = 0
    if reason is None:
        context["errors"]["reason"] = _("Choose a reason.")
    if not 1 <= quantity <= delivery_line.quantity_open:
        context["errors"]["quantity"] = _("Between 1 and %(open)d.") % {
            "open": delivery_line.quantity_open
        }
    if context["errors"]:
        return render(request, "instore/pick_issue.html", context, status=400)

    def run() -> str:
        updated = services.pick_issue(
            delivery_order=delivery_order,
            line_id=delivery_line.pk,
            quantity=quantity,
            reason=reason,
            actor=services.store_actor(request.user),
            expected=_expected(request),
        )
        messages.success(
            request,
            _("%(quantity)d × %(sku)s reported (%(reason)s) and passed on to another location.")
            % {"quantity": quantity, "sku": delivery_line.sku, "reason": _(reason.name)},
        )
        if updated.status == DeliveryOrder.Status.REJECTED:
            return reverse("instore:queue", args=[store.code])
        return url

    return _confirm_or_run(
        request,
        store,
        delivery_order,
        title=_("Report a picking problem?"),
        summary=[
            _("%(quantity)d × %(sku)s cannot be picked: %(reason)s.")
            % {"quantity": quantity, "sku": delivery_line.sku, "reason": _(reason.name)},
            reason.get_stock_effect_display(),
            _("The units are routed to another location at once."),
        ],
        run=run,
        back=url,
        danger=True,
    )


def _weights(request: HttpRequest) -> tuple[list[int], str | None]:
    weights = []
    for value in request.POST.getlist("weight"):
        value = value.strip().replace(",", ".")
        if not value:
            continue
        try:
            kilograms = Decimal(value)
        except InvalidOperation:
            return [], _("Enter each weight in kg, e.g. 1.2.")
        if kilograms <= 0:
            return [], _("Each weight must be more than 0 kg.")
        weights.append(int(kilograms * 1000))
    if not weights:
        return [], _("Enter the weight of at least one parcel.")
    return weights, None


@store_view
@require_POST
def pack(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Record the parcels and weights; the carrier issues tracking numbers for the labels."""
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    url = _detail_url(store, delivery_order)
    weights, problem = _weights(request)
    if problem:
        messages.error(request, problem)
        return redirect(url)

    def run() -> None:
        services.pack(
            delivery_order=delivery_order,
            weights_grams=weights,
            actor=services.store_actor(request.user),
            expected=_expected(request),
        )
        messages.success(request, _("Packed. Print the packing slip and the label."))

    return _confirm_or_run(
        request,
        store,
        delivery_order,
        title=_("Pack and create the labels?"),
        summary=[
            _("Parcel %(number)d: %(weight)s kg") % {"number": n, "weight": w / 1000}
            for n, w in enumerate(weights, 1)
        ],
        run=run,
        back=url,
    )


@store_view
@require_POST
def hand_to_carrier(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    url = _detail_url(store, delivery_order)

    def run() -> str:
        services.hand_to_carrier(
            delivery_order=delivery_order,
            actor=services.store_actor(request.user),
            expected=_expected(request),
        )
        messages.success(request, _("Shipped. The customer receives the shipping confirmation."))
        return reverse("instore:queue", args=[store.code]) + "?tab=packed"

    parcels = list(delivery_order.parcels.all())
    return _confirm_or_run(
        request,
        store,
        delivery_order,
        title=_("Hand over to the carrier?"),
        summary=[
            _("%(count)d parcel(s): %(numbers)s")
            % {"count": len(parcels), "numbers": ", ".join(p.tracking_number for p in parcels)}
        ],
        run=run,
        back=url,
    )


@store_view
@require_POST
def ready_for_pickup(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    url = _detail_url(store, delivery_order)

    def run() -> None:
        pickup = services.mark_ready_for_pickup(
            delivery_order=delivery_order,
            actor=services.store_actor(request.user),
            expected=_expected(request),
        )
        messages.success(
            request,
            _("Ready for pickup. The customer was sent the pickup code %(code)s.")
            % {"code": pickup.code},
        )

    return _confirm_or_run(
        request,
        store,
        delivery_order,
        title=_("Ready for pickup?"),
        summary=[
            _("Put the goods at the pickup counter."),
            _("%(email)s receives the pickup code.") % {"email": delivery_order.order.email},
        ],
        run=run,
        back=url,
    )


@store_view
@require_POST
def resend_notice(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    url = _detail_url(store, delivery_order)

    def run() -> None:
        services.resend_pickup_notice(
            delivery_order=delivery_order, actor=services.store_actor(request.user)
        )
        messages.success(request, _("The pickup notice is on its way again."))

    return _confirm_or_run(
        request,
        store,
        delivery_order,
        title=_("Send the pickup notice again?"),
        summary=[_("To %(email)s") % {"email": delivery_order.order.email}],
        run=run,
        back=url,
    )


@store_view
def hand_over(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Hand the goods to the customer after the check the shop asks for (code or ID)."""
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    order = delivery_order.order
    settings = services.store_settings(order.shop_id)
    context = {
        "store": store,
        "delivery_order": delivery_order,
        "order": order,
        "settings": settings,
        "amount": services.counter_amount(order),
        "lines": services.pick_lines(delivery_order),
        "error": "",
    }
    if request.method != "POST":
        return render(request, "instore/hand_over.html", context)
    pickup = Pickup.objects.filter(delivery_order=delivery_order).first()
    code_entered = request.POST.get("code", "").strip()
    id_checked = request.POST.get("id_checked") == "on"
    paid = request.POST.get("paid_in_store", "")
    if pickup is not None and delivery_order.status == DeliveryOrder.Status.READY_FOR_PICKUP:
        problem = services.verification_problem(
            settings, pickup, code=code_entered, id_checked=id_checked
        )
        if not problem and context["amount"] > 0 and paid not in ("cash", "card"):
            problem = _("Say how the customer paid.")
        if problem:
            context["error"] = problem
            return render(request, "instore/hand_over.html", context, status=400)

    def run() -> str:
        services.hand_over_to_customer(
            delivery_order=delivery_order,
            code=code_entered,
            id_checked=id_checked,
            paid_in_store=paid,
            actor=services.store_actor(request.user),
            expected=_expected(request),
        )
        messages.success(
            request, _("Handed over. Order %(number)s is collected.") % {"number": order.number}
        )
        return reverse("instore:pickup-search", args=[store.code])

    summary = [
        _("Order %(number)s for %(name)s") % {"number": order.number, "name": order.customer},
    ]
    if context["amount"] > 0:
        summary.append(
            _("Take %(amount)s %(currency)s (%(method)s).")
            % {"amount": context["amount"], "currency": order.currency, "method": paid}
        )
    return _confirm_or_run(
        request,
        store,
        delivery_order,
        title=_("Hand over to the customer?"),
        summary=summary,
        run=run,
        back=_detail_url(store, delivery_order),
    )


@store_view
@require_GET
def packing_slip(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    return render(
        request,
        "instore/packing_slip.html",
        {
            "store": store,
            "delivery_order": delivery_order,
            "order": delivery_order.order,
            "lines": list(delivery_order.lines.select_related("order_line")),
        },
    )


@store_view
@require_GET
def shipping_label(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    store = store_for(request.user, code)
    delivery_order = _delivery_order(store, pk)
    parcels = list(delivery_order.parcels.select_related("carrier"))
    return render(
        request,
        "instore/label.html",
        {
            "store": store,
            "delivery_order": delivery_order,
            "order": delivery_order.order,
            "labels": [(parcel, code128_svg(parcel.tracking_number)) for parcel in parcels],
            "count": len(parcels),
        },
    )


# Batch picking --------------------------------------------------------------------------------


def _batch(store: Location, request: HttpRequest) -> list[DeliveryOrder]:
    ids = [int(value) for value in request.GET.getlist("do") if value.isdigit()]
    ids += [int(value) for value in request.POST.getlist("do") if value.isdigit()]
    return list(selectors.store_delivery_orders(store).filter(pk__in=ids).order_by("pk"))


def _batch_context(store: Location, delivery_orders: list[DeliveryOrder], **extra) -> dict:
    rows: dict[str, dict] = {}
    for delivery_order in delivery_orders:
        for line in services.pick_lines(delivery_order):
            row = rows.setdefault(
                line.line.sku,
                {"product": line.product, "to_pick": 0, "picked": 0, "parts": []},
            )
            row["to_pick"] += line.to_pick
            row["picked"] += line.picked
            row["parts"].append((delivery_order, line))
    return {
        "store": store,
        "delivery_orders": delivery_orders,
        "rows": [rows[sku] for sku in sorted(rows)],
        "query": "&".join(f"do={d.pk}" for d in delivery_orders),
        **extra,
    }


@store_view
@vary_on_headers("HX-Request")
@require_GET
def batch(request: HttpRequest, code: str) -> HttpResponse:
    """Several delivery orders picked in one walk, sorted by product."""
    store = store_for(request.user, code)
    delivery_orders = _batch(store, request)
    return render(request, "instore/batch.html", _batch_context(store, delivery_orders))


@store_view
@require_POST
def batch_scan(request: HttpRequest, code: str) -> HttpResponse:
    store = store_for(request.user, code)
    delivery_orders = _batch(store, request)
    extra = {}
    try:
        result = services.pick_scan_batch(
            delivery_orders=delivery_orders,
            ean=request.POST.get("ean", ""),
            actor=services.store_actor(request.user),
        )
    except (DomainError, TransitionNotAllowed, ConcurrentTransition) as error:
        extra["scan_error"] = _error_text(error)
    else:
        extra["scan_ok"] = _(
            "%(sku)s → put it with delivery order %(id)s (%(picked)d of %(total)d)."
        ) % {
            "sku": result.line.sku,
            "id": result.delivery_order.pk,
            "picked": result.picked,
            "total": result.to_pick,
        }
    delivery_orders = list(
        selectors.store_delivery_orders(store)
        .filter(pk__in=[d.pk for d in delivery_orders])
        .order_by("pk")
    )
    context = _batch_context(store, delivery_orders, **extra)
    if request.htmx:
        return render(request, "instore/batch.html#batchlist", context)
    if extra.get("scan_error"):
        messages.error(request, extra["scan_error"])
    else:
        messages.success(request, extra["scan_ok"])
    return redirect(reverse("instore:batch", args=[store.code]) + "?" + context["query"])


# Click & collect: find the order at the counter -------------------------------------------


@store_view
@require_GET
def pickup_search(request: HttpRequest, code: str) -> HttpResponse:
    store = store_for(request.user, code)
    query = request.GET.get("q", "")
    return render(
        request,
        "instore/pickup_search.html",
        {"store": store, "q": query, "results": selectors.find_pickups(store, query)},
    )


# Endless aisle --------------------------------------------------------------------------------


def _nearby(store: Location, pickup: list[dict]) -> list[dict]:
    locations = {
        location.code: location
        for location in Location.objects.filter(code__in=[p["location"] for p in pickup])
    }
    here = (float(store.latitude), float(store.longitude))
    rows = []
    for entry in pickup:
        location = locations.get(entry["location"])
        if location is None or location.pk == store.pk:
            continue
        there = (float(location.latitude), float(location.longitude))
        rows.append(
            {"location": location, "available": entry["available"], "km": distance_km(here, there)}
        )
    return sorted(rows, key=lambda row: row["km"])[:5]


@store_view
@require_GET
def aisle(request: HttpRequest, code: str) -> HttpResponse:
    """Search any product and see where it is: this store, stores nearby, the network."""
    store = store_for(request.user, code)
    query = request.GET.get("q", "")
    products = selectors.search_products(query)
    results = []
    if products:
        shop = services.store_shop(store)
        answers = availability(
            shop=shop,
            skus=[product.sku for product in products],
            country=store.country_id_code,
            postcode=store.postcode,
        )
        for product, answer in zip(products, answers, strict=True):
            here = next(
                (p["available"] for p in answer["pickup"] if p["location"] == store.code), 0
            )
            results.append(
                {
                    "product": product,
                    "here": here,
                    "nearby": _nearby(store, answer["pickup"]),
                    "network": answer["ship"]["available"],
                    "earliest": answer["ship"]["earliest_delivery"],
                }
            )
    return render(request, "instore/aisle.html", {"store": store, "q": query, "results": results})


AISLE_FIELDS = ["email", "first_name", "last_name", "phone", "street", "postcode", "city"]


@store_view
def aisle_order(request: HttpRequest, code: str) -> HttpResponse:
    """Create an order for the customer in front of us (channel store), then show its number."""
    store = store_for(request.user, code)
    source = request.POST if request.method == "POST" else request.GET
    product = get_object_or_404(Product, sku=source.get("sku", ""), is_active=True)
    here = next(
        (
            p["available"]
            for p in availability(
                shop=services.store_shop(store), skus=[product.sku], country=store.country_id_code
            )[0]["pickup"]
            if p["location"] == store.code
        ),
        0,
    )
    values = {name: source.get(name, "").strip() for name in AISLE_FIELDS}
    values.update(
        {
            "quantity": source.get("quantity", "1"),
            "unit_price": source.get("unit_price", ""),
            "delivery": source.get("delivery", "ship"),
            "payment": source.get("payment", "card"),
            "reference": source.get("reference") or services.new_aisle_reference(),
        }
    )
    context = {"store": store, "product": product, "values": values, "here": here, "errors": {}}
    if request.method != "POST":
        return render(request, "instore/aisle_order.html", context)
    existing = services.aisle_order_for(store, values["reference"])
    if existing is not None:
        return redirect("instore:aisle-done", code=store.code, number=existing.number)
    errors = context["errors"]
    try:
        quantity = int(values["quantity"])
        if quantity < 1:
            raise ValueError
    except ValueError:
        errors["quantity"] = _("At least 1.")
        quantity = 0
    try:
        price = Decimal(values["unit_price"].replace(",", "."))
        if price <= 0 or price.as_tuple().exponent < -2:
            raise InvalidOperation
    except InvalidOperation:
        errors["unit_price"] = _("Enter the price from the shelf label, e.g. 19.99.")
        price = Decimal("0")
    if "@" not in values["email"]:
        errors["email"] = _("Enter the customer's e-mail address.")
    if not values["last_name"]:
        errors["last_name"] = _("Enter the customer's name.")
    if values["delivery"] not in ("ship", "click_collect"):
        errors["delivery"] = _("Choose home delivery or pickup here.")
    elif values["delivery"] == "ship":
        for name in ("street", "postcode", "city"):
            if not values[name]:
                errors[name] = _("Needed for home delivery.")
    elif here < quantity:
        errors["delivery"] = _("This store does not have it: choose home delivery.")
    if values["payment"] not in ("cash", "card", "prepayment"):
        errors["payment"] = _("Choose how the customer pays.")
    if errors:
        return render(request, "instore/aisle_order.html", context, status=400)
    data = services.AisleOrder(
        reference=values["reference"],
        email=values["email"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        phone=values["phone"],
        sku=product.sku,
        quantity=quantity,
        unit_price=price,
        delivery=values["delivery"],
        payment=values["payment"],
        street=values["street"],
        postcode=values["postcode"],
        city=values["city"],
    )

    def run() -> str:
        order = services.create_aisle_order(
            store=store, data=data, actor=services.store_actor(request.user)
        )
        messages.success(request, _("Order %(number)s created.") % {"number": order.number})
        return reverse("instore:aisle-done", args=[store.code, order.number])

    delivery_text = (
        _("Home delivery to %(street)s, %(postcode)s %(city)s") % values
        if data.delivery == "ship"
        else _("Pickup in this store")
    )
    return _confirm_or_run(
        request,
        store,
        None,
        title=_("Create this order?"),
        summary=[
            _("%(quantity)d × %(name)s (%(sku)s) at %(price)s")
            % {"quantity": quantity, "name": product.name, "sku": product.sku, "price": price},
            delivery_text,
            _("Customer: %(name)s <%(email)s>")
            % {"name": f"{data.first_name} {data.last_name}".strip(), "email": data.email},
        ],
        run=run,
        back=reverse("instore:aisle-order", args=[store.code]) + f"?sku={product.sku}",
    )


@store_view
@require_GET
def aisle_done(request: HttpRequest, code: str, number: str) -> HttpResponse:
    store = store_for(request.user, code)
    order = get_object_or_404(
        Order.objects.filter(Q(external_id__startswith=f"{store.code}-")), number=number
    )
    return render(request, "instore/aisle_done.html", {"store": store, "order": order})
