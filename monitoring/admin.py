"""Admin: service levels per step and shop, alert recipients, and the breaches found."""

from django.contrib import admin
from django.http import HttpRequest

from monitoring.models import AlertSettings, SlaBreach, StepSla


@admin.register(StepSla)
class StepSlaAdmin(admin.ModelAdmin):
    list_display = ["step", "shop", "max_duration"]
    list_filter = ["step", "shop"]
    list_editable = ["max_duration"]
    autocomplete_fields = ["shop"]


@admin.register(AlertSettings)
class AlertSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "mode", "recipients", "digest_hour"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row holds the settings.
        return super().has_add_permission(request) and not AlertSettings.objects.exists()


@admin.register(SlaBreach)
class SlaBreachAdmin(admin.ModelAdmin):
    list_display = ["order", "step", "reason", "step_started_at", "detected_at", "notified_at"]
    list_filter = ["step", "reason", "detected_at"]
    search_fields = ["order__number"]
    date_hierarchy = "detected_at"
    list_select_related = ["order"]
    readonly_fields = [field.name for field in SlaBreach._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
