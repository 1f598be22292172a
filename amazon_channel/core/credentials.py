"""A store whose stored credentials no configured key decrypts (the key was changed or lost).

Its sync and its updates to Amazon pause, once, with one line in the communication log saying why; every page still
loads (the fields read as blank, see crypto.UnreadableCredential) and shows a banner asking to re-enter the
credentials. Saving new secrets (or putting the old key back) resumes it.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ..crypto import credentials_readable, unreadable_credential_fields
from ..models import AmazonStore
from ..spapi import errors
from .communication import record_communication

OPERATION = "credentials"
CODE = "CredentialsUnreadable"


class CredentialsPaused(errors.AuthError):
    """The store's stored credentials can't be decrypted: nothing is sent to Amazon (never retried by the client)."""


def paused_reason(store: AmazonStore) -> str:
    fields = unreadable_credential_fields(store)
    names = ", ".join(str(AmazonStore._meta.get_field(name).verbose_name) for name in fields)
    return _(
        "The stored credentials (%(fields)s) can't be decrypted with the configured keys: the sync is paused until "
        "they are entered again on the store's page."
    ) % {"fields": names}


def pause_for_unreadable_credentials(*, store: AmazonStore) -> bool:
    """Pause the store's sync if a stored credential can't be decrypted; True when it is (or already was) paused.

    The conditional update makes it once: only the run that sets the timestamp writes the communication-log line.
    A store whose credentials read again (the old key came back) is resumed here.
    """
    if credentials_readable(store):
        if store.credentials_paused_at is not None:
            resume_after_credentials_fixed(store=store)
        return False
    now = timezone.now()
    if AmazonStore.objects.filter(pk=store.pk, credentials_paused_at__isnull=True).update(credentials_paused_at=now):
        record_communication(store=store, operation=OPERATION, code=CODE, message=paused_reason(store))
    store.credentials_paused_at = store.credentials_paused_at or now
    return True


def ensure_credentials_usable(*, store: AmazonStore) -> None:
    """Raise CredentialsPaused (after pausing the store) when its stored credentials can't be decrypted."""
    if store.pk and pause_for_unreadable_credentials(store=store):
        raise CredentialsPaused(operation=OPERATION, code=CODE, message=paused_reason(store))


def resume_after_credentials_fixed(*, store: AmazonStore) -> bool:
    """Clear the pause once every stored credential decrypts again; True when the store was paused."""
    if not credentials_readable(store):
        return False
    resumed = AmazonStore.objects.filter(pk=store.pk, credentials_paused_at__isnull=False).update(
        credentials_paused_at=None
    )
    store.credentials_paused_at = None
    return bool(resumed)


def needs_new_credentials(store: AmazonStore) -> bool:
    """What the store pages' banner asks: re-enter the credentials."""
    return store.credentials_paused_at is not None or not credentials_readable(store)
