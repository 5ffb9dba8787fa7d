"""Request bodies of the care actions the order API lacked (names unique project-wide)."""

from rest_framework import serializers

from orders.services.care import PAYMENT_METHOD_TARGETS


class CareReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class CareNoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class CarePaymentMethodSerializer(CareReasonSerializer):
    method = serializers.ChoiceField(choices=list(PAYMENT_METHOD_TARGETS))


class CareExchangeSerializer(CareReasonSerializer):
    line = serializers.IntegerField(help_text="Id of the order line to exchange from.")
    quantity = serializers.IntegerField(min_value=1)
    sku = serializers.CharField(max_length=64, help_text="Another variant of the same style.")
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=3, min_value=0, required=False,
        help_text="Default: what the old units were paid for.",
    )  # fmt: skip


class CareGoodwillRefundSerializer(CareReasonSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)


class CareVoucherSerializer(CareReasonSerializer):
    code = serializers.CharField(max_length=40)
    value = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0, required=False)


class CareClickCollectSerializer(CareReasonSerializer):
    store = serializers.CharField(max_length=50, help_text="Code of a store offering pickup.")
