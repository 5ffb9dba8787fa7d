from customercare.api import views
from oms.api.urls import api_path

ORDER = r"orders/(?P<number>[A-Za-z0-9-]+)"

urlpatterns = [
    api_path(f"{ORDER}/notes", views.order_note, "api-order-notes"),
    api_path(f"{ORDER}/payment-method", views.order_payment_method, "api-order-payment-method"),
    api_path(f"{ORDER}/exchange", views.order_exchange, "api-order-exchange"),
    api_path(f"{ORDER}/goodwill-refund", views.order_goodwill_refund, "api-order-goodwill-refund"),
    api_path(f"{ORDER}/vouchers", views.order_voucher, "api-order-vouchers"),
    api_path(f"{ORDER}/click-collect", views.order_click_collect, "api-order-click-collect"),
    api_path(
        rf"{ORDER}/messages/(?P<message_id>[0-9]+)/resend",
        views.order_message_resend,
        "api-order-message-resend",
    ),
]
