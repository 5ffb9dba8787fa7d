from datetime import timedelta

import pytest
from django.utils import timezone

from oms import embedded_beat
from oms.models import ApiClient, IdempotencyRecord

pytestmark = pytest.mark.django_db

SCHEDULE = {
    "purge": {"task": "oms.tasks.purge_idempotency_records", "schedule": 60.0},
    "hourly": {"task": "oms.tasks.purge_idempotency_records", "schedule": 3600.0},
}


def test_every_job_is_due_at_start_then_only_after_its_interval(settings):
    settings.CELERY_BEAT_SCHEDULE = SCHEDULE

    assert embedded_beat.due_entries({}, now=0.0) == ["purge", "hourly"]
    assert embedded_beat.due_entries({"purge": 0.0, "hourly": 0.0}, now=59.0) == []
    assert embedded_beat.due_entries({"purge": 0.0, "hourly": 0.0}, now=60.0) == ["purge"]


def test_a_due_job_runs_in_process(settings):
    # given an idempotency key older than its retention
    settings.CELERY_BEAT_SCHEDULE = {"purge": SCHEDULE["purge"]}
    client = ApiClient.objects.get(token_prefix="demo-sys")
    IdempotencyRecord.objects.create(
        client=client,
        key="old",
        method="POST",
        path="/x",
        request_hash="h",
        created_at=timezone.now() - timedelta(days=3),
    )
    last_run: dict[str, float] = {}

    # when the embedded scheduler ticks
    embedded_beat.run_due(last_run, now=100.0)

    # then the job ran and is not due again right away
    assert not IdempotencyRecord.objects.filter(key="old").exists()
    assert last_run == {"purge": 100.0}
