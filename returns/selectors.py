"""Reads on returns: the API answer, the desk's search, the customer's slip link."""

from django.core import signing
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from oms.models import ApiClient
from orders.money import quantize
from orders.selectors import orders_visible_to
from returns.models import Return, ReturnLine

SLIP_SALT = "returns.slip"


def returns_visible_to(client: ApiClient | None) -> QuerySet[Return]:
    """A shop client sees its own shop's returns; a system client (or staff, None) all."""
    return Return.objects.filter(order__in=orders_visible_to(client))


def with_details(returns: QuerySet[Return]) -> QuerySet[Return]:
    return returns.select_related(
        "order__shop", "order__customer", "destination__country", "received_at_location"
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=ReturnLine.objects.select_related("order_line", "destination").order_by("pk"),
        ),
        "refunds",
    )


def return_detail(client: ApiClient | None, pk: int) -> Return:
    return get_object_or_404(with_details(returns_visible_to(client)), pk=pk)


def return_search(query: str = "", status: str = "") -> QuerySet[Return]:
    """Returns by authorisation number, order number, e-mail or customer name."""
    returns = with_details(Return.objects.all())
    query = query.strip()
    if query:
        returns = returns.filter(
            Q(number__iexact=query)
            | Q(order__number__iexact=query)
            | Q(order__email__iexact=query)
            | Q(order__customer__last_name__iexact=query)
        )
    if status:
        returns = returns.filter(status=status)
    return returns.order_by("-created_at", "-pk")


def slip_token(return_order: Return) -> str:
    return signing.dumps({"return": return_order.pk}, salt=SLIP_SALT)


def slip_url(return_order: Return) -> str:
    """The printable return slip; signed, so the customer opens it without logging in."""
    return reverse("returns-slip", args=[slip_token(return_order)])


def return_for_slip(token: str) -> Return | None:
    try:
        pk = signing.loads(token, salt=SLIP_SALT)["return"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    return with_details(Return.objects.all()).filter(pk=pk).first()


def return_representation(return_order: Return, request=None) -> dict:
    """The return as the API shows it (also inside the order's answer)."""
    currency = return_order.order.currency
    slip = slip_url(return_order)
    destination = return_order.destination
    return {
        "id": return_order.pk,
        "number": return_order.number,
        "order": return_order.order.number,
        "channel": return_order.channel,
        "status": return_order.status,
        "refund_amount": str(quantize(return_order.refund_amount, currency)),
        "goods_value": str(quantize(return_order.goods_value, currency)),
        "shipping_refund": str(quantize(return_order.shipping_refund, currency)),
        "fee": str(quantize(return_order.fee, currency)),
        "refund_on": return_order.refund_on,
        "refunded": any(refund.succeeded for refund in return_order.refunds.all()),
        "destination": {
            "location": destination.code,
            "name": destination.name,
            "street": destination.street,
            "postcode": destination.postcode,
            "city": destination.city,
            "country": destination.country.code,
        },
        "received_at": return_order.received_at_location.code
        if return_order.received_at_location
        else None,
        "slip_url": request.build_absolute_uri(slip) if request is not None else slip,
        "lines": [
            {
                "id": line.pk,
                "line": line.order_line_id,
                "sku": line.order_line.sku,
                "quantity": line.quantity,
                "reason": line.reason,
                "condition": line.condition,
                "amount": str(quantize(line.amount, currency)),
                "destination": line.destination.code if line.destination else None,
            }
            for line in return_order.lines.all()
        ],
        "created_at": return_order.created_at.isoformat(),
    }


def returns_of_order(order, request=None) -> list[dict]:
    """The order's returns for the order's API answer (`"returns": [...]`)."""
    return [
        return_representation(return_order, request)
        for return_order in with_details(order.returns.all()).order_by("pk")
    ]
