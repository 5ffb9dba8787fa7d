"""Writes on the tenant-wide configuration: API clients and their tokens."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fulfillment.models import Partner
from oms.models import ApiClient, Shop


@transaction.atomic
def api_client_create(
    *,
    name: str,
    scope: str,
    shop: Shop | None = None,
    partner: Partner | None = None,
) -> tuple[ApiClient, str]:
    """Register an API client and return it with its token in clear text (shown once)."""
    client = ApiClient(name=name, scope=scope, shop=shop, partner=partner)
    token = client.issue_token()
    client.full_clean()
    client.save()
    return client, token


@transaction.atomic
def api_clients_revoke(*, clients: QuerySet[ApiClient]) -> int:
    """Revoke the clients' tokens for good; return how many were still active."""
    return clients.filter(is_active=True).update(is_active=False, revoked_at=timezone.now())
