"""`/healthz`: is every component the system needs reachable, and is Celery beat ticking?

Each component is reported as `ok` or `error` (with the exception's class name only: messages
can carry host names or URLs with credentials). Any error makes the answer 503, so a load
balancer or an uptime probe can act on the status code alone. No authentication: the answer
says nothing a caller could use against the system.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BEAT_HEARTBEAT_KEY = "monitoring:beat-heartbeat"
# Beat runs the heartbeat every minute; three missed beats mean it has stopped.
BEAT_MAX_AGE = datetime.timedelta(minutes=3)
CACHE_PROBE_KEY = "monitoring:health-probe"


@dataclass(frozen=True)
class ComponentHealth:
    ok: bool
    details: dict[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"status": "ok" if self.ok else "error", **self.details}


def _failed(error: Exception) -> ComponentHealth:
    return ComponentHealth(False, {"error": type(error).__name__})


def check_database() -> ComponentHealth:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return ComponentHealth(True, {"vendor": connection.vendor})


def check_cache() -> ComponentHealth:
    stamp = timezone.now().isoformat()
    cache.set(CACHE_PROBE_KEY, stamp, timeout=60)
    if cache.get(CACHE_PROBE_KEY) != stamp:
        return ComponentHealth(False, {"error": "the value written could not be read back"})
    return ComponentHealth(True)


def _tasks_in_process() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER) or settings.CELERY_BROKER_URL.startswith(
        "memory://"
    )


def check_broker() -> ComponentHealth:
    if _tasks_in_process():
        return ComponentHealth(True, {"mode": "in-process"})
    from oms.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    return ComponentHealth(True)


def beat_heartbeat_write(*, now: datetime.datetime | None = None) -> None:
    """Record that beat is alive (a beat-scheduled task calls this every minute)."""
    cache.set(BEAT_HEARTBEAT_KEY, (now or timezone.now()).isoformat(), timeout=24 * 3600)


def check_beat(*, now: datetime.datetime | None = None) -> ComponentHealth:
    if _tasks_in_process():
        return ComponentHealth(True, {"mode": "in-process (no beat)"})
    now = now or timezone.now()
    raw = cache.get(BEAT_HEARTBEAT_KEY)
    last = parse_datetime(raw) if isinstance(raw, str) else None
    if last is None:
        return ComponentHealth(False, {"error": "no heartbeat recorded"})
    age = (now - last).total_seconds()
    details = {"last_heartbeat": last.isoformat(), "age_seconds": round(age)}
    if age > BEAT_MAX_AGE.total_seconds():
        return ComponentHealth(False, {**details, "error": "heartbeat too old"})
    return ComponentHealth(True, details)


CHECKS: dict[str, Callable[[], ComponentHealth]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "beat": check_beat,
}


def system_health() -> dict[str, ComponentHealth]:
    """Every component's health; a check that raises counts as that component being down."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # any failure is the answer, not a crash
            results[name] = _failed(error)
    return results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = system_health()
    healthy = all(result.ok for result in results.values())
    body = {
        "status": "ok" if healthy else "error",
        "components": {name: result.as_json() for name, result in results.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
