"""Import throughput with quotas off: orders per second from the sandbox to committed Commerce orders.

    .venv/bin/python bench/import_throughput.py --orders 5000                      # SQLite (a fresh file in /tmp)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_import \\
        .venv/bin/python bench/import_throughput.py --orders 5000 --workers 2     # PostgreSQL, also two workers

The sandbox runs in its own process with its rate limits off, and the SP-API client's own pacing is replaced by
one that never waits, so what is measured is the import itself: searchOrders pages over HTTP, parsing, the Amazon
order rows and the Commerce orders (placed, invoiced) committed page by page.

"One worker" = one import run of one store. The per-store lease means a second worker on the same store simply
finds it busy and returns (by design: a store's pages are applied in order); so "two workers" = two processes
importing two stores (US and UK marketplaces of the same seller) at the same time, figure = all orders / wall time.

Queries per imported order are counted for two shapes (1 item and 4 items an order) and for a store that already
holds the previous run's orders, to show they do not grow with items or with the store's size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from _setup import ROOT, setup_django


def run_import(store_id: int, url: str, *, profile: str | None = None, sandbox_pid: int | None = None) -> dict:
    """Import one store's backlog; returns counts and timings (runs in this process)."""
    from _sandbox import QueryCounter, point_settings_at, process_cpu_seconds
    from django.db import connection

    from amazon_channel.core.client import client_for_store
    from amazon_channel.models import AmazonOrder, AmazonStore
    from amazon_channel.spapi.ratelimit import NoPacing
    from amazon_channel.sync import import_orders, runs
    from orders.models import Order

    point_settings_at(url)
    store = AmazonStore.objects.get(pk=store_id)
    client = client_for_store(store, rate_limiter=NoPacing(), sleep=lambda s: None)
    fetch = {"seconds": 0.0}
    search = client.search_orders
    write = runs.process_orders

    def timed_search(**kwargs):  # the sandbox answering + HTTP + parsing (in the prefetch thread: overlapped)
        began = time.perf_counter()
        try:
            return search(**kwargs)
        finally:
            fetch["seconds"] += time.perf_counter() - began

    def timed_write(**kwargs):  # writing a page's orders
        began = time.perf_counter()
        try:
            return write(**kwargs)
        finally:
            fetch["write_seconds"] = fetch.get("write_seconds", 0.0) + time.perf_counter() - began

    client.search_orders = timed_search
    runs.process_orders = timed_write
    before_orders = Order.objects.filter(store=store.commerce_store).count()
    before_amazon = AmazonOrder.objects.filter(store=store).count()
    counter = QueryCounter()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    backend_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
    # The other two users of the cores: the PostgreSQL backend writing the pages, the sandbox answering.
    others = {"postgres": backend_pid, "sandbox": sandbox_pid}
    others_started = {k: process_cpu_seconds(pid) if pid else None for k, pid in others.items()}
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        with connection.execute_wrapper(counter):
            result = import_orders(store=store, client=client)
    finally:
        runs.process_orders = write
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    others_cpu = {}
    for key, pid in others.items():
        now = process_cpu_seconds(pid) if pid else None
        others_cpu[key] = None if now is None or others_started[key] is None else now - others_started[key]
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    assert result.ok, result.error
    created = Order.objects.filter(store=store.commerce_store).count() - before_orders
    amazon_rows = AmazonOrder.objects.filter(store=store).count() - before_amazon
    return {
        "store": store_id,
        "commerce_orders": created,
        "amazon_orders": amazon_rows,
        "pages": result.pages,
        "seconds": elapsed,
        "queries": counter.count,
        "fetch_seconds": fetch["seconds"],
        "write_seconds": fetch.get("write_seconds", 0.0),
        "cpu_seconds": cpu,
        "postgres_cpu_seconds": others_cpu["postgres"],
        "sandbox_cpu_seconds": others_cpu["sandbox"],
        "started": started,
    }


