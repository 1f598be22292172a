"""API economy: importing a backlog from the sandbox, SP-API calls per imported order, and (with the sandbox
enforcing Amazon's usage plans, time-scaled) the catch-up time divided by the minimum the searchOrders quota allows.

    .venv/bin/python bench/api_economy.py --orders 10000 --time-scale 40 [--runs 3]

The sandbox runs in its own process with rate limits ON; the SP-API client uses the product's own rate limiter
(in-process, or Redis with REDIS_URL) and learns the scaled rate from `x-amzn-RateLimit-Limit`, as against Amazon.
searchOrders' plan: burst 20, then 0.0056 requests/s. P pages need at least (P - 20) / 0.0056 s of quota time; the
sandbox's buckets refill `time_scale` times faster, so quota time = wall time x time scale. Goals: calls per order
<= 0.0105, no 429 answer, catch-up / minimum <= 1.01. Calls counted from the sandbox's ledger (every request it
received); the LWA token exchange is shown apart (it is not an SP-API operation and happens once an hour). With
--runs N each run is a process of its own (a fresh worker: the usage plan's rates, empty buckets) with a fresh
sandbox and database; the load average is printed before and after each import.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

from _setup import setup_django

RATE, BURST = 0.0056, 20


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_once(*, orders: int, time_scale: float) -> None:
    if not os.environ.get("DATABASE_URL"):
        path = os.path.join(tempfile.gettempdir(), "bench-api-economy.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)

    from _sandbox import US, add_backlog, make_amazon_store, point_settings_at, sandbox_process

    from amazon_channel.models import AmazonOrder
    from amazon_channel.sync import import_orders
    from orders.models import Order

    with sandbox_process(rate_limits=True, time_scale=time_scale) as control:
        point_settings_at(control.url)
        add_backlog(control, orders, marketplace_id=US)
        store = make_amazon_store(marketplace_id=US)
        before = load()
        started, started_epoch = time.perf_counter(), time.time()
        result = import_orders(store=store)
        wall = time.perf_counter() - started
        after = load()
        assert result.ok, result.error
        ledger = control.ledger()
    imported = AmazonOrder.objects.filter(store=store).count()
    commerce = Order.objects.filter(channel="amazon").count()
    by_op: dict[str, int] = {}
    throttled = 0
    for entry in ledger:
        by_op[entry["operation"]] = by_op.get(entry["operation"], 0) + 1
        throttled += entry["status"] == 429
    api_calls = sum(n for op, n in by_op.items() if op != "token")
    search_ok = sum(1 for e in ledger if e["operation"] == "searchOrders" and e["status"] == 200)
    arrived = [e["at_epoch"] for e in ledger if e["operation"] == "searchOrders"]
    pages = math.ceil(imported / 100)
    minimum = max(0, pages - BURST) / RATE
    quota_time = wall * time_scale
    ratio = quota_time / minimum if minimum else float("nan")
    print(f"backlog {orders} orders; imported {imported} Amazon orders ({commerce} Commerce orders)")
    print(f"requests by operation: {by_op}; 429 answers: {throttled} (goal 0)")
    print(
        f"SP-API calls per imported order: {api_calls / imported:.4f} (goal <= 0.0105); "
        f"with the token exchange: {(api_calls + by_op.get('token', 0)) / imported:.4f}"
    )
    print(f"searchOrders pages answered: {search_ok} (minimum {pages})")
    print(
        f"catch-up: {wall:.1f} s wall x {time_scale:g} = {quota_time:.0f} s of quota time; minimum the quota "
        f"allows for {pages} pages: {minimum:.0f} s; ratio {ratio:.3f} (goal <= 1.01)"
    )
    paced = (arrived[-1] - arrived[0]) * time_scale
    first, last = arrived[0] - started_epoch, started_epoch + wall - arrived[-1]
    print(
        f"of which the pages themselves, first to last searchOrders: {paced:.0f} s of quota time, "
        f"ratio {paced / minimum if minimum else float('nan'):.4f}; before the first: {first:.1f} s wall, "
        f"after the last: {last:.1f} s"
    )
    print(f"load average (1, 5, 15 min) before the import: {before}; after: {after}")
    print(f"RESULT {throttled} {ratio:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--time-scale", type=float, default=40.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.runs == 1:
        run_once(orders=args.orders, time_scale=args.time_scale)
        return
    results = []
    for run in range(1, args.runs + 1):
        print(f"--- run {run} of {args.runs}", flush=True)
        command = [sys.executable, __file__, "--orders", str(args.orders), "--time-scale", str(args.time_scale)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        print(output, end="", flush=True)
        results.append(next(line.split()[1:] for line in output.splitlines() if line.startswith("RESULT ")))
    print(f"=== {args.runs} runs: 429 answers {[int(n) for n, _ in results]}; ratios {[r for _, r in results]}")


if __name__ == "__main__":
    main()
