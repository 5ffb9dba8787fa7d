from oms.api.urls import api_path
from returns.api import views

urlpatterns = [
    api_path(r"orders/(?P<number>[A-Za-z0-9-]+)/returns", views.order_returns, "api-order-returns"),
    api_path("returns", views.returns_list, "api-returns"),
    api_path(r"returns/(?P<pk>[0-9]+)", views.return_detail, "api-return-detail"),
    api_path(r"returns/(?P<pk>[0-9]+)/cancel", views.return_cancel, "api-return-cancel"),
    api_path(r"returns/(?P<pk>[0-9]+)/receive", views.return_receive, "api-return-receive"),
    api_path(r"returns/(?P<pk>[0-9]+)/inspect", views.return_inspect, "api-return-inspect"),
    api_path(r"returns/(?P<pk>[0-9]+)/close", views.return_close, "api-return-close"),
    api_path("transfers", views.transfers, "api-transfers"),
    api_path(r"transfers/(?P<pk>[0-9]+)/arrive", views.transfer_arrive, "api-transfer-arrive"),
]
