"""The Amazon channel listens to what orders announces; orders never imports the channel.

Shipments, refunds and cancels of Amazon orders write an outbound update in the orders service's own transaction
(in-transaction handlers: if writing it fails, the whole action rolls back, so no change is ever lost for Amazon).
Delivery is queued after commit; the beat sweep delivers whatever a lost message or a dead worker left behind.
Changes that Amazon itself told us about (origin FROM_AMAZON) are never echoed back.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_migrate

from orders import action_guards, events
from orders.models import Order

from ..core.channel import CHANNEL, FROM_AMAZON
from ..models import AmazonOrder
from .amazon_state import cancel_refused_message, credit_memo_refused_message, nothing_charged, shipments_under_way
from .recording import record_cancel_update, record_refund_update, record_shipment_update
from .scheduling import deliver_after_commit
from .tasks import sweep_outbox
from .vat_invoices import record_vat_credit_note_update, record_vat_invoice_update

PUSH_SWEEP_TASK_NAME = "Amazon: push pending updates"


def _is_amazon_order_change(event: events.OrderEvent) -> bool:
    if event.origin == FROM_AMAZON:
        return False
    return Order.objects.filter(pk=event.order_id, channel=CHANNEL).exists()


def on_order_shipped(event: events.OrderShipped) -> None:
    if _is_amazon_order_change(event):
        deliver_after_commit(record_shipment_update(shipment=event.shipment_id, actor_id=event.actor_id))


def on_order_refunded(event: events.OrderRefunded) -> None:
    if _is_amazon_order_change(event):
        deliver_after_commit(record_refund_update(credit_memo=event.credit_memo_id, actor_id=event.actor_id))
    if _is_amazon_order(event):  # a VAT credit note is owed whoever refunded, Amazon too
        deliver_after_commit(record_vat_credit_note_update(credit_memo=event.credit_memo_id, actor_id=event.actor_id))


def _is_amazon_order(event: events.OrderEvent) -> bool:
    return Order.objects.filter(pk=event.order_id, channel=CHANNEL).exists()


def on_order_invoiced(event: events.OrderInvoiced) -> None:
    if _is_amazon_order(event):
        deliver_after_commit(record_vat_invoice_update(invoice=event.invoice_id, actor_id=event.actor_id))


def on_order_canceled(event: events.OrderCanceled) -> None:
    if _is_amazon_order_change(event):
        update = record_cancel_update(order=event.order_id, channel_data=event.channel_data, actor_id=event.actor_id)
        deliver_after_commit(update)


def refuse_cancel_after_shipment(order: Order, origin: str) -> str | None:
    """Amazon rejects a cancel once a shipment reached it (18047): the Commerce order's Cancel is refused while one
    is pending or accepted. A cancel Amazon itself reported is always followed."""
    if origin == FROM_AMAZON or order.channel != CHANNEL:
        return None
    under_way = shipments_under_way(AmazonOrder.objects.filter(commerce_order_id=order.pk).values("pk"))
    return cancel_refused_message() if under_way.exists() else None


def refuse_credit_memo_before_charge(order: Order, origin: str) -> str | None:
    """A credit memo of an Amazon order that Amazon has not charged (nothing shipped) could never be sent: refused.
    A refund Amazon itself caused (its cancel of an invoiced order) is always recorded."""
    if origin == FROM_AMAZON or order.channel != CHANNEL:
        return None
    amazon_order = AmazonOrder.objects.filter(commerce_order_id=order.pk).only("pk", "status").first()
    if amazon_order is None or not nothing_charged(amazon_order):
        return None
    return credit_memo_refused_message()


def ensure_push_schedule(**kwargs: Any) -> None:
    """The outbox sweep runs every minute; created once, never overwritten (a merchant may change it)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    app_config = kwargs.get("app_config")
    if app_config is not None and app_config.label != "amazon_channel":
        return
    if PeriodicTask.objects.filter(name=PUSH_SWEEP_TASK_NAME).exists():
        return
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name=PUSH_SWEEP_TASK_NAME, task=sweep_outbox.name, interval=every_minute)


def connect() -> None:
    """Called from the app's ready(): subscribe to the order events, keep the sweep scheduled."""
    events.subscribe(events.OrderShipped, on_order_shipped, in_transaction=True)
    events.subscribe(events.OrderRefunded, on_order_refunded, in_transaction=True)
    events.subscribe(events.OrderInvoiced, on_order_invoiced, in_transaction=True)
    events.subscribe(events.OrderCanceled, on_order_canceled, in_transaction=True)
    action_guards.register("cancel", refuse_cancel_after_shipment)
    action_guards.register("creditmemo", refuse_credit_memo_before_charge)
    post_migrate.connect(ensure_push_schedule, dispatch_uid="amazon_channel.push_schedule")
