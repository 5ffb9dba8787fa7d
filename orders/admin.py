"""Admin: orders read-mostly (changes go through the services), configuration editable."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from oms.models import Shop
from orders.models import (
    Customer,
    CustomerMessage,
    MessageTemplate,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    RiskRule,
    ShopOrderSettings,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "position",
        "sku",
        "name",
        "quantity",
        "unit_price",
        "discount",
        "order_discount",
        "net_price",
        "quantity_cancelled",
        "quantity_allocated",
        "quantity_shipped",
        "quantity_returned",
        "status",
    ]
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["method", "status", "amount", "amount_captured", "amount_refunded", "reference"]
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["at", "type", "actor", "actor_kind", "channel", "message"]
    readonly_fields = fields
    ordering = ["at", "pk"]


class CustomerMessageInline(ReadOnlyInline):
    model = CustomerMessage
    fields = ["type", "to", "subject", "body", "sent_at", "attempts", "retry_at"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "shop",
        "external_id",
        "email",
        "status",
        "payment_method",
        "total",
        "created_at",
    ]
    list_filter = ["status", "shop", "shop__channel", "payment_method", "delivery_method"]
    search_fields = ["number", "email", "external_id", "customer__last_name"]
    list_select_related = ["shop"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, PaymentInline, OrderEventInline, CustomerMessageInline]
    readonly_fields = [
        "number",
        "shop",
        "external_id",
        "customer",
        "email",
        "language",
        "currency",
        "status",
        "billing_address",
        "shipping_address",
        "delivery_method",
        "delivery_service",
        "pickup_location",
        "payment_method",
        "subtotal",
        "discount_total",
        "shipping_fee",
        "total",
        "hold_reason",
        "payment_reminder_sent_at",
        "released_at",
        "cancelled_at",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CustomerOrderInline(ReadOnlyInline):
    model = Order
    fields = ["number", "shop", "status", "total", "created_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "group", "language", "created_at"]
    list_filter = ["group", "language"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    inlines = [CustomerOrderInline]


@admin.register(RiskRule)
class RiskRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "condition", "threshold", "action", "is_active"]
    list_filter = ["condition", "action", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "skus"]
    filter_horizontal = ["shops"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["type", "language", "subject"]
    list_filter = ["type", "language"]
    search_fields = ["subject", "body"]


@admin.register(CustomerMessage)
class CustomerMessageAdmin(admin.ModelAdmin):
    list_display = ["order", "type", "to", "subject", "sent_at", "attempts"]
    list_filter = ["type", "language", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["order__number", "to", "subject"]
    readonly_fields = [
        "order",
        "type",
        "key",
        "language",
        "to",
        "subject",
        "body",
        "created_at",
        "sent_at",
        "attempts",
        "retry_at",
        "context",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ShopOrderSettings)
class ShopOrderSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "shop",
        "prepayment_reminder_days",
        "prepayment_cancel_days",
        "click_reserve_hold_days",
        "bank_iban",
    ]


class ShopOrderSettingsInline(admin.StackedInline):
    model = ShopOrderSettings
    can_delete = False
    verbose_name = _("order settings")


def _add_settings_inline_to_shop_admin() -> None:
    """Let the shop's page edit its order settings too (the Shop admin lives in oms)."""
    shop_admin = admin.site._registry.get(Shop)
    if shop_admin is not None and ShopOrderSettingsInline not in shop_admin.inlines:
        shop_admin.inlines = [*shop_admin.inlines, ShopOrderSettingsInline]


_add_settings_inline_to_shop_admin()
