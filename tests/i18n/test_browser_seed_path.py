"""The seed's path (dashboard *Recent Orders* -> the Commerce order -> *Payment & Shipping Method* -> *View or Cancel
Amazon Order* -> cancel) in a real browser, in Traditional Chinese and in Dutch, with the seed's own words. A
screenshot per language goes to var/screenshots/ (CI keeps var/ as its artifact)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from admin_ui.models import AdminPreference
from admin_ui.testing import login
from amazon_channel.models import OutboundUpdate
from amazon_channel.testing.amazon_orders import Line, make_amazon_order
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

WORDS = {
    "zh-hant": {
        "recent": "最近訂單",
        "payment_shipping": "付款與送貨方式",
        "view_or_cancel": "檢視或取消Amazon訂單",
        "view_all": "檢視所有Amazon訂單",
        "order_details": "訂單詳細資料",
        "cancel_order": "取消訂單",
        "cancel_reason": "取消原因",
        "no_inventory": "無庫存",
        "confirm": "確定",
        "queued": "取消要求正在傳送至Amazon。",
        "status": "未出貨",
        "invoices": "發票",
        "credit_memos": "銷退折讓",
        "shipments": "出貨",
        "sign_out": "登出",
    },
    "nl": {
        "recent": "Recente bestellingen",
        "payment_shipping": "Betaling & verzendmethode",
        "view_or_cancel": "Amazon-bestelling bekijken of annuleren",
        "view_all": "Alle Amazon-bestellingen bekijken",
        "order_details": "Bestelgegevens",
        "cancel_order": "Bestelling annuleren",
        "cancel_reason": "Reden van annulering",
        "no_inventory": "Geen voorraad",
        "confirm": "OK",
        "queued": "Het annuleringsverzoek is onderweg naar Amazon.",
        "status": "Niet verzonden",
        "invoices": "Facturen",
        "credit_memos": "Creditnota's",
        "shipments": "Verzendingen",
        "sign_out": "Afmelden",
    },
}


@pytest.fixture
def amazon_order(db):
    store = AmazonStoreFactory(name="Amazon US")
    return make_amazon_order(store=store, lines=[Line(sku="24-WG02", qty=1, price=Decimal("1234.50"))])


def walk_the_seed_path(page, live_server, amazon_order, language: str) -> None:
    words = WORDS[language]
    order = amazon_order.commerce_order
    recent = page.locator("[data-testid=recent-orders]")
    assert words["recent"] in page.locator("#recent-heading").inner_text()
    recent.get_by_role("link", name=amazon_order.amazon_order_id).click()

    page.wait_for_url(f"**/sales/orders/{order.pk}/")
    assert words["payment_shipping"] in page.locator("#tab-info").inner_text()
    for tab in ("invoices", "credit_memos", "shipments"):
        assert words[tab] in page.locator(f"[data-testid=tab-{tab.replace('_', '')}]").inner_text()
    payment = page.locator("[data-testid=payment-method]")
    assert amazon_order.amazon_order_id in payment.inner_text()
    assert payment.get_by_role("link", name=words["view_all"]).count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"seed-path-{language}.png"), full_page=True)
    payment.get_by_role("link", name=words["view_or_cancel"]).click()

    page.wait_for_url(f"**/amazon/orders/{amazon_order.pk}/")
    assert words["order_details"] in page.locator("#order-details").inner_text()
    assert page.locator("#amazon-status").inner_text() == words["status"]
    cancel = page.locator("#cancel-order")
    assert words["cancel_order"] in cancel.locator("h2").inner_text()
    cancel.get_by_label(words["cancel_reason"]).select_option(label=words["no_inventory"])
    cancel.get_by_role("button", name=words["cancel_order"]).click()
    page.locator("[data-testid=confirm-ok]", has_text=words["confirm"]).click()
    page.get_by_text(words["queued"]).wait_for()
    page.screenshot(path=str(SCREENSHOTS / f"seed-path-{language}-cancel.png"), full_page=True)

    update = OutboundUpdate.objects.get(amazon_order=amazon_order, kind=OutboundUpdate.Kind.CANCEL)
    assert update.payload["reason"] == "NoInventory"


def test_the_seed_path_in_traditional_chinese_from_the_browser_language(live_server, browser_page_in, amazon_order):
    page = browser_page_in("zh-TW")
    login(page, live_server, UserFactory(username="merchant", is_superuser=True))
    assert page.locator("html").get_attribute("lang") == "zh-hant"
    assert page.locator("[data-testid=logout]").inner_text() == WORDS["zh-hant"]["sign_out"]
    walk_the_seed_path(page, live_server, amazon_order, "zh-hant")


def test_the_seed_path_in_dutch_chosen_in_the_header_and_remembered(live_server, browser_page_in, amazon_order):
    user = UserFactory(username="handelaar", is_superuser=True)
    page = browser_page_in("en-US")
    login(page, live_server, user)
    assert page.locator("#recent-heading").inner_text().startswith("Recent Orders")
    page.click("[data-testid=language-current]")
    page.click("[data-testid=language-nl]")
    page.locator("#recent-heading", has_text=WORDS["nl"]["recent"]).wait_for()
    assert AdminPreference.objects.get(user=user).language == "nl"

    # Another English browser later: the admin still speaks Dutch to this person.
    again = browser_page_in("en-US")
    login(again, live_server, user)
    assert again.locator("[data-testid=logout]").inner_text() == WORDS["nl"]["sign_out"]
    walk_the_seed_path(again, live_server, amazon_order, "nl")
