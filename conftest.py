"""Fixtures shared by every app's tests.

In CI (CI=true) a test that needs a service, a browser or the official SP-API models fails when it is missing;
elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# The sandbox fixtures (sandbox_server, sandbox) and the browser fixtures (browser_page, playwright_browser).
pytest_plugins = ["seller_central_sandbox.pytest_plugin", "admin_ui.testing"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


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


@pytest.fixture
def postgres_only(settings) -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing("needs PostgreSQL (set DATABASE_URL)")


# The fault suite's figures (tests/faults/conftest.py `figures`). The hook lives here: under xdist the controlling
# process never loads a sub-directory's conftest when the whole suite runs, and the figures went unprinted.
FAULT_FIGURES_PROPERTY = "fault_figures"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    rows = []
    for key in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(key, []):
            if getattr(report, "when", "call") != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == FAULT_FIGURES_PROPERTY:
                    rows.append((report.nodeid, report.outcome, value))
    if not rows:
        return
    terminalreporter.section("fault-injection figures")
    for nodeid, outcome, value in sorted(rows):
        counts = ", ".join(f"{k}={v}" for k, v in json.loads(value).items())
        terminalreporter.write_line(f"{nodeid.split('::', 1)[-1]} [{outcome}]: {counts}")
