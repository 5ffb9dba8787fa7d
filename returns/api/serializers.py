"""Return requests and answers (API.md "Orders": POST /orders/{number}/returns)."""

from rest_framework import serializers

from returns.models import Refund, Return, ReturnLine


class ReturnRequestLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The order line's id.")
    quantity = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    condition = serializers.ChoiceField(
        choices=ReturnLine.Condition.choices, default=ReturnLine.Condition.RESELLABLE
    )


class ReturnRequestSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Return.Channel.choices, default=Return.Channel.MAIL)
    location = serializers.SlugField(
        required=False,
        allow_null=True,
        help_text="The store that takes the return (channel `store`).",
    )
    payout = serializers.ChoiceField(
        choices=Refund.Method.choices,
        default=Refund.Method.ORIGINAL,
        help_text="Store returns only: how the money was given back at the counter.",
    )
    lines = ReturnRequestLineSerializer(many=True, allow_empty=False)


class ReturnDestinationSerializer(serializers.Serializer):
    location = serializers.CharField()
    name = serializers.CharField()
    street = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()


class ReturnLineAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line = serializers.IntegerField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    reason = serializers.CharField()
    condition = serializers.ChoiceField(choices=ReturnLine.Condition.choices)
    amount = serializers.CharField(help_text="Stored net value of the returned units.")
    destination = serializers.CharField(allow_null=True)


class ReturnAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="Return authorisation number.")
    order = serializers.CharField()
    channel = serializers.ChoiceField(choices=Return.Channel.choices)
    status = serializers.ChoiceField(choices=Return.Status.choices)
    refund_amount = serializers.CharField()
    goods_value = serializers.CharField()
    shipping_refund = serializers.CharField()
    fee = serializers.CharField()
    refund_on = serializers.CharField()
    refunded = serializers.BooleanField()
    destination = ReturnDestinationSerializer()
    received_at = serializers.CharField(allow_null=True)
    slip_url = serializers.URLField(help_text="Printable return slip; opens without login.")
    lines = ReturnLineAnswerSerializer(many=True)
    created_at = serializers.DateTimeField()


class ReturnCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="Why the parcel will not come.")


class ReturnReceiveSerializer(serializers.Serializer):
    location = serializers.SlugField(
        required=False, allow_null=True, help_text="Where it arrived (default: the slip's)."
    )


class ReturnInspectLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The return line's id.")
    condition = serializers.ChoiceField(choices=ReturnLine.Condition.choices)


class ReturnInspectSerializer(serializers.Serializer):
    lines = ReturnInspectLineSerializer(many=True, required=False)


class ReturnTransferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField(source="product.sku")
    quantity = serializers.IntegerField()
    condition = serializers.CharField()
    source = serializers.CharField(source="source.code")
    target = serializers.CharField(source="target.code")
    status = serializers.CharField()
    return_number = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    arrived_at = serializers.DateTimeField(allow_null=True)

    def get_return_number(self, transfer) -> str | None:
        return transfer.return_line.return_order.number if transfer.return_line else None
