"""An announced return whose parcel will not come: cancelled by hand, through the API, or by
the expiry job; its units may be returned again, priced exactly once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from oms.errors import DomainError, InvalidInput
from orders.services.events import Actor
from returns import services
from returns.models import Return, ShopReturnSettings
from returns.tasks import expire_announced_returns

ACTOR = Actor.system("test")
SHIRT = "TSHIRT-WHITE-M"


def announce(order, quantity=1, sku=SHIRT, **kwargs) -> Return:
    line = order.lines.get(sku=sku)
    return services.return_announce(
        order=order,
        channel="mail",
        items=[services.ReturnItem(line.pk, quantity)],
        actor=ACTOR,
        **kwargs,
    )


@pytest.mark.django_db
def test_a_cancelled_return_frees_its_units_and_leaves_one_timeline_entry(shipped_order):
    order = shipped_order()
    first = announce(order, quantity=2)

    services.return_cancel(return_order=first, reason="customer kept it", actor=ACTOR)

    first.refresh_from_db()
    assert first.status == Return.Status.CANCELLED and first.cancelled_at
    [event] = order.events.filter(type="return_cancelled")
    assert "customer kept it" in event.message
    again = announce(order, quantity=2)  # both shirts may be returned again
    assert again.refund_amount == first.refund_amount


@pytest.mark.django_db
def test_units_freed_before_a_later_return_are_each_refunded_once(shipped_order):
    # shirt units 0 and 1 carry different amounts when the order discount left a remainder
    order = shipped_order()
    shirt = order.lines.get(sku=SHIRT)
    first, second = announce(order), announce(order)
    services.return_cancel(return_order=first, reason="lost", actor=ACTOR)

    third = announce(order)

    amounts = [Decimal(amount) for amount in shirt.unit_amounts]
    assert [line.first_unit for line in second.lines.all()] == [1]
    assert [line.first_unit for line in third.lines.all()] == [0]
    assert second.refund_amount + third.refund_amount == sum(amounts)
    with pytest.raises(DomainError):
        announce(order)  # both delivered shirts are claimed again


@pytest.mark.django_db
def test_only_an_announced_return_that_was_not_refunded_can_be_cancelled(shipped_order):
    order = shipped_order()
    received = announce(order)
    services.return_receive(return_order=received, actor=ACTOR)
    with pytest.raises(DomainError):
        services.return_cancel(return_order=received, reason="late", actor=ACTOR)

    order.customer.group = "vip"  # trusted: refunded at announcement
    order.customer.save()
    refunded = announce(order, sku="JEANS-BLUE-32")
    with pytest.raises(DomainError) as refused:
        services.return_cancel(return_order=refunded, reason="late", actor=ACTOR)
    assert refused.value.code == "return-refunded"
    order.customer.group = "standard"
    order.customer.save()
    with pytest.raises(InvalidInput):
        services.return_cancel(return_order=announce(order), reason="  ", actor=ACTOR)
    assert not order.events.filter(type="return_cancelled").exists()


@pytest.mark.django_db
def test_the_expiry_job_cancels_overdue_announcements_once(shipped_order):
    order = shipped_order()
    ShopReturnSettings.objects.update_or_create(
        shop=order.shop, defaults={"announcement_valid_days": 14}
    )
    overdue = announce(order, now=timezone.now())
    Return.objects.filter(pk=overdue.pk).update(created_at=timezone.now() - timedelta(days=15))
    recent = announce(order)

    assert expire_announced_returns() == 1
    assert expire_announced_returns() == 0

    overdue.refresh_from_db()
    recent.refresh_from_db()
    assert overdue.status == Return.Status.CANCELLED
    assert recent.status == Return.Status.ANNOUNCED
    assert order.events.filter(type="return_cancelled").count() == 1


@pytest.mark.django_db
def test_no_expiry_when_the_shop_keeps_announcements_open(shipped_order):
    order = shipped_order()
    ShopReturnSettings.objects.update_or_create(
        shop=order.shop, defaults={"announcement_valid_days": 0}
    )
    old = announce(order)
    Return.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))

    assert expire_announced_returns() == 0


@pytest.mark.django_db
def test_the_shop_cancels_its_customers_return_through_the_api(shipped_order, returns_api):
    order = shipped_order()
    return_order = announce(order)
    url = f"/api/v1/returns/{return_order.pk}/cancel"

    missing = returns_api.post(url, {}, format="json")
    done = returns_api.post(url, {"reason": "customer kept it"}, format="json")
    again = returns_api.post(url, {"reason": "twice"}, format="json")

    assert missing.status_code == 400
    assert missing.json()["errors"][0]["attr"] == "reason"
    assert done.status_code == 200
    assert done.json()["status"] == "cancelled"
    assert again.status_code == 409


@pytest.mark.django_db
def test_the_returns_desk_cancels_with_a_reason_after_confirmation(
    client, admin_login, shipped_order
):
    order = shipped_order()
    return_order = announce(order)
    url = f"/returns/desk/{return_order.pk}/"
    client.force_login(admin_login)

    asked = client.post(url, {"action": "cancel", "reason": "parcel lost"})
    assert asked.status_code == 200
    assert "parcel lost" in asked.content.decode()
    return_order.refresh_from_db()
    assert return_order.status == Return.Status.ANNOUNCED  # nothing before the confirmation

    done = client.post(url, {"action": "cancel", "reason": "parcel lost", "confirm": "yes"})
    assert done.status_code == 302
    return_order.refresh_from_db()
    assert return_order.status == Return.Status.CANCELLED
