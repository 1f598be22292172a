"""The Amazon channel listens to what orders announces; orders never imports the channel.

Shipments, refunds and cancels of Amazon orders write an outbound update in the orders service's own transaction
(in-transaction handlers: if writing it fails, the whole action rolls back, so no change is ever lost for Amazon).
Delivery is queued after commit; the beat sweep delivers whatever a lost message or a dead worker left behind.
Changes that Amazon itself told us about (origin "amazon_import") are never echoed back.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_migrate

from orders import events
from orders.models import Order

AMAZON_CHANNEL = "amazon"
FROM_AMAZON = "amazon_import"


def _is_amazon_order_change(event: Any) -> bool:
    if getattr(event, "origin", "") == FROM_AMAZON:
        return False
    return Order.objects.filter(pk=event.order_id, channel=AMAZON_CHANNEL).exists()


def _deliver_after_commit(update) -> None:
    if update is None or update.state != update.State.PENDING:
        return
    from .services.outbox import enqueue_delivery

    update_id = update.pk
    transaction.on_commit(lambda: enqueue_delivery(update_ids=[update_id]))


def on_order_shipped(event: Any) -> None:
    if not _is_amazon_order_change(event):
        return
    from .services.outbox import record_shipment_update

    _deliver_after_commit(record_shipment_update(shipment=event.shipment_id, actor=event.actor_id))


def on_order_refunded(event: Any) -> None:
    if not _is_amazon_order_change(event):
        return
    from .services.outbox import record_refund_update

    _deliver_after_commit(record_refund_update(credit_memo=event.credit_memo_id, actor=event.actor_id))


def on_order_canceled(event: Any) -> None:
    if not _is_amazon_order_change(event):
        return
    from .services.outbox import record_cancel_update

    update = record_cancel_update(
        order=event.order_id, channel_data=getattr(event, "channel_data", None), actor=event.actor_id
    )
    _deliver_after_commit(update)


def connect() -> None:
    events.subscribe(events.OrderShipped, on_order_shipped, in_transaction=True)
    events.subscribe(events.OrderRefunded, on_order_refunded, in_transaction=True)
    events.subscribe(events.OrderCanceled, on_order_canceled, in_transaction=True)


PUSH_SWEEP_TASK_NAME = "Amazon: push pending updates"


def ensure_push_schedule(**kwargs: Any) -> None:
    """The outbox sweep runs every minute; created once, never overwritten (a merchant may change it)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    app_config = kwargs.get("app_config")
    if app_config is not None and app_config.label != "amazon_channel":
        return
    if PeriodicTask.objects.filter(name=PUSH_SWEEP_TASK_NAME).exists():
        return
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(
        name=PUSH_SWEEP_TASK_NAME, task="amazon_channel.push.sweep_outbox", interval=every_minute
    )


connect()
# The Sent to Amazon blocks, the credit memo's adjustment reason and the outbox page in the menu.
from .views_push import register_ui  # noqa: E402

register_ui()
# Register the push tasks with Celery (autodiscovery only imports tasks.py).
from . import push_tasks  # noqa: E402, F401

post_migrate.connect(ensure_push_schedule, dispatch_uid="amazon_channel.push_schedule")
