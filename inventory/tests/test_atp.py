"""The available-to-promise arithmetic on its own (no database)."""

from inventory.atp import (
    InTransit,
    ProductPicture,
    available,
    fits,
    max_flow,
    pool_shortfall,
)


def test_without_demands_a_shop_gets_the_free_stock_of_its_locations():
    picture = ProductPicture(free={1: 5, 2: 3, 3: 7})

    assert available(picture, shop_id=10, locations=[1, 2], shop_locations={10: {1, 2}}) == 8


def test_pool_reservations_of_a_shop_on_other_locations_do_not_count():
    # shop 20 holds 5 in its pool but may use only location 3
    picture = ProductPicture(free={1: 5, 3: 7}, pool={20: 5})
    shops = {10: frozenset({1}), 20: frozenset({3})}

    assert available(picture, shop_id=10, locations=[1], shop_locations=shops) == 5


def test_a_shared_location_is_shared_as_far_as_needed():
    # shop 20 needs 6 and can take them from 1 (shared) or 2 (its own, 4 free)
    picture = ProductPicture(free={1: 5, 2: 4}, pool={20: 6})
    shops = {10: frozenset({1}), 20: frozenset({1, 2})}

    assert available(picture, shop_id=10, locations=[1], shop_locations=shops) == 3


def test_other_marketplaces_quota_is_held_back_but_not_from_the_marketplace_itself():
    picture = ProductPicture(free={1: 10}, set_aside={30: 4})
    shops = {10: frozenset({1}), 30: frozenset({1})}

    assert available(picture, shop_id=10, locations=[1], shop_locations=shops) == 6
    assert available(picture, shop_id=30, locations=[1], shop_locations=shops) == 10


def test_never_negative_when_promises_exceed_stock():
    picture = ProductPicture(free={1: 2}, pool={20: 9})

    assert available(picture, shop_id=10, locations=[1], shop_locations={20: {1}}) == 0
    assert pool_shortfall(picture, shop_locations={20: frozenset({1})}) == 7


def test_max_flow_respects_allowed_locations():
    flow = max_flow({"a": 5, "b": 5}, {"a": [1], "b": [1, 2]}, {1: 5, 2: 2})

    assert flow == 7


def test_stock_in_transit_is_promised_only_to_shops_that_sell_it():
    # 3 on hand at location 1 and 10 on their way to it; shop 10 sells stock in transit
    picture = ProductPicture(free={1: 3, InTransit(1): 10})
    shops = {10: frozenset({1, InTransit(1)}), 20: frozenset({1})}

    assert available(picture, shop_id=10, locations=shops[10], shop_locations=shops) == 13
    assert available(picture, shop_id=20, locations=shops[20], shop_locations=shops) == 3


def test_a_pool_covered_by_stock_in_transit_leaves_the_stock_on_hand_to_others():
    # shop 10's pool of 10 can wait for the 10 in transit: shop 20 may still sell the 3 on hand
    picture = ProductPicture(free={1: 3, InTransit(1): 10}, pool={10: 10})
    shops = {10: frozenset({1, InTransit(1)}), 20: frozenset({1})}

    assert available(picture, shop_id=20, locations=shops[20], shop_locations=shops) == 3
    assert available(picture, shop_id=10, locations=shops[10], shop_locations=shops) == 3
    assert pool_shortfall(picture, shop_locations=shops) == 0
    # once shop 20 took the 3 on hand, shop 10's pool is still covered, nothing is left
    picture.pool[20] = 3
    assert pool_shortfall(picture, shop_locations=shops) == 0
    assert available(picture, shop_id=10, locations=shops[10], shop_locations=shops) == 0


def test_quotas_are_set_aside_from_stock_on_hand_only():
    picture = ProductPicture(free={1: 2, InTransit(1): 10}, set_aside={30: 2})
    shops = {10: frozenset({1, InTransit(1)}), 30: frozenset({1})}

    # the marketplace's 2 can only come from the 2 on hand: shop 10 keeps the 10 in transit
    assert available(picture, shop_id=10, locations=shops[10], shop_locations=shops) == 10


def test_fits_asks_whether_every_promise_can_still_be_kept():
    # shop 10 holds 6 in its pool (its new reservation included) and may use location 1 only
    shops = {10: frozenset({1}), 20: frozenset({1, 2})}
    assert fits(
        ProductPicture(free={1: 6, 2: 4}, pool={10: 6, 20: 4}), shop_id=10, shop_locations=shops
    )
    assert not fits(
        ProductPicture(free={1: 6, 2: 3}, pool={10: 6, 20: 4}), shop_id=10, shop_locations=shops
    )
    # another marketplace's quota is a promise too, the shop's own quota is not
    quota = ProductPicture(free={1: 6}, pool={10: 5}, set_aside={30: 2})
    assert not fits(quota, shop_id=10, shop_locations={10: frozenset({1}), 30: frozenset({1})})
    assert fits(quota, shop_id=30, shop_locations={10: frozenset({1}), 30: frozenset({1})})
