"""Partner portal: a dropshipper's delivery orders (accept, reject, ship) and stock uploads.

Views are thin: a partner user sees only its own locations' delivery orders (another's
answer 404), every change asks for a confirmation first and calls the same services as the
API. Every change is a POST that redirects, so a reload never repeats it.
"""

import csv
import io
from collections.abc import Callable

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from fulfillment.models import Carrier, DeliveryOrder
from fulfillment.services.delivery import (
    LineQuantity,
    delivery_order_accept,
    delivery_order_reject,
    delivery_order_ship,
)
from inventory.models import Location
from inventory.services import apply_stock_feed
from oms.access import role_required
from oms.errors import DomainError, InvalidInput
from oms.roles import ADMINISTRATOR, PARTNER_USER, has_role
from orders.models import OrderEvent
from orders.services.events import Actor

partner_view = role_required(PARTNER_USER)
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def partner_locations(user) -> QuerySet[Location]:
    """The locations this user works for: its partner's (administrators: every partner's)."""
    locations = Location.objects.filter(partner__isnull=False)
    if has_role(user, ADMINISTRATOR) and not user.partner_id:
        return locations
    return locations.filter(partner_id=user.partner_id) if user.partner_id else locations.none()


def partner_delivery_orders(user) -> QuerySet[DeliveryOrder]:
    return (
        DeliveryOrder.objects.filter(location__in=partner_locations(user))
        .select_related("order__shipping_address__country", "location", "carrier_service__carrier")
        .prefetch_related("lines", "shipments__carrier")
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, channel=OrderEvent.Channel.PARTNER)


def _error_text(error: Exception) -> str:
    if isinstance(error, DomainError | InvalidInput):
        details = " ".join(str(item["detail"]) for item in getattr(error, "errors", None) or [])
        return details or str(error.detail)
    return _("Someone else changed this delivery order meanwhile. Please check it again.")


def _confirm_or_run(
    request: HttpRequest,
    *,
    title: str,
    summary: list[str],
    run: Callable[[], str],
    back: str,
    danger: bool = False,
) -> HttpResponse:
    """First POST: show what will happen and ask to confirm; second POST: do it, redirect."""
    if request.POST.get("confirmed") != "1":
        fields = [
            (name, value)
            for name, values in request.POST.lists()
            if name not in ("csrfmiddlewaretoken", "confirmed")
            for value in values
        ]
        context = {
            "title": title,
            "summary": summary,
            "fields": fields,
            "back": back,
            "danger": danger,
        }
        return render(request, "fulfillment/partner/confirm.html", context)
    try:
        message = run()
    except (DomainError, InvalidInput, TransitionNotAllowed, ConcurrentTransition) as error:
        messages.error(request, _error_text(error))
        return redirect(back)
    messages.success(request, message)
    return redirect(back)


@partner_view
def home(request: HttpRequest) -> HttpResponse:
    """The partner's delivery orders, newest first, filtered by status in the URL."""
    delivery_orders = partner_delivery_orders(request.user).order_by("-created_at", "-pk")
    status = request.GET.get("status", "open")
    if status == "open":
        delivery_orders = delivery_orders.filter(status__in=DeliveryOrder.OPEN_STATES)
    elif status in DeliveryOrder.Status.values:
        delivery_orders = delivery_orders.filter(status=status)
    else:
        status = "all"
    context = {
        "partner": request.user.partner,
        "delivery_orders": delivery_orders[:200],
        "status": status,
        "statuses": [("open", _("Open")), ("all", _("All")), *DeliveryOrder.Status.choices],
        "locations": partner_locations(request.user).order_by("code"),
    }
    return render(request, "fulfillment/partner/home.html", context)


def _delivery_order(request: HttpRequest, pk: int) -> DeliveryOrder:
    """The delivery order if it is at one of the user's locations; another's answers 404."""
    return get_object_or_404(partner_delivery_orders(request.user), pk=pk)


def _detail_url(delivery_order: DeliveryOrder) -> str:
    return reverse("partner:delivery-order", args=[delivery_order.pk])


@partner_view
def delivery_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery_order = _delivery_order(request, pk)
    context = {
        "delivery_order": delivery_order,
        "lines": list(delivery_order.lines.all()),
        "carriers": Carrier.objects.filter(is_active=True).order_by("name"),
        "default_carrier": (
            delivery_order.carrier_service.carrier.code if delivery_order.carrier_service else ""
        ),
        "can_accept": delivery_order.status == DeliveryOrder.Status.RELEASED,
        "can_reject": delivery_order.status in DeliveryOrder.OPEN_STATES,
        "can_ship": delivery_order.status in DeliveryOrder.OPEN_STATES
        and delivery_order.status != DeliveryOrder.Status.CREATED,
    }
    return render(request, "fulfillment/partner/delivery_order.html", context)


def _line_quantities(request: HttpRequest, delivery_order: DeliveryOrder) -> list[LineQuantity]:
    """Quantities typed per line (`quantity-<order line id>`); empty or 0 lines are left out."""
    chosen = []
    for line in delivery_order.lines.all():
        raw = request.POST.get(f"quantity-{line.order_line_id}", "").strip()
        if raw and raw != "0":
            try:
                quantity = int(raw)
            except ValueError:
                quantity = -1
            chosen.append(LineQuantity(line_id=line.order_line_id, quantity=quantity))
    return chosen


