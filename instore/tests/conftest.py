from fulfillment.tests.conftest import place_order, stock  # noqa: F401
