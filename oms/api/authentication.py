"""Bearer-token authentication for API clients (tokens are stored hashed)."""

from functools import cache

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from oms.models import ApiClient, hash_token
from oms.prepared import Prepared
from oms.rows import columns, instance


@cache
def _client_query() -> tuple[Prepared, tuple[type[Model], ...]]:
    """The active client of a token hash with its shop, the shop's country and its partner, as
    one SELECT built from the models once per process, and the models in its column order.

    Every API request authenticates, and compiling the same four-table join through the ORM
    cost about 2 ms of CPU per request; the rows become model instances exactly as the ORM
    would make them (`oms.rows.instance`). On PostgreSQL it is a prepared statement: planning
    the join took longer than running it.
    """
    quote = connection.ops.quote_name
    shop_field = ApiClient._meta.get_field("shop")
    partner_field = ApiClient._meta.get_field("partner")
    shop_model = shop_field.related_model
    country_field = shop_model._meta.get_field("country")
    tables = (
        (ApiClient, "c"),
        (shop_model, "s"),
        (country_field.related_model, "k"),
        (partner_field.related_model, "p"),
    )
    select = ", ".join(columns(model, alias) for model, alias in tables)

    def join(alias: str, model: type[Model], on: str) -> str:
        return f"LEFT JOIN {quote(model._meta.db_table)} {alias} ON {alias}.{quote(model._meta.pk.column)} = {on}"

    sql = (
        f"SELECT {select} FROM {quote(ApiClient._meta.db_table)} c "
        + join("s", shop_model, f"c.{quote(shop_field.column)}")
        + " "
        + join("k", country_field.related_model, f"s.{quote(country_field.column)}")
        + " "
        + join("p", partner_field.related_model, f"c.{quote(partner_field.column)}")
        + f" WHERE c.{quote('token_hash')} = $1 AND c.{quote('is_active')} = $2"
    )
    statement = Prepared("oms_api_client", "text, boolean", sql)
    return statement, tuple(model for model, _alias in tables)


def find_client(token: str) -> ApiClient | None:
    """The active API client holding this token, its shop (with country) and partner loaded."""
    statement, models = _client_query()
    with connection.cursor() as cursor:
        cursor.execute(statement.statement(), [hash_token(token), True])
        row = cursor.fetchone()
    if row is None:
        return None
    objects = []
    start = 0
    for model in models:
        part = row[start : start + len(model._meta.concrete_fields)]
        start += len(part)
        objects.append(None if part[0] is None else instance(model, part))
    client, shop, country, partner = objects
    if shop is not None:
        shop.country = country
    client.shop = shop
    client.partner = partner
    return client


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <token>'.")
        client = find_client(parts[1])
        if client is None:
            raise exceptions.AuthenticationFailed("The token is unknown or revoked.")
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return client, client

    def authenticate_header(self, request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "oms.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
