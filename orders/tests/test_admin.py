import pytest

from oms.models import Shop
from orders.tests.conftest import order_body

pytestmark = pytest.mark.django_db


def test_admin_pages_for_orders_and_their_configuration_open(client, admin_login, submit):
    number = submit(order_body()).json()["number"]
    client.force_login(admin_login)
    from orders.models import Order

    order = Order.objects.get(number=number)
    shop = Shop.objects.get(code="de-web")
    for url in (
        "/admin/orders/order/?status__exact=released",
        f"/admin/orders/order/?q={number}",
        f"/admin/orders/order/{order.pk}/change/",
        "/admin/orders/customer/",
        "/admin/orders/riskrule/",
        "/admin/orders/messagetemplate/",
        "/admin/orders/shopordersettings/",
        f"/admin/oms/shop/{shop.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
