"""Indexes for the dashboard's location (type) filters on other apps' tables.

With a location filter an order counts when it has a delivery order there: the states panel,
the stuck list's order steps and the step roll-up's order steps (intake, pickup, return) ask
that of many orders at once. The delivery orders' (location, order) and (order, location)
pairs answer it from the index alone — a hash of one location's orders, or one probe per
order — and the open orders' (status, created_at, id) lets the states panel join them without
reading the orders table; the intake orders' index carries what the stuck list shows.
They live here because the dashboard is their only reader
(docs/dashboard.md, "Indexes on other apps' tables").
"""

from django.db import migrations

OPEN_STATES = (
    "'new', 'on_hold', 'awaiting_payment', 'released', 'unroutable', 'in_fulfilment', "
    "'partly_shipped', 'shipped'"
)
INDEXES = {
    "monitoring_delivery_location_order": "fulfillment_deliveryorder (location_id, order_id)",
    "monitoring_delivery_order_location": "fulfillment_deliveryorder (order_id, location_id)",
    "monitoring_open_orders": (
        f"orders_order (status, created_at, id) WHERE status IN ({OPEN_STATES})"
    ),
    # Replaces 0003's monitoring_stuck_intake (created_at): the stuck list's intake part reads
    # oldest first from the index alone, and with a location filter probes each order's
    # delivery orders without reading the order (most orders in intake have none).
    "monitoring_stuck_intake_rows": (
        "orders_order (created_at, id, shop_id, number, status) "
        "WHERE status IN ('new', 'on_hold', 'awaiting_payment')"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0007_step_location_rollup"),
        ("fulfillment", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ] + [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS monitoring_stuck_intake",
            "CREATE INDEX IF NOT EXISTS monitoring_stuck_intake ON orders_order (created_at) "
            "WHERE status IN ('new', 'on_hold', 'awaiting_payment')",
        )
    ]
