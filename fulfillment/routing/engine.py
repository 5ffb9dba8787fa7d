"""The sourcing engine: which locations fulfil which quantities of an order, and why.

Plain Python, no Django: the inputs are the order's lines, the candidate locations with their
stock, capacity, distance, cost and delivery date, and a strategy (hard filters and weights).
The output is the allocation plus an explanation that lists every candidate with the rule that
excluded it or its score per criterion.

Objective. Every location used costs `weights.parcels` (one more delivery order/parcel) plus
its weighted criterion scores:

    cost(location) = w_parcels + Σ_criterion w_criterion × score(location, criterion)

and a solution costs the sum over the locations it uses. The scores are in plain units so a
weight reads as a price: delivery = working days later than the fastest eligible location,
distance = per 100 km, cost = shipping cost in the currency, backlog = share of today's
capacity already used (0…1), priority = 1 − priority/100, markdown = share of the units the
location would ship that are *not* stock it wants to sell off (0 = all markdown stock).

Search. Small instances are solved exactly by branch and bound over location sets (branch on
the uncovered SKU with the fewest suppliers, bound by the cheapest supplier that could still
be added); a greedy set cover with local improvement gives the first upper bound and is the
answer when the time budget runs out first.
"""

import datetime
import enum
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

CRITERIA = ("parcels", "delivery", "distance", "cost", "backlog", "priority", "markdown")

# A location that adds nothing still costs this much, so that fewer locations win ties and the
# branch and bound can prune even when every weight is zero.
TIE_COST = 1e-6


class Rule(enum.StrEnum):
    """Why a candidate (or one line at a candidate) was excluded."""

    TYPE_NOT_ALLOWED = "type_not_allowed"
    INACTIVE = "inactive"
    OUTAGE = "outage"
    COUNTRY_NOT_SERVED = "country_not_served"
    NO_CAPACITY = "no_capacity"
    NO_STOCK = "no_stock"
    HAZARDOUS_NOT_PERMITTED = "hazardous_not_permitted"
    BULKY_TOO_FAR = "bulky_too_far"
    DROPSHIPPER_FOREIGN_SKU = "dropshipper_foreign_sku"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class Line:
    """An order line to fulfil. `dropship_owner` is the partner whose dropshipper may ship it."""

    key: int | str
    sku: str
    quantity: int
    hazardous: bool = False
    bulky: bool = False
    dropship_owner: str | None = None


@dataclass
class Candidate:
    """A location that might fulfil (part of) the order, with what routing needs to know."""

    id: int
    code: str
    stock: dict[str, int]
    type: str = "warehouse"
    partner: str | None = None
    distance_km: float = 0.0
    capacity_left: int = 1_000_000
    backlog_share: float = 0.0
    priority: int = 50
    markdown_skus: frozenset[str] = frozenset()
    shipping_cost: float = 0.0
    earliest_delivery: datetime.date | None = None
    # Later delivery dates for SKUs whose stock here is still in transit.
    delivery_by_sku: dict[str, datetime.date] = field(default_factory=dict)
    is_active: bool = True
    is_outage: bool = False
    serves_destination: bool = True
    ships_hazardous: bool = False
    allowed: bool = True


@dataclass(frozen=True)
class Filters:
    """Hard rules: a candidate (or a line at a candidate) that breaks one is not considered."""

    allowed_types: frozenset[str] | None = None
    require_active: bool = True
    exclude_outage: bool = True
    require_destination: bool = True
    hazardous_only_permitted: bool = True
    bulky_max_distance_km: float | None = None
    dropshipper_own_skus_only: bool = True
    require_capacity: bool = True


@dataclass(frozen=True)
class Weights:
    parcels: float = 10.0
    delivery: float = 5.0
    distance: float = 1.0
    cost: float = 1.0
    backlog: float = 2.0
    priority: float = 1.0
    markdown: float = 1.0


@dataclass(frozen=True)
class Strategy:
    filters: Filters = field(default_factory=Filters)
    weights: Weights = field(default_factory=Weights)
    allow_split: bool = True
    max_locations: int | None = None
    time_budget_ms: float = 50.0
    # False: the greedy cover with local improvement only (the benchmark's baseline).
    exact: bool = True


