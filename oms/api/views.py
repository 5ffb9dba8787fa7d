from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from oms.api.permissions import client_of


@extend_schema(
    summary="Who am I",
    description="Proves the bearer token works and tells what it is bound to.",
    responses=inline_serializer(
        "MeResponse",
        {
            "name": serializers.CharField(),
            "scope": serializers.ChoiceField(choices=["shop", "partner", "system"]),
            "shop": serializers.CharField(allow_null=True),
            "partner": serializers.CharField(allow_null=True),
        },
    ),
)
@api_view(["GET"])
def me(request: Request) -> Response:
    client = client_of(request)
    return Response(
        {
            "name": client.name,
            "scope": client.scope,
            "shop": client.shop.code if client.shop else None,
            "partner": client.partner.code if client.partner else None,
        }
    )
