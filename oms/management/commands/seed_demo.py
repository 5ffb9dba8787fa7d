"""Load the demo retailer (idempotent: running it again changes nothing)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from oms.demo import seed_all


class Command(BaseCommand):
    help = "Load the demo retailer: countries, shops, locations, products, users, API clients."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        seeded = seed_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded for {', '.join(seeded)} in {time.monotonic() - started:.1f} s."
            )
        )
        self.stdout.write(
            f"Logins (password {settings.OMS_DEMO_PASSWORD!r}): admin, ops, agent, store, "
            "store2, partner. API tokens: demo-de-web, demo-at-web, demo-moebel-markt, "
            "demo-moebelwerk, demo-system."
        )
