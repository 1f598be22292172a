"""The sync status card's facts (dashboard.sync_status): when beat runs the next sync, or that it won't."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from freezegun import freeze_time

from dashboard.amazon_selectors import amazon_store
from dashboard.sync_status import sync_status
from dashboard.tests.factories import AmazonStoreFactory

pytestmark = pytest.mark.django_db


def test_next_sync_not_scheduled_when_the_task_is_missing_or_disabled():
    store = AmazonStoreFactory()
    assert sync_status(store=store).scheduled is False

    every_5 = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    store.periodic_task = PeriodicTask.objects.create(name="s", task="t", interval=every_5, enabled=False)
    store.save()
    store = amazon_store(store.pk)
    status = sync_status(store=store)
    assert (status.scheduled, status.next_run_at) == (False, None)


@freeze_time("2026-03-18 15:29:37")
def test_next_sync_of_a_crontab_schedule():
    hourly = CrontabSchedule.objects.create(minute="0", hour="*")
    now = timezone.now()  # frozen: celery's schedule reads the same clock
    store = AmazonStoreFactory(
        periodic_task=PeriodicTask.objects.create(name="c", task="t", crontab=hourly, last_run_at=now)
    )
    status = sync_status(store=amazon_store(store.pk), now=now)
    assert status.next_run_at == datetime(2026, 3, 18, 16, 0, tzinfo=UTC)


def test_next_sync_of_an_interval_schedule_counts_from_its_last_run_or_its_start():
    every_15 = IntervalSchedule.objects.create(every=15, period=IntervalSchedule.MINUTES)
    last_run = datetime(2026, 3, 18, 15, 20, tzinfo=UTC)
    task = PeriodicTask.objects.create(name="i", task="t", interval=every_15, last_run_at=last_run)
    store = AmazonStoreFactory(periodic_task=task)
    assert sync_status(store=amazon_store(store.pk)).next_run_at == last_run + timedelta(minutes=15)

    task.last_run_at, task.start_time = None, datetime(2026, 4, 1, 9, tzinfo=UTC)
    task.save()
    assert sync_status(store=amazon_store(store.pk)).next_run_at == datetime(2026, 4, 1, 9, tzinfo=UTC)

    task.start_time = None  # never run: due at beat's next tick
    task.save()
    status = sync_status(store=amazon_store(store.pk))
    assert (status.scheduled, status.next_run_at) == (True, None)
