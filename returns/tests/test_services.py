"""Returns by mail and in store: refunds, refusals, the receive/inspect/close flow, transfers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfillment.models import Shipment
from inventory.models import Location, Product, StockLevel, StockMovement
from oms.errors import DomainError, InvalidInput
from oms.models import Shop
from orders.models import CustomerMessage, Order, PaymentTransaction
from orders.services import LineQuantity, cancel_order
from orders.services.events import Actor
from returns import services
from returns.models import Refund, Return, ReturnFee, ShopReturnSettings, Transfer
from returns.tests.conftest import place, ship_all, stock_only_in_warehouse

ACTOR = Actor.system("test")


def lines_of(order: Order):
    return {line.sku: line for line in order.lines.all()}


def item(line, quantity=1, **kwargs):
    return services.ReturnItem(line.pk, quantity, **kwargs)


def on_hand(location: str, sku: str) -> int:
    level = StockLevel.objects.filter(location__code=location, product__sku=sku).first()
    return level.on_hand if level else 0


@pytest.mark.django_db
def test_mail_return_is_priced_from_the_stored_unit_amounts(shipped_order):
    order = shipped_order()
    shirt = lines_of(order)["TSHIRT-WHITE-M"]

    return_order = services.return_announce(
        order=order, channel="mail", items=[item(shirt, reason="too small")], actor=ACTOR
    )

    assert return_order.refund_amount == Decimal(shirt.unit_amounts[0])
    assert return_order.status == Return.Status.ANNOUNCED
    assert return_order.number == f"{order.number}-R1"
    assert return_order.destination.type == Location.Type.WAREHOUSE
    assert order.events.filter(type="return_announced").exists()


@pytest.mark.django_db
def test_full_return_refunds_exactly_what_was_paid_including_shipping(
    shipped_order, django_capture_on_commit_callbacks, mailoutbox
):
    order = shipped_order()
    lines = lines_of(order)
    first = services.return_announce(
        order=order, channel="mail", items=[item(lines["TSHIRT-WHITE-M"])], actor=ACTOR
    )
    second = services.return_announce(
        order=order,
        channel="mail",
        items=[item(lines["TSHIRT-WHITE-M"]), item(lines["JEANS-BLUE-32"])],
        actor=ACTOR,
    )
    assert second.shipping_refund == order.shipping_fee
    assert first.refund_amount + second.refund_amount == order.total

    with django_capture_on_commit_callbacks(execute=True):
        for return_order in (first, second):
            services.return_receive(return_order=return_order, actor=ACTOR)

    payment = order.payments.get()
    assert payment.amount_refunded == order.total
    assert Refund.objects.filter(order=order).count() == 2
    refund_transactions = PaymentTransaction.objects.filter(payment=payment, kind="refund")
    assert sum(t.amount for t in refund_transactions) == order.total
    assert CustomerMessage.objects.filter(order=order, type="refund_issued").count() == 2
    assert len([m for m in mailoutbox if order.number in m.subject]) >= 2


@pytest.mark.django_db
def test_no_shipping_refund_when_the_shop_keeps_it(shipped_order):
    ShopReturnSettings.objects.update_or_create(
        shop=Shop.objects.get(code="de-web"), defaults={"refund_shipping_on_full_return": False}
    )
    order = shipped_order()
    items = [item(line, line.quantity) for line in order.lines.all()]
    return_order = services.return_announce(order=order, channel="mail", items=items, actor=ACTOR)
    assert return_order.refund_amount == order.total - order.shipping_fee


@pytest.mark.django_db
def test_return_fee_per_reason_is_kept(shipped_order):
    shop = Shop.objects.get(code="de-web")
    ReturnFee.objects.create(shop=shop, reason="", amount=Decimal("1.00"))
    ReturnFee.objects.create(shop=shop, reason="Changed my mind", amount=Decimal("3.50"))
    order = shipped_order()
    shirt = lines_of(order)["TSHIRT-WHITE-M"]
    return_order = services.return_announce(
        order=order,
        channel="mail",
        items=[item(shirt, reason="changed my mind")],
        actor=ACTOR,
    )
    assert return_order.fee == Decimal("3.50")
    assert return_order.refund_amount == Decimal(shirt.unit_amounts[0]) - Decimal("3.50")


@pytest.mark.django_db
def test_refusals_name_their_reason(shipped_order):
    order = shipped_order()
    shirt = lines_of(order)["TSHIRT-WHITE-M"]
    with pytest.raises(DomainError) as more:
        services.return_announce(order=order, channel="mail", items=[item(shirt, 3)], actor=ACTOR)
    assert more.value.errors[0]["code"] == "more_than_delivered"

    with pytest.raises(InvalidInput):
        services.return_announce(
            order=order, channel="mail", items=[services.ReturnItem(999999, 1)], actor=ACTOR
        )


@pytest.mark.django_db
def test_a_line_never_delivered_cannot_come_back(db):
    stock_only_in_warehouse("TSHIRT-WHITE-M", "JEANS-BLUE-32")
    order = place()
    lines = lines_of(order)
    ship_all(order, lines=[(lines["TSHIRT-WHITE-M"], 2)])
    with pytest.raises(DomainError) as refused:
        services.return_announce(
            order=order, channel="mail", items=[item(lines["JEANS-BLUE-32"])], actor=ACTOR
        )
    assert refused.value.errors[0]["code"] == "not_delivered"


@pytest.mark.django_db
def test_return_window_and_its_override(shipped_order):
    order = shipped_order()
    Shipment.objects.filter(delivery_order__order=order).update(
        shipped_at=timezone.now() - timedelta(days=45)
    )
    shirt = lines_of(order)["TSHIRT-WHITE-M"]
    with pytest.raises(DomainError) as late:
        services.return_announce(order=order, channel="mail", items=[item(shirt)], actor=ACTOR)
    assert late.value.errors[0]["code"] == "return_window_expired"

    allowed = services.return_announce(
        order=order, channel="mail", items=[item(shirt)], actor=ACTOR, override_window=True
    )
    assert allowed.window_overridden


@pytest.mark.django_db
def test_return_after_partial_cancellation_sums_to_what_was_paid(db):
    stock_only_in_warehouse("TSHIRT-WHITE-M", "JEANS-BLUE-32")
    order = place()
    lines = lines_of(order)
    cancel_order(
        order=order,
        lines=[LineQuantity(lines["TSHIRT-WHITE-M"].pk, 1)],
        reason="customer",
        actor=ACTOR,
    )
    ship_all(order)
    cancelled_value = Decimal(lines["TSHIRT-WHITE-M"].unit_amounts[1])
    return_order = services.return_announce(
        order=order,
        channel="mail",
        items=[item(lines["TSHIRT-WHITE-M"]), item(lines["JEANS-BLUE-32"])],
        actor=ACTOR,
    )
    assert return_order.refund_amount + cancelled_value == order.total
    services.return_receive(return_order=return_order, actor=ACTOR)
    payment = order.payments.get()
    assert payment.amount_captured - payment.amount_refunded == 0


@pytest.mark.django_db
def test_trusted_customer_is_refunded_on_announcement(shipped_order):
    order = shipped_order(customer={"email": "vip@example.com", "group": "vip"})
    return_order = services.return_announce(
        order=order, channel="mail", items=[item(order.lines.first())], actor=ACTOR
    )
    assert return_order.refund_on == "announcement"
    assert Refund.objects.filter(return_order=return_order, succeeded=True).exists()


@pytest.mark.django_db
def test_refund_after_inspection_when_configured(shipped_order):
    ShopReturnSettings.objects.update_or_create(
        shop=Shop.objects.get(code="de-web"), defaults={"refund_timing": "inspection"}
    )
    order = shipped_order()
    return_order = services.return_announce(
        order=order, channel="mail", items=[item(order.lines.first())], actor=ACTOR
    )
    services.return_receive(return_order=return_order, actor=ACTOR)
    assert not Refund.objects.filter(return_order=return_order).exists()
    services.return_inspect(return_order=return_order, actor=ACTOR)
    assert Refund.objects.filter(return_order=return_order).count() == 1
    closed = services.return_close(return_order=return_order, actor=ACTOR)
    assert closed.status == Return.Status.CLOSED
    assert Refund.objects.filter(return_order=return_order).count() == 1


@pytest.mark.django_db
def test_receive_inspect_close_restocks_the_warehouse(shipped_order):
    order = shipped_order()
    shirt = lines_of(order)["TSHIRT-WHITE-M"]
    return_order = services.return_announce(
        order=order, channel="mail", items=[item(shirt, 2)], actor=ACTOR
    )
    before = on_hand("wh-central", "TSHIRT-WHITE-M")
    services.return_receive(return_order=return_order, actor=ACTOR)
    shirt.refresh_from_db()
    assert shirt.quantity_returned == 2
    assert on_hand("wh-central", "TSHIRT-WHITE-M") == before  # not before inspection
    services.return_inspect(return_order=return_order, actor=ACTOR)
    assert on_hand("wh-central", "TSHIRT-WHITE-M") == before + 2
    assert StockMovement.objects.filter(
        location__code="wh-central",
        reason="return_restock",
        reference=f"return:{return_order.number}",
    ).exists()
    services.return_close(return_order=return_order, actor=ACTOR)
    with pytest.raises(DomainError):
        services.return_close(return_order=return_order, actor=ACTOR)


@pytest.mark.django_db
def test_defective_goods_received_at_a_warehouse_go_to_the_returns_centre(shipped_order):
    order = shipped_order()
    shirt = lines_of(order)["TSHIRT-WHITE-M"]
    return_order = services.return_announce(
        order=order, channel="mail", items=[item(shirt, condition="defective")], actor=ACTOR
    )
    assert return_order.destination.code == "rc-halle"  # the label sends it there
    services.return_receive(
        return_order=return_order, location=Location.objects.get(code="wh-central"), actor=ACTOR
    )
    services.return_inspect(return_order=return_order, actor=ACTOR)
    transfer = Transfer.objects.get(return_line__return_order=return_order)
    assert (transfer.source.code, transfer.target.code) == ("wh-central", "rc-halle")
    before = on_hand("rc-halle", "TSHIRT-WHITE-M")
    services.transfer_arrive(transfer=transfer, actor=ACTOR)
    assert on_hand("rc-halle", "TSHIRT-WHITE-M") == before + 1
    assert StockMovement.objects.filter(reference=f"transfer:{transfer.pk}").exists()
    with pytest.raises(DomainError):
        services.transfer_arrive(transfer=transfer, actor=ACTOR)


@pytest.mark.django_db
def test_store_return_with_cash_payout_is_recorded_at_once(
    shipped_order, django_capture_on_commit_callbacks
):
    order = shipped_order()
    store = Location.objects.get(code="store-berlin-mitte")
    jeans = lines_of(order)["JEANS-BLUE-32"]
    with django_capture_on_commit_callbacks(execute=True):
        return_order = services.return_take_in_store(
            order=order, store=store, items=[item(jeans)], payout="cash", actor=ACTOR
        )
    assert return_order.status == Return.Status.CLOSED
    refund = Refund.objects.get(return_order=return_order)
    assert (refund.method, refund.amount, refund.location) == ("cash", jeans.net_price, store)
    assert refund.transactions.get().provider == "cash-desk"
    assert order.payments.get().amount_refunded == jeans.net_price
    assert CustomerMessage.objects.filter(order=order, type="refund_issued").count() == 1
    types = set(order.events.values_list("type", flat=True))
    assert {"return_announced", "return_received", "return_inspected", "refund_issued"} <= types


@pytest.mark.django_db
def test_declined_refund_changes_nothing(shipped_order):
    order = shipped_order()
    order.payments.update(reference="psp-fail")
    with pytest.raises(DomainError) as declined:
        services.return_take_in_store(
            order=order,
            store=Location.objects.get(code="store-berlin-mitte"),
            items=[item(order.lines.first())],
            payout="original",
            actor=ACTOR,
        )
    assert declined.value.code == "refund-declined"
    assert not Return.objects.filter(order=order).exists()


# Routing of returned goods ------------------------------------------------------------


def _target(store: str, sku: str, quantity: int) -> None:
    from returns.models import StoreTargetStock

    StoreTargetStock.objects.update_or_create(
        location=Location.objects.get(code=store),
        product=Product.objects.get(sku=sku),
        defaults={"quantity": quantity},
    )


@pytest.mark.django_db
def test_store_keeps_resellable_goods_it_sells_below_target(shipped_order):
    order = shipped_order()
    store = Location.objects.get(code="store-berlin-mitte")
    _target("store-berlin-mitte", "TSHIRT-WHITE-M", 5)  # it has 0 on hand (fixture)
    shirt = lines_of(order)["TSHIRT-WHITE-M"]
    return_order = services.return_take_in_store(
        order=order, store=store, items=[item(shirt)], payout="cash", actor=ACTOR
    )
    assert return_order.lines.get().destination == store
    assert on_hand("store-berlin-mitte", "TSHIRT-WHITE-M") == 1
    assert not Transfer.objects.filter(return_line__return_order=return_order).exists()


@pytest.mark.django_db
def test_store_at_target_sends_resellable_goods_to_the_warehouse(shipped_order):
    order = shipped_order()
    store = Location.objects.get(code="store-berlin-mitte")
    _target("store-berlin-mitte", "TSHIRT-WHITE-M", 0)
    before = on_hand("wh-central", "TSHIRT-WHITE-M")
    return_order = services.return_take_in_store(
        order=order,
        store=store,
        items=[item(lines_of(order)["TSHIRT-WHITE-M"])],
        payout="original",
        actor=ACTOR,
    )
    transfer = Transfer.objects.get(return_line__return_order=return_order)
    assert (transfer.source, transfer.target.code) == (store, "wh-central")
    assert on_hand("wh-central", "TSHIRT-WHITE-M") == before  # only on arrival
    services.transfer_arrive(transfer=transfer, actor=ACTOR)
    assert on_hand("wh-central", "TSHIRT-WHITE-M") == before + 1


@pytest.mark.django_db
def test_store_that_does_not_sell_the_item_sends_it_on(shipped_order):
    order = shipped_order()
    store = Location.objects.get(code="store-muenchen")
    StockLevel.objects.filter(location=store, product__sku="JEANS-BLUE-32").delete()
    return_order = services.return_take_in_store(
        order=order,
        store=store,
        items=[item(lines_of(order)["JEANS-BLUE-32"])],
        payout="cash",
        actor=ACTOR,
    )
    assert return_order.lines.get().destination.type == Location.Type.WAREHOUSE


@pytest.mark.django_db
def test_defective_goods_from_a_store_go_to_the_returns_centre(shipped_order):
    order = shipped_order()
    return_order = services.return_take_in_store(
        order=order,
        store=Location.objects.get(code="store-hamburg"),
        items=[item(lines_of(order)["JEANS-BLUE-32"], condition="defective")],
        payout="cash",
        actor=ACTOR,
    )
    assert return_order.lines.get().destination.code == "rc-halle"


@pytest.mark.django_db
def test_defective_dropship_item_goes_back_to_the_supplier(db):
    from fulfillment.models import DeliveryOrderLine
    from returns.routing import goods_destination

    stock_only_in_warehouse("TSHIRT-WHITE-M", "JEANS-BLUE-32")
    order = place()
    ship_all(order)
    shirt = lines_of(order)["TSHIRT-WHITE-M"]
    # Pretend the dropshipper shipped it: the supplier is whoever shipped the line.
    supplier = Location.objects.get(code="ds-moebelwerk")
    delivery_line = DeliveryOrderLine.objects.get(order_line=shirt)
    delivery_line.delivery_order.location = supplier
    delivery_line.delivery_order.save(update_fields=["location"])
    store = Location.objects.get(code="store-berlin-mitte")
    assert goods_destination(order_line=shirt, condition="defective", at=store) == supplier
    assert goods_destination(order_line=shirt, condition="resellable", at=None).type == "warehouse"
