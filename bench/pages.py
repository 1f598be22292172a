"""Admin pages at scale: server time (median, p95) and query count per page, in-process with Django's test Client.

    createdb -h 127.0.0.1 -U postgres bench_100k
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_100k .venv/bin/python bench/load_orders.py --orders 100000
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_100k .venv/bin/python bench/pages.py --requests 30

A logged-in superuser (staff) requests each page `--requests` times after two warm-up requests; the time is the
server's whole handling of the request (middleware, view, queries, template), not the network. Query counts are
also taken at page size 20 and 200 to show they do not grow with the page size; *SQL ms* is the median time spent
in the page's queries (each query's execution timed around the database driver's call, round trip included), the
rest is Python. Goals: at 1,000,000 orders grids and order view median <= 50 ms, dashboards <= 100 ms; at
10,000,000 every page median <= 50 ms, p95 <= 100 ms. `--no-cache` turns the dashboard's figure cache off, so every
dashboard request is the one that recomputes its figures (`--only dashboard --no-cache` times exactly that).

The peer a Django user would reach for runs in the same process on the same data: Django's own admin changelist of
orders.Order (`orders/admin.py`, at /django-admin/), at the grid's page size (20 rows), newest first like the grid,
unfiltered and with the grid's filtered + sorted case; the last lines give the ratio to our grid. The machine's load
(`os.getloadavg`) is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from _setup import percentile, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", default="", help="comma-separated page labels (substring match)")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="dashboard figures computed on every request (DASHBOARD_CACHE_SECONDS=0): times the recomputing request",
    )
    parser.add_argument(
        "--no-parallel",
        action="store_true",
        help="max_parallel_workers_per_gather = 0 for the session (parallel plans cost more than they save on 2 cores)",
    )
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.contrib import admin
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # indexes added since the database was loaded
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from amazon_channel.models import AmazonOrder, AmazonStore
    from orders.models import Order

    settings.ALLOWED_HOSTS = ["*"]
    # Django's changelist at the grid's page size (its default is 100 rows), for a like-for-like page.
    admin.site._registry[Order].list_per_page = 20
    if args.no_cache:
        settings.DASHBOARD_CACHE_SECONDS = 0
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    if args.no_parallel:
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    total = Order.objects.count()
    amazon = AmazonOrder.objects.order_by("-id").only("amazon_order_id").first()
    store = AmazonStore.objects.order_by("pk").first()
    newest = Order.objects.order_by("-created_at").only("pk").first()
    middle = Order.objects.filter(increment_id__startswith="B").order_by("increment_id")[total // 2 : total // 2 + 1]
    view_order = (middle[0] if middle else newest).pk
    search = amazon.amazon_order_id if amazon else "103-"
    pages = [
        ("order grid: default page", "/sales/orders/"),
        ("order grid: search Amazon order #", f"/sales/orders/?q={search}"),
        ("order grid: filtered + sorted", "/sales/orders/?status=processing&channel=amazon&sort=-grand_total"),
        ("order grid: page size 200", "/sales/orders/?limit=200"),
        ("order grid: awaiting shipment", "/sales/orders/?awaiting=shipment"),
        ("order view", f"/sales/orders/{view_order}/"),
        ("Amazon All Orders grid", "/amazon/orders/"),
        ("Amazon All Orders: page size 200", "/amazon/orders/?limit=200"),
        ("dashboard", "/"),
        ("dashboard 24h", "/?range=24h"),
        ("dashboard 7d", "/?range=7d"),
        ("dashboard 1m", "/?range=1m"),
        ("dashboard 1y", "/?range=1y"),
    ]
    if store is not None:
        pages.append(("Amazon store dashboard", f"/dashboard/amazon/{store.pk}/"))
    # list_display column 7 is grand_total; in the bench data the status "processing" is the state "processing".
    pages += [
        ("Django admin changelist: default", "/django-admin/orders/order/"),
        (
            "Django admin: filtered + sorted",
            "/django-admin/orders/order/?state__exact=processing&channel__exact=amazon&o=-7",
        ),
    ]
    if args.only:
        wanted = [w.strip() for w in args.only.split(",")]
        pages = [p for p in pages if any(w in p[0] for w in wanted)]

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{total:,} orders ({AmazonOrder.objects.count():,} Amazon orders) on {connection.vendor}; "
        f"{args.requests} requests a page; dashboard cache {settings.DASHBOARD_CACHE_SECONDS} s; "
        f"parallel plans {'off' if args.no_parallel else 'on'}"
    )
    print(f"{'page':36} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'SQL ms':>7}")
    medians = {}
    for label, url in pages:
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        times, sql_times = [], []
        for _ in range(args.requests):
            timer = _QueryTimer()
            with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            sql_times.append(timer.seconds * 1000)
            assert response.status_code == 200, (url, response.status_code)
        medians[label] = statistics.median(times)
        print(
            f"{label:36} {statistics.median(times):10.1f} {percentile(times, 95):8.1f} {len(ctx.captured_queries):8} "
            f"{statistics.median(sql_times):7.1f}",
            flush=True,
        )
    for ours, django_admin in (
        ("order grid: default page", "Django admin changelist: default"),
        ("order grid: filtered + sorted", "Django admin: filtered + sorted"),
    ):
        if ours in medians and django_admin in medians:
            print(f"{django_admin} / {ours}: {medians[django_admin] / medians[ours]:.1f}x the median time")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


class _QueryTimer:
    """Time spent executing queries, to the microsecond (Django's captured query times are rounded to the ms)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


if __name__ == "__main__":
    main()
