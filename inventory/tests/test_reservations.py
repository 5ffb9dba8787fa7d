"""Reservations from intake to shipment, release and expiry, with their movements."""

import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory.models import Reservation, StockLevel, StockMovement
from inventory.selectors import availability
from inventory.services import (
    InsufficientStock,
    Placement,
    ReservationNotOpen,
    ReservationRequest,
    assign_reservation_to_location,
    assign_reservations_to_locations,
    consume_reservation,
    correct_stock,
    release_reservation,
    reserve_for_order,
    restock,
)
from inventory.tasks import expire_stock_reservations
from inventory.tests import factories
from oms.errors import DomainError

pytestmark = pytest.mark.django_db


def available(shop, product) -> int:
    return availability(shop=shop, skus=[product.sku])[0]["available"]


def level(location, product) -> StockLevel:
    return StockLevel.objects.get(location=location, product=product)


def test_an_order_reserves_in_the_pool_then_at_a_location_then_ships(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 10)
    shop = world["shop"]

    [reservation] = reserve_for_order(
        shop=shop, items=[ReservationRequest(product=shirt, quantity=3)]
    )
    assert reservation.location is None and reservation.status == "open"
    assert available(shop, shirt) == 7

    placed = assign_reservation_to_location(
        reservation=reservation, location=world["warehouse"], quantity=3
    )
    assert placed.pk == reservation.pk
    assert level(world["warehouse"], shirt).reserved == 3
    assert available(shop, shirt) == 7

    consume_reservation(reservation=placed, quantity=2, reference="shipment-1")
    consume_reservation(reservation=placed, quantity=1, reference="shipment-2")

    placed.refresh_from_db()
    assert placed.status == Reservation.Status.CONSUMED
    stock = level(world["warehouse"], shirt)
    assert (stock.on_hand, stock.reserved) == (7, 0)
    assert available(shop, shirt) == 7
    reasons = list(
        StockMovement.objects.filter(product=shirt).order_by("pk").values_list("reason", "location")
    )
    assert reasons == [
        ("reservation", None),
        ("reservation", None),
        ("reservation", world["warehouse"].pk),
        ("shipment", world["warehouse"].pk),
        ("shipment", world["warehouse"].pk),
    ]


def test_routing_can_split_a_reservation_over_locations(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 2)
    factories.stock(world["store_a"], shirt, 3)
    [reservation] = reserve_for_order(
        shop=world["shop"], items=[ReservationRequest(product=shirt, quantity=5)]
    )

    part = assign_reservation_to_location(
        reservation=reservation, location=world["warehouse"], quantity=2
    )
    rest = assign_reservation_to_location(
        reservation=reservation, location=world["store_a"], quantity=3
    )

    assert part.pk != reservation.pk and rest.pk == reservation.pk
    assert level(world["warehouse"], shirt).reserved == 2
    assert level(world["store_a"], shirt).reserved == 3


def test_a_location_without_the_units_refuses_the_assignment(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 5)
    factories.stock(world["store_a"], shirt, 1)
    [reservation] = reserve_for_order(
        shop=world["shop"], items=[ReservationRequest(product=shirt, quantity=3)]
    )

    with pytest.raises(InsufficientStock):
        assign_reservation_to_location(reservation=reservation, location=world["store_a"])

    assert level(world["store_a"], shirt).reserved == 0


def test_an_assignment_that_would_strand_another_shops_pool_is_refused(world):
    # the other shop can only use the warehouse; taking the warehouse's units elsewhere would
    # leave its reservation uncovered although the store still has units for ours
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 2)
    factories.stock(world["store_a"], shirt, 2)
    warehouse_only = factories.shop([world["warehouse"]])
    [theirs] = reserve_for_order(
        shop=warehouse_only, items=[ReservationRequest(product=shirt, quantity=2)]
    )
    [ours] = reserve_for_order(
        shop=world["shop"], items=[ReservationRequest(product=shirt, quantity=2)]
    )

    with pytest.raises(InsufficientStock):
        assign_reservation_to_location(reservation=ours, location=world["warehouse"])
    assign_reservation_to_location(reservation=ours, location=world["store_a"])
    assign_reservation_to_location(reservation=theirs, location=world["warehouse"])


