"""The Celery application: Redis broker in production, in-process (eager) in the demo."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")

app = Celery("oms", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(task=None, **kwargs) -> None:
    """Treat each task like a request: drop a broken or expired (CONN_MAX_AGE) connection.

    Celery's own Django fixup would close the connection around every task (settings
    `CELERY_DB_REUSE_MAX` turns that off), and a new PostgreSQL backend per task cost more
    CPU than the task itself.
    """
    from django.db import close_old_connections as close
    from django.db import connection

    if (task is not None and task.request.is_eager) or connection.in_atomic_block:
        return  # an eager task runs inside the caller's request or transaction
    close()
