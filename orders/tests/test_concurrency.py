"""Concurrent submissions on PostgreSQL (SQLite does not lock rows)."""

import threading

import pytest
from django.db import connection

from conftest import api_client_for
from oms.models import IdempotencyRecord
from orders.models import Order
from orders.tests.conftest import order_body, set_stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(count: int, action) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = action(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_same_idempotency_key_at_the_same_moment_creates_one_order(postgres_only):
    set_stock("TSHIRT-WHITE-M", 100)
    set_stock("JEANS-BLUE-32", 100)
    body = order_body()

    def post(_index: int):
        response = api_client_for("demo-de-web").post(
            "/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="same-moment"
        )
        return response.status_code, response.json()

    results = run_at_once(6, post)

    assert {status for status, _ in results} == {201}
    assert len({answer["number"] for _, answer in results}) == 1
    assert Order.objects.filter(external_id=body["external_id"]).count() == 1


@pytest.mark.parametrize("with_keys", [False, True], ids=["no key", "a key each"])
def test_the_same_external_id_at_the_same_moment_creates_one_order(postgres_only, with_keys):
    set_stock("TSHIRT-WHITE-M", 100)
    set_stock("JEANS-BLUE-32", 100)
    body = order_body()

    def post(index: int):
        headers = {"HTTP_IDEMPOTENCY_KEY": f"same-moment-{index}"} if with_keys else {}
        return api_client_for("demo-de-web").post("/api/v1/orders", body, format="json", **headers)

    statuses = sorted(response.status_code for response in run_at_once(4, post))

    assert statuses == [201, 409, 409, 409]
    assert Order.objects.filter(external_id=body["external_id"]).count() == 1
    kept = IdempotencyRecord.objects.filter(key__startswith="same-moment-").count()
    assert kept == (4 if with_keys else 0)  # each key keeps its answer, refusals too
