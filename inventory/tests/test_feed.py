"""Stock feeds: validation names the item and applies nothing; absolute, delta, API."""

import pytest

from conftest import api_client_for
from inventory.models import Location, StockLevel, StockMovement
from inventory.services import apply_stock_feed
from inventory.tests import factories
from oms.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(db):
    return factories.location(Location.Type.WAREHOUSE)


def feed(mode: str, items: list[dict]) -> int:
    return apply_stock_feed(mode=mode, items=items, source="test", actor="tester")


def test_an_absolute_feed_sets_stock_and_records_movements(place):
    shirt, jeans = factories.product(), factories.product()

    applied = feed(
        "absolute",
        [
            {"location": place.code, "sku": shirt.sku, "quantity": 12},
            {"location": place.code, "sku": jeans.sku, "quantity": 0},
        ],
    )

    assert applied == 2
    assert StockLevel.objects.get(location=place, product=shirt).on_hand == 12
    movement = StockMovement.objects.get(location=place, product=shirt)
    assert (movement.delta_on_hand, movement.reason, movement.actor) == (12, "feed", "tester")


def test_a_delta_feed_adds_to_stock_and_its_movement_holds_the_delta(place):
    shirt = factories.product()
    factories.stock(place, shirt, 10)

    feed("delta", [{"location": place.code, "sku": shirt.sku, "quantity": -3}])
    feed("absolute", [{"location": place.code, "sku": shirt.sku, "quantity": 20}])

    assert StockLevel.objects.get(location=place, product=shirt).on_hand == 20
    deltas = list(
        StockMovement.objects.filter(product=shirt)
        .order_by("pk")
        .values_list("delta_on_hand", flat=True)
    )
    assert deltas == [-3, 13]


def test_an_unchanged_absolute_feed_records_no_movement(place):
    shirt = factories.product()
    feed("absolute", [{"location": place.code, "sku": shirt.sku, "quantity": 5}])
    feed("absolute", [{"location": place.code, "sku": shirt.sku, "quantity": 5}])

    assert StockMovement.objects.filter(product=shirt).count() == 1


@pytest.mark.parametrize(
    ("mode", "bad_item", "attr", "code"),
    [
        ("absolute", {"location": "LOC", "sku": "NO-SUCH-SKU", "quantity": 1}, "sku", "unknown_sku"),
        ("absolute", {"location": "no-such-place", "sku": "SKU", "quantity": 1}, "location",
         "unknown_location"),
        ("absolute", {"location": "LOC", "sku": "SKU", "quantity": -1}, "quantity", "min_value"),
        ("absolute", {"location": "LOC", "sku": "SKU", "quantity": "7"}, "quantity", "invalid"),
        ("absolute", {"location": "LOC", "sku": "SERVICE", "quantity": 1}, "sku",
         "service_article"),
        ("absolute", {"location": "LOC", "sku": "FIRST", "quantity": 3}, "sku", "duplicate"),
        ("delta", {"location": "LOC", "sku": "SKU", "quantity": -9}, "quantity",
         "negative_stock"),
    ],
)  # fmt: skip
def test_a_bad_item_is_named_and_nothing_is_applied(place, mode, bad_item, attr, code):
    first, other = factories.product(), factories.product()
    service = factories.product(is_service=True)
    names = {"LOC": place.code, "SKU": other.sku, "FIRST": first.sku, "SERVICE": service.sku}
    bad = {key: names.get(value, value) for key, value in bad_item.items()}
    factories.stock(place, first, 5)
    items = [{"location": place.code, "sku": first.sku, "quantity": 1}, bad]

    with pytest.raises(InvalidInput) as refused:
        feed(mode, items)

    assert {"attr": f"items.1.{attr}", "code": code} in [
        {"attr": error["attr"], "code": error["code"]} for error in refused.value.errors
    ]
    assert StockLevel.objects.get(location=place, product=first).on_hand == 5
    assert not StockLevel.objects.filter(product=other).exists()
    assert not StockMovement.objects.filter(product__in=[first, other]).exists()


