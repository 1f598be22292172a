"""Events fire once, after commit, and never on rollback; in-transaction hooks share the action's fate."""

from __future__ import annotations

import pytest
from django.db import transaction

from orders import events
from orders.models import Order, Shipment
from orders.services import OrderActionRefused, cancel_order, hold_order, invoice_order, refund_order, ship_order
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    received: list[tuple[str, events.OrderEvent]] = []
    hooks = []

    def listen(event_type, *, in_transaction=False):
        def handler(event):
            received.append(("in" if in_transaction else "after", event))

        events.subscribe(event_type, handler, in_transaction=in_transaction)
        hooks.append((event_type, handler))

    yield listen, received
    for event_type, handler in hooks:
        events.unsubscribe(event_type, handler)


def test_shipped_is_announced_once_after_commit(staff, heard, django_capture_on_commit_callbacks):
    listen, received = heard
    listen(events.OrderShipped)
    order = make_order()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shipment = ship_order(order=order, actor=staff)
        assert received == []  # not before commit
    for callback in callbacks:
        callback()
    assert received == [
        ("after", events.OrderShipped(order_id=order.pk, actor_id=staff.pk, origin="admin", shipment_id=shipment.pk))
    ]


def test_every_service_announces_its_event(staff, heard, django_capture_on_commit_callbacks):
    listen, received = heard
    for event_type in (
        events.OrderPlaced,
        events.OrderInvoiced,
        events.OrderShipped,
        events.OrderRefunded,
        events.OrderCanceled,
        events.OrderHeld,
    ):
        listen(event_type)
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(items=[("SKU-A", 2, "10.00")], shipping="0")
        item = order.items.get()
        invoice_order(order=order, actor=staff, quantities={item.pk: 1})
        ship_order(order=order, actor=staff, quantities={item.pk: 1})
        refund_order(order=order, actor=staff, channel_data={"reason": "x"})
        cancel_order(order=order, actor=staff, channel_data={"amazon_cancel_reason": "NoInventory"})
        other = make_order()
        hold_order(order=other, actor=staff)
    kinds = [type(e).__name__ for _, e in received]
    assert kinds == [
        "OrderPlaced",
        "OrderInvoiced",
        "OrderShipped",
        "OrderRefunded",
        "OrderCanceled",
        "OrderPlaced",
        "OrderHeld",
    ]
    refunded = received[3][1]
    assert refunded.channel_data == {"reason": "x"} and refunded.credit_memo_id
    assert received[4][1].channel_data == {"amazon_cancel_reason": "NoInventory"}


def test_nothing_is_announced_when_the_transaction_rolls_back(staff, heard, django_capture_on_commit_callbacks):
    listen, received = heard
    listen(events.OrderShipped)
    order = make_order()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        ship_order(order=order, actor=staff)
        raise RuntimeError("the caller's transaction fails later")
    assert received == []
    assert not Shipment.objects.exists()


def test_nothing_is_announced_for_a_refused_action(staff, heard, django_capture_on_commit_callbacks):
    listen, received = heard
    listen(events.OrderCanceled)
    order = make_order()
    ship_order(order=order, actor=staff)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OrderActionRefused):
        cancel_order(order=order, actor=staff)
    assert received == []


def test_in_transaction_hook_runs_inside_and_its_failure_undoes_the_action(staff):
    order = make_order()
    seen_inside = []

    def outbox_writer(event):
        seen_inside.append(Shipment.objects.filter(pk=event.shipment_id).exists())
        raise RuntimeError("outbox unavailable")

    events.subscribe(events.OrderShipped, outbox_writer, in_transaction=True)
    try:
        with pytest.raises(RuntimeError):
            ship_order(order=order, actor=staff)
    finally:
        events.unsubscribe(events.OrderShipped, outbox_writer)
    assert seen_inside == [True]  # the hook saw the shipment in the same transaction
    assert not Shipment.objects.exists()
    assert Order.objects.get(pk=order.pk).state == "new"


def test_a_failing_after_commit_handler_doesnt_stop_the_others(staff, heard, django_capture_on_commit_callbacks):
    listen, received = heard

    def broken(event):
        raise RuntimeError("listener bug")

    events.subscribe(events.OrderHeld, broken)
    listen(events.OrderHeld)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            hold_order(order=make_order(), actor=staff)
    finally:
        events.unsubscribe(events.OrderHeld, broken)
    assert [type(e) for _, e in received] == [events.OrderHeld]
