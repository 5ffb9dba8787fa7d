"""Shared helpers for the benchmark scripts: Django setup, percentiles, the pgbench baseline.

Every benchmark prints the machine's pgbench TPC-B-like tps measured in the same run, so a
figure can be read as a ratio to what this PostgreSQL does on this machine.
"""

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PGBENCH_DB = "oms_bench_pgbench"


def setup_django() -> None:
    """Configure Django from the environment (DATABASE_URL must point at PostgreSQL)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    os.environ.setdefault("OMS_LOG_LEVEL", "WARNING")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://... : the benchmarks measure PostgreSQL.")
    import django

    django.setup()


def migrate_and_seed() -> None:
    """Bring the benchmark database up to date and load the demo retailer (idempotent)."""
    from django.core.management import call_command

    from inventory.models import StockLevel
    from oms.demo import seed_all

    call_command("migrate", verbosity=0, interactive=False)
    if not StockLevel.objects.filter(location__code="wh-central").exists():
        seed_all()
    analyze()


def analyze() -> None:
    """Fresh planner statistics (this machine's PostgreSQL runs without autovacuum)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def latency_summary(seconds: list[float]) -> str:
    ms = [value * 1000 for value in seconds]
    return (
        f"p50 {percentile(ms, 0.50):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
    )


def _pg_args(url: str) -> tuple[list[str], dict]:
    parts = urlparse(url)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    args += ["-U", parts.username or "postgres"]
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return args, env


def pgbench_tps(seconds: int = 10, clients: int = 2) -> float:
    """TPC-B-like tps of this machine's PostgreSQL on a scratch database, measured now."""
    args, env = _pg_args(os.environ["DATABASE_URL"])
    exists = subprocess.run(
        ["psql", *args, "-d", "postgres", "-Atc",
         f"SELECT 1 FROM pg_database WHERE datname = '{PGBENCH_DB}'"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", *args, PGBENCH_DB], env=env, check=True)
    subprocess.run(
        ["pgbench", *args, "-i", "-q", PGBENCH_DB], env=env, check=True, capture_output=True
    )
    result = subprocess.run(
        ["pgbench", *args, "-T", str(seconds), "-c", str(clients), PGBENCH_DB],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    return float(match.group(1)) if match else float("nan")


def report(title: str, lines: list[str], tps: float) -> None:
    print(f"== {title} ==")
    for line in lines:
        print(f"  {line}")
    print(f"  pgbench TPC-B baseline (same run, -c 2 -T 10): {tps:.0f} tps")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"  machine: {os.cpu_count()} cores, load average {load} (other work shares it)")
