"""The admin shell: sign-in, staff only, 403 for a missing permission, the menu, money and badges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.urls import reverse

from admin_ui.formatting import format_money
from orders.tests.factories import grant, staff_user

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_the_login_page_and_back_after_signing_in(client):
    response = client.get(reverse("orders:order_grid") + "?q=100")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")

    staff_user("view_order", username="ops")
    response = client.post(
        reverse("login"), {"username": "ops", "password": "secret-pass-123", "next": "/sales/orders/?q=100"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/sales/orders/?q=100"
    assert client.get("/sales/orders/?q=100").status_code == 200


def test_login_page_renders_with_the_vendored_assets(client):
    html = client.get(reverse("login")).content.decode()
    assert "Welcome, please sign in" in html
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html
    assert "cdn" not in html.lower()


def test_wrong_password_shows_an_error(client):
    staff_user(username="ops")
    response = client.post(reverse("login"), {"username": "ops", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_a_non_staff_account_is_signed_out_with_a_403(client):
    user = get_user_model().objects.create_user("shopper", password="x-pass-123456")
    client.force_login(user)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 403
    assert "may not use the admin" in response.content.decode()
    # ... and the session is gone: the next page asks to sign in.
    assert client.get(reverse("dashboard:index")).status_code == 302


def test_missing_permission_is_a_403_page(client):
    client.force_login(staff_user())  # staff, no sales permission
    response = client.get(reverse("orders:order_grid"))
    assert response.status_code == 403
    assert 'data-testid="forbidden"' in response.content.decode()


def test_menu_shows_only_pages_the_user_may_open_and_marks_the_current_one(client):
    client.force_login(grant(staff_user("view_order"), "amazon_channel.view_amazonstore"))
    html = client.get(reverse("orders:order_grid")).content.decode()
    assert f'href="{reverse("orders:order_grid")}" class="active"' in html
    assert reverse("orders:invoice_grid") not in html  # no view_invoice permission
    assert reverse("dashboard:index") in html
    assert reverse("amazon_channel:store_list") in html
    assert reverse("amazon_channel:push_outbox") not in html  # no view_outboundupdate permission


def test_logout_is_a_post_and_ends_the_session(client):
    client.force_login(staff_user("view_order"))
    assert client.get(reverse("logout")).status_code == 405  # a link or a prefetch can't sign anyone out
    assert client.get(reverse("dashboard:index")).status_code == 200
    response = client.post(reverse("logout"))
    assert (response.status_code, response["Location"]) == (302, reverse("login"))
    assert client.get(reverse("dashboard:index")).status_code == 302


def test_static_files_are_served_without_debug(client, settings):
    settings.DEBUG = False
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1234.5"), "USD", "$1,234.50"),
        (Decimal("-3"), "EUR", "-€3.00"),
        (Decimal("1234.5"), "JPY", "¥1,235"),
        (Decimal("1.2345"), "KWD", "KWD 1.235"),
        (Decimal("0"), "CHF", "CHF 0.00"),
    ],
)
def test_money_uses_the_currency_symbol_and_places(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_status_badge_and_money_tags_render():
    html = Template("{% load admin_ui %}{% status_badge 'canceled' %} {% money 5 'USD' %}").render(Context())
    assert 'class="badge text-bg-danger status-badge"' in html
    assert "Canceled" in html
    assert "$5.00" in html
