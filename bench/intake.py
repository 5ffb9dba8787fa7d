"""Benchmark: orders accepted per second through HTTP, with p50/p95/p99 latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/intake.py [--seconds 20] [--clients 8] [--workers 3] [--skus 3]

The production setup on this machine: gunicorn (gthread workers) serving the app with
DEBUG off, PostgreSQL, Redis as Celery broker and a Celery worker sending the confirmation
mails (to Django's dummy mail backend). Concurrent clients POST 3-line orders (card,
authorised) for random SKUs out of 300 benchmark SKUs with ample stock, each with its own
Idempotency-Key, over keep-alive connections. Prints accepted orders/s, latency percentiles,
the error count, CPU per order by process, what the workers left to do and the pgbench
TPC-B-like tps measured in the same run. Orders earlier runs left unrouted are cancelled
first (see `_forget_earlier_runs`).

Routing (each accepted order is released and routed) has its own queue. Routing an order
costs more CPU than accepting it, so a shop taking 150 orders/s runs its routing workers on
other machines. On this one machine `--routing nice` (the default) runs one routing worker
at the lowest CPU priority, `--routing same` at the same priority as the web (the figure
then says what one box doing everything manages), `--routing off` none (the released orders
wait, and the next run cancels them).
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
    _forget_earlier_runs()
    # The demo risk rules stay active: every order is checked against them as usual.
    # Fresh planner statistics, as autovacuum keeps them in production (this machine's
    # PostgreSQL runs without it): with stale ones, routing read the open pool reservations
    # of every earlier run through the wrong index (73 ms instead of 0.07 ms a query).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _forget_earlier_runs() -> None:
    """Take the orders earlier runs left unrouted out of the way before measuring.

    Routing places an order's units within seconds in production, but this benchmark stops
    its workers after each run, so every earlier run left orders released, their units held
    in the shop's pool and their confirmations unsent. Every stock check summed those holds
    (after a few runs it cost PostgreSQL three times what it does in production), and the
    drains would spend the next run on them. So they are cancelled here, their holds released
    and their messages given up: benchmark data only, written directly.
    """
    from django.db import connection
    from django.db.models import F

    from inventory.models import Reservation
    from orders.models import CustomerMessage, Order
    from orders.services.messages import MAX_SEND_ATTEMPTS

    left = Order.objects.filter(external_id__startswith="BENCH-", status=Order.Status.RELEASED)
    Reservation.objects.filter(
        order_line__order__in=left.values("pk"), status=Reservation.Status.OPEN
    ).update(status=Reservation.Status.RELEASED, quantity_released=F("quantity"))
    CustomerMessage.objects.filter(order__in=left.values("pk"), sent_at__isnull=True).update(
        attempts=MAX_SEND_ATTEMPTS
    )
    left.update(status=Order.Status.CANCELLED)
    with connection.cursor() as cursor:
        for model in (Reservation, CustomerMessage, Order):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


QUEUES = ("celery", "routing")  # customer messages (the default queue), routing


def waiting() -> dict[str, int]:
    """What the workers have still to do: unsent messages, orders released but not routed."""
    from orders.models import CustomerMessage, Order
    from orders.services.messages import MAX_SEND_ATTEMPTS

    return {
        "messages unsent": CustomerMessage.objects.filter(
            sent_at__isnull=True, attempts__lt=MAX_SEND_ATTEMPTS
        ).count(),
        "orders not routed": Order.objects.filter(status=Order.Status.RELEASED).count(),
    }


def work_done() -> dict[str, int]:
    """Customer messages sent and orders routed so far: both workers drain their outbox in
    batches, so their queue lengths no longer count them (one drain task does many)."""
    from fulfillment.models import RoutingDecision
    from orders.models import CustomerMessage

    return {
        "messages worker": CustomerMessage.objects.filter(sent_at__isnull=False).count(),
        "routing worker": RoutingDecision.objects.count(),
    }


def purge_queues() -> None:
    """Start with empty queues and no drain flags: the benchmark's Redis database is its own.

    A flag left by the previous run (its drain task purged with the queue) would hold every
    kick back until it expires, so the run's first half-minute would send nothing.
    """
    if os.environ.get("REDIS_URL"):
        import redis

        from oms.dispatch import DRAINS, flag_key

        flags = [flag_key(name) for name in DRAINS]
        redis.Redis.from_url(os.environ["REDIS_URL"]).delete(*QUEUES, *flags)


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                continue
    return found


def cpu_by_part(processes: list[subprocess.Popen]) -> dict[str, float]:
    """CPU seconds used so far by the web server, each worker and this database's backends."""
    from django.db import connection

    names = ["web", "messages worker", "routing worker"]
    used = {}
    for name, process in zip(names, processes, strict=False):
        tree = [process.pid, *_children(process.pid)]
        used[name] = sum(_cpu(pid) for pid in tree)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    used.update({f"postgres {pid}": _cpu(pid) for pid in backends})
    used["benchmark clients"] = time.process_time()
    return used


