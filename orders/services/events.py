"""Who did something, and the one way to put it on an order's timeline."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from oms.rows import insert
from orders.models import Order, OrderEvent


@dataclass(frozen=True)
class Actor:
    """The user, API client or system job acting, and the channel it came through."""

    label: str
    kind: str = OrderEvent.ActorKind.SYSTEM
    channel: str = OrderEvent.Channel.SYSTEM
    user_id: int | None = field(default=None, compare=False)

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(label=label)

    @classmethod
    def for_api_client(cls, client) -> "Actor":
        return cls(
            label=client.name,
            kind=OrderEvent.ActorKind.API_CLIENT,
            channel=OrderEvent.Channel.API,
        )

    @classmethod
    def for_user(cls, user, channel: str = OrderEvent.Channel.CARE) -> "Actor":
        return cls(
            label=user.get_username(),
            kind=OrderEvent.ActorKind.USER,
            channel=channel,
            user_id=user.pk,
        )


# Events recorded inside `deferred_events()` wait here and are inserted in one statement.
_deferred: ContextVar[list[OrderEvent] | None] = ContextVar("deferred_order_events", default=None)


@contextmanager
def deferred_events() -> Iterator[list[OrderEvent]]:
    """Write every event recorded in the block with one INSERT when the block ends.

    For services that write several events in one transaction (intake writes four or more):
    the rows, their order and their timestamps are the same as with one INSERT each. Nothing
    is written when the block raises; the caller's transaction is rolled back then anyway.
    Inside the block record_event() returns the event unsaved (no pk yet).
    """
    events: list[OrderEvent] = []
    token = _deferred.set(events)
    try:
        yield events
    finally:
        _deferred.reset(token)
    insert(events)


def record_event(
    order: Order,
    type: str,
    *,
    actor: Actor,
    message: str = "",
    data: dict[str, Any] | None = None,
    save: bool = True,
) -> OrderEvent:
    """Append one entry to the order's timeline (in the caller's transaction)."""
    event = OrderEvent(
        order=order,
        type=type,
        actor=actor.label,
        actor_kind=actor.kind,
        channel=actor.channel,
        message=str(message),
        data=data or {},
    )
    if save:
        deferred = _deferred.get()
        if deferred is None:
            event.save()
        else:
            deferred.append(event)
    return event
