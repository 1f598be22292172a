"""Many stores on their quotas: N sandbox sellers, each with a backlog and new orders arriving, imported by the fair
scheduler with real Celery workers on Redis; per store, the drain time against its own quota minimum and how long it
waited past its due time.

    createdb -h 127.0.0.1 -U postgres bench_many
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_many REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/many_stores.py --stores 20 --pages 5 --time-scale 20

Set-up: the sandbox in its own process with Amazon's usage plans on, refilling `--time-scale` times faster; one
seller per store (refresh token `Atzr|sandbox-refresh-token.SELLER`), each with `--pages` pages of unshipped
one-item orders. Every seller's searchOrders bucket starts *empty*, at the sandbox (20 quick searches) and in our
Redis limiter, so the backlog is quota-bound from its first page: the quota minimum of a store is `pages / rate`
(rate = 0.0056 × time scale). Workers: `--workers` Celery worker processes of the product (`bench/_bench_worker.py`,
concurrency 1 each, or `--concurrency`), sharing only PostgreSQL and Redis. Beat's 10 s tick of `queue_due_imports`
is played by this script at 10 s / time scale (the tick is real time; at a scaled quota an unscaled tick would be a
scaled-up delay), with AMAZON_IMPORT_QUEUE_SIZE = 2 × workers. While it runs, one new order per store arrives every
`--arrive-every` seconds (real) and is imported by the next catch-up, which the bench requests for every caught-up
store every 60 s / time scale (what each store's own beat entry does).

With `--stagger` the stores start one after another, evenly over one refill interval (1 / rate): each store's
bucket is emptied at its own start, so the stores' pages fall due out of phase, as independent sellers' do. Without
it every bucket is emptied before the start and every store's next page falls due at the same moment (the worst
case: each refill, N pages queue behind each other).

`--outbox`: then every store's shipments, credit memos and cancels for Amazon through the product's services,
delivered by the same workers with beat played on (bench/_outbox.py says how, and what it checks).

Figures: per store the drain time of its backlog (from its start to the moment its last backlog order is stored)
over its quota minimum; the lag: the longest a store was due (its `sync_next_due_at` passed) without a turn queued or
running, sampled every 0.2 s; 429 answers at the sandbox.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta

import requests
from _setup import ROOT, percentile, setup_django

BURST = 20
SEARCH_RATE = 0.0056


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--pages", type=int, default=5, help="backlog pages (100 orders) per store")
    parser.add_argument("--time-scale", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (separate, like machines)")
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    parser.add_argument("--arrive-every", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument(
        "--stagger",
        action="store_true",
        help="start the stores one after another over one refill interval (their quotas out of phase, as real "
        "sellers' are) instead of all at once",
    )
    parser.add_argument("--outbox", action="store_true", help="then shipments, credit memos, cancels for Amazon")
    parser.add_argument("--ship", type=int, default=4, help="shipments per store per wave")
    parser.add_argument("--refund", type=int, default=2, help="credit memos per store per wave")
    parser.add_argument("--cancel", type=int, default=2, help="cancels per store per wave")
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--pace", type=float, default=0.0, help="seconds between two changes (0: as fast as can be)")
    parser.add_argument("--wave-gap", type=float, default=None, help="seconds (default half a createFeed window)")
    parser.add_argument("--outbox-seconds", type=float, default=300.0, help="the most to wait for the outbox")
    parser.add_argument(
        "--sweep-every",
        type=float,
        default=60.0,
        help="seconds between outbox sweeps (beat's minute, not scaled: the sweep is the safety net, and scaled it "
        "would re-queue every pending shipment 20 times as often on workers that are not 20 times faster)",
    )
    parser.add_argument("--task-stats", action="store_true", help="workers log at INFO; sum their tasks' times")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL (e.g. redis://127.0.0.1:6379/7).")
    slots = args.workers * args.concurrency
    os.environ["AMAZON_IMPORT_QUEUE_SIZE"] = str(2 * slots)
    if args.outbox:
        from _outbox import scaled_settings

        os.environ.update(scaled_settings(args.time_scale))  # this process's settings and the workers'
    setup_django()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db import close_old_connections
    from django.db.models import Count
    from django.utils import timezone

    settings.AMAZON_IMPORT_QUEUE_SIZE = 2 * slots
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()

    from _sandbox import CREDENTIALS, US, make_amazon_store, point_settings_at, sandbox_process
    from django_celery_beat.models import PeriodicTask

    from amazon_channel.models import AmazonOrder, AmazonStore
    from amazon_channel.push import scheduling
    from amazon_channel.spapi.ratelimit import RedisRateLimiter
    from amazon_channel.sync import fair

    PeriodicTask.objects.all().delete()  # this script plays beat
    rate = float(f"{SEARCH_RATE * args.time_scale:.6g}")
    sellers = [f"B{n:05d}SELLER" for n in range(args.stores)]
    backlog = args.pages * 100
    with sandbox_process(rate_limits=True, time_scale=args.time_scale) as control:
        point_settings_at(control.url)
        t0 = time.time()
        for seller in sellers:
            control.add_orders(
                backlog,
                seller_id=seller,
                marketplace_id=US,
                status="UNSHIPPED",
                fulfilled_by="MERCHANT",
                lifecycle=False,
                items=1,
                created_seconds_ago=3600,
            )
        print(f"sandbox: {args.stores} sellers x {backlog} orders in {time.time() - t0:.1f} s", flush=True)
        stores = {}
        for seller in sellers:
            store = make_amazon_store(marketplace_id=US, name=f"Bench {seller}")
            AmazonStore.objects.filter(pk=store.pk).update(
                seller_id=seller, refresh_token=f"{CREDENTIALS['refresh_token']}.{seller}"
            )
            stores[store.pk] = seller
        limiter = RedisRateLimiter(redis.Redis.from_url(settings.REDIS_URL))

        def start_store(pk: int) -> None:
            """Empty the store's searchOrders bucket, at the sandbox and in our limiter, and make it due now."""
            spend_sandbox_bursts(control.url, [stores[pk]])
            for _ in range(BURST):
                limiter.acquire(f"{stores[pk]}:searchOrders", rate, BURST)
            started[pk] = time.time()
            AmazonStore.objects.filter(pk=pk).update(sync_next_due_at=timezone.now())

        started: dict[int, float] = {}
        # Out of phase, store i starts i / N of a refill interval after the first; all at once, every store's
        # bucket is emptied before the clock starts and every store's next page falls due at the same moment.
        spacing = (1 / rate) / len(stores) if args.stagger else 0.0
        offsets = {pk: i * spacing for i, pk in enumerate(stores)}
        if not args.stagger:
            for pk in stores:
                start_store(pk)
        start = time.time()
        backlog_before = timezone.now() - timedelta(minutes=30)  # the backlog's orders, not the ones arriving
        if not args.stagger:
            started.update(dict.fromkeys(stores, start))
            AmazonStore.objects.update(sync_next_due_at=timezone.now())
        minimum = args.pages / rate
        print(
            f"{args.stores} stores, {args.pages} pages each, rate {rate}/s: quota minimum {minimum:.1f} s a store; "
            f"{args.workers} workers x {args.concurrency}",
            flush=True,
        )

        env = {
            **os.environ,
            "BENCH_SELLERS": ",".join(sellers),
            "BENCH_SEARCH_RATE": repr(rate),
            "PYTHONPATH": str(ROOT / "bench"),
        }
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "bench" / "_bench_worker.py"),
                    "--concurrency",
                    str(args.concurrency),
                    "--loglevel",
                    "INFO" if args.task_stats else "WARNING",
                    "-n",
                    f"bench{i}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(worker_log(i), "w"),  # noqa: SIM115 (lives as long as the worker)
            )
            for i in range(args.workers)
        ]
        stop = threading.Event()
        arrivals = threading.Thread(target=arrive, args=(control, sellers, args.arrive_every, stop), daemon=True)
        drained: dict[int, float] = {}
        lag: dict[int, float] = dict.fromkeys(stores, 0.0)

        def start_in_turn() -> None:
            for pk, offset in offsets.items():
                if stop.wait(max(0.0, start + offset - time.time())):
                    return
                start_store(pk)
            close_old_connections()

        starter = threading.Thread(target=start_in_turn, daemon=True)
        tick = max(10.0 / args.time_scale, 0.2)
        resync = 60.0 / args.time_scale
        last = {"tick": 0.0, "resync": 0.0, "sweep": time.time()}

        def beat(outbox: bool = False) -> None:
            """What beat would run, at the time scale: the import tick, each store's catch-up, the outbox sweep."""
            now = time.time()
            if now - last["tick"] >= tick:
                fair.queue_due_imports()
                last["tick"] = now
            if now - last["resync"] >= resync:
                # Each caught-up store's own beat entry: due now (its turn then comes through the queue).
                AmazonStore.objects.filter(
                    pk__in=list(started), sync_next_due_at__isnull=True, sync_queued_at__isnull=True
                ).update(sync_next_due_at=timezone.now())
                last["resync"] = now
            if outbox and now - last["sweep"] >= args.sweep_every:
                scheduling.sweep_outbox()  # every minute in production
                last["sweep"] = now

        try:
            arrivals.start()
            if args.stagger:
                starter.start()
            while time.time() - start < args.max_seconds:
                beat()
                moment = timezone.now()
                # Due and not importing (queued or not: the wait in the queue counts).
                for pk, due in AmazonStore.objects.filter(
                    sync_next_due_at__lte=moment, sync_lease_token=""
                ).values_list("pk", "sync_next_due_at"):
                    lag[pk] = max(lag[pk], (moment - due).total_seconds())
                for pk, count in (
                    AmazonOrder.objects.filter(
                        store_id__in=[pk for pk in list(started) if pk not in drained],
                        purchase_date__lt=backlog_before,
                    )
                    .values_list("store_id")
                    .annotate(n=Count("id"))
                ):
                    if count >= backlog:
                        drained[pk] = time.time() - started[pk]
                if len(drained) == len(stores):
                    break
                close_old_connections()
                time.sleep(0.2)
            report(args, stores, drained, lag, minimum, control, start)
            if args.outbox:
                from _outbox import run_outbox

                run_outbox(args, control, stores, beat)
        finally:
            stop.set()
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
        if args.task_stats:
            task_stats(args.workers)


