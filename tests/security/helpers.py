"""Shared by the security tests: the environment of a production process."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Everything config/settings.py reads that this suite or the developer's shell may have set.
SETTINGS_ENV = [
    "DJANGO_DEBUG",
    "DJANGO_DEMO",
    "DJANGO_SECRET_KEY",
    "DJANGO_SECRET_KEY_FALLBACKS",
    "SELLER_CENTRAL_SANDBOX_URL",
    "SPAPI_ENDPOINT_NA",
    "SPAPI_ENDPOINT_EU",
    "SPAPI_ENDPOINT_FE",
    "LWA_ENDPOINT",
    "CREDENTIALS_ENCRYPTION_KEY",
    "CREDENTIALS_ENCRYPTION_KEYS",
    "DJANGO_SECURE_PROXY_SSL_HEADER",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_HSTS_SECONDS",
]


# A production process started by a test gets a database and cache of its own (SQLite under its APP_VAR_DIR), and
# none of what the test run itself sets (the browser tests let the ORM run beside Playwright's event loop).
PROCESS_ENV = ["DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"]


def production_env(**env: str) -> dict[str, str]:
    """The environment of a production process: this one's, less every setting, with a strong secret key."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV and k not in PROCESS_ENV}
    return {**clean, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **env}