def test_an_order_whose_lines_together_exceed_stock_reserves_nothing(world):
    shirt, jeans = factories.product(), factories.product()
    factories.stock(world["warehouse"], shirt, 5)
    factories.stock(world["warehouse"], jeans, 5)

    with pytest.raises(InsufficientStock) as refused:
        reserve_for_order(
            shop=world["shop"],
            items=[
                ReservationRequest(product=jeans, quantity=1),
                ReservationRequest(product=shirt, quantity=3),
                ReservationRequest(product=shirt, quantity=3),
            ],
        )

    assert [(e["attr"], e["code"]) for e in refused.value.errors] == [
        ("lines.1.sku", "insufficient_stock"),
        ("lines.2.sku", "insufficient_stock"),
    ]
    assert not Reservation.objects.filter(product__in=[shirt, jeans]).exists()
    assert not StockMovement.objects.filter(product__in=[shirt, jeans]).exists()


def test_click_and_reserve_holds_a_store_until_the_deadline(world):
    shirt = factories.product()
    factories.stock(world["store_a"], shirt, 2)
    deadline = timezone.now() + datetime.timedelta(hours=48)

    [held] = reserve_for_order(
        shop=world["shop"],
        items=[ReservationRequest(product=shirt, quantity=2)],
        location=world["store_a"],
        kind=Reservation.Kind.CLICK_RESERVE,
        expires_at=deadline,
    )

    assert level(world["store_a"], shirt).reserved == 2
    assert available(world["shop"], shirt) == 0
    assert expire_reservations_at(deadline - datetime.timedelta(minutes=1)) == 0

    assert expire_reservations_at(deadline + datetime.timedelta(minutes=1)) == 1
    assert expire_reservations_at(deadline + datetime.timedelta(minutes=2)) == 0  # idempotent
    held.refresh_from_db()
    assert held.status == Reservation.Status.EXPIRED
    assert level(world["store_a"], shirt).reserved == 0
    assert available(world["shop"], shirt) == 2


def expire_reservations_at(now) -> int:
    from inventory.services import expire_reservations

    return expire_reservations(now)


def test_the_expiry_task_runs(world):
    shirt = factories.product()
    factories.stock(world["store_a"], shirt, 1)
    reserve_for_order(
        shop=world["shop"],
        items=[ReservationRequest(product=shirt, quantity=1)],
        location=world["store_a"],
        kind=Reservation.Kind.CLICK_RESERVE,
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )

    assert expire_stock_reservations.delay().get() == 1


def test_a_release_gives_the_units_back_and_a_second_one_is_refused(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 4)
    [reservation] = reserve_for_order(
        shop=world["shop"], items=[ReservationRequest(product=shirt, quantity=4)]
    )
    placed = assign_reservation_to_location(reservation=reservation, location=world["warehouse"])

    release_reservation(reservation=placed, quantity=1, reason="customer cancelled one")
    release_reservation(reservation=placed, reason="customer cancelled the rest")

    placed.refresh_from_db()
    assert placed.status == Reservation.Status.RELEASED and placed.quantity_released == 4
    assert level(world["warehouse"], shirt).reserved == 0
    assert available(world["shop"], shirt) == 4
    with pytest.raises(ReservationNotOpen):
        release_reservation(reservation=placed, reason="again")


def test_a_pickup_store_outside_the_shops_locations_is_refused(world):
    from oms.errors import DomainError

    shirt = factories.product()
    foreign_store = factories.location("store")
    factories.stock(foreign_store, shirt, 5)

    with pytest.raises(DomainError):
        reserve_for_order(
            shop=world["shop"],
            items=[ReservationRequest(product=shirt, quantity=1)],
            location=foreign_store,
        )


def test_service_articles_are_not_reserved_but_must_be_offered_at_the_destination(world):
    from inventory.models import ServiceRegion

    assembly = factories.product(is_service=True)
    ServiceRegion.objects.create(product=assembly, country=factories.country("DE"))

    assert (
        reserve_for_order(
            shop=world["shop"],
            items=[ReservationRequest(product=assembly, quantity=1)],
            country="DE",
        )
        == []
    )
    with pytest.raises(InsufficientStock) as refused:
        reserve_for_order(
            shop=world["shop"],
            items=[ReservationRequest(product=assembly, quantity=1)],
            country="AT",
        )
    assert refused.value.errors[0]["code"] == "not_offered_here"


