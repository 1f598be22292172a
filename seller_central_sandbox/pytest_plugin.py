"""Fixtures: `sandbox_server` (one sandbox per test session) and `sandbox` (reset before each test).

Configure the reset with a marker: `@pytest.mark.sandbox(orders=50, rate_limits=True, time_scale=100)`.
By default each test starts from seed 42 with no orders and rate limits off, and fails if the sandbox sent
a response that breaks the official models.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .testing import SandboxHandle, start_sandbox

DEFAULT_RESET = {"seed": 42, "orders": 0, "rate_limits": False, "time_scale": 1.0}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox(**reset): how the `sandbox` fixture resets the Seller Central sandbox")


def _models_dir(request: pytest.FixtureRequest) -> Path | None:
    try:
        return request.getfixturevalue("spapi_models_dir")  # the root conftest's: skips (or fails in CI) if missing
    except pytest.FixtureLookupError:
        return None


@pytest.fixture(scope="session")
def sandbox_server(request: pytest.FixtureRequest) -> Iterator[SandboxHandle]:
    with start_sandbox(models_dir=_models_dir(request), strict=True) as handle:
        yield handle


@pytest.fixture
def sandbox(sandbox_server: SandboxHandle, request: pytest.FixtureRequest) -> Iterator[SandboxHandle]:
    marker = request.node.get_closest_marker("sandbox")
    sandbox_server.control.reset(**{**DEFAULT_RESET, **(marker.kwargs if marker else {})})
    yield sandbox_server
    problems = sandbox_server.sandbox.schema_errors
    if problems:
        pytest.fail(f"the sandbox sent responses that break the SP-API models: {problems[:3]}", pytrace=False)
