"""Customer messages: an outbox written in the order's transaction, drained after commit.

`queue_message` writes the message row (with the extra template context) in the caller's
transaction and kicks the drain `customer-messages` (oms/dispatch.py): after the commit one
Celery task `orders.tasks.send_pending_messages` sends every message waiting, a batch of rows
per transaction, however many orders were placed meanwhile. Concurrent drains skip each
other's rows (SELECT … FOR UPDATE SKIP LOCKED) and a message is marked sent in the
transaction that locked it, so each goes out once. A message that fails (mail server down,
template error) stays unsent with its attempt counted and is tried again after a growing pause
by a later drain or the sweep beat runs every minute; after MAX_SEND_ATTEMPTS it is left for a
person to look at (logged as an error).
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cache, lru_cache

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import DatabaseError, connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.template import Context, Template
from django.utils import timezone

from oms.dispatch import kick
from oms.rows import insert
from orders.message_defaults import DEFAULT_TEMPLATES
from orders.models import CustomerMessage, MessageTemplate, Order, OrderLine, ShopOrderSettings
from orders.services.events import Actor, deferred_events, record_event

logger = logging.getLogger(__name__)

MESSAGES_DRAIN = "customer-messages"
# A batch is committed after its mails went out: a crash in between sends it again, so a
# batch is kept small. Under steady load a drain finds a few messages anyway.
BATCH_SIZE = 20
# A drain task sends at most this many batches, then queues the rest as a new task, so that
# the other jobs of its queue get a turn during a large backlog.
MAX_BATCHES_PER_TASK = 10
MAX_SEND_ATTEMPTS = 10
FIRST_RETRY_DELAY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=1)


def queue_message(
    *, order: Order, type: str, key: str, context: dict | None = None, new: bool = False
) -> None:
    """Write the message to send once the transaction commits; the same key never twice.

    The row is created in the caller's transaction, so a rollback leaves nothing to send; the
    drain is kicked only on commit, once per transaction however many messages it queued.
    """
    values = {
        "order": order,
        "type": type,
        "language": order.language,
        "to": order.email,
        "context": context or {},
    }
    if new:  # the order was created in this transaction: the key cannot exist yet
        insert([CustomerMessage(key=key, **values)])
        created = True
    else:
        _message, created = CustomerMessage.objects.get_or_create(key=key, defaults=values)
    if created:
        kick(MESSAGES_DRAIN)


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


def render_message(
    message: CustomerMessage,
    extra: dict,
    *,
    find_template: Callable[[str, str], tuple[str, str]] = template_for,
) -> tuple[str, str]:
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

    subject_template, body_template = find_template(message.type, message.language)
    context = Context(
        {
            "order": order,
            "customer": order.customer,
            "lines": _lines(order),
            "settings": shop_settings,
            "amount_due": amount_due,
            **extra,
        },
        autoescape=False,
    )
    subject = _compiled(subject_template).render(context).strip().replace("\n", " ")
    body = _compiled(body_template).render(context).strip()
    return subject[:200], body


def _lines(order: Order) -> list[OrderLine]:
    """The order's lines by position: as prefetched for a batch (see _with_order), else read."""
    if "lines" in getattr(order, "_prefetched_objects_cache", {}):
        return list(order.lines.all())
    return list(order.lines.order_by("position"))


def amount_due_text(order: Order) -> str:
    from orders.services.payments import amount_due

    return str(amount_due(order))


def send_message(*, message_id: int, context: dict | None = None) -> bool:
    """Render and send one queued message unless it was sent already; log it on the timeline.

    `context` comes from tasks queued by the previous version, which carried it in the task
    instead of the row. Returns whether the message went out now; a failure is counted and
    retried by the drain like any other.
    """
    with transaction.atomic():
        found = list(
            _with_order(CustomerMessage.objects.select_for_update(of=("self",)))
            .filter(pk=message_id)
            .order_by()  # one row: no ORDER BY to build
        )
        return _deliver(found, extra=context or {}, now=timezone.now()) == 1


def send_due_messages(
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int = MAX_BATCHES_PER_TASK,
    now: datetime | None = None,
) -> tuple[int, bool]:
    """Send the messages waiting in the outbox, a batch per transaction.

    Returns how many went out and whether more may be waiting (the batch limit was reached).
    Each message is tried at most once per call (the id only goes up), so a failing one
    waits for its retry time instead of being tried again in a loop.
    """
    now = now or timezone.now()
    sent, after_id = 0, 0
    for _ in range(max_batches):
        with transaction.atomic():
            batch = list(_due(now).filter(pk__gt=after_id)[:batch_size])
            sent += _deliver(batch, extra={}, now=now)
        if len(batch) < batch_size:
            return sent, False
        after_id = batch[-1].pk
    return sent, True


