"""Benchmark: orders accepted per second through HTTP, with p50/p95/p99 latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/intake.py [--seconds 20] [--clients 8] [--workers 3]

The production setup on this machine: gunicorn (gthread workers) serving the app with
DEBUG off, PostgreSQL, Redis as Celery broker and a Celery worker sending the confirmation
mails (to Django's dummy mail backend). Concurrent clients POST 3-line orders (card,
authorised) for random SKUs out of 300 benchmark SKUs with ample stock, each with its own
Idempotency-Key, over keep-alive connections. Prints accepted orders/s, latency percentiles,
the error count and the pgbench TPC-B-like tps measured in the same run.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

from common import ROOT, latency_summary, migrate_and_seed, pgbench_tps, report, setup_django

SKUS = [f"BENCH-ORD-{n:03d}" for n in range(300)]
TOKEN = "demo-de-web"


def prepare() -> None:
    setup_django()
    migrate_and_seed()
    from inventory.models import Product
    from inventory.services import apply_stock_feed

    Product.objects.bulk_create(
        [Product(sku=sku, name=f"Bench order SKU {sku}", style="BENCH-ORD") for sku in SKUS],
        ignore_conflicts=True,
    )
    apply_stock_feed(
        mode="absolute",
        items=[{"location": "wh-central", "sku": sku, "quantity": 1_000_000} for sku in SKUS],
        source="bench",
        actor="bench",
    )
    # The demo risk rules stay active: every order is checked against them as usual.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, threads: int) -> list[subprocess.Popen]:
    env = dict(os.environ)
    env.update(
        OMS_DEBUG="0",
        OMS_SECRET_KEY="bench-" + "x" * 50,
        OMS_ALLOWED_HOSTS="127.0.0.1,localhost",
        OMS_SECURE_SSL_REDIRECT="0",  # TLS ends at the proxy in front of gunicorn
        OMS_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        OMS_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="oms.settings",
    )
    python = sys.executable
    gunicorn = [
        python, "-m", "gunicorn", "oms.wsgi", "-b", f"127.0.0.1:{port}",
        "-w", str(workers), "-k", "gthread", "--threads", str(threads),
        "--keep-alive", "30", "--log-level", "warning",
    ]  # fmt: skip
    worker = [
        python, "-m", "celery", "-A", "oms", "worker", "--loglevel=WARNING",
        "--concurrency", "1", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    processes = [subprocess.Popen(gunicorn, cwd=ROOT, env=env)]
    if env.get("REDIS_URL"):
        processes.append(subprocess.Popen(worker, cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {TOKEN}"})
            if conn.getresponse().status == 200:
                return processes
        except OSError:
            time.sleep(0.3)
    stop(processes)
    sys.exit("gunicorn did not come up")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def order(rng: random.Random, run: str, n: int) -> dict:
    lines = [
        {"sku": sku, "quantity": rng.randint(1, 3), "unit_price": f"{rng.randint(500, 9999) / 100}"}
        for sku in rng.sample(SKUS, 3)
    ]
    total = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
    total += Decimal("4.95") - Decimal("5.00")
    address = {
        "first_name": "Bench",
        "last_name": "Buyer",
        "street": "Unter den Linden 1",
        "postcode": "10117",
        "city": "Berlin",
        "country": "DE",
    }
    return {
        "shop": "de-web",
        "external_id": f"BENCH-{run}-{n}",
        "currency": "EUR",
        "customer": {"email": f"bench{rng.randint(1, 500)}@example.com", "first_name": "B"},
        "billing_address": address,
        "shipping_address": address,
        "delivery": {"method": "ship", "service": "standard", "pickup_location": None},
        "payment": {
            "method": "card",
            "status": "authorized",
            "reference": "psp-bench",
            "amount": str(total),
        },
        "lines": lines,
        "discounts": [{"code": "BENCH5", "amount": "5.00"}],
        "shipping_fee": "4.95",
    }


def load(port: int, clients: int, seconds: float) -> tuple[list[float], int, float]:
    run = uuid.uuid4().hex[:8]
    latencies: list[float] = []
    errors = [0]
    samples: list[str] = []  # what the first failures were
    lock = threading.Lock()
    counter = iter(range(10**9))
    stop_at = time.perf_counter() + seconds

    def client(index: int) -> None:
        rng = random.Random(index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < stop_at:
            body = json.dumps(order(rng, run, next(counter)))
            headers = {
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/orders", body=body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                ok = response.status == 201
                why = f"{response.status} {answer[:300]!r}"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok, why = False, repr(exc)
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                failed += 1
                if len(samples) < 3:
                    samples.append(why)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for sample in samples:
        print(f"  failed: {sample}", file=sys.stderr)
    return latencies, errors[0], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    prepare()
    port = free_port()
    processes = start_server(port, args.workers, args.threads)
    try:
        load(port, args.clients, 3)  # warm-up: connections, caches
        latencies, errors, elapsed = load(port, args.clients, args.seconds)
    finally:
        stop(processes)
    lines = [
        f"{len(latencies):,} orders (3 lines each) accepted in {elapsed:.1f} s "
        f"with {args.clients} clients = {len(latencies) / elapsed:,.0f} orders/s",
        f"latency {latency_summary(latencies)}",
        f"errors: {errors}",
        f"gunicorn {args.workers} gthread workers × {args.threads} threads, "
        f"Celery worker: {'yes' if os.environ.get('REDIS_URL') else 'no (no REDIS_URL)'}",
    ]
    report("order intake: POST /api/v1/orders over HTTP", lines, pgbench_tps())


if __name__ == "__main__":
    main()
