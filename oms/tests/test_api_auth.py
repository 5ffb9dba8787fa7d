import pytest
from django.utils import timezone

from conftest import api_client_for
from oms.models import ApiClient, Country, Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop() -> Shop:
    country = Country.objects.create(code="DE", name="Deutschland", currency="EUR")
    return Shop.objects.create(
        code="de-web", name="DE Web", country=country, channel="web", currency="EUR"
    )


def test_a_shop_token_identifies_its_shop(shop):
    client = ApiClient(name="web", scope=ApiClient.Scope.SHOP, shop=shop)
    token = client.issue_token()
    client.save()

    response = api_client_for(token).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json() == {"name": "web", "scope": "shop", "shop": "de-web", "partner": None}


def test_the_token_is_stored_only_as_a_hash(shop):
    client = ApiClient(name="web", scope=ApiClient.Scope.SHOP, shop=shop)
    token = client.issue_token()
    client.save()

    assert token not in client.token_hash
    assert not ApiClient.objects.filter(token_hash=token).exists()


def test_no_token_gets_401_as_problem_json():
    response = api_client_for("").get("/api/v1/me/")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 401


def test_a_wrong_token_gets_401():
    assert api_client_for("oms_not-a-token").get("/api/v1/me").status_code == 401


def test_a_revoked_token_gets_401(shop):
    client = ApiClient(name="web", scope=ApiClient.Scope.SHOP, shop=shop)
    token = client.issue_token()
    client.save()
    client.is_active = False
    client.revoked_at = timezone.now()
    client.save()

    assert api_client_for(token).get("/api/v1/me").status_code == 401
