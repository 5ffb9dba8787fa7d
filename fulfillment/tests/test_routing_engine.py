"""The routing engine alone: filters, criteria, splitting, budget, and its invariants."""

import datetime
import itertools
import json
from dataclasses import asdict

from hypothesis import given, settings
from hypothesis import strategies as st

from fulfillment.routing import Candidate, Filters, Line, Rule, Strategy, Weights, route

ONLY_PARCELS = Weights(
    parcels=10, delivery=0, distance=0, cost=0, backlog=0, priority=0, markdown=0
)


def candidate(id: int, stock: dict[str, int], **kwargs) -> Candidate:
    return Candidate(id=id, code=kwargs.pop("code", f"loc-{id}"), stock=stock, **kwargs)


def report_of(result, code: str):
    return next(report for report in result.candidates if report.code == code)


def test_one_location_that_holds_everything_beats_a_split():
    # given two cheap partial locations and one that holds the whole order
    candidates = [
        candidate(1, {"A": 5}),
        candidate(2, {"B": 5}),
        candidate(3, {"A": 5, "B": 5}, shipping_cost=3),
    ]
    # when
    result = route([Line(1, "A", 2), Line(2, "B", 1)], candidates, Strategy())
    # then one parcel from loc-3
    assert result.location_ids == [3]
    assert result.method == "exact"
    assert report_of(result, "loc-3").chosen
    assert not report_of(result, "loc-1").chosen


def test_splits_when_no_location_holds_everything():
    candidates = [candidate(1, {"A": 1}), candidate(2, {"A": 1}), candidate(3, {"B": 1})]
    result = route([Line(1, "A", 2), Line(2, "B", 1)], candidates, Strategy())
    assert result.location_ids == [1, 2, 3]
    assert sum(a.quantity for a in result.allocations if a.line_key == 1) == 2
    assert result.unallocated == {}


def test_not_coverable_quantity_is_reported_unallocated():
    result = route([Line(1, "A", 5)], [candidate(1, {"A": 3})], Strategy())
    assert sum(a.quantity for a in result.allocations) == 3
    assert result.unallocated == {1: 2}


def test_no_split_takes_the_single_location_that_ships_most():
    candidates = [candidate(1, {"A": 1}), candidate(2, {"A": 1, "B": 1})]
    result = route([Line(1, "A", 1), Line(2, "B", 1)], candidates, Strategy(allow_split=False))
    assert result.location_ids == [2]
    result = route([Line(1, "A", 2)], candidates, Strategy(allow_split=False))
    assert len(result.location_ids) == 1
    assert result.unallocated == {1: 1}


def test_lines_of_the_same_sku_share_the_stock():
    result = route([Line(1, "A", 2), Line(2, "A", 2)], [candidate(1, {"A": 3})], Strategy())
    assert sum(a.quantity for a in result.allocations) == 3
    assert result.unallocated == {2: 1}


# --- hard filters ---------------------------------------------------------------------------


def test_each_candidate_rule_excludes_and_is_explained():
    lines = [Line(1, "A", 1)]
    candidates = [
        candidate(1, {"A": 1}, code="inactive", is_active=False),
        candidate(2, {"A": 1}, code="outage", is_outage=True),
        candidate(3, {"A": 1}, code="abroad", serves_destination=False),
        candidate(4, {"A": 1}, code="full", capacity_left=0),
        candidate(5, {"B": 1}, code="empty"),
        candidate(6, {"A": 1}, code="store", type="store"),
        candidate(7, {"A": 1}, code="blocked", allowed=False),
        candidate(8, {"A": 1}, code="ok", shipping_cost=99),
    ]
    strategy = Strategy(filters=Filters(allowed_types=frozenset({"warehouse"})))
    result = route(lines, candidates, strategy)
    assert result.location_ids == [8]
    assert {report.code: report.excluded for report in result.candidates} == {
        "inactive": Rule.INACTIVE,
        "outage": Rule.OUTAGE,
        "abroad": Rule.COUNTRY_NOT_SERVED,
        "full": Rule.NO_CAPACITY,
        "empty": Rule.NO_STOCK,
        "store": Rule.TYPE_NOT_ALLOWED,
        "blocked": Rule.NOT_ALLOWED,
        "ok": None,
    }
    assert report_of(result, "ok").scores["cost"] == 99


