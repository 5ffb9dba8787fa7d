"""Orders API (API.md "Orders"): thin views over orders.services."""

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from oms.api.idempotency import idempotent
from oms.api.pagination import PAGE_PARAMETERS, page_response, paginated
from oms.api.permissions import IsShopOrSystemClient, client_of
from oms.errors import InvalidInput
from orders import selectors, services
from orders.api.serializers import (
    OrderAddressSerializer,
    OrderCancelSerializer,
    OrderListItemSerializer,
    OrderPaymentRecordSerializer,
    OrderReviewSerializer,
    OrderSerializer,
    OrderSubmitSerializer,
    order_representation,
)
from orders.models import Order

PROBLEM = {"description": "application/problem+json"}
ORDER_EXAMPLE = {
    "shop": "de-web",
    "external_id": "WEB-100001",
    "currency": "EUR",
    "customer": {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+49301234567",
        "group": "standard",
    },
    "billing_address": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "street": "Unter den Linden 1",
        "postcode": "10117",
        "city": "Berlin",
        "country": "DE",
    },
    "shipping_address": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "street": "Unter den Linden 1",
        "postcode": "10117",
        "city": "Berlin",
        "country": "DE",
    },
    "delivery": {"method": "ship", "service": "standard", "pickup_location": None},
    "payment": {
        "method": "card",
        "status": "authorized",
        "reference": "psp-123",
        "amount": "84.92",
    },
    "lines": [
        {"sku": "TSHIRT-WHITE-M", "quantity": 2, "unit_price": "19.99"},
        {"sku": "JEANS-BLUE-32", "quantity": 1, "unit_price": "49.99"},
    ],
    "discounts": [{"code": "WINTER10", "amount": "10.00"}],
    "shipping_fee": "4.95",
}


def parse_time_filter(raw: str) -> datetime | None:
    """An ISO 8601 time from a query string, read as UTC without an offset; None if invalid."""
    try:
        # An unencoded "+01:00" arrives as " 01:00".
        parsed = parse_datetime(raw.replace(" ", "+"))
    except ValueError:  # well formed but impossible, e.g. month 13
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def order_response(request: Request, number: str, code: int = status.HTTP_200_OK) -> Response:
    order = selectors.order_detail(client_of(request), number)
    return Response(order_representation(order), status=code)


def visible_order(request: Request, number: str) -> Order:
    return selectors.order_detail(client_of(request), number)


