"""Idempotent POSTs: the same `Idempotency-Key` and body return the original response.

The key is claimed by inserting an IdempotencyRecord in the same transaction as the work
itself. A second request with the same key at the same moment blocks on the unique index
until the first commits, then replays its stored response — so one order is created, never
two. A refusal (400 invalid input, 409 business rule) is an answer too: the work rolls back,
and the refusal is kept under the key in a transaction of its own, so a retry with the same
key gets the same refusal (API.md: "returns the original response (same status and body)");
a new attempt takes a new key. Nothing is kept when the request fails otherwise
(authentication, not found, a crash): a retry runs again.
"""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.db import connection, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from oms.api.errors import problem, problem_exception_handler
from oms.models import ApiClient, IdempotencyRecord

HEADER = "Idempotency-Key"
# Refusals replayed like a success: what the request's data and the business rules decided.
KEPT_REFUSALS = {400, 409}
KEEP_FOR = timedelta(hours=48)
MAX_KEY_LENGTH = 255
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")

# "module.qualname" of every function wrapped by `idempotent`, for `runs_idempotently`.
_IDEMPOTENT_FUNCTIONS: set[str] = set()


def request_fingerprint(request: Request) -> str:
    """A hash of what the client asked for: method, path and the body as canonical JSON.

    A form or multipart body counts as its fields (a multipart body's boundary differs on
    every retry), an uploaded file as its name and a hash of its content.
    """
    if (request.content_type or "").startswith(FORM_TYPES):
        body = json.dumps(_form_fields(request.data), sort_keys=True)
    else:
        try:
            body = json.dumps(json.loads(request.body or b"null"), sort_keys=True)
        except (ValueError, UnicodeDecodeError):
            body = (request.body or b"").hex()
    raw = f"{request.method} {request.path.rstrip('/')} {body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _form_fields(data) -> dict[str, list[str]]:
    lists = data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
    return {
        key: [_file_digest(value) if hasattr(value, "chunks") else str(value) for value in values]
        for key, values in lists
    }


def _file_digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)  # the view reads it again
    return f"file:{upload.name}:{digest.hexdigest()}"


def _claim(client: ApiClient, key: str, request: Request, fingerprint: str) -> bool:
    """Insert the key's record unless the client used the key before; False if it did.

    ON CONFLICT DO NOTHING waits, like a unique violation, for a concurrent claim of the same
    key to commit or roll back, but needs no savepoint (two round trips fewer per POST).
    """
    meta = IdempotencyRecord._meta
    values = {
        "client": client.pk,
        "key": key,
        "method": request.method,
        "path": request.path,
        "request_hash": fingerprint,
        "created_at": timezone.now(),
    }
    fields = [meta.get_field(name) for name in values]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    target = ", ".join(quote(meta.get_field(name).column) for name in ("client", "key"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({target}) DO NOTHING",
            [field.get_db_prep_save(values[field.name], connection) for field in fields],
        )
        return cursor.rowcount == 1


def _store(client: ApiClient, key: str, response: Response) -> None:
    """Keep the response on the key's record, the body as the JSON the client receives.

    Written with the rendered text as it is: loading it to store it again through the
    JSONField cost a third of a millisecond on every order.
    """
    meta = IdempotencyRecord._meta
    quote = connection.ops.quote_name
    body = JSONRenderer().render(response.data).decode()
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    column = {
        name: quote(meta.get_field(name).column)
        for name in ("status_code", "response_body", "client", "key")
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {column['status_code']} = %s, "
            f"{column['response_body']} = %s{cast} "
            f"WHERE {column['client']} = %s AND {column['key']} = %s",
            [response.status_code, body, client.pk, key],
        )


def refusal_of(exc: Exception, request: Request) -> Response | None:
    """The problem answer the API gives for a refusal raised by the view (None: not one).

    A lost race of two state changes (ConcurrentTransition) is not kept: a retry may succeed.
    """
    if isinstance(exc, ConcurrentTransition):
        return None
    response = problem_exception_handler(exc, {"request": request})
    if response is not None and response.status_code in KEPT_REFUSALS:
        return response
    return None


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        return problem(
            422,
            "Idempotency key reused",
            f"The {HEADER} was used before with a different request.",
            code="idempotency-key-reused",
        )
    content_type = "application/problem+json" if record.status_code >= 400 else None
    response = Response(record.response_body, status=record.status_code, content_type=content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view):
    """Make a DRF POST handler honour the Idempotency-Key header (function or method view).

    Other methods of a view that also answers GET pass through untouched. The wrapped views
    are known to `runs_idempotently`, so the OpenAPI schema documents the header and the 422.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        request = args[0] if isinstance(args[0], Request) else args[1]
        key = request.headers.get(HEADER, "").strip()
        client = request.user
        if request.method != "POST" or not key or not isinstance(client, ApiClient):
            return view(*args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return problem(
                400,
                "Invalid input",
                f"{HEADER} is longer than {MAX_KEY_LENGTH}.",
                code="validation-error",
                errors=[{"attr": None, "code": "max_length", "detail": f"{HEADER} is too long."}],
            )
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            if not _claim(client, key, request, fingerprint):
                existing = IdempotencyRecord.objects.get(client=client, key=key)
                return _replay(existing, fingerprint)
            # Everything the view writes goes with the record: a view may skip savepoints.
            request.rolled_back_on_error = True
            try:
                response = view(*args, **kwargs)
            except Exception as exc:
                response = refusal_of(exc, request)
                if response is None:
                    raise
            if 200 <= response.status_code < 300:
                _store(client, key, response)
                return response
            transaction.set_rollback(True)  # the work goes; the refusal is kept below
        if response.status_code in KEPT_REFUSALS:
            with transaction.atomic():
                if _claim(client, key, request, fingerprint):
                    _store(client, key, response)
                else:  # a request with the key ran meanwhile: every caller gets its answer
                    existing = IdempotencyRecord.objects.get(client=client, key=key)
                    return _replay(existing, fingerprint)
        return response

    wrapper.idempotent = True
    _IDEMPOTENT_FUNCTIONS.add(f"{view.__module__}.{view.__qualname__}")
    return wrapper


def runs_idempotently(view_class: type, method: str) -> bool:
    """Whether a view's handler of `method` is wrapped by `idempotent` (for the schema)."""
    if getattr(getattr(view_class, method.lower(), None), "idempotent", False):
        return True
    # @api_view turns a function into a class with the function's module and name.
    return f"{view_class.__module__}.{view_class.__name__}" in _IDEMPOTENT_FUNCTIONS


def purge_expired_records(now=None) -> int:
    """Forget idempotency keys older than KEEP_FOR (the contract promises at least 24 h)."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
