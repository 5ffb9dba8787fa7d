"""Benchmark: care search latency per field over a large order table (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench .venv/bin/python \
        bench/care_search.py [--orders 200000] [--repeat 40]

    --orders 1000000 for the issue's target size (seeding takes a few minutes once).

Seeds N benchmark orders (numbers "BN…", one customer per two orders, an address each)
with set-based SQL once (re-runs reuse them and top up), runs ANALYZE, then times the
care console's search (`customercare.selectors.search_orders`, the code the screen runs)
for terms of every field — whole and partial values, rare and very common ones — and prints
p50/p95/p99 per field and the pgbench TPC-B-like tps measured in the same run.
"""

import argparse
import random
import time

from common import latency_summary, migrate_and_seed, pgbench_tps, report, setup_django

FIRST = [
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Ida", "Jonas",
    "Karl", "Lena", "Mia", "Noah", "Olga", "Paul", "Quirin", "Rosa", "Sven", "Tilda",
    "Ute", "Viktor", "Wiebke", "Xaver", "Yara", "Zoe", "Ahmed", "Mei", "Lars", "Nina",
]  # fmt: skip
SYLLABLES_A = [
    "Berg", "Stein", "Wald", "Feld", "Bach", "Hof", "Brand", "Kron", "Lind", "Mohr",
    "Roth", "Schwarz", "Weiß", "Grün", "Klein", "Groß", "Neu", "Alt", "Hoch", "Tief",
]  # fmt: skip
SYLLABLES_B = [
    "mann", "er", "hauer", "meier", "berger", "inger", "stätter", "müller", "schmidt",
    "bauer", "hofer", "huber", "wagner", "becker", "kamp", "rath", "wald", "dorf", "ler",
    "ke",
]  # fmt: skip
DOMAINS = ["gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.com", "example.org"]


def seed(total: int) -> None:
    """Insert benchmark customers, addresses and orders up to `total` orders (set-based SQL)."""
    from django.db import connection

    from oms.models import Country, Shop

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_order WHERE number LIKE 'BN%%'")
        have = cursor.fetchone()[0]
    if have >= total:
        print(f"{have} benchmark orders present")
        return
    germany = Country.objects.get(code="DE").pk
    shops = list(Shop.objects.values_list("pk", flat=True))
    start = have
    print(f"seeding orders {start}…{total} (once)")
    started = time.perf_counter()
    params = {
        "start": start,
        "stop": total,
        "first": FIRST,
        "a": SYLLABLES_A,
        "b": SYLLABLES_B,
        "domains": DOMAINS,
        "country": germany,
        "shops": shops,
    }
    with connection.cursor() as cursor:
        # One customer per two orders (order i belongs to customer i / 2).
        cursor.execute(
            """
            INSERT INTO orders_customer
                (email, first_name, last_name, phone, "group", language, created_at, updated_at)
            SELECT 'bench.' || c || '.' || lower((%(a)s::text[])[1 + c %% 20]) || '@'
                       || (%(domains)s::text[])[1 + c %% 6],
                   (%(first)s::text[])[1 + (c * 7) %% 30],
                   (%(a)s::text[])[1 + (c / 20) %% 20] || (%(b)s::text[])[1 + (c / 400) %% 20],
                   '+49 15' || lpad(((c * 7919) %% 100000000)::text, 8, '0'),
                   'standard', 'de', now(), now()
            FROM generate_series(%(start)s::bigint / 2, (%(stop)s::bigint - 1) / 2) AS c
            ON CONFLICT (email) DO NOTHING
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO orders_address
                (customer_id, first_name, last_name, company, street, street2, postcode,
                 city, phone, country_id)
            SELECT id, first_name, last_name, '', 'Benchstraße ' || (id %% 200), '',
                   lpad(((id * 104729) %% 99000 + 1000)::text, 5, '0'), 'Benchstadt', '',
                   %(country)s
            FROM orders_customer
            WHERE email LIKE 'bench.%%'
              AND NOT EXISTS (SELECT 1 FROM orders_address a WHERE a.customer_id = orders_customer.id)
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO orders_order
                (number, external_id, email, language, currency, status, delivery_method,
                 delivery_service, payment_method, subtotal, discount_total, shipping_fee,
                 total, hold_reason, created_at, updated_at, billing_address_id, customer_id,
                 shipping_address_id, shop_id)
            SELECT 'BN' || lpad(o::text, 9, '0'),
                   'EXT-' || substr(md5(o::text), 1, 12),
                   c.email, 'de', 'EUR',
                   (ARRAY['released','in_fulfilment','shipped','completed','cancelled',
                          'awaiting_payment','on_hold','partly_shipped'])[1 + o %% 8],
                   'ship', 'standard', 'card',
                   (o %% 300) + 9.99, 0, 4.95, (o %% 300) + 14.94, '',
                   now() - (o %% 730) * interval '1 day' - (o %% 86400) * interval '1 second',
                   now(), a.id, c.id, a.id, ((%(shops)s::bigint[]))[1 + o %% array_length(%(shops)s::bigint[], 1)]
            FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS o
            JOIN orders_customer c ON c.email = 'bench.' || (o / 2) || '.'
                 || lower((%(a)s::text[])[1 + (o / 2) %% 20]) || '@' || (%(domains)s::text[])[1 + (o / 2) %% 6]
            JOIN orders_address a ON a.customer_id = c.id
            """,
            params,
        )
        cursor.execute("ANALYZE orders_order; ANALYZE orders_customer; ANALYZE orders_address")
    print(f"seeded in {time.perf_counter() - started:.0f} s")


