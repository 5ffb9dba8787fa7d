"""Two requests with one Idempotency-Key at the same moment, the first refused (PostgreSQL)."""

import threading
import time

import pytest
from django.db import connection
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from oms.api.idempotency import idempotent
from oms.errors import DomainError
from oms.models import ApiClient, IdempotencyRecord, Shop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
runs: list[int] = []


@api_view(["POST"])
@idempotent
def flaky(request):
    runs.append(1)
    if len(runs) == 1:
        time.sleep(0.4)  # the second request waits for the key meanwhile
        raise DomainError("Out of stock.", code="insufficient-stock")
    return Response({"run": len(runs)}, status=201)


def test_every_caller_of_a_key_gets_the_answer_the_key_keeps(postgres_only):
    runs.clear()
    client = ApiClient.objects.create(
        name="race", scope="shop", shop=Shop.objects.get(code="de-web"), token_hash="r" * 64
    )
    answers: list = [None, None]

    def post(index: int) -> None:
        try:
            time.sleep(0.1 * index)  # the first claims the key, the second waits on it
            request = APIRequestFactory().post(
                "/things", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="race-key"
            )
            force_authenticate(request, user=client)
            response = flaky(request)
            answers[index] = (response.status_code, response.data)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    kept = IdempotencyRecord.objects.get(client=client, key="race-key")
    assert answers[0] == answers[1] == (kept.status_code, kept.response_body), answers
