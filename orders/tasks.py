"""Celery tasks for orders: thin and idempotent, they call the services."""

from celery import shared_task

from orders.models import Order


@shared_task(acks_late=True)
def send_pending_messages() -> int:
    """Outbox drain: send the customer messages waiting (kicked by queue_message and beat)."""
    from oms import dispatch
    from orders.services.messages import MESSAGES_DRAIN, send_due_messages

    dispatch.drain_started(MESSAGES_DRAIN)  # before reading: later messages kick a new drain
    sent, more_waiting = send_due_messages()
    if more_waiting:
        dispatch.kick(MESSAGES_DRAIN)  # the rest in a new task: the queue's other jobs first
    return sent


@shared_task(acks_late=True)
def send_customer_message(message_id: int, context: dict | None = None) -> bool:
    """Send one message queued by an older version (one task per message, with its context).

    A failure is counted on the message and retried by the drain, like any other message.
    """
    from orders.services.messages import send_message

    return send_message(message_id=message_id, context=context)


@shared_task(acks_late=True)
def send_prepayment_reminders() -> int:
    """Remind customers whose prepayment is overdue (each order at most once)."""
    from orders.services.lifecycle import remind_payment, unpaid_orders_due

    sent = 0
    for order_id in unpaid_orders_due(reminder=True):
        sent += remind_payment(order=Order(pk=order_id))
    return sent


@shared_task(acks_late=True)
def cancel_unpaid_prepayments() -> int:
    """Cancel prepayment orders still unpaid after the shop's deadline, releasing their stock."""
    from orders.services.lifecycle import cancel_unpaid_order, unpaid_orders_due

    cancelled = 0
    for order_id in unpaid_orders_due(reminder=False):
        cancelled += cancel_unpaid_order(order=Order(pk=order_id))
    return cancelled


@shared_task(acks_late=True)
def complete_finished_orders() -> int:
    """Complete shipped orders whose return window is over and that have no open return."""
    from orders.services.completion import complete_order, orders_to_complete

    completed = 0
    for order_id in orders_to_complete():
        completed += complete_order(order=Order(pk=order_id))
    return completed
