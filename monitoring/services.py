"""Writes of the monitoring domain: marking SLA breaches once, alerting operations."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from monitoring.links import care_order_url
from monitoring.models import AlertSettings, SlaBreach
from monitoring.selectors import Filters, StuckOrder, stuck_orders
from orders.models import Order, OrderEvent
from orders.services.events import Actor, record_event

SLA_MONITOR = Actor.system("sla-monitor")


def sla_breaches_mark(
    *, now: datetime.datetime | None = None, batch_size: int = 1000
) -> list[SlaBreach]:
    """Mark every order newly past a step's service level: one breach, one timeline entry.

    Written in batches (one transaction each). The unique (order, step) constraint keeps it
    idempotent when two runs overlap: the loser's rows are skipped, and only breaches this
    run created (stamped with its `now`) get a timeline entry.
    """
    now = now or timezone.now()
    fresh = stuck_orders(Filters(), now=now, limit=None, unmarked=True)
    created: list[SlaBreach] = []
    for start in range(0, len(fresh), batch_size):
        created += _mark_batch(fresh[start : start + batch_size], now=now)
    if created and AlertSettings.current().mode == AlertSettings.Mode.IMMEDIATE:
        from monitoring.tasks import send_sla_alerts

        transaction.on_commit(send_sla_alerts.delay)
    return created


@transaction.atomic
def _mark_batch(items: list[StuckOrder], *, now: datetime.datetime) -> list[SlaBreach]:
    SlaBreach.objects.bulk_create(
        [
            SlaBreach(
                order_id=item.order_id,
                step=item.step,
                reason=item.reason,
                step_started_at=item.since,
                sla=item.sla,
                detected_at=now,
            )
            for item in items
        ],
        ignore_conflicts=True,
    )
    wanted = {(item.order_id, item.step): item for item in items}
    # Read back through the (order, step) index; the run's `now` tells its own rows apart.
    created = [
        breach
        for breach in SlaBreach.objects.filter(order_id__in={item.order_id for item in items})
        if (breach.order_id, breach.step) in wanted and breach.detected_at == now
    ]
    OrderEvent.objects.bulk_create(
        [
            record_event(
                Order(pk=breach.order_id),
                "sla_breached",
                actor=SLA_MONITOR,
                message=_("%(step)s has taken longer than its service level: %(reason)s.")
                % {"step": item.step_label, "reason": item.reason_label},
                data={"step": item.step, "reason": item.reason, "since": item.since.isoformat()},
                save=False,
            )
            for breach in created
            for item in [wanted[(breach.order_id, breach.step)]]
        ]
    )
    return created


def sla_alert_send(*, now: datetime.datetime | None = None) -> int:
    """E-mail operations every breach not yet alerted (once each); return how many."""
    now = now or timezone.now()
    alert_settings = AlertSettings.current()
    recipients = alert_settings.recipient_list
    if alert_settings.mode == AlertSettings.Mode.OFF or not recipients:
        return 0
    with transaction.atomic():
        breaches = list(
            SlaBreach.objects.select_for_update(of=("self",))
            .filter(notified_at__isnull=True)
            .select_related("order")
            .order_by("step_started_at", "pk")
        )
        if not breaches:
            return 0
        base = settings.OMS_PUBLIC_URL.rstrip("/")
        lines = [
            f"{breach.order.number or breach.order_id} · {breach.get_step_display()} · "
            f"{_('since')} {timezone.localtime(breach.step_started_at):%Y-%m-%d %H:%M} · "
            f"{base}{care_order_url(breach.order.number or str(breach.order_id))}"
            for breach in breaches
        ]
        subject = ngettext(
            "[OMS] %(count)d order past its service level",
            "[OMS] %(count)d orders past their service level",
            len(breaches),
        ) % {"count": len(breaches)}
        # Sent inside the transaction on purpose: if the mail server fails, the breaches stay
        # un-alerted and the next run tries again.
        send_mail(subject, "\n".join(lines), None, recipients)
        SlaBreach.objects.filter(pk__in=[breach.pk for breach in breaches]).update(notified_at=now)
    return len(breaches)
