"""Fixtures shared by every app's tests.

In CI (CI=true) a test that needs a service, a browser or the official SP-API models fails when it is missing;
elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# The sandbox fixtures (sandbox_server, sandbox), the browser fixtures (browser_page, playwright_browser) and the
# fault-injection figures in the terminal summary.
pytest_plugins = ["seller_central_sandbox.pytest_plugin", "admin_ui.testing", "tests.faults.figures"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config) -> None:
    """The translations the tests read are those of the .po files now, also when pytest runs without dev.py."""
    if not hasattr(config, "workerinput"):  # once, in the controlling process
        import dev

        dev.build_messages()


def missing(reason: str) -> None:
    """Skip outside CI, fail in CI: nothing may be silently skipped there."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spapi_models_dir() -> Path:
    path = Path(settings.SPAPI_MODELS_DIR)
    if not (path / "orders_2026-01-01.json").is_file():
        missing(f"the official SP-API models are not at {path} (set SPAPI_MODELS_DIR)")
    return path


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not path:
        missing("Debian's chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        missing("REDIS_URL is not set")
    return url


@pytest.fixture(scope="session")
def redis_server_binary() -> str:
    """For tests that start (and kill) their own Redis rather than touch the shared one."""
    path = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if not path:
        missing("redis-server is not installed (apt-get install redis-server)")
    return path


@pytest.fixture
def postgres_only(settings) -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _no_kept_clients():
    """A worker keeps each store's client between import turns; a test starts and ends with none kept (its fake or
    sandbox is its own)."""
    from amazon_channel.core.client import forget_kept_clients

    forget_kept_clients()
    yield
    forget_kept_clients()
