"""In a real browser: each role logs in and lands on its page; the language switch works."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("username", "path", "heading"),
    [
        ("admin", "/admin/", "Configuration"),
        ("ops", "/dashboard/", "Operations dashboard"),
        ("agent", "/care/", "Customer care"),
        ("store", "/store/store-berlin-mitte/", "Filiale Berlin Mitte"),
        ("store2", "/store/", "Choose your store"),
        ("partner", "/partner/", "Partner portal"),
    ],
)
def test_each_role_lands_on_its_start_page(login, live_server, username, path, heading):
    page = login(username)

    assert page.url == f"{live_server.url}{path}"
    assert heading in page.locator("h1").first.inner_text()


def test_a_wrong_password_keeps_the_user_on_the_login_page(login):
    page = login("agent", "wrong-password")

    assert page.url.endswith("/login/")
    assert page.get_by_role("alert").is_visible()


def test_switching_to_german_translates_the_navigation(login):
    page = login("admin")
    page.goto("/care/")

    page.select_option("#language-select", "de")
    page.wait_for_function("document.documentElement.lang === 'de'")

    assert page.locator("html").get_attribute("lang") == "de"
    navigation = page.get_by_role("navigation").inner_text()
    assert "Kundenservice" in navigation
    assert "Customer care" not in navigation
    assert page.get_by_role("button", name="Abmelden").is_visible()


def test_arabic_turns_the_page_right_to_left(login):
    page = login("store2")

    page.select_option("#language-select", "ar")
    page.wait_for_function("document.documentElement.lang === 'ar'")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert re.search(r"/store/$", page.url)
