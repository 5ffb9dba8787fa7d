"""Available-to-promise arithmetic in plain Python (no Django): who may still take how much.

A product's stock is pictured as free units per location (on hand − reserved at the location −
safety stock, only locations that can fulfil) and demands on it: every shop's open pool
reservations (not yet routed) and the quotas still set aside for marketplace shops. A shop can
take units only from its own fulfilment locations. The demands can all be met exactly when a
maximum flow from shops to locations carries them all (Hall's condition), so the rule is:

    available(shop) = maxflow(demands, shop unbounded) − Σ demands, never below 0

This is exact when shops share only some locations: a pool reservation of one shop lowers
another shop's availability only as far as they compete for the same units. Graphs are tiny
(a handful of shops and locations per SKU), so the flow costs microseconds.

Stock on its way to a location is one more supply, `InTransit(location)`, which only shops
that sell stock in transit may draw from (their pool reservations wait for it to arrive;
routing places units only where they are on hand). A shop's supplies are the location ids
it may use plus, for those shops, the `InTransit` of each.
"""

import datetime
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

UNBOUNDED = 10**12


@dataclass(frozen=True)
class InTransit:
    """Supply: the units on their way to a location (see the module's docstring)."""

    location: int


@dataclass
class ProductPicture:
    """What one product's availability depends on."""

    # supply → units: location id → free units, InTransit(location id) → units on their way
    free: dict[int | InTransit, int] = field(default_factory=dict)
    pool: dict[int, int] = field(default_factory=dict)  # shop id → open pool reservations
    set_aside: dict[int, int] = field(default_factory=dict)  # marketplace shop id → quota left
    # location id → first expected arrival of the stock in transit to it
    arrivals: dict[int, datetime.date] = field(default_factory=dict)


def on_hand_locations(supplies: Iterable[int | InTransit]) -> list[int]:
    """The location ids among a shop's supplies (without stock in transit)."""
    return [supply for supply in supplies if not isinstance(supply, InTransit)]


def max_flow(
    demands: Mapping[object, int], allowed: Mapping[object, Iterable[object]], free: Mapping
) -> int:
    """The most units the supplies can give the demands (each from its allowed supplies)."""
    source, sink = ("source",), ("sink",)
    capacity: dict[object, dict[object, int]] = {source: {}, sink: {}}

    def add_edge(a: object, b: object, amount: int) -> None:
        capacity.setdefault(a, {})
        capacity.setdefault(b, {})
        capacity[a][b] = capacity[a].get(b, 0) + amount
        capacity[b].setdefault(a, 0)

    for key, demand in demands.items():
        if demand <= 0:
            continue
        node = ("demand", key)
        add_edge(source, node, demand)
        for location in allowed.get(key, ()):
            if free.get(location, 0) > 0:
                add_edge(node, ("location", location), UNBOUNDED)
    for location, units in free.items():
        if units > 0 and ("location", location) in capacity:
            add_edge(("location", location), sink, units)

    total = 0
    while True:
        parents = {source: None}
        queue = deque([source])
        while queue and sink not in parents:
            node = queue.popleft()
            for neighbour, left in capacity[node].items():
                if left > 0 and neighbour not in parents:
                    parents[neighbour] = node
                    queue.append(neighbour)
        if sink not in parents:
            return total
        path_capacity = UNBOUNDED
        node = sink
        while parents[node] is not None:
            path_capacity = min(path_capacity, capacity[parents[node]][node])
            node = parents[node]
        node = sink
        while parents[node] is not None:
            capacity[parents[node]][node] -= path_capacity
            capacity[node][parents[node]] += path_capacity
            node = parents[node]
        total += path_capacity


def _demands(
    picture: ProductPicture, *, shop_id: int, shop_locations: Mapping[int, frozenset]
) -> tuple[dict[object, int], dict[object, Iterable]]:
    """Every shop's open pool reservations and the other marketplaces' quotas still set aside,
    each with the supplies it may draw from (the shop's own quota is not held back from it)."""
    demands: dict[object, int] = {}
    allowed: dict[object, Iterable] = {}
    for other, units in picture.pool.items():
        demands[("pool", other)] = units
        allowed[("pool", other)] = shop_locations.get(other, frozenset())
    for other, units in picture.set_aside.items():
        if other != shop_id:
            demands[("quota", other)] = units
            allowed[("quota", other)] = on_hand_locations(shop_locations.get(other, ()))
    return demands, allowed


def available(
    picture: ProductPicture,
    *,
    shop_id: int,
    locations: Iterable[int | InTransit],
    shop_locations: Mapping[int, frozenset],
) -> int:
    """What `shop_id` may still take from `locations` without breaking anyone's promise.

    `locations` is the shop's supplies for delivery (`shop_locations`), or a single store for
    pickup. The shop's own quota is not held back from it; other marketplace shops' quotas are.
    Quotas are set aside from stock on hand, never from stock in transit.
    """
    locations = frozenset(locations)
    demands, allowed = _demands(picture, shop_id=shop_id, shop_locations=shop_locations)
    own_free = sum(picture.free.get(location, 0) for location in locations)
    if not any(units > 0 for units in demands.values()):
        return own_free
    demanded = sum(units for units in demands.values() if units > 0)
    demands[("asking", shop_id)] = own_free
    allowed[("asking", shop_id)] = locations
    return max(0, min(own_free, max_flow(demands, allowed, picture.free) - demanded))


def fits(picture: ProductPicture, *, shop_id: int, shop_locations: Mapping[int, frozenset]) -> bool:
    """Whether every promise can be kept, `shop_id`'s pool (already counting what it asks for)
    included: the same rule as `available` when the asked units are a pool reservation."""
    demands, allowed = _demands(picture, shop_id=shop_id, shop_locations=shop_locations)
    demanded = sum(units for units in demands.values() if units > 0)
    return max_flow(demands, allowed, picture.free) == demanded


def pool_shortfall(picture: ProductPicture, *, shop_locations: Mapping[int, frozenset]) -> int:
    """Units of open pool reservations the supplies cannot cover (0 when all fit)."""
    demands = {shop: units for shop, units in picture.pool.items() if units > 0}
    if not demands:
        return 0
    flow = max_flow(demands, {shop: shop_locations.get(shop, ()) for shop in demands}, picture.free)
    return sum(demands.values()) - flow