def cpu_per_order(before: dict, after: dict, orders: int, tasks: dict[str, int]) -> str:
    """Milliseconds of CPU per accepted order by part; a worker's per task it finished.

    PostgreSQL counts every backend of the database (web and workers); a backend that
    connected during the run counts from zero.
    """
    spent: dict[str, float] = {}
    for name, seconds in after.items():
        part = "postgres" if name.startswith("postgres") else name
        spent[part] = spent.get(part, 0.0) + seconds - before.get(name, 0.0)
    total = sum(spent.values())
    parts = []
    for name, seconds in spent.items():
        if name in tasks:
            per_task = f"{seconds * 1000 / tasks[name]:.1f}" if tasks[name] else "–"
            parts.append(
                f"{name} {seconds * 1000 / orders:.1f} ({per_task} per task × {tasks[name]:,})"
            )
        else:
            parts.append(f"{name} {seconds * 1000 / orders:.1f}")
    return f"CPU per order: {total * 1000 / orders:.1f} ms: " + ", ".join(parts)


def start_server(port: int, workers: int, threads: int, routing: str) -> list[subprocess.Popen]:
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
    # One process per worker (--pool solo): no prefork parent passing every task through a
    # pipe, which cost about 2 ms of CPU per task.
    worker = [
        python, "-m", "celery", "-A", "oms", "worker", "--loglevel=WARNING",
        "--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    processes = [subprocess.Popen(gunicorn, cwd=ROOT, env=env)]
    if env.get("REDIS_URL"):
        messages = [*worker, "-Q", "celery", "-n", f"messages-{port}@%h"]
        processes.append(subprocess.Popen(messages, cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
        if routing != "off":
            nice = ["nice", "-n", "19"] if routing == "nice" else []
            router = [*nice, *worker, "-Q", "routing", "-n", f"routing-{port}@%h"]
            processes.append(subprocess.Popen(router, cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
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


def order(rng: random.Random, run: str, n: int, skus: list[str] = SKUS) -> dict:
    lines = [
        {"sku": sku, "quantity": rng.randint(1, 3), "unit_price": f"{rng.randint(500, 9999) / 100}"}
        for sku in rng.sample(skus, 3)
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


def load(
    port: int, clients: int, seconds: float, skus: list[str] = SKUS
) -> tuple[list[float], int, float]:
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
            body = json.dumps(order(rng, run, next(counter), skus))
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
    parser.add_argument("--routing", choices=["nice", "same", "off"], default="nice")
    parser.add_argument(
        "--skus",
        type=int,
        default=len(SKUS),
        help="order from the first N benchmark SKUs only (3: every order locks the same "
        "three products, a flash sale)",
    )
    args = parser.parse_args()
    prepare()
    purge_queues()
    port = free_port()
    processes = start_server(port, args.workers, args.threads, args.routing)
    try:
        load(port, args.clients, 3)  # warm-up: connections, caches
        before = waiting()
        done_before = work_done()
        cpu_before = cpu_by_part(processes)
        skus = SKUS[: max(3, args.skus)]
        latencies, errors, elapsed = load(port, args.clients, args.seconds, skus)
        cpu_after = cpu_by_part(processes)
        done_after = work_done()
        after = waiting()
    finally:
        stop(processes)
        purge_queues()
    lines = [
        f"{len(latencies):,} orders (3 lines each, of {len(skus)} SKUs) accepted in {elapsed:.1f} s "
        f"with {args.clients} clients = {len(latencies) / elapsed:,.0f} orders/s",
        f"latency {latency_summary(latencies)}",
        f"errors: {errors}",
        cpu_per_order(
            cpu_before,
            cpu_after,
            max(1, len(latencies)),
            # a worker's "tasks" are the messages it sent, the orders it routed
            {name: done_after[name] - done_before[name] for name in done_after},
        ),
        f"gunicorn {args.workers} gthread workers × {args.threads} threads",
    ]
    if os.environ.get("REDIS_URL"):
        lines.append(
            "Celery: messages worker; routing worker "
            + {"nice": "at nice 19", "same": "at normal priority", "off": "off"}[args.routing]
            + "; waiting at the end (start of the run): "
            + ", ".join(f"{name} {after[name]:,} ({before[name]:,})" for name in after)
        )
    else:
        lines.append("Celery: no worker (no REDIS_URL: tasks run in the request)")
    report("order intake: POST /api/v1/orders over HTTP", lines, pgbench_tps())


if __name__ == "__main__":
    main()
