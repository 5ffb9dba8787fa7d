"""The one place that decides lock order for stock.

Every change of a product's reservations locks the product row first (FOR NO KEY UPDATE, so
inserts that reference the product are not blocked), products in ascending id order, so two
orders with the same SKUs can never deadlock. Stock levels are locked after their product,
in (location, product) order.
"""

from collections.abc import Iterable

from inventory.models import Product


def lock_products(product_ids: Iterable[int]) -> dict[int, Product]:
    """Lock the products (ascending id) for the rest of the transaction; return them by id."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    products = Product.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    return {product.pk: product for product in products}
