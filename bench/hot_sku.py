"""Benchmark: many concurrent buyers of the last units of one SKU (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench .venv/bin/python bench/hot_sku.py

Round 1: 200 buyers at once for 50 units → exactly 50 must be accepted (zero oversell).
Round 2: 2,000 buyers for 1,500 units, for a steadier reservations-per-second figure.
Buyers run through `reserve_for_order` (the order intake's reservation path) on a pool of
WORKERS threads, each with its own database connection, like WORKERS application processes.
"""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from common import latency_summary, migrate_and_seed, pgbench_tps, report, setup_django

WORKERS = int(os.environ.get("BENCH_WORKERS", "16"))


def run_round(buyers: int, units: int) -> list[str]:
    from django.db import connection

    from inventory.models import Location, Product, Reservation, StockLevel
    from inventory.services import InsufficientStock, ReservationRequest, reserve_for_order
    from oms.models import Shop

    shop = Shop.objects.get(code="de-web")
    warehouse = Location.objects.get(code="wh-central")
    product = Product.objects.create(
        sku=f"HOT-{time.time_ns()}", name="Hot SKU (benchmark)", style="HOT"
    )
    StockLevel.objects.create(location=warehouse, product=product, on_hand=units, safety_stock=0)
    start = threading.Event()
    accepted_at: list[float] = []
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()

    def buy(_index: int) -> None:
        nonlocal refused
        start.wait()
        began = time.perf_counter()
        try:
            reserve_for_order(shop=shop, items=[ReservationRequest(product=product, quantity=1)])
            ok = True
        except InsufficientStock:
            ok = False
        ended = time.perf_counter()
        with lock:
            latencies.append(ended - began)
            if ok:
                accepted_at.append(ended)
            else:
                refused += 1

    def close_connection() -> None:
        connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(buy, index) for index in range(buyers)]
        began = time.perf_counter()
        start.set()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - began
        for future in [pool.submit(close_connection) for _ in range(WORKERS)]:
            future.result()
    held = Reservation.objects.filter(product=product, status="open").count()
    oversold = max(0, held - units)
    success_window = (max(accepted_at) - began) if accepted_at else float("nan")
    return [
        f"{buyers} buyers for {units} units, {WORKERS} workers: accepted {len(accepted_at)} "
        f"(must be {units}), refused {refused}, open reservations {held}, oversold {oversold}",
        f"successful reservations/s: {len(accepted_at) / success_window:,.0f} "
        f"(all {units} held after {success_window * 1000:.0f} ms); "
        f"attempts/s: {buyers / elapsed:,.0f}",
        f"latency per attempt: {latency_summary(latencies)}",
    ]


def main() -> None:
    setup_django()
    migrate_and_seed()
    lines = run_round(200, 50) + run_round(2000, 1500)
    report("hot SKU: concurrent buyers of the last units", lines, pgbench_tps())


if __name__ == "__main__":
    main()
