from rest_framework import serializers


class StockFeedItemSerializer(serializers.Serializer):
    location = serializers.CharField(help_text="Location code, e.g. wh-central.")
    sku = serializers.CharField()
    quantity = serializers.IntegerField(help_text="Absolute: ≥ 0. Delta: may be negative.")


class StockFeedRequestSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["absolute", "delta"])
    items = StockFeedItemSerializer(many=True, help_text="Up to 200,000 items; all or nothing.")


class StockFeedResponseSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="Items applied.")


class StockLevelRowSerializer(serializers.Serializer):
    location = serializers.CharField(source="location.code")
    sku = serializers.CharField(source="product.sku")
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    safety_stock = serializers.IntegerField(source="effective_safety")
    in_transit = serializers.IntegerField()
    available = serializers.IntegerField()


class AvailabilityQuerySerializer(serializers.Serializer):
    shop = serializers.CharField(required=False, help_text="Shop code (a shop client: its own).")
    sku = serializers.ListField(
        child=serializers.CharField(), min_length=1, max_length=100, help_text="Repeat per SKU."
    )
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False)
    postcode = serializers.CharField(required=False, max_length=10)


class AvailabilityLaterSerializer(serializers.Serializer):
    available = serializers.IntegerField(help_text="Of ship.available: units still in transit.")
    earliest_delivery = serializers.DateField(
        allow_null=True, help_text="When they can be delivered (after arrival)."
    )


class AvailabilityShipSerializer(serializers.Serializer):
    available = serializers.IntegerField(
        help_text="Units the shop may sell for delivery (with stock in transit if it sells it)."
    )
    earliest_delivery = serializers.DateField(
        allow_null=True, help_text="Of the first unit: from stock on hand, else after arrival."
    )
    in_transit = AvailabilityLaterSerializer(
        allow_null=True,
        help_text="Only shops that sell stock in transit: the part of `available` that is "
        "still on its way, and its later delivery date.",
    )


class AvailabilityPickupSerializer(serializers.Serializer):
    location = serializers.CharField()
    available = serializers.IntegerField()


class AvailabilityInTransitSerializer(serializers.Serializer):
    quantity = serializers.IntegerField()
    expected_on = serializers.DateField()


class AvailabilityItemSerializer(serializers.Serializer):
    sku = serializers.CharField()
    available = serializers.IntegerField()
    service = serializers.BooleanField(help_text="A service article: available by region.")
    ship = AvailabilityShipSerializer()
    pickup = AvailabilityPickupSerializer(many=True)
    in_transit = AvailabilityInTransitSerializer(
        allow_null=True,
        help_text="Stock on its way to the shop's locations (reported to every shop).",
    )


class AvailabilityResponseSerializer(serializers.Serializer):
    items = AvailabilityItemSerializer(many=True)
