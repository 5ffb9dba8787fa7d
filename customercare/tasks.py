"""Celery tasks for customer care: thin and idempotent, they call the services."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_message_copy(message_id: int) -> bool:
    """Send a message an agent resent, exactly as it was first sent (at most once)."""
    from orders.services.care import deliver_message_copy

    return deliver_message_copy(message_id=message_id)
