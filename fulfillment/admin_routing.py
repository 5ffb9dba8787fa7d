"""Admin for carriers' transit data, routing strategies and decisions, delivery orders.

Imported from `FulfillmentConfig.ready()` (fulfillment/admin.py holds partners and carriers).
"""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django_fsm import TransitionNotAllowed

from fulfillment.models import (
    DeliveryOrder,
    DeliveryOrderLine,
    Holiday,
    LocationCarrier,
    LocationRoutingProfile,
    RoutingDecision,
    RoutingStrategy,
    Shipment,
    ShipmentEvent,
    TransitTime,
)

SIMULATED_ORDERS = 50


@admin.register(TransitTime)
class TransitTimeAdmin(admin.ModelAdmin):
    list_display = ["service", "country", "zone", "postcode_from", "postcode_to", "transit_days"]
    list_filter = ["service__carrier", "service__level", "country"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "country", "region", "name"]
    list_filter = ["country", "region"]
    date_hierarchy = "date"


@admin.register(LocationCarrier)
class LocationCarrierAdmin(admin.ModelAdmin):
    list_display = ["location", "service", "cutoff_time", "cost_base", "cost_per_kg", "is_active"]
    list_filter = ["service__carrier", "is_active"]
    search_fields = ["location__code"]


@admin.register(LocationRoutingProfile)
class LocationRoutingProfileAdmin(admin.ModelAdmin):
    list_display = ["location", "priority", "ships_hazardous"]
    search_fields = ["location__code"]


