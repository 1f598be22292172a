"""When a store's import runs: its own beat entry (django-celery-beat, so a merchant changes it at run time), and
*Sync now*."""

from __future__ import annotations

import json
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from ..models import AmazonStore
from .tasks import SYNC_TASK, sync_amazon_store


def sync_task_name(store: AmazonStore) -> str:
    return f"Amazon order sync: store {store.pk}"


def schedule_store_sync(*, store: AmazonStore) -> PeriodicTask:
    """Create or update this store's own beat entry; other schedules are never touched."""
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=max(store.sync_interval_minutes, 1), period=IntervalSchedule.MINUTES
    )
    task = store.periodic_task or PeriodicTask(name=sync_task_name(store))
    task.name = sync_task_name(store)
    task.task = SYNC_TASK
    task.interval = interval
    task.args = json.dumps([store.pk])
    task.enabled = store.is_active
    task.save()
    if store.periodic_task_id != task.pk:
        store.periodic_task = task
        store.save(update_fields=["periodic_task"])
    return task


def request_store_sync(*, store: AmazonStore, actor: AbstractBaseUser | None, since: datetime | None = None) -> None:
    """Queue an import of the store's orders after the current transaction commits (*Sync now*)."""
    since_iso = since.isoformat() if since else None
    store_id = store.pk
    transaction.on_commit(lambda: sync_amazon_store.delay(store_id, since_iso))
