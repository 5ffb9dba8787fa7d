"""Bearer-token authentication for API clients (tokens are stored hashed)."""

from collections.abc import Callable
from functools import cache

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from oms.models import ApiClient, hash_token
from oms.prepared import Prepared

Convert = Callable[[object], object]


@cache
def _client_query(
    vendor: str,
) -> tuple[str | Prepared, tuple[tuple[type[Model], tuple[str, ...]], ...], tuple]:
    """The active client of a token hash with its shop, the shop's country and its partner, as
    one SELECT built from the models once per process.

    Every API request authenticates, and compiling the same four-table join through the ORM
    cost about 2 ms of CPU per request; the rows become model instances exactly as the ORM
    would make them (the database's and the fields' converters applied). On PostgreSQL it is a
    prepared statement: planning the join took longer than running it.
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
    select, layout, converters = [], [], []
    for model, alias in tables:
        fields = model._meta.concrete_fields
        layout.append((model, tuple(field.attname for field in fields)))
        for field in fields:
            select.append(f"{alias}.{quote(field.column)}")
            column = field.get_col(alias)
            converters.append(
                (
                    column,
                    tuple(
                        connection.ops.get_db_converters(column)
                        + column.get_db_converters(connection)
                    ),
                )
            )

    def join(alias: str, model: type[Model], on: str) -> str:
        return f"LEFT JOIN {quote(model._meta.db_table)} {alias} ON {alias}.{quote(model._meta.pk.column)} = {on}"

    sql = (
        f"SELECT {', '.join(select)} FROM {quote(ApiClient._meta.db_table)} c "
        + join("s", shop_model, f"c.{quote(shop_field.column)}")
        + " "
        + join("k", country_field.related_model, f"s.{quote(country_field.column)}")
        + " "
        + join("p", partner_field.related_model, f"c.{quote(partner_field.column)}")
        + f" WHERE c.{quote('token_hash')} = $1 AND c.{quote('is_active')} = $2"
    )
    if vendor == "postgresql":  # planning the join cost more than running it: prepared
        sql = Prepared("oms_api_client", "text, boolean", sql)
    else:
        sql = sql.replace("$1", "%s").replace("$2", "%s")
    return sql, tuple(layout), tuple(converters)


def find_client(token: str) -> ApiClient | None:
    """The active API client holding this token, its shop (with country) and partner loaded."""
    sql, layout, converters = _client_query(connection.vendor)
    if isinstance(sql, Prepared):
        sql = sql.call()
    with connection.cursor() as cursor:
        cursor.execute(sql, [hash_token(token), True])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (column, convert) in zip(row, converters, strict=True):
        for converter in convert:
            value = converter(value, column, connection)
        values.append(value)
    objects = []
    start = 0
    for model, names in layout:
        part = values[start : start + len(names)]
        start += len(names)
        objects.append(None if part[0] is None else model.from_db(connection.alias, names, part))
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
