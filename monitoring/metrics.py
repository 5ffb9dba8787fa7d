"""Prometheus metrics at `/metrics`: requests, Celery tasks, the queue, orders per state.

- Requests: counted and timed per view name, method and status by `MetricsMiddleware`.
- Celery tasks: durations and failures per task name from Celery's signals (connected when
  this module is imported, which the app config does).
- Queue length and orders per state: read at scrape time (`OmsCollector`), so they are
  always current and cost nothing between scrapes.

Several processes (gunicorn workers, Celery workers): set `PROMETHEUS_MULTIPROC_DIR` to a
directory shared by them (prometheus-client's multiprocess mode); `/metrics` then adds up
every process's counters.

Access: with `OMS_METRICS_TOKEN` set, only with `Authorization: Bearer <token>`; without
it, only from the machine itself (127.0.0.1 / ::1).
"""

import hmac
import os
import time
from collections.abc import Callable, Iterator

from celery import signals
from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "oms_http_requests", "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)  # fmt: skip
REQUEST_DURATION = Histogram(
    "oms_http_request_duration_seconds", "Time to answer an HTTP request, by view and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)  # fmt: skip
TASKS = Counter("oms_celery_tasks", "Celery tasks finished, by task and state.", ["task", "state"])
TASK_FAILURES = Counter("oms_celery_task_failures", "Celery tasks that raised, by task.", ["task"])
TASK_DURATION = Histogram(
    "oms_celery_task_duration_seconds", "Run time of Celery tasks, by task.", ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)  # fmt: skip

LOCALHOST = {"127.0.0.1", "::1"}


# Requests --------------------------------------------------------------------------------


class MetricsMiddleware:
    """Count and time every request under its view name (bounded: no raw paths)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unresolved"
        method = request.method if request.method in {"GET", "POST", "PUT", "PATCH",
                                                       "DELETE", "HEAD", "OPTIONS"} else "other"  # fmt: skip
        REQUEST_DURATION.labels(view, method).observe(time.perf_counter() - started)
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        return response


# Celery tasks ----------------------------------------------------------------------------

_task_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_prerun(task_id: str | None = None, **_kwargs) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_postrun(task_id: str | None = None, task=None, state: str | None = None, **_kw) -> None:
    started = _task_started.pop(task_id, None) if task_id else None
    name = getattr(task, "name", None) or "unknown"
    if started is not None:
        TASK_DURATION.labels(name).observe(time.perf_counter() - started)
    TASKS.labels(name, state or "UNKNOWN").inc()


@signals.task_failure.connect
def _task_failure(sender=None, **_kwargs) -> None:
    TASK_FAILURES.labels(getattr(sender, "name", None) or "unknown").inc()


# Read at scrape time ---------------------------------------------------------------------


def celery_queue_lengths() -> dict[str, int] | None:
    """Messages waiting per Celery queue (customer messages and jobs, routing; Redis only)."""
    if not settings.REDIS_URL:
        return None
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        return {queue: int(client.llen(queue)) for queue in settings.CELERY_TASK_QUEUES}
    finally:
        client.close()


class OmsCollector(Collector):
    """Gauges computed when Prometheus scrapes: orders per state and the queue length."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from orders.models import Order

        orders = GaugeMetricFamily("oms_orders", "Orders per state, now.", labels=["status"])
        counts = dict.fromkeys(Order.Status.values, 0)
        for row in Order.objects.order_by().values("status").annotate(count=Count("*")):
            counts[row["status"]] = row["count"]
        for status, count in counts.items():
            orders.add_metric([status], count)
        yield orders
        try:
            lengths = celery_queue_lengths()
        except Exception:  # an unreachable broker must not break the scrape
            lengths = None
        if lengths is not None:
            queues = GaugeMetricFamily(
                "oms_celery_queue_length", "Tasks waiting per Celery queue.", labels=["queue"]
            )
            for queue, length in lengths.items():
                queues.add_metric([queue], length)
            yield queues
        yield rollup_ages()
        yield from outbox_backlog()


def outbox_backlog() -> Iterator[GaugeMetricFamily]:
    """Per drain (oms/dispatch.py): how much waits and for how long the oldest has waited;
    and the customer messages given up after their last attempt.

    The drains' Celery queues stay nearly empty however far they fall behind (one task drains
    many rows), so these, not the queue lengths, show a backlog.
    """
    from fulfillment.services.release_queue import ROUTING_DRAIN, waiting_orders
    from orders.services.messages import MESSAGES_DRAIN, given_up_messages, waiting_messages

    waiting = GaugeMetricFamily(
        "oms_outbox_waiting", "Rows waiting for a drain (messages, orders).", labels=["drain"]
    )
    oldest = GaugeMetricFamily(
        "oms_outbox_oldest_seconds", "Seconds the oldest row has waited.", labels=["drain"]
    )
    now = timezone.now()
    for name, rows, since in (
        (MESSAGES_DRAIN, waiting_messages(), "created_at"),
        (ROUTING_DRAIN, waiting_orders(), "released_at"),
    ):
        found = rows.order_by().aggregate(count=Count("*"), first=Min(since))
        waiting.add_metric([name], found["count"])
        oldest.add_metric([name], (now - found["first"]).total_seconds() if found["first"] else 0)
    yield waiting
    yield oldest
    yield GaugeMetricFamily(
        "oms_messages_given_up",
        "Customer messages not sent after their last attempt (care can queue them again).",
        value=given_up_messages().count(),
    )


def rollup_ages() -> GaugeMetricFamily:
    """Seconds since each dashboard roll-up job last ran (absent before its first run).

    Beat runs them every minute; when they stop, the dashboard stays right but reads ever
    more from the records, so an alert on this catches it before the page slows down.
    """
    from monitoring.models import KeyFigureRollupState, StepRollupState

    ages = GaugeMetricFamily(
        "oms_rollup_age_seconds", "Seconds since a dashboard roll-up last ran.", labels=["rollup"]
    )
    now = timezone.now()
    for name, model in (("step_durations", StepRollupState), ("key_figures", KeyFigureRollupState)):
        state = model.objects.first()
        if state is not None:
            ages.add_metric([name], (now - state.refreshed_at).total_seconds())
    return ages


class _Delegate(Collector):
    """The process-wide registry's metrics inside a per-scrape registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator:
        return self.registry.collect()


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Delegate(REGISTRY))
    registry.register(OmsCollector())
    return registry


# The endpoint ----------------------------------------------------------------------------


def metrics_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "OMS_METRICS_TOKEN", "")
    if not token:
        return request.META.get("REMOTE_ADDR") in LOCALHOST
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        response = HttpResponse("Forbidden\n", status=403, content_type="text/plain")
        if getattr(settings, "OMS_METRICS_TOKEN", ""):
            response["WWW-Authenticate"] = "Bearer"
            response.status_code = 401
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
