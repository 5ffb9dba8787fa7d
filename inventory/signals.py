"""Signals other apps listen to (sent inside the transaction that made the change)."""

from django.dispatch import Signal

# Sent with `reservations=[Reservation, ...]` when click & reserve deadlines pass.
reservations_expired = Signal()
