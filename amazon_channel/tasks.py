"""Celery tasks of the Amazon channel: thin wrappers that load ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils.dateparse import parse_datetime

# --- Order import (import session) -----------------------------------------------------------------------------------


@shared_task(acks_late=True, ignore_result=True)
def sync_amazon_store(store_id: int, since: str | None = None) -> str:
    """Beat runs this per store on the store's own schedule; *Sync now* queues it too. Safe to run twice: the
    import holds a per-store lease, so a second run finds the store busy and returns."""
    from .models import AmazonStore
    from .services.importing import import_orders

    store = AmazonStore.objects.filter(pk=store_id, is_active=True).first()
    if store is None:
        return "no such active store"
    result = import_orders(store=store, since=parse_datetime(since) if since else None)
    return result.summary()
