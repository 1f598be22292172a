"""The import's Celery task: thin, it loads the store and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.utils.dateparse import parse_datetime

from ..models import AmazonStore
from .runs import import_orders

# The name beat stores in each store's PeriodicTask row: it outlives any move of this module.
SYNC_TASK = "amazon_channel.tasks.sync_amazon_store"


@shared_task(name=SYNC_TASK, acks_late=True, ignore_result=True)
def sync_amazon_store(store_id: int, since: str | None = None) -> str:
    """Beat runs this per store on the store's own schedule; *Sync now* queues it too. Safe to run twice: the
    import holds a per-store lease, so a second run finds the store busy and returns."""
    store = AmazonStore.objects.filter(pk=store_id, is_active=True).first()
    if store is None:
        return "no such active store"
    result = import_orders(store=store, since=parse_datetime(since) if since else None)
    return result.summary()
