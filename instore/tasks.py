"""Periodic store work: cancel pickups and reservations not collected by their deadline."""

from celery import shared_task


@shared_task(acks_late=True)
def expire_uncollected_pickups() -> int:
    """Cancel click & collect and click & reserve orders nobody collected in time (idempotent)."""
    from fulfillment.models import DeliveryOrder
    from instore.services import expire_pickup, expired_pickups

    expired = 0
    for delivery_order_id in expired_pickups():
        delivery_order = DeliveryOrder.objects.filter(pk=delivery_order_id).first()
        if delivery_order is not None and expire_pickup(delivery_order=delivery_order):
            expired += 1
    return expired
