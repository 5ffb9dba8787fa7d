from celery import shared_task

from oms.api.idempotency import purge_expired_records


@shared_task(acks_late=True)
def purge_idempotency_records() -> int:
    """Delete idempotency keys past their retention (idempotent: a rerun deletes nothing)."""
    return purge_expired_records()


@shared_task(acks_late=True)
def kick_drains() -> None:
    """Kick every outbox drain: the sweep after a kick lost on the way (see oms/dispatch.py)."""
    from oms.dispatch import kick_all

    kick_all()
