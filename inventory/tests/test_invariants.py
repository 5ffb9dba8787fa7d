"""Property test: any sequence of feeds, reservations, routing, releases, shipments and returns
keeps the books straight and never promises more than exists."""

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import atp
from inventory.models import Location, Reservation, SafetyStockDefault, StockLevel, StockMovement
from inventory.selectors import availability, product_pictures, shop_locations
from inventory.services import (
    InsufficientStock,
    ReservationRequest,
    apply_stock_feed,
    assign_reservation_to_location,
    consume_reservation,
    release_reservation,
    reserve_for_order,
    restock,
)
from inventory.tests import factories

pytestmark = pytest.mark.django_db

operation = st.one_of(
    st.tuples(st.just("feed"), st.integers(0, 2), st.integers(0, 1), st.integers(0, 6)),
    st.tuples(st.just("reserve"), st.integers(0, 1), st.integers(0, 1), st.integers(1, 5)),
    st.tuples(st.just("pickup"), st.integers(0, 1), st.integers(0, 1), st.integers(1, 3)),
    st.tuples(st.just("assign"), st.integers(0, 50), st.integers(0, 2), st.integers(1, 5)),
    st.tuples(st.just("release"), st.integers(0, 50), st.integers(0, 0), st.integers(1, 5)),
    st.tuples(st.just("ship"), st.integers(0, 50), st.integers(0, 0), st.integers(1, 5)),
    st.tuples(st.just("return"), st.integers(0, 2), st.integers(0, 1), st.integers(1, 3)),
)


def _pick(queryset, index: int):
    items = list(queryset.order_by("pk"))
    return items[index % len(items)] if items else None


def _check_books(locations, products, shops) -> None:
    shops_map = shop_locations()
    for product in products:
        for location in locations:
            level = StockLevel.objects.filter(location=location, product=product).first()
            on_hand, reserved = (level.on_hand, level.reserved) if level else (0, 0)
            moved = StockMovement.objects.filter(location=location, product=product).aggregate(
                on_hand=Sum("delta_on_hand"), reserved=Sum("delta_reserved")
            )
            open_here = Reservation.objects.filter(
                location=location, product=product, status="open"
            ).aggregate(units=Sum("quantity"))["units"]
            assert (moved["on_hand"] or 0) == on_hand
            assert (moved["reserved"] or 0) == reserved == (open_here or 0)
            assert reserved <= on_hand  # never more held at a location than it has
        pool = StockMovement.objects.filter(location=None, product=product).aggregate(
            units=Sum("delta_reserved")
        )["units"]
        open_pool = Reservation.objects.filter(
            location=None, product=product, status="open"
        ).aggregate(units=Sum("quantity"))["units"]
        assert (pool or 0) == (open_pool or 0)
        picture = product_pictures([product.pk], shop_locations_by_id=shops_map)[product.pk]
        assert atp.pool_shortfall(picture, shop_locations=shops_map) == 0  # no oversell
    for shop in shops:
        for item in availability(shop=shop, skus=[p.sku for p in products]):
            assert item["available"] >= 0
            assert all(pickup["available"] >= 0 for pickup in item["pickup"])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operation, min_size=1, max_size=25))
def test_the_books_always_balance_and_nothing_is_oversold(db, steps):
    SafetyStockDefault.objects.all().delete()
    warehouse = factories.location(Location.Type.WAREHOUSE)
    store = factories.location(Location.Type.STORE)
    other = factories.location(Location.Type.WAREHOUSE)
    locations = [warehouse, store, other]
    shops = [factories.shop([warehouse, store]), factories.shop([warehouse, other])]
    products = [factories.product(), factories.product()]

    for kind, first, second, quantity in steps:
        try:
            if kind == "feed":
                apply_stock_feed(
                    mode="delta",
                    items=[
                        {
                            "location": locations[first].code,
                            "sku": products[second].sku,
                            "quantity": quantity,
                        }
                    ],
                    source="hypothesis",
                    actor=None,
                )
            elif kind in ("reserve", "pickup"):
                reserve_for_order(
                    shop=shops[first],
                    items=[ReservationRequest(product=products[second], quantity=quantity)],
                    location=store if kind == "pickup" and first == 0 else None,
                )
            elif kind == "assign":
                pooled = _pick(Reservation.objects.filter(status="open", location=None), first)
                if pooled:
                    assign_reservation_to_location(
                        reservation=pooled,
                        location=locations[second],
                        quantity=min(quantity, pooled.quantity),
                    )
            elif kind == "release":
                held = _pick(Reservation.objects.filter(status="open"), first)
                if held:
                    release_reservation(
                        reservation=held, quantity=min(quantity, held.quantity), reason="test"
                    )
            elif kind == "ship":
                placed = _pick(
                    Reservation.objects.filter(status="open", location__isnull=False), first
                )
                if placed:
                    consume_reservation(reservation=placed, quantity=min(quantity, placed.quantity))
            elif kind == "return":
                restock(location=locations[first], product=products[second], quantity=quantity)
        except InsufficientStock:
            pass
        _check_books(locations, products, shops)
