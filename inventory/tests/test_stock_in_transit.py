"""Stock on its way to a location: reported to every shop, promised only by shops that sell it
(with the later delivery date), never placed at a location before it arrives."""

import datetime

import pytest
from django.utils import timezone

from inventory.models import InboundStock, Location, Reservation
from inventory.selectors import availability
from inventory.services import InsufficientStock, ReservationRequest, reserve_for_order
from inventory.tests import factories

pytestmark = pytest.mark.django_db


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def arriving(world):
    """2 on hand in the warehouse, 5 more arriving there in 4 days; two shops on it."""
    shirt = factories.product()
    factories.stock(world["warehouse"], shirt, 2)
    InboundStock.objects.create(
        location=world["warehouse"], product=shirt, quantity=5, expected_on=in_days(4)
    )
    world["shop"].sells_stock_in_transit = True
    world["shop"].save()
    other = factories.shop([world["warehouse"]])
    return {**world, "shirt": shirt, "other": other}


def reserve(shop, product, quantity: int) -> list[Reservation]:
    return reserve_for_order(shop=shop, items=[ReservationRequest(product, quantity)])


def test_a_shop_that_sells_stock_in_transit_may_reserve_it(arriving):
    shop, shirt = arriving["shop"], arriving["shirt"]

    reserve(shop, shirt, 7)

    with pytest.raises(InsufficientStock) as refused:
        reserve(shop, shirt, 1)
    assert refused.value.errors[0]["detail"] == f"{shirt.sku}: 1 requested, 0 available."
    assert Reservation.objects.filter(product=shirt).count() == 1


def test_a_shop_that_does_not_sell_it_is_promised_only_stock_on_hand(arriving):
    other, shirt = arriving["other"], arriving["shirt"]

    with pytest.raises(InsufficientStock):
        reserve(other, shirt, 3)
    reserve(other, shirt, 2)

    # the 2 on hand are gone: the shop that sells stock in transit still gets the 5 arriving
    assert availability(shop=arriving["shop"], skus=[shirt.sku])[0]["available"] == 5


def test_an_order_waiting_for_stock_in_transit_leaves_the_stock_on_hand_to_others(arriving):
    shop, other, shirt = arriving["shop"], arriving["other"], arriving["shirt"]

    reserve(shop, shirt, 5)

    # the 5 can wait for the delivery: the 2 on hand may still be sold by the other shop
    assert availability(shop=other, skus=[shirt.sku])[0]["available"] == 2
    reserve(other, shirt, 2)
    assert availability(shop=shop, skus=[shirt.sku])[0]["available"] == 0


def test_stock_in_transit_overdue_or_to_a_location_under_outage_is_not_promised(arriving):
    shop, shirt, warehouse = arriving["shop"], arriving["shirt"], arriving["warehouse"]
    InboundStock.objects.filter(product=shirt).update(expected_on=in_days(-1))

    assert availability(shop=shop, skus=[shirt.sku])[0]["available"] == 2

    InboundStock.objects.filter(product=shirt).update(expected_on=in_days(4))
    Location.objects.filter(pk=warehouse.pk).update(is_outage=True)
    assert availability(shop=shop, skus=[shirt.sku])[0]["available"] == 0


def test_availability_tells_which_units_arrive_later_and_when(arriving):
    shop, other, shirt = arriving["shop"], arriving["other"], arriving["shirt"]

    [selling] = availability(shop=shop, skus=[shirt.sku], country="DE", postcode="10115")
    [reporting] = availability(shop=other, skus=[shirt.sku], country="DE", postcode="10115")

    assert selling["available"] == 7
    assert selling["ship"]["available"] == 7
    later = selling["ship"]["in_transit"]
    assert later["available"] == 5
    assert later["earliest_delivery"] > in_days(4)  # shipped after it arrives
    assert selling["ship"]["earliest_delivery"] < later["earliest_delivery"]
    assert reporting["ship"] == {
        "available": 2,
        "earliest_delivery": selling["ship"]["earliest_delivery"],
        "in_transit": None,
    }
    assert (
        reporting["in_transit"]
        == selling["in_transit"]
        == {
            "quantity": 5,
            "expected_on": in_days(4),
        }
    )


def test_with_nothing_on_hand_the_first_delivery_date_is_after_arrival(arriving):
    shop, shirt = arriving["shop"], arriving["shirt"]
    factories.stock(arriving["warehouse"], shirt, 0)

    [item] = availability(shop=shop, skus=[shirt.sku], country="DE", postcode="10115")

    assert item["ship"]["available"] == 5
    assert item["ship"]["earliest_delivery"] == item["ship"]["in_transit"]["earliest_delivery"]
