"""Delivery orders through the API: routed → accepted → shipped → delivered; reject → reroute."""

import datetime

import pytest
from rest_framework.test import APIClient

from conftest import api_client_for
from fulfillment.models import Carrier, CarrierService, DeliveryOrder, Shipment
from fulfillment.services.routing import route_order
from inventory.models import Location
from orders.models import Order
from orders.services.events import Actor


@pytest.fixture
def system_api():
    return api_client_for("demo-system")


@pytest.fixture
def routed(stock, place_order):
    """An order routed to wh-central only (the only location with stock)."""
    for location in Location.objects.filter(type__in=["warehouse", "store"]):
        stock("TSHIRT-WHITE-M", 0, location=location.code)
        stock("JEANS-BLUE-32", 0, location=location.code)
    stock("TSHIRT-WHITE-M", 5, location="wh-central")
    stock("JEANS-BLUE-32", 5, location="wh-central")
    order = place_order()
    route_order(order=order, actor=Actor.system("test"))
    return order


@pytest.mark.django_db
def test_accept_ship_and_deliver(
    routed, system_api, mailoutbox, django_capture_on_commit_callbacks
):
    (delivery_order,) = routed.delivery_orders.all()
    listed = system_api.get(
        "/api/v1/delivery-orders", {"location": "wh-central", "status": "released"}
    )
    assert listed.status_code == 200
    assert delivery_order.pk in [item["id"] for item in listed.json()["results"]]

    accepted = system_api.post(f"/api/v1/delivery-orders/{delivery_order.pk}/accept")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"

    with django_capture_on_commit_callbacks(execute=True):
        shipped = system_api.post(
            f"/api/v1/delivery-orders/{delivery_order.pk}/ship/",
            {"carrier": "dhl", "tracking_number": "00340434160000000001"},
            format="json",
        )
    assert shipped.status_code == 201, shipped.json()
    assert shipped.json()["tracking_url"].endswith("00340434160000000001") or (
        "00340434160000000001" in shipped.json()["tracking_url"]
    )
    delivery_order.refresh_from_db()
    routed.refresh_from_db()
    assert delivery_order.status == DeliveryOrder.Status.SHIPPED
    assert routed.status == Order.Status.SHIPPED
    assert all(line.quantity_shipped == line.quantity for line in routed.lines.all())
    assert any("00340434160000000001" in message.body for message in mailoutbox)

    shipment_id = shipped.json()["id"]
    event = system_api.post(
        f"/api/v1/shipments/{shipment_id}/events",
        {"status": "delivered", "at": "2026-11-27T10:00:00+01:00", "message": "Zugestellt"},
        format="json",
    )
    assert event.status_code == 200, event.json()
    assert Shipment.objects.get(pk=shipment_id).status == Shipment.Status.DELIVERED
    assert Shipment.objects.get(pk=shipment_id).delivered_at == datetime.datetime(
        2026, 11, 27, 9, 0, tzinfo=datetime.UTC
    )
    delivery_order.refresh_from_db()
    assert delivery_order.status == DeliveryOrder.Status.DELIVERED


@pytest.mark.django_db
def test_a_shipment_event_time_without_an_offset_is_utc(routed, system_api):
    (delivery_order,) = routed.delivery_orders.all()
    shipped = system_api.post(
        f"/api/v1/delivery-orders/{delivery_order.pk}/ship",
        {"carrier": "dhl", "tracking_number": "00340434160000000002"},
        format="json",
    )

    event = system_api.post(
        f"/api/v1/shipments/{shipped.json()['id']}/events",
        {"status": "delivered", "at": "2026-11-27T10:00:00"},
        format="json",
    )

    assert event.status_code == 200, event.json()
    delivered_at = Shipment.objects.get(pk=shipped.json()["id"]).delivered_at
    assert delivered_at == datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_reject_reroutes_to_the_next_location(
    routed, system_api, stock, django_capture_on_commit_callbacks
):
    (delivery_order,) = routed.delivery_orders.all()
    stock("TSHIRT-WHITE-M", 5, location="store-berlin-mitte")
    stock("JEANS-BLUE-32", 5, location="store-berlin-mitte")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = system_api.post(
            f"/api/v1/delivery-orders/{delivery_order.pk}/reject",
            {"reason": "damaged"},
            format="json",
        )
    assert rejected.status_code == 200, rejected.json()
    assert rejected.json()["status"] == "rejected"
    live = routed.delivery_orders.exclude(status=DeliveryOrder.Status.REJECTED)
    assert [d.location.code for d in live] == ["store-berlin-mitte"]
    assert sum(line.quantity for line in live[0].lines.all()) == 3


@pytest.mark.django_db
def test_partner_sees_only_its_own_delivery_orders(routed):
    partner = api_client_for("demo-moebelwerk")
    (delivery_order,) = routed.delivery_orders.all()
    assert partner.get("/api/v1/delivery-orders").json()["results"] == []
    assert partner.post(f"/api/v1/delivery-orders/{delivery_order.pk}/accept").status_code == 404


@pytest.mark.django_db
def test_shipping_a_created_line_twice_is_refused(routed, system_api):
    (delivery_order,) = routed.delivery_orders.all()
    line = delivery_order.lines.first()
    too_many = system_api.post(
        f"/api/v1/delivery-orders/{delivery_order.pk}/ship",
        {
            "carrier": "dhl",
            "tracking_number": "X1",
            "lines": [{"line": line.order_line_id, "quantity": 99}],
        },
        format="json",
    )
    assert too_many.status_code == 409  # a business rule, as cancelling shipped units
    assert too_many.json()["errors"][0]["attr"] == "lines.0.quantity"


@pytest.mark.django_db
def test_a_line_named_twice_ships_no_more_than_is_open(routed, system_api):
    (delivery_order,) = routed.delivery_orders.all()
    line = delivery_order.lines.get(quantity=1)
    twice = [{"line": line.order_line_id, "quantity": 1}] * 2

    refused = system_api.post(
        f"/api/v1/delivery-orders/{delivery_order.pk}/ship",
        {"carrier": "dhl", "tracking_number": "X2", "lines": twice},
        format="json",
    )

    assert refused.status_code == 409
    assert refused.json()["errors"][0]["attr"] == "lines.1.quantity"
    line.refresh_from_db()
    assert line.quantity_shipped == 0
    assert not Shipment.objects.filter(tracking_number="X2").exists()


@pytest.mark.parametrize("api", ["shop_api", "partner_api", "system_api"])
def test_every_client_lists_the_active_carriers_with_their_services(db, request, api):
    Carrier.objects.create(
        code="gone",
        name="Retired carrier",
        tracking_url_template="https://gone.example/{tracking_number}",
        is_active=False,
    )

    response = request.getfixturevalue(api).get("/api/v1/carriers/")

    assert response.status_code == 200
    carriers = {carrier["code"]: carrier for carrier in response.json()["results"]}
    assert "gone" not in carriers
    dhl = carriers["dhl"]
    assert {"code", "name", "services", "tracking_url_template"} <= set(dhl)
    levels = set(CarrierService.objects.filter(carrier__code="dhl").values_list("level", flat=True))
    assert set(dhl["services"]) == levels and levels
    assert "{tracking_number}" in dhl["tracking_url_template"]


def test_carriers_need_a_token(db):
    assert APIClient().get("/api/v1/carriers").status_code == 401
