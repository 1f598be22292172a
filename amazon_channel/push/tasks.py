"""Celery tasks that push updates to Amazon (thin: load ids, call one service).

Every task is idempotent and acks late: a killed worker's task runs again, and the outbox's claims make a second run
of the same update a no-op (or a safe re-send of the same packageReferenceId / feed step).
"""

from __future__ import annotations

from celery import shared_task

from . import scheduling


@shared_task(name="amazon_channel.push.deliver_outbound_update", acks_late=True, ignore_result=True)
def deliver_outbound_update(update_id: int) -> str:
    return scheduling.hand_over_update(update_id=update_id)


@shared_task(name="amazon_channel.push.process_store_feeds", acks_late=True, ignore_result=True)
def process_amazon_store_feeds(store_id: int) -> int:
    feeds = scheduling.process_store_feeds(store=store_id)
    scheduling.follow_up_store_feeds(store=store_id)
    return len(feeds)


@shared_task(name="amazon_channel.push.sweep_outbox", acks_late=True, ignore_result=True)
def sweep_outbox() -> dict[str, int]:
    return scheduling.sweep_outbox()
