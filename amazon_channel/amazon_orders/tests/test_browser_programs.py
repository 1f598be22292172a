"""All Orders in a real browser: program and ship-by badges, and the Program and Ship By filters with their chips."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from admin_ui.testing import apply_grid_filters, login, open_grid_filters
from amazon_channel.models import AmazonOrder
from amazon_channel.testing.amazon_orders import amazon_order, imported
from orders.tests.factories import grant, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_badges_and_program_and_ship_by_filters(browser_page, live_server, amazon_store):
    page = browser_page
    prime, business = amazon_order(), amazon_order()
    imported(amazon_store, prime, business)
    AmazonOrder.objects.filter(amazon_order_id=prime.order_id).update(programs=["PRIME", "PREMIUM"])
    AmazonOrder.objects.filter(amazon_order_id=business.order_id).update(
        programs=["AMAZON_BUSINESS"], latest_ship_date=timezone.now() - timedelta(hours=2)
    )
    login(page, live_server, grant(staff_user("all", username="ops"), "amazon_channel.view_amazonorder"))
    page.goto(live_server.url + reverse("amazon_channel:order_grid"))

    rows = page.locator("[data-testid=amazon-orders] tbody tr")
    expect(rows).to_have_count(2)
    late_row = page.locator(f"tr[data-order='{business.order_id}']")
    expect(late_row.locator("[data-testid=ship-by-badge]")).to_have_text("Late")
    expect(late_row.locator("[data-program=AMAZON_BUSINESS]")).to_have_text("Business")
    expect(page.locator(f"tr[data-order='{prime.order_id}'] [data-program=PRIME]")).to_have_text("Prime")

    open_grid_filters(page)
    page.select_option("#f-program", "PRIME")
    apply_grid_filters(page)
    expect(rows).to_have_count(1)
    expect(page.locator(f"tr[data-order='{prime.order_id}']")).to_be_visible()
    expect(page.locator("[data-testid=grid-chips]")).to_contain_text("Program: Prime")

    page.goto(live_server.url + reverse("amazon_channel:order_grid") + "?ship_by=late")
    expect(rows).to_have_count(1)
    expect(late_row).to_be_visible()
    expect(page.locator("[data-testid=grid-chips]")).to_contain_text("Ship By: Late")
