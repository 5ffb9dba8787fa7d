from inventory.api import views
from oms.api.urls import api_path

urlpatterns = [
    api_path("stock", views.StockView.as_view(), "api-stock"),
    api_path("availability", views.AvailabilityView.as_view(), "api-availability"),
]
