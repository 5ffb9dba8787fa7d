"""Benchmark: load time of the operations dashboard and its stuck-order list on many orders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench \
        .venv/bin/python bench/dashboard.py [--orders 100000] [--runs 20]

Fills PostgreSQL (once; reruns top up to --orders) with orders of a bench shop spread over
30 days in every state, their delivery orders, shipments and some pickup/return timeline
events, generated in SQL. Runs the roll-up jobs (step durations and key figures: first run,
the every-minute run, the hourly run) and again before each view, as beat would. Then renders, as the operations lead,
the whole dashboard, the stuck-order panel, the step-duration panel, the page filtered by a
store (7 and 30 days) and by a location type (stores), and the JSON API, and
prints p50/p95/p99 per view cold (panel cache emptied before every request) and warm (from
the panel cache), one run of the SLA job, and the pgbench TPC-B-like tps of the same run.
Target (issue 9): p95 ≤ 500 ms with 1,000,000 orders, judged on the cold figures.
"""

import argparse
import subprocess
import time

from common import latency_summary, migrate_and_seed, pgbench_tps, report, setup_django

SHOP = "bench-dash"


def fill(total: int) -> int:
    from django.db import connection, transaction

    from fulfillment.models import Carrier
    from inventory.models import Location
    from oms.models import Country, Shop
    from orders.models import Address, Customer, Order

    de = Country.objects.get(code="DE")
    shop, _ = Shop.objects.get_or_create(
        code=SHOP,
        defaults={"name": "Bench dashboard", "country": de, "channel": "web", "currency": "EUR"},
    )
    have = Order.objects.filter(shop=shop).count()
    if have >= total:
        return have
    customer, _ = Customer.objects.get_or_create(email="bench-dash@example.com")
    address = Address.objects.create(
        street="Benchstr. 1", postcode="34117", city="Kassel", country=de
    )
    locations = list(
        Location.objects.exclude(type=Location.Type.RETURNS_CENTRE).values_list("pk", flat=True)
    )
    carrier = Carrier.objects.get(code="dhl").pk
    batch = 100_000
    for start in range(have, total, batch):
        end = min(start + batch, total)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
            (last_id,) = cursor.fetchone()
            cursor.execute(
                """
                WITH s AS (
                    SELECT g, now() - random() * interval '30 days' AS created, random() AS r
                    FROM generate_series(%(start)s, %(end)s - 1) g
                )
                INSERT INTO orders_order (number, shop_id, external_id, customer_id, email,
                    language, currency, status, billing_address_id, shipping_address_id,
                    delivery_method, delivery_service, payment_method, subtotal, discount_total,
                    shipping_fee, total, hold_reason, released_at, created_at, updated_at)
                SELECT 'BD-' || g, %(shop)s, 'BD-' || g, %(customer)s, 'bench@example.com', 'de',
                    'EUR',
                    CASE WHEN r < 0.02 THEN 'new' WHEN r < 0.04 THEN 'on_hold'
                         WHEN r < 0.08 THEN 'awaiting_payment' WHEN r < 0.10 THEN 'released'
                         WHEN r < 0.20 THEN 'in_fulfilment' WHEN r < 0.30 THEN 'shipped'
                         WHEN r < 0.35 THEN 'cancelled' ELSE 'completed' END,
                    %(address)s, %(address)s, 'ship', 'standard', 'card', 50, 0, 4.95, 54.95, '',
                    CASE WHEN r >= 0.08 AND NOT (r >= 0.30 AND r < 0.35)
                         THEN created + random() * interval '4 hours' END,
                    created, created
                FROM s
                """,
                {"start": start, "end": end, "shop": shop.pk, "customer": customer.pk,
                 "address": address.pk},
            )  # fmt: skip
            cursor.execute(
                """
                INSERT INTO fulfillment_deliveryorder (order_id, location_id, status,
                    reject_reason, created_at, updated_at, released_at, accepted_at, shipped_at)
                SELECT id, (%(locations)s::bigint[])[1 + floor(random() * %(n)s)::int],
                    CASE WHEN status = 'released' THEN 'created'
                         WHEN status = 'in_fulfilment' THEN
                              (ARRAY['released', 'accepted', 'picking'])[1 + floor(random() * 3)::int]
                         WHEN status = 'shipped' THEN 'shipped' ELSE 'delivered' END,
                    '', routed, routed, routed,
                    CASE WHEN status NOT IN ('released') THEN routed + random() * interval '3 hours' END,
                    CASE WHEN status IN ('shipped', 'completed')
                         THEN routed + interval '3 hours' + random() * interval '20 hours' END
                FROM (
                    SELECT id, status, released_at + random() * interval '10 minutes' AS routed
                    FROM orders_order
                    WHERE id > %(last)s AND released_at IS NOT NULL
                ) o
                """,
                {"locations": locations, "n": len(locations), "last": last_id},
            )  # fmt: skip
            cursor.execute(
                """
                UPDATE fulfillment_deliveryorder SET accepted_at = NULL
                WHERE order_id > %(last)s AND status = 'released'
                """,
                {"last": last_id},
            )
            cursor.execute(
                """
                INSERT INTO fulfillment_shipment (delivery_order_id, carrier_id, tracking_number,
                    status, promised_date, shipped_at, delivered_at)
                SELECT d.id, %(carrier)s, 'BD' || d.id,
                    CASE WHEN d.status = 'delivered' THEN 'delivered' ELSE 'in_transit' END,
                    (d.shipped_at + interval '2 days')::date, d.shipped_at,
                    CASE WHEN d.status = 'delivered'
                         THEN d.shipped_at + random() * interval '4 days' END
                FROM fulfillment_deliveryorder d
                WHERE d.order_id > %(last)s AND d.shipped_at IS NOT NULL
                """,
                {"carrier": carrier, "last": last_id},
            )  # fmt: skip
            cursor.execute(
                """
                INSERT INTO orders_orderevent (order_id, at, type, actor, actor_kind, channel,
                    message, data)
                SELECT id, at, type, 'bench', 'system', 'system', '', '{}'::jsonb FROM (
                    SELECT id, released_at + interval '5 hours' AS at, 'ready_for_pickup' AS type
                    FROM orders_order WHERE id > %(last)s AND status = 'completed' AND id %% 20 = 0
                    UNION ALL
                    SELECT id, released_at + interval '5 hours' + random() * interval '3 days',
                        'collected'
                    FROM orders_order WHERE id > %(last)s AND status = 'completed' AND id %% 20 = 0
                    UNION ALL
                    SELECT id, released_at + interval '4 days', 'return_announced'
                    FROM orders_order WHERE id > %(last)s AND status = 'completed' AND id %% 30 = 1
                    UNION ALL
                    SELECT id, released_at + interval '4 days' + random() * interval '8 days',
                        'refund_issued'
                    FROM orders_order WHERE id > %(last)s AND status = 'completed' AND id %% 60 = 1
                ) e
                WHERE at <= now()  -- nothing has happened in the future
                """,
                {"last": last_id},
            )  # fmt: skip
        print(f"  … {end} bench orders", flush=True)
    with connection.cursor() as cursor:
        # What autovacuum does (it is off on the bench machine): statistics for the planner
        # and the visibility map, without which index-only scans read the table anyway.
        cursor.execute(
            "VACUUM ANALYZE orders_order, fulfillment_deliveryorder, fulfillment_shipment, "
            "orders_orderevent"
        )
    return Order.objects.filter(shop=shop).count()


