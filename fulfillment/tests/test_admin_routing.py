"""Admin: strategies (activate a draft, simulate), the decision's explanation."""

import pytest
from django.urls import reverse

from fulfillment.models import RoutingDecision, RoutingStrategy
from fulfillment.services.routing import route_order
from inventory.models import Location
from oms.models import Shop
from orders.services.events import Actor


@pytest.fixture
def routed_order(stock, place_order):
    for location in Location.objects.filter(type__in=["warehouse", "store"]):
        stock("TSHIRT-WHITE-M", 0, location=location.code)
        stock("JEANS-BLUE-32", 0, location=location.code)
    stock("TSHIRT-WHITE-M", 5, location="wh-central")
    stock("JEANS-BLUE-32", 5, location="wh-central")
    order = place_order()
    route_order(order=order, actor=Actor.system("test"))
    return order


@pytest.mark.django_db
def test_decision_page_explains_every_candidate(admin_client, routed_order):
    decision = RoutingDecision.objects.get(order=routed_order)
    response = admin_client.get(
        reverse("admin:fulfillment_routingdecision_change", args=[decision.pk])
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "wh-central" in body
    assert "no_stock" in body  # the stores without stock say why they were left out


@pytest.mark.django_db
def test_draft_is_simulated_then_activated(admin_client, routed_order):
    shop = Shop.objects.get(code="de-web")
    active = RoutingStrategy.objects.get(shop=shop, customer_group="", status="active")
    draft = RoutingStrategy.objects.create(
        shop=shop, customer_group="", name="Stores first", version=active.version + 1
    )
    url = reverse("admin:fulfillment_routingstrategy_changelist")
    simulated = admin_client.post(
        url, {"action": "simulate", "_selected_action": [draft.pk]}, follow=True
    )
    assert simulated.status_code == 200
    assert "routed differently" in simulated.content.decode()
    admin_client.post(url, {"action": "activate", "_selected_action": [draft.pk]})
    # (protected FSM fields cannot be refreshed in place)
    assert RoutingStrategy.objects.get(pk=draft.pk).status == RoutingStrategy.Status.ACTIVE
    assert RoutingStrategy.objects.get(pk=active.pk).status == RoutingStrategy.Status.ARCHIVED


@pytest.mark.django_db
def test_admin_lists_render(admin_client, routed_order):
    for name in (
        "transittime",
        "holiday",
        "locationcarrier",
        "locationroutingprofile",
        "routingstrategy",
        "routingdecision",
        "deliveryorder",
        "shipment",
    ):
        response = admin_client.get(reverse(f"admin:fulfillment_{name}_changelist"))
        assert response.status_code == 200, name
