"""Shared fixtures: the demo data, role users, API clients per scope, a real browser.

The test database is seeded with the demo retailer once (see `django_db_setup`), so tests
can use the demo codes (de-web, wh-central, TSHIRT-WHITE-M, ...). A transactional test
(`transaction=True`, `live_server`) gets the demo data re-seeded, because every
transactional test empties the database when it ends.
"""

import os
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

# Property tests check correctness, not speed: on a shared 2-core machine one example took
# 393 ms against Hypothesis's default deadline of 200 ms and failed a green suite.
hypothesis_settings.register_profile("oms", deadline=None)
hypothesis_settings.load_profile("oms")

BROWSER_PATH = os.environ.get("OMS_TEST_BROWSER", "/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """Create the test database as usual, then load the demo retailer into it once."""
    from oms.demo import seed_all

    with django_db_blocker.unblock():
        seed_all()


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture
def committed_demo(transactional_db) -> None:
    """The demo data, committed, for tests that run outside a rolled-back transaction."""
    from oms.demo import seed_all
    from oms.models import User

    if not User.objects.filter(username="admin").exists():
        seed_all()


@pytest.fixture(autouse=True)
def _demo_in_transactional_tests(request: pytest.FixtureRequest) -> None:
    if _is_transactional(request):
        request.getfixturevalue("committed_demo")


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite does not lock rows")


# Users of the demo retailer, one per role -----------------------------------------------


@pytest.fixture
def demo_password() -> str:
    return settings.OMS_DEMO_PASSWORD


def _demo_user(username: str):
    from oms.models import User

    return User.objects.get(username=username)


@pytest.fixture
def admin_login(db):
    """The demo administrator (named so to leave pytest-django's admin_user alone)."""
    return _demo_user("admin")


@pytest.fixture
def agent_user(db):
    return _demo_user("agent")


@pytest.fixture
def store_user(db):
    """Store staff of store-berlin-mitte only."""
    return _demo_user("store")


@pytest.fixture
def store2_user(db):
    """Store staff of store-hamburg and store-koeln."""
    return _demo_user("store2")


@pytest.fixture
def ops_user(db):
    return _demo_user("ops")


@pytest.fixture
def partner_user(db):
    """A user of the partner moebelwerk (dropshipper ds-moebelwerk)."""
    return _demo_user("partner")


# API clients ---------------------------------------------------------------------------


def api_client_for(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def shop_api(db) -> APIClient:
    """The API as the web shop de-web sees it."""
    return api_client_for("demo-de-web")


@pytest.fixture
def system_api(db) -> APIClient:
    return api_client_for("demo-system")


@pytest.fixture
def partner_api(db) -> APIClient:
    """The API as the dropshipper moebelwerk sees it."""
    return api_client_for("demo-moebelwerk")


# A real browser (Playwright driving Debian's Chromium) ---------------------------------


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(BROWSER_PATH):
        pytest.skip(f"no browser at {BROWSER_PATH}: run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by test
    # code around it are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=BROWSER_PATH, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(locale="en-GB", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page, demo_password) -> Callable:
    """Log in through the login form as a demo user; return the page after the redirect."""

    def log_in(username: str, password: str | None = None):
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password or demo_password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        return page

    return log_in
