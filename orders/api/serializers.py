"""Orders API shapes (API.md "Orders"); serializers validate and shape, services decide."""

from decimal import Decimal
from typing import ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from orders.models import Address, Order, OrderEvent, OrderLine, Payment
from orders.money import format_money

SUBMITTED_PAYMENT_STATUSES = [
    (Payment.Status.PENDING.value, Payment.Status.PENDING.label),
    (Payment.Status.AUTHORIZED.value, Payment.Status.AUTHORIZED.label),
    (Payment.Status.PAID.value, Payment.Status.PAID.label),
]
RECORDED_PAYMENT_STATUSES = [
    (Payment.Status.PAID.value, Payment.Status.PAID.label),
    (Payment.Status.AUTHORIZED.value, Payment.Status.AUTHORIZED.label),
]
MONEY_INPUT = {"max_digits": 14, "decimal_places": 6, "coerce_to_string": True}


def money_input(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**MONEY_INPUT, **kwargs)


class OrderCustomerInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    group = serializers.CharField(max_length=40, required=False, allow_blank=True)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)


class OrderAddressSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    company = serializers.CharField(max_length=100, required=False, allow_blank=True)
    street = serializers.CharField(max_length=200)
    street2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=10)
    city = serializers.CharField(max_length=100)
    country = serializers.CharField(max_length=2, min_length=2)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)

    def to_representation(self, instance):
        if isinstance(instance, Address):
            return {
                "first_name": instance.first_name,
                "last_name": instance.last_name,
                "company": instance.company,
                "street": instance.street,
                "street2": instance.street2,
                "postcode": instance.postcode,
                "city": instance.city,
                "country": instance.country.code,
                "phone": instance.phone,
            }
        return super().to_representation(instance)


class OrderDeliveryInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Order.DeliveryMethod.choices)
    service = serializers.CharField(max_length=40, required=False, allow_blank=True)
    pickup_location = serializers.CharField(
        max_length=50, required=False, allow_null=True, allow_blank=True
    )


class OrderPaymentInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Order.PaymentMethod.choices)
    status = serializers.ChoiceField(choices=SUBMITTED_PAYMENT_STATUSES)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    amount = money_input(min_value=Decimal("0"))


class OrderLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    unit_price = money_input(min_value=Decimal("0"))
    discount = money_input(min_value=Decimal("0"), required=False)


class OrderDiscountInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=60, required=False, allow_blank=True)
    amount = money_input(min_value=Decimal("0"))


class OrderSubmitSerializer(serializers.Serializer):
    shop = serializers.CharField(max_length=50)
    external_id = serializers.CharField(max_length=100)
    currency = serializers.CharField(max_length=3, min_length=3)
    customer = OrderCustomerInputSerializer()
    billing_address = OrderAddressSerializer()
    shipping_address = OrderAddressSerializer(required=False, allow_null=True)
    delivery = OrderDeliveryInputSerializer()
    payment = OrderPaymentInputSerializer(required=False, allow_null=True)
    lines = OrderLineInputSerializer(many=True, allow_empty=False, max_length=500)
    discounts = OrderDiscountInputSerializer(many=True, required=False)
    shipping_fee = money_input(min_value=Decimal("0"), required=False)

    _shared_fields: ClassVar[BindingDict | None] = None

    @property
    def fields(self) -> BindingDict:
        """The field tree, built once per process instead of deep-copied for every request.

        Intake is the hottest POST and copying some fifty declared fields was a tenth of its
        CPU. Sharing is safe here: this serializer only validates input, and validating
        keeps no state on the fields (the result and errors live on each request's own
        serializer); nothing of it reads the context.
        """
        cls = type(self)
        if cls._shared_fields is None:
            cls._shared_fields = serializers.Serializer.fields.func(self)
        return cls._shared_fields


@extend_schema_field(OpenApiTypes.STR)
class MoneyField(serializers.Field):
    """An amount as a decimal string in the currency's minor unit ("19.99")."""

    def __init__(self, attr: str, **kwargs) -> None:
        self.attr = attr
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj) -> str:
        currency = getattr(obj, "currency", None) or obj.order.currency
        return format_money(getattr(obj, self.attr), currency)


class OrderLineSerializer(serializers.ModelSerializer):
    unit_price = MoneyField("unit_price")
    discount = MoneyField("discount")
    order_discount = MoneyField("order_discount")
    net_price = MoneyField("net_price")

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku",
            "name",
            "quantity",
            "unit_price",
            "discount",
            "order_discount",
            "net_price",
            "quantity_cancelled",
            "quantity_allocated",
            "quantity_shipped",
            "quantity_returned",
            "status",
        ]


class OrderPaymentSerializer(serializers.ModelSerializer):
    amount = MoneyField("amount")
    amount_captured = MoneyField("amount_captured")
    amount_refunded = MoneyField("amount_refunded")

    class Meta:
        model = Payment
        fields = ["method", "status", "amount", "amount_captured", "amount_refunded", "reference"]


class OrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["at", "type", "actor", "actor_kind", "channel", "message"]


class OrderCustomerSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class OrderDeliverySerializer(serializers.Serializer):
    method = serializers.CharField()
    service = serializers.CharField()
    pickup_location = serializers.CharField(allow_null=True)


