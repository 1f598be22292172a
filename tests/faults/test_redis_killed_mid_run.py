"""Redis really stopped in the middle of a run, down for a few seconds, started again empty: the run recovers by itself.

A private redis-server (never the shared one, which other sessions and CI use) is the broker, the cache and the SP-API
rate limiter of a real Celery worker (the default prefork pool, as `dev.py` runs it) and a real beat, both subprocesses
on the PostgreSQL test database. The worker imports a backlog from the sandbox (beat's per-store sync) while this test,
as the merchant, ships, cancels and refunds imported orders (the outbox enqueues each delivery through the same Redis)
and opens the dashboard (its figures cached in that Redis). Two outages: SIGKILL while confirmShipments are flowing and
messages are queued (the merchant goes on working meanwhile and Amazon gets new orders), then a clean SHUTDOWN NOSAVE
while a feed is under way; each time Redis comes back with nothing in it. Nobody steps in: the worker and beat
reconnect, beat's outbox sweep re-enqueues what died with Redis, the rate limiter and the dashboard re-create their
keys, and in the end every importable order is in Commerce exactly once and every update reached Amazon exactly once
(each package once, each refund once).

Beat ticks every 2 s here instead of every minute, so the whole run stays well under a minute."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from amazon_channel.amazon_orders.services import request_amazon_cancel
from amazon_channel.models import AmazonOrder, AmazonStore, OutboundUpdate
from amazon_channel.push.listeners import PUSH_SWEEP_TASK_NAME
from amazon_channel.sync import schedule_store_sync
from amazon_channel.testing.amazon_orders import refund, ship
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import Order
from orders.tests.factories import UserFactory

from .helpers import ROOT, US, commerce_tally, importable_at_amazon, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.postgres]
State = OutboundUpdate.State
TICK_SECONDS = 2  # beat's store sync and outbox sweep (production: minutes)
DOWN_SECONDS = 3  # how long Redis stays dead
RUN_SECONDS = 55  # the whole run, Redis outage included, must settle within this


@contextlib.contextmanager
def celery_broker(url: str):
    """This process's Celery app publishes to `url` (the private Redis) for the test, then to its own broker again."""
    from config.celery import app

    def forget_connections() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url, app.conf.broker_transport_options
    forget_connections()
    app.conf.broker_url, app.conf.broker_transport_options = url, {"visibility_timeout": 3600}
    try:
        yield app
    finally:
        forget_connections()
        app.conf.broker_url, app.conf.broker_transport_options = saved


class Processes:
    """The worker and beat subprocesses, their output in files (a pipe nobody reads would block them)."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.directory, self.env = directory, env
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args: str) -> None:
        with open(self.directory / f"{name}.log", "wb") as log:
            self.running[name] = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config.celery:app", *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the worker's pool processes stop with it
            )

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(errors="replace")

    def assert_alive(self) -> None:
        for name, process in self.running.items():
            assert process.poll() is None, f"{name} died (exit {process.returncode}): {self.log(name)[-3000:]}"

    def stop(self) -> None:
        """A warm shutdown (SIGTERM); after 15 s SIGKILL to its process group (only while its leader, ours, is alive
        and not yet reaped, so the group id cannot belong to anyone else)."""
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


class Outage:
    """Redis stopped with `stop` when entered, started again (empty) DOWN_SECONDS later when left; what was queued in
    it at the stop (lost with it) and how long it was down are kept. Neither the worker nor beat may die meanwhile."""

    def __init__(self, server, stop, processes: Processes) -> None:
        self.server, self.stop, self.processes = server, stop, processes
        self.messages_lost = 0
        self.seconds_down = 0.0

    def __enter__(self) -> Outage:
        with self.server.client() as redis:
            self.messages_lost = redis.llen("celery") + redis.hlen("unacked")
        self.stop()
        self.stopped = time.monotonic()
        return self

    def __exit__(self, *exc_info) -> None:
        time.sleep(max(0.0, self.stopped + DOWN_SECONDS - time.monotonic()))
        self.server.start()  # empty: nothing was saved
        self.seconds_down = time.monotonic() - self.stopped
        self.processes.assert_alive()


@contextlib.contextmanager
def enqueue_failures(caplog):
    """The outbox's "could not enqueue" warnings logged inside the block (each one left to the sweep)."""
    failures: list[str] = []
    already = len(caplog.records)
    yield failures
    failures.extend(r.getMessage() for r in caplog.records[already:] if "could not enqueue" in r.getMessage())


