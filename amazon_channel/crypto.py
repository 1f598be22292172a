"""Encryption at rest for Amazon credentials (client secret, refresh token).

The key comes from CREDENTIALS_ENCRYPTION_KEY (a Fernet key); without it one is derived from SECRET_KEY, so a
database dump alone never reveals a credential.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@cache
def _fernet(key_material: str, secret_key: str) -> Fernet:
    if key_material:
        return Fernet(key_material.encode())
    derived = hashlib.sha256(("amazon-channel-credentials:" + secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    return _fernet(settings.CREDENTIALS_ENCRYPTION_KEY, settings.SECRET_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.CREDENTIALS_ENCRYPTION_KEY, settings.SECRET_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("A stored Amazon credential can't be decrypted: was the encryption key changed?") from exc


class EncryptedTextField(models.TextField):
    """Stores the Fernet token; Python code sees the plain text."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(value)
