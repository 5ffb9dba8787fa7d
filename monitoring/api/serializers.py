"""The dashboard figures as the API shows them: durations in seconds, money as decimal strings."""

from rest_framework import serializers

from inventory.models import Location
from monitoring.models import Step
from monitoring.selectors import REASONS, WINDOWS
from oms.models import Shop


class DashboardQuerySerializer(serializers.Serializer):
    window = serializers.ChoiceField(choices=list(WINDOWS), required=False, default="7d")
    shop = serializers.SlugRelatedField(
        slug_field="code", queryset=Shop.objects.all(), required=False
    )
    channel = serializers.ChoiceField(choices=Shop.Channel.choices, required=False)
    location = serializers.SlugRelatedField(
        slug_field="code", queryset=Location.objects.all(), required=False
    )
    location_type = serializers.ChoiceField(choices=Location.Type.choices, required=False)


class DashboardStateSerializer(serializers.Serializer):
    status = serializers.CharField()
    lt_1h = serializers.IntegerField(help_text="Placed less than an hour ago.")
    h1_4 = serializers.IntegerField(help_text="Placed 1 to 4 hours ago.")
    h4_24 = serializers.IntegerField(help_text="Placed 4 to 24 hours ago.")
    gt_24h = serializers.IntegerField(help_text="Placed more than 24 hours ago.")
    total = serializers.IntegerField()


class DashboardStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=Step.choices)
    count = serializers.IntegerField(help_text="How often the step was finished in the window.")
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)
    sla_seconds = serializers.FloatField()


class DashboardStuckOrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    shop = serializers.CharField()
    location = serializers.CharField(allow_blank=True)
    step = serializers.ChoiceField(choices=Step.choices)
    reason = serializers.ChoiceField(choices=list(REASONS))
    since = serializers.DateTimeField()
    age_seconds = serializers.FloatField()
    sla_seconds = serializers.FloatField()


class DashboardBacklogSerializer(serializers.Serializer):
    location = serializers.CharField()
    type = serializers.CharField()
    open_delivery_orders = serializers.IntegerField()
    created_today = serializers.IntegerField()
    daily_capacity = serializers.IntegerField()


class DashboardHourSerializer(serializers.Serializer):
    hour = serializers.IntegerField(min_value=0, max_value=23)
    orders_today = serializers.IntegerField()
    revenue_today = serializers.DecimalField(max_digits=16, decimal_places=2)
    orders_last_week = serializers.IntegerField()
    revenue_last_week = serializers.DecimalField(max_digits=16, decimal_places=2)


class DashboardFiguresSerializer(serializers.Serializer):
    orders = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    parcels_per_order = serializers.FloatField(allow_null=True)
    store_share = serializers.FloatField(allow_null=True, help_text="0–1")
    cancellation_rate = serializers.FloatField(allow_null=True, help_text="0–1")
    return_rate = serializers.FloatField(
        allow_null=True, help_text="Units returned per unit shipped, 0–1."
    )
    on_time_rate = serializers.FloatField(allow_null=True, help_text="0–1")


class DashboardSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    window = serializers.CharField()
    filters = serializers.DictField(child=serializers.CharField())
    states = DashboardStateSerializer(many=True)
    steps = DashboardStepSerializer(many=True)
    stuck = DashboardStuckOrderSerializer(many=True, help_text="The 100 oldest.")
    stuck_total = serializers.IntegerField()
    backlog = DashboardBacklogSerializer(many=True)
    hourly = DashboardHourSerializer(many=True)
    figures = DashboardFiguresSerializer()
