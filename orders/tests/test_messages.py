"""The customer-message outbox: rows written with the order, sent by coalesced drain tasks."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings as settings_module
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from oms import dispatch
from oms.celery import app
from oms.tasks import kick_drains
from orders import tasks
from orders.models import CustomerMessage, Order, OrderEvent
from orders.services import messages
from orders.tests.test_concurrency import run_at_once

pytestmark = pytest.mark.django_db


def waiting_messages(count: int) -> list[CustomerMessage]:
    """Unsent confirmations for the test's orders, written as queue_message does (no kick)."""
    orders = list(Order.objects.order_by("pk"))
    run = uuid.uuid4().hex[:8]
    return [
        CustomerMessage.objects.create(
            order=orders[index % len(orders)],
            type="confirmation",
            key=f"test:{run}:{index}",
            language="en",
            to=f"customer{index}@example.com",
        )
        for index in range(count)
    ]


def sent_to() -> list[str]:
    return sorted(address for email in mail.outbox for address in email.to)


def kicks(callbacks) -> list[str]:
    return [callback.name for callback in callbacks if isinstance(callback, dispatch.KickHook)]


@pytest.fixture(autouse=True)
def orders(submit) -> None:
    """Three orders, their own messages out of the way before a test counts what is sent."""
    for _ in range(3):
        assert submit().status_code == 201
    messages.send_due_messages(max_batches=1000)  # their on-commit kicks never ran
    mail.outbox = []


# Queueing and kicking ----------------------------------------------------------------------


def test_many_messages_in_one_transaction_kick_the_drain_once(django_capture_on_commit_callbacks):
    order = Order.objects.order_by("pk").first()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for index in range(5):
            messages.queue_message(
                order=order, type="shipped", key=f"shipped:test:{index}", context={"n": index}
            )
        dispatch.kick("customer-messages")

    assert kicks(callbacks) == ["customer-messages"]
    assert len(mail.outbox) == 5
    assert not CustomerMessage.objects.filter(key__startswith="shipped:test:", sent_at=None)


