"""In a real browser: an agent finds an order, cancels part of it, changes the address and
approves a held order — each with its confirmation step, and sees it on the timeline."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_open_and_partly_cancel_an_order(login, make_order):
    order = make_order(customer={"email": "browser-cancel@example.com", "last_name": "Clicker"})
    line = order.lines.get(sku="TSHIRT-WHITE-M")
    page = login("agent")

    page.fill("#id_q", "clicker")
    page.select_option("#id_field", "name")
    page.click("button.primary")
    expect(page).to_have_url(re.compile(r"q=clicker"))
    page.get_by_role("link", name=order.number).click()
    page.click('[data-action="cancel"]')
    page.fill(f"#id_line_{line.pk}", "1")
    page.fill("#id_reason", "customer changed mind")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Please confirm:")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Confirm")).click()

    expect(page.locator(".toast")).to_contain_text("Cancelled")
    expect(page.locator('#lines tr[data-sku="TSHIRT-WHITE-M"] .qty-cancelled')).to_have_text("1")
    expect(page.locator('#timeline [data-type="lines_cancelled"]')).to_contain_text(
        "customer changed mind"
    )


def test_change_the_delivery_address(login, make_order):
    order = make_order()
    page = login("agent")
    page.goto(f"/care/orders/{order.number}/")

    page.click('[data-action="address"]')
    page.fill("#id_street", "Jungfernstieg 9")
    page.fill("#id_postcode", "20354")
    page.fill("#id_city", "Hamburg")
    page.fill("#id_reason", "moved last week")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name=re.compile("^Confirm")).click()

    expect(page.locator("#shipping-address")).to_contain_text("Jungfernstieg 9")
    expect(page.locator('#timeline [data-type="shipping_address_changed"]')).to_be_visible()


def test_an_invalid_address_is_refused_inline(login, make_order):
    order = make_order()
    page = login("agent")
    page.goto(f"/care/orders/{order.number}/")

    page.click('[data-action="address"]')
    page.fill("#id_postcode", "1")
    page.fill("#id_reason", "typo")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name=re.compile("^Confirm")).click()

    expect(page.locator("#action-panel .inline-error").first).to_be_visible()
    expect(page.locator("#shipping-address")).to_contain_text("Unter den Linden 1")


def test_approve_a_held_order_from_the_review_queue(login, held_order):
    page = login("agent")
    page.goto("/care/review/")

    row = page.locator("#review-queue tr", has_text=held_order.number)
    row.get_by_role("button", name="Approve").click()
    page.fill("#id_reason", "verified by phone")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name=re.compile("^Confirm")).click()

    expect(page.locator(".toast")).to_contain_text("Order approved")
    expect(page).to_have_url(re.compile(r"/care/review/$"))
    expect(page.locator("#review-queue", has_text=held_order.number)).to_have_count(0)
