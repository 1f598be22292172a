"""Playwright helpers for browser tests. The root conftest loads this module as a pytest plugin, so the fixtures
`browser_page` (a fresh 1280 px page) and `playwright_browser` (one chromium per test session) work everywhere.

    from admin_ui.testing import login

    @pytest.mark.browser
    @pytest.mark.django_db(transaction=True)
    def test_something(browser_page, live_server):
        login(browser_page, live_server, staff_user)
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

PASSWORD = "browser-pass-123"


@pytest.fixture(scope="session")
def playwright_browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(playwright_browser) -> Iterator:
    """A fresh page at 1280 × 900 (the width the admin must work at), failing fast instead of waiting 30 s."""
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def browser_page_in(playwright_browser) -> Iterator:
    """`browser_page_in("zh-TW")`: a fresh page whose browser speaks that language (Accept-Language, Intl)."""
    contexts = []

    def open_page(locale: str):
        context = playwright_browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()


def login(page, live_server, user, password: str = PASSWORD) -> None:
    """Sign in through the login form (the user's password must be `password`) and land on the dashboard."""
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    page.click("[data-testid=sign-in]")
    page.wait_for_selector("[data-testid=logout]")


def open_grid_filters(page) -> None:
    """Open a grid's filter panel and wait until Bootstrap has finished showing it: a filter picked or Apply clicked
    while the panel is still collapsing open can miss (the form then goes out without it)."""
    page.click("[data-testid=grid-filters-toggle]")
    page.wait_for_selector("#grid-filters.show:not(.collapsing)", state="visible")


def apply_grid_filters(page) -> None:
    """Press *Apply Filters* and wait for the filtered page to load."""
    with page.expect_navigation():
        page.click("[data-testid=grid-apply-filters]")
