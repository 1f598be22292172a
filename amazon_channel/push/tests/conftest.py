"""Fixtures of the push tests: a store, an imported Amazon order with two lines, and a fake Amazon that tests hand
to the delivery functions as their client."""

from __future__ import annotations

from decimal import Decimal

import pytest

from amazon_channel.testing.amazon_orders import Line, make_amazon_order
from amazon_channel.testing.factories import AmazonStoreFactory
from amazon_channel.testing.fake_amazon import FakeAmazon

D = Decimal


@pytest.fixture
def amazon() -> FakeAmazon:
    return FakeAmazon()


@pytest.fixture
def store(db):
    return AmazonStoreFactory(name="US Store")


@pytest.fixture
def amazon_order(store):
    return make_amazon_order(
        store=store,
        lines=[Line("MUG-1", 2, D("10.00"), tax=D("1.60")), Line("TEE-1", 1, D("20.00"), tax=D("1.60"))],
    )
