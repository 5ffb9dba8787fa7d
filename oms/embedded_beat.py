"""Periodic jobs without Redis: the demo's stand-in for Celery beat plus a worker.

With no broker configured, `manage.py serve` runs every CELERY_BEAT_SCHEDULE entry in a
background thread at its interval, in-process. Production runs `celery beat` instead.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from oms.celery import app

logger = logging.getLogger(__name__)


def due_entries(last_run: dict[str, float], now: float) -> list[str]:
    """The schedule entries whose interval has passed since they last ran."""
    due = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        interval = float(entry["schedule"])
        if now - last_run.get(name, float("-inf")) >= interval:
            due.append(name)
    return due


def run_due(last_run: dict[str, float], now: float) -> None:
    """Run the due jobs one after the other, in this thread."""
    app.loader.import_default_modules()
    for name in due_entries(last_run, now):
        last_run[name] = now
        task_name = settings.CELERY_BEAT_SCHEDULE[name]["task"]
        try:
            app.tasks[task_name].apply(throw=True)
        except Exception:  # one failing job must not stop the others
            logger.exception("Periodic job %s failed", task_name)


def start(stop: threading.Event, tick_seconds: float = 5.0) -> threading.Thread:
    """Run the beat schedule in a daemon thread until `stop` is set."""

    def loop() -> None:
        last_run: dict[str, float] = {}
        while not stop.wait(tick_seconds):
            run_due(last_run, time.monotonic())
            close_old_connections()

    thread = threading.Thread(target=loop, name="embedded-beat", daemon=True)
    thread.start()
    return thread
