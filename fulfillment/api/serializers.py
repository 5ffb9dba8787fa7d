"""Delivery orders and shipments as the API shows and takes them (API.md)."""

import datetime

from rest_framework import serializers

from fulfillment.models import Carrier, CarrierService, DeliveryOrder, DeliveryOrderLine, Shipment
from orders.models import Address


class DeliveryLineQuantitySerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, help_text="The order line's id.")
    quantity = serializers.IntegerField(min_value=1)


class DeliveryOrderRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    lines = DeliveryLineQuantitySerializer(many=True, required=False)


class DeliveryOrderShipSerializer(serializers.Serializer):
    carrier = serializers.SlugField()
    tracking_number = serializers.CharField(max_length=100)
    lines = DeliveryLineQuantitySerializer(many=True, required=False)


class ShipmentEventInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[Shipment.Status.IN_TRANSIT, Shipment.Status.DELIVERED, Shipment.Status.EXCEPTION]
    )
    at = serializers.DateTimeField(
        default_timezone=datetime.UTC, help_text="ISO 8601 with offset; without one, UTC."
    )
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ShipmentSerializer(serializers.ModelSerializer):
    carrier = serializers.CharField(source="carrier.code")
    tracking_url = serializers.CharField()

    class Meta:
        model = Shipment
        fields = ["id", "carrier", "tracking_number", "tracking_url", "status", "promised_date"]


class DeliveryOrderLineSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(source="order_line_id")

    class Meta:
        model = DeliveryOrderLine
        fields = ["line", "sku", "quantity", "quantity_shipped", "quantity_rejected"]


class DeliveryOrderAddressSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Address
        fields = [
            "first_name",
            "last_name",
            "company",
            "street",
            "street2",
            "postcode",
            "city",
            "country",
            "phone",
        ]
        read_only_fields = fields


class DeliveryOrderSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    location = serializers.CharField(source="location.code")
    shipping_address = DeliveryOrderAddressSerializer(
        source="order.shipping_address",
        read_only=True,
        help_text="Where to send the parcel: always the order's current delivery address.",
    )
    lines = DeliveryOrderLineSerializer(many=True)
    shipments = ShipmentSerializer(many=True)

    class Meta:
        model = DeliveryOrder
        fields = [
            "id",
            "order",
            "location",
            "status",
            "promised_date",
            "reject_reason",
            "created_at",
            "shipping_address",
            "lines",
            "shipments",
        ]


class CarrierServiceSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="level")

    class Meta:
        model = CarrierService
        fields = ["service", "cutoff_time", "transit_days", "working_days"]


class CarrierSerializer(serializers.ModelSerializer):
    """API.md "Carriers": `services` names the service levels (as orders' `delivery.service`
    does); `service_details` adds each one's cut-off time, transit days and working days."""

    services = serializers.SerializerMethodField()
    service_details = CarrierServiceSerializer(source="services", many=True)

    class Meta:
        model = Carrier
        fields = ["code", "name", "services", "tracking_url_template", "service_details"]

    def get_services(self, carrier: Carrier) -> list[str]:
        return [service.level for service in carrier.services.all()]
