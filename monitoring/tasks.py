"""Periodic monitoring jobs: thin and idempotent, they call the services."""

from celery import shared_task
from django.utils import timezone

from monitoring.health import beat_heartbeat_write
from monitoring.models import AlertSettings
from monitoring.services import (
    ROLLUP_RECOPY_LATE,
    key_figures_refresh,
    sla_alert_send,
    sla_breaches_mark,
    step_durations_refresh,
)


@shared_task(acks_late=True)
def mark_sla_breaches() -> int:
    """Mark orders newly past their service level (a rerun marks nothing twice)."""
    return len(sla_breaches_mark())


@shared_task(acks_late=True)
def refresh_step_durations() -> int:
    """Every minute: copy the step durations finished since the last run into the roll-up."""
    return step_durations_refresh()


@shared_task(acks_late=True)
def recopy_step_durations() -> int:
    """Every hour: copy the last day again, so step ends recorded late get in too."""
    return step_durations_refresh(recopy=ROLLUP_RECOPY_LATE)


@shared_task(acks_late=True)
def refresh_key_figures() -> int:
    """Every minute: count the key figures of the hours completed or changed since."""
    return key_figures_refresh()


@shared_task(acks_late=True)
def recount_key_figures() -> int:
    """Every hour: count again the hours of orders changed in the last day."""
    return key_figures_refresh(recopy=ROLLUP_RECOPY_LATE)


@shared_task(acks_late=True)
def send_sla_alerts() -> int:
    """Send the immediate alert for breaches not yet alerted."""
    return sla_alert_send()


@shared_task(acks_late=True)
def send_sla_digest() -> int:
    """Once a day at the configured hour: the digest of breaches not yet alerted."""
    alert_settings = AlertSettings.current()
    if alert_settings.mode != AlertSettings.Mode.DAILY:
        return 0
    if timezone.localtime().hour != alert_settings.digest_hour:
        return 0
    return sla_alert_send()


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Beat runs this every minute; `/healthz` reports beat down when it stops arriving."""
    beat_heartbeat_write()
