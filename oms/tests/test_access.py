"""Each role lands on its own start page and sees only what it may."""

import pytest
from django.contrib.auth.models import Group

from oms import roles

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("username", "start_page"),
    [
        ("admin", "/admin/"),
        ("ops", "/dashboard/"),
        ("agent", "/care/"),
        ("store", "/store/"),
        ("store2", "/store/"),
        ("partner", "/partner/"),
        ("returns", "/returns/desk/"),
    ],
)
def test_login_sends_each_role_to_its_start_page(client, demo_password, username, start_page):
    response = client.post("/login/", {"username": username, "password": demo_password})
    assert response.status_code == 302

    response = client.get(response.url)

    assert response.status_code == 302
    assert response.url == start_page


def test_a_user_without_role_is_told_so(client, django_user_model):
    user = django_user_model.objects.create_user("newbie", password="x")
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 403
    assert b"No role assigned" in response.content


def test_a_guest_is_sent_to_the_login(client):
    response = client.get("/care/")

    assert response.status_code == 302
    assert response.url.startswith("/login/?next=/care/")


def test_a_store_user_of_one_store_goes_straight_to_its_queue(client, store_user):
    client.force_login(store_user)

    response = client.get("/store/")

    assert response.status_code == 302
    assert response.url == "/store/store-berlin-mitte/"
    assert client.get(response.url).status_code == 200


def test_a_store_user_of_several_stores_picks_one(client, store2_user):
    client.force_login(store2_user)

    response = client.get("/store/")

    assert response.status_code == 200
    assert [store.code for store in response.context["stores"]] == ["store-hamburg", "store-koeln"]


@pytest.mark.parametrize("code", ["store-hamburg", "store-muenchen", "wh-central", "nowhere"])
def test_a_store_user_cannot_open_another_stores_page(client, store_user, code):
    client.force_login(store_user)

    response = client.get(f"/store/{code}/")

    assert response.status_code == 404
    assert b"Hamburg" not in response.content


@pytest.mark.parametrize("path", ["/admin/", "/admin/oms/country/", "/admin/oms/apiclient/"])
@pytest.mark.parametrize("username", ["agent", "ops", "store", "partner"])
def test_only_administrators_see_the_admin_configuration(client, demo_password, username, path):
    client.login(username=username, password=demo_password)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
    assert client.get(path, follow=True).context["request"].path == "/admin/login/"


@pytest.mark.parametrize(
    ("username", "forbidden"),
    [
        ("partner", ["/care/", "/store/", "/dashboard/"]),
        ("agent", ["/store/", "/partner/", "/dashboard/"]),
        ("store", ["/care/", "/partner/", "/dashboard/"]),
        ("ops", ["/care/", "/store/", "/partner/"]),
    ],
)
def test_each_role_is_refused_the_other_roles_screens(client, demo_password, username, forbidden):
    client.login(username=username, password=demo_password)

    assert [client.get(path).status_code for path in forbidden] == [403] * len(forbidden)


def test_the_administrator_may_open_every_screen(client, admin_login):
    client.force_login(admin_login)

    for path in ["/care/", "/dashboard/", "/partner/", "/store/store-muenchen/", "/admin/"]:
        assert client.get(path).status_code == 200, path


def test_the_navigation_shows_only_the_roles_screens(client, agent_user):
    client.force_login(agent_user)

    response = client.get("/care/")

    labels = [str(label) for label, _url in response.context["nav_items"]]
    assert labels == ["Customer care"]


def test_the_role_groups_exist_with_their_permissions():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}

    assert set(roles.ROLE_PERMISSIONS) <= set(groups)
    agent_permissions = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in groups[roles.CARE_AGENT].permissions.select_related("content_type")
    }
    assert "inventory.view_product" in agent_permissions
    assert "inventory.change_product" not in agent_permissions
    assert groups[roles.ADMINISTRATOR].permissions.count() > len(agent_permissions)


def test_only_the_demo_administrator_is_staff(django_user_model):
    staff = set(django_user_model.objects.filter(is_staff=True).values_list("username", flat=True))

    assert staff == {"admin"}
