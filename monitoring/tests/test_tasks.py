"""The SLA job marks a breach once, puts it on the timeline once and alerts once."""

import datetime

import pytest
from django.core import mail

from monitoring.models import AlertSettings, SlaBreach, Step
from monitoring.services import sla_alert_send, sla_breaches_mark
from monitoring.tasks import send_sla_digest
from monitoring.tests.conftest import NOW, ago
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_order(make_order) -> Order:
    return make_order(status=Order.Status.ON_HOLD, created_at=ago(days=2))


def test_running_the_job_twice_marks_once_and_mails_once(
    held_order, django_capture_on_commit_callbacks
):
    AlertSettings.objects.create(mode=AlertSettings.Mode.IMMEDIATE, recipients="ops@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        first = sla_breaches_mark(now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        second = sla_breaches_mark(now=NOW + datetime.timedelta(minutes=5))

    breach = SlaBreach.objects.get(order=held_order)
    assert breach.step == Step.INTAKE_RELEASED
    assert breach.reason == "on_hold"
    assert breach.notified_at is not None
    assert breach in first
    assert not [item for item in second if item.order_id == held_order.pk]
    assert held_order.events.filter(type="sla_breached").count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com"]
    assert held_order.number in mail.outbox[0].body
    assert f"/care/orders/{held_order.number}/" in mail.outbox[0].body


def test_without_alert_settings_nothing_is_mailed(held_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sla_breaches_mark(now=NOW)

    assert SlaBreach.objects.filter(order=held_order).count() == 1
    assert mail.outbox == []


def test_daily_digest_collects_the_breaches_once(held_order, settings):
    AlertSettings.objects.create(
        mode=AlertSettings.Mode.DAILY, recipients="ops@example.com, lead@example.com"
    )
    sla_breaches_mark(now=NOW)
    assert mail.outbox == []  # the daily mode does not mail immediately

    assert sla_alert_send(now=NOW) >= 1
    assert sla_alert_send(now=NOW) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com", "lead@example.com"]


def test_the_digest_task_waits_for_its_hour(held_order, monkeypatch):
    from django.utils import timezone

    AlertSettings.objects.create(
        mode=AlertSettings.Mode.DAILY, recipients="ops@example.com", digest_hour=7
    )
    sla_breaches_mark(now=NOW)
    seven = timezone.localtime(NOW).replace(hour=7)

    monkeypatch.setattr(timezone, "localtime", lambda *args: seven.replace(hour=9))
    assert send_sla_digest.delay().get() == 0
    monkeypatch.setattr(timezone, "localtime", lambda *args: seven)
    assert send_sla_digest.delay().get() >= 1
    assert len(mail.outbox) == 1


def test_breaches_are_written_in_batches_each_once(make_order):
    orders = [make_order(status=Order.Status.ON_HOLD, created_at=ago(days=2)) for _ in range(3)]

    first = sla_breaches_mark(now=NOW, batch_size=2)
    again = sla_breaches_mark(now=NOW + datetime.timedelta(minutes=5), batch_size=2)

    mine = {breach.order_id for breach in first} & {order.pk for order in orders}
    assert mine == {order.pk for order in orders}
    assert not [breach for breach in again if breach.order_id in mine]
    for order in orders:
        assert order.events.filter(type="sla_breached").count() == 1


def test_a_breach_another_run_wrote_meanwhile_gets_no_second_timeline_entry(held_order):
    from monitoring.selectors import Filters, stuck_orders
    from monitoring.services import _mark_batch

    # given this run found the order stuck, but an overlapping run marked it first
    found = [
        item
        for item in stuck_orders(Filters(shop=held_order.shop.code), now=NOW, limit=None)
        if item.order_id == held_order.pk
    ]
    assert _mark_batch(found, now=NOW - datetime.timedelta(seconds=1))

    # when this run writes its batch
    created = _mark_batch(found, now=NOW)

    # then the unique constraint skipped it and the timeline has one entry
    assert created == []
    assert SlaBreach.objects.filter(order=held_order).count() == 1
    assert held_order.events.filter(type="sla_breached").count() == 1
