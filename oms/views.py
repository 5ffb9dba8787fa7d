"""Start pages: each role lands on its own screen after login."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from oms.access import role_required, stores_of
from oms.roles import (
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


@role_required(STORE_STAFF)
def store_home(request: HttpRequest) -> HttpResponse:
    """A store user bound to one store goes straight to it; with several, they pick one."""
    stores = list(stores_of(request.user))
    if len(stores) == 1:
        return redirect("store-queue", code=stores[0].code)
    return render(request, "oms/store_picker.html", {"stores": stores})
