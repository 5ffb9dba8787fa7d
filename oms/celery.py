"""The Celery application: Redis broker in production, in-process (eager) in the demo."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")

app = Celery("oms", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