@dataclass
class Allocation:
    line_key: int | str
    sku: str
    location_id: int
    quantity: int


@dataclass
class CandidateReport:
    """One candidate in the explanation: why it was excluded, or how it scored."""

    id: int
    code: str
    excluded: str | None = None
    line_exclusions: dict[str, str] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    weighted: dict[str, float] = field(default_factory=dict)
    cost: float | None = None
    delivery_date: str | None = None
    chosen: bool = False
    allocated: dict[str, int] = field(default_factory=dict)


@dataclass
class RoutingResult:
    allocations: list[Allocation]
    unallocated: dict[int | str, int]
    candidates: list[CandidateReport]
    method: str
    objective: float
    elapsed_ms: float

    @property
    def location_ids(self) -> list[int]:
        return sorted({allocation.location_id for allocation in self.allocations})

    def by_location(self) -> dict[int, list[Allocation]]:
        grouped: dict[int, list[Allocation]] = {}
        for allocation in self.allocations:
            grouped.setdefault(allocation.location_id, []).append(allocation)
        return grouped

    def to_dict(self) -> dict:
        """A JSON-ready form, stored with the routing decision."""
        return {
            "method": self.method,
            "objective": round(self.objective, 6),
            "elapsed_ms": round(self.elapsed_ms, 3),
            "allocations": [_as_dict(allocation) for allocation in self.allocations],
            "unallocated": {str(key): qty for key, qty in self.unallocated.items()},
            "candidates": [_as_dict(report) for report in self.candidates],
        }


def _as_dict(report: "Allocation | CandidateReport") -> dict:
    """What `dataclasses.asdict` gives for these flat records, without its deep copying
    (which cost more than routing itself: the explanation is written for every order)."""
    return {
        item.name: dict(value) if isinstance(value := getattr(report, item.name), dict) else value
        for item in fields(report)
    }


@dataclass
class _Item:
    """The demand for one SKU (lines with the same SKU share the stock)."""

    sku: str
    need: int
    lines: list[Line]


def route(
    lines: Sequence[Line], candidates: Sequence[Candidate], strategy: Strategy
) -> RoutingResult:
    """Choose the locations and quantities that fulfil the lines at the lowest weighted cost."""
    started = time.perf_counter()
    # Scoring and allocation take their share too: the search stops at 80 % of the budget.
    deadline = started + 0.8 * strategy.time_budget_ms / 1000.0
    items = _items(lines)
    reports = {
        candidate.id: CandidateReport(id=candidate.id, code=candidate.code)
        for candidate in candidates
    }

    eligible: list[Candidate] = []
    supply: dict[int, list[int]] = {}
    for candidate in candidates:
        report = reports[candidate.id]
        rule = _candidate_rule(candidate, strategy.filters)
        if rule is not None:
            report.excluded = rule
            continue
        row = []
        for item in items:
            line_rule = _line_rule(candidate, item.lines[0], strategy.filters)
            if line_rule is not None:
                report.line_exclusions[item.sku] = line_rule
                row.append(0)
            else:
                row.append(max(0, int(candidate.stock.get(item.sku, 0))))
        if not any(row):
            report.excluded = Rule.NO_STOCK
            continue
        eligible.append(candidate)
        supply[candidate.id] = row

    costs = _score(items, eligible, supply, strategy.weights, reports)

    needs = []
    unallocated_by_item = []
    for index, item in enumerate(items):
        total = sum(supply[candidate.id][index] for candidate in eligible)
        coverable = min(item.need, total)
        needs.append(coverable)
        unallocated_by_item.append(item.need - coverable)

    max_locations = 1 if not strategy.allow_split else strategy.max_locations
    search = _Search(eligible, supply, costs, needs, max_locations, deadline, strategy.exact)
    chosen, complete = search.run()
    if chosen is None and max_locations is not None:
        # Nothing covers everything within the limit: take what the single best can do.
        chosen, needs, unallocated_by_item = _best_partial(
            items, eligible, supply, costs, needs, unallocated_by_item, max_locations
        )
        complete = True

    allocations = _allocate(items, eligible, supply, costs, chosen or [], needs)
    unallocated: dict[int | str, int] = {}
    for index, item in enumerate(items):
        _spread_unallocated(item, unallocated_by_item[index], unallocated)

    for allocation in allocations:
        report = reports[allocation.location_id]
        report.chosen = True
        key = str(allocation.line_key)
        report.allocated[key] = report.allocated.get(key, 0) + allocation.quantity
    used = {allocation.location_id for allocation in allocations}
    objective = sum(costs[location_id] for location_id in used)
    return RoutingResult(
        allocations=allocations,
        unallocated=unallocated,
        candidates=[reports[candidate.id] for candidate in candidates],
        method="exact" if complete else "heuristic",
        objective=objective,
        elapsed_ms=(time.perf_counter() - started) * 1000.0,
    )


