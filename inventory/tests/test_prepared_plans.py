"""The stock picture runs its generic plan: planned once per connection, not on every call."""

import pytest
from django.db import connection, transaction

from inventory.models import Product
from inventory.selectors import product_pictures, shop_locations

pytestmark = pytest.mark.django_db


def test_the_stock_picture_is_planned_once_not_on_every_call(postgres_only):
    product_ids = list(Product.objects.values_list("pk", flat=True)[:3])
    shops = shop_locations()

    for locked in [False, True] * 4:  # PostgreSQL plans custom for the first five by itself
        with transaction.atomic():
            pictures = product_pictures(product_ids, shop_locations_by_id=shops, lock=locked)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name = 'oms_product_picture'"
        )
        generic, custom = cursor.fetchone()
        cursor.execute("SHOW plan_cache_mode")
        mode_after = cursor.fetchone()[0]

    assert set(pictures) == set(product_ids)
    assert custom == 0 and generic >= 8  # the connection may have run it before
    assert mode_after == "auto"  # the other statements still choose for themselves