def _with_order(messages: QuerySet[CustomerMessage]) -> QuerySet[CustomerMessage]:
    """Messages read with all their templates use: order, shop, customer, store, lines."""
    return messages.select_related(
        "order__shop", "order__customer", "order__pickup_location"
    ).prefetch_related(Prefetch("order__lines", queryset=OrderLine.objects.order_by("position")))


def waiting_messages() -> QuerySet[CustomerMessage]:
    """Messages in the outbox: not sent, not given up (resent copies have their own task)."""
    return CustomerMessage.objects.filter(
        sent_at__isnull=True, body="", attempts__lt=MAX_SEND_ATTEMPTS
    )


def given_up_messages() -> QuerySet[CustomerMessage]:
    """Messages the outbox stopped trying: a person has to look at them (care can requeue)."""
    return CustomerMessage.objects.filter(sent_at__isnull=True, attempts__gte=MAX_SEND_ATTEMPTS)


def _due(now: datetime) -> QuerySet[CustomerMessage]:
    """Unsent messages whose turn it is, locked; rows another drain holds are skipped.

    A resent copy is stored with its text (the body is not empty) and has a task of its own
    (customercare.tasks.send_message_copy): the drain leaves it alone.
    """
    return (
        _with_order(waiting_messages().select_for_update(of=("self",), skip_locked=True))
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .order_by("pk")
    )


def _deliver(messages: list[CustomerMessage], *, extra: dict, now: datetime) -> int:
    """Render and send locked messages; record the sent ones and count the failed ones.

    Runs in the caller's transaction, which holds the rows' locks, so a message is marked sent
    with the lock that let it be sent. The rows and the timeline events are written with one
    statement each after the batch; a crash before the commit sends the batch again.
    """
    sent: list[CustomerMessage] = []
    failed: list[CustomerMessage] = []
    find_template = cache(template_for)  # one query per type and language in the batch
    with _mail_connection() as mail_connection:
        for message in messages:
            if message.sent_at is not None:
                continue
            try:
                subject, body = render_message(
                    message, {**message.context, **extra}, find_template=find_template
                )
                send_mail(
                    subject,
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    [message.to],
                    fail_silently=False,
                    connection=mail_connection,
                )
            except DatabaseError:
                raise  # the transaction is broken: nothing of the batch can be recorded
            except Exception:
                _count_failure(message, now=now)
                failed.append(message)
                continue
            message.subject, message.body, message.sent_at = subject, body, timezone.now()
            sent.append(message)
    _record(sent, failed)
    return len(sent)


@contextmanager
def _mail_connection():
    """One connection to the mail server for a batch of messages."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception:
        # Each send opens it again and fails on its own, counting its attempt.
        logger.warning("Could not connect to the mail server", exc_info=True)
    try:
        yield connection
    finally:
        connection.close()


def _count_failure(message: CustomerMessage, *, now: datetime) -> None:
    message.attempts += 1
    pause = min(FIRST_RETRY_DELAY * 2 ** (message.attempts - 1), MAX_RETRY_DELAY)
    message.retry_at = now + pause
    if message.attempts >= MAX_SEND_ATTEMPTS:
        logger.exception(
            "Customer message %s (%s) failed %s times; not trying again",
            message.pk,
            message.type,
            message.attempts,
        )
    else:
        logger.warning(
            "Customer message %s (%s) failed (attempt %s); next try after %s",
            message.pk,
            message.type,
            message.attempts,
            message.retry_at.isoformat(),
            exc_info=True,
        )


def _record(sent: list[CustomerMessage], failed: list[CustomerMessage]) -> None:
    """Write what happened to a batch: sent messages with their text and timeline events."""
    if sent:
        _mark_sent(sent)
        with deferred_events():
            for message in sent:
                record_sent(message)
    if failed:
        CustomerMessage.objects.bulk_update(failed, ["attempts", "retry_at"])


def record_sent(message: CustomerMessage) -> None:
    """The sent message on its order's timeline, word for word."""
    record_event(
        message.order,
        "message_sent",
        actor=Actor.system(),
        message=f"{message.subject}\n\n{message.body}",
        data={"message_id": message.pk, "type": message.type, "to": message.to},
    )


def _mark_sent(messages: list[CustomerMessage]) -> None:
    """Store the sent text and time of each message: one UPDATE run for all of them.

    The ORM's bulk_update builds a CASE branch per row and column: for a batch of 100 that cost
    more CPU than rendering the messages. psycopg sends these in one pipeline.
    """
    quote = connection.ops.quote_name
    field = CustomerMessage._meta.get_field
    columns = [quote(field(name).column) for name in ("subject", "body", "sent_at")]
    sql = (
        f"UPDATE {quote(CustomerMessage._meta.db_table)} "
        f"SET {columns[0]} = %s, {columns[1]} = %s, {columns[2]} = %s "
        f"WHERE {quote(CustomerMessage._meta.pk.column)} = %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(m.subject, m.body, adapt(m.sent_at), m.pk) for m in messages])
