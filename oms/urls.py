from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from fulfillment import views as fulfillment_views
from instore import views as instore_views
from monitoring.health import healthz
from monitoring.metrics import metrics_view
from oms import views

urlpatterns = [
    path("", views.start, name="start"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("monitoring.urls")),
    path("care/", include("customercare.urls")),
    path("", include("returns.urls")),
    path("store/", views.store_home, name="store-home"),
    path("store/<slug:code>/", instore_views.queue, name="store-queue"),
    path("store/<slug:code>/", include("instore.urls")),
    path("partner/", fulfillment_views.home, name="partner-home"),
    path("partner/", include("fulfillment.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("oms.api.urls")),
]

# Under /api/ even a path no endpoint matches answers problem+json (API.md "Errors").
handler404 = "oms.api.errors.not_found"
handler500 = "oms.api.errors.server_error"