def _items(lines: Sequence[Line]) -> list[_Item]:
    by_sku: dict[str, _Item] = {}
    for line in lines:
        if line.quantity <= 0:
            continue
        item = by_sku.setdefault(line.sku, _Item(sku=line.sku, need=0, lines=[]))
        item.need += line.quantity
        item.lines.append(line)
    return list(by_sku.values())


def _candidate_rule(candidate: Candidate, filters: Filters) -> Rule | None:
    if not candidate.allowed:
        return Rule.NOT_ALLOWED
    if filters.allowed_types is not None and candidate.type not in filters.allowed_types:
        return Rule.TYPE_NOT_ALLOWED
    if filters.require_active and not candidate.is_active:
        return Rule.INACTIVE
    if filters.exclude_outage and candidate.is_outage:
        return Rule.OUTAGE
    if filters.require_destination and not candidate.serves_destination:
        return Rule.COUNTRY_NOT_SERVED
    if filters.require_capacity and candidate.capacity_left <= 0:
        return Rule.NO_CAPACITY
    return None


def _line_rule(candidate: Candidate, line: Line, filters: Filters) -> Rule | None:
    if filters.hazardous_only_permitted and line.hazardous and not candidate.ships_hazardous:
        return Rule.HAZARDOUS_NOT_PERMITTED
    if (
        line.bulky
        and filters.bulky_max_distance_km is not None
        and candidate.distance_km > filters.bulky_max_distance_km
    ):
        return Rule.BULKY_TOO_FAR
    if (
        filters.dropshipper_own_skus_only
        and candidate.type == "dropshipper"
        and (line.dropship_owner is None or line.dropship_owner != candidate.partner)
    ):
        return Rule.DROPSHIPPER_FOREIGN_SKU
    return None


def _delivery_date(candidate: Candidate, skus: list[str]) -> datetime.date | None:
    dates = [candidate.delivery_by_sku.get(sku, candidate.earliest_delivery) for sku in skus]
    known = [day for day in dates if day is not None]
    return max(known) if known else None


def _score(
    items: list[_Item],
    eligible: list[Candidate],
    supply: dict[int, list[int]],
    weights: Weights,
    reports: dict[int, CandidateReport],
) -> dict[int, float]:
    """Score every eligible candidate per criterion; return its weighted cost."""
    dates: dict[int, datetime.date | None] = {}
    for candidate in eligible:
        skus = [item.sku for index, item in enumerate(items) if supply[candidate.id][index]]
        dates[candidate.id] = _delivery_date(candidate, skus)
    known = [day for day in dates.values() if day is not None]
    fastest = min(known) if known else None
    slowest_days = (max(known) - fastest).days if known else 0

    costs: dict[int, float] = {}
    for candidate in eligible:
        row = supply[candidate.id]
        day = dates[candidate.id]
        if fastest is None:
            delivery = 0.0
        elif day is None:
            delivery = float(slowest_days + 1)
        else:
            delivery = float((day - fastest).days)
        shippable = sum(min(row[index], item.need) for index, item in enumerate(items))
        markdown_units = sum(
            min(row[index], item.need)
            for index, item in enumerate(items)
            if item.sku in candidate.markdown_skus
        )
        scores = {
            "parcels": 1.0,
            "delivery": delivery,
            "distance": float(max(candidate.distance_km, 0.0)) / 100.0,
            "cost": float(max(candidate.shipping_cost, 0.0)),
            "backlog": min(max(candidate.backlog_share, 0.0), 1.0),
            "priority": 1.0 - min(max(candidate.priority, 0), 100) / 100.0,
            "markdown": 1.0 - (markdown_units / shippable if shippable else 0.0),
        }
        weighted = {name: getattr(weights, name) * scores[name] for name in CRITERIA}
        total = sum(weighted.values()) + TIE_COST
        report = reports[candidate.id]
        report.scores = {name: round(value, 6) for name, value in scores.items()}
        report.weighted = {name: round(value, 6) for name, value in weighted.items()}
        report.cost = round(total, 6)
        report.delivery_date = day.isoformat() if day else None
        costs[candidate.id] = total
    return costs


