import pytest

from inventory.models import Location, SafetyStockDefault
from inventory.tests import factories


@pytest.fixture
def no_default_safety(db) -> None:
    """Tests that count exact units start without the demo's safety stock defaults."""
    SafetyStockDefault.objects.all().delete()


@pytest.fixture
def world(db, no_default_safety):
    """A warehouse, two pickup stores and one web shop that may use all three."""
    warehouse = factories.location(Location.Type.WAREHOUSE)
    store_a = factories.location(Location.Type.STORE)
    store_b = factories.location(Location.Type.STORE)
    shop = factories.shop([warehouse, store_a, store_b])
    return {"warehouse": warehouse, "store_a": store_a, "store_b": store_b, "shop": shop}
