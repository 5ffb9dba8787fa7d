"""Store screens under /store/<code>/ (included by oms/urls.py)."""

from django.urls import path

from instore import views

app_name = "instore"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("do/<int:pk>/", views.delivery_order_detail, name="delivery-order"),
    path("do/<int:pk>/scan/", views.scan, name="scan"),
    path("do/<int:pk>/lines/<int:line>/confirm/", views.confirm_line, name="confirm-line"),
    path("do/<int:pk>/lines/<int:line>/issue/", views.pick_issue, name="pick-issue"),
    path("do/<int:pk>/start/", views.start_picking, name="start-picking"),
    path("do/<int:pk>/pack/", views.pack, name="pack"),
    path("do/<int:pk>/slip/", views.packing_slip, name="packing-slip"),
    path("do/<int:pk>/label/", views.shipping_label, name="label"),
    path("do/<int:pk>/ship/", views.hand_to_carrier, name="hand-to-carrier"),
    path("do/<int:pk>/ready/", views.ready_for_pickup, name="ready-for-pickup"),
    path("do/<int:pk>/resend/", views.resend_notice, name="resend-notice"),
    path("do/<int:pk>/hand-over/", views.hand_over, name="hand-over"),
    path("batch/", views.batch, name="batch"),
    path("batch/scan/", views.batch_scan, name="batch-scan"),
    path("pickup/", views.pickup_search, name="pickup-search"),
    path("aisle/", views.aisle, name="aisle"),
    path("aisle/order/", views.aisle_order, name="aisle-order"),
    path("aisle/orders/<str:number>/", views.aisle_done, name="aisle-done"),
]