def test_the_api_feeds_stock_for_a_system_client(place):
    shirt = factories.product()
    api = api_client_for("demo-system")

    response = api.post(
        "/api/v1/stock",
        {"mode": "absolute", "items": [{"location": place.code, "sku": shirt.sku, "quantity": 7}]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"updated": 1}
    assert StockLevel.objects.get(location=place, product=shirt).on_hand == 7


def test_an_api_error_is_problem_json_naming_the_item(place):
    response = api_client_for("demo-system").post(
        "/api/v1/stock/",
        {"mode": "absolute", "items": [{"location": place.code, "sku": "NOPE", "quantity": 7}]},
        format="json",
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["attr"] == "items.0.sku"


def test_a_replay_with_the_same_key_applies_once_and_a_different_body_is_422(place):
    shirt = factories.product()
    api = api_client_for("demo-system")
    body = {"mode": "delta", "items": [{"location": place.code, "sku": shirt.sku, "quantity": 4}]}

    first = api.post("/api/v1/stock", body, format="json", HTTP_IDEMPOTENCY_KEY="feed-1")
    again = api.post("/api/v1/stock", body, format="json", HTTP_IDEMPOTENCY_KEY="feed-1")
    body["items"][0]["quantity"] = 5
    other = api.post("/api/v1/stock", body, format="json", HTTP_IDEMPOTENCY_KEY="feed-1")

    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 422)
    assert again.json() == first.json()
    assert StockLevel.objects.get(location=place, product=shirt).on_hand == 4


def test_ten_thousand_items_in_one_request(place):
    places = [place, *(factories.location() for _ in range(9))]
    products = [factories.product() for _ in range(1000)]
    items = [
        {"location": where.code, "sku": what.sku, "quantity": index % 50}
        for index, (where, what) in enumerate((w, p) for w in places for p in products)
    ]

    response = api_client_for("demo-system").post(
        "/api/v1/stock", {"mode": "absolute", "items": items}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"updated": 10_000}
    assert StockLevel.objects.filter(location__in=places).count() == 10_000


def test_a_partner_feeds_its_own_locations_only(db):
    own = Location.objects.get(code="ds-moebelwerk")
    other = Location.objects.get(code="wh-central")
    sofa = factories.product(is_bulky=True)
    api = api_client_for("demo-moebelwerk")

    ok = api.post(
        "/api/v1/stock",
        {"mode": "absolute", "items": [{"location": own.code, "sku": sofa.sku, "quantity": 3}]},
        format="json",
    )
    refused = api.post(
        "/api/v1/stock",
        {
            "mode": "absolute",
            "items": [
                {"location": own.code, "sku": sofa.sku, "quantity": 9},
                {"location": other.code, "sku": sofa.sku, "quantity": 9},
            ],
        },
        format="json",
    )

    assert ok.status_code == 200
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["attr"] == "items.1.location"
    assert StockLevel.objects.get(location=own, product=sofa).on_hand == 3


def test_the_stock_list_shows_safety_in_transit_and_available(world):
    from inventory.models import InboundStock, SafetyStockDefault

    shirt = factories.product()
    SafetyStockDefault.objects.create(location_type=Location.Type.WAREHOUSE, quantity=2)
    factories.stock(world["warehouse"], shirt, 10, reserved=3)
    InboundStock.objects.create(
        location=world["warehouse"], product=shirt, quantity=40, expected_on="2030-01-01"
    )

    response = api_client_for("demo-system").get(f"/api/v1/stock?sku={shirt.sku}")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "location": world["warehouse"].code,
            "sku": shirt.sku,
            "on_hand": 10,
            "reserved": 3,
            "safety_stock": 2,
            "in_transit": 40,
            "available": 5,
        }
    ]


def test_a_shop_client_may_not_read_or_feed_stock(db):
    assert api_client_for("demo-de-web").get("/api/v1/stock").status_code == 403


def test_a_partner_reads_only_the_stock_of_its_own_locations(db):
    response = api_client_for("demo-moebelwerk").get("/api/v1/stock?page_size=200")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows
    assert {row["location"] for row in rows} == {"ds-moebelwerk"}
