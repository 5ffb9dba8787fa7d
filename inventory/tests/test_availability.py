"""Available-to-promise through the API contract and the selector."""

import pytest

from conftest import api_client_for
from inventory.models import Location, SafetyStockDefault, ServiceRegion, StockQuota
from inventory.selectors import SERVICE_AVAILABLE, availability
from inventory.services import ReservationRequest, reserve_for_order
from inventory.tests import factories
from oms.models import Shop

pytestmark = pytest.mark.django_db


def one(shop, product, **destination) -> dict:
    return availability(shop=shop, skus=[product.sku], **destination)[0]


def test_the_answer_follows_the_contract(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 10)
    factories.stock(world["store_a"], shirt, 2)

    response = api_client_for("demo-system").get(
        f"/api/v1/availability?shop={world['shop'].code}&sku={shirt.sku}&postcode=10115&country=DE"
    )

    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["sku"] == shirt.sku
    assert item["available"] == 12
    assert item["ship"]["available"] == 12
    assert item["ship"]["earliest_delivery"]
    assert item["pickup"] == [
        {"location": world["store_a"].code, "available": 2},
        {"location": world["store_b"].code, "available": 0},
    ]


def test_safety_stock_is_never_promised_and_an_override_wins(world):
    shirt = factories.product()
    SafetyStockDefault.objects.create(location_type=Location.Type.WAREHOUSE, quantity=3)
    SafetyStockDefault.objects.create(location_type=Location.Type.STORE, quantity=1)
    factories.stock(world["warehouse"], shirt, 10)
    factories.stock(world["store_a"], shirt, 2, safety_stock=0)
    factories.stock(world["store_b"], shirt, 1)

    item = one(world["shop"], shirt)

    assert item["available"] == 7 + 2 + 0


def test_inactive_and_outage_locations_are_excluded(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 10)
    factories.stock(world["store_a"], shirt, 4)
    factories.stock(world["store_b"], shirt, 5)
    Location.objects.filter(pk=world["warehouse"].pk).update(is_outage=True)
    Location.objects.filter(pk=world["store_b"].pk).update(is_active=False)

    item = one(world["shop"], shirt)

    assert item["available"] == 4
    assert item["pickup"] == [{"location": world["store_a"].code, "available": 4}]


def test_a_shop_sells_only_from_its_own_locations(world):
    shirt = factories.product()
    elsewhere = factories.location()
    factories.stock(elsewhere, shirt, 100)
    factories.stock(world["warehouse"], shirt, 3)

    assert one(world["shop"], shirt)["available"] == 3


def test_pool_reservations_lower_availability_of_shops_sharing_the_locations(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 10)
    other_shop = factories.shop([world["warehouse"]])
    separate = factories.location()
    factories.stock(separate, shirt, 4)
    separate_shop = factories.shop([separate])

    reserve_for_order(shop=other_shop, items=[ReservationRequest(product=shirt, quantity=6)])

    assert one(world["shop"], shirt)["available"] == 4
    assert one(other_shop, shirt)["available"] == 4
    assert one(separate_shop, shirt)["available"] == 4


def test_a_marketplace_quota_is_held_back_from_other_shops_only(world):
    sofa = factories.product()
    factories.stock(world["warehouse"], sofa, 10)
    partner = Shop.objects.get(code="moebel-markt").partner
    marketplace = factories.shop(
        [world["warehouse"]], channel=Shop.Channel.MARKETPLACE, partner=partner
    )
    StockQuota.objects.create(shop=marketplace, product=sofa, quantity=4)

    assert one(world["shop"], sofa)["available"] == 6
    assert one(marketplace, sofa)["available"] == 10

    reserve_for_order(shop=marketplace, items=[ReservationRequest(product=sofa, quantity=3)])

    assert one(world["shop"], sofa)["available"] == 6
    assert one(marketplace, sofa)["available"] == 7


def test_a_share_quota_for_all_skus(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 20)
    partner = Shop.objects.get(code="moebel-markt").partner
    marketplace = factories.shop(
        [world["warehouse"]], channel=Shop.Channel.MARKETPLACE, partner=partner
    )
    StockQuota.objects.create(shop=marketplace, share_percent=25)

    assert one(world["shop"], shirt)["available"] == 15


def test_a_service_article_is_available_only_inside_its_regions(world):
    assembly = factories.product(is_service=True)
    ServiceRegion.objects.create(
        product=assembly,
        country=factories.country("DE"),
        postcode_from="10000",
        postcode_to="14999",
    )

    inside = one(world["shop"], assembly, country="DE", postcode="10117")
    outside = one(world["shop"], assembly, country="DE", postcode="80331")
    abroad = one(world["shop"], assembly, country="AT", postcode="1010")

    assert inside["available"] == SERVICE_AVAILABLE and inside["service"] is True
    assert outside["available"] == 0
    assert abroad["available"] == 0


def test_in_transit_stock_is_reported_but_not_promised(world):
    from inventory.models import InboundStock

    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 1)
    InboundStock.objects.create(
        location=world["warehouse"], product=shirt, quantity=30, expected_on="2099-01-01"
    )

    item = one(world["shop"], shirt)

    assert item["available"] == 1
    assert item["in_transit"]["quantity"] == 30


def test_a_shop_client_may_ask_only_for_its_own_shop(db):
    api = api_client_for("demo-de-web")

    own = api.get("/api/v1/availability/?shop=de-web&sku=TSHIRT-WHITE-M&sku=JEANS-BLUE-32")
    other = api.get("/api/v1/availability?shop=at-web&sku=TSHIRT-WHITE-M")

    assert own.status_code == 200
    assert [item["sku"] for item in own.json()["items"]] == ["TSHIRT-WHITE-M", "JEANS-BLUE-32"]
    assert own.json()["items"][0]["available"] > 0
    assert other.status_code == 403


def test_unknown_skus_are_named(db):
    response = api_client_for("demo-system").get(
        "/api/v1/availability?shop=de-web&sku=TSHIRT-WHITE-M&sku=NO-SUCH"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "sku.1"


def test_the_demo_assembly_service_is_offered_in_berlin_not_in_munich(db):
    api = api_client_for("demo-de-web")

    berlin = api.get(
        "/api/v1/availability?shop=de-web&sku=SERVICE-ASSEMBLY&country=DE&postcode=10117"
    )
    munich = api.get(
        "/api/v1/availability?shop=de-web&sku=SERVICE-ASSEMBLY&country=DE&postcode=80331"
    )

    assert berlin.json()["items"][0]["available"] > 0
    assert munich.json()["items"][0]["available"] == 0
