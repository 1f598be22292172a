"""The admin's language: the browser's by default, the person's own choice from the header's switch once made,
kept with their account (every browser they sign in from), at no cost per page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from admin_ui.languages import LanguageRefused, chosen_language, set_admin_language
from admin_ui.models import AdminPreference
from orders.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/"


def page(client: Client, url: str = DASHBOARD, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def merchant(client):
    user = UserFactory(username="merchant", is_superuser=True)
    client.force_login(user)
    return user


def test_the_browser_language_is_the_default(client, merchant):
    assert "最近訂單" in page(client, HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9")
    assert "Recente bestellingen" in page(client, HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9,en;q=0.5")
    html = page(client, HTTP_ACCEPT_LANGUAGE="en-US")
    assert "Recent Orders" in html and '<html lang="en">' in html


def test_the_switch_in_the_header_lists_every_language_in_its_own_name(client, merchant):
    html = page(client, HTTP_ACCEPT_LANGUAGE="nl")
    assert 'data-testid="language-switch"' in html
    for code, name in (("en", "English"), ("zh-hant", "繁體中文"), ("nl", "Nederlands")):
        assert f'value="{code}"' in html and name in html
    assert f'action="{reverse("admin_ui:set_language")}"' in html


def test_a_choice_is_kept_with_the_account_and_beats_the_browser(client, merchant):
    response = client.post(reverse("admin_ui:set_language"), {"language": "nl", "next": "/sales/orders/"})
    assert response.status_code == 302 and response["Location"] == "/sales/orders/"
    assert AdminPreference.objects.get(user=merchant).language == "nl"
    assert "Recente bestellingen" in page(client, HTTP_ACCEPT_LANGUAGE="zh-TW")

    elsewhere = Client()  # another browser, English, signing in later
    elsewhere.force_login(merchant)
    assert "Recente bestellingen" in page(elsewhere, HTTP_ACCEPT_LANGUAGE="en-US")


def test_someone_else_keeps_their_own_language(client, merchant):
    set_admin_language(user=merchant, language="nl", actor=merchant)
    other = Client()
    other.force_login(UserFactory(username="ops", is_superuser=True))
    assert "最近訂單" in page(other, HTTP_ACCEPT_LANGUAGE="zh-TW")


def test_a_language_the_admin_does_not_speak_is_refused_and_changes_nothing(client, merchant):
    client.post(reverse("admin_ui:set_language"), {"language": "zh-hant"})
    response = client.post(reverse("admin_ui:set_language"), {"language": "fr", "next": "/"}, follow=True)
    assert chosen_language(merchant) == "zh-hant"
    assert "管理後台不支援 fr。" in response.content.decode()
    with pytest.raises(LanguageRefused):
        set_admin_language(user=merchant, language="klingon", actor=merchant)
    assert chosen_language(merchant) == "zh-hant"


def test_the_switch_never_redirects_to_another_site(client, merchant):
    response = client.post(reverse("admin_ui:set_language"), {"language": "nl", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_sign_in_page_switches_for_this_browser_only(client):
    response = client.post(reverse("admin_ui:set_language"), {"language": "nl", "next": "/login/"})
    assert response.cookies["django_language"].value == "nl"
    assert "Welkom, meld u aan" in page(client, "/login/")
    assert AdminPreference.objects.count() == 0


def test_a_choice_costs_no_query_on_a_page(client, merchant):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client)
        return len(captured)

    before = queries()
    client.post(reverse("admin_ui:set_language"), {"language": "nl"})
    assert queries() == before
