"""The OpenAPI schema documents the conventions every operation shares (API.md)."""

import pytest
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(client) -> dict:
    return client.get("/api/schema/?format=json").json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", method, operation


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_every_post_declares_the_optional_idempotency_key_and_the_422(schema):
    posts = [(name, op) for name, method, op in operations(schema) if method == "post"]

    assert posts
    for name, operation in posts:
        headers = {
            parameter["name"]: parameter
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "header"
        }
        assert headers.get("Idempotency-Key", {}).get("required") is False, name
        assert "422" in operation["responses"], name


def test_every_authenticated_operation_documents_the_401_problem(schema):
    for name, _method, operation in operations(schema):
        assert operation["security"] == [{"bearerAuth": []}], name
        assert "401" in operation["responses"], name
    unauthorized = schema["paths"]["/api/v1/orders/{number}/"]["get"]["responses"]["401"]
    assert list(unauthorized["content"]) == ["application/problem+json"]
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders/",
        "/api/v1/stock/",
        "/api/v1/carriers/",
        "/api/v1/delivery-orders/",
        "/api/v1/returns/",
        "/api/v1/transfers/",
    ],
)
def test_every_list_is_described_as_the_page_it_answers(schema, path):
    operation = schema["paths"][path]["get"]

    parameters = {parameter["name"] for parameter in operation.get("parameters", [])}
    assert {"page", "page_size"} <= parameters
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["results"]["type"] == "array"


def test_every_error_answer_is_described_as_problem_json(schema):
    for name, _method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code[0] in "45":
                content = response.get("content", {})
                assert list(content) == ["application/problem+json"], (name, code)


def test_lists_bound_their_pages_and_document_the_400(schema):
    operation = schema["paths"]["/api/v1/orders/"]["get"]

    bounds = {
        p["name"]: p["schema"] for p in operation["parameters"] if p["name"].startswith("page")
    }
    assert bounds["page"]["minimum"] == 1
    assert (bounds["page_size"]["minimum"], bounds["page_size"]["maximum"]) == (1, 200)
    assert "400" in operation["responses"]
