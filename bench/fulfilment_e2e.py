"""Benchmark: order released → delivery orders released, end to end through Celery.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench_e2e REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/fulfilment_e2e.py [--orders 300] [--rate 20] [--concurrency 2]

The production path on this machine: PostgreSQL, Redis as the Celery broker and a real
`celery -A oms worker` subprocess. The script migrates and seeds the benchmark database,
stocks 60 benchmark SKUs in the warehouse and four stores, then submits orders (3 lines,
card authorised → released at once) through the intake service at a steady rate. Each
release kicks the routing drain on commit (`fulfillment.tasks.route_released_orders`, one
task for however many orders were released meanwhile); the worker routes the orders and
creates their delivery orders. Latency per order = the delivery order's `created_at` (the
last one, if split) minus the time of the order's `released_for_fulfilment` timeline entry.
Prints p50/p95/p99, orders routed per second, the routing outcomes and the pgbench baseline.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

from common import ROOT, latency_summary, migrate_and_seed, pgbench_tps, report, setup_django

SKUS = [f"BENCH-E2E-{n:02d}" for n in range(60)]
LOCATIONS = ["wh-central", "store-berlin-mitte", "store-hamburg", "store-koeln", "store-muenchen"]


# The production settings for this process and the worker (DEBUG off: no query log).
PRODUCTION_ENV = {
    "OMS_DEBUG": "0",
    "OMS_SECRET_KEY": "bench-" + "x" * 50,
    "OMS_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "OMS_SECURE_SSL_REDIRECT": "0",
    "OMS_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "OMS_LOG_LEVEL": "WARNING",
}


def prepare() -> None:
    for name, value in PRODUCTION_ENV.items():
        os.environ.setdefault(name, value)
    setup_django()
    migrate_and_seed()
    from inventory.models import Location, Product
    from inventory.services import apply_stock_feed

    Product.objects.bulk_create(
        [Product(sku=sku, name=f"Bench e2e SKU {sku}", style="BENCH-E2E") for sku in SKUS],
        ignore_conflicts=True,
    )
    apply_stock_feed(
        mode="absolute",
        items=[
            {"location": code, "sku": sku, "quantity": 1_000_000 if code == "wh-central" else 500}
            for code in LOCATIONS
            for sku in SKUS
        ],
        source="bench",
        actor="bench",
    )
    # Repeated runs on one day must not fill the locations' daily capacity.
    Location.objects.filter(code__in=LOCATIONS).update(daily_capacity=1_000_000)


def start_worker(concurrency: int) -> subprocess.Popen:
    env = {**os.environ, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "oms.settings"}
    command = [
        sys.executable, "-m", "celery", "-A", "oms", "worker", "--loglevel=WARNING",
        "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
        "--hostname", f"bench-e2e-{uuid.uuid4().hex[:6]}@%h",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def wait_for_worker(worker: subprocess.Popen, timeout: float = 60) -> None:
    from oms.celery import app

    deadline = time.time() + timeout
    while time.time() < deadline:
        if worker.poll() is not None:
            sys.exit("the Celery worker exited")
        if app.control.ping(timeout=1.0):
            return
    sys.exit("the Celery worker did not answer")


def stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


def order_body(rng: random.Random, run: str, n: int) -> dict:
    """A 3-line order as the intake service takes it (validated data: Decimals)."""
    lines = [
        {
            "sku": sku,
            "quantity": rng.randint(1, 2),
            "unit_price": Decimal(rng.randint(500, 4999)) / 100,
        }
        for sku in rng.sample(SKUS, 3)
    ]
    total = sum(line["unit_price"] * line["quantity"] for line in lines)
    postcode, city = rng.choice([("10117", "Berlin"), ("20095", "Hamburg"), ("80331", "München")])
    address = {
        "first_name": "Bench",
        "last_name": "Buyer",
        "street": "Hauptstraße 1",
        "postcode": postcode,
        "city": city,
        "country": "DE",
    }
    return {
        "shop": "de-web",
        "external_id": f"E2E-{run}-{n}",
        "currency": "EUR",
        "customer": {"email": f"e2e{rng.randint(1, 200)}@example.com", "first_name": "B"},
        "billing_address": address,
        "shipping_address": address,
        "delivery": {"method": "ship", "service": "standard", "pickup_location": None},
        "payment": {
            "method": "card",
            "status": "authorized",
            "reference": "psp-bench",
            "amount": total,
        },
        "lines": lines,
        "discounts": [],
        "shipping_fee": Decimal("0.00"),
    }


def submit(count: int, rate: float, run: str) -> list[int]:
    """Submit orders at a steady rate (open loop) through the intake service."""
    from django.db import connection

    from orders.services import submit_order
    from orders.services.events import Actor

    rng = random.Random(run)
    actor = Actor.system("bench")
    ids = []
    started = time.perf_counter()
    for n in range(count):
        due = started + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        ids.append(submit_order(client=None, data=order_body(rng, run, n), actor=actor).pk)
    connection.close()
    return ids


def wait_until_routed(order_ids: list[int], timeout: float) -> None:
    from fulfillment.models import RoutingDecision

    deadline = time.time() + timeout
    while time.time() < deadline:
        done = RoutingDecision.objects.filter(order_id__in=order_ids).values("order").distinct()
        if done.count() >= len(order_ids):
            return
        time.sleep(0.5)


def measure(order_ids: list[int]) -> tuple[list[float], list, dict[str, int], int]:
    from django.db.models import Count, Max

    from fulfillment.models import DeliveryOrder, RoutingDecision
    from orders.models import OrderEvent

    released = dict(
        OrderEvent.objects.filter(order_id__in=order_ids, type="released_for_fulfilment")
        .values("order")
        .annotate(at=Max("at"))
        .values_list("order", "at")
    )
    created = dict(
        DeliveryOrder.objects.filter(order_id__in=order_ids)
        .values("order")
        .annotate(at=Max("created_at"))
        .values_list("order", "at")
    )
    latencies = [
        (created[order_id] - released[order_id]).total_seconds()
        for order_id in order_ids
        if order_id in released and order_id in created
    ]
    outcomes = dict(
        RoutingDecision.objects.filter(order_id__in=order_ids)
        .values("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    moments = sorted(released.values()) + sorted(created.values())
    delivery_orders = DeliveryOrder.objects.filter(order_id__in=order_ids).count()
    return latencies, [min(moments), max(moments)] if moments else [], outcomes, delivery_orders


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20, help="orders submitted per second")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--submitters", type=int, default=2, help="threads submitting orders")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL=redis://...: the benchmark runs a real Celery worker.")
    prepare()
    from oms.celery import app

    app.control.purge()  # tasks left by an earlier, interrupted run
    worker = start_worker(args.concurrency)
    try:
        wait_for_worker(worker)
        submit(5, 5, f"warm-{uuid.uuid4().hex[:6]}")  # warm-up: worker imports, caches
        time.sleep(2)
        run = uuid.uuid4().hex[:8]
        per_thread = args.orders // args.submitters
        order_ids: list[int] = []
        lock = threading.Lock()

        def submitter(index: int) -> None:
            ids = submit(per_thread, args.rate / args.submitters, f"{run}-{index}")
            with lock:
                order_ids.extend(ids)

        threads = [threading.Thread(target=submitter, args=(i,)) for i in range(args.submitters)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        submitted_in = time.perf_counter() - began
        wait_until_routed(order_ids, timeout=120)
    finally:
        stop(worker)
    latencies, span, outcomes, delivery_orders = measure(order_ids)
    elapsed = (span[1] - span[0]).total_seconds() if span else float("nan")
    lines = [
        f"{len(order_ids):,} orders (3 lines each) submitted in {submitted_in:.1f} s "
        f"at a target of {args.rate:g}/s by {args.submitters} threads (intake service)",
        f"routed {len(latencies):,} orders into {delivery_orders:,} delivery orders; "
        f"outcomes {outcomes}",
        f"order released → delivery orders released: {latency_summary(latencies)}",
        f"throughput: {len(latencies) / elapsed:,.1f} orders routed/s "
        f"(first release to last delivery order, {elapsed:.1f} s)",
        f"Celery worker: {args.concurrency} process(es), PostgreSQL + Redis broker",
    ]
    report("fulfilment end to end: order released → delivery orders", lines, pgbench_tps())


if __name__ == "__main__":
    main()
