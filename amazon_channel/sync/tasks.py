"""The import's Celery tasks: thin, they load the store and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..models import AmazonStore
from . import fair

# The name beat stores in each store's PeriodicTask row: it outlives any move of this module.
SYNC_TASK = "amazon_channel.tasks.sync_amazon_store"


@shared_task(name=SYNC_TASK, acks_late=True, ignore_result=True)
def sync_amazon_store(store_id: int, since: str | None = None) -> str:
    """Beat runs this per store on the store's own schedule; *Sync now* queues it too. The store is due now: its
    turn runs here when the fair scheduler's queue has room, else in line (sync.fair). Safe to run twice: the
    import holds a per-store lease, so a second run finds the store busy and returns."""
    if not AmazonStore.objects.filter(pk=store_id, is_active=True).exists():
        return "no such active store"
    result = fair.request_import(store_id=store_id, since=parse_datetime(since) if since else None)
    return result.summary() if result is not None else _("Waiting for its turn.")


@shared_task(name="amazon_channel.sync.run_import_turn", acks_late=True, ignore_result=True)
def run_import_turn(store_id: int) -> str:
    """One turn of a store's import, queued by the fair scheduler; its place then goes to the next due store."""
    result = fair.take_turn(store_id=store_id)
    return result.summary() if result is not None else "no such active store"


@shared_task(name="amazon_channel.sync.queue_due_imports", acks_late=True, ignore_result=True)
def queue_due_import_turns() -> int:
    """Beat's tick: the most overdue stores' turns, into a bounded queue."""
    return len(fair.queue_due_imports())
