"""Errors raised outside DRF still answer application/problem+json with a useful detail."""

import pytest
from django.core.exceptions import PermissionDenied

from oms.api.errors import problem_exception_handler

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("exc", "detail"),
    [
        (PermissionDenied("Only your own shop."), "Only your own shop."),
        (PermissionDenied(), "You do not have permission to perform this action."),
    ],
    ids=["with a reason", "without"],
)
def test_a_django_permission_denied_answers_403_keeping_its_reason(exc, detail):
    response = problem_exception_handler(exc, {})

    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert response.data["detail"] == detail
    assert response.data["type"].endswith("/permission-denied")


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/delivery-orders/abc/accept", "/api/v1/orders/x/y/z"]
)
def test_a_path_no_endpoint_matches_answers_problem_json_under_api(client, path):
    response = client.post(path, {}, content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_a_missing_page_outside_the_api_stays_html(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_server_error_under_the_api_answers_problem_json(rf):
    from oms.api.errors import server_error

    response = server_error(rf.get("/api/v1/orders"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
