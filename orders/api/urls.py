from oms.api.urls import api_path
from orders.api import views

urlpatterns = [
    api_path("orders", views.orders, "api-orders"),
    api_path(r"orders/(?P<number>[A-Za-z0-9-]+)", views.order_detail, "api-order-detail"),
    api_path(r"orders/(?P<number>[A-Za-z0-9-]+)/cancel", views.order_cancel, "api-order-cancel"),
    api_path(
        r"orders/(?P<number>[A-Za-z0-9-]+)/shipping-address",
        views.order_shipping_address,
        "api-order-shipping-address",
    ),
    api_path(
        r"orders/(?P<number>[A-Za-z0-9-]+)/payments", views.order_payments, "api-order-payments"
    ),
    api_path(r"orders/(?P<number>[A-Za-z0-9-]+)/approve", views.order_approve, "api-order-approve"),
    api_path(r"orders/(?P<number>[A-Za-z0-9-]+)/reject", views.order_reject, "api-order-reject"),
]
