"""How fast the order grid answers with many orders.

    DATABASE_URL=sqlite:////tmp/grid-bench.sqlite3 .venv/bin/python bench/order_grid.py --orders 100000

Fills the database (once; rows are bulk-inserted, not placed through the services: only the grid's reads are
measured), then times the grid's pages a person opens most: default sort, a search, filters, another sort, a deep
page. Prints milliseconds per page (median of 5) and the queries each page ran.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from datetime import timedelta  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from orders.models import Order, Store  # noqa: E402

PAGES = [
    ("default (newest first)", "/sales/orders/"),
    ("search increment id", "/sales/orders/?q=B5000"),
    ("search Amazon order #", "/sales/orders/?q=103-0000003"),
    ("search name", "/sales/orders/?q=costello"),
    ("status filter", "/sales/orders/?status=processing"),
    ("channel + date range", "/sales/orders/?channel=amazon&purchased_from=2026-01-01&purchased_to=2026-03-31"),
    ("sort by grand total", "/sales/orders/?sort=-grand_total"),
    ("sort by bill-to name", "/sales/orders/?sort=billing_name&limit=200"),
    ("page 400", "/sales/orders/?page=400"),
]


def fill(n: int) -> None:
    have = Order.objects.count()
    if have >= n:
        return
    store, _ = Store.objects.get_or_create(code="default", defaults={"name": "Main Website Store"})
    names = ["Smith", "Costello", "Nguyen", "Garcia", "Müller", "Jansen", "Chen", "Okafor"]
    statuses = ["pending", "processing", "processing", "complete", "canceled", "holded", "closed"]
    start = timezone.now() - timedelta(days=400)
    batch = []
    for i in range(have, n):
        amazon = i % 3 == 0
        total = Decimal(10 + (i * 7919) % 990) + Decimal("0.99")
        name = f"Customer{i % 997} {names[i % len(names)]}"
        batch.append(
            Order(
                increment_id=f"{1000000 + i}",
                store=store,
                channel="amazon" if amazon else "web",
                external_order_number=f"113-{i:07d}-{(i * 31) % 10_000_000:07d}" if amazon else None,
                status=statuses[i % len(statuses)],
                customer_email=f"c{i}@example.com",
                customer_first_name=name.split()[0],
                customer_last_name=name.split()[1],
                billing_name=name,
                shipping_name=name,
                grand_total=total,
                base_grand_total=total,
                subtotal=total,
                created_at=start + timedelta(minutes=i * 5),
            )
        )
        if len(batch) == 5000:
            Order.objects.bulk_create(batch)
            batch = []
    if batch:
        Order.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    fill(args.orders)
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    print(f"{Order.objects.count()} orders on {connection.vendor}")
    for label, url in PAGES:
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{label:28} {statistics.median(times):8.1f} ms  {len(ctx.captured_queries)} queries")


if __name__ == "__main__":
    main()
