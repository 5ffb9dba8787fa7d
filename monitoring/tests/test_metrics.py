"""`/metrics` exposes requests, tasks and orders per state, to localhost or with the token."""

import datetime
import re

import pytest
from celery import shared_task
from django.conf import settings as settings_module
from django.utils import timezone

from monitoring.services import key_figures_refresh
from monitoring.tasks import beat_heartbeat
from orders.models import Order
from orders.services.messages import MAX_SEND_ATTEMPTS

pytestmark = pytest.mark.django_db


@shared_task(name="monitoring.tests.always_fails")
def always_fails() -> None:
    raise RuntimeError("boom")


def scrape(client, **headers) -> str:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_show_requests_tasks_and_orders_per_state(client, make_order):
    make_order(status=Order.Status.ON_HOLD)
    client.get("/healthz")
    beat_heartbeat.delay()
    # a worker records the failure; eagerly run tasks re-raise before Celery's failure signal
    assert always_fails.apply(throw=False).failed()

    text = scrape(client)

    assert 'oms_http_requests_total{method="GET",status="200",view="healthz"}' in text
    assert 'oms_http_request_duration_seconds_count{method="GET",view="healthz"}' in text
    assert 'oms_celery_task_duration_seconds_count{task="monitoring.tasks.beat_heartbeat"}' in text
    assert 'oms_celery_tasks_total{state="SUCCESS",task="monitoring.tasks.beat_heartbeat"}' in text
    assert 'oms_celery_task_failures_total{task="monitoring.tests.always_fails"} ' in text
    on_hold = Order.objects.filter(status=Order.Status.ON_HOLD).count()
    assert f'oms_orders{{status="on_hold"}} {float(on_hold)}' in text
    assert 'oms_orders{status="cancelled"}' in text


def test_without_a_token_only_localhost_may_scrape(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403


def test_with_a_token_the_bearer_header_is_required(client, settings):
    settings.OMS_METRICS_TOKEN = "s3cret-token"

    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401
    text = scrape(client, REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert "oms_orders" in text


def test_queue_lengths_are_read_per_queue_when_configured(client, settings, monkeypatch):
    from monitoring import metrics

    monkeypatch.setattr(metrics, "celery_queue_lengths", lambda: {"celery": 7, "routing": 40})

    text = scrape(client)
    assert 'oms_celery_queue_length{queue="celery"} 7.0' in text
    assert 'oms_celery_queue_length{queue="routing"} 40.0' in text


@pytest.mark.skipif(not settings_module.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_queue_lengths_come_from_the_broker(settings):
    import redis

    from monitoring.metrics import celery_queue_lengths

    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("routing")
    broker.rpush("routing", "a", "b")
    try:
        assert celery_queue_lengths()["routing"] == 2
    finally:
        broker.delete("routing")


def test_the_age_of_each_dashboard_roll_up_is_reported_once_it_ran(client):
    assert "oms_rollup_age_seconds{" not in scrape(client)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    key_figures_refresh(now=an_hour_ago)

    text = scrape(client)

    age = re.search(r'oms_rollup_age_seconds\{rollup="key_figures"\} ([0-9.e+]+)', text)
    assert age and 3600 <= float(age[1]) < 3700
    assert 'rollup="step_durations"' not in text


def _gauge(text: str, name: str, drain: str | None = None) -> float:
    labels = rf'\{{drain="{drain}"\}}' if drain else ""
    found = re.search(rf"^{name}{labels} ([0-9.e+]+)$", text, re.MULTILINE)
    assert found, f"{name} {drain} missing"
    return float(found[1])


def test_the_outbox_backlog_is_reported_per_drain_with_the_oldest_wait(client, make_order):
    before = scrape(client)
    a_month_ago = timezone.now() - datetime.timedelta(days=30)
    order = make_order(status=Order.Status.RELEASED, released_at=a_month_ago)
    order.messages.create(type="confirmation", key="k-waiting", to="a@example.com")
    order.messages.create(
        type="confirmation", key="k-given-up", to="a@example.com", attempts=MAX_SEND_ATTEMPTS
    )

    after = scrape(client)

    for drain in ("routing", "customer-messages"):
        assert _gauge(after, "oms_outbox_waiting", drain) == (
            _gauge(before, "oms_outbox_waiting", drain) + 1
        )
    assert _gauge(after, "oms_outbox_oldest_seconds", "routing") >= 30 * 86400
    assert _gauge(after, "oms_messages_given_up") == _gauge(before, "oms_messages_given_up") + 1
