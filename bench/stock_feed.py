"""Benchmark: stock items applied per second for a 100,000-item absolute feed (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench .venv/bin/python bench/stock_feed.py

Creates 50 benchmark locations × 2,000 benchmark SKUs once, then applies two absolute feeds
of all 100,000 pairs through `apply_stock_feed` (the API's service): the first changes every
level, the second changes every level again (so both write 100,000 levels and movements).
"""

import time
from decimal import Decimal

from common import migrate_and_seed, pgbench_tps, report, setup_django

LOCATIONS = 50
SKUS = 2_000


def main() -> None:
    setup_django()
    migrate_and_seed()
    from inventory.models import Location, Product
    from inventory.services import apply_stock_feed
    from oms.models import Country

    country = Country.objects.get(code="DE")
    Location.objects.bulk_create(
        [
            Location(
                code=f"bench-loc-{n}", name=f"Bench {n}", type=Location.Type.WAREHOUSE,
                street="Benchstraße 1", postcode="34117", city="Kassel", country=country,
                latitude=Decimal("51.3"), longitude=Decimal("9.5"),
            )
            for n in range(LOCATIONS)
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    Product.objects.bulk_create(
        [Product(sku=f"BENCH-{n}", name=f"Bench SKU {n}", style="BENCH") for n in range(SKUS)],
        ignore_conflicts=True,
    )
    pairs = [
        (f"bench-loc-{loc}", f"BENCH-{sku}") for loc in range(LOCATIONS) for sku in range(SKUS)
    ]
    base = int(time.time()) % 1000
    lines = []
    for round_ in (1, 2):
        items = [
            {"location": loc, "sku": sku, "quantity": base + round_ + index % 97}
            for index, (loc, sku) in enumerate(pairs)
        ]
        started = time.perf_counter()
        applied = apply_stock_feed(mode="absolute", items=items, source="bench", actor="bench")
        elapsed = time.perf_counter() - started
        lines.append(
            f"feed {round_}: {applied:,} items in {elapsed:.2f} s = {applied / elapsed:,.0f} items/s"
        )
    report("stock feed: 100,000-item absolute feed", lines, pgbench_tps())


if __name__ == "__main__":
    main()
