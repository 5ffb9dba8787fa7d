"""The roll-up tables are rewritten hour by hour: autovacuum keeps up with them sooner.

The dashboard reads them by index-only scans, which need the visibility map that only
(auto)vacuum sets; PostgreSQL's default waits for a fifth of a table to change.
"""

from django.db import migrations

TABLES = ["monitoring_stepduration", "monitoring_stephistogram", "monitoring_keyfigurehour"]
SETTINGS = [
    "autovacuum_vacuum_scale_factor",
    "autovacuum_vacuum_insert_scale_factor",
    "autovacuum_analyze_scale_factor",
]


def tune(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    values = ", ".join(f"{name} = 0.02" for name in SETTINGS)
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET ({values})")


def reset(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} RESET ({', '.join(SETTINGS)})")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_key_figure_rollup")]

    operations = [migrations.RunPython(tune, reset)]
