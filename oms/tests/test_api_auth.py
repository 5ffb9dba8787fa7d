import pytest
from django.core.management import call_command

from conftest import api_client_for
from oms.models import ApiClient, Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop() -> Shop:
    return Shop.objects.get(code="de-web")


def test_a_shop_token_identifies_its_shop(shop):
    client = ApiClient(name="web", scope=ApiClient.Scope.SHOP, shop=shop)
    token = client.issue_token()
    client.save()

    response = api_client_for(token).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json() == {"name": "web", "scope": "shop", "shop": "de-web", "partner": None}


def test_a_system_token_is_bound_to_nothing(system_api):
    response = system_api.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "name": "demo-system",
        "scope": "system",
        "shop": None,
        "partner": None,
    }


def test_a_partner_token_identifies_its_partner(partner_api):
    assert partner_api.get("/api/v1/me").json()["partner"] == "moebelwerk"


def test_the_demo_shop_token_works(shop_api):
    assert shop_api.get("/api/v1/me").json()["shop"] == "de-web"


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


def test_a_malformed_authorization_header_gets_401():
    client = api_client_for("x")
    client.credentials(HTTP_AUTHORIZATION="Token demo-de-web")

    assert client.get("/api/v1/me").status_code == 401


def test_a_revoked_token_gets_401(shop):
    client = ApiClient(name="web", scope=ApiClient.Scope.SHOP, shop=shop)
    token = client.issue_token()
    client.save()
    assert api_client_for(token).get("/api/v1/me").status_code == 200

    from oms.services import api_clients_revoke

    api_clients_revoke(clients=ApiClient.objects.filter(pk=client.pk))

    assert api_client_for(token).get("/api/v1/me").status_code == 401
    client.refresh_from_db()
    assert client.revoked_at is not None


def test_create_api_client_prints_a_token_that_works(capsys):
    call_command("create_api_client", "erp", "--partner", "moebelwerk")

    token = capsys.readouterr().out.strip()
    response = api_client_for(token).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["scope"] == "partner"
    assert response.json()["partner"] == "moebelwerk"