def test_switched_off_filters_let_candidates_in():
    filters = Filters(
        require_active=False,
        exclude_outage=False,
        require_destination=False,
        require_capacity=False,
    )
    candidates = [
        candidate(
            1, {"A": 1}, is_active=False, is_outage=True, serves_destination=False, capacity_left=0
        )
    ]
    result = route([Line(1, "A", 1)], candidates, Strategy(filters=filters))
    assert result.location_ids == [1]


def test_hazardous_goods_only_from_permitted_locations():
    candidates = [
        candidate(1, {"OIL": 5, "SHIRT": 5}, code="near"),
        candidate(2, {"OIL": 5}, code="permitted", ships_hazardous=True, shipping_cost=20),
    ]
    lines = [Line(1, "OIL", 1, hazardous=True), Line(2, "SHIRT", 1)]
    result = route(lines, candidates, Strategy())
    by_line = {a.line_key: a.location_id for a in result.allocations}
    assert by_line == {1: 2, 2: 1}
    assert report_of(result, "near").line_exclusions == {"OIL": Rule.HAZARDOUS_NOT_PERMITTED}


def test_bulky_goods_only_within_the_maximum_distance():
    candidates = [
        candidate(1, {"SOFA": 1}, code="far", distance_km=450),
        candidate(2, {"SOFA": 1}, code="near", distance_km=120, shipping_cost=50),
    ]
    strategy = Strategy(filters=Filters(bulky_max_distance_km=300))
    result = route([Line(1, "SOFA", 1, bulky=True)], candidates, strategy)
    assert result.location_ids == [2]
    assert report_of(result, "far").excluded == Rule.NO_STOCK
    assert report_of(result, "far").line_exclusions == {"SOFA": Rule.BULKY_TOO_FAR}
    # a line that is not bulky may come from far away
    result = route([Line(1, "SOFA", 1)], candidates, strategy)
    assert result.location_ids == [1]


def test_dropshipper_ships_only_its_own_skus():
    candidates = [
        candidate(1, {"SOFA": 3, "SHIRT": 3}, code="ds", type="dropshipper", partner="moebelwerk"),
        candidate(2, {"SHIRT": 3}, code="wh", shipping_cost=30),
    ]
    lines = [Line(1, "SOFA", 1, dropship_owner="moebelwerk"), Line(2, "SHIRT", 1)]
    result = route(lines, candidates, Strategy())
    assert {a.line_key: a.location_id for a in result.allocations} == {1: 1, 2: 2}
    assert report_of(result, "ds").line_exclusions == {"SHIRT": Rule.DROPSHIPPER_FOREIGN_SKU}
    foreign = route([Line(1, "SOFA", 1, dropship_owner="other")], candidates, Strategy())
    assert foreign.unallocated == {1: 1}


# --- criteria -------------------------------------------------------------------------------


def choose(weights: Weights, *candidates: Candidate) -> str:
    result = route([Line(1, "A", 1)], list(candidates), Strategy(weights=weights))
    (location_id,) = result.location_ids
    return next(c.code for c in candidates if c.id == location_id)


ZERO = Weights(parcels=1, delivery=0, distance=0, cost=0, backlog=0, priority=0, markdown=0)


def test_earliest_delivery_criterion():
    day = datetime.date(2026, 12, 1)
    weights = Weights(**{**ZERO.__dict__, "delivery": 1})
    assert (
        choose(
            weights,
            candidate(1, {"A": 1}, code="slow", earliest_delivery=day + datetime.timedelta(2)),
            candidate(2, {"A": 1}, code="fast", earliest_delivery=day),
        )
        == "fast"
    )


