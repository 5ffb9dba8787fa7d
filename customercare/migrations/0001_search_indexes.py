"""Trigram indexes for the care search (PostgreSQL only; nothing happens on SQLite).

The expressions match what Django's `icontains`/`iexact` compile to on PostgreSQL,
`UPPER("column"::text) LIKE UPPER('%term%')`, so the planner can use them.
"""

from django.db import migrations

INDEXES = [
    ("care_order_number_trgm", "orders_order", "number"),
    ("care_order_external_id_trgm", "orders_order", "external_id"),
    ("care_order_email_trgm", "orders_order", "email"),
    ("care_customer_first_name_trgm", "orders_customer", "first_name"),
    ("care_customer_last_name_trgm", "orders_customer", "last_name"),
    ("care_customer_phone_trgm", "orders_customer", "phone"),
    ("care_address_postcode_trgm", "orders_address", "postcode"),
    ("care_address_phone_trgm", "orders_address", "phone"),
]


def create_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} '
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
