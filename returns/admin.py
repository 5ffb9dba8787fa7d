"""Admin: return settings and fees per shop, store target stock, returns, refunds, transfers."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from oms.errors import DomainError
from orders.services.events import Actor
from returns import services
from returns.models import (
    Refund,
    Return,
    ReturnFee,
    ReturnLine,
    ShopReturnSettings,
    StoreTargetStock,
    Transfer,
)


@admin.register(ShopReturnSettings)
class ShopReturnSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "shop",
        "window_days",
        "refund_timing",
        "trusted_groups",
        "refund_shipping_on_full_return",
    ]


@admin.register(ReturnFee)
class ReturnFeeAdmin(admin.ModelAdmin):
    list_display = ["shop", "reason", "amount"]
    list_filter = ["shop"]


@admin.register(StoreTargetStock)
class StoreTargetStockAdmin(admin.ModelAdmin):
    list_display = ["location", "product", "quantity"]
    list_filter = ["location"]
    search_fields = ["product__sku"]
    autocomplete_fields = ["product"]


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    can_delete = False
    fields = ["order_line", "quantity", "amount", "reason", "condition", "destination"]
    readonly_fields = fields


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["method", "amount", "amount_paid_out", "location", "actor", "created_at"]
    readonly_fields = fields


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = ["number", "order", "channel", "status", "destination", "refund_amount"]
    list_filter = ["status", "channel", "destination"]
    search_fields = ["number", "order__number", "order__email"]
    readonly_fields = [field.name for field in Return._meta.fields if field.name not in ("note",)]
    inlines = [ReturnLineInline, RefundInline]

    def has_add_permission(self, request) -> bool:
        return False  # returns are created through the API or the screens


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["return_order", "order", "method", "amount", "amount_paid_out", "created_at"]
    list_filter = ["method", "succeeded"]
    readonly_fields = [field.name for field in Refund._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ["id", "product", "quantity", "condition", "source", "target", "status"]
    list_filter = ["status", "target", "condition"]
    search_fields = ["product__sku", "return_line__return_order__number"]
    readonly_fields = [field.name for field in Transfer._meta.fields]
    actions = ["mark_arrived"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Mark as arrived (adds the goods to the target's stock)"))
    def mark_arrived(self, request, queryset) -> None:
        arrived = 0
        for transfer in queryset.order_by("pk"):
            try:
                services.transfer_arrive(transfer=transfer, actor=Actor.for_user(request.user))
                arrived += 1
            except DomainError as error:
                self.message_user(request, error.detail, messages.WARNING)
        self.message_user(request, _("%(count)d transfer(s) arrived.") % {"count": arrived})
