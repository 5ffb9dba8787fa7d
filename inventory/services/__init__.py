"""Every write to stock: feeds, reservations (intake, routing, release, shipment), returns."""

from inventory.services.common import InsufficientStock, ReservationNotOpen, actor_label
from inventory.services.feeds import FeedLocationsNotAllowed, StockFeedItem, apply_stock_feed
from inventory.services.reservations import (
    Placement,
    ReservationRequest,
    assign_reservation_to_location,
    assign_reservations_to_locations,
    consume_reservation,
    expire_reservations,
    release_reservation,
    reserve_for_order,
)
from inventory.services.stock import correct_stock, restock

__all__ = [
    "FeedLocationsNotAllowed",
    "InsufficientStock",
    "Placement",
    "ReservationNotOpen",
    "ReservationRequest",
    "StockFeedItem",
    "actor_label",
    "apply_stock_feed",
    "assign_reservation_to_location",
    "assign_reservations_to_locations",
    "consume_reservation",
    "correct_stock",
    "expire_reservations",
    "release_reservation",
    "reserve_for_order",
    "restock",
]
