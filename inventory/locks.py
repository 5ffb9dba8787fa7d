"""The one place that decides lock order for stock.

Every change of a product's reservations locks the product row first (FOR NO KEY UPDATE, so
inserts that reference the product are not blocked), products in ascending id order, so two
orders with the same SKUs can never deadlock. Stock levels are locked after their product,
in (location, product) order. SQLite has no row locks; its writers are serialised by the
IMMEDIATE transactions configured in settings.
"""

from collections.abc import Iterable

from django.db import connection

from inventory.models import Product
from oms.prepared import Prepared

# Prepared on PostgreSQL: this runs on the hottest path (many buyers of one SKU).
LOCK_PRODUCTS = Prepared(
    "oms_lock_products",
    "bigint[]",
    f"SELECT id FROM {Product._meta.db_table} WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
)


def lock_products(product_ids: Iterable[int]) -> None:
    """Lock the products (ascending id) until the end of the transaction."""
    ids = sorted(set(product_ids))
    if not ids or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(LOCK_PRODUCTS.call(), [ids])
        cursor.fetchall()
