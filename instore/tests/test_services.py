"""The store services: picking, short picks with their stock effect, pack/ship, pickups."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfillment.models import DeliveryOrder, Shipment
from fulfillment.services.delivery import shipment_record_event
from instore import services
from instore.models import Parcel, PickIssueReason, Pickup, StoreSettings
from instore.tasks import expire_uncollected_pickups
from instore.tests.conftest import BERLIN, JEANS, SHIRT, ean
from inventory.models import Reservation, StockLevel
from oms.barcode import code128_modules, code128_values
from oms.models import Shop
from orders.models import Order, Payment, ShopOrderSettings
from orders.services.events import Actor
from orders.services.payments import record_payment

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="store", kind="user", channel="store")


def pick_everything(delivery_order: DeliveryOrder) -> None:
    for pick in services.pick_lines(delivery_order):
        for _unit in range(pick.to_pick - pick.picked):
            services.pick_scan(delivery_order=delivery_order, ean=pick.product.ean, actor=ACTOR)


def level(sku: str, location: str = BERLIN) -> StockLevel:
    return StockLevel.objects.get(product__sku=sku, location__code=location)


def test_scanning_counts_up_and_refuses_a_wrong_item(ship_order):
    result = services.pick_scan(delivery_order=ship_order, ean=ean(SHIRT), actor=ACTOR)
    assert (result.picked, result.to_pick) == (1, 2)
    ship_order.refresh_from_db()
    assert ship_order.status == DeliveryOrder.Status.PICKING

    with pytest.raises(services.WrongItem, match="not on this pick list"):
        services.pick_scan(delivery_order=ship_order, ean=ean("JEANS-BLUE-34"), actor=ACTOR)
    services.pick_scan(delivery_order=ship_order, ean=ean(SHIRT), actor=ACTOR)
    with pytest.raises(services.WrongItem, match="complete already"):
        services.pick_scan(delivery_order=ship_order, ean=ean(SHIRT), actor=ACTOR)
    assert ship_order.order.events.filter(type="line_picked", channel="store").count() == 1


def test_manual_confirmation_follows_the_shop_setting(ship_order):
    StoreSettings.objects.update_or_create(
        shop=ship_order.order.shop, defaults={"manual_confirm": False}
    )
    line = ship_order.lines.get(sku=JEANS)
    with pytest.raises(services.DomainError, match="scanned"):
        services.pick_confirm_by_hand(delivery_order=ship_order, line_id=line.pk, actor=ACTOR)
    StoreSettings.objects.filter(shop=ship_order.order.shop).update(manual_confirm=True)
    result = services.pick_confirm_by_hand(delivery_order=ship_order, line_id=line.pk, actor=ACTOR)
    assert result.picked == 1


@pytest.mark.parametrize(("code", "on_hand_after"), [("damaged", 19), ("not-found", 0)])
def test_a_pick_issue_changes_stock_and_reroutes(ship_order, stock_elsewhere, code, on_hand_after):
    # given the warehouse has the shirts too
    line = ship_order.lines.get(sku=SHIRT)
    # when one shirt cannot be picked
    services.pick_issue(
        delivery_order=ship_order,
        line_id=line.pk,
        quantity=1,
        reason=PickIssueReason.objects.get(code=code),
        actor=ACTOR,
    )
    # then the store's stock follows the reason, and the unit is routed elsewhere
    assert level(SHIRT).on_hand == on_hand_after
    line.refresh_from_db()
    assert line.quantity_rejected == 1
    order = ship_order.order
    assert order.events.filter(type="pick_issue", channel="store").exists()
    rerouted = DeliveryOrder.objects.filter(order=order, location__code="wh-central").first()
    assert rerouted is not None
    assert [(line.sku, line.quantity) for line in rerouted.lines.all()] == [(SHIRT, 1)]


@pytest.fixture
def stock_elsewhere(ship_order):
    from orders.tests.conftest import set_stock

    set_stock(SHIRT, 10, location="wh-central")


def test_pack_label_and_hand_to_carrier(ship_order, django_capture_on_commit_callbacks):
    pick_everything(ship_order)
    parcels = services.pack(
        delivery_order=ship_order, weights_grams=[800, 300], actor=ACTOR, expected="picking"
    )
    assert [p.number for p in parcels] == [1, 2]
    assert parcels[0].tracking_number.startswith(parcels[0].carrier.code.upper())
    # packing twice changes nothing
    assert services.pack(delivery_order=ship_order, weights_grams=[1], actor=ACTOR, expected=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.hand_to_carrier(delivery_order=ship_order, actor=ACTOR, expected="packed")
    ship_order.refresh_from_db()
    assert ship_order.status == DeliveryOrder.Status.SHIPPED
    # One shipment per parcel, each with its own tracking number and shipping notice; the
    # goods are booked once (with the first parcel).
    shipments = list(Shipment.objects.filter(delivery_order=ship_order).order_by("pk"))
    assert [s.tracking_number for s in shipments] == [p.tracking_number for p in parcels]
    assert [p.shipment_id for p in Parcel.objects.filter(delivery_order=ship_order)
            .order_by("number")] == [s.pk for s in shipments]  # fmt: skip
    notices = ship_order.order.messages.filter(type="shipped")
    assert sorted(m.body for m in notices)[0] != sorted(m.body for m in notices)[1]
    assert level(SHIRT).on_hand == 18
    # a second hand-over (reload) is harmless
    services.hand_to_carrier(delivery_order=ship_order, actor=ACTOR, expected=None)
    assert Shipment.objects.filter(delivery_order=ship_order).count() == 2
    assert level(SHIRT).on_hand == 18

    # The delivery order is delivered once every parcel is.
    first, second = shipments
    shipment_record_event(shipment=first, status="delivered", at=timezone.now(), message="",
                          actor=ACTOR)  # fmt: skip
    ship_order.refresh_from_db()
    assert ship_order.status == DeliveryOrder.Status.SHIPPED
    shipment_record_event(shipment=second, status="delivered", at=timezone.now(), message="",
                          actor=ACTOR)  # fmt: skip
    ship_order.refresh_from_db()
    assert ship_order.status == DeliveryOrder.Status.DELIVERED


def test_a_stale_screen_is_refused(ship_order):
    with pytest.raises(services.StaleDeliveryOrder, match="changed meanwhile"):
        services.pack(
            delivery_order=ship_order, weights_grams=[500], actor=ACTOR, expected="picking"
        )


def test_click_and_collect_ready_and_handover_with_code(collect_order):
    pick_everything(collect_order)
    pickup = services.mark_ready_for_pickup(delivery_order=collect_order, actor=ACTOR)
    order = collect_order.order
    assert order.messages.filter(type="ready_for_pickup").count() == 1
    with pytest.raises(services.InvalidInput):
        services.hand_over_to_customer(
            delivery_order=collect_order, code="WRONG1", id_checked=False, actor=ACTOR
        )
    services.hand_over_to_customer(
        delivery_order=collect_order, code=pickup.code.lower(), id_checked=False, actor=ACTOR
    )
    collect_order.refresh_from_db()
    order.refresh_from_db()
    assert collect_order.status == DeliveryOrder.Status.COLLECTED
    assert order.status == Order.Status.SHIPPED
    assert order.payments.get().status == Payment.Status.PAID
    assert order.events.filter(type="collected", channel="store").exists()
    assert level(SHIRT).on_hand == 18


def test_resending_the_notice_waits_a_minute(collect_order):
    pick_everything(collect_order)
    services.mark_ready_for_pickup(delivery_order=collect_order, actor=ACTOR)
    services.resend_pickup_notice(delivery_order=collect_order, actor=ACTOR)
    assert collect_order.order.messages.filter(type="ready_for_pickup").count() == 1
    collect_order.order.messages.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    services.resend_pickup_notice(delivery_order=collect_order, actor=ACTOR)
    assert collect_order.order.messages.filter(type="ready_for_pickup").count() == 2


def test_uncollected_pickups_expire_once(collect_order):
    pick_everything(collect_order)
    pickup = services.mark_ready_for_pickup(delivery_order=collect_order, actor=ACTOR)
    Pickup.objects.filter(pk=pickup.pk).update(
        expires_at=timezone.now() - datetime.timedelta(hours=1)
    )

    assert expire_uncollected_pickups() == 1
    assert expire_uncollected_pickups() == 0

    collect_order.refresh_from_db()
    order = collect_order.order
    order.refresh_from_db()
    assert collect_order.status == DeliveryOrder.Status.EXPIRED
    assert order.status == Order.Status.CANCELLED
    assert order.messages.filter(type="cancelled").count() == 1
    assert not Reservation.objects.filter(order_line__order=order, status="open").exists()
    assert level(SHIRT).reserved == 0
    assert order.payments.get().status == Payment.Status.VOIDED


def test_code128_checksum_and_width():
    assert code128_values("PJJ123C")[-2] == 55
    modules = sum(width for _bar, width in code128_modules("AB12"))
    assert modules == 11 * (1 + 4 + 1) + 13


@pytest.fixture
def reserve_order(berlin_stock) -> DeliveryOrder:
    from instore.tests.conftest import place_and_route

    return place_and_route(delivery={"method": "reserve", "pickup_location": BERLIN}, payment=None)


def test_the_click_and_reserve_hold_is_the_shops_setting(berlin_stock):
    from instore.tests.conftest import place_and_route

    ShopOrderSettings.objects.update_or_create(
        shop=Shop.objects.get(code="de-web"), defaults={"click_reserve_hold_days": 5}
    )
    before = timezone.now()

    delivery = place_and_route(delivery={"method": "reserve", "pickup_location": BERLIN},
                               payment=None)  # fmt: skip

    held = Reservation.objects.filter(order_line__order=delivery.order)
    assert held.exists()
    for reservation in held:
        hold = reservation.expires_at - before
        assert datetime.timedelta(days=5) <= hold < datetime.timedelta(days=5, minutes=1)


def test_click_and_reserve_is_sold_in_the_store(reserve_order):
    pick_everything(reserve_order)
    pickup = services.mark_ready_for_pickup(delivery_order=reserve_order, actor=ACTOR)
    held = Reservation.objects.filter(order_line__order=reserve_order.order).first()
    assert pickup.expires_at == held.expires_at  # the reservation's deadline
    order = reserve_order.order
    assert services.counter_amount(order) == order.total
    with pytest.raises(services.InvalidInput) as refused:
        services.hand_over_to_customer(
            delivery_order=reserve_order, code=pickup.code, id_checked=False, actor=ACTOR
        )
    assert "how the customer paid" in refused.value.errors[0]["detail"]
    services.hand_over_to_customer(
        delivery_order=reserve_order,
        code="",
        id_checked=True,
        paid_in_store="cash",
        actor=ACTOR,
    )
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert sum(p.amount_captured for p in order.payments.all()) == order.total
    assert order.events.filter(type="payment_received", channel="store").exists()


def test_a_deposit_on_a_reservation_leaves_the_rest_for_the_counter(reserve_order):
    order = reserve_order.order
    record_payment(
        order=order, amount=Decimal("10.00"), reference="deposit", status="paid", actor=ACTOR
    )
    order = Order.objects.get(pk=order.pk)
    assert services.counter_amount(order) == order.total - Decimal("10.00")
    pick_everything(reserve_order)
    services.mark_ready_for_pickup(delivery_order=reserve_order, actor=ACTOR)

    services.hand_over_to_customer(
        delivery_order=reserve_order, code="", id_checked=True, paid_in_store="cash", actor=ACTOR
    )

    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert sum(p.amount_captured for p in order.payments.all()) == order.total


def test_a_reservation_exchanged_by_care_is_paid_in_full_at_the_counter(berlin_stock):
    from instore.tests.conftest import only_in, place_and_route
    from orders.money import units_value
    from orders.services import care

    only_in(BERLIN, skus=(SHIRT, JEANS, "TSHIRT-WHITE-L"))
    delivery = place_and_route(delivery={"method": "reserve", "pickup_location": BERLIN},
                               payment=None)  # fmt: skip
    order = delivery.order
    shirt = order.lines.get(sku=SHIRT)

    care.exchange_line(
        order=order,
        line_id=shirt.pk,
        quantity=1,
        sku="TSHIRT-WHITE-L",
        unit_price=shirt.unit_price + Decimal("5.00"),
        reason="size",
        actor=ACTOR,
    )

    order = Order.objects.get(pk=order.pk)
    exchanged = units_value(shirt.unit_amounts, 1, 1)  # the last unit of the line goes
    assert services.counter_amount(order) == order.total - exchanged
    assert order.total - exchanged == sum(p.amount for p in order.payments.all())


def test_an_unprepared_reservation_expires_at_its_deadline(reserve_order):
    Reservation.objects.filter(order_line__order=reserve_order.order).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert expire_uncollected_pickups() == 1
    reserve_order.refresh_from_db()
    assert reserve_order.status == DeliveryOrder.Status.CANCELLED
    assert reserve_order.order.status == Order.Status.CANCELLED
    assert level(SHIRT).reserved == 0
    assert expire_uncollected_pickups() == 0