@admin.register(RoutingStrategy)
class RoutingStrategyAdmin(admin.ModelAdmin):
    list_display = ["shop", "customer_group", "name", "version", "status", "activated_at"]
    list_filter = ["status", "shop"]
    readonly_fields = ["status", "created_at", "activated_at"]
    actions = ["activate", "archive", "copy_as_draft", "simulate"]
    fieldsets = [
        (None, {"fields": ["shop", "customer_group", "name", "version", "status"]}),
        (
            _("Hard filters"),
            {
                "fields": [
                    "allowed_location_types",
                    "exclude_outage",
                    "require_destination",
                    "require_capacity",
                    "hazardous_only_permitted",
                    "bulky_max_distance_km",
                    "dropshipper_own_skus_only",
                    "allow_split",
                    "max_locations",
                ]
            },
        ),
        (
            _("Weighted criteria"),
            {
                "fields": [
                    "weight_parcels",
                    "weight_delivery",
                    "weight_distance",
                    "weight_cost",
                    "weight_backlog",
                    "weight_priority",
                    "weight_markdown",
                ]
            },
        ),
        (None, {"fields": ["created_at", "activated_at"]}),
    ]

    @admin.action(description=_("Activate (archives the version active now)"))
    def activate(self, request: HttpRequest, queryset: QuerySet[RoutingStrategy]) -> None:
        for strategy in queryset:
            with transaction.atomic():
                for current in RoutingStrategy.objects.select_for_update().filter(
                    shop=strategy.shop,
                    customer_group=strategy.customer_group,
                    status=RoutingStrategy.Status.ACTIVE,
                ):
                    current.archive()
                    current.save()
                try:
                    strategy.activate()
                except TransitionNotAllowed:
                    self.message_user(
                        request, _("Only a draft can be activated: %s") % strategy, messages.ERROR
                    )
                    transaction.set_rollback(True)
                    continue
                strategy.save()
            self.message_user(request, _("Activated: %s") % strategy, messages.SUCCESS)

    @admin.action(description=_("Archive"))
    def archive(self, request: HttpRequest, queryset: QuerySet[RoutingStrategy]) -> None:
        for strategy in queryset.exclude(status=RoutingStrategy.Status.ARCHIVED):
            strategy.archive()
            strategy.save()

    @admin.action(description=_("Copy as a new draft version"))
    def copy_as_draft(self, request: HttpRequest, queryset: QuerySet[RoutingStrategy]) -> None:
        for strategy in queryset:
            latest = (
                RoutingStrategy.objects.filter(
                    shop=strategy.shop, customer_group=strategy.customer_group
                )
                .order_by("-version")
                .first()
            )
            copy = RoutingStrategy.objects.get(pk=strategy.pk)
            copy.pk = None
            copy._state.adding = True
            copy.version = latest.version + 1
            copy.activated_at = None
            copy.__dict__["status"] = RoutingStrategy.Status.DRAFT
            copy.save()
            self.message_user(request, _("Draft created: %s") % copy, messages.SUCCESS)

    @admin.action(description=_("Simulate against recent orders (nothing is written)"))
    def simulate(self, request: HttpRequest, queryset: QuerySet[RoutingStrategy]) -> None:
        from fulfillment.services.routing import simulate_strategy
        from orders.models import Order

        for strategy in queryset:
            orders = Order.objects.filter(shop=strategy.shop).order_by("-created_at")[
                :SIMULATED_ORDERS
            ]
            outcomes = simulate_strategy(strategy, orders)
            changed = 0
            parcels = 0
            for order, result, codes in outcomes:
                chosen = sorted(codes[location_id] for location_id in result.location_ids)
                parcels += len(chosen)
                actual = order.routing_decisions.order_by("created_at").first()
                if actual is not None and sorted(actual.chosen) != chosen:
                    changed += 1
            self.message_user(
                request,
                _(
                    "%(strategy)s on %(orders)d recent orders: %(parcels)d parcels, "
                    "%(changed)d routed differently than they were."
                )
                % {
                    "strategy": strategy,
                    "orders": len(outcomes),
                    "parcels": parcels,
                    "changed": changed,
                },
                messages.INFO,
            )


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(admin.ModelAdmin):
    list_display = ["order", "created_at", "outcome", "reason", "method", "chosen", "elapsed_ms"]
    list_filter = ["outcome", "method", "reason"]
    search_fields = ["order__number"]
    readonly_fields = [
        "order",
        "strategy",
        "strategy_version",
        "reason",
        "outcome",
        "method",
        "objective",
        "elapsed_ms",
        "chosen",
        "unallocated",
        "explanation",
        "created_at",
    ]
    exclude = ["candidates"]

    @admin.display(description=_("candidates"))
    def explanation(self, decision: RoutingDecision) -> str:
        rows = []
        for candidate in decision.candidates:
            if candidate.get("excluded"):
                why = _("excluded: %s") % candidate["excluded"]
            else:
                scores = ", ".join(
                    f"{name} {value:g}" for name, value in (candidate.get("weighted") or {}).items()
                )
                why = f"{_('cost')} {candidate.get('cost')}: {scores}"
            if candidate.get("line_exclusions"):
                why += " · " + ", ".join(
                    f"{sku}: {rule}" for sku, rule in candidate["line_exclusions"].items()
                )
            rows.append(("✔" if candidate.get("chosen") else "", candidate["code"], why))
        return format_html_join("", "<div>{} <strong>{}</strong> – {}</div>", rows)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class DeliveryOrderLineInline(admin.TabularInline):
    model = DeliveryOrderLine
    extra = 0
    can_delete = False
    readonly_fields = [
        "order_line",
        "sku",
        "quantity",
        "quantity_shipped",
        "quantity_rejected",
        "quantity_cancelled",
    ]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(DeliveryOrder)
class DeliveryOrderAdmin(admin.ModelAdmin):
    list_display = ["pk", "order", "location", "status", "promised_date", "created_at"]
    list_filter = ["status", "location"]
    search_fields = ["order__number"]
    readonly_fields = [
        "order",
        "location",
        "status",
        "decision",
        "carrier_service",
        "promised_date",
        "reject_reason",
        "released_at",
        "accepted_at",
        "shipped_at",
    ]
    inlines = [DeliveryOrderLineInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ShipmentEventInline(admin.TabularInline):
    model = ShipmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["status", "at", "message", "received_at"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["tracking_number", "carrier", "status", "promised_date", "shipped_at"]
    list_filter = ["status", "carrier"]
    search_fields = ["tracking_number", "delivery_order__order__number"]
    readonly_fields = [
        "delivery_order",
        "carrier",
        "tracking_number",
        "status",
        "promised_date",
        "shipped_at",
        "delivered_at",
        "late_notified_at",
    ]
    inlines = [ShipmentEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
