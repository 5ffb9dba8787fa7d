"""Customer messages: queued in the order's transaction, rendered and sent after commit."""

from functools import cache, lru_cache

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template import Context, Template
from django.utils import timezone

from orders.message_defaults import DEFAULT_TEMPLATES
from orders.models import CustomerMessage, MessageTemplate, Order, ShopOrderSettings
from orders.services.events import Actor, record_event


def queue_message(
    *, order: Order, type: str, key: str, context: dict | None = None, new: bool = False
) -> None:
    """Write the message to send once the transaction commits; the same key never twice.

    The row is created in the caller's transaction, so a rollback leaves nothing to send; the
    Celery task is enqueued only on commit.
    """
    from orders.tasks import send_customer_message

    values = {"order": order, "type": type, "language": order.language, "to": order.email}
    if new:  # the order was created in this transaction: the key cannot exist yet
        message, created = CustomerMessage.objects.create(key=key, **values), True
    else:
        message, created = CustomerMessage.objects.get_or_create(key=key, defaults=values)
    if created:
        # The context travels to the task, so only JSON-friendly values.
        send_customer_message.delay_on_commit(message.pk, context or {})


def template_for(type: str, language: str) -> tuple[str, str]:
    """Subject and body templates: the admin's text, else the built-in one (else English)."""
    languages = [language, language.split("-")[0], "en"]
    stored = {
        template.language: template
        for template in MessageTemplate.objects.filter(type=type, language__in=languages)
    }
    for candidate in languages:
        if candidate in stored:
            return stored[candidate].subject, stored[candidate].body
    builtin = DEFAULT_TEMPLATES.get(type, {})
    for candidate in languages:
        if candidate in builtin:
            return builtin[candidate]
    return f"{{{{ order.number }}}}: {type}", f"{type}"


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """A template compiled once per process; keyed by its text, so an edit is a new entry."""
    return Template(source)


def render_message(message: CustomerMessage, extra: dict) -> tuple[str, str]:
    order = message.order

    # The shop's settings and the amount due are read only by the templates that use them
    # (the template engine calls a callable it finds in the context).
    @cache
    def shop_settings() -> ShopOrderSettings:
        found = list(ShopOrderSettings.objects.filter(shop=order.shop_id))
        return found[0] if found else ShopOrderSettings(shop=order.shop)

    @cache
    def amount_due() -> str:
        return amount_due_text(order)

    subject_template, body_template = template_for(message.type, message.language)
    context = Context(
        {
            "order": order,
            "customer": order.customer,
            "lines": list(order.lines.order_by("position")),
            "settings": shop_settings,
            "amount_due": amount_due,
            **extra,
        },
        autoescape=False,
    )
    subject = _compiled(subject_template).render(context).strip().replace("\n", " ")
    body = _compiled(body_template).render(context).strip()
    return subject[:200], body


def amount_due_text(order: Order) -> str:
    from orders.services.payments import amount_due

    return str(amount_due(order))


def send_message(*, message_id: int, context: dict | None = None) -> bool:
    """Render and send one queued message unless it was sent already; log it on the timeline."""
    with transaction.atomic():
        found = list(
            CustomerMessage.objects.select_for_update(of=("self",))
            .select_related("order__shop", "order__customer", "order__pickup_location")
            .filter(pk=message_id)
            .order_by()  # one row: no ORDER BY to build
        )
        message = found[0] if found else None
        if message is None or message.sent_at is not None:
            return False
        message.subject, message.body = render_message(message, context or {})
        send_mail(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [message.to],
            fail_silently=False,
        )
        message.sent_at = timezone.now()
        message.save(update_fields=["subject", "body", "sent_at"])
        record_event(
            message.order,
            "message_sent",
            actor=Actor.system(),
            message=f"{message.subject}\n\n{message.body}",
            data={"message_id": message.pk, "type": message.type, "to": message.to},
        )
    return True
