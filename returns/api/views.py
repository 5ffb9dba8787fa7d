"""Returns API: announce (shop), receive/inspect/close (returns centre, warehouse), transfers."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.models import Location
from oms.api.idempotency import idempotent
from oms.api.pagination import PAGE_PARAMETERS, PagePagination, page_response, paginated
from oms.api.permissions import IsShopOrSystemClient, IsSystemClient, client_of
from oms.errors import InvalidInput
from orders.selectors import order_detail
from orders.services.events import Actor
from returns import selectors, services
from returns.api.serializers import (
    ReturnAnswerSerializer,
    ReturnCancelSerializer,
    ReturnInspectSerializer,
    ReturnReceiveSerializer,
    ReturnRequestSerializer,
    ReturnTransferSerializer,
)
from returns.models import Return, Transfer

PROBLEM = {"description": "application/problem+json"}
REFUSALS = (
    "409 with a reason per line in `errors`: `not_delivered` (the line was never delivered), "
    "`more_than_delivered` (more units than delivered and not yet returned), "
    "`return_window_expired` (after the shop's return window)."
)


def _location(code: str | None, attr: str = "location") -> Location | None:
    if not code:
        return None
    location = Location.objects.filter(code=code).first()
    if location is None:
        raise InvalidInput([{"attr": attr, "code": "unknown", "detail": "No such location."}])
    return location


def _answer(request: Request, return_order: Return, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.return_detail(None, return_order.pk)
    return Response(selectors.return_representation(fresh, request), status=code)


@extend_schema(
    methods=["GET"],
    operation_id="orders_returns_list",
    summary="The order's returns",
    responses={200: ReturnAnswerSerializer(many=True), 404: PROBLEM},
)
@extend_schema(
    methods=["POST"],
    operation_id="orders_returns_create",
    summary="Announce a return (mail) or record a store return",
    description=(
        "Creates a return authorisation. `refund_amount` follows the discount allocation "
        "recorded at intake (per unit, never recomputed); the shipping fee comes back with the "
        "last unit of the order when the shop refunds it; a shop's return fee is kept. "
        "`mail`: the OMS picks the address the parcel goes to (`destination`, printable "
        "`slip_url`). `store`: the goods were taken back at `location` and paid out at once "
        "(`payout`). " + REFUSALS + " Idempotent with `Idempotency-Key`."
    ),
    request=ReturnRequestSerializer,
    responses={
        201: ReturnAnswerSerializer,
        400: PROBLEM,
        404: PROBLEM,
        409: PROBLEM,
        422: PROBLEM,
    },
    examples=[
        OpenApiExample(
            "One unit by mail",
            value={
                "channel": "mail",
                "lines": [
                    {"line": 17, "quantity": 1, "reason": "too small", "condition": "resellable"}
                ],
            },
            request_only=True,
        ),
        OpenApiExample(
            "In store, paid out in cash",
            value={
                "channel": "store",
                "location": "store-berlin-mitte",
                "payout": "cash",
                "lines": [
                    {"line": 17, "quantity": 1, "reason": "defect", "condition": "defective"}
                ],
            },
            request_only=True,
        ),
    ],
)
@api_view(["GET", "POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_returns(request: Request, number: str) -> Response:
    order = order_detail(client_of(request), number)
    if request.method == "GET":
        return Response(selectors.returns_of_order(order, request))
    return create_return(request, order)


def create_return(request: Request, order) -> Response:
    serializer = ReturnRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    actor = Actor.for_api_client(client_of(request))
    items = [
        services.ReturnItem(
            line_id=item["line"],
            quantity=item["quantity"],
            reason=item.get("reason") or "",
            condition=item["condition"],
        )
        for item in data["lines"]
    ]
    location = _location(data.get("location"))
    if data["channel"] == Return.Channel.STORE:
        if location is None:
            raise InvalidInput(
                [{"attr": "location", "code": "required", "detail": "Name the store."}]
            )
        return_order = services.return_take_in_store(
            order=order, store=location, items=items, payout=data["payout"], actor=actor
        )
    else:
        return_order = services.return_announce(
            order=order, channel=Return.Channel.MAIL, items=items, actor=actor
        )
    return _answer(request, return_order, status.HTTP_201_CREATED)


@extend_schema(
    operation_id="returns_list",
    summary="List returns",
    description="Paginated; a shop client sees only its own shop's returns.",
    parameters=[
        OpenApiParameter("status", str, enum=Return.Status.values),
        OpenApiParameter("order", str, description="Order number"),
        *PAGE_PARAMETERS,
    ],
    responses={200: paginated(ReturnAnswerSerializer)},
)
@api_view(["GET"])
@permission_classes([IsShopOrSystemClient])
def returns_list(request: Request) -> Response:
    returns = selectors.with_details(selectors.returns_visible_to(client_of(request)))
    if wanted := request.query_params.get("status"):
        returns = returns.filter(status=wanted)
    if order := request.query_params.get("order"):
        returns = returns.filter(order__number=order)
    paginator = PagePagination()
    page = paginator.paginate_queryset(returns.order_by("-created_at", "-pk"), request)
    return paginator.get_paginated_response(
        [selectors.return_representation(item, request) for item in page]
    )


@extend_schema(
    operation_id="returns_retrieve",
    summary="One return",
    responses={200: ReturnAnswerSerializer, 404: PROBLEM},
)
@api_view(["GET"])
@permission_classes([IsShopOrSystemClient])
def return_detail(request: Request, pk: int) -> Response:
    return _answer(request, selectors.return_detail(client_of(request), pk))


@extend_schema(
    operation_id="returns_cancel",
    summary="Cancel an announced return (the parcel will not come)",
    description="Its units may be returned again. 409 once received, or when it was refunded "
    "at announcement. A shop client only for its own orders.",
    request=ReturnCancelSerializer,
    responses={200: ReturnAnswerSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def return_cancel(request: Request, pk: int) -> Response:
    return_order = selectors.return_detail(client_of(request), pk)
    serializer = ReturnCancelSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.return_cancel(
        return_order=return_order,
        reason=serializer.validated_data["reason"],
        actor=Actor.for_api_client(client_of(request)),
    )
    return _answer(request, return_order)


@extend_schema(
    operation_id="returns_receive",
    summary="The return parcel arrived (returns centre, warehouse)",
    description="Counts the units as returned; refunds now when the shop refunds on receipt.",
    request=ReturnReceiveSerializer,
    responses={200: ReturnAnswerSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
)
@api_view(["POST"])
@permission_classes([IsSystemClient])
@idempotent
def return_receive(request: Request, pk: int) -> Response:
    return_order = selectors.return_detail(client_of(request), pk)
    serializer = ReturnReceiveSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.return_receive(
        return_order=return_order,
        location=_location(serializer.validated_data.get("location")),
        actor=Actor.for_api_client(client_of(request)),
    )
    return _answer(request, return_order)


@extend_schema(
    operation_id="returns_inspect",
    summary="Record the goods' condition and route them",
    description=(
        "Optionally corrects the condition per return line. Resellable goods go back on the "
        "shelf here or on a transfer to the cheapest warehouse; defective goods to the returns "
        "centre or the supplier. Refunds now when the shop refunds after inspection."
    ),
    request=ReturnInspectSerializer,
    responses={200: ReturnAnswerSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    examples=[
        OpenApiExample(
            "One line defective",
            value={"lines": [{"id": 5, "condition": "defective"}]},
            request_only=True,
        )
    ],
)
@api_view(["POST"])
@permission_classes([IsSystemClient])
@idempotent
def return_inspect(request: Request, pk: int) -> Response:
    return_order = selectors.return_detail(client_of(request), pk)
    serializer = ReturnInspectSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.return_inspect(
        return_order=return_order,
        conditions={
            item["id"]: item["condition"] for item in serializer.validated_data.get("lines", [])
        },
        actor=Actor.for_api_client(client_of(request)),
    )
    return _answer(request, return_order)


@extend_schema(
    operation_id="returns_close",
    summary="Close an inspected return (refunds what is still due)",
    request=None,
    responses={200: ReturnAnswerSerializer, 404: PROBLEM, 409: PROBLEM},
)
@api_view(["POST"])
@permission_classes([IsSystemClient])
@idempotent
def return_close(request: Request, pk: int) -> Response:
    return_order = selectors.return_detail(client_of(request), pk)
    services.return_close(return_order=return_order, actor=Actor.for_api_client(client_of(request)))
    return _answer(request, return_order)


@extend_schema(
    operation_id="transfers_list",
    summary="Transfers of returned goods",
    parameters=[
        *PAGE_PARAMETERS,
        OpenApiParameter("status", str, enum=Transfer.Status.values),
        OpenApiParameter("target", str, description="Location code"),
    ],
    responses={200: paginated(ReturnTransferSerializer)},
)
@api_view(["GET"])
@permission_classes([IsSystemClient])
def transfers(request: Request) -> Response:
    found = Transfer.objects.select_related(
        "product", "source", "target", "return_line__return_order"
    )
    if wanted := request.query_params.get("status"):
        found = found.filter(status=wanted)
    if target := request.query_params.get("target"):
        found = found.filter(target__code=target)
    return page_response(request, found.order_by("-created_at", "-pk"), ReturnTransferSerializer)


@extend_schema(
    operation_id="transfers_arrive",
    summary="Transferred goods arrived: they become the target's stock",
    request=None,
    responses={200: ReturnTransferSerializer, 404: PROBLEM, 409: PROBLEM},
)
@api_view(["POST"])
@permission_classes([IsSystemClient])
@idempotent
def transfer_arrive(request: Request, pk: int) -> Response:
    transfer = get_object_or_404(Transfer, pk=pk)
    transfer = services.transfer_arrive(
        transfer=transfer, actor=Actor.for_api_client(client_of(request))
    )
    return Response(ReturnTransferSerializer(transfer).data)
