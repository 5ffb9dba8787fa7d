"""Returns screens; included at the site root (oms/urls.py)."""

from django.urls import path

from returns import views

urlpatterns = [
    path("store/<slug:code>/returns/", views.store_returns, name="store-returns"),
    path("returns/desk/", views.desk, name="returns-desk"),
    path("returns/desk/transfers/", views.desk_transfers, name="returns-desk-transfers"),
    path("returns/desk/<int:pk>/", views.desk_detail, name="returns-desk-detail"),
    path("returns/slip/<str:token>/", views.slip, name="returns-slip"),
]
