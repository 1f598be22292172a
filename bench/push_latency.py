"""Push latency: from a shipment's submit to the sandbox recording confirmShipment, with a real Celery worker;
then N credit memos: how many feeds carried them to Amazon.

    createdb -h 127.0.0.1 -U postgres bench_push
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_push REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/push_latency.py --shipments 40 --refunds 1000

Set-up: the sandbox in its own process (Amazon's usage plans on, time scale 1), a backlog of unshipped orders
imported through `import_orders`, then `celery -A config worker -B` as a subprocess (Redis broker, the same
PostgreSQL, the sandbox's URLs from the environment). Each shipment goes through `orders.services.ship_order` (what
the New Shipment form calls) with one UPS tracking number; the clock starts before the call and stops when the
sandbox's ledger shows that order's confirmShipment (polled every 10 ms). Shipments are submitted one at a time,
a second apart (a person's pace), so the figure is latency, not a drained backlog. Refunds: `refund_order` for each
of N shipped orders as fast as the services go; then we wait until every credit memo's update is accepted and count
the createFeed calls in the ledger, against the fewest the product's feed window and the quota allow.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time

from _setup import ROOT, percentile, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=40)
    parser.add_argument("--refunds", type=int, default=1000)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between two shipments")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL (e.g. redis://127.0.0.1:6379/7).")
    setup_django()
    import redis
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)  # post_migrate recreates the beat schedule flush removed
    redis.Redis.from_url(settings.REDIS_URL).flushdb()

    from _sandbox import US, add_backlog, make_amazon_store, point_settings_at, sandbox_process

    from amazon_channel.core.client import client_for_store
    from amazon_channel.models import OutboundUpdate
    from amazon_channel.spapi.ratelimit import NoPacing
    from amazon_channel.sync import import_orders
    from orders.models import Order
    from orders.services import TrackInput, refund_order, ship_order
    from orders.tests.factories import UserFactory

    actor = UserFactory(username="bench-ops", is_staff=True, is_superuser=True)
    with sandbox_process(rate_limits=True, time_scale=1.0) as control:
        point_settings_at(control.url)
        total = args.shipments + args.refunds
        add_backlog(control, total, marketplace_id=US)
        store = make_amazon_store(marketplace_id=US)
        # Our client does not pace the import (searchOrders' burst of 20 pages covers 2,000 orders).
        client = client_for_store(store, rate_limiter=NoPacing(), sleep=lambda s: None)
        result = import_orders(store=store, client=client)
        assert result.ok, result.error
        orders = list(Order.objects.filter(channel="amazon").order_by("pk").values_list("pk", "external_order_number"))
        print(f"imported {len(orders)} Amazon orders; starting the worker")
        env = {**os.environ}
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-B",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "2",
                "-s",
                "/tmp/bench-celerybeat-schedule",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open("/tmp/bench-push-worker.log", "w"),  # noqa: SIM115 (lives as long as the worker)
        )
        try:
            time.sleep(6)  # worker start-up
            latencies = shipments(control, actor, orders[: args.shipments], args.gap, ship_order, TrackInput)
            print(
                f"shipment -> confirmShipment at the sandbox, {len(latencies)} shipments: "
                f"median {statistics.median(latencies):.3f} s, p95 {percentile(latencies, 95):.3f} s, "
                f"max {max(latencies):.3f} s (goal p95 <= 2 s)",
                flush=True,
            )
            if args.refunds:
                refunds(control, actor, orders[args.shipments :], ship_order, TrackInput, refund_order, OutboundUpdate)
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def shipments(control, actor, orders, gap, ship_order, TrackInput) -> list[float]:
    latencies = []
    for n, (pk, amazon_id) in enumerate(orders):
        seen = len(control.ledger("confirmShipment"))
        started = time.perf_counter()
        ship_order(order=pk, actor=actor, tracks=[TrackInput("ups", "UPS", f"1Z999AA1{n:010d}")])
        while True:
            entries = control.ledger("confirmShipment")
            if len(entries) > seen and any(amazon_id in e["path"] and e["status"] == 204 for e in entries[seen:]):
                break
            if time.perf_counter() - started > 60:
                raise SystemExit(f"no confirmShipment for {amazon_id} after 60 s; see /tmp/bench-push-worker.log")
            time.sleep(0.01)
        latencies.append(time.perf_counter() - started)
        time.sleep(gap)
    return latencies


def refunds(control, actor, orders, ship_order, TrackInput, refund_order, OutboundUpdate) -> None:
    # Amazon refuses a refund before any shipment (18090): ship them first (their confirmShipment go out too).
    for n, (pk, _) in enumerate(orders):
        ship_order(order=pk, actor=actor, tracks=[TrackInput("ups", "UPS", f"1Z999BB1{n:010d}")])
    print(f"shipped {len(orders)} orders for the refunds", flush=True)
    # A refund waits for its order's shipment to be accepted (18090); confirmShipment's quota (2/s after a burst of
    # 10) takes ~len/2 s for them. Measured apart, so the refunds' figure is the feed's own.
    shipped_at = time.perf_counter()
    shipments = OutboundUpdate.objects.filter(kind=OutboundUpdate.Kind.SHIPMENT)
    while shipments.exclude(state__in=["accepted", "failed"]).exists() and time.perf_counter() - shipped_at < 900:
        time.sleep(1)
    print(f"their shipments accepted by Amazon in {time.perf_counter() - shipped_at:.0f} s", flush=True)
    started = time.perf_counter()
    for pk, _ in orders:
        refund_order(order=pk, actor=actor)
    created = time.perf_counter() - started
    print(f"{len(orders)} credit memos created in {created:.1f} s", flush=True)
    kind = OutboundUpdate.objects.filter(kind=OutboundUpdate.Kind.REFUND)
    while kind.exclude(state__in=["accepted", "failed"]).exists():
        if time.perf_counter() - started > 900:
            print("gave up waiting after 15 min")
            break
        time.sleep(2)
    finished = time.perf_counter() - started
    feeds = [e for e in control.ledger("createFeed") if e["status"] == 202]
    states = dict.fromkeys(["accepted", "failed", "pending", "sending"], 0)
    for state in kind.values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    window = 120
    fewest = 1 + math.floor(created / window)  # one feed a window while memos keep coming
    print(
        f"{len(orders)} credit memos -> {len(feeds)} createFeed calls (payment adjustment feeds); updates: {states}; "
        f"all settled {finished:.0f} s after the first refund. Fewest possible: 1 feed (max 5000 messages) if every "
        f"memo exists before the first feed; {fewest} with memos arriving over {created:.0f} s and one feed a "
        f"{window} s window; the createFeed quota (burst 15, 0.0083/s) is not what limits."
    )


if __name__ == "__main__":
    main()
