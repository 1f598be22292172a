"""Encryption at rest for Amazon credentials (client secret, refresh token).

The keys come from CREDENTIALS_ENCRYPTION_KEYS (Fernet keys, newest first): the newest encrypts, any of them decrypts,
so keys can be rotated (`manage.py rotate_credentials_key` re-encrypts everything with the newest). Keys derived from
SECRET_KEY (and SECRET_KEY_FALLBACKS) decrypt too, after them; without any configured key the SECRET_KEY-derived one
also encrypts. Either way a database dump alone never reveals a credential.

A stored token that no key opens (the key was changed or lost) is read as an `UnreadableCredential`: an empty string
to every page and form, so nothing breaks and nothing wrong is sent, that `credentials_readable` recognises, and that
is written back unchanged when the row is saved (restoring the old key opens it again). A newly entered secret simply
replaces it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast


class UnreadableCredential(str):
    """A stored credential no configured key decrypts: equal to "" and falsy, carrying the stored token."""

    token: str

    def __new__(cls, token: str) -> UnreadableCredential:
        value = super().__new__(cls, "")
        value.token = token
        return value

    def __repr__(self) -> str:
        return "UnreadableCredential()"

    def __reduce__(self):
        return (UnreadableCredential, (self.token,))


def _derived_key(secret_key: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(("amazon-channel-credentials:" + secret_key).encode()).digest())


@cache
def _multi_fernet(keys: tuple[str, ...], secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    ordered = [key.encode() for key in keys] + [_derived_key(s) for s in (secret_key, *fallbacks)]
    return MultiFernet([Fernet(key) for key in dict.fromkeys(ordered)])


def _fernet() -> MultiFernet:
    return _multi_fernet(
        tuple(settings.CREDENTIALS_ENCRYPTION_KEYS),
        settings.SECRET_KEY,
        tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())),
    )


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The plain text, or an `UnreadableCredential` when no configured key opens the token."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return UnreadableCredential(token)


def is_unreadable(value: object) -> bool:
    return isinstance(value, UnreadableCredential)


class EncryptedTextField(models.TextField):
    """Stores the Fernet token; Python code sees the plain text (or an `UnreadableCredential`)."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        if isinstance(value, UnreadableCredential):
            return value.token  # keep what is stored: the right key may come back
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(value)


def unreadable_credential_fields(instance: models.Model) -> list[str]:
    """Names of the instance's encrypted fields whose stored value no configured key decrypts."""
    return [
        f.name
        for f in instance._meta.concrete_fields
        if isinstance(f, EncryptedTextField) and is_unreadable(getattr(instance, f.attname))
    ]


def credentials_readable(instance: models.Model) -> bool:
    """False when a stored credential of this instance (e.g. an AmazonStore) can't be decrypted: the merchant must
    enter it again (or the old key be put back into CREDENTIALS_ENCRYPTION_KEYS)."""
    return not unreadable_credential_fields(instance)


# --- Key rotation --------------------------------------------------------------------------------------------------


class CredentialsUnreadable(Exception):
    def __init__(self, unreadable: list[str]) -> None:
        self.unreadable = unreadable
        super().__init__(", ".join(unreadable))


@dataclass
class RotationResult:
    rows: int = 0  # rows with at least one encrypted field
    reencrypted: int = 0  # credentials now encrypted with the newest key
    blank: int = 0  # encrypted fields with nothing stored
    unreadable: list[str] = field(default_factory=list)  # "<model> <pk> <field>" left as they were


def _encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields and not model._meta.proxy:
            found.append((model, fields))
    return found


def rotate_stored_credentials(*, skip_unreadable: bool = False) -> RotationResult:
    """Re-encrypt every stored credential with the newest key, in one transaction (rows locked meanwhile).

    A credential no key decrypts stops the rotation before anything is written (CredentialsUnreadable), unless
    `skip_unreadable`: then it is left as it is and listed in the result.
    """
    fernet = _fernet()
    result = RotationResult()
    with transaction.atomic():
        updates: list[tuple[type[models.Model], object, dict[str, str]]] = []
        for model, fields in _encrypted_fields():
            # Cast to a plain TextField: the raw tokens, not the field's decrypted values.
            raw = {f"raw_{f.attname}": Cast(f.attname, models.TextField()) for f in fields}
            rows = model._default_manager.select_for_update().order_by("pk").annotate(**raw).values("pk", *raw)
            for row in rows:
                result.rows += 1
                new_tokens = {}
                for f in fields:
                    token = row[f"raw_{f.attname}"]
                    if not token:
                        result.blank += 1
                        continue
                    try:
                        new_tokens[f.attname] = fernet.rotate(token.encode()).decode()
                    except InvalidToken:
                        result.unreadable.append(f"{model._meta.label} {row['pk']} {f.name}")
                if new_tokens:
                    updates.append((model, row["pk"], new_tokens))
        if result.unreadable and not skip_unreadable:
            raise CredentialsUnreadable(result.unreadable)
        for model, pk, tokens in updates:
            # Value with a plain TextField writes the token as is (the field itself would encrypt it again).
            values = {name: models.Value(token, output_field=models.TextField()) for name, token in tokens.items()}
            model._default_manager.filter(pk=pk).update(**values)
            result.reencrypted += len(tokens)
    return result