def wait_for(condition, what: str, deadline: float, processes: Processes, interval: float = 0.2) -> None:
    while not condition():
        processes.assert_alive()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


def beat_every_tick(store) -> None:
    """Only this store's sync and the outbox sweep are scheduled, every TICK_SECONDS."""
    tick, _ = IntervalSchedule.objects.get_or_create(every=TICK_SECONDS, period=IntervalSchedule.SECONDS)
    sync = schedule_store_sync(store=store)
    sweep, _ = PeriodicTask.objects.get_or_create(
        name=PUSH_SWEEP_TASK_NAME, defaults={"task": "amazon_channel.push.sweep_outbox", "interval": tick}
    )
    PeriodicTask.objects.filter(pk__in=[sync.pk, sweep.pk]).update(interval=tick, enabled=True)
    PeriodicTask.objects.exclude(pk__in=[sync.pk, sweep.pk]).update(enabled=False)


def commerce_order(amazon_order_id: str) -> Order:
    return AmazonOrder.objects.select_related("commerce_order").get(amazon_order_id=amazon_order_id).commerce_order


def caught_up(control, store) -> bool:
    """The store's Last Order Sync is past every change at Amazon, so the import has seen all of them."""
    store.refresh_from_db()
    latest = max(parse_datetime(o["last_updated"]) for o in control.orders())
    return store.last_order_sync is not None and store.last_order_sync >= latest


def imported(order_ids) -> bool:
    return AmazonOrder.objects.filter(amazon_order_id__in=order_ids, commerce_order__isnull=False).count() == len(
        order_ids
    )


