from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory import selectors
from inventory.api.serializers import (
    AvailabilityQuerySerializer,
    AvailabilityResponseSerializer,
    StockFeedRequestSerializer,
    StockFeedResponseSerializer,
    StockLevelRowSerializer,
)
from inventory.services import FeedLocationsNotAllowed, apply_stock_feed
from oms.api.errors import problem
from oms.api.idempotency import idempotent
from oms.api.pagination import PAGE_PARAMETERS, page_response, paginated
from oms.api.permissions import IsPartnerOrSystemClient, IsShopOrSystemClient, client_of
from oms.errors import InvalidInput
from oms.models import ApiClient, Shop

FEED_EXAMPLE = {
    "mode": "absolute",
    "items": [
        {"location": "wh-central", "sku": "TSHIRT-WHITE-M", "quantity": 120},
        {"location": "store-berlin-mitte", "sku": "TSHIRT-WHITE-M", "quantity": 4},
    ],
}


class StockView(APIView):
    permission_classes = [IsPartnerOrSystemClient]

    @extend_schema(
        summary="Stock levels",
        description="Stock per SKU and location. A partner client sees only its own locations.",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("sku", str, description="Only this SKU."),
            OpenApiParameter("location", str, description="Only this location code."),
        ],
        responses=paginated(StockLevelRowSerializer),
        examples=[
            OpenApiExample(
                "A stock level",
                response_only=True,
                value={
                    "location": "wh-central",
                    "sku": "TSHIRT-WHITE-M",
                    "on_hand": 120,
                    "reserved": 3,
                    "safety_stock": 5,
                    "in_transit": 40,
                    "available": 112,
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        rows = selectors.stock_rows(
            sku=request.query_params.get("sku") or None,
            location=request.query_params.get("location") or None,
        )
        client = client_of(request)
        if client.scope == ApiClient.Scope.PARTNER:
            rows = rows.filter(location__partner=client.partner)
        return page_response(request, rows, StockLevelRowSerializer)

    @extend_schema(
        summary="Feed stock (bulk)",
        description=(
            "Absolute quantities or deltas for many SKUs and locations from a WMS, ERP, store "
            "system or partner. Every item is checked first; on any error nothing is applied "
            "and `errors` name the items (`items.3.sku`). A partner client may feed only its "
            "own locations (403). Send `Idempotency-Key` to make retries safe."
        ),
        request=StockFeedRequestSerializer,
        responses={200: StockFeedResponseSerializer},
        examples=[
            OpenApiExample("Absolute feed", request_only=True, value=FEED_EXAMPLE),
            OpenApiExample(
                "Delta feed",
                request_only=True,
                value={
                    "mode": "delta",
                    "items": [{"location": "wh-central", "sku": "JEANS-BLUE-32", "quantity": -2}],
                },
            ),
            OpenApiExample("Applied", response_only=True, value={"updated": 2}),
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        # Checked by the service item by item: a serializer per item is too slow for 100k.
        data = request.data if isinstance(request.data, dict) else {}
        items = data.get("items")
        if not isinstance(items, list):
            raise InvalidInput(
                [{"attr": "items", "code": "required", "detail": _("Send a list of items.")}]
            )
        client = client_of(request)
        try:
            updated = apply_stock_feed(
                mode=data.get("mode"),
                items=items,
                source=f"api:{client.name}",
                actor=client,
                partner=client.partner if client.scope == ApiClient.Scope.PARTNER else None,
            )
        except FeedLocationsNotAllowed as refusal:
            return problem(
                403, "Forbidden", refusal.detail, code=refusal.code, errors=refusal.errors
            )
        return Response({"updated": updated})


@extend_schema(
    summary="Availability (available-to-promise)",
    description=(
        "What the shop may sell now per SKU: for home delivery (with the earliest delivery "
        "date) and per pickup store. Stock minus reservations minus safety stock, only from "
        "the locations the shop may use (active, not under outage), minus quotas set aside for "
        "other marketplace shops. Service articles are available where a service region covers "
        "the destination (`country`, `postcode`). A shop client may ask only for its own shop."
    ),
    parameters=[
        OpenApiParameter(
            "shop", str, description="Shop code (a shop client's own shop when left out)."
        ),
        OpenApiParameter("sku", str, many=True, required=True, description="Repeat per SKU."),
        OpenApiParameter("country", str, description="Destination country (ISO code)."),
        OpenApiParameter("postcode", str, description="Destination postcode."),
    ],
    responses={
        200: AvailabilityResponseSerializer,
        400: {"description": "No SKU, an unknown SKU or no shop."},
        404: {"description": "Unknown shop."},
    },
    examples=[
        OpenApiExample(
            "Two SKUs",
            response_only=True,
            value={
                "items": [
                    {
                        "sku": "TSHIRT-WHITE-M",
                        "available": 12,
                        "service": False,
                        "ship": {
                            "available": 12,
                            "earliest_delivery": "2026-11-28",
                            "in_transit": None,
                        },
                        "pickup": [{"location": "store-berlin-mitte", "available": 2}],
                        "in_transit": {"quantity": 40, "expected_on": "2026-12-03"},
                    },
                    {
                        "sku": "SERVICE-ASSEMBLY",
                        "available": 999,
                        "service": True,
                        "ship": {
                            "available": 999,
                            "earliest_delivery": "2026-11-28",
                            "in_transit": None,
                        },
                        "pickup": [],
                        "in_transit": None,
                    },
                ]
            },
        )
    ],
)
class AvailabilityView(APIView):
    permission_classes = [IsShopOrSystemClient]

    def get(self, request: Request) -> Response:
        query = AvailabilityQuerySerializer(
            data={
                key: request.query_params.getlist(key) if key == "sku" else value
                for key, value in request.query_params.items()
            }
        )
        query.is_valid(raise_exception=True)
        params = query.validated_data
        client = client_of(request)
        code = params.get("shop") or (client.shop.code if client.shop else None)
        if not code:
            raise ValidationError({"shop": [_("Name the shop.")]})
        if client.scope == ApiClient.Scope.SHOP and code != client.shop.code:
            raise PermissionDenied(_("A shop client may ask only for its own shop."))
        if client.shop is not None and client.shop.code == code:
            shop = client.shop  # already loaded with the token
        else:
            shop = get_object_or_404(Shop.objects.select_related("country"), code=code)
        skus = list(dict.fromkeys(params["sku"]))
        items = selectors.availability(
            shop=shop, skus=skus, country=params.get("country"), postcode=params.get("postcode")
        )
        # Shaped as AvailabilityResponseSerializer documents; plain dicts keep it fast.
        return Response({"items": items})
