"""Content-Security-Policy: scripts and styles from our own static files only. The templates carry no inline
script, event handler or style attribute, so the policy needs no 'unsafe-inline', and the pages still work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.template import engines
from django.urls import reverse
from playwright.sync_api import expect

from admin_ui.testing import login
from amazon_channel.models import AmazonOrder
from amazon_channel.sync import ImportResult, process_orders
from amazon_channel.testing.amazon_orders import amazon_order
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.tests.factories import UserFactory, make_order

ROOT = Path(__file__).resolve().parents[2]
# Emails are read in mail clients, which need inline styles and never see our headers.
NOT_SERVED = ("/email/",)
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on", re.I), "htmx inline handler"),
]


def served_templates() -> list[Path]:
    """The project's own templates (the layout's and each of our apps'), not installed packages'."""
    dirs = [Path(d) for d in engines["django"].engine.dirs]
    dirs += [Path(app.path) / "templates" for app in apps.get_app_configs()]
    found = []
    for d in dirs:
        if d.is_dir() and ROOT in d.resolve().parents and "site-packages" not in d.parts:
            found += [p for p in d.rglob("*.html") if not any(part in str(p) for part in NOT_SERVED)]
    return found


def test_no_served_template_has_inline_script_or_style():
    templates = served_templates()
    assert len(templates) > 20  # the walk found the apps' templates
    problems = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in templates
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert problems == []


@pytest.mark.django_db
def test_every_page_sends_a_policy_without_unsafe_inline(client):
    for response in (client.get(reverse("login")), client.get("/")):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert "unsafe" not in policy
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["default-src"] == ["'self'"]


# A listener the browser adds before any page script: every blocked script, style or handler is recorded.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile + ":" + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + where);
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_work_under_the_policy_in_a_browser(browser_page, live_server):
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    violations: list[str] = []

    def visit(path: str) -> None:
        page.goto(live_server.url + path)
        violations.extend(f"{path}: {v}" for v in page.evaluate("window.__cspViolations"))

    order = make_order(invoiced=True, items=[("SKU-A", 2, "10.00")], shipping="0.00")
    store = AmazonStoreFactory()
    process_orders(store=store, orders=[amazon_order()], actor=None, result=ImportResult(store_id=store.pk))
    amazon = AmazonOrder.objects.get()
    boss = UserFactory(username="boss", is_superuser=True)
    login(page, live_server, boss)

    visit("/")
    visit(reverse("orders:order_grid"))
    page.locator("[data-testid=grid-limit]").first.select_option("50")  # submits itself (admin.js)
    page.wait_for_url(re.compile(r"limit=50"))
    visit(reverse("orders:order_view", args=[order.pk]))
    visit(reverse("orders:creditmemo_new", args=[order.pk]))
    page.fill("[data-testid=qty-SKU-A]", "1")
    expect(page.locator("[data-testid=refund-grand-total]")).to_have_text("$10.00")  # recalculated on the page
    visit(reverse("orders:shipment_new", args=[order.pk]))
    page.click("[data-testid=add-track]")
    expect(page.locator("#tracking-rows tr")).to_have_count(1)
    visit(reverse("amazon_channel:store_edit", args=[store.pk]))
    visit(reverse("amazon_channel:order_detail", args=[amazon.pk]))
    page.locator("#cancel-order").get_by_role("button", name="Cancel Order").click()
    expect(page.locator("#confirm-modal-message")).to_have_text("Cancel this order on Amazon?")
    page.click("[data-testid=confirm-cancel]")
    visit(reverse("dashboard:amazon_store", args=[store.pk]))
    visit("/django-admin/")
    visit(f"/django-admin/auth/user/{boss.pk}/change/")
    violations.extend(page.evaluate("window.__cspViolations"))
    assert violations == []
