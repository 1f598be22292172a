"""Fixtures of every Amazon channel test (the kit behind them: amazon_channel/testing/)."""

from __future__ import annotations

import pytest

from amazon_channel.testing.factories import AmazonStoreFactory
from amazon_channel.testing.fake_amazon import FakeAmazon, use_fake_amazon
from orders.tests.factories import UserFactory


@pytest.fixture
def amazon_store(db):
    return AmazonStoreFactory()


@pytest.fixture
def unpaced_sandbox(sandbox, settings, monkeypatch):
    """Every store talks to the Seller Central sandbox over HTTP, with the client's pacing and retry sleeps off (the
    tests that measure pacing build their own clients)."""
    from amazon_channel.core import client as clients
    from amazon_channel.spapi.ratelimit import NoPacing

    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    real_client_for_store = clients.client_for_store

    def fast_client(store, **options):
        return real_client_for_store(store, rate_limiter=NoPacing(), sleep=lambda seconds: None, **options)

    monkeypatch.setattr(clients, "client_for_store", fast_client)
    return sandbox


@pytest.fixture
def fake_amazon(monkeypatch) -> FakeAmazon:
    """Every store's SP-API client is this fake for the test."""
    return use_fake_amazon(monkeypatch, FakeAmazon())


@pytest.fixture
def staff(db):
    return UserFactory(username="ops")


@pytest.fixture
def admin_user_client(db, client):
    user = UserFactory(username="boss", is_superuser=True)
    client.force_login(user)
    client.user = user
    return client
