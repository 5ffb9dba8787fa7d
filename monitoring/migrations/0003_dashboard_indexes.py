"""Partial indexes for the dashboard's stuck-order list and backlog on other apps' tables.

Each covers only the rows in one step right now (a small share of all rows) and is ordered by
the moment the step began, exactly as `monitoring.selectors._stuck_candidates` computes it: the
list reads oldest first and stops after its limit instead of fetching every open row from the
heap and sorting them. The backlog counts open delivery orders per location from the last
one. They live here because the dashboard is their only reader (docs/dashboard.md, "Indexes on
other apps' tables").
"""

from django.db import migrations

INDEXES = {
    "monitoring_stuck_intake": (
        "orders_order (created_at) WHERE status IN ('new', 'on_hold', 'awaiting_payment')"
    ),
    "monitoring_stuck_routing": (
        "orders_order (COALESCE(released_at, created_at)) "
        "WHERE status IN ('released', 'unroutable')"
    ),
    "monitoring_stuck_accepting": (
        "fulfillment_deliveryorder (COALESCE(released_at, created_at)) WHERE status = 'released'"
    ),
    "monitoring_stuck_shipping": (
        "fulfillment_deliveryorder (COALESCE(accepted_at, released_at, created_at)) "
        "WHERE status IN ('accepted', 'picking', 'packed')"
    ),
    "monitoring_stuck_delivering": (
        "fulfillment_shipment (shipped_at) WHERE status IN ('shipped', 'in_transit', 'exception')"
    ),
    "monitoring_backlog_open": (
        "fulfillment_deliveryorder (location_id) "
        "WHERE status IN ('created', 'released', 'accepted', 'picking', 'packed')"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_step_durations"),
        ("orders", "0001_initial"),
        ("fulfillment", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
