from django.contrib import admin

from instore.models import Parcel, PickIssueReason, Pickup, StoreSettings


@admin.register(PickIssueReason)
class PickIssueReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "stock_effect", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["stock_effect", "is_active"]
    search_fields = ["code", "name"]


@admin.register(StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "shop",
        "amber_after_minutes",
        "due_after_minutes",
        "pickup_days",
        "verification",
        "manual_confirm",
    ]


@admin.register(Pickup)
class PickupAdmin(admin.ModelAdmin):
    list_display = ["code", "delivery_order", "ready_at", "expires_at", "collected_at"]
    list_select_related = ["delivery_order"]
    search_fields = ["code", "delivery_order__order__number"]
    readonly_fields = ["delivery_order", "code", "ready_at", "notices_sent", "collected_at"]


@admin.register(Parcel)
class ParcelAdmin(admin.ModelAdmin):
    list_display = ["tracking_number", "carrier", "delivery_order", "weight_grams", "shipment"]
    list_select_related = ["carrier", "delivery_order", "shipment"]
    search_fields = ["tracking_number", "delivery_order__order__number"]
    readonly_fields = ["delivery_order", "number", "carrier", "tracking_number", "shipment"]
