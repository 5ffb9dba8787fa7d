"""Benchmark: many concurrent buyers of the last units of one SKU (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench .venv/bin/python bench/hot_sku.py

Round 1: 200 buyers at once for 50 units → exactly 50 must be accepted (zero oversell); the
race is run BENCH_RACES times (5), each on a fresh SKU, and the rate's median is printed.
Round 2: 2,000 buyers for 1,500 units, for a steadier reservations-per-second figure.
Buyers call `reserve_for_order` (the order intake's reservation path) from PROCESSES worker
processes with THREADS threads each (like gunicorn workers), each thread with its own
database connection; all start at the same moment.
"""

import multiprocessing
import os
import statistics
import threading
import time

from common import latency_summary, migrate_and_seed, pgbench_tps, report, setup_django

PROCESSES = int(os.environ.get("BENCH_PROCESSES", "8"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
RACES = int(os.environ.get("BENCH_RACES", "5"))


def _worker(product_id: int, warm_id: int, buyers: int, start, results) -> None:
    from django.db import connection

    from inventory.models import Product
    from inventory.services import InsufficientStock, ReservationRequest, reserve_for_order
    from oms.models import Shop

    shop = Shop.objects.get(code="de-web")
    product = Product.objects.get(pk=product_id)
    warm = Product.objects.get(pk=warm_id)
    connection.close()
    outcomes = []
    lock = threading.Lock()
    share = [buyers // THREADS + (1 if i < buyers % THREADS else 0) for i in range(THREADS)]

    def buy_many(count: int) -> None:
        mine = []
        # An app server is warm: connection open, code paths run once (on another SKU).
        reserve_for_order(shop=shop, items=[ReservationRequest(product=warm, quantity=1)])
        start.wait()
        for _ in range(count):
            began = time.perf_counter()
            try:
                reserve_for_order(
                    shop=shop, items=[ReservationRequest(product=product, quantity=1)]
                )
                ok = True
            except InsufficientStock:
                ok = False
            ended = time.perf_counter()
            mine.append((ok, ended - began, time.time()))
        connection.close()
        with lock:
            outcomes.extend(mine)

    threads = [threading.Thread(target=buy_many, args=(count,)) for count in share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(outcomes)


def run_round(buyers: int, units: int) -> tuple[list[str], float]:
    from django.db import connection

    from inventory.models import Location, Product, Reservation, StockLevel

    warehouse = Location.objects.get(code="wh-central")
    product = Product.objects.create(
        sku=f"HOT-{time.time_ns()}", name="Hot SKU (benchmark)", style="HOT"
    )
    StockLevel.objects.create(location=warehouse, product=product, on_hand=units, safety_stock=0)
    warm = Product.objects.create(sku=f"WARM-{time.time_ns()}", name="Warm-up SKU", style="HOT")
    StockLevel.objects.create(location=warehouse, product=warm, on_hand=10_000, safety_stock=0)
    connection.close()  # the workers are forked: none may inherit an open connection
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    per_process = [
        buyers // PROCESSES + (1 if i < buyers % PROCESSES else 0) for i in range(PROCESSES)
    ]
    workers = [
        context.Process(target=_worker, args=(product.pk, warm.pk, count, start, results))
        for count in per_process
    ]
    for worker in workers:
        worker.start()
    time.sleep(2)  # let every worker connect and wait at the start line
    began = time.time()
    start.set()
    outcomes = [item for _ in workers for item in results.get()]
    for worker in workers:
        worker.join()
    elapsed = max(at for _ok, _latency, at in outcomes) - began
    accepted = [at for ok, _latency, at in outcomes if ok]
    held = Reservation.objects.filter(product=product, status="open").count()
    window = max(accepted) - began if accepted else float("nan")
    rate = len(accepted) / window
    return [
        f"{buyers} buyers for {units} units, {PROCESSES} processes × {THREADS} threads: "
        f"accepted {len(accepted)} (must be {units}), refused {len(outcomes) - len(accepted)}, "
        f"open reservations {held}, oversold {max(0, held - units)}",
        f"successful reservations/s: {len(accepted) / window:,.0f} "
        f"(all {len(accepted)} held after {window * 1000:.0f} ms); "
        f"attempts/s: {len(outcomes) / elapsed:,.0f}",
        f"latency per attempt: {latency_summary([latency for _ok, latency, _at in outcomes])}",
    ], rate


def main() -> None:
    setup_django()
    migrate_and_seed()
    lines, rates = [], []
    for _race in range(RACES):  # a race lasts ~150 ms: one run says little, so several
        race_lines, rate = run_round(200, 50)
        lines += race_lines
        rates.append(rate)
    lines.append(
        f"200 buyers for 50 units, {RACES} races: successful reservations/s "
        f"median {statistics.median(rates):,.0f}, min {min(rates):,.0f}, max {max(rates):,.0f}"
    )
    lines += run_round(2000, 1500)[0]
    report("hot SKU: concurrent buyers of the last units", lines, pgbench_tps())


if __name__ == "__main__":
    main()
