"""Settings for the test suite: the same as production's, with a throwaway key, fast hashing and plain http.

Production's HTTPS settings (redirect, secure cookies, HSTS) are tested by tests/security, which loads
config/settings.py itself; here the test client and the live server speak http. The SP-API endpoints stay on the local
sandbox's default address unless a test points them at its own sandbox: a test never reaches Amazon.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("SELLER_CENTRAL_SANDBOX_URL", "http://127.0.0.1:8001")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AMAZON_FEED_GATHER_SECONDS = 0  # a test writes its updates, then asks for the feed at once (tests of gathering set it)
DASHBOARD_CACHE_SECONDS = 0  # tests assert fresh figures; dashboard/tests/test_caching.py tests the cache itself
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = False  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's default in-memory database: in SQLite's shared-cache memory mode a second connection (a
    # test's worker thread) fails at once with "database table is locked" instead of waiting for the lock, so the
    # tests that run two imports at once could not run on SQLite. Nothing waits for the disk here.
    # One file per test process, so two test runs of one checkout never share a database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"amazon-channel-test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        **DATABASES["default"]["OPTIONS"],  # noqa: F405
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
    }