def test_restock_and_store_correction_are_movements(world):
    shirt = factories.product()
    factories.stock(world["store_a"], shirt, 3)

    restock(location=world["store_a"], product=shirt, quantity=1, reference="return-7")
    correct_stock(
        location=world["store_a"], product=shirt, on_hand=2, reason="counted", actor="store"
    )

    assert level(world["store_a"], shirt).on_hand == 2
    assert list(
        StockMovement.objects.filter(product=shirt)
        .order_by("pk")
        .values_list("reason", "delta_on_hand")
    ) == [("return_restock", 1), ("correction", -2)]
    total = StockMovement.objects.filter(product=shirt).aggregate(total=Sum("delta_on_hand"))
    assert total["total"] == 2 - 3  # the starting 3 came from a factory, not a feed


def test_a_batch_places_parts_of_reservations_at_several_locations(world):
    shirt, jeans = factories.product(), factories.product()
    factories.stock(world["warehouse"], shirt, 4)
    factories.stock(world["store_a"], shirt, 4)
    factories.stock(world["warehouse"], jeans, 2)
    shirts, pair = reserve_for_order(
        shop=world["shop"],
        items=[
            ReservationRequest(product=shirt, quantity=5),
            ReservationRequest(product=jeans, quantity=2),
        ],
    )

    part, rest, placed_jeans = assign_reservations_to_locations(
        placements=[
            Placement(shirts, world["warehouse"], 3),
            Placement(shirts, world["store_a"], 2),
            Placement(pair, world["warehouse"]),
        ]
    )

    assert part.pk != shirts.pk and (part.location, part.quantity) == (world["warehouse"], 3)
    assert (rest.pk, rest.location, rest.quantity) == (shirts.pk, world["store_a"], 2)
    assert (placed_jeans.pk, placed_jeans.quantity) == (pair.pk, 2)
    assert level(world["warehouse"], shirt).reserved == 3
    assert level(world["store_a"], shirt).reserved == 2
    assert level(world["warehouse"], jeans).reserved == 2
    assert not Reservation.objects.filter(product=shirt, location__isnull=True).exists()
    # the movements net to zero in the pool and to the placed units per location
    moved = StockMovement.objects.filter(product=shirt, source__in=["routing"]).values_list(
        "location", "delta_reserved"
    )
    assert sorted(moved) == sorted([(world["warehouse"].pk, 3), (world["store_a"].pk, 2)])


def test_a_batch_that_one_location_cannot_hold_places_nothing(world):
    shirt, jeans = factories.product(), factories.product()
    factories.stock(world["warehouse"], shirt, 5)
    factories.stock(world["warehouse"], jeans, 2)
    factories.stock(world["store_a"], jeans, 1)
    shirts, pair = reserve_for_order(
        shop=world["shop"],
        items=[
            ReservationRequest(product=shirt, quantity=3),
            ReservationRequest(product=jeans, quantity=2),
        ],
    )

    with pytest.raises(InsufficientStock):
        assign_reservations_to_locations(
            placements=[
                Placement(shirts, world["warehouse"]),
                Placement(pair, world["store_a"]),
            ]
        )

    assert level(world["warehouse"], shirt).reserved == 0
    assert (
        Reservation.objects.filter(pk__in=[shirts.pk, pair.pk], location__isnull=True).count() == 2
    )


def test_a_batch_cannot_place_a_reservation_twice(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 5)
    [reservation] = reserve_for_order(
        shop=world["shop"], items=[ReservationRequest(product=shirt, quantity=2)]
    )

    with pytest.raises(DomainError):
        assign_reservations_to_locations(
            placements=[
                Placement(reservation, world["warehouse"]),
                Placement(reservation, world["store_a"], 1),
            ]
        )