def measure(client, path: str, runs: int, *, cold: bool, **headers) -> list[float]:
    """Load times of one view: `cold` empties the panel cache before every request."""
    from django.core.cache import cache

    client.get(path, **headers)  # warm-up (PostgreSQL's buffers; fills the panel cache)
    timings = []
    for _ in range(runs):
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = client.get(path, **headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def refresh_rollup() -> str:
    """What beat does every minute: copy the step durations finished since the last run and
    count the key figures of the hours completed or changed since."""
    from monitoring.models import KeyFigureRollupState, StepRollupState
    from monitoring.services import key_figures_refresh, step_durations_refresh

    full = StepRollupState.objects.first() is None
    started = time.perf_counter()
    written = step_durations_refresh(full=full)
    steps = time.perf_counter() - started
    full = KeyFigureRollupState.objects.first() is None
    started = time.perf_counter()
    hours = key_figures_refresh(full=full)
    figures = time.perf_counter() - started
    return (
        f"{written} step durations in {steps:.2f} s, key figures of {hours} hours in "
        f"{figures:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--fill-only", action="store_true", help="fill the database and stop")
    parser.add_argument("--skip-sla-job", action="store_true", help="do not time the SLA job")
    args = parser.parse_args()
    setup_django()
    migrate_and_seed()
    started = time.perf_counter()
    orders = fill(args.orders)
    filled = time.perf_counter() - started
    if args.fill_only:
        print(f"orders in the database: {orders} (filled/checked in {filled:.0f} s)")
        return

    from django.db import connection
    from django.test import Client

    from monitoring.services import (
        ROLLUP_RECOPY_LATE,
        key_figures_refresh,
        sla_breaches_mark,
        step_durations_refresh,
    )
    from oms.models import User

    client = Client()
    client.force_login(User.objects.get(username="ops"))
    api = Client(HTTP_AUTHORIZATION="Bearer demo-system")
    htmx = {"HTTP_HX_REQUEST": "true"}
    lines = [f"orders in the database: {orders} (bench shop; filled/checked in {filled:.0f} s)"]
    lines.append(f"roll-ups, first or catch-up run: {refresh_rollup()}")
    lines.append(f"roll-ups, run every minute: {refresh_rollup()}")
    started = time.perf_counter()
    step_durations_refresh(recopy=ROLLUP_RECOPY_LATE)
    lines.append(
        f"step roll-up, hourly run (last day again): {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    key_figures_refresh(recopy=ROLLUP_RECOPY_LATE)
    lines.append(
        f"key-figure roll-up, hourly run (last day's changes): "
        f"{time.perf_counter() - started:.1f} s"
    )
    with connection.cursor() as cursor:
        # What autovacuum does after these rewrites (the roll-up tables' thresholds are low,
        # migration monitoring 0005; it is off on the bench machine): the visibility map the
        # index-only scans need. The minute runs before each view are not vacuumed.
        started = time.perf_counter()
        cursor.execute(
            "VACUUM ANALYZE monitoring_stepduration, monitoring_stephistogram, "
            "monitoring_stepplacehistogram, monitoring_keyfigurehour, "
            "monitoring_keyfigurelocationhour, monitoring_keyfigurelocationtypehour"
        )
    lines.append(f"VACUUM ANALYZE of the roll-up tables: {time.perf_counter() - started:.1f} s")
    lines.append(
        "cold = panel cache emptied before every request (the target is judged on it); "
        "warm = panels from the cache (30 s)"
    )
    for label, path, client_, headers, cached in [
        ("dashboard, whole page (7 days)", "/dashboard/", client, {}, True),
        ("dashboard, whole page (30 days)", "/dashboard/?window=30d", client, {}, True),
        ("stuck-order panel", "/dashboard/?panel=stuck", client, htmx, True),
        ("step-duration panel", "/dashboard/?panel=steps", client, htmx, True),
        ("dashboard filtered by a store", "/dashboard/?location=store-berlin-mitte", client, {},
         True),
        ("dashboard filtered by a location type (stores)", "/dashboard/?location_type=store",
         client, {}, True),
        ("dashboard filtered by a store (30 days)",
         "/dashboard/?location=store-berlin-mitte&window=30d", client, {}, True),
        ("JSON API /api/v1/dashboard (not cached)", "/api/v1/dashboard", api, {}, False),
    ]:  # fmt: skip
        refresh_rollup()  # as beat would have, at most a minute ago
        cold = measure(client_, path, args.runs, cold=True, **headers)
        lines.append(f"{label}, cold: {latency_summary(cold)}")
        print(f"  … {lines[-1]}", flush=True)
        if cached:
            warm = measure(client_, path, args.runs, cold=False, **headers)
            lines.append(f"{label}, warm: {latency_summary(warm)}")
    if not args.skip_sla_job:
        started = time.perf_counter()
        marked = len(sla_breaches_mark())
        lines.append(f"SLA job: {marked} breaches marked in {time.perf_counter() - started:.1f} s")
    try:
        tps = pgbench_tps()
    except subprocess.CalledProcessError:  # the shared pgbench database was busy
        tps = float("nan")
    report("Operations dashboard", lines, tps)


if __name__ == "__main__":
    main()
