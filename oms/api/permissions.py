"""Which API clients may call what: shop-, partner- and system-bound tokens."""

from rest_framework.permissions import BasePermission

from oms.models import ApiClient


def client_of(request) -> ApiClient | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, ApiClient) else None


class IsSystemClient(BasePermission):
    message = "Only a system client may do this."

    def has_permission(self, request, view) -> bool:
        client = client_of(request)
        return client is not None and client.scope == ApiClient.Scope.SYSTEM


class IsShopOrSystemClient(BasePermission):
    message = "Only a shop or system client may do this."

    def has_permission(self, request, view) -> bool:
        client = client_of(request)
        return client is not None and client.scope in (ApiClient.Scope.SHOP, ApiClient.Scope.SYSTEM)


class IsPartnerOrSystemClient(BasePermission):
    message = "Only a partner or system client may do this."

    def has_permission(self, request, view) -> bool:
        client = client_of(request)
        return client is not None and client.scope in (
            ApiClient.Scope.PARTNER,
            ApiClient.Scope.SYSTEM,
        )
