"""The care action "Start a return": an agent announces a return by mail for the customer through
the same service as the shop API, and sees the return number, the slip link or the refusal."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from customercare.tests.conftest import mark_shipped
from customercare.tests.test_views import act, action_url, care_events
from fulfillment.models import Shipment
from orders.models import Order
from returns.models import Return
from returns.selectors import return_for_slip
from returns.tests.conftest import SKUS, place, ship_all, stock_only_in_warehouse

pytestmark = pytest.mark.django_db


def shirt_and_jeans(order: Order):
    return order.lines.get(sku="TSHIRT-WHITE-M"), order.lines.get(sku="JEANS-BLUE-32")


def take_from_agents(app_label: str, codename: str) -> None:
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    Group.objects.get(name="care_agent").permissions.remove(permission)


def shipped_long_ago(days: int) -> Order:
    """A de-web order really shipped (so it has parcels), `days` ago."""
    stock_only_in_warehouse(*SKUS)
    order = place()
    ship_all(order)
    Shipment.objects.filter(delivery_order__order=order).update(
        shipped_at=timezone.now() - timedelta(days=days)
    )
    return order


def test_a_return_is_offered_only_once_something_was_shipped(agent, make_order):
    order = make_order()

    before = agent.get(reverse("care-order", args=[order.number])).content.decode()
    refused = agent.get(action_url(order, "return"), HTTP_HX_REQUEST="true")
    mark_shipped(order)
    after = agent.get(reverse("care-order", args=[order.number])).content.decode()

    assert 'data-action="return"' not in before
    assert refused.status_code == 409
    assert "Nothing has been shipped yet." in refused.content.decode()
    assert 'data-action="return"' in after


def test_the_agent_confirms_then_the_return_is_announced_by_mail_with_its_slip(agent, make_order):
    order = mark_shipped(make_order())
    shirt, _jeans = shirt_and_jeans(order)
    data = {f"line_{shirt.pk}": "1", "condition": "defective", "reason": "seam torn"}

    confirm = act(agent, order, "return", data, confirm=False)
    assert confirm.status_code == 200
    assert "Please confirm" in confirm.content.decode()
    assert not Return.objects.filter(order=order).exists()

    response = act(agent, order, "return", data)

    assert response.status_code == 200, response.content.decode()
    return_order = Return.objects.get(order=order)
    assert return_order.channel == Return.Channel.MAIL
    assert return_order.created_by == "agent"
    (line,) = return_order.lines.all()
    assert (line.order_line_id, line.quantity, line.condition) == (shirt.pk, 1, "defective")
    assert line.reason == "seam torn"
    assert return_order.refund_amount > 0
    announced = care_events(order, "return_announced").get()
    assert announced.actor == "agent"
    page = agent.get(response["HX-Redirect"]).content.decode()
    assert return_order.number in page
    # the slip link on the page (signed with a timestamp, so found, not rebuilt) opens this slip
    link = re.search(r'href="(/returns/slip/[^"]+/)"', page).group(1)
    assert return_for_slip(link.split("/")[-2]).pk == return_order.pk
    assert agent.get(link).status_code == 200


def test_more_than_delivered_is_refused_inline_with_the_reason(agent, make_order):
    order = mark_shipped(make_order())
    shirt, _jeans = shirt_and_jeans(order)

    response = act(
        agent, order, "return", {f"line_{shirt.pk}": "3", "condition": "resellable", "reason": "x"}
    )

    body = response.content.decode()
    assert response.status_code == 409
    assert "inline-error" in body
    assert "Only 2 unit(s)" in body
    assert not Return.objects.filter(order=order).exists()


def test_a_return_after_the_window_is_refused_unless_the_agent_overrides_it(agent):
    order = shipped_long_ago(days=60)
    shirt, _jeans = shirt_and_jeans(order)
    data = {f"line_{shirt.pk}": "1", "condition": "resellable", "reason": "too small"}

    refused = act(agent, order, "return", data)
    accepted = act(agent, order, "return", {**data, "override_window": "on"})

    assert refused.status_code == 409
    assert "window is over" in refused.content.decode()
    assert accepted.status_code == 200, accepted.content.decode()
    assert Return.objects.get(order=order).window_overridden


def test_without_the_override_permission_the_window_cannot_be_overridden(agent):
    take_from_agents("returns", "override_return_window")
    order = shipped_long_ago(days=60)
    shirt, _jeans = shirt_and_jeans(order)

    form = agent.get(action_url(order, "return"), HTTP_HX_REQUEST="true").content.decode()
    response = act(
        agent,
        order,
        "return",
        {
            f"line_{shirt.pk}": "1",
            "condition": "resellable",
            "reason": "x",
            "override_window": "on",
        },
    )

    assert 'name="override_window"' not in form
    assert response.status_code == 409
    assert not Return.objects.filter(order=order).exists()


def test_an_agent_without_the_return_permission_neither_sees_nor_starts_a_return(agent, make_order):
    take_from_agents("returns", "add_return")
    order = mark_shipped(make_order())
    shirt, _jeans = shirt_and_jeans(order)

    page = agent.get(reverse("care-order", args=[order.number])).content.decode()
    response = act(
        agent, order, "return", {f"line_{shirt.pk}": "1", "condition": "resellable", "reason": "x"}
    )

    assert 'data-action="return"' not in page
    assert response.status_code == 403
    assert not Return.objects.filter(order=order).exists()


def test_the_agent_calls_off_an_announced_return_and_the_items_may_be_returned_again(
    agent, make_order
):
    order = mark_shipped(make_order())
    shirt, _jeans = shirt_and_jeans(order)
    assert act(agent, order, "cancel-return", {}, confirm=False).status_code == 409
    returned = {f"line_{shirt.pk}": "2", "condition": "resellable", "reason": "too small"}
    assert act(agent, order, "return", returned).status_code == 200
    return_order = Return.objects.get(order=order)
    data = {"return_order": str(return_order.pk), "reason": "customer keeps the shirts"}

    confirm = act(agent, order, "cancel-return", data, confirm=False)
    assert "Please confirm" in confirm.content.decode()
    response = act(agent, order, "cancel-return", data)

    assert response.status_code == 200, response.content.decode()
    return_order.refresh_from_db()
    assert return_order.status == Return.Status.CANCELLED
    [event] = care_events(order, "return_cancelled")
    assert event.actor == "agent" and "customer keeps the shirts" in event.message
    page = agent.get(reverse("care-order", args=[order.number])).content.decode()
    assert 'data-action="cancel-return"' not in page
    assert 'data-action="return"' in page  # both shirts may be returned again
