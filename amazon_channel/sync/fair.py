"""The fair scheduler: many stores' imports share a few workers, each store kept at its own quota, none starved.

A store's catch-up is a series of short *turns* instead of one long run: a turn reads at most a few pages
(`AMAZON_IMPORT_TURN_PAGES`) and ends rather than sleep on the searchOrders quota, saving its page token as every page
does; the store is then due again when its quota gives the next page (`AmazonStore.sync_next_due_at`). Every
`AMAZON_IMPORT_QUEUE_SECONDS` beat runs `queue_due_imports`, which takes the most overdue stores (`SELECT ... FOR UPDATE
SKIP LOCKED`, so two ticks never take one store) into a bounded queue: at most `AMAZON_IMPORT_QUEUE_SIZE` turns queued
or running at once (`sync_queued_at`), so a few hundred stores never flood the broker ahead of the outbox's shipments,
and a worker always takes the store that has waited longest. One big backlog gets a turn like everyone else.

When a turn ends, its worker passes the place on at once (`take_turn`): the tick only starts the queue, or restarts
it after a lost message. A worker keeps each store's client from one turn to the next (core.client). A store's own
beat entry (and *Sync now*) makes the store due now and runs its turn at once when the queue has room; otherwise the
store waits in line. A person's backfill (*Sync now* with a date) runs at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import AmazonStore
from .result import ImportResult
from .runs import Turn, import_orders

SCHEDULER_TASK_NAME = "Amazon import turns (fair scheduler)"


def turn() -> Turn:
    return Turn(
        pages=int(getattr(settings, "AMAZON_IMPORT_TURN_PAGES", 5)),
        max_wait=float(getattr(settings, "AMAZON_IMPORT_TURN_MAX_WAIT_SECONDS", 1.0)),
    )


def queue_size() -> int:
    return max(int(getattr(settings, "AMAZON_IMPORT_QUEUE_SIZE", 4)), 1)


def queued_timeout() -> timedelta:
    """A queued turn whose message was lost (or whose worker died) frees its place after this."""
    return timedelta(seconds=int(getattr(settings, "AMAZON_IMPORT_QUEUED_SECONDS", 900)))


def busy_retry() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "AMAZON_IMPORT_BUSY_RETRY_SECONDS", 60)))


def _in_line(now: datetime) -> Q:
    stale = now - queued_timeout()
    return Q(sync_queued_at__isnull=True) | Q(sync_queued_at__lte=stale)


def _room(now: datetime) -> int:
    return queue_size() - AmazonStore.objects.filter(sync_queued_at__gt=now - queued_timeout()).count()


def queue_due_imports(*, now: datetime | None = None) -> list[int]:
    """Beat's tick: queue turns for the most overdue stores while the queue has room. Returns their ids."""
    from .tasks import run_import_turn

    now = now or timezone.now()
    # A store due within the wait a turn accepts anyway is queued now: its turn sleeps out the rest, instead of
    # losing a tick when it falls due.
    soon = now + timedelta(seconds=turn().max_wait)
    with transaction.atomic():
        room = _room(now)
        if room <= 0:
            return []
        ids = list(
            AmazonStore.objects.select_for_update(skip_locked=True)
            .filter(_in_line(now), is_active=True, sync_next_due_at__lte=soon)
            .order_by("sync_next_due_at", "pk")
            .values_list("pk", flat=True)[:room]
        )
        AmazonStore.objects.filter(pk__in=ids).update(sync_queued_at=now)

        def enqueue() -> None:
            for store_id in ids:
                run_import_turn.delay(store_id)  # a lost message frees its place after queued_timeout()

        transaction.on_commit(enqueue)
    return ids


def _claim_now(store_id: int, now: datetime, *, force: bool) -> bool:
    """Take a place in the queue for this store's turn (with `force`, whatever the queue holds)."""
    with transaction.atomic():
        if not force and _room(now) <= 0:
            return False
        stores = AmazonStore.objects.filter(pk=store_id, is_active=True)
        if not force:
            stores = stores.filter(_in_line(now))  # already queued: that turn is the one
        return stores.update(sync_queued_at=now) == 1


def request_import(*, store_id: int, since: datetime | None = None) -> ImportResult | None:
    """The store's own beat entry and *Sync now*: the store is due now. Its turn runs here when the queue has room
    (None when it waits in line instead, or is already queued). A backfill (`since`) runs at once."""
    now = timezone.now()
    AmazonStore.objects.filter(pk=store_id).filter(
        Q(sync_next_due_at__isnull=True) | Q(sync_next_due_at__gt=now)
    ).update(sync_next_due_at=now)
    if not _claim_now(store_id, now, force=since is not None):
        return None
    return run_turn(store_id=store_id, since=since)


def take_turn(*, store_id: int) -> ImportResult | None:
    """A queued turn, then its place in the queue passed on at once to the most overdue store (or to this one again,
    its next page due within the wait a turn accepts), not at beat's next tick: a free worker never idles while
    stores are due."""
    result = run_turn(store_id=store_id)
    queue_due_imports()
    return result


def run_turn(*, store_id: int, since: datetime | None = None) -> ImportResult | None:
    """One turn of a store's import, then its place in line: due again when its quota allows while pages are left,
    not due (until its beat entry asks) once the catch-up is done or failed."""
    store = AmazonStore.objects.filter(pk=store_id, is_active=True).first()
    if store is None:
        AmazonStore.objects.filter(pk=store_id).update(sync_queued_at=None, sync_next_due_at=None)
        return None
    result = import_orders(store=store, since=since, turn=turn())
    now = timezone.now()
    fields: dict[str, Any] = {"sync_queued_at": None}
    if result.busy:
        fields["sync_next_due_at"] = now + busy_retry()  # another run holds the lease: look again later
    elif result.more and not result.error:
        fields["sync_next_due_at"] = now + timedelta(seconds=max(result.resume_in, 0.0))
    else:
        fields["sync_next_due_at"] = None
    AmazonStore.objects.filter(pk=store_id).update(**fields)
    return result


def ensure_scheduler_schedule(**kwargs: Any) -> None:
    """Beat runs `queue_due_imports` every few seconds; created once, never overwritten (an operator may change it)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from .tasks import queue_due_import_turns

    app_config = kwargs.get("app_config")
    if app_config is not None and app_config.label != "amazon_channel":
        return
    if PeriodicTask.objects.filter(name=SCHEDULER_TASK_NAME).exists():
        return
    every = max(int(getattr(settings, "AMAZON_IMPORT_QUEUE_SECONDS", 10)), 1)
    interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name=SCHEDULER_TASK_NAME, task=queue_due_import_turns.name, interval=interval)
