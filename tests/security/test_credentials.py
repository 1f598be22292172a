"""Amazon credentials at rest: key rotation, and a credential no key decrypts never breaks a page or a save."""

from __future__ import annotations

import pickle

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models.functions import Cast
from django.test import override_settings
from django.urls import reverse

from amazon_channel.crypto import (
    UnreadableCredential,
    credentials_readable,
    is_unreadable,
    unreadable_credential_fields,
)
from amazon_channel.models import AmazonOrder, AmazonStore
from amazon_channel.stores.services import save_amazon_store
from amazon_channel.sync import ImportResult, process_orders
from amazon_channel.testing.amazon_orders import amazon_order
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
SECRET = "sandbox-client-secret"
TOKEN = "Atzr|sandbox-refresh-token"


def keys(*values: str):
    return override_settings(CREDENTIALS_ENCRYPTION_KEYS=list(values))


def stored_tokens(store: AmazonStore) -> tuple[str, str]:
    """The raw database values, not the field's decrypted ones."""
    raw = {"secret": Cast("client_secret", models.TextField()), "token": Cast("refresh_token", models.TextField())}
    row = AmazonStore.objects.filter(pk=store.pk).annotate(**raw).values("secret", "token").get()
    return row["secret"], row["token"]


def opens_with(key: str, token: str) -> str:
    return Fernet(key.encode()).decrypt(token.encode()).decode()


# --- The field ---------------------------------------------------------------------------------------------------


def test_a_changed_key_reads_as_unreadable_instead_of_raising():
    with keys(OLD_KEY):
        store = AmazonStoreFactory()
        assert credentials_readable(AmazonStore.objects.get(pk=store.pk))
    with keys(NEW_KEY):
        loaded = AmazonStore.objects.get(pk=store.pk)
        assert loaded.client_secret == "" and not loaded.client_secret
        assert is_unreadable(loaded.client_secret) and is_unreadable(loaded.refresh_token)
        assert not credentials_readable(loaded)
        assert unreadable_credential_fields(loaded) == ["client_secret", "refresh_token"]
        # values() goes through the same field, so list pages and exports don't break either.
        assert is_unreadable(AmazonStore.objects.values_list("client_secret", flat=True).get(pk=store.pk))


def test_blank_credentials_are_readable():
    store = AmazonStoreFactory(client_secret="", refresh_token="")
    loaded = AmazonStore.objects.get(pk=store.pk)
    assert credentials_readable(loaded) and loaded.client_secret == ""


def test_saving_a_store_keeps_an_unreadable_token_as_stored_so_the_old_key_still_opens_it():
    with keys(OLD_KEY):
        store = AmazonStoreFactory()
    before = stored_tokens(store)
    with keys(NEW_KEY):
        loaded = AmazonStore.objects.get(pk=store.pk)
        loaded.name = "Renamed"
        loaded.save()
        assert stored_tokens(store) == before
    with keys(OLD_KEY):
        back = AmazonStore.objects.get(pk=store.pk)
        assert (back.name, back.client_secret, back.refresh_token) == ("Renamed", SECRET, TOKEN)


def test_new_secrets_save_over_unreadable_ones():
    with keys(OLD_KEY):
        store = AmazonStoreFactory()
    with keys(NEW_KEY):
        loaded = AmazonStore.objects.get(pk=store.pk)
        data = {"client_secret": "new-secret", "refresh_token": ""}  # the form's blank = keep the stored one
        save_amazon_store(store=loaded, data=data, actor=None)
        again = AmazonStore.objects.get(pk=store.pk)
        assert again.client_secret == "new-secret"
        assert unreadable_credential_fields(again) == ["refresh_token"]
        save_amazon_store(store=again, data={"refresh_token": "Atzr|new"}, actor=None)
        assert credentials_readable(AmazonStore.objects.get(pk=store.pk))
    assert opens_with(NEW_KEY, stored_tokens(store)[1]) == "Atzr|new"


def test_the_unreadable_marker_survives_pickling_and_says_nothing_secret():
    marker = UnreadableCredential("gAAAA-token")
    copy = pickle.loads(pickle.dumps(marker))
    assert is_unreadable(copy) and copy.token == "gAAAA-token" and copy == ""
    assert "gAAAA" not in repr(marker) and str(marker) == ""


# --- Keys: newest encrypts, every one decrypts ---------------------------------------------------------------------


def test_the_newest_key_encrypts_and_older_ones_still_decrypt():
    with keys(OLD_KEY):
        old = AmazonStoreFactory()
    with keys(NEW_KEY, OLD_KEY):
        new = AmazonStoreFactory()
        assert AmazonStore.objects.get(pk=old.pk).client_secret == SECRET
        assert AmazonStore.objects.get(pk=new.pk).client_secret == SECRET
    assert opens_with(NEW_KEY, stored_tokens(new)[0]) == SECRET
    assert opens_with(OLD_KEY, stored_tokens(old)[0]) == SECRET


