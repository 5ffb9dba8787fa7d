"""In a real browser: an in-store return with payout, and the returns desk flow."""

import pytest

from orders.services.events import Actor
from returns import services
from returns.models import Refund, Return
from returns.tests.conftest import place, ship_all, stock_only_in_warehouse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shipped():
    stock_only_in_warehouse("TSHIRT-WHITE-M", "JEANS-BLUE-32")
    order = place()
    ship_all(order)
    return order


def test_in_store_return_with_cash_payout(login):
    order = shipped()
    jeans = order.lines.get(sku="JEANS-BLUE-32")
    page = login("store")
    page.goto("/store/store-berlin-mitte/returns/")
    page.fill("#return-search", order.number)
    page.keyboard.press("Enter")
    page.wait_for_selector("tr[data-sku='JEANS-BLUE-32']")
    page.fill(f"#id_line-{jeans.pk}-quantity", "1")
    page.fill(f"#id_line-{jeans.pk}-reason", "too big")
    page.check("input[name=payout][value=cash]")
    page.click("button[value=review]")
    page.wait_for_selector("#refund-quote")
    assert page.inner_text("#refund-total") == f"{jeans.net_price:.2f}"
    page.click("button[value=confirm]")
    page.wait_for_selector(".toast")
    assert "recorded" in page.inner_text(".toast")
    refund = Refund.objects.get(order=order)
    assert (refund.method, refund.amount) == ("cash", jeans.net_price)


def test_returns_desk_receive_inspect_close(login):
    order = shipped()
    return_order = services.return_announce(
        order=order,
        channel="mail",
        items=[services.ReturnItem(order.lines.get(sku="TSHIRT-WHITE-M").pk, 1)],
        actor=Actor.system("test"),
    )
    page = login("admin")
    page.goto("/returns/desk/")
    page.fill("#desk-search", return_order.number)
    page.keyboard.press("Enter")
    page.wait_for_selector("#return-status")
    for action in ("receive", "inspect", "close"):
        page.click(f"button[value={action}]")
        page.click("button[name=confirm]")
        page.wait_for_selector(".toast")
    assert "Closed" in page.inner_text("#return-status")
    assert Return.objects.get(pk=return_order.pk).status == "closed"