def worker_log(i: int) -> str:
    """Each run its own logs: two sessions running this benchmark at once must not write into each other's."""
    return f"/tmp/bench-many-{os.getpid()}-worker{i}.log"


def task_stats(workers: int) -> None:
    """Per task name: how many the workers ran, and their time (Celery's "succeeded in" lines at INFO)."""
    import re

    runs: dict[str, list[float]] = {}
    for i in range(workers):
        with open(worker_log(i)) as log:
            for line in log:
                found = re.search(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([\d.]+)s", line)
                if found:
                    runs.setdefault(found.group(1), []).append(float(found.group(2)))
    for name, times in sorted(runs.items()):
        print(
            f"  worker tasks {name}: {len(times)} runs, mean {statistics.mean(times):.3f} s, "
            f"max {max(times):.3f} s, total {sum(times):.1f} s"
        )


def spend_sandbox_bursts(url: str, sellers: list[str]) -> None:
    """Empty each seller's searchOrders bucket at the sandbox: 20 searches each."""
    http = requests.Session()
    after = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 7200))
    for seller in sellers:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": f"{CREDENTIALS_REFRESH}.{seller}",
            "client_id": CREDENTIALS_CLIENT,
            "client_secret": CREDENTIALS_SECRET,
        }
        token = http.post(f"{url}/auth/o2/token", data=form, timeout=30).json()["access_token"]
        headers = {"x-amz-access-token": token}
        for _ in range(BURST):
            http.get(
                f"{url}/orders/2026-01-01/orders",
                params={"lastUpdatedAfter": after, "marketplaceIds": "ATVPDKIKX0DER", "maxResultsPerPage": 1},
                headers=headers,
                timeout=30,
            )


