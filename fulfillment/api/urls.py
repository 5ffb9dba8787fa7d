from fulfillment.api import views
from oms.api.urls import api_path

urlpatterns = [
    api_path("carriers", views.carriers, "api-carriers"),
    api_path("delivery-orders", views.delivery_orders, "api-delivery-orders"),
    api_path(
        r"delivery-orders/(?P<pk>[0-9]+)/accept",
        views.delivery_order_accept_view,
        "api-delivery-order-accept",
    ),
    api_path(
        r"delivery-orders/(?P<pk>[0-9]+)/reject",
        views.delivery_order_reject_view,
        "api-delivery-order-reject",
    ),
    api_path(
        r"delivery-orders/(?P<pk>[0-9]+)/ship",
        views.delivery_order_ship_view,
        "api-delivery-order-ship",
    ),
    api_path(r"shipments/(?P<pk>[0-9]+)/events", views.shipment_events, "api-shipment-events"),
]
