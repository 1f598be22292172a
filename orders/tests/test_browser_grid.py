"""The order grid and one-click actions in a real browser: filters and chips, mass actions, confirm dialogs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from admin_ui.testing import apply_grid_filters, login, open_grid_filters
from orders.models import Order
from orders.tests.factories import make_order, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_mass_hold_and_cancel_with_confirmation(browser_page, live_server):
    page = browser_page
    user = staff_user("all", username="ops")
    a = make_order(increment_id="G1", channel="amazon", external_order_number="113-1111111-1111111")
    b = make_order(increment_id="G2", channel="amazon", external_order_number="113-2222222-2222222")
    make_order(increment_id="G3")
    login(page, live_server, user)
    page.goto(f"{live_server.url}/sales/orders/")

    # Filter by channel in the filters panel; the chip shows it and the URL keeps it.
    open_grid_filters(page)
    page.select_option("#f-channel", "amazon")
    apply_grid_filters(page)
    expect(page.locator("[data-testid=order-grid] tbody tr")).to_have_count(2)
    expect(page.locator("[data-testid=grid-chips]")).to_contain_text("Channel: Amazon")
    assert "channel=amazon" in page.url

    # Select both rows and hold them.
    page.check("[data-select-all]")
    page.select_option("[data-testid=mass-action]", "hold")
    page.click("[data-testid=mass-action-submit]")
    expect(page.locator("[data-testid=message-success]")).to_contain_text("2 orders were put on hold.")
    assert "channel=amazon" in page.url  # back on the same filtered grid
    assert set(Order.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True)) == {"holded"}

    # Removing the chip shows every order again.
    page.click("[data-testid=chip-remove]")
    expect(page.locator("[data-testid=order-grid] tbody tr")).to_have_count(3)

    # Cancel from the order view asks first; dismissing the dialog changes nothing.
    page.goto(f"{live_server.url}/sales/orders/{a.pk}/")
    page.click("[data-testid=btn-unhold]")
    expect(page.locator("[data-testid=message-success]")).to_contain_text("released")
    page.click("[data-testid=btn-cancel]")
    expect(page.locator("#confirm-modal")).to_be_visible()
    page.click("[data-testid=confirm-cancel]")
    expect(page.locator("#confirm-modal")).to_be_hidden()
    assert Order.objects.get(pk=a.pk).state == "new"
    page.click("[data-testid=btn-cancel]")
    page.click("[data-testid=confirm-ok]")
    expect(page.locator("[data-testid=message-success]")).to_contain_text("You canceled the order.")
    expect(page.locator("[data-testid=order-status]")).to_contain_text("Canceled")