@pytest.mark.sandbox(orders=80, rate_limits=True, time_scale=100)
def test_redis_killed_mid_run_and_restarted_empty_the_run_recovers_by_itself(
    sandbox, postgres_only, private_redis, figures, tmp_path, client, settings, caplog
):
    started = time.monotonic()
    # This process serves the merchant's pages: its cache is the private Redis too.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": private_redis.url(0)}
    }
    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(UserFactory(username="ops", is_superuser=True))
    deadline = started + RUN_SECONDS
    store = AmazonStoreFactory(name="US Store")
    beat_every_tick(store)
    control = sandbox.control
    merchant = {"status": "UNSHIPPED", "fulfilled_by": "MERCHANT", "marketplace_id": US, "lifecycle": False}
    to_ship = control.add_orders(16, items=2, quantity=2, **merchant)
    to_cancel = control.add_orders(6, **merchant)
    to_refund = control.add_orders(8, **{**merchant, "status": "SHIPPED"})
    control.advance(600)  # the backlog is visible in Amazon's search (its window ends 2 minutes before now)

    broker = private_redis.url(0)
    env = worker_env(
        sandbox, REDIS_URL=broker, AMAZON_FEED_WINDOW_SECONDS="1", AMAZON_FEED_POLL_SECONDS="1", PYTHONUNBUFFERED="1"
    )
    processes = Processes(tmp_path, env)
    shipments, refunds, cancels = [], [], []

    def merchant_works(ships: int, cancel: int, refund_count: int) -> None:
        """Ships (one or two tracking numbers), cancels at Amazon and refunds in full, each its own transaction."""
        for _ in range(ships):
            index = len(shipments)
            order = commerce_order(to_ship[index])
            tracks = [("ups", "UPS", f"1Z{index:04d}R")] + ([("usps", "USPS", f"94{index:04d}")] if index % 2 else [])
            shipments.append(ship(order=order, tracks=tracks).pk)
        for _ in range(cancel):
            amazon_order = AmazonOrder.objects.get(amazon_order_id=to_cancel[len(cancels)])
            cancels.append(request_amazon_cancel(amazon_order=amazon_order, reason="NoInventory", actor=None).pk)
        for _ in range(refund_count):
            order = commerce_order(to_refund[len(refunds)])
            refunds.append(refund(order=order, quantities=None, shipping=None).pk)

    with celery_broker(broker):
        try:
            processes.start(
                "worker",
                *("worker", "-c", "2", "-l", "info", "-n", "faults-redis@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            )
            processes.start(
                "beat",
                *("beat", "-l", "info", "-S", "django_celery_beat.schedulers:DatabaseScheduler"),
                *("--pidfile=", f"--schedule={tmp_path / 'beat-schedule'}"),
            )
            # The worker imports the backlog through beat's sync.
            wait_for(lambda: imported(to_ship + to_cancel + to_refund), "the backlog's import", deadline, processes)
            backlog_imported = time.monotonic()

            # Before the outage: confirmShipments answered slowly, so they are in flight when Redis dies.
            control.inject("slow", operation="confirmShipment", rate=1.0, seconds=0.3)
            merchant_works(ships=10, cancel=3, refund_count=4)
            wait_for(
                lambda: len(control.ledger("confirmShipment")) >= 2, "the first confirmShipment", deadline, processes
            )
            outages = [Outage(private_redis, private_redis.kill, processes)]  # SIGKILL: gone without a goodbye

            # While Redis is dead the merchant goes on (the enqueue fails, the action does not) and Amazon gets orders.
            with outages[-1], enqueue_failures(caplog) as failed_while_down:
                acted = time.monotonic()
                merchant_works(ships=3, cancel=2, refund_count=2)
                seconds_per_action_while_down = (time.monotonic() - acted) / 7
                dashboard_while_down = client.get(reverse("dashboard:index")).status_code
                late = control.add_orders(15, **merchant)
                control.advance(300)

            # Back (empty): publishing works again at once.
            with enqueue_failures(caplog) as failed_after:
                merchant_works(ships=3, cancel=1, refund_count=2)
            # A clean restart (SHUTDOWN NOSAVE, as a service manager does it) while those refunds' feed is under way.
            feeds_before = len(control.ledger("createFeedDocument"))
            wait_for(lambda: len(control.ledger("createFeedDocument")) > feeds_before, "a feed", deadline, processes)
            outages.append(Outage(private_redis, private_redis.shutdown, processes))
            with outages[-1]:
                pass
            restarted = time.monotonic()
            control.clear_faults()
            every_update = shipments, cancels, refunds

            def settled() -> bool:
                failed = OutboundUpdate.objects.filter(state=State.FAILED).values_list("pk", "last_response")
                assert not failed, list(failed)
                done = OutboundUpdate.objects.filter(state=State.ACCEPTED).count() == sum(map(len, every_update))
                return done and imported(late)

            wait_for(settled, "every update accepted and every late order imported", deadline, processes, 0.5)
            recovered = time.monotonic()
            # What the pushes changed at Amazon (shipped, canceled, refunded) becomes visible to the import too.
            control.advance(300)
            wait_for(lambda: caught_up(control, store), "the import to catch up", deadline, processes, 0.5)
            processes.assert_alive()
            dashboard_after = client.get(reverse("dashboard:index")).status_code
            with private_redis.client() as redis:
                limiter_buckets = redis.keys("spapi:ratelimit:*")
                dashboard_cached = redis.keys("*dashboard:figures*")
        finally:
            processes.stop()
    elapsed = time.monotonic() - started

    tally = commerce_tally(sandbox, store)
    states = Counter(OutboundUpdate.objects.values_list("state", flat=True))
    confirmed = Counter()
    for entry in control.ledger("confirmShipment"):
        if entry["status"] == 204:
            confirmed[(entry["path"], entry["body"]["packageDetail"]["packageReferenceId"])] += 1
    at_amazon = [control.order(order_id) for order_id in to_ship + to_cancel + to_refund]
    packages = Counter(  # ours: the refunded orders came from Amazon already shipped, with Amazon's own packages
        (o["order_id"], str(p["packageReferenceId"]))
        for o in at_amazon
        if o["order_id"] in to_ship
        for p in o["packages"]
    )
    adjustments = Counter((o["order_id"], a["message_id"]) for o in at_amazon for a in o["adjustments"])
    canceled = [o for o in at_amazon if o["status"] == "CANCELLED"]
    worker_log = processes.log("worker")
    expected_packages = sum(2 if index % 2 else 1 for index in range(len(shipments)))
    figures(
        redis_restarts=len(outages),
        seconds_down=round(sum(o.seconds_down for o in outages), 1),
        messages_lost=sum(o.messages_lost for o in outages),
        enqueues_failed_while_down=len(failed_while_down),
        enqueues_failed_after=len(failed_after),
        seconds=round(elapsed, 1),
        seconds_to_import_backlog=round(backlog_imported - started, 1),
        seconds_to_recover=round(recovered - restarted, 1),
        seconds_per_action_while_down=round(seconds_per_action_while_down, 2),
        importable=tally["importable"],
        commerce_orders=tally["commerce_orders"],
        duplicates=tally["duplicates"],
        losses=tally["losses"] + sum(states.values()) - states[State.ACCEPTED],
        phantoms=tally["phantoms"],
        updates=sum(states.values()),
        accepted=states[State.ACCEPTED],
        packages=sum(packages.values()),
        packages_twice=sum(n - 1 for n in packages.values()),
        package_repeats_sent=sum(confirmed.values()) - len(confirmed),
        refunds_twice=sum(n - 1 for n in adjustments.values()),
        amazon_429s=sum(1 for e in control.ledger() if e["status"] == 429),
        limiter_fallbacks=worker_log.count("rate limiter unavailable"),
    )
    assert outages[0].messages_lost > 0  # the kill really lost queued messages
    assert len(failed_while_down) == 7 and not failed_after  # publishing resumed by itself, nothing left to the sweep
    assert tally["duplicates"] == 0 and tally["losses"] == 0 and tally["phantoms"] == 0, tally
    # Beyond the importable ones, Commerce holds only orders Amazon canceled after their import (ours, here).
    numbers = set(Order.objects.filter(channel="amazon").values_list("external_order_number", flat=True))
    expected = importable_at_amazon(sandbox, AmazonStore.objects.get(pk=store.pk).last_order_sync)
    canceled_later = {o["order_id"] for o in control.orders() if o["status"] == "CANCELLED"}
    assert expected <= numbers and numbers - expected <= canceled_later and len(expected) > 60, tally
    assert states == {State.ACCEPTED: len(shipments) + len(cancels) + len(refunds)}, states
    assert len(packages) == expected_packages and set(packages.values()) == {1}, packages
    assert len(confirmed) == expected_packages
    assert all(o["status"] == "SHIPPED" for o in at_amazon if o["order_id"] in to_ship[: len(shipments)])
    assert {o["order_id"] for o in canceled} == set(to_cancel)
    assert all(o["cancellation"]["cancelledBy"] == "MERCHANT" for o in canceled)  # canceled by us, not by the buyer
    assert len(adjustments) == len(refunds) and set(adjustments.values()) == {1}, adjustments
    assert limiter_buckets  # the rate limiter's buckets live in the new Redis again
    assert dashboard_while_down == dashboard_after == 200 and dashboard_cached  # and so does the dashboard's cache
    assert elapsed < RUN_SECONDS + 5
