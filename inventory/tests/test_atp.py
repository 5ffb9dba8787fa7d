"""The available-to-promise arithmetic on its own (no database)."""

from inventory.atp import ProductPicture, available, max_flow, pool_shortfall


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