def test_credentials_encrypted_with_the_secret_key_default_stay_readable_once_keys_are_configured(settings):
    settings.CREDENTIALS_ENCRYPTION_KEYS = []
    store = AmazonStoreFactory()  # the default: a key derived from SECRET_KEY
    settings.CREDENTIALS_ENCRYPTION_KEYS = [NEW_KEY]
    assert AmazonStore.objects.get(pk=store.pk).client_secret == SECRET
    # ... and from a previous SECRET_KEY listed in SECRET_KEY_FALLBACKS.
    settings.CREDENTIALS_ENCRYPTION_KEYS = []
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test"
    assert AmazonStore.objects.get(pk=store.pk).client_secret == SECRET
    settings.SECRET_KEY_FALLBACKS = []
    assert not credentials_readable(AmazonStore.objects.get(pk=store.pk))


# --- Rotation --------------------------------------------------------------------------------------------------------


def test_rotate_credentials_key_reencrypts_every_credential_with_the_newest_key(capsys):
    with keys(OLD_KEY):
        stores = [AmazonStoreFactory(), AmazonStoreFactory(refresh_token="")]
    with keys(NEW_KEY, OLD_KEY):
        call_command("rotate_credentials_key")
    assert "Re-encrypted 3 credential(s) of 2 row(s) with the newest key (1 blank)." in capsys.readouterr().out
    with keys(NEW_KEY):  # the old key is gone
        first, second = (AmazonStore.objects.get(pk=s.pk) for s in stores)
        assert (first.client_secret, first.refresh_token) == (SECRET, TOKEN)
        assert (second.client_secret, second.refresh_token) == (SECRET, "")
    assert opens_with(NEW_KEY, stored_tokens(stores[0])[1]) == TOKEN


def test_rotation_changes_nothing_when_a_credential_cant_be_decrypted():
    with keys(OLD_KEY):
        good = AmazonStoreFactory()
    with keys(Fernet.generate_key().decode()):
        lost = AmazonStoreFactory()  # encrypted with a key nobody has any more
    before = {s.pk: stored_tokens(s) for s in (good, lost)}
    refused = pytest.raises(CommandError, match=rf"Nothing was changed: 2 stored credential.*AmazonStore {lost.pk}")
    with keys(NEW_KEY, OLD_KEY), refused:
        call_command("rotate_credentials_key")
    assert {s.pk: stored_tokens(s) for s in (good, lost)} == before


def test_rotation_can_leave_unreadable_credentials_for_the_merchant_to_reenter(capsys):
    with keys(OLD_KEY):
        good = AmazonStoreFactory()
    with keys(Fernet.generate_key().decode()):
        lost = AmazonStoreFactory()
    lost_before = stored_tokens(lost)
    with keys(NEW_KEY, OLD_KEY):
        call_command("rotate_credentials_key", "--skip-unreadable")
    out = capsys.readouterr().out
    assert "Re-encrypted 2 credential(s) of 2 row(s)" in out
    assert f"Left 2 unreadable credential(s) as they were: amazon_channel.AmazonStore {lost.pk} client_secret" in out
    assert stored_tokens(lost) == lost_before
    with keys(NEW_KEY):
        assert AmazonStore.objects.get(pk=good.pk).client_secret == SECRET


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_store_and_amazon_order_pages_load_with_an_unreadable_credential(client):
    with keys(OLD_KEY):
        store = AmazonStoreFactory()
        process_orders(store=store, orders=[amazon_order()], actor=None, result=ImportResult(store_id=store.pk))
    amazon = AmazonOrder.objects.get()
    client.force_login(UserFactory(username="boss", is_superuser=True))
    urls = [
        reverse("amazon_channel:store_list"),
        reverse("amazon_channel:store_edit", args=[store.pk]),
        reverse("amazon_channel:communication_log", args=[store.pk]),
        reverse("amazon_channel:store_order_grid", args=[store.pk]),
        reverse("amazon_channel:order_grid"),
        reverse("amazon_channel:order_detail", args=[amazon.pk]),
        reverse("amazon_channel:push_outbox"),
        reverse("orders:order_view", args=[amazon.commerce_order_id]),
        reverse("dashboard:index"),
        reverse("dashboard:amazon_store", args=[store.pk]),
    ]
    with keys(NEW_KEY):
        for url in urls:
            assert client.get(url).status_code == 200, url
        # The store page is where the merchant enters the credentials again.
        page = client.get(reverse("amazon_channel:store_edit", args=[store.pk])).content.decode()
        assert 'name="client_secret"' in page and 'name="refresh_token"' in page
