"""Amazon stores: their settings and their sync schedule (kept in django-celery-beat so it can change at run time)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from ..models import AmazonStore

SYNC_TASK = "amazon_channel.tasks.sync_amazon_store"
SECRET_FIELDS = ("client_secret", "refresh_token")


def sync_task_name(store: AmazonStore) -> str:
    return f"Amazon order sync: store {store.pk}"


@transaction.atomic
def save_amazon_store(
    *, store: AmazonStore | None, data: dict[str, Any], actor: AbstractBaseUser | None
) -> AmazonStore:
    """Create or update a store from cleaned form data; a blank secret keeps the stored one (write-only fields)."""
    store = store or AmazonStore()
    for field, value in data.items():
        if field in SECRET_FIELDS and not value:
            continue
        setattr(store, field, value)
    store.full_clean()
    store.save()
    schedule_store_sync(store=store)
    return store


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
