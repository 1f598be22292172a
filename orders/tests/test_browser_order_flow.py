"""The path an ops person takes, in a real browser: sign in, find an order, invoice, ship with two tracking
numbers, refund one item, and see the history and totals change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from admin_ui.testing import login
from orders.tests.factories import make_order, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invoice_ship_refund_from_the_order_page(browser_page, live_server):
    page = browser_page
    user = staff_user("all", username="ops")
    make_order(increment_id="000000050", customer_first_name="Someone", customer_last_name="Else")
    order = make_order(
        increment_id="000000077",
        customer_first_name="Veronica",
        customer_last_name="Costello",
        items=[("24-MB01", 1, "34.00", "3.40"), ("24-WG02", 2, "12.50", "2.50")],
        shipping="5.00",
    )

    login(page, live_server, user)
    # Sales -> Orders from the left menu; search by the order number.
    page.click("nav.admin-menu >> text=Orders")
    expect(page.locator("h1.page-title")).to_have_text("Orders")
    page.fill("[data-testid=grid-keyword]", "000000077")
    page.click("[data-testid=grid-search]")
    expect(page.locator("[data-testid=order-grid] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=grid-chips]")).to_contain_text("Keyword: 000000077")
    page.click("[data-testid=view-order]")
    expect(page.locator("h1.page-title")).to_have_text("# 000000077")
    expect(page.locator("[data-total=grand_total]")).to_have_text("$69.90")
    expect(page.locator("[data-testid=btn-creditmemo]")).to_have_count(0)

    # Invoice everything.
    page.click("[data-testid=btn-invoice]")
    expect(page.locator("h1.page-title")).to_have_text("New Invoice")
    page.fill("#id_comment", "Paid by check 1001")
    page.click("[data-testid=submit-action]")
    expect(page.locator("[data-testid=message-success]")).to_contain_text("has been created")
    expect(page.locator("[data-total=paid]")).to_have_text("$69.90")

    # Ship everything in two packages.
    page.click("[data-testid=btn-ship]")
    page.click("[data-testid=add-track]")
    page.click("[data-testid=add-track]")
    rows = page.locator("#tracking-rows tr")
    expect(rows).to_have_count(2)
    rows.nth(0).locator("[data-testid=track-carrier]").select_option("ups")
    expect(rows.nth(0).locator("[data-testid=track-title]")).to_have_value("UPS")  # filled from the carrier
    rows.nth(0).locator("[data-testid=track-number]").fill("1Z999AA10123456784")
    rows.nth(1).locator("[data-testid=track-carrier]").select_option("fedex")
    rows.nth(1).locator("[data-testid=track-number]").fill("449044304137821")
    page.click("[data-testid=submit-action]")
    expect(page.locator("[data-testid=message-success]")).to_contain_text("shipment")
    page.click("[data-testid=tab-shipments]")
    expect(page.locator("[data-testid=order-shipments]")).to_contain_text("1Z999AA10123456784")
    expect(page.locator("[data-testid=order-shipments]")).to_contain_text("449044304137821")

    # Refund one unit of the bag: the page recalculates before submitting.
    page.click("[data-testid=tab-info]")
    page.click("[data-testid=btn-creditmemo]")
    page.fill("[data-testid=qty-24-WG02]", "0")
    page.fill("[data-testid=refund_shipping]", "0")
    expect(page.locator("[data-testid=refund-grand-total]")).to_have_text("$37.40")
    page.fill("[data-testid=adjustment_fee]", "2")
    expect(page.locator("[data-testid=refund-grand-total]")).to_have_text("$35.40")
    page.click("[data-testid=submit-action]")
    expect(page.locator("[data-testid=message-success]")).to_contain_text("credit memo")
    expect(page.locator("[data-total=refunded]")).to_have_text("$35.40")

    # A comment, then the whole story in Comments History.
    page.fill("[data-testid=comment-text]", "Customer kept the watches")
    page.click("[data-testid=comment-submit]")
    expect(page.locator("[data-testid=tab-history]")).to_have_class(re.compile("active"))
    history = page.locator("[data-testid=comments-history]")
    for text in ("Invoice #", "Shipment #", "Credit Memo #", "Customer kept the watches", "ops"):
        expect(history).to_contain_text(text)

    order.refresh_from_db()
    assert str(order.total_refunded) == "35.40"
    assert order.state == "complete"  # all invoiced and shipped; partly refunded
