"""Delivery orders and shipments API (API.md "Delivery orders"): thin views over the services."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from fulfillment import selectors
from fulfillment.api.serializers import (
    CarrierSerializer,
    DeliveryOrderRejectSerializer,
    DeliveryOrderSerializer,
    DeliveryOrderShipSerializer,
    ShipmentEventInputSerializer,
    ShipmentSerializer,
)
from fulfillment.models import Carrier, DeliveryOrder, Shipment
from fulfillment.services.delivery import (
    LineQuantity,
    delivery_order_accept,
    delivery_order_reject,
    delivery_order_ship,
    shipment_record_event,
)
from oms.api.idempotency import idempotent
from oms.api.pagination import PAGE_PARAMETERS, page_response, paginated
from oms.api.permissions import IsPartnerOrSystemClient, client_of
from oms.models import ApiClient
from orders.services.events import Actor

PROBLEM = {"description": "application/problem+json"}


def visible_delivery_orders(request: Request):
    """A partner client sees only its own locations' delivery orders; a system client all."""
    queryset = DeliveryOrder.objects.select_related(
        "order__shipping_address__country", "location"
    ).prefetch_related("lines", "shipments__carrier")
    client = client_of(request)
    if client.scope == ApiClient.Scope.PARTNER:
        queryset = queryset.filter(location__partner=client.partner)
    return queryset


def _lines(data: dict) -> list[LineQuantity] | None:
    items = data.get("lines")
    if not items:
        return None
    return [LineQuantity(line_id=item["line"], quantity=item["quantity"]) for item in items]


@extend_schema(
    operation_id="delivery_orders_list",
    tags=["Delivery orders"],
    parameters=[
        *PAGE_PARAMETERS,
        OpenApiParameter("location", str, description="Location code."),
        OpenApiParameter("status", str, description="Delivery order status, e.g. released."),
    ],
    responses={200: paginated(DeliveryOrderSerializer)},
)
@api_view(["GET"])
@permission_classes([IsPartnerOrSystemClient])
def delivery_orders(request: Request) -> Response:
    queryset = visible_delivery_orders(request).order_by("-created_at", "-pk")
    if location := request.query_params.get("location"):
        queryset = queryset.filter(location__code=location)
    if state := request.query_params.get("status"):
        queryset = queryset.filter(status=state)
    return page_response(request, queryset, DeliveryOrderSerializer)


@extend_schema(
    operation_id="delivery_orders_accept",
    tags=["Delivery orders"],
    request=None,
    responses={200: DeliveryOrderSerializer, 404: PROBLEM, 409: PROBLEM},
)
@api_view(["POST"])
@permission_classes([IsPartnerOrSystemClient])
@idempotent
def delivery_order_accept_view(request: Request, pk: int) -> Response:
    delivery_order = get_object_or_404(visible_delivery_orders(request), pk=pk)
    delivery_order = delivery_order_accept(
        delivery_order=delivery_order, actor=Actor.for_api_client(request.user)
    )
    return Response(DeliveryOrderSerializer(visible_delivery_orders(request).get(pk=pk)).data)


@extend_schema(
    operation_id="delivery_orders_reject",
    tags=["Delivery orders"],
    request=DeliveryOrderRejectSerializer,
    responses={200: DeliveryOrderSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    examples=[
        OpenApiExample(
            "Reject one unit",
            value={"reason": "damaged", "lines": [{"line": 17, "quantity": 1}]},
            request_only=True,
        )
    ],
)
@api_view(["POST"])
@permission_classes([IsPartnerOrSystemClient])
@idempotent
def delivery_order_reject_view(request: Request, pk: int) -> Response:
    delivery_order = get_object_or_404(visible_delivery_orders(request), pk=pk)
    serializer = DeliveryOrderRejectSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    delivery_order_reject(
        delivery_order=delivery_order,
        reason=serializer.validated_data["reason"],
        lines=_lines(serializer.validated_data),
        actor=Actor.for_api_client(request.user),
    )
    return Response(DeliveryOrderSerializer(visible_delivery_orders(request).get(pk=pk)).data)


@extend_schema(
    operation_id="delivery_orders_ship",
    tags=["Delivery orders"],
    request=DeliveryOrderShipSerializer,
    responses={201: ShipmentSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    examples=[
        OpenApiExample(
            "Ship one unit with DHL",
            value={
                "carrier": "dhl",
                "tracking_number": "00340434161234567890",
                "lines": [{"line": 17, "quantity": 1}],
            },
            request_only=True,
        )
    ],
)
@api_view(["POST"])
@permission_classes([IsPartnerOrSystemClient])
@idempotent
def delivery_order_ship_view(request: Request, pk: int) -> Response:
    delivery_order = get_object_or_404(visible_delivery_orders(request), pk=pk)
    serializer = DeliveryOrderShipSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    carrier = Carrier.objects.filter(
        code=serializer.validated_data["carrier"], is_active=True
    ).first()
    if carrier is None:
        from oms.errors import InvalidInput

        raise InvalidInput([{"attr": "carrier", "code": "unknown", "detail": "Unknown carrier."}])
    shipment = delivery_order_ship(
        delivery_order=delivery_order,
        carrier=carrier,
        tracking_number=serializer.validated_data["tracking_number"],
        lines=_lines(serializer.validated_data),
        actor=Actor.for_api_client(request.user),
    )
    return Response(ShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED)


@extend_schema(
    operation_id="shipments_events",
    tags=["Shipments"],
    request=ShipmentEventInputSerializer,
    responses={200: ShipmentSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    examples=[
        OpenApiExample(
            "Delivered",
            value={
                "status": "delivered",
                "at": "2026-11-27T10:00:00+01:00",
                "message": "Zugestellt",
            },
            request_only=True,
        )
    ],
)
@api_view(["POST"])
@permission_classes([IsPartnerOrSystemClient])
@idempotent
def shipment_events(request: Request, pk: int) -> Response:
    shipments = Shipment.objects.select_related("carrier", "delivery_order")
    client = client_of(request)
    if client.scope == ApiClient.Scope.PARTNER:
        shipments = shipments.filter(delivery_order__location__partner=client.partner)
    shipment = get_object_or_404(shipments, pk=pk)
    serializer = ShipmentEventInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    shipment = shipment_record_event(
        shipment=shipment, **serializer.validated_data, actor=Actor.for_api_client(request.user)
    )
    return Response(ShipmentSerializer(shipment).data)


@extend_schema(
    operation_id="carriers_list",
    summary="Carriers and their service levels",
    description="The active carriers a location may name when it ships (`carrier` of "
    "`POST /api/v1/delivery-orders/{id}/ship`). Any API client may read them.",
    parameters=PAGE_PARAMETERS,
    responses=paginated(CarrierSerializer),
    examples=[
        OpenApiExample(
            "A carrier",
            response_only=True,
            value={
                "code": "dhl",
                "name": "DHL Paket",
                "services": ["express", "standard"],
                "tracking_url_template": "https://www.dhl.de/track?piececode={tracking_number}",
                "service_details": [
                    {
                        "service": "express",
                        "cutoff_time": "12:00:00",
                        "transit_days": 1,
                        "working_days": "12345",
                    },
                    {
                        "service": "standard",
                        "cutoff_time": "15:00:00",
                        "transit_days": 2,
                        "working_days": "123456",
                    },
                ],
            },
        )
    ],
)
@api_view(["GET"])
def carriers(request: Request) -> Response:
    return page_response(request, selectors.active_carriers(), CarrierSerializer)
