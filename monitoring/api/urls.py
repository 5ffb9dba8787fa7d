from monitoring.api import views
from oms.api.urls import api_path

urlpatterns = [api_path("dashboard", views.dashboard, "api-dashboard")]
