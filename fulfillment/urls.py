"""Partner portal (mounted under /partner/)."""

from django.urls import path

from fulfillment import views

app_name = "partner"

urlpatterns = [
    path("delivery-orders/<int:pk>/", views.delivery_order_detail, name="delivery-order"),
    path("delivery-orders/<int:pk>/accept/", views.accept, name="accept"),
    path("delivery-orders/<int:pk>/reject/", views.reject, name="reject"),
    path("delivery-orders/<int:pk>/ship/", views.ship, name="ship"),
    path("stock/", views.stock_upload, name="stock"),
]
