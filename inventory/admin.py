"""Admin console for inventory master data (locations, products) and, below, stock."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin

from inventory.models import Location, Product
from inventory.resources import LocationResource, ProductResource


@admin.register(Location)
class LocationAdmin(ImportExportModelAdmin):
    resource_classes = [LocationResource]
    list_display = [
        "code",
        "name",
        "type",
        "city",
        "postcode",
        "country",
        "daily_capacity",
        "offers_pickup",
        "is_active",
        "is_outage",
    ]
    list_filter = ["type", "country", "is_active", "is_outage", "offers_pickup", "partner"]
    search_fields = ["code", "name", "city", "postcode"]
    list_select_related = ["country"]
    autocomplete_fields = ["partner"]
    actions = ["switch_outage_on", "switch_outage_off"]
    fieldsets = [
        (None, {"fields": ["code", "name", "type", "partner"]}),
        (
            _("Address"),
            {
                "fields": [
                    "street",
                    "postcode",
                    "city",
                    "country",
                    "region",
                    "latitude",
                    "longitude",
                ]
            },
        ),
        (
            _("Operation"),
            {
                "fields": [
                    "time_zone",
                    "opening_hours",
                    "daily_capacity",
                    "offers_pickup",
                    "is_active",
                    "is_outage",
                ]
            },
        ),
    ]

    def _set_outage(self, request: HttpRequest, queryset: QuerySet[Location], on: bool) -> None:
        count = queryset.exclude(is_outage=on).update(is_outage=on)
        message = (
            ngettext(
                "Outage switched on for %(count)d location: nothing is routed there.",
                "Outage switched on for %(count)d locations: nothing is routed there.",
                count,
            )
            if on
            else ngettext(
                "Outage switched off for %(count)d location.",
                "Outage switched off for %(count)d locations.",
                count,
            )
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Switch outage on (stop routing to them)"))
    def switch_outage_on(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        self._set_outage(request, queryset, on=True)

    @admin.action(description=_("Switch outage off (route to them again)"))
    def switch_outage_off(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        self._set_outage(request, queryset, on=False)


@admin.register(Product)
class ProductAdmin(ImportExportModelAdmin):
    resource_classes = [ProductResource]
    list_display = [
        "sku",
        "name",
        "style",
        "size",
        "colour",
        "ean",
        "is_hazardous",
        "is_bulky",
        "is_service",
        "is_active",
    ]
    list_filter = ["is_hazardous", "is_bulky", "is_service", "is_active"]
    search_fields = ["sku", "ean", "name", "style"]
    fieldsets = [
        (None, {"fields": ["sku", "ean", "name", "is_active"]}),
        (_("Variant"), {"fields": ["style", "size", "colour"]}),
        (
            _("Handling"),
            {"fields": ["weight_grams", "is_hazardous", "is_bulky", "is_service"]},
        ),
    ]
