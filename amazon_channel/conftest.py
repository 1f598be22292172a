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
