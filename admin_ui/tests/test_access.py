"""Sign-in: throttled per username + address, the standard password rules, and no cache keeps a signed-in page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from admin_ui.access import client_ip
from orders.tests.factories import staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # orders.tests.factories.UserFactory's


def sign_in(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_fifty_wrong_passwords_then_the_right_one_is_refused_with_a_lockout_message(client):
    staff_user(username="ops")
    for _ in range(50):
        sign_in(client, "ops", "guess")
    response = sign_in(client, "ops", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-in attempts." in page
    assert f"blocked for {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in page
    assert not signed_in(client)
    assert client.get(reverse("dashboard:index")).status_code == 302  # still asked to sign in


def test_the_lock_starts_after_a_handful_of_failures(client):
    staff_user(username="ops")
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "ops", "guess")
        assert response.status_code == 200, attempt
        assert "correct username and password" in response.content.decode()
    assert settings.AXES_FAILURE_LIMIT <= 5
    response = sign_in(client, "ops", "guess")
    assert response.status_code == 429 and 'data-testid="locked-out"' in response.content.decode()


def test_the_lock_holds_one_username_at_one_address(client):
    staff_user(username="ops")
    staff_user(username="other")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "ops", "guess")
    assert sign_in(client, "ops", PASSWORD).status_code == 429
    # The same account from another address, and another account from this one, still sign in.
    assert sign_in(client, "ops", PASSWORD, address="198.51.100.9").status_code == 302
    client.logout()
    assert sign_in(client, "other", PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(client):
    staff_user(username="ops")
    start = timezone.now()
    with freeze_time(start):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, "ops", "guess")
        assert sign_in(client, "ops", PASSWORD).status_code == 429
    with freeze_time(start + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        assert sign_in(client, "ops", PASSWORD).status_code == 302
        assert signed_in(client)


def test_a_successful_sign_in_clears_earlier_failures(client):
    staff_user(username="ops")
    for _ in range(2):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            sign_in(client, "ops", "guess")
        assert sign_in(client, "ops", PASSWORD).status_code == 302
        client.logout()


def test_behind_trusted_proxies_the_address_is_the_one_the_outermost_proxy_saw(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7, 10.0.0.1")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"  # the header is anyone's to write
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "203.0.113.7"  # "1.1.1.1" was made up by the client


@pytest.mark.parametrize(
    "password, rule",
    [
        ("short1!", "too short"),
        ("password123", "too common"),
        ("4815162342", "entirely numeric"),
        ("ops-example", "too similar"),
    ],
)
def test_the_standard_password_rules_apply(password, rule):
    user = staff_user(username="ops-example")
    with pytest.raises(ValidationError, match=rule):
        validate_password(password, user)
    validate_password("a-Long-unusual-passphrase-42", user)


def test_signed_in_pages_are_never_cached(client):
    client.force_login(staff_user("view_order"))
    for url in (reverse("dashboard:index"), reverse("orders:order_grid"), reverse("orders:order_grid") + "?export=csv"):
        cache_control = client.get(url).get("Cache-Control", "")
        assert "no-store" in cache_control and "private" in cache_control, url
