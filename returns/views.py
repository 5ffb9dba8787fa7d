"""Returns screens: the store counter, the returns desk, the customer's printable slip."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inventory.models import Location
from oms.access import role_required, store_for
from oms.barcode import code128_svg
from oms.errors import DomainError, InvalidInput
from oms.roles import STORE_STAFF
from orders.models import Order, OrderEvent
from orders.money import format_money
from orders.services.events import Actor
from returns import selectors, services
from returns.forms import PayoutForm, StoreReturnLineForm
from returns.models import Return, ReturnLine, Transfer

DESK_PERMISSION = "returns.process_return"


def _error_text(error: DomainError | InvalidInput) -> list[str]:
    return [item["detail"] for item in error.errors] or [error.detail]


# The store counter ------------------------------------------------------------------------


def _find_orders(query: str):
    """Orders by number, return authorisation (slip barcode) or e-mail, any shop."""
    query = query.strip()
    if not query:
        return Order.objects.none()
    return (
        Order.objects.filter(
            Q(number__iexact=query)
            | Q(returns__number__iexact=query)
            | Q(email__iexact=query)
            | Q(external_id__iexact=query)
        )
        .select_related("shop", "customer")
        .distinct()
        .order_by("-created_at")[:20]
    )


def _line_rows(order: Order, data=None) -> list[dict]:
    rows = []
    for line in order.lines.order_by("position"):
        returnable = line.quantity_shipped - services.units_claimed(line)
        form = StoreReturnLineForm(data, prefix=f"line-{line.pk}")
        rows.append({"line": line, "returnable": max(returnable, 0), "form": form})
    return rows


def _items(rows: list[dict]) -> tuple[list[services.ReturnItem], list[str]]:
    items, errors = [], []
    for row in rows:
        form = row["form"]
        if not form.is_valid():
            errors.append(_("Check the entries of %(sku)s.") % {"sku": row["line"].sku})
            continue
        quantity = form.cleaned_data["quantity"] or 0
        if quantity:
            items.append(
                services.ReturnItem(
                    line_id=row["line"].pk,
                    quantity=quantity,
                    reason=form.cleaned_data["reason"],
                    condition=form.cleaned_data["condition"],
                )
            )
    if not items and not errors:
        errors.append(_("Enter the quantity that comes back for at least one line."))
    return items, errors


@role_required(STORE_STAFF)
@require_http_methods(["GET", "POST"])
def store_returns(request: HttpRequest, code: str) -> HttpResponse:
    """Take a return at the counter: find the order, pick lines, review the refund, pay out."""
    store = store_for(request.user, code)
    query = request.GET.get("q", "").strip()
    context: dict = {"store": store, "query": query}
    order_number = request.POST.get("order") or request.GET.get("order")
    if order_number:
        order = get_object_or_404(Order.objects.select_related("shop"), number=order_number)
    else:
        found = list(_find_orders(query))
        context["found"] = found
        order = found[0] if len(found) == 1 else None
    if order is None:
        return render(request, "returns/store.html", context)

    may_override = request.user.has_perm("returns.override_return_window")
    data = request.POST if request.method == "POST" else None
    rows = _line_rows(order, data)
    payout = PayoutForm(data)
    context.update(order=order, rows=rows, payout=payout, may_override=may_override)
    if request.method == "GET":
        return render(request, "returns/store.html", context)

    items, errors = _items(rows)
    if not payout.is_valid():
        errors.append(_("Choose how the money is paid out."))
    if errors:
        context["errors"] = errors
        return render(request, "returns/store.html", context, status=400)
    override = may_override and payout.cleaned_data["override_window"]
    actor = Actor.for_user(request.user, channel=OrderEvent.Channel.STORE)
    try:
        if request.POST.get("action") != "confirm":
            context["quote"] = services.return_quote(
                order=order, items=items, override_window=override
            )
            return render(request, "returns/store.html", context)
        return_order = services.return_take_in_store(
            order=order,
            store=store,
            items=items,
            payout=payout.cleaned_data["payout"],
            actor=actor,
            override_window=override,
        )
    except (DomainError, InvalidInput) as error:
        context["errors"] = _error_text(error)
        return render(request, "returns/store.html", context, status=409)
    messages.success(
        request,
        _("Return %(number)s recorded: pay out %(amount)s %(currency)s (%(method)s).")
        % {
            "number": return_order.number,
            "amount": format_money(return_order.refund_amount, order.currency),
            "currency": order.currency,
            "method": return_order.refunds.get().get_method_display(),
        },
    )
    return redirect(reverse("store-returns", args=[store.code]))


# The returns desk (returns centre, warehouse) ---------------------------------------------


def _desk_user(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not request.user.has_perm(DESK_PERMISSION):
        raise PermissionDenied


def desk_access(view):
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        _desk_user(request)
        return view(request, *args, **kwargs)

    return wrapper


@desk_access
def desk(request: HttpRequest) -> HttpResponse:
    """Find a return by its number, the order number, e-mail or name; filter by status."""
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in Return.Status.values:
        status = ""
    returns = selectors.return_search(query, status)[:100]
    if query and len(returns) == 1:
        return redirect("returns-desk-detail", pk=returns[0].pk)
    return render(
        request,
        "returns/desk.html",
        {"returns": returns, "query": query, "status": status, "statuses": Return.Status.choices},
    )


DESK_ACTIONS = {
    "receive": Return.Status.ANNOUNCED,
    "cancel": Return.Status.ANNOUNCED,
    "inspect": Return.Status.RECEIVED,
    "close": Return.Status.INSPECTED,
}


@desk_access
@require_http_methods(["GET", "POST"])
def desk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One return: receive it (or cancel it), inspect it (condition per line), close it — each
    confirmed."""
    return_order = get_object_or_404(selectors.with_details(Return.objects.all()), pk=pk)
    context = {
        "return": return_order,
        "locations": Location.objects.filter(is_active=True).exclude(type="dropshipper"),
        "conditions": ReturnLine.Condition.choices,
        "transfers": Transfer.objects.filter(return_line__return_order=return_order)
        .select_related("source", "target", "product")
        .order_by("pk"),
        "slip_url": selectors.slip_url(return_order),
    }
    action = request.POST.get("action", "")
    if request.method == "GET" or action not in DESK_ACTIONS:
        return render(request, "returns/desk_detail.html", context)
    if request.POST.get("confirm") != "yes":
        context.update(pending=action, posted=request.POST)
        return render(request, "returns/desk_detail.html", context)
    actor = Actor.for_user(request.user, channel=OrderEvent.Channel.CARE)
    try:
        if action == "receive":
            location = get_object_or_404(Location, code=request.POST.get("location", ""))
            services.return_receive(return_order=return_order, location=location, actor=actor)
        elif action == "inspect":
            conditions = {
                line.pk: request.POST.get(f"condition-{line.pk}", line.condition)
                for line in return_order.lines.all()
            }
            services.return_inspect(return_order=return_order, conditions=conditions, actor=actor)
        elif action == "cancel":
            services.return_cancel(
                return_order=return_order, reason=request.POST.get("reason", ""), actor=actor
            )
        else:
            services.return_close(return_order=return_order, actor=actor)
    except (DomainError, InvalidInput) as error:
        context["errors"] = _error_text(error)
        return render(request, "returns/desk_detail.html", context, status=409)
    messages.success(
        request,
        _("Return %(number)s: %(status)s.")
        % {"number": return_order.number, "status": Return.objects.get(pk=pk).get_status_display()},
    )
    return redirect("returns-desk-detail", pk=pk)


