"""Admin console for partners and carriers (and, below, fulfilment records)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fulfillment.models import Carrier, CarrierService, Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "contact_email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "contact_email"]
    actions = ["activate", "deactivate"]

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Partner], active: bool) -> None:
        count = queryset.exclude(is_active=active).update(is_active=active)
        message = (
            ngettext("%(count)d partner activated.", "%(count)d partners activated.", count)
            if active
            else ngettext(
                "%(count)d partner deactivated.", "%(count)d partners deactivated.", count
            )
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Activate the selected partners"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        self._set_active(request, queryset, active=True)

    @admin.action(description=_("Deactivate the selected partners"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        self._set_active(request, queryset, active=False)


class CarrierServiceInline(admin.TabularInline):
    model = CarrierService
    extra = 0
    min_num = 1
    fields = ["level", "cutoff_time", "transit_days"]


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "service_levels", "is_active"]
    list_filter = ["is_active", "services__level"]
    search_fields = ["code", "name"]
    inlines = [CarrierServiceInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Carrier]:
        return super().get_queryset(request).prefetch_related("services")

    @admin.display(description=_("services"))
    def service_levels(self, carrier: Carrier) -> str:
        return ", ".join(
            f"{service.get_level_display()} ({service.cutoff_time:%H:%M})"
            for service in carrier.services.all()
        )
