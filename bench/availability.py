"""Benchmark: availability answers per second and latency for 20-SKU requests over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench .venv/bin/python bench/availability.py

Starts gunicorn (2 workers, production settings) on a free loopback port against the demo
network, sends 20-SKU availability requests for de-web from 2 keep-alive clients (one per worker), and stops
the server again. Requests are bounded (REQUESTS) and go to 127.0.0.1 only.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

from common import ROOT, latency_summary, migrate_and_seed, pgbench_tps, report, setup_django

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CLIENTS = 2
WORKERS = 2
TOKEN = "demo-de-web"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        OMS_DEBUG="0",
        OMS_SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        OMS_SECURE_SSL_REDIRECT="0",
        OMS_ALLOWED_HOSTS="127.0.0.1",
        OMS_LOG_LEVEL="WARNING",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "oms.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(WORKERS), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {TOKEN}"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


def main() -> None:
    setup_django()
    migrate_and_seed()
    from inventory.models import Product

    skus = [
        *Product.objects.filter(is_service=False, is_bulky=False)
        .order_by("sku")
        .values_list("sku", flat=True)[:19],
        "SERVICE-ASSEMBLY",
    ]
    path = "/api/v1/availability?" + urlencode(
        [("shop", "de-web"), ("country", "DE"), ("postcode", "10117")] + [("sku", s) for s in skus]
    )
    port = _free_port()
    server = _start_server(port)
    latencies: list[float] = []
    failures = []
    lock = threading.Lock()
    per_client = REQUESTS // CLIENTS

    def client(count: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        mine = []
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200 or body.count(b'"sku"') != len(skus):
                failures.append(response.status)
        with lock:
            latencies.extend(mine)

    try:
        client(50)  # warm up both workers' connections and caches
        latencies.clear()
        threads = [threading.Thread(target=client, args=(per_client,)) for _ in range(CLIENTS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    lines = [
        f"{len(latencies):,} requests × {len(skus)} SKUs, {CLIENTS} clients, "
        f"gunicorn {WORKERS} workers: {len(latencies) / elapsed:,.0f} answers/s "
        f"({len(latencies) * len(skus) / elapsed:,.0f} SKU answers/s)",
        f"latency {latency_summary(latencies)}",
        f"failed requests: {len(failures)}",
    ]
    report("availability over HTTP", lines, pgbench_tps())


if __name__ == "__main__":
    main()