@extend_schema(
    methods=["GET"],
    operation_id="orders_list",
    summary="List orders",
    description="Paginated; a shop client sees only its own shop's orders.",
    parameters=[
        *PAGE_PARAMETERS,
        OpenApiParameter("shop", str, description="Shop code"),
        OpenApiParameter("status", str, enum=Order.Status.values),
        OpenApiParameter("email", str, description="Customer e-mail (exact, any case)"),
        OpenApiParameter(
            "updated_since",
            OpenApiTypes.DATETIME,
            description="Orders changed at or after this time (ISO 8601; without an offset, UTC).",
        ),
        OpenApiParameter("page", int),
        OpenApiParameter("page_size", int, description="Up to 200"),
    ],
    responses={200: paginated(OrderListItemSerializer)},
)
@extend_schema(
    methods=["POST"],
    operation_id="orders_create",
    summary="Submit an order",
    description=(
        "Validates, reserves the stock and checks risk in one transaction. Idempotent with "
        "`Idempotency-Key`; `external_id` is unique per shop."
    ),
    request=OrderSubmitSerializer,
    responses={201: OrderSerializer, 400: PROBLEM, 403: PROBLEM, 409: PROBLEM, 422: PROBLEM},
    examples=[OpenApiExample("Home delivery, card", value=ORDER_EXAMPLE, request_only=True)],
)
@api_view(["GET", "POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def orders(request: Request) -> Response:
    if request.method == "POST":
        return submit(request)
    errors = []
    status_filter = request.query_params.get("status") or None
    if status_filter and status_filter not in Order.Status.values:
        errors.append({"attr": "status", "code": "invalid_choice", "detail": "Unknown status."})
    updated_since = None
    if raw := request.query_params.get("updated_since"):
        updated_since = parse_time_filter(raw)
        if updated_since is None:
            errors.append({"attr": "updated_since", "code": "invalid", "detail": "Use ISO 8601."})
    if errors:
        raise InvalidInput(errors)
    found = selectors.order_search(
        client_of(request),
        shop=request.query_params.get("shop"),
        status=status_filter,
        email=request.query_params.get("email"),
        updated_since=updated_since,
    )
    return page_response(request, found, OrderListItemSerializer)


def submit(request: Request) -> Response:
    serializer = OrderSubmitSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    client = client_of(request)
    order = services.submit_order(
        client=client,
        data=serializer.validated_data,
        actor=services.Actor.for_api_client(client),
        # With an Idempotency-Key a refusal rolls back the key's record too: no savepoint.
        savepoint=not getattr(request, "rolled_back_on_error", False),
    )
    # Answered from what intake wrote (kept on the order): routing and returns come later.
    answer = order_representation(order, delivery_orders=[], returns=[])
    return Response(answer, status=status.HTTP_201_CREATED)


@extend_schema(
    operation_id="orders_retrieve",
    summary="One order with lines, payments, delivery orders, returns and its timeline",
    responses={200: OrderSerializer, 404: PROBLEM},
)
@api_view(["GET"])
@permission_classes([IsShopOrSystemClient])
def order_detail(request: Request, number: str) -> Response:
    return order_response(request, number)


@extend_schema(
    operation_id="orders_cancel",
    summary="Cancel the order or some line quantities",
    description="Without `lines` the whole order. Only what is not shipped (409 otherwise).",
    request=OrderCancelSerializer,
    responses={200: OrderSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    examples=[
        OpenApiExample(
            "One unit of a line",
            value={"lines": [{"line": 17, "quantity": 1}], "reason": "customer request"},
            request_only=True,
        )
    ],
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_cancel(request: Request, number: str) -> Response:
    order = visible_order(request, number)
    serializer = OrderCancelSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    lines = serializer.validated_data.get("lines")
    services.cancel_order(
        order=order,
        lines=[services.LineQuantity(item["line"], item["quantity"]) for item in lines]
        if lines
        else None,
        reason=serializer.validated_data.get("reason") or "",
        actor=services.Actor.for_api_client(client_of(request)),
    )
    return order_response(request, number)


@extend_schema(
    operation_id="orders_shipping_address",
    summary="Change the shipping address (until shipped)",
    request=OrderAddressSerializer,
    responses={200: OrderSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
)
@api_view(["PUT"])
@permission_classes([IsShopOrSystemClient])
def order_shipping_address(request: Request, number: str) -> Response:
    order = visible_order(request, number)
    serializer = OrderAddressSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.change_shipping_address(
        order=order,
        address=serializer.validated_data,
        actor=services.Actor.for_api_client(client_of(request)),
    )
    return order_response(request, number)


@extend_schema(
    operation_id="orders_payments",
    summary="Record a payment received",
    description="Releases the order for fulfilment once the amount due is covered.",
    request=OrderPaymentRecordSerializer,
    responses={200: OrderSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    examples=[
        OpenApiExample(
            "Bank transfer",
            value={"status": "paid", "amount": "84.92", "reference": "bank-4711"},
            request_only=True,
        )
    ],
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_payments(request: Request, number: str) -> Response:
    order = visible_order(request, number)
    serializer = OrderPaymentRecordSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.record_payment(
        order=order,
        amount=serializer.validated_data["amount"],
        reference=serializer.validated_data.get("reference") or "",
        status=serializer.validated_data["status"],
        actor=services.Actor.for_api_client(client_of(request)),
    )
    return order_response(request, number)


@extend_schema(
    operation_id="orders_approve",
    summary="Approve an order held for risk review",
    request=OrderReviewSerializer,
    responses={200: OrderSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_approve(request: Request, number: str) -> Response:
    order = visible_order(request, number)
    serializer = OrderReviewSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.approve_order(
        order=order,
        note=serializer.validated_data.get("note") or "",
        actor=services.Actor.for_api_client(client_of(request)),
    )
    return order_response(request, number)


@extend_schema(
    operation_id="orders_reject",
    summary="Reject an order held for risk review (cancels it)",
    request=OrderReviewSerializer,
    responses={200: OrderSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_reject(request: Request, number: str) -> Response:
    order = visible_order(request, number)
    serializer = OrderReviewSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.reject_order(
        order=order,
        reason=serializer.validated_data.get("note") or "",
        actor=services.Actor.for_api_client(client_of(request)),
    )
    return order_response(request, number)