@desk_access
@require_http_methods(["GET", "POST"])
def desk_transfers(request: HttpRequest) -> HttpResponse:
    """Goods on their way; mark them arrived when they are unpacked at the target."""
    if request.method == "POST":
        transfer = get_object_or_404(Transfer, pk=request.POST.get("transfer"))
        try:
            services.transfer_arrive(
                transfer=transfer,
                actor=Actor.for_user(request.user, channel=OrderEvent.Channel.CARE),
            )
            messages.success(
                request,
                _("%(quantity)s × %(sku)s arrived at %(location)s.")
                % {
                    "quantity": transfer.quantity,
                    "sku": transfer.product.sku,
                    "location": transfer.target.code,
                },
            )
        except DomainError as error:
            messages.error(request, error.detail)
        return redirect(f"{reverse('returns-desk-transfers')}?{urlencode(request.GET)}")
    status = request.GET.get("status", Transfer.Status.IN_TRANSIT)
    transfers = Transfer.objects.select_related(
        "source", "target", "product", "return_line__return_order"
    ).order_by("-created_at")
    if status in Transfer.Status.values:
        transfers = transfers.filter(status=status)
    return render(
        request,
        "returns/desk_transfers.html",
        {"transfers": transfers[:200], "status": status, "statuses": Transfer.Status.choices},
    )


# The customer's slip ----------------------------------------------------------------------


def slip(request: HttpRequest, token: str) -> HttpResponse:
    """The printable return slip: where to send the parcel, what is in it (signed link)."""
    return_order = selectors.return_for_slip(token)
    if return_order is None:
        raise Http404
    return render(
        request,
        "returns/slip.html",
        {"return": return_order, "barcode": code128_svg(return_order.number)},
    )