def test_in_transit_stock_counts_with_its_later_date():
    day = datetime.date(2026, 12, 1)
    weights = Weights(**{**ZERO.__dict__, "delivery": 1})
    transit = candidate(
        1,
        {"A": 1},
        code="transit",
        earliest_delivery=day,
        delivery_by_sku={"A": day + datetime.timedelta(5)},
    )
    other = candidate(2, {"A": 1}, code="other", earliest_delivery=day + datetime.timedelta(1))
    assert choose(weights, transit, other) == "other"
    result = route([Line(1, "A", 1)], [transit, other], Strategy(weights=weights))
    assert report_of(result, "transit").delivery_date == "2026-12-06"
    assert report_of(result, "transit").scores["delivery"] == 4


def test_distance_cost_backlog_priority_and_markdown_criteria():
    only = lambda name: Weights(**{**ZERO.__dict__, name: 1})  # noqa: E731
    assert (
        choose(
            only("distance"),
            candidate(1, {"A": 1}, code="far", distance_km=500),
            candidate(2, {"A": 1}, code="near", distance_km=5),
        )
        == "near"
    )
    assert (
        choose(
            only("cost"),
            candidate(1, {"A": 1}, code="dear", shipping_cost=9),
            candidate(2, {"A": 1}, code="cheap", shipping_cost=4),
        )
        == "cheap"
    )
    assert (
        choose(
            only("backlog"),
            candidate(1, {"A": 1}, code="busy", backlog_share=0.9),
            candidate(2, {"A": 1}, code="idle", backlog_share=0.1),
        )
        == "idle"
    )
    assert (
        choose(
            only("priority"),
            candidate(1, {"A": 1}, code="low", priority=10),
            candidate(2, {"A": 1}, code="high", priority=90),
        )
        == "high"
    )
    assert (
        choose(
            only("markdown"),
            candidate(1, {"A": 1}, code="plain"),
            candidate(2, {"A": 1}, code="sale", markdown_skus=frozenset({"A"})),
        )
        == "sale"
    )


def test_fewest_parcels_outweighs_cheaper_split():
    candidates = [
        candidate(1, {"A": 1}, shipping_cost=1),
        candidate(2, {"B": 1}, shipping_cost=1),
        candidate(3, {"A": 1, "B": 1}, shipping_cost=5),
    ]
    lines = [Line(1, "A", 1), Line(2, "B", 1)]
    heavy = Weights(**{**ZERO.__dict__, "parcels": 10, "cost": 1})
    light = Weights(**{**ZERO.__dict__, "parcels": 1, "cost": 1})
    assert route(lines, candidates, Strategy(weights=heavy)).location_ids == [3]
    assert route(lines, candidates, Strategy(weights=light)).location_ids == [1, 2]


def test_search_gives_up_at_the_budget_with_the_greedy_answer():
    candidates = [
        candidate(i, {f"S{j}": (i * 7 + j * 3) % 4 for j in range(20)}, shipping_cost=(i % 9) + 1)
        for i in range(300)
    ]
    lines = [Line(j, f"S{j}", 3) for j in range(20)]
    result = route(lines, candidates, Strategy(time_budget_ms=0.001))
    assert result.method == "heuristic"
    assert result.unallocated == {}
    assert sum(a.quantity for a in result.allocations) == 60


# --- invariants -----------------------------------------------------------------------------

SKUS = ["A", "B", "C", "D"]


@st.composite
def instances(draw):
    lines = [
        Line(key, sku, draw(st.integers(1, 4)), hazardous=draw(st.booleans()))
        for key, sku in enumerate(draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=4)))
    ]
    candidates = [
        Candidate(
            id=index,
            code=f"c{index}",
            stock={sku: draw(st.integers(0, 4)) for sku in SKUS},
            shipping_cost=draw(st.integers(0, 10)),
            distance_km=draw(st.integers(0, 800)),
            is_outage=draw(st.booleans()),
            ships_hazardous=draw(st.booleans()),
            capacity_left=draw(st.integers(0, 3)),
            priority=draw(st.integers(0, 100)),
        )
        for index in range(draw(st.integers(0, 7)))
    ]
    return lines, candidates


