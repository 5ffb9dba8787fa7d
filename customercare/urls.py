from django.urls import path

from customercare import views

urlpatterns = [
    path("", views.search, name="care-home"),
    path("review/", views.review_queue, name="care-review"),
    path("orders/<str:number>/", views.order_page, name="care-order"),
    path(
        "orders/<str:number>/actions/<slug:action>/", views.order_action, name="care-order-action"
    ),
    path("customers/<int:pk>/", views.customer_page, name="care-customer"),
]
