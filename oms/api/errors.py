"""Every API error as application/problem+json (RFC 9457), validation errors with attrs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views import defaults
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from oms.errors import DomainError, InvalidInput

PROBLEM_TYPE = "https://oms.example/problems/"


def flatten_errors(detail, prefix: str = "") -> list[dict]:
    """Turn DRF's nested error detail into a flat list of {attr, code, detail}."""
    items: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            attr = f"{prefix}.{name}" if prefix and name else (name or prefix)
            items.extend(flatten_errors(value, attr))
    elif isinstance(detail, list):
        if all(isinstance(entry, exceptions.ErrorDetail | str) for entry in detail):
            for entry in detail:
                items.append(
                    {
                        "attr": prefix or None,
                        "code": getattr(entry, "code", "invalid"),
                        "detail": str(entry),
                    }
                )
        else:
            for index, entry in enumerate(detail):
                if entry:
                    items.extend(
                        flatten_errors(entry, f"{prefix}.{index}" if prefix else str(index))
                    )
    else:
        items.append(
            {
                "attr": prefix or None,
                "code": getattr(detail, "code", "invalid"),
                "detail": str(detail),
            }
        )
    return items


def problem_body(
    status_code: int, title: str, detail: str, *, code: str, errors: list[dict] | None = None
) -> dict:
    body = {"type": PROBLEM_TYPE + code, "title": title, "status": status_code, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def problem(
    status_code: int, title: str, detail: str, *, code: str, errors: list[dict] | None = None
) -> Response:
    body = problem_body(status_code, title, detail, code=code, errors=errors)
    return Response(body, status=status_code, content_type="application/problem+json")


def _plain_problem(status_code: int, title: str, detail: str, code: str) -> JsonResponse:
    """A problem answer from outside DRF (no endpoint matched, or the server failed)."""
    return JsonResponse(
        problem_body(status_code, title, detail, code=code),
        status=status_code,
        content_type="application/problem+json",
    )


def not_found(request, exception=None):
    """Django's 404 handler: problem+json under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return _plain_problem(404, "Not Found", "No such endpoint or object.", "not-found")
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Django's 500 handler: problem+json under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return _plain_problem(500, "Server Error", "The server failed; try again.", "server-error")
    return defaults.server_error(request)


def problem_exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        return problem(400, "Invalid input", exc.detail, code="validation-error", errors=exc.errors)
    if isinstance(exc, DomainError):
        return problem(409, "Conflict", exc.detail, code=exc.code, errors=exc.errors)
    if isinstance(exc, TransitionNotAllowed | ConcurrentTransition):
        return problem(
            409, "Conflict", str(exc) or "The state does not allow this.", code="illegal-state"
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # A service's reason tells the integrator what to change; without one, DRF's text.
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            400,
            "Invalid input",
            "The request is invalid.",
            code="validation-error",
            errors=flatten_errors(exc.detail),
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    titled = problem(
        response.status_code, response.status_text, str(detail), code=str(code).replace("_", "-")
    )
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            titled[header] = response[header]
    return titled


__all__ = ["not_found", "problem", "problem_exception_handler", "server_error", "status"]
