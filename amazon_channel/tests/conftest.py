from __future__ import annotations

import pytest

from amazon_channel.tests.factories import AmazonStoreFactory
from orders.tests.factories import UserFactory


@pytest.fixture
def amazon_store(db):
    return AmazonStoreFactory()


@pytest.fixture
def staff(db):
    return UserFactory(username="ops")


@pytest.fixture
def admin_user_client(db, client):
    user = UserFactory(username="boss", is_superuser=True)
    client.force_login(user)
    client.user = user
    return client
