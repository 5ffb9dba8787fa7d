"""Care actions over the API: the same services the care console calls."""

from collections.abc import Callable

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from customercare.api.serializers import (
    CareClickCollectSerializer,
    CareExchangeSerializer,
    CareGoodwillRefundSerializer,
    CareNoteSerializer,
    CarePaymentMethodSerializer,
    CareReasonSerializer,
    CareVoucherSerializer,
)
from oms.api.idempotency import idempotent
from oms.api.permissions import IsShopOrSystemClient, client_of
from orders.api.serializers import OrderSerializer
from orders.api.views import PROBLEM, order_response, visible_order
from orders.services import Actor, care

RESPONSES = {200: OrderSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM}


def _act(
    request: Request, number: str, serializer_class: type[serializers.Serializer], run: Callable
) -> Response:
    order = visible_order(request, number)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    run(order, serializer.validated_data, Actor.for_api_client(client_of(request)))
    return order_response(request, number)


@extend_schema(
    operation_id="orders_notes_create",
    summary="Add an internal note to the order's timeline",
    request=CareNoteSerializer,
    responses=RESPONSES,
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_note(request: Request, number: str) -> Response:
    return _act(
        request,
        number,
        CareNoteSerializer,
        lambda order, data, actor: care.add_note(order=order, text=data["text"], actor=actor),
    )


@extend_schema(
    operation_id="orders_payment_method",
    summary="Change the payment method (e.g. failed card → prepayment or invoice)",
    description="Only while nothing has been paid; prepayment only before fulfilment.",
    request=CarePaymentMethodSerializer,
    responses=RESPONSES,
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_payment_method(request: Request, number: str) -> Response:
    return _act(
        request,
        number,
        CarePaymentMethodSerializer,
        lambda order, data, actor: care.change_payment_method(
            order=order, method=data["method"], reason=data["reason"], actor=actor
        ),
    )


@extend_schema(
    operation_id="orders_exchange",
    summary="Exchange units of a line for another size or colour of the same style",
    description=(
        "Unshipped units are cancelled first; delivered ones are taken back by a return "
        "(refunded as the shop's return rules say). The new variant is added and routed, the "
        "price difference charged or refunded."
    ),
    request=CareExchangeSerializer,
    responses=RESPONSES,
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_exchange(request: Request, number: str) -> Response:
    return _act(
        request,
        number,
        CareExchangeSerializer,
        lambda order, data, actor: care.exchange_line(
            order=order,
            line_id=data["line"],
            quantity=data["quantity"],
            sku=data["sku"],
            unit_price=data.get("unit_price"),
            reason=data["reason"],
            actor=actor,
        ),
    )


@extend_schema(
    operation_id="orders_goodwill_refund",
    summary="Refund an amount as a goodwill gesture (at most what was paid)",
    request=CareGoodwillRefundSerializer,
    responses=RESPONSES,
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_goodwill_refund(request: Request, number: str) -> Response:
    return _act(
        request,
        number,
        CareGoodwillRefundSerializer,
        lambda order, data, actor: care.goodwill_refund(
            order=order, amount=data["amount"], reason=data["reason"], actor=actor
        ),
    )


@extend_schema(
    operation_id="orders_vouchers_create",
    summary="Record a voucher code given to the customer",
    request=CareVoucherSerializer,
    responses=RESPONSES,
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_voucher(request: Request, number: str) -> Response:
    return _act(
        request,
        number,
        CareVoucherSerializer,
        lambda order, data, actor: care.issue_voucher(
            order=order,
            code=data["code"],
            value=data.get("value"),
            reason=data["reason"],
            actor=actor,
        ),
    )


@extend_schema(
    operation_id="orders_click_collect",
    summary="Switch a pending home-delivery order to click & collect",
    request=CareClickCollectSerializer,
    responses=RESPONSES,
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_click_collect(request: Request, number: str) -> Response:
    return _act(
        request,
        number,
        CareClickCollectSerializer,
        lambda order, data, actor: care.switch_to_click_collect(
            order=order, store_code=data["store"], reason=data["reason"], actor=actor
        ),
    )


@extend_schema(
    operation_id="orders_messages_resend",
    summary="Send a customer message again, word for word",
    request=CareReasonSerializer,
    responses=RESPONSES,
)
@api_view(["POST"])
@permission_classes([IsShopOrSystemClient])
@idempotent
def order_message_resend(request: Request, number: str, message_id: str) -> Response:
    from django.shortcuts import get_object_or_404

    def run(order, data, actor):
        message = get_object_or_404(order.messages, pk=int(message_id))
        care.resend_message(message=message, reason=data["reason"], actor=actor)

    return _act(request, number, CareReasonSerializer, run)
