"""Care console screens: thin HTMX views over the selectors and the order services.

Each page is one view; with HTMX it answers with the fragment that changed (a partial of
the same template). Actions go form → confirmation → service; errors come back inline
(409 for a refused state, 422 for bad input), success as a toast after a reload.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from customercare import selectors
from customercare.actions import ACTIONS, offered
from fulfillment.selectors import routing_wait
from oms.access import role_required
from oms.errors import DomainError, InvalidInput
from oms.models import Shop
from oms.roles import CARE_AGENT, OPERATIONS_LEAD
from orders.locks import lock_order
from orders.models import Customer, Order, OrderEvent
from orders.services import Actor
from orders.services.care import check_version, order_version


def _htmx_render(request: HttpRequest, template: str, partial: str, context: dict, **kwargs):
    """The whole page, or only `partial` of it when HTMX asks for a fragment."""
    name = f"{template}#{partial}" if request.htmx and not request.htmx.boosted else template
    response = render(request, name, context, **kwargs)
    patch_vary_headers(response, ["HX-Request"])
    return response


@role_required(CARE_AGENT)
def search(request: HttpRequest) -> HttpResponse:
    """Find orders by number, external id, e-mail, name, phone or postcode, across all shops."""
    query = selectors.OrderQuery.from_params(request.GET)
    results = selectors.search_orders(query) if not query.errors else []
    context = {
        "query": query,
        "results": results,
        "fields": selectors.SEARCH_FIELDS,
        "shops": Shop.objects.order_by("name"),
        "statuses": Order.Status.choices,
        "review_count": selectors.review_queue().count(),
    }
    return _htmx_render(request, "customercare/search.html", "results", context)


@role_required(CARE_AGENT)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Orders held by risk rules, the longest waiting first."""
    return render(request, "customercare/review.html", {"orders": selectors.review_queue()})


@role_required(CARE_AGENT, OPERATIONS_LEAD)  # operations leads read, never act
def order_page(request: HttpRequest, number: str) -> HttpResponse:
    """Everything about one order on one page; the timeline refreshes alone when filtered."""
    order = selectors.order_story(number)
    if order is None:
        raise Http404
    kinds = [kind for kind in request.GET.getlist("kind") if kind in selectors.TIMELINE_KINDS]
    channel = request.GET.get("channel", "")
    if channel not in OrderEvent.Channel.values:
        channel = ""
    context = {
        "order": order,
        "events": selectors.timeline(order, kinds=kinds, channel=channel),
        "kinds": kinds,
        "channel": channel,
        "timeline_kinds": selectors.TIMELINE_KINDS,
        "channels": OrderEvent.Channel.choices,
        "actions": offered(order, request.user),
        "returns": selectors.returns_of(order),
        "decisions": list(order.routing_decisions.all()),
        "routing_wait": routing_wait(order),
    }
    return _htmx_render(request, "customercare/order.html", "timeline", context)


@role_required(CARE_AGENT, OPERATIONS_LEAD)  # operations leads read, never act
def customer_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Every order of the customer from every channel, and the messages sent to them."""
    customer = get_object_or_404(Customer, pk=pk)
    context = {
        "customer": customer,
        "orders": selectors.customer_orders(customer),
        "messages_sent": selectors.customer_messages(customer),
    }
    return render(request, "customercare/customer.html", context)


def _summary(form) -> list[tuple[str, str]]:
    """What the agent is about to confirm, as label and readable value."""
    rows = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", False, 0):
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", []) or [])
        shown = choices.get(value, choices.get(str(value), value))
        rows.append((str(field.label), "✓" if value is True else str(shown)))
    return rows


def _next_url(request: HttpRequest, order: Order) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("care-order", args=[order.number])


@role_required(CARE_AGENT)
def order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One action on an order: the form, then the confirmation, then the service."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    order = get_object_or_404(
        Order.objects.select_related("shop", "customer", "shipping_address__country"),
        number=number,
    )
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    context = {"order": order, "action": spec, "next": _next_url(request, order)}

    def answer(form, *, step: str = "form", status: int = 200, error: str = "") -> HttpResponse:
        context.update(form=form, step=step, error=error)
        if step == "confirm":
            context["summary"] = _summary(form)
        return _htmx_render(request, "customercare/action.html", "panel", context, status=status)

    extra = {"line_id": request.GET.get("line")} if action == "exchange" else {}
    refusal = spec.refusal(order)
    if request.method != "POST":
        context["version"] = order_version(order)
        form = spec.form(order=order, user=request.user, **extra)
        return answer(form, status=409 if refusal else 200, error=refusal)

    context["version"] = request.POST.get("version", "")
    form = spec.form(request.POST, order=order, user=request.user)
    if refusal:
        return answer(form, status=409, error=refusal)
    if not form.is_valid():
        return answer(form, status=422)
    if request.POST.get("confirm") != "yes":
        return answer(form, step="confirm")
    try:
        version = int(request.POST.get("version") or 0) or None
    except ValueError:
        version = None
    try:
        with transaction.atomic():
            locked = lock_order(order.pk)
            check_version(locked, version)
            done = spec.run(locked, form, Actor.for_user(request.user, OrderEvent.Channel.CARE))
    except InvalidInput as error:
        for item in error.errors:
            attr = item.get("attr", "").split(".")[-1]
            form.add_error(attr if attr in form.fields else None, str(item.get("detail", "")))
        return answer(form, status=422, error=error.detail)
    except DomainError as error:
        details = [str(item.get("detail", "")) for item in error.errors if item.get("detail")]
        text = " ".join([error.detail, *details])
        return answer(form, status=409, error=text)
    messages.success(request, done)
    target = _next_url(request, order)
    if request.htmx:
        return HttpResponse(status=200, headers={"HX-Redirect": target})
    return redirect(target)
