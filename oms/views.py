"""Start pages: each role lands on its own screen after login."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from oms.access import role_required, stores_of
from oms.roles import (
    CARE_AGENT,
    OPERATIONS_LEAD,
    PARTNER_USER,
    START_PAGES,
    STORE_STAFF,
    roles_of,
)


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Send the user to their role's start page."""
    user_roles = roles_of(request.user)
    for role, url_name in START_PAGES:
        if role in user_roles:
            return redirect(url_name)
    return render(request, "oms/no_role.html", status=403)


def _placeholder(request: HttpRequest, title: str, text: str) -> HttpResponse:
    return render(request, "oms/placeholder.html", {"title": title, "text": text})


@role_required(OPERATIONS_LEAD)
def dashboard(request: HttpRequest) -> HttpResponse:
    return _placeholder(
        request,
        _("Operations dashboard"),
        _("Order flow, lead times and backlog will appear here."),
    )


@role_required(CARE_AGENT)
def care_home(request: HttpRequest) -> HttpResponse:
    return _placeholder(request, _("Customer care"), _("Search orders and customers here."))


@role_required(STORE_STAFF)
def store_home(request: HttpRequest) -> HttpResponse:
    """A store user bound to one store goes straight to it; with several, they pick one."""
    stores = list(stores_of(request.user))
    if len(stores) == 1:
        return redirect("store-queue", code=stores[0].code)
    return render(request, "oms/store_picker.html", {"stores": stores})


@role_required(STORE_STAFF)
def store_queue(request: HttpRequest, code: str) -> HttpResponse:
    from oms.access import store_for

    store = store_for(request.user, code)
    return render(request, "oms/store_queue.html", {"store": store})


@role_required(PARTNER_USER)
def partner_home(request: HttpRequest) -> HttpResponse:
    partner = request.user.partner
    return render(request, "oms/partner_home.html", {"partner": partner})