class _Search:
    """Branch and bound over location sets, seeded with a greedy cover."""

    def __init__(
        self,
        eligible: list[Candidate],
        supply: dict[int, list[int]],
        costs: dict[int, float],
        needs: list[int],
        max_locations: int | None,
        deadline: float,
        exact: bool = True,
    ) -> None:
        order = sorted(eligible, key=lambda c: (costs[c.id], -c.priority, c.code))
        self.ids = [candidate.id for candidate in order]
        self.cost = [costs[candidate_id] for candidate_id in self.ids]
        self.rows = [supply[candidate_id] for candidate_id in self.ids]
        self.needs = needs
        self.max_locations = max_locations
        self.deadline = deadline
        self.exact = exact
        # Per item: the candidates (indexes into self.ids, cheapest first) that hold some of it.
        self.suppliers = [
            [index for index, row in enumerate(self.rows) if row[item]]
            for item in range(len(needs))
        ]
        self.best: list[int] | None = None
        self.best_cost = float("inf")
        self.nodes = 0
        self.timed_out = False

    def run(self) -> tuple[list[int] | None, bool]:
        if not any(self.needs):
            return [], True
        greedy = self._greedy()
        if greedy is not None:
            self._offer(greedy)
        if not self.exact:
            chosen = None if self.best is None else [self.ids[index] for index in self.best]
            return chosen, False
        self._branch(list(self.needs), [], 0.0, 0)
        chosen = None if self.best is None else [self.ids[index] for index in self.best]
        return chosen, not self.timed_out

    def _offer(self, chosen: list[int]) -> None:
        if self.max_locations is not None and len(chosen) > self.max_locations:
            return
        total = sum(self.cost[index] for index in chosen)
        if total < self.best_cost - 1e-12:
            self.best_cost = total
            self.best = sorted(chosen)

    def _covers(self, chosen: list[int]) -> bool:
        return all(
            sum(self.rows[index][item] for index in chosen) >= need
            for item, need in enumerate(self.needs)
        )

    def _greedy(self) -> list[int] | None:
        """Cheapest cover per unit of demand met, pruned and improved by 1-swaps."""
        remaining = list(self.needs)
        chosen: list[int] = []
        while any(value > 0 for value in remaining):
            best_index, best_ratio = None, 0.0
            for index, row in enumerate(self.rows):
                if index in chosen:
                    continue
                gain = sum(
                    min(row[item], value) / self.needs[item]
                    for item, value in enumerate(remaining)
                    if value > 0
                )
                if gain <= 0:
                    continue
                ratio = gain / self.cost[index]
                if ratio > best_ratio:
                    best_index, best_ratio = index, ratio
            if best_index is None:
                return None
            chosen.append(best_index)
            remaining = [
                max(0, value - self.rows[best_index][item]) for item, value in enumerate(remaining)
            ]
        chosen = self._prune(chosen)
        improved = True
        while improved and time.perf_counter() < self.deadline:
            improved = False
            for out in sorted(chosen, key=lambda index: -self.cost[index]):
                for into in range(len(self.rows)):
                    if into in chosen or self.cost[into] >= self.cost[out]:
                        continue
                    trial = [index for index in chosen if index != out] + [into]
                    if self._covers(trial):
                        chosen = self._prune(trial)
                        improved = True
                        break
                if improved:
                    break
        return chosen

    def _prune(self, chosen: list[int]) -> list[int]:
        """Drop the most expensive locations the others can do without."""
        for index in sorted(chosen, key=lambda index: -self.cost[index]):
            trial = [other for other in chosen if other != index]
            if self._covers(trial):
                chosen = trial
        return chosen

    def _branch(self, remaining: list[int], chosen: list[int], cost: float, banned: int) -> None:
        self.nodes += 1
        if self.nodes & 63 == 0 and time.perf_counter() > self.deadline:
            self.timed_out = True
        if self.timed_out:
            return
        open_items = [item for item, value in enumerate(remaining) if value > 0]
        if not open_items:
            self._offer(chosen)
            return
        if self.max_locations is not None and len(chosen) >= self.max_locations:
            return
        taken = banned
        for index in chosen:
            taken |= 1 << index
        pivot_suppliers: list[int] | None = None
        bound = 0.0
        for item in open_items:
            available = [index for index in self.suppliers[item] if not taken >> index & 1]
            if sum(self.rows[index][item] for index in available) < remaining[item]:
                return
            if pivot_suppliers is None or len(available) < len(pivot_suppliers):
                pivot_suppliers = available
            bound = max(bound, self.cost[available[0]])
        if cost + bound >= self.best_cost - 1e-12:
            return
        skipped = banned
        for index in pivot_suppliers:
            if cost + self.cost[index] >= self.best_cost - 1e-12:
                break
            row = self.rows[index]
            self._branch(
                [max(0, value - row[item]) for item, value in enumerate(remaining)],
                [*chosen, index],
                cost + self.cost[index],
                skipped,
            )
            # Sets containing this supplier are done: the siblings search without it.
            skipped |= 1 << index
            if self.timed_out:
                return


