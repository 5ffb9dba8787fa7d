"""In a real browser: an agent finds an order, cancels part of it, changes the address,
approves a held order, exchanges an item and gives a goodwill refund — each with its
confirmation step, and sees it on the timeline; a second agent on a stale page is told to
reload and changes nothing."""

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


def test_exchange_an_unshipped_item_for_another_size(login, make_order):
    order = make_order()
    line = order.lines.get(sku="TSHIRT-WHITE-M")
    page = login("agent")
    page.goto(f"/care/orders/{order.number}/")

    page.click('[data-action="exchange"]')
    expect(page.locator("#action-exchange")).to_be_visible()
    expect(page.locator("#id_line")).to_have_value(str(line.pk))
    page.fill("#id_quantity", "1")
    page.select_option("#id_sku", "TSHIRT-WHITE-L")
    page.fill("#id_reason", "too small")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Please confirm:")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Confirm")).click()

    expect(page.locator(".toast")).to_contain_text("Item exchanged")
    expect(page.locator('#lines tr[data-sku="TSHIRT-WHITE-L"] .qty-open')).to_have_text("1")
    expect(page.locator('#lines tr[data-sku="TSHIRT-WHITE-M"] .qty-cancelled')).to_have_text("1")
    exchanged = page.locator('#timeline [data-type="line_exchanged"]')
    expect(exchanged).to_contain_text("too small")
    expect(exchanged.locator(".badge")).to_have_text("Customer care")


def test_a_goodwill_refund_above_what_was_paid_is_refused_then_a_smaller_one_given(
    login, paid_order
):
    page = login("agent")
    page.goto(f"/care/orders/{paid_order.number}/")

    page.click('[data-action="goodwill"]')
    page.fill("#id_amount", "1000")
    page.fill("#id_reason", "late parcel")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#action-panel .inline-error").first).to_be_visible()
    expect(page.get_by_text("Please confirm:")).to_have_count(0)

    page.fill("#id_amount", "5.00")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Please confirm:")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Confirm")).click()

    expect(page.locator(".toast")).to_contain_text("5.00 EUR refunded")
    payment = page.locator("#payments tbody tr:not(.sub)").first
    expect(payment.locator("td").nth(4)).to_have_text("5.00")
    expect(page.locator("#payments tr.sub", has_text="Refund")).to_contain_text("5.00")
    expect(page.locator('#timeline [data-type="goodwill_refund"]')).to_contain_text("late parcel")


def test_an_agent_on_a_stale_page_is_told_to_reload(
    login, browser, live_server, demo_password, make_order
):
    order = make_order()
    line = order.lines.get(sku="TSHIRT-WHITE-M")
    first = login("agent")
    first.goto(f"/care/orders/{order.number}/")
    second_context = browser.new_context(locale="en-GB", base_url=live_server.url)
    second_context.set_default_timeout(10_000)
    try:
        second = second_context.new_page()
        second.goto("/login/")
        second.fill("#id_username", "agent")
        second.fill("#id_password", demo_password)
        with second.expect_navigation():
            second.click("button[type=submit]")
        second.goto(f"/care/orders/{order.number}/")
        second.click('[data-action="cancel"]')
        second.fill(f"#id_line_{line.pk}", "1")
        second.fill("#id_reason", "customer changed mind")
        second.get_by_role("button", name="Continue").click()
        expect(second.get_by_text("Please confirm:")).to_be_visible()

        first.click('[data-action="note"]')
        first.fill("#id_text", "Customer called about the delivery date")
        first.get_by_role("button", name="Continue").click()
        expect(first.get_by_text("Please confirm:")).to_be_visible()
        with first.expect_navigation():
            first.get_by_role("button", name=re.compile("^Confirm")).click()
        expect(first.locator(".toast")).to_contain_text("Note added")

        second.get_by_role("button", name=re.compile("^Confirm")).click()
        expect(second.locator("#action-panel .inline-error")).to_contain_text("changed meanwhile")
    finally:
        second_context.close()

    line.refresh_from_db()
    assert line.quantity_cancelled == 0
    assert not order.events.filter(type="lines_cancelled").exists()
    assert order.events.filter(type="note", channel="care").count() == 1