CREDENTIALS_REFRESH = "Atzr|sandbox-refresh-token"
CREDENTIALS_CLIENT = "amzn1.application-oa2-client.sandbox"
CREDENTIALS_SECRET = "sandbox-client-secret"


def arrive(control, sellers: list[str], every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        for seller in sellers:
            control.add_orders(1, seller_id=seller, marketplace_id=US_MARKETPLACE, status="UNSHIPPED", lifecycle=False)


US_MARKETPLACE = "ATVPDKIKX0DER"


def report(args, stores, drained, lag, minimum, control, start) -> None:
    from amazon_channel.models import AmazonOrder

    wall = time.time() - start
    ratios = [drained[pk] / minimum for pk in drained]
    lags = list(lag.values())
    searches = control.ledger("searchOrders")
    throttled = sum(1 for entry in searches if entry["status"] == 429)
    imported = AmazonOrder.objects.count()
    print(f"wall {wall:.1f} s; {imported} orders imported ({imported / wall:.0f}/s); load {os.getloadavg()[0]:.1f}")
    print(f"stores drained: {len(drained)} / {len(stores)} (max {args.max_seconds:.0f} s)")
    if ratios:
        print(
            f"drain / quota minimum: median {statistics.median(ratios):.3f}, p95 {percentile(ratios, 95):.3f}, "
            f"max {max(ratios):.3f} (minimum {minimum:.1f} s)"
        )
    print(
        f"lag (due, not importing), worst per store: median {statistics.median(lags):.2f} s, "
        f"p95 {percentile(lags, 95):.2f} s, max {max(lags):.2f} s"
    )
    print(f"searchOrders at the sandbox (last {len(searches)} in its ledger): {throttled} x 429")


if __name__ == "__main__":
    main()