def _best_partial(
    items: list[_Item],
    eligible: list[Candidate],
    supply: dict[int, list[int]],
    costs: dict[int, float],
    needs: list[int],
    unallocated_by_item: list[int],
    max_locations: int,
) -> tuple[list[int], list[int], list[int]]:
    """Without a full cover inside the location limit: the location(s) that ship the most units."""
    ranked = sorted(
        eligible,
        key=lambda c: (
            -sum(min(supply[c.id][index], need) for index, need in enumerate(needs)),
            costs[c.id],
            c.code,
        ),
    )
    chosen = [candidate.id for candidate in ranked[:max_locations]]
    covered = []
    rest = []
    for index, need in enumerate(needs):
        got = min(need, sum(supply[candidate_id][index] for candidate_id in chosen))
        covered.append(got)
        rest.append(unallocated_by_item[index] + need - got)
    return chosen, covered, rest


def _allocate(
    items: list[_Item],
    eligible: list[Candidate],
    supply: dict[int, list[int]],
    costs: dict[int, float],
    chosen: list[int],
    needs: list[int],
) -> list[Allocation]:
    """Split each SKU's covered quantity over the chosen locations, markdown stock first."""
    by_id = {candidate.id: candidate for candidate in eligible}
    allocations: list[Allocation] = []
    for index, item in enumerate(items):
        left = needs[index]
        order = sorted(
            chosen,
            key=lambda candidate_id: (
                item.sku not in by_id[candidate_id].markdown_skus,
                costs[candidate_id],
                by_id[candidate_id].code,
            ),
        )
        takes: list[tuple[int, int]] = []
        for candidate_id in order:
            if left <= 0:
                break
            take = min(left, supply[candidate_id][index])
            if take > 0:
                takes.append((candidate_id, take))
                left -= take
        # Hand the SKU's quantities to its lines in order.
        queue = [[line, line.quantity] for line in item.lines]
        for candidate_id, take in takes:
            while take > 0:
                entry = queue[0]
                portion = min(take, entry[1])
                allocations.append(
                    Allocation(
                        line_key=entry[0].key,
                        sku=item.sku,
                        location_id=candidate_id,
                        quantity=portion,
                    )
                )
                entry[1] -= portion
                take -= portion
                if entry[1] == 0:
                    queue.pop(0)
    return allocations


def _spread_unallocated(item: _Item, missing: int, out: dict[int | str, int]) -> None:
    """The quantity nobody can ship is missing from the last lines of the SKU."""
    for line in reversed(item.lines):
        if missing <= 0:
            return
        short = min(missing, line.quantity)
        out[line.key] = out.get(line.key, 0) + short
        missing -= short
