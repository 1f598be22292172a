from __future__ import annotations

import pytest

from orders.tests.factories import UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="ops", is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