def fresh_database() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000, help="backlog per store")
    parser.add_argument("--items", type=int, default=None, help="items an order (default: the sandbox's mix)")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1)
    parser.add_argument("--query-shapes", action="store_true", help="also: queries/order at 1 and 4 items, and again")
    parser.add_argument("--profile", default=None, help="write cProfile stats of the one-worker run here")
    parser.add_argument("--worker-store", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--sandbox-url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--sandbox-pid", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        path = os.path.join(tempfile.gettempdir(), "bench-import.sqlite3")
        if args.worker_store is None:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    setup_django()
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":  # as the product runs it: WAL, wait for locks
        settings.DATABASES["default"]["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
        connection.settings_dict["OPTIONS"] = settings.DATABASES["default"]["OPTIONS"]

    if args.worker_store is not None:  # child process of a two-worker run
        print(json.dumps(run_import(args.worker_store, args.sandbox_url, sandbox_pid=args.sandbox_pid)))
        return

    from _sandbox import UK, US, add_backlog, make_amazon_store, sandbox_process

    fresh_database()
    print(f"database: {connection.vendor}; backlog {args.orders} orders a store; items: {args.items or 'mixed'}")
    with sandbox_process(rate_limits=False) as control:
        us = make_amazon_store(marketplace_id=US, name="Bench US")
        add_backlog(control, args.orders, marketplace_id=US, items=args.items)
        if args.workers == 1:
            r = run_import(us.pk, control.url, profile=args.profile, sandbox_pid=control.pid)
            report("1 worker", [r], r["seconds"])
            if args.query_shapes:
                query_shapes(control, args.orders)
        else:
            uk = make_amazon_store(marketplace_id=UK, name="Bench UK")
            add_backlog(control, args.orders, marketplace_id=UK, items=args.items)
            connection.close()
            env = {**os.environ}
            procs = [
                subprocess.Popen(
                    [
                        sys.executable,
                        __file__,
                        "--worker-store",
                        str(s.pk),
                        "--sandbox-url",
                        control.url,
                        "--sandbox-pid",
                        str(control.pid),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for s in (us, uk)
            ]
            wall_start = time.perf_counter()
            results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
            wall = time.perf_counter() - wall_start  # includes the two processes' Django start-up (~1 s)
            report("2 workers (2 stores)", results, wall)


def report(label: str, results: list[dict], wall: float) -> None:
    orders = sum(r["commerce_orders"] for r in results)
    amazon = sum(r["amazon_orders"] for r in results)
    queries = sum(r["queries"] for r in results)
    pages = sum(r["pages"] for r in results)
    print(
        f"{label}: {orders} Commerce orders ({amazon} Amazon orders, {pages} pages) in {wall:.2f} s"
        f" = {orders / wall:.0f} orders/s; {queries / max(amazon, 1):.2f} queries per imported order"
    )
    fetch = sum(r["fetch_seconds"] for r in results)
    work = sum(r["write_seconds"] for r in results)
    print(
        f"   searchOrders (sandbox answering + HTTP + parsing, the next page fetched while one is written): "
        f"{fetch:.2f} s; writing the pages: {work:.2f} s = {orders / work:.0f} orders/s"
    )
    cpu = sum(r["cpu_seconds"] for r in results)
    print(
        f"   the importer's own CPU time: {cpu:.2f} s = {cpu / max(orders, 1) * 1000:.2f} ms an order"
        " (steadier than wall time on a shared machine; PostgreSQL's and the sandbox's CPU not included)"
    )
    split = []
    for key, label_ in (("postgres_cpu_seconds", "PostgreSQL backend"), ("sandbox_cpu_seconds", "sandbox")):
        values = [r.get(key) for r in results]
        if all(v is not None for v in values):
            # One sandbox answers both workers, and both runs measure it over the same time: counted once.
            seconds = max(values) if key == "sandbox_cpu_seconds" else sum(values)
            split.append(f"{label_} {seconds:.2f} s = {seconds / max(orders, 1) * 1000:.2f} ms an order")
    if split:
        print(f"   CPU of the others on the same cores: {'; '.join(split)}")
    for r in results:
        if len(results) > 1:
            print(f"   store {r['store']}: {r['commerce_orders']} in {r['seconds']:.2f} s")


def query_shapes(control, n: int) -> None:
    """Queries per imported order with 1 and 4 items, and into a store that already holds orders."""
    from _sandbox import US, add_backlog, make_amazon_store

    for seed, items in enumerate((1, 4), start=100):
        store = make_amazon_store(marketplace_id=US, name=f"Bench US {items} items")
        control.reset(seed=seed, orders=0, rate_limits=False, strict=False)
        add_backlog(control, min(n, 1000), marketplace_id=US, items=items)
        r = run_import(store.pk, control.url)
        print(f"  {items} item(s) an order: {r['queries'] / max(r['amazon_orders'], 1):.2f} queries per order")
        # A second Amazon store (fresh cursor) importing into the same, now fuller, Commerce store.
        store = make_amazon_store(marketplace_id=US, name=f"Bench US {items} items again")
        control.reset(seed=seed + 10, orders=0, rate_limits=False, strict=False)
        add_backlog(control, min(n, 1000), marketplace_id=US, items=items)
        r = run_import(store.pk, control.url)
        from orders.models import Order

        size = Order.objects.count()
        print(
            f"  {items} item(s), store already holding {size - r['commerce_orders']} orders: "
            f"{r['queries'] / max(r['amazon_orders'], 1):.2f} queries per order"
        )


if __name__ == "__main__":
    main()
