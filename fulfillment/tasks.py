"""Celery tasks for routing: thin and idempotent, they call the services."""

from celery import shared_task
from django.db import OperationalError

from orders.models import Order


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=1)
def route_order(self, order_id: int, reason: str = "release") -> int | None:
    """Route what is not yet routed of the order; retried when the stock moved meanwhile."""
    from fulfillment.services.routing import StockChanged
    from fulfillment.services.routing import route_order as route
    from orders.services.events import Actor

    try:
        decision = route(order=Order(pk=order_id), actor=Actor.system("routing"), reason=reason)
    except (StockChanged, OperationalError) as error:
        # The transaction rolled back (stock moved, or the database gave up a lock): again.
        raise self.retry(exc=error, countdown=min(2**self.request.retries, 30)) from error
    return decision.pk if decision else None


@shared_task(acks_late=True)
def route_released_orders() -> int:
    """Drain: route the orders released for fulfilment (kicked on every release and by beat)."""
    from fulfillment.services.release_queue import ROUTING_DRAIN, released_waiting
    from fulfillment.services.release_queue import route_released_orders as drain
    from oms import dispatch

    dispatch.drain_started(ROUTING_DRAIN)  # before reading: later releases kick a new drain
    if not dispatch.in_process() and released_waiting(at_least=2):
        dispatch.kick(ROUTING_DRAIN)  # an idle routing worker may share the queue (SKIP LOCKED)
    routed, more_waiting = drain()
    if more_waiting:
        dispatch.kick(ROUTING_DRAIN)  # the rest in a new task: the queue's other jobs first
    return routed


@shared_task(acks_late=True)
def retry_waiting_orders() -> int:
    """Periodically route again the orders that wait for stock or capacity."""
    from fulfillment.services.routing import orders_waiting_for_routing

    waiting = orders_waiting_for_routing()
    for order_id in waiting:
        route_order.delay(order_id, reason="retry")
    return len(waiting)


@shared_task(acks_late=True)
def reroute_from_outages() -> int:
    """Take delivery orders not yet picked away from locations under outage and reroute them."""
    from fulfillment.models import DeliveryOrder
    from fulfillment.services.delivery import (
        delivery_order_withdraw,
        delivery_orders_at_unavailable_locations,
    )
    from orders.services.events import Actor

    waiting = delivery_orders_at_unavailable_locations()
    for delivery_order_id in waiting:
        delivery_order_withdraw(
            delivery_order=DeliveryOrder(pk=delivery_order_id),
            reason="location outage",
            actor=Actor.system("routing"),
        )
    return len(waiting)


@shared_task(acks_late=True)
def handle_late_shipments() -> int:
    """Tell customers of late parcels (once) and compensate per the shop's policy (once)."""
    from fulfillment.models import Shipment
    from fulfillment.services.lateness import late_shipments, shipment_handle_late
    from orders.services.events import Actor

    handled = 0
    for shipment_id in late_shipments():
        handled += shipment_handle_late(
            shipment=Shipment(pk=shipment_id), actor=Actor.system("late-shipments")
        )
    return handled
