"""Load the demo retailer (idempotent: running it again changes nothing)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from oms.demo import seed_all


class Command(BaseCommand):
    help = "Load the demo retailer: countries, shops, locations, products, users, API clients."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-orders", action="store_true", help="Master data and stock only, no demo orders."
        )

    def handle(self, *args, no_orders: bool = False, **options) -> None:
        started = time.monotonic()
        seeded = seed_all()
        if not no_orders:
            from orders.demo import seed_orders

            created = seed_orders()
            self.stdout.write(f"Demo orders submitted: {len(created)}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded for {', '.join(seeded)} in {time.monotonic() - started:.1f} s."
            )
        )
        self.stdout.write(
            f"Logins (password {settings.OMS_DEMO_PASSWORD!r}): admin, ops, agent, store, "
            "store2, partner, returns. API tokens: demo-de-web, demo-at-web, demo-moebel-markt, "
            "demo-moebelwerk, demo-system."
        )
