"""Errors and small helpers shared by the stock services."""

from django.utils.translation import gettext as _

from oms.errors import DomainError


class InsufficientStock(DomainError):
    """The stock does not cover what was asked for; `errors` name each short SKU."""

    code = "insufficient-stock"


class ReservationNotOpen(DomainError):
    code = "reservation-not-open"

    def __init__(self, reservation) -> None:
        super().__init__(
            _("Reservation %(id)s is %(status)s, not open.")
            % {"id": reservation.pk, "status": reservation.status}
        )


def actor_label(actor) -> str:
    """Who did it, as text for the movement history: an API client, a user or a process."""
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    from oms.models import ApiClient

    if isinstance(actor, ApiClient):
        return f"api:{actor.name}"
    username = getattr(actor, "get_username", None)
    return f"user:{username()}" if username else str(actor)
