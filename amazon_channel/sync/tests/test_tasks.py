"""The import's Celery task."""

from __future__ import annotations

import pytest

from amazon_channel.sync.tasks import sync_amazon_store
from amazon_channel.testing.amazon_orders import amazon_order
from orders.models import Order

pytestmark = pytest.mark.django_db


def test_celery_task_runs_the_import_for_the_store(amazon_store, fake):
    fake.orders = [amazon_order()]
    summary = sync_amazon_store.run(amazon_store.pk)
    assert "1 orders read" in summary
    assert Order.objects.filter(channel="amazon").count() == 1
