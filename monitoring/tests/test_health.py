"""`/healthz` reports every component and answers 503 when one of them is down."""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone

from monitoring import health
from monitoring.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_component_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {"database", "cache", "broker", "beat"}
    assert all(item["status"] == "ok" for item in body["components"].values())


def test_a_component_down_gives_503_naming_it_without_details(client, monkeypatch):
    def database_down():
        raise OperationalError("could not connect to server at db.internal:5432 password=secret")

    monkeypatch.setitem(health.CHECKS, "database", database_down)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["components"]["database"] == {"status": "error", "error": "OperationalError"}
    assert body["components"]["cache"]["status"] == "ok"
    assert "secret" not in response.content.decode()


def test_beat_is_down_without_a_recent_heartbeat(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/10"
    health.cache.delete(health.BEAT_HEARTBEAT_KEY)
    now = timezone.now()

    assert health.check_beat(now=now).details == {"error": "no heartbeat recorded"}

    health.beat_heartbeat_write(now=now - datetime.timedelta(minutes=10))
    stale = health.check_beat(now=now)
    assert not stale.ok
    assert stale.details["error"] == "heartbeat too old"

    beat_heartbeat()  # the task beat runs every minute
    fresh = health.check_beat()
    assert fresh.ok
    assert fresh.details["age_seconds"] <= 1


def test_healthz_names_beat_when_its_heartbeat_stopped(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/10"
    monkeypatch.setitem(health.CHECKS, "broker", lambda: health.ComponentHealth(True))
    health.cache.delete(health.BEAT_HEARTBEAT_KEY)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["components"]["beat"]["status"] == "error"
    assert response.json()["components"]["broker"]["status"] == "ok"


def test_the_heartbeat_is_scheduled_every_minute(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {"task": "monitoring.tasks.beat_heartbeat", "schedule": 60.0} in schedule.values()
