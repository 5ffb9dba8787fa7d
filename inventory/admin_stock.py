"""Admin console for stock: levels with what is free, movement history, feeds, corrections.

Imported by InventoryConfig.ready() so that inventory/admin.py stays with master data.
"""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from inventory.models import (
    InboundStock,
    Reservation,
    SafetyStockDefault,
    ServiceRegion,
    StockLevel,
    StockMovement,
    StockQuota,
)
from inventory.selectors import stock_rows
from inventory.services import apply_stock_feed, correct_stock
from oms.errors import InvalidInput

LOW_STOCK = 5


class LowStockFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "low"

    def lookups(self, request, model_admin):
        return [
            ("none", _("Nothing available")),
            ("low", _("Low (≤ %(units)d available)") % {"units": LOW_STOCK}),
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(available=0)
        if self.value() == "low":
            return queryset.filter(available__lte=LOW_STOCK)
        return queryset


class StockFeedUploadForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("mode"),
        choices=[("absolute", _("Absolute quantities")), ("delta", _("Changes (delta)"))],
    )
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Columns: location, sku, quantity (with a header row).")
    )


class StockCorrectionForm(forms.Form):
    on_hand = forms.IntegerField(label=_("counted on hand"), min_value=0)
    reason = forms.CharField(label=_("reason"), max_length=200)


def parse_feed_csv(upload) -> list[dict]:
    """Read `location,sku,quantity` rows; a quantity that is no number is left to the check."""
    text = io.TextIOWrapper(upload, encoding="utf-8-sig")
    items = []
    for row in csv.DictReader(text):
        raw = (row.get("quantity") or "").strip()
        try:
            quantity = int(raw)
        except ValueError:
            quantity = raw
        items.append(
            {
                "location": (row.get("location") or "").strip(),
                "sku": (row.get("sku") or "").strip(),
                "quantity": quantity,
            }
        )
    return items


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = [
        "sku",
        "location",
        "on_hand",
        "reserved",
        "safety",
        "in_transit",
        "available",
        "updated_at",
    ]
    list_filter = [LowStockFilter, "location__type", "location"]
    search_fields = ["product__sku", "product__name", "location__code"]
    list_select_related = ["product", "location"]
    readonly_fields = ["location", "product", "on_hand", "reserved", "updated_at"]
    fields = ["location", "product", "on_hand", "reserved", "safety_stock", "updated_at"]
    actions = ["correct_selected"]
    change_list_template = "admin/inventory/stocklevel/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockLevel]:
        return stock_rows()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("SKU"), ordering="product__sku")
    def sku(self, level: StockLevel) -> str:
        return level.product.sku

    @admin.display(description=_("safety stock"), ordering="effective_safety")
    def safety(self, level: StockLevel) -> int:
        return level.effective_safety

    @admin.display(description=_("in transit"), ordering="in_transit")
    def in_transit(self, level: StockLevel) -> int:
        return level.in_transit

    @admin.display(description=_("available"), ordering="available")
    def available(self, level: StockLevel) -> int:
        return level.available

    @admin.action(description=_("Correct the counted stock (store correction)"))
    def correct_selected(self, request: HttpRequest, queryset: QuerySet[StockLevel]):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one stock level."), messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse("admin:inventory_stocklevel_correct", args=[queryset.get().pk])
        )

    def get_urls(self):
        own = [
            path(
                "upload-feed/",
                self.admin_site.admin_view(self.upload_feed),
                name="inventory_stocklevel_upload",
            ),
            path(
                "<int:pk>/correct/",
                self.admin_site.admin_view(self.correct),
                name="inventory_stocklevel_correct",
            ),
        ]
        return own + super().get_urls()

    def upload_feed(self, request: HttpRequest) -> HttpResponse:
        """Apply a CSV stock feed through the same service as the API; all or nothing."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = StockFeedUploadForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                applied = apply_stock_feed(
                    mode=form.cleaned_data["mode"],
                    items=parse_feed_csv(upload.file),
                    source=f"admin-csv:{upload.name}"[:200],
                    actor=request.user,
                )
            except InvalidInput as refusal:
                errors = [_describe(error) for error in refusal.errors]
                messages.error(request, _("Nothing was applied: fix the rows below."))
            else:
                messages.success(request, _("%(count)d rows applied.") % {"count": applied})
                return HttpResponseRedirect(reverse("admin:inventory_stocklevel_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Upload a stock feed"),
            "form": form,
            "feed_errors": errors,
        }
        return TemplateResponse(request, "admin/inventory/stocklevel/upload_feed.html", context)

    def correct(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Set the counted on-hand quantity (a correction movement records who and why)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        level = get_object_or_404(StockLevel.objects.select_related("location", "product"), pk=pk)
        form = StockCorrectionForm(request.POST or None, initial={"on_hand": level.on_hand})
        if request.method == "POST" and form.is_valid():
            correct_stock(
                location=level.location,
                product=level.product,
                on_hand=form.cleaned_data["on_hand"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            messages.success(request, _("Stock corrected."))
            return HttpResponseRedirect(reverse("admin:inventory_stocklevel_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Correct stock of %(sku)s at %(location)s")
            % {"sku": level.product.sku, "location": level.location.code},
            "form": form,
            "level": level,
        }
        return TemplateResponse(request, "admin/inventory/stocklevel/correct.html", context)


def _describe(error: dict) -> str:
    """Name the CSV row: items.<i> is data row i, which is line i + 2 after the header."""
    attr = error.get("attr") or ""
    parts = attr.split(".")
    if len(parts) >= 2 and parts[0] == "items" and parts[1].isdigit():
        return _("Line %(line)d (%(field)s): %(detail)s") % {
            "line": int(parts[1]) + 2,
            "field": ".".join(parts[2:]) or "-",
            "detail": error["detail"],
        }
    return f"{attr}: {error['detail']}"


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "product",
        "location",
        "delta_on_hand",
        "delta_reserved",
        "reason",
        "source",
        "reference",
        "actor",
    ]
    list_filter = ["reason", "location"]
    search_fields = ["product__sku", "reference", "source"]
    list_select_related = ["product", "location"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "product",
        "shop",
        "location",
        "kind",
        "quantity",
        "quantity_consumed",
        "quantity_released",
        "status",
        "expires_at",
        "created_at",
    ]
    list_filter = ["status", "kind", "shop", "location"]
    search_fields = ["product__sku"]
    list_select_related = ["product", "shop", "location"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SafetyStockDefault)
class SafetyStockDefaultAdmin(admin.ModelAdmin):
    list_display = ["location_type", "quantity"]


@admin.register(InboundStock)
class InboundStockAdmin(admin.ModelAdmin):
    list_display = ["product", "location", "quantity", "expected_on", "reference"]
    list_filter = ["location", "expected_on"]
    search_fields = ["product__sku", "reference"]
    autocomplete_fields = ["product"]
    list_select_related = ["product", "location"]


@admin.register(ServiceRegion)
class ServiceRegionAdmin(admin.ModelAdmin):
    list_display = ["product", "country", "postcode_from", "postcode_to"]
    list_filter = ["country"]
    list_select_related = ["product", "country"]


@admin.register(StockQuota)
class StockQuotaAdmin(admin.ModelAdmin):
    list_display = ["shop", "product", "share_percent", "quantity"]
    list_filter = ["shop"]
    search_fields = ["product__sku"]
    autocomplete_fields = ["product"]
    list_select_related = ["shop", "product"]