@settings(max_examples=150, deadline=None)
@given(instances())
def test_every_allocation_covers_the_order_within_stock_and_filters(instance):
    lines, candidates = instance
    result = route(lines, candidates, Strategy())
    reports = {report.id: report for report in result.candidates}
    # the explanation lists every candidate once
    assert [report.id for report in result.candidates] == [c.id for c in candidates]
    # allocated + unallocated = ordered, per line
    for line in lines:
        allocated = sum(a.quantity for a in result.allocations if a.line_key == line.key)
        assert allocated + result.unallocated.get(line.key, 0) == line.quantity
        assert all(a.quantity > 0 for a in result.allocations)
    by_id = {c.id: c for c in candidates}
    used_per_sku: dict[tuple[int, str], int] = {}
    for allocation in result.allocations:
        report = reports[allocation.location_id]
        # never an excluded location, never an excluded line at a location
        assert report.excluded is None
        assert allocation.sku not in report.line_exclusions
        key = (allocation.location_id, allocation.sku)
        used_per_sku[key] = used_per_sku.get(key, 0) + allocation.quantity
    for (location_id, sku), quantity in used_per_sku.items():
        assert quantity <= by_id[location_id].stock[sku]
    # everything that eligible stock could cover is covered
    for sku in {line.sku for line in lines}:
        ordered = sum(line.quantity for line in lines if line.sku == sku)
        eligible = sum(
            by_id[r.id].stock[sku]
            for r in result.candidates
            if r.excluded is None and sku not in r.line_exclusions
        )
        allocated = sum(a.quantity for a in result.allocations if a.sku == sku)
        assert allocated == min(ordered, eligible)


@settings(max_examples=50, deadline=None)
@given(instances())
def test_the_stored_explanation_is_the_whole_result_and_a_copy_of_it(instance):
    lines, candidates = instance
    result = route(lines, candidates, Strategy())
    explanation = result.to_dict()
    assert explanation["candidates"] == [asdict(report) for report in result.candidates]
    assert explanation["allocations"] == [asdict(item) for item in result.allocations]
    stored = json.dumps(explanation)
    for report in result.candidates:  # changing the result later leaves the explanation alone
        report.scores.clear()
        report.line_exclusions.clear()
        report.allocated["x"] = 1
    assert json.dumps(explanation) == stored


def brute_force_cost(lines, candidates, result) -> float:
    costs = {r.id: r.cost for r in result.candidates if r.cost is not None}
    eligible = [c for c in candidates if c.id in costs]
    skus = {line.sku for line in lines}
    need = {sku: sum(line.quantity for line in lines if line.sku == sku) for sku in skus}

    def usable(c, sku):
        report = next(r for r in result.candidates if r.id == c.id)
        return 0 if sku in report.line_exclusions else c.stock.get(sku, 0)

    target = {sku: min(need[sku], sum(usable(c, sku) for c in eligible)) for sku in skus}
    best = 0.0 if not any(target.values()) else float("inf")
    for size in range(1, len(eligible) + 1):
        for subset in itertools.combinations(eligible, size):
            if all(sum(usable(c, sku) for c in subset) >= target[sku] for sku in skus):
                best = min(best, sum(costs[c.id] for c in subset))
    return best


@settings(max_examples=150, deadline=None)
@given(instances())
def test_exact_search_finds_the_brute_force_optimum(instance):
    lines, candidates = instance
    result = route(lines, candidates, Strategy(time_budget_ms=10_000))
    assert result.method == "exact"
    assert abs(result.objective - brute_force_cost(lines, candidates, result)) < 1e-4
