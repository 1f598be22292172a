"""Fixtures of the fault-injection suite; its figures (faults injected, orders, updates, duplicates, losses) are
printed by tests/faults/figures.py."""

from __future__ import annotations

import json

import pytest

from amazon_channel.core import client as clients
from amazon_channel.core.communication import record_communication_error
from amazon_channel.models import AmazonStore
from amazon_channel.spapi.ratelimit import NoPacing
from amazon_channel.testing.factories import AmazonStoreFactory

from .figures import FIGURES_PROPERTY


@pytest.fixture
def figures(record_property):
    """`figures(faults=.., orders=.., duplicates=0, losses=0)`: shown in the run's summary."""

    def record(**counts: int) -> None:
        record_property(FIGURES_PROPERTY, json.dumps(counts, sort_keys=True))

    return record


@pytest.fixture
def sandbox_endpoints(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return sandbox


@pytest.fixture
def import_client_options(monkeypatch):
    """The import's client never sleeps between its own retries and times out fast (the `slow` fault)."""
    options: dict = {}  # SpApiConfig options a test sets, e.g. read_timeout

    def fast_client(store, **extra):
        return fast_client_for(store, **options)

    monkeypatch.setattr(clients, "client_for_store", fast_client)
    return options


@pytest.fixture
def import_store(sandbox_endpoints, import_client_options) -> AmazonStore:
    return AmazonStoreFactory()


def fast_client_for(store: AmazonStore, **config_options):
    """The store's client (errors to its communication log) that never waits for pacing or between retries."""
    from amazon_channel.spapi import SpApiClient, SpApiConfig

    def on_error(operation: str, exc: BaseException) -> None:
        record_communication_error(store=store.pk, operation=operation, exc=exc)

    return SpApiClient(
        SpApiConfig.for_store(store, **config_options),
        rate_limiter=NoPacing(),
        sleep=lambda seconds: None,
        on_error=on_error,
    )


def ledger_faults(sandbox, operation: str | None = None) -> int:
    """How many requests the sandbox answered with an injected fault."""
    return sum(1 for entry in sandbox.control.ledger(operation) if entry.get("fault"))


@pytest.fixture
def private_redis(redis_server_binary, tmp_path):
    """A Redis of this test's own (never the shared one on 6379, which other sessions use): `kill()`, `shutdown()`,
    `start()` again on the same port. Always stopped at the end, whatever the test did."""
    from .helpers import PrivateRedis

    server = PrivateRedis(redis_server_binary, tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()
