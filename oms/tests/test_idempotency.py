from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test.client import encode_multipart
from django.utils import timezone
from django_fsm import ConcurrentTransition
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from oms.api.idempotency import idempotent, purge_expired_records
from oms.errors import InvalidInput
from oms.models import ApiClient, IdempotencyRecord, Shop

pytestmark = pytest.mark.django_db
calls: list[dict] = []


@api_view(["POST"])
@idempotent
def create_thing(request):
    calls.append(request.data)
    if request.data.get("missing"):
        raise Http404
    if request.data.get("race"):
        raise ConcurrentTransition("Changed meanwhile.")
    if request.data.get("invalid"):
        raise InvalidInput([{"attr": "a", "code": "invalid", "detail": "No."}])
    if request.data.get("fail"):
        return Response({"detail": "no"}, status=409)
    return Response({"number": len(calls)}, status=201)


@pytest.fixture
def client() -> ApiClient:
    shop = Shop.objects.get(code="de-web")
    calls.clear()
    return ApiClient.objects.create(name="idem", scope="shop", shop=shop, token_hash="x" * 64)


def post(client: ApiClient, body: dict, key: str = "key-1"):
    request = APIRequestFactory().post("/things", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    force_authenticate(request, user=client)
    return create_thing(request)


def test_the_same_key_and_body_returns_the_original_response_and_does_nothing_again(client):
    first = post(client, {"a": 1})
    second = post(client, {"a": 1})

    assert first.status_code == second.status_code == 201
    assert second.data == {"number": 1}
    assert second["Idempotent-Replayed"] == "true"
    assert len(calls) == 1


def test_the_same_key_with_another_body_answers_422(client):
    post(client, {"a": 1})

    response = post(client, {"a": 2})

    assert response.status_code == 422
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("body", "status"), [({"fail": True}, 409), ({"invalid": True}, 400)], ids=["409", "400"]
)
def test_a_refusal_is_the_original_response_for_its_key(client, body, status):
    first = post(client, body)
    second = post(client, body)

    assert first.status_code == second.status_code == status
    assert second.data == first.data
    assert second["Idempotent-Replayed"] == "true"
    assert len(calls) == 1


@pytest.mark.parametrize("body", [{"missing": True}, {"race": True}], ids=["404", "lost race"])
def test_a_request_that_failed_otherwise_keeps_no_claim_so_a_retry_runs_again(client, body):
    post(client, body)
    post(client, body)

    assert len(calls) == 2
    assert not IdempotencyRecord.objects.filter(key="key-1").exists()


def test_keys_are_kept_a_day_and_purged_later(client):
    post(client, {"a": 1})
    record = IdempotencyRecord.objects.get(key="key-1")

    assert purge_expired_records(now=record.created_at + timedelta(hours=24)) == 0
    assert purge_expired_records(now=timezone.now() + timedelta(hours=49)) == 1


def test_a_get_with_an_idempotency_key_is_answered_and_claims_no_key(shop_api):
    response = shop_api.get("/api/v1/orders", HTTP_IDEMPOTENCY_KEY="get-key")

    assert response.status_code == 200
    assert not IdempotencyRecord.objects.filter(key="get-key").exists()


def test_a_multipart_retry_is_the_same_request(client):
    factory = APIRequestFactory()
    answers = []
    for boundary in ("first-boundary", "second-boundary"):  # as two real retries have
        request = factory.generic(
            "POST",
            "/things",
            encode_multipart(boundary, {"text": "hello"}),
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY="form-key",
        )
        force_authenticate(request, user=client)
        answers.append(create_thing(request))

    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert len(calls) == 1


def test_another_file_of_the_same_name_and_size_is_another_request(client):
    factory = APIRequestFactory()
    answers = []
    for content in (b"first", b"other"):
        upload = SimpleUploadedFile("note.txt", content)
        request = factory.post(
            "/things", {"file": upload}, format="multipart", HTTP_IDEMPOTENCY_KEY="file-key"
        )
        force_authenticate(request, user=client)
        answers.append(create_thing(request).status_code)

    assert answers == [201, 422]