def test_a_kick_rolled_back_with_its_savepoint_is_registered_again(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                dispatch.kick("customer-messages")
                raise RuntimeError("the inner block fails")
        except RuntimeError:
            pass
        dispatch.kick("customer-messages")

    assert kicks(callbacks) == ["customer-messages"]


def test_a_rolled_back_transaction_leaves_nothing_to_send(django_capture_on_commit_callbacks):
    order = Order.objects.order_by("pk").first()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                messages.queue_message(order=order, type="shipped", key="shipped:rolled-back")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    tasks.send_pending_messages()  # a drain after all

    assert callbacks == []
    assert mail.outbox == []
    assert not CustomerMessage.objects.filter(key="shipped:rolled-back").exists()


def test_the_stored_context_reaches_the_template():
    order = Order.objects.order_by("pk").first()
    messages.queue_message(
        order=order,
        type="shipped",
        key="shipped:context",
        context={"tracking_url": "https://track.example/4711"},
    )

    tasks.send_pending_messages()

    message = CustomerMessage.objects.get(key="shipped:context")
    assert message.sent_at is not None
    assert "https://track.example/4711" in message.body
    assert mail.outbox[-1].body == message.body


# Draining ----------------------------------------------------------------------------------


def test_a_drain_sends_each_waiting_message_once_and_logs_it_on_the_timeline():
    waiting = waiting_messages(7)

    first = tasks.send_pending_messages()
    second = tasks.send_pending_messages()

    assert (first, second) == (7, 0)
    assert sent_to() == sorted(message.to for message in waiting)
    events = OrderEvent.objects.filter(
        type="message_sent", data__message_id__in=[m.pk for m in waiting]
    )
    assert events.count() == 7
    assert all(event.order.number in event.message for event in events)


def test_a_drain_takes_the_messages_in_batches_and_hands_a_long_backlog_to_a_new_task():
    waiting_messages(5)

    sent, more_waiting = messages.send_due_messages(batch_size=2, max_batches=2)
    assert (sent, more_waiting) == (4, True)

    sent, more_waiting = messages.send_due_messages(batch_size=2, max_batches=2)
    assert (sent, more_waiting) == (1, False)


def test_a_failing_message_waits_for_its_retry_while_the_others_go_out(monkeypatch, caplog):
    # given three messages, and a mail server that refuses the second
    waiting = waiting_messages(3)
    refused = waiting[1].to
    real_send_mail = messages.send_mail

    def send_mail(subject, body, sender, to, **kwargs):
        if to == [refused]:
            raise ConnectionRefusedError("mail server refused")
        return real_send_mail(subject, body, sender, to, **kwargs)

    monkeypatch.setattr(messages, "send_mail", send_mail)
    now = timezone.now()

    # when a drain runs
    assert messages.send_due_messages(now=now) == (2, False)

    # then the others are sent, and the refused one waits, its attempt counted and logged
    assert sent_to() == sorted([waiting[0].to, waiting[2].to])
    failed = CustomerMessage.objects.get(pk=waiting[1].pk)
    assert failed.sent_at is None and failed.body == ""
    assert failed.attempts == 1
    assert failed.retry_at == now + messages.FIRST_RETRY_DELAY
    assert f"Customer message {failed.pk}" in caplog.text
    assert messages.send_due_messages(now=now + timedelta(seconds=30)) == (0, False)

    # when the mail server takes it again and a drain runs after the pause
    monkeypatch.setattr(messages, "send_mail", real_send_mail)
    assert messages.send_due_messages(now=now + timedelta(minutes=2)) == (1, False)

    # then it went out once
    assert sent_to().count(refused) == 1
    assert CustomerMessage.objects.get(pk=failed.pk).sent_at is not None


def test_a_message_failing_every_time_is_given_up_after_the_last_attempt(monkeypatch):
    [message] = waiting_messages(1)
    CustomerMessage.objects.filter(pk=message.pk).update(attempts=messages.MAX_SEND_ATTEMPTS - 1)

    def send_mail(*args, **kwargs):
        raise OSError("mailbox unavailable")

    monkeypatch.setattr(messages, "send_mail", send_mail)
    messages.send_due_messages()
    monkeypatch.undo()

    assert messages.send_due_messages(now=timezone.now() + timedelta(days=1)) == (0, False)
    message.refresh_from_db()
    assert message.attempts == messages.MAX_SEND_ATTEMPTS
    assert message.sent_at is None


def test_a_resent_copy_is_left_to_its_own_task():
    [original] = waiting_messages(1)
    CustomerMessage.objects.filter(pk=original.pk).update(subject="Stored", body="Stored text")

    assert messages.send_due_messages() == (0, False)
    assert mail.outbox == []


def test_the_task_of_an_older_version_still_sends_its_message_with_its_context():
    [message] = waiting_messages(1)
    CustomerMessage.objects.filter(pk=message.pk).update(type="shipped")

    context = {"tracking_url": "https://track.example/old"}

    assert tasks.send_customer_message(message.pk, context) is True
    assert tasks.send_customer_message(message.pk, context) is False

    assert len(mail.outbox) == 1
    assert "https://track.example/old" in mail.outbox[0].body


def test_the_sweep_sends_what_no_kick_announced_and_runs_every_minute(
    settings, django_capture_on_commit_callbacks
):
    waiting_messages(2)

    with django_capture_on_commit_callbacks(execute=True):
        kick_drains()

    assert len(mail.outbox) == 2
    entry = {"task": "oms.tasks.kick_drains", "schedule": 60.0}
    assert entry in settings.CELERY_BEAT_SCHEDULE.values()


@pytest.mark.skipif(not settings_module.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_with_a_broker_a_kick_queues_one_drain_until_that_drain_starts(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    name = f"test-{uuid.uuid4().hex[:8]}"  # a flag of its own: parallel runs share Redis
    monkeypatch.setitem(dispatch.DRAINS, name, "orders.tasks.send_pending_messages")
    queued = []
    monkeypatch.setattr(
        tasks.send_pending_messages, "apply_async", lambda **options: queued.append(name)
    )
    flags = dispatch._redis(settings.REDIS_URL)

    def commit_with_kick() -> None:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            dispatch.kick(name)

    try:
        commit_with_kick()
        commit_with_kick()
        assert queued == [name]
        assert 0 < flags.ttl(dispatch.flag_key(name)) <= dispatch.FLAG_TTL_SECONDS

        dispatch.drain_started(name)
        commit_with_kick()
        assert queued == [name, name]
    finally:
        flags.delete(dispatch.flag_key(name))


@pytest.mark.skipif(not settings_module.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_with_a_broker_the_messages_drain_waits_a_moment_to_gather_a_batch(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.send_pending_messages, "apply_async", lambda **o: queued.append(o))
    flags = dispatch._redis(settings.REDIS_URL)
    flags.delete(dispatch.flag_key(messages.MESSAGES_DRAIN))
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            dispatch.kick(messages.MESSAGES_DRAIN)
        assert [options["countdown"] for options in queued] == [1.0]
    finally:
        flags.delete(dispatch.flag_key(messages.MESSAGES_DRAIN))


def test_without_redis_at_the_commit_the_kick_is_logged_and_left_to_the_sweep(
    settings, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    queued = []
    monkeypatch.setattr(
        tasks.send_pending_messages, "apply_async", lambda **options: queued.append(1)
    )
    [message] = waiting_messages(1)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        dispatch.kick("customer-messages")  # the commit itself does not fail

    assert queued == []
    assert "Could not kick drain customer-messages" in caplog.text
    assert CustomerMessage.objects.get(pk=message.pk).sent_at is None  # still waiting


# PostgreSQL: row locks and a real worker ------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_the_same_moment_send_each_message_once(postgres_only, monkeypatch):
    waiting = waiting_messages(40)
    real_send_mail = messages.send_mail

    def slow_send_mail(*args, **kwargs):
        time.sleep(0.002)  # so that both drains are busy at the same time
        return real_send_mail(*args, **kwargs)

    monkeypatch.setattr(messages, "send_mail", slow_send_mail)

    results = run_at_once(2, lambda _index: messages.send_due_messages(batch_size=5))

    assert sum(sent for sent, _more in results) == 40
    assert all(sent > 0 for sent, _more in results)  # both drains took part
    assert sent_to() == sorted(message.to for message in waiting)
    events = OrderEvent.objects.filter(
        type="message_sent", data__message_id__in=[m.pk for m in waiting]
    )
    assert events.count() == 40


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings_module.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_a_real_worker_sends_a_message_queued_in_a_committed_transaction(
    postgres_only, settings, monkeypatch, tmp_path
):
    # given a Celery worker on this test database, and a broker (the test's Redis database)
    # without tasks or flags left by an earlier run
    broker_url = os.environ.get("OMS_TEST_WORKER_REDIS_URL", settings.REDIS_URL)
    broker = dispatch._redis(broker_url)
    broker.delete("celery", "unacked", "unacked_index", dispatch.flag_key("customer-messages"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oms.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker_url,
        "OMS_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "OMS_DB_CONN_MAX_AGE": "0",  # no connection left open when the test database goes
        "OMS_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "oms", "worker", "--pool", "solo",
        "-Q", "celery", "-n", f"outbox-test-{os.getpid()}@%h", "--loglevel=WARNING",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        # and this process publishing to that broker instead of running tasks in-process
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = broker_url
        settings.REDIS_URL = broker_url
        monkeypatch.setattr(app, "_pool", None)  # Celery caches its broker connections
        monkeypatch.setattr(app.amqp, "_producer_pool", None)
        order = Order.objects.order_by("pk").first()

        # when a message is queued in a committed transaction
        with transaction.atomic():
            messages.queue_message(order=order, type="shipped", key="shipped:real-worker")

        # then the worker sends it
        message = CustomerMessage.objects.get(key="shipped:real-worker")
        deadline = time.monotonic() + 30
        while message.sent_at is None and time.monotonic() < deadline:
            assert worker.poll() is None, f"the worker stopped: {log.read_text()[-2000:]}"
            time.sleep(0.2)
            message.refresh_from_db()
        assert message.sent_at is not None, f"not sent in 30 s: {log.read_text()[-2000:]}"
        assert OrderEvent.objects.filter(type="message_sent", data__message_id=message.pk)
        assert broker.get(dispatch.flag_key("customer-messages")) is None  # the drain cleared it
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
