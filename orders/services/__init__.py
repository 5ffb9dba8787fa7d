"""Every write on orders: one function per domain action."""

from orders.services.events import Actor, record_event
from orders.services.intake import submit_order
from orders.services.lifecycle import (
    LineQuantity,
    approve_order,
    cancel_order,
    cancel_unpaid_order,
    change_shipping_address,
    on_order_released,
    reject_order,
    release_order,
    remind_payment,
)
from orders.services.messages import queue_message, send_message
from orders.services.payments import (
    amount_due,
    capture_payment_for_shipment,
    record_payment,
    shipment_value,
)

__all__ = [
    "Actor",
    "LineQuantity",
    "amount_due",
    "approve_order",
    "cancel_order",
    "cancel_unpaid_order",
    "capture_payment_for_shipment",
    "change_shipping_address",
    "on_order_released",
    "queue_message",
    "record_event",
    "record_payment",
    "reject_order",
    "release_order",
    "remind_payment",
    "send_message",
    "shipment_value",
    "submit_order",
]
