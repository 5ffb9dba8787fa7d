"""Who did something, and the one way to put it on an order's timeline."""

from dataclasses import dataclass, field
from typing import Any

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
        event.save()
    return event
