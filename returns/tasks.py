"""Periodic returns work: cancel announced returns whose parcel never came."""

from celery import shared_task


@shared_task(acks_late=True)
def expire_announced_returns() -> int:
    """Cancel mailed returns announced longer ago than the shop allows (idempotent)."""
    from returns.services import expire_announced_returns as expire

    return expire()
