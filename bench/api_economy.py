"""API economy: importing a backlog from the sandbox, SP-API calls per imported order, and (with the sandbox
enforcing Amazon's usage plans, time-scaled) the catch-up time divided by the minimum the searchOrders quota allows.

    .venv/bin/python bench/api_economy.py --orders 10000 --time-scale 50

The sandbox runs in its own process with rate limits ON; the SP-API client uses the product's own rate limiter
(in-process, or Redis with REDIS_URL) and learns the scaled rate from `x-amzn-RateLimit-Limit`, as against Amazon.
searchOrders' plan: burst 20, then 0.0056 requests/s. P pages need at least (P - 20) / 0.0056 s of quota time; the
sandbox's buckets refill `time_scale` times faster, so quota time = wall time x time scale. Goals: calls per order
<= 0.0105, catch-up / minimum <= 1.05. Calls counted from the sandbox's ledger (every request it received);
the LWA token exchange is shown apart (it is not an SP-API operation and happens once an hour).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time

from _setup import setup_django

RATE, BURST = 0.0056, 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--time-scale", type=float, default=50.0)
    args = parser.parse_args()
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

    with sandbox_process(rate_limits=True, time_scale=args.time_scale) as control:
        point_settings_at(control.url)
        add_backlog(control, args.orders, marketplace_id=US)
        store = make_amazon_store(marketplace_id=US)
        started = time.perf_counter()
        result = import_orders(store=store)
        wall = time.perf_counter() - started
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
    pages = math.ceil(imported / 100)
    minimum = max(0, pages - BURST) / RATE
    quota_time = wall * args.time_scale
    print(f"backlog {args.orders} orders; imported {imported} Amazon orders ({commerce} Commerce orders)")
    print(f"requests by operation: {by_op}; 429 answers: {throttled}")
    print(
        f"SP-API calls per imported order: {api_calls / imported:.4f} (goal <= 0.0105); "
        f"with the token exchange: {(api_calls + by_op.get('token', 0)) / imported:.4f}"
    )
    print(f"searchOrders pages answered: {search_ok} (minimum {pages})")
    print(
        f"catch-up: {wall:.1f} s wall x {args.time_scale:g} = {quota_time:.0f} s of quota time; minimum the quota "
        f"allows for {pages} pages: {minimum:.0f} s; ratio {quota_time / minimum if minimum else float('nan'):.3f}"
        f" (goal <= 1.05)"
    )


if __name__ == "__main__":
    main()
