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