def test_every_part_split_off_in_a_batch_is_written_with_its_own_movements(world):
    # given two reservations, each placed in two parts at two locations
    shirt, jeans = factories.product(), factories.product()
    for location in (world["warehouse"], world["store_a"]):
        factories.stock(location, shirt, 5)
        factories.stock(location, jeans, 5)
    expires = timezone.now() + datetime.timedelta(days=2)
    shirts, pairs = reserve_for_order(
        shop=world["shop"],
        items=[
            ReservationRequest(product=shirt, quantity=4),
            ReservationRequest(product=jeans, quantity=3),
        ],
        kind=Reservation.Kind.CLICK_RESERVE,
        expires_at=expires,
    )

    # when
    placed = assign_reservations_to_locations(
        placements=[
            Placement(shirts, world["warehouse"], 1),
            Placement(pairs, world["store_a"], 2),
            Placement(shirts, world["store_a"], 3),
            Placement(pairs, world["warehouse"], 1),
        ],
        actor="routing:test",
    )

    # then the parts are stored as returned, with what they were split from
    assert [(r.product, r.location, r.quantity) for r in placed] == [
        (shirt, world["warehouse"], 1),
        (jeans, world["store_a"], 2),
        (shirt, world["store_a"], 3),
        (jeans, world["warehouse"], 1),
    ]
    assert [r.pk for r in placed[2:]] == [shirts.pk, pairs.pk]  # the last parts move them
    assert not {r.pk for r in placed[:2]} & {shirts.pk, pairs.pk}
    for reservation in placed:
        stored = Reservation.objects.get(pk=reservation.pk)
        assert (stored.product, stored.location, stored.quantity) == (
            reservation.product,
            reservation.location,
            reservation.quantity,
        )
        assert (stored.kind, stored.expires_at, stored.shop, stored.status) == (
            Reservation.Kind.CLICK_RESERVE,
            expires,
            world["shop"],
            "open",
        )
    # each placement moved its units out of the pool and into its location, in order
    moves = StockMovement.objects.filter(source__in=["routing"]).order_by("pk")
    assert [
        (m.reference, m.location_id, m.product_id, m.delta_reserved, m.actor) for m in moves
    ] == [
        (f"reservation:{r.pk}", r.location_id, r.product_id, r.quantity, "routing:test")
        for r in placed
    ]
    pool = StockMovement.objects.filter(source__startswith="routed to ").order_by("pk")
    assert [(m.reference, m.location_id, m.delta_reserved, m.source) for m in pool] == [
        (f"reservation:{shirts.pk}", None, -1, f"routed to {world['warehouse'].code}"),
        (f"reservation:{pairs.pk}", None, -2, f"routed to {world['store_a'].code}"),
        (f"reservation:{shirts.pk}", None, -3, f"routed to {world['store_a'].code}"),
        (f"reservation:{pairs.pk}", None, -1, f"routed to {world['warehouse'].code}"),
    ]
    assert [level(world["warehouse"], p).reserved for p in (shirt, jeans)] == [1, 1]
    assert [level(world["store_a"], p).reserved for p in (shirt, jeans)] == [3, 2]


def test_a_refused_batch_leaves_the_callers_transaction_usable(world):
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 2)
    factories.stock(world["store_a"], shirt, 2)
    [reservation] = reserve_for_order(
        shop=world["shop"], items=[ReservationRequest(product=shirt, quantity=3)]
    )

    with pytest.raises(InsufficientStock):
        assign_reservations_to_locations(placements=[Placement(reservation, world["warehouse"])])
    placed = assign_reservations_to_locations(
        placements=[
            Placement(reservation, world["warehouse"], 2),
            Placement(reservation, world["store_a"], 1),
        ]
    )

    assert [r.quantity for r in placed] == [2, 1]
    assert level(world["warehouse"], shirt).reserved == 2
    assert level(world["store_a"], shirt).reserved == 1


def test_placing_a_batch_is_three_round_trips_on_postgresql(
    world, postgres_only, django_assert_num_queries
):
    shirt, jeans = factories.product(), factories.product()
    factories.stock(world["warehouse"], shirt, 5)
    factories.stock(world["warehouse"], jeans, 5)
    first, shirts, pair = reserve_for_order(
        shop=world["shop"],
        items=[
            ReservationRequest(product=shirt, quantity=1),
            ReservationRequest(product=shirt, quantity=3),
            ReservationRequest(product=jeans, quantity=2),
        ],
    )
    assign_reservation_to_location(reservation=first, location=world["warehouse"])  # prepares

    # read and lock (locations, products, reservations), stock picture, write everything
    with django_assert_num_queries(3):
        assign_reservations_to_locations(
            placements=[
                Placement(shirts, world["warehouse"], 2),
                Placement(pair, world["warehouse"]),
            ]
        )

    assert level(world["warehouse"], shirt).reserved == 3
    assert level(world["warehouse"], jeans).reserved == 2
