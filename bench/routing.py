"""Benchmark of the routing engine alone (no database).

    .venv/bin/python bench/routing.py [--orders 1000] [--repeat 200]

Prints, for orders of 1, 5 and 20 lines over 10, 50 and 200 candidate locations, the engine's
decisions per second and p50/p95/p99 time; then the quality on a seeded set of orders
(5 lines × 50 locations): total objective cost and parcels of the engine and of the greedy
baseline, against the exact optimum computed by the HiGHS MILP solver in the same run.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fulfillment.routing import Candidate, Line, Strategy, route

SKUS = [f"SKU-{index:03d}" for index in range(400)]


def instance(rng: random.Random, lines: int, locations: int) -> tuple[list[Line], list[Candidate]]:
    """An order and candidate locations shaped like the demo retailer: a few big warehouses
    with most of the range, many stores with a little of it, hazardous/bulky lines."""
    skus = rng.sample(SKUS, lines)
    order = [
        Line(
            key=index,
            sku=sku,
            quantity=rng.choice([1, 1, 1, 2, 2, 3]),
            hazardous=rng.random() < 0.05,
            bulky=rng.random() < 0.05,
        )
        for index, sku in enumerate(skus)
    ]
    candidates = []
    for index in range(locations):
        warehouse = index < max(1, locations // 10)
        share = 0.7 if warehouse else 0.25
        candidates.append(
            Candidate(
                id=index,
                code=f"loc-{index}",
                type="warehouse" if warehouse else "store",
                stock={
                    sku: rng.randint(0, 20 if warehouse else 4)
                    for sku in skus
                    if rng.random() < share
                },
                distance_km=rng.uniform(5, 800),
                capacity_left=rng.choice([0, 5, 50, 500]) if not warehouse else 2000,
                backlog_share=rng.random(),
                priority=rng.randint(20, 90),
                shipping_cost=round(rng.uniform(3.5, 7.5), 2),
                is_outage=rng.random() < 0.03,
                ships_hazardous=warehouse,
            )
        )
    return order, candidates


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def speed(repeat: int, budget_ms: float) -> None:
    print(f"engine speed (time budget {budget_ms:g} ms), {repeat} orders per cell")
    print(f"{'lines':>5} {'locations':>9} {'decisions/s':>12} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'exact %':>8}")  # fmt: skip
    strategy = Strategy(time_budget_ms=budget_ms)
    for lines in (1, 5, 20):
        for locations in (10, 50, 200):
            rng = random.Random(lines * 1000 + locations)
            instances = [instance(rng, lines, locations) for _ in range(repeat)]
            times = []
            exact = 0
            started = time.perf_counter()
            for order, candidates in instances:
                began = time.perf_counter()
                result = route(order, candidates, strategy)
                times.append((time.perf_counter() - began) * 1000)
                exact += result.method == "exact"
            total = time.perf_counter() - started
            print(
                f"{lines:>5} {locations:>9} {repeat / total:>12.0f} {percentile(times, 0.5):>8.2f} "
                f"{percentile(times, 0.95):>8.2f} {percentile(times, 0.99):>8.2f} "
                f"{100 * exact / repeat:>8.1f}"
            )


def milp_optimum(order: list[Line], candidates: list[Candidate], result) -> float | None:
    """The exact optimum of the engine's own objective (location costs from its explanation)."""
    import highspy

    reports = {report.id: report for report in result.candidates}
    eligible = [c for c in candidates if reports[c.id].excluded is None]
    if not eligible:
        return 0.0
    needs: dict[str, int] = {}
    for line in order:
        needs[line.sku] = needs.get(line.sku, 0) + line.quantity

    def usable(candidate: Candidate, sku: str) -> int:
        return 0 if sku in reports[candidate.id].line_exclusions else candidate.stock.get(sku, 0)

    # Cover what the eligible stock can cover (the engine leaves the rest unallocated).
    needs = {sku: min(need, sum(usable(c, sku) for c in eligible)) for sku, need in needs.items()}
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    y = {}
    for candidate in eligible:
        y[candidate.id] = highs.getNumCol()
        highs.addVar(0, 1)
        highs.changeColCost(y[candidate.id], reports[candidate.id].cost)
        highs.changeColIntegrality(y[candidate.id], highspy.HighsVarType.kInteger)
    for sku, need in needs.items():
        if need == 0:
            continue
        columns = []
        for candidate in eligible:
            units = usable(candidate, sku)
            if units <= 0:
                continue
            x = highs.getNumCol()
            highs.addVar(0, units)
            columns.append(x)
            # x ≤ units × y
            highs.addRow(-inf, 0, 2, [x, y[candidate.id]], [1.0, -float(units)])
        highs.addRow(need, need, len(columns), columns, [1.0] * len(columns))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return highs.getInfo().objective_function_value


def quality(orders: int, budget_ms: float) -> None:
    rng = random.Random(2026)
    engine = Strategy(time_budget_ms=budget_ms)
    greedy = Strategy(time_budget_ms=budget_ms, exact=False)
    totals = {"engine": 0.0, "greedy": 0.0, "optimum": 0.0}
    parcels = {"engine": 0, "greedy": 0}
    worst = {"engine": 0.0, "greedy": 0.0}
    unsolved = 0
    for _ in range(orders):
        order, candidates = instance(rng, 5, 50)
        ours = route(order, candidates, engine)
        base = route(order, candidates, greedy)
        optimum = milp_optimum(order, candidates, ours)
        if optimum is None:
            unsolved += 1
            continue
        totals["optimum"] += optimum
        for name, result in (("engine", ours), ("greedy", base)):
            totals[name] += result.objective
            parcels[name] += len(result.location_ids)
            if optimum > 0:
                worst[name] = max(worst[name], result.objective / optimum - 1)
    print(f"\nquality on {orders} seeded orders (5 lines × 50 locations), optimum by HiGHS MILP")
    print(f"{'':>8} {'total cost':>12} {'vs optimum':>11} {'worst order':>12} {'parcels':>8}")
    print(f"{'optimum':>8} {totals['optimum']:>12.2f} {'':>11} {'':>12} {'':>8}")
    for name in ("engine", "greedy"):
        gap = totals[name] / totals["optimum"] - 1 if totals["optimum"] else 0.0
        print(
            f"{name:>8} {totals[name]:>12.2f} {100 * gap:>10.2f}% {100 * worst[name]:>11.2f}% "
            f"{parcels[name]:>8}"
        )
    if unsolved:
        print(f"(the MILP solver gave no optimum for {unsolved} orders; left out)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--budget-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, engine only (no database)\n")
    speed(args.repeat, args.budget_ms)
    quality(args.orders, args.budget_ms)


if __name__ == "__main__":
    main()