class OrderSerializer(serializers.ModelSerializer):
    """The order as every endpoint answers it."""

    shop = serializers.CharField(source="shop.code")
    customer = OrderCustomerSerializer()
    billing_address = OrderAddressSerializer()
    shipping_address = OrderAddressSerializer()
    delivery = serializers.SerializerMethodField()
    subtotal = MoneyField("subtotal")
    discount_total = MoneyField("discount_total")
    shipping_fee = MoneyField("shipping_fee")
    total = MoneyField("total")
    lines = OrderLineSerializer(many=True)
    payments = OrderPaymentSerializer(many=True)
    amount_due = serializers.SerializerMethodField()
    delivery_orders = serializers.SerializerMethodField()
    returns = serializers.SerializerMethodField()
    events = OrderEventSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "shop",
            "external_id",
            "currency",
            "subtotal",
            "discount_total",
            "shipping_fee",
            "total",
            "amount_due",
            "payment_method",
            "customer",
            "billing_address",
            "shipping_address",
            "delivery",
            "hold_reason",
            "lines",
            "delivery_orders",
            "payments",
            "returns",
            "events",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(OrderDeliverySerializer)
    def get_delivery(self, order: Order) -> dict:
        return {
            "method": order.delivery_method,
            "service": order.delivery_service,
            "pickup_location": order.pickup_location.code if order.pickup_location else None,
        }

    @extend_schema_field(OpenApiTypes.STR)
    def get_amount_due(self, order: Order) -> str:
        from orders.services.payments import amount_due

        return format_money(amount_due(order), order.currency)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_delivery_orders(self, order: Order) -> list[dict]:
        return delivery_orders_of(order)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_returns(self, order: Order) -> list[dict]:
        return returns_of(order)


class OrderListItemSerializer(serializers.ModelSerializer):
    shop = serializers.CharField(source="shop.code")
    total = MoneyField("total")

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "shop",
            "external_id",
            "email",
            "currency",
            "total",
            "payment_method",
            "created_at",
            "updated_at",
        ]


class OrderCancelLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)


class OrderCancelSerializer(serializers.Serializer):
    lines = OrderCancelLineSerializer(many=True, required=False, allow_null=True, allow_empty=False)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class OrderPaymentRecordSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RECORDED_PAYMENT_STATUSES)
    amount = money_input(min_value=Decimal("0.001"))
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)


class OrderReviewSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text="Same as note (as in cancel)."
    )

    def validate(self, attrs: dict) -> dict:
        return {"note": attrs.get("note") or attrs.get("reason") or ""}


def _address(address: Address) -> dict:
    return OrderAddressSerializer().to_representation(address)


def delivery_orders_of(order: Order) -> list[dict]:
    """The order's delivery orders with their lines and shipments (API.md shape)."""
    from fulfillment.api.serializers import DeliveryOrderSerializer

    delivery_orders = (
        order.delivery_orders.select_related("location", "order__shipping_address__country")
        .prefetch_related("lines", "shipments__carrier")
        .order_by("pk")
    )
    return DeliveryOrderSerializer(delivery_orders, many=True).data


def returns_of(order: Order) -> list[dict]:
    from returns.selectors import returns_of_order

    return returns_of_order(order)


def order_representation(
    order: Order, *, delivery_orders: list[dict] | None = None, returns: list[dict] | None = None
) -> dict:
    """The order as OrderSerializer describes it, built by hand: intake is a hot path and
    DRF's ModelSerializer introspection costs more than the rest of the answer.

    Lines, payments and events come from the order's prefetch cache when it has one; pass
    `delivery_orders` and `returns` when they are known (a just-accepted order has none).
    """
    from orders.services.payments import amount_due

    currency = order.currency
    timestamp = serializers.DateTimeField().to_representation
    lines = list(order.lines.all())
    payments = list(order.payments.all())
    customer = order.customer
    return {
        "number": order.number,
        "status": order.status,
        "shop": order.shop.code,
        "external_id": order.external_id,
        "currency": currency,
        "subtotal": format_money(order.subtotal, currency),
        "discount_total": format_money(order.discount_total, currency),
        "shipping_fee": format_money(order.shipping_fee, currency),
        "total": format_money(order.total, currency),
        "amount_due": format_money(amount_due(order), currency),
        "payment_method": order.payment_method,
        "customer": {
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
        },
        "billing_address": _address(order.billing_address),
        "shipping_address": _address(order.shipping_address),
        "delivery": {
            "method": order.delivery_method,
            "service": order.delivery_service,
            "pickup_location": order.pickup_location.code if order.pickup_location else None,
        },
        "hold_reason": order.hold_reason,
        "lines": [
            {
                "id": line.pk,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": format_money(line.unit_price, currency),
                "discount": format_money(line.discount, currency),
                "order_discount": format_money(line.order_discount, currency),
                "net_price": format_money(line.net_price, currency),
                "quantity_cancelled": line.quantity_cancelled,
                "quantity_allocated": line.quantity_allocated,
                "quantity_shipped": line.quantity_shipped,
                "quantity_returned": line.quantity_returned,
                "status": line.status,
            }
            for line in lines
        ],
        "delivery_orders": delivery_orders_of(order)
        if delivery_orders is None
        else delivery_orders,
        "payments": [
            {
                "method": payment.method,
                "status": payment.status,
                "amount": format_money(payment.amount, currency),
                "amount_captured": format_money(payment.amount_captured, currency),
                "amount_refunded": format_money(payment.amount_refunded, currency),
                "reference": payment.reference,
            }
            for payment in payments
        ],
        "returns": returns_of(order) if returns is None else returns,
        "events": [
            {
                "at": timestamp(event.at),
                "type": event.type,
                "actor": event.actor,
                "actor_kind": event.actor_kind,
                "channel": event.channel,
                "message": event.message,
            }
            for event in order.events.all()
        ],
        "created_at": timestamp(order.created_at),
        "updated_at": timestamp(order.updated_at),
    }
