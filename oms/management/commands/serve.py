"""Run the back office: web server, plus Celery worker and beat when Redis is configured."""

import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server (and a Celery worker and beat when REDIS_URL is set)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options) -> None:
        workers: list[subprocess.Popen] = []
        stop_beat = threading.Event()
        if settings.REDIS_URL:
            celery = [sys.executable, "-m", "celery", "-A", "oms"]
            workers.append(subprocess.Popen([*celery, "worker", "--loglevel=INFO"]))
            workers.append(subprocess.Popen([*celery, "beat", "--loglevel=INFO"]))
            mode = "PostgreSQL/Redis with a Celery worker and beat"
        else:
            from oms import embedded_beat

            embedded_beat.start(stop_beat)
            mode = "SQLite with tasks and periodic jobs run in-process"
        self.stdout.write(
            f"\nOMS is running on http://{addr}/ ({mode}).\n"
            f"Demo logins (password {settings.OMS_DEMO_PASSWORD!r}): admin, ops, agent, "
            "store, store2, partner, returns.\nAPI docs: "
            f"http://{addr}/api/docs/ — demo tokens: demo-de-web, demo-system.\n"
        )
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            stop_beat.set()
            for worker in workers:
                worker.terminate()
