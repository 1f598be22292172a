"""The Amazon store dashboard's sync status card: the last sync's time and result, and when Celery beat runs the
next one (from the store's django-celery-beat PeriodicTask)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from amazon_channel.models import AmazonStore


@dataclass(frozen=True)
class SyncStatus:
    running: bool
    started_at: datetime | None
    finished_at: datetime | None
    ok: bool | None
    message: str
    scheduled: bool
    next_run_at: datetime | None  # None while scheduled = due at beat's next tick


_PERIOD_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}


def sync_status(*, store: AmazonStore, now: datetime | None = None) -> SyncStatus:
    """The last sync's time and result and when beat runs the next one (from the store's PeriodicTask)."""
    now = now or timezone.now()
    running = bool(store.sync_lease_token) and store.sync_lease_until is not None and store.sync_lease_until > now
    task = store.periodic_task
    scheduled = bool(task and task.enabled)
    next_run_at = None
    if scheduled and task.interval_id:
        interval = task.interval
        every = timedelta(seconds=interval.every * _PERIOD_SECONDS[interval.period])
        if task.last_run_at:
            next_run_at = task.last_run_at + every
        elif task.start_time:
            next_run_at = task.start_time
    elif scheduled:
        # A crontab (or other) schedule: ask celery's own schedule when it is due next.
        last = task.last_run_at or now
        next_run_at = now + task.schedule.remaining_estimate(last)
    return SyncStatus(
        running=running,
        started_at=store.last_sync_started_at,
        finished_at=store.last_sync_finished_at,
        ok=store.last_sync_ok,
        message=store.last_sync_message,
        scheduled=scheduled,
        next_run_at=next_run_at,
    )
