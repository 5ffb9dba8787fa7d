"""What every operation of the OpenAPI schema shares, declared once instead of on each view.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) adds what
the API answers by convention (API.md, "Conventions") and makes every error response the
`Problem` component as application/problem+json (views name their error codes with a plain
`PROBLEM` description; the answers are problem+json):
- 401 on every operation that needs a bearer token, 403 where a client of another scope is
  refused;
- on every POST the optional `Idempotency-Key` header; under the idempotency wrapper the 422
  for a reused key and the 400 for a key that is too long;
- on every list (`page`, `page_size`) the 400 for a page that does not exist, and the pages'
  bounds.
"""

import re

from oms.api.idempotency import HEADER, MAX_KEY_LENGTH, runs_idempotently

PROBLEM_COMPONENT = "Problem"
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error as application/problem+json (RFC 9457).",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Validation errors, one per field (`attr` is null for the request).",
            "items": {
                "type": "object",
                "properties": {
                    "attr": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                },
                "required": ["attr", "code", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": (
        "Makes a retry safe: the same key with the same body returns the original response "
        "(status and body, header `Idempotent-Replayed: true`) and does nothing again; the "
        "same key with a different body answers 422. Keys are kept at least 24 hours."
    ),
}


def _problem_response(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": {"$ref": f"#/components/schemas/{PROBLEM_COMPONENT}"}
            }
        },
    }


def _needs_authentication(operation: dict) -> bool:
    # An empty requirement ({}) means the operation may be called without credentials.
    security = operation.get("security")
    return bool(security) and {} not in security


def _route(path: str) -> str:
    # The schema may name a path parameter differently from the URL pattern ({pk} -> {id}).
    return re.sub(r"\{[^}]*\}", "{}", path)


def postprocess_api_conventions(result: dict, generator, **kwargs) -> dict:
    """Add the 401, the Idempotency-Key header and the 422 where the API answers them."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        PROBLEM_COMPONENT, PROBLEM_SCHEMA
    )
    idempotent = {
        (_route(path), method.lower())
        for path, _regex, method, callback in generator.endpoints
        if method == "POST" and runs_idempotently(callback.cls, method)
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if _needs_authentication(operation):
                responses.setdefault(
                    "401", _problem_response("No valid bearer token (missing, unknown or revoked).")
                )
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(
                    parameter.get("in") == "header" and parameter.get("name") == HEADER
                    for parameter in parameters
                ):
                    parameters.append(IDEMPOTENCY_KEY_PARAMETER)
            if (_route(path), method) in idempotent:
                responses.setdefault(
                    "422", _problem_response(f"The {HEADER} was used before with another request.")
                )
                responses.setdefault("400", _problem_response("Invalid input."))
            if _needs_authentication(operation) and path.rstrip("/") != "/api/v1/me":
                responses.setdefault(
                    "403", _problem_response("This client's scope may not do this (or not here).")
                )
            if _bound_pages(operation):
                responses.setdefault(
                    "400", _problem_response("Invalid input, e.g. a page that does not exist.")
                )
            for code, response in responses.items():
                if code[0] in "45" and "application/problem+json" not in response.get(
                    "content", {}
                ):
                    responses[code] = _problem_response(response.get("description") or "Error.")
    return result


def _bound_pages(operation: dict) -> bool:
    """Give the list's page parameters their bounds; True when the operation is a list."""
    found = False
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        if parameter.get("name") == "page":
            parameter["schema"] = {"type": "integer", "minimum": 1}
            found = True
        elif parameter.get("name") == "page_size":
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 200}
    return found
