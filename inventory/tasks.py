from celery import shared_task

from inventory.services import expire_reservations


@shared_task(acks_late=True)
def expire_stock_reservations() -> int:
    """Let reservations past their deadline lapse (idempotent: a rerun finds nothing due)."""
    return expire_reservations()
