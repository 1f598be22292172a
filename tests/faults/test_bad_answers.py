"""Answers that break Amazon's model: a clear line on the store's communication log, the run stops cleanly,
nothing half written, and the next run (Amazon healthy again) imports everything."""

from __future__ import annotations

import pytest

from amazon_channel.models import AmazonOrder, AmazonStore, CommunicationLog
from amazon_channel.sync import import_orders
from orders.models import Order

from .conftest import ledger_faults
from .helpers import commerce_tally

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.mark.parametrize("fault", ["malformed", "truncate"])
@pytest.mark.sandbox(orders=60)
def test_an_unreadable_search_answer_stops_the_run_cleanly(sandbox, import_store, figures, fault):
    sandbox.control.advance(600)
    sandbox.control.inject(fault, operation="searchOrders", count=20)  # more than the client retries

    stopped = import_orders(store=import_store)

    assert not stopped.ok and "searchOrders" in stopped.error
    store = AmazonStore.objects.get(pk=import_store.pk)
    assert store.last_order_sync is None and not store.last_sync_ok
    assert not AmazonOrder.objects.exists() and not Order.objects.exists()
    logged = CommunicationLog.objects.filter(store=store, operation="searchOrders")
    assert logged.exists() and all(row.message for row in logged)

    sandbox.control.clear_faults()
    assert import_orders(store=import_store).ok
    tally = commerce_tally(sandbox, import_store)
    figures(faults=ledger_faults(sandbox), logged=logged.count(), **tally)
    assert tally["duplicates"] == 0 and tally["losses"] == 0 and tally["commerce_orders"] > 10
