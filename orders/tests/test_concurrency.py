"""Two people (or workers) acting on one order at the same moment: the row lock serializes them (PostgreSQL)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import CreditMemo, Order
from orders.services import OrderActionRefused, cancel_order, refund_order, ship_order
from orders.tests.factories import make_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def race(*actions) -> list[object]:
    """Run the actions at the same moment in threads with their own connections; return results or errors."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(n, action):
        try:
            barrier.wait()
            results[n] = action()
        except Exception as exc:  # collected and asserted by the test
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, a)) for n, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_two_full_refunds_at_once_refund_once(postgres_only, staff, attempt):
    order = make_order(invoiced=True)
    results = race(*[lambda: refund_order(order=order.pk, actor=staff)] * 2)
    assert sorted(type(r).__name__ for r in results) == ["CreditMemo", "OrderActionRefused"]
    order.refresh_from_db()
    assert order.total_refunded == order.total_paid
    assert CreditMemo.objects.filter(order=order).count() == 1


def test_many_partial_refunds_at_once_never_exceed_what_was_paid(postgres_only, staff):
    order = make_order(invoiced=True, items=[("SKU-A", 1, "100.00")], shipping="0")
    results = race(
        *[lambda: refund_order(order=order.pk, actor=staff, quantities={}, adjustment_refund=Decimal("30"))] * 5
    )
    memos = [r for r in results if isinstance(r, CreditMemo)]
    refusals = [r for r in results if isinstance(r, OrderActionRefused)]
    assert (len(memos), len(refusals)) == (3, 2)
    order.refresh_from_db()
    assert order.total_refunded == Decimal("90.00") <= order.total_paid


def test_ship_and_cancel_at_once_cannot_both_happen(postgres_only, staff):
    order = make_order()
    results = race(lambda: ship_order(order=order.pk, actor=staff), lambda: cancel_order(order=order.pk, actor=staff))
    assert sum(isinstance(r, OrderActionRefused) for r in results) == 1
    order = Order.objects.get(pk=order.pk)
    assert order.state in {"canceled", "new", "processing"}
    items = list(order.items.all())
    assert all(not (i.qty_shipped and i.qty_canceled) for i in items)
