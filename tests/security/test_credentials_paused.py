"""A store whose stored credentials no key decrypts: its sync pauses once with the reason in the communication log,
every page showing the store loads with a banner asking to re-enter them, and saving new secrets resumes it."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings
from django.urls import reverse

from amazon_channel.core import client as clients
from amazon_channel.models import AmazonOrder, AmazonStore, CommunicationLog, OutboundUpdate
from amazon_channel.push.scheduling import deliver_update
from amazon_channel.spapi.ratelimit import NoPacing
from amazon_channel.sync import ImportRefused, ImportResult, import_orders, process_orders, recover_order
from amazon_channel.testing.amazon_orders import amazon_order
from amazon_channel.testing.factories import AmazonStoreFactory, store_form_data
from orders.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
BANNER = "Re-enter the credentials."


def keys(*values: str):
    return override_settings(CREDENTIALS_ENCRYPTION_KEYS=list(values))


@pytest.fixture
def sandbox_client(sandbox, settings, monkeypatch):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    real_client_for_store = clients.client_for_store

    def fast_client(store, **options):
        return real_client_for_store(store, rate_limiter=NoPacing(), sleep=lambda seconds: None, **options)

    monkeypatch.setattr(clients, "client_for_store", fast_client)
    return sandbox


def credential_lines(store: AmazonStore) -> list[CommunicationLog]:
    return list(CommunicationLog.objects.filter(store=store, code="CredentialsUnreadable"))


def test_the_sync_pauses_once_with_the_reason_and_new_secrets_resume_it(client, sandbox_client):
    with keys(OLD_KEY):
        store = AmazonStoreFactory()
    client.force_login(UserFactory(username="boss", is_superuser=True))
    edit = reverse("amazon_channel:store_edit", args=[store.pk])
    with keys(NEW_KEY):
        first = import_orders(store=AmazonStore.objects.get(pk=store.pk))
        second = import_orders(store=AmazonStore.objects.get(pk=store.pk))
        for result in (first, second):
            assert not result.ok and "can't be decrypted" in result.error
        # One line in the communication log, however many runs found it paused; no request reached Amazon.
        [line] = credential_lines(store)
        assert "LWA client secret, refresh token" in line.message and "sync is paused" in line.message
        paused = AmazonStore.objects.get(pk=store.pk)
        assert paused.credentials_paused_at is not None and paused.last_sync_ok is False
        with pytest.raises(ImportRefused, match="can't be decrypted"):
            recover_order(store=paused, amazon_order_id="111-0000000-0000000", actor=None)

        for url in (
            edit,
            reverse("amazon_channel:communication_log", args=[store.pk]),
            reverse("amazon_channel:store_order_grid", args=[store.pk]),
            reverse("dashboard:amazon_store", args=[store.pk]),
        ):
            page = client.get(url)
            assert page.status_code == 200 and BANNER in page.content.decode(), url
        listing = client.get(reverse("amazon_channel:store_list")).content.decode()
        assert 'data-testid="credentials-paused"' in listing

        # The merchant enters the secrets again on the store's page: saved, the pause is lifted, the sync runs.
        data = store_form_data(paused.commerce_store, name=paused.name)
        assert client.post(edit, data).status_code == 302
        resumed = AmazonStore.objects.get(pk=store.pk)
        assert resumed.credentials_paused_at is None
        assert resumed.client_secret == "sandbox-client-secret"
        assert BANNER not in client.get(edit).content.decode()
        assert import_orders(store=resumed).ok
        assert len(credential_lines(store)) == 1


def test_re_entering_only_one_of_two_unreadable_secrets_keeps_the_store_paused(client):
    with keys(OLD_KEY):
        store = AmazonStoreFactory()
    client.force_login(UserFactory(username="boss", is_superuser=True))
    edit = reverse("amazon_channel:store_edit", args=[store.pk])
    with keys(NEW_KEY):
        import_orders(store=AmazonStore.objects.get(pk=store.pk))
        data = store_form_data(store.commerce_store, name=store.name, refresh_token="")
        assert client.post(edit, data).status_code == 302
        assert AmazonStore.objects.get(pk=store.pk).credentials_paused_at is not None
        page = client.get(edit).content.decode()
        assert BANNER in page and 'name="refresh_token"' in page


def test_putting_the_old_key_back_resumes_the_sync(sandbox_client):
    with keys(OLD_KEY):
        store = AmazonStoreFactory()
    with keys(NEW_KEY):
        assert not import_orders(store=AmazonStore.objects.get(pk=store.pk)).ok
    with keys(NEW_KEY, OLD_KEY):
        assert import_orders(store=AmazonStore.objects.get(pk=store.pk)).ok
        assert AmazonStore.objects.get(pk=store.pk).credentials_paused_at is None


def test_an_update_to_amazon_waits_while_the_credentials_cant_be_decrypted():
    with keys(OLD_KEY):
        store = AmazonStoreFactory()
        process_orders(store=store, orders=[amazon_order()], actor=None, result=ImportResult(store_id=store.pk))
    amazon = AmazonOrder.objects.get()
    update = OutboundUpdate.objects.create(
        store=store, amazon_order=amazon, kind=OutboundUpdate.Kind.SHIPMENT, payload={"packages": []}
    )
    with keys(NEW_KEY):
        result = deliver_update(update_id=update.pk)
    assert "can't be decrypted" in result.message
    update.refresh_from_db()
    assert update.state == OutboundUpdate.State.PENDING and update.attempts == 0
    assert len(credential_lines(store)) == 1


def test_every_page_that_shows_a_store_loads_with_a_wrong_key(client):
    with keys(OLD_KEY):
        store = AmazonStoreFactory()
        process_orders(store=store, orders=[amazon_order()], actor=None, result=ImportResult(store_id=store.pk))
    amazon = AmazonOrder.objects.get()
    order_id = amazon.commerce_order_id
    client.force_login(UserFactory(username="boss", is_superuser=True))
    urls = [
        reverse("amazon_channel:store_list"),
        reverse("amazon_channel:store_add"),
        reverse("amazon_channel:store_edit", args=[store.pk]),
        reverse("amazon_channel:communication_log", args=[store.pk]),
        reverse("amazon_channel:store_order_grid", args=[store.pk]),
        reverse("amazon_channel:order_grid"),
        reverse("amazon_channel:order_detail", args=[amazon.pk]),
        reverse("amazon_channel:push_outbox"),
        reverse("orders:order_grid"),
        reverse("orders:order_view", args=[order_id]),
        reverse("orders:shipment_new", args=[order_id]),
        reverse("dashboard:index"),
        reverse("dashboard:order_search") + "?q=" + amazon.amazon_order_id,
        reverse("dashboard:amazon_store", args=[store.pk]),
        reverse("dashboard:amazon_store_sync_status", args=[store.pk]),
    ]
    with keys(NEW_KEY):
        for url in urls:
            assert client.get(url, follow=True).status_code == 200, url
        # ... and the store's page takes new secrets.
        data = store_form_data(store.commerce_store, name=store.name)
        assert client.post(reverse("amazon_channel:store_edit", args=[store.pk]), data).status_code == 302
        assert AmazonStore.objects.get(pk=store.pk).refresh_token == "Atzr|sandbox-refresh-token"