def terms(total: int, rng: random.Random) -> dict[str, list[str]]:
    """Search terms per field drawn from the seeded data: whole, partial, rare and common."""
    picks = [rng.randrange(total) for _ in range(200)]
    import hashlib

    def customer(o: int) -> int:
        return o // 2

    return {
        "number (partial)": [f"{o:09d}"[-7:] for o in picks],
        "external id (partial)": [hashlib.md5(str(o).encode()).hexdigest()[:8] for o in picks],
        "e-mail (partial)": [
            f"bench.{customer(o)}.{SYLLABLES_A[customer(o) % 20].lower()}@" for o in picks
        ],
        "name (first + last)": [
            f"{FIRST[(customer(o) * 7) % 30]} "
            f"{SYLLABLES_A[(customer(o) // 20) % 20]}{SYLLABLES_B[(customer(o) // 400) % 20]}"
            for o in picks
        ],
        "phone (partial)": [f"{(customer(o) * 7919) % 100000000:08d}"[-7:] for o in picks],
        "postcode (3 digits)": [f"{rng.randrange(100, 999)}" for _ in picks],
        "any field (common: 'gmail')": ["gmail"] * len(picks),
        "any field (no match)": ["zzqx-nomatch"] * len(picks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    setup_django()
    migrate_and_seed()
    seed(args.orders)

    from django.db import connection, reset_queries

    from customercare.selectors import OrderQuery, search_orders

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_order")
        count = cursor.fetchone()[0]
    rng = random.Random(7)
    lines = [f"{count} orders in the table"]
    field_of = {
        "number": "number",
        "external": "external_id",
        "e-mail": "email",
        "name": "name",
        "phone": "phone",
        "postcode": "postcode",
        "any": "any",
    }
    for label, values in terms(args.orders, rng).items():
        field_name = field_of[label.split()[0]]
        timings = []
        hits = 0
        for term in values[: args.repeat]:
            query = OrderQuery(q=term, field_name=field_name)
            started = time.perf_counter()
            found = search_orders(query)
            timings.append(time.perf_counter() - started)
            hits += bool(found)
            reset_queries()
        lines.append(
            f"{label:30} {latency_summary(timings)} (found something {hits}/{len(timings)})"
        )
    report("care search", lines, pgbench_tps())


if __name__ == "__main__":
    main()
