"""API routes. Every path works with and without a trailing slash (API.md)."""

from django.urls import include, path, re_path

from oms.api import views


def api_path(route: str, view, name: str):
    """A route under /api/v1/ that matches with or without the trailing slash."""
    return re_path(rf"^{route.rstrip('/')}/?$", view, name=name)


urlpatterns = [
    api_path("me", views.me, "api-me"),
    path("", include("inventory.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("fulfillment.api.urls")),
    path("", include("monitoring.api.urls")),
    path("", include("returns.api.urls")),
    path("", include("customercare.api.urls")),
]