def _describe(delivery_order: DeliveryOrder, chosen: list[LineQuantity]) -> list[str]:
    skus = {line.order_line_id: line.sku for line in delivery_order.lines.all()}
    if not chosen:
        return [
            f"{line.quantity_open} × {line.sku}"
            for line in delivery_order.lines.all()
            if line.quantity_open
        ]
    return [f"{item.quantity} × {skus[item.line_id]}" for item in chosen]


@require_POST
@partner_view
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    delivery_order = _delivery_order(request, pk)

    def run() -> str:
        delivery_order_accept(delivery_order=delivery_order, actor=_actor(request))
        return _("Delivery order %(id)s accepted.") % {"id": delivery_order.pk}

    return _confirm_or_run(
        request,
        title=_("Accept delivery order %(id)s?") % {"id": delivery_order.pk},
        summary=[
            _("You confirm that %(location)s ships:") % {"location": delivery_order.location.name},
            *_describe(delivery_order, []),
        ],
        run=run,
        back=_detail_url(delivery_order),
    )


@require_POST
@partner_view
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    delivery_order = _delivery_order(request, pk)
    reason = request.POST.get("reason", "").strip()
    chosen = _line_quantities(request, delivery_order)
    if not reason:
        messages.error(request, _("Say why you cannot ship it."))
        return redirect(_detail_url(delivery_order))

    def run() -> str:
        delivery_order_reject(
            delivery_order=delivery_order,
            reason=reason,
            lines=chosen or None,
            actor=_actor(request),
        )
        return _("Rejected. The units are passed on to another location.")

    return _confirm_or_run(
        request,
        title=_("Reject from delivery order %(id)s?") % {"id": delivery_order.pk},
        summary=[
            *_describe(delivery_order, chosen),
            _("Reason: %(reason)s") % {"reason": reason},
            _("The units are routed to another location; you will not get them back."),
        ],
        run=run,
        back=_detail_url(delivery_order),
        danger=True,
    )


@require_POST
@partner_view
def ship(request: HttpRequest, pk: int) -> HttpResponse:
    delivery_order = _delivery_order(request, pk)
    carrier = Carrier.objects.filter(code=request.POST.get("carrier", ""), is_active=True).first()
    tracking_number = request.POST.get("tracking_number", "").strip()
    chosen = _line_quantities(request, delivery_order)
    if carrier is None or not tracking_number:
        messages.error(request, _("Choose the carrier and enter the tracking number."))
        return redirect(_detail_url(delivery_order))

    def run() -> str:
        delivery_order_ship(
            delivery_order=delivery_order,
            carrier=carrier,
            tracking_number=tracking_number,
            lines=chosen or None,
            actor=_actor(request),
        )
        return _("Shipped. The customer receives the shipping confirmation.")

    return _confirm_or_run(
        request,
        title=_("Ship from delivery order %(id)s?") % {"id": delivery_order.pk},
        summary=[
            *_describe(delivery_order, chosen),
            _("with %(carrier)s, tracking number %(number)s")
            % {"carrier": carrier.name, "number": tracking_number},
            _("The customer gets the shipping confirmation with the tracking link."),
        ],
        run=run,
        back=_detail_url(delivery_order),
    )


def _parse_stock_csv(text: str, default_location: str) -> tuple[list[dict], list[str]]:
    """Rows of `sku;quantity` or `location;sku;quantity` (comma or semicolon, header optional)."""
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    items, errors = [], []
    for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[-1].lower() in ("quantity", "menge", "bestand", "qty"):
            continue  # header
        if len(cells) == 2:
            location, (sku, quantity) = default_location, cells
        elif len(cells) >= 3:
            location, sku, quantity = cells[:3]
        else:
            errors.append(_("Row %(row)d: expected SKU and quantity.") % {"row": number})
            continue
        try:
            items.append({"location": location, "sku": sku, "quantity": int(quantity)})
        except ValueError:
            errors.append(
                _("Row %(row)d: “%(value)s” is not a whole number.")
                % {"row": number, "value": quantity}
            )
    return items, errors


@partner_view
def stock_upload(request: HttpRequest) -> HttpResponse:
    """Upload absolute stock for the partner's own locations (CSV); confirm, then apply."""
    locations = list(partner_locations(request.user).order_by("code"))
    context: dict = {"locations": locations, "errors": []}
    if request.method != "POST":
        return render(request, "fulfillment/partner/stock.html", context)
    default_location = request.POST.get("location", "")
    if default_location not in {location.code for location in locations}:
        default_location = locations[0].code if locations else ""
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_UPLOAD_BYTES:
            context["errors"] = [_("The file is larger than 2 MB.")]
            return render(request, "fulfillment/partner/stock.html", context, status=400)
        text = upload.read().decode("utf-8-sig", errors="replace")
    else:
        text = request.POST.get("content", "")
    items, errors = _parse_stock_csv(text, default_location)
    if not items and not errors:
        errors = [_("The file has no stock rows.")]
    if errors:
        context["errors"] = errors
        return render(request, "fulfillment/partner/stock.html", context, status=400)
    if request.POST.get("confirmed") != "1":
        context.update(items=items, content=text, location=default_location)
        return render(request, "fulfillment/partner/stock_confirm.html", context)
    try:
        applied = apply_stock_feed(
            mode="absolute",
            items=items,
            source=_("partner portal upload"),
            actor=request.user,
            partner=request.user.partner,
        )
    except (DomainError, InvalidInput) as error:
        context["errors"] = [_error_text(error)]
        return render(request, "fulfillment/partner/stock.html", context, status=400)
    messages.success(request, _("Stock updated for %(count)d SKU(s).") % {"count": applied})
    return redirect("partner:stock")
