"""Rebuild the Amazon orders' hourly revenue statistics (AmazonSalesHour) from the orders, as
`refresh_sales_statistics` does for the Commerce orders' tables.

The writers of Amazon orders keep the table exact as they go; this is for rows loaded behind their back
(bench/load_orders.py) or a check after an incident. One transaction: the dashboard reads the old rows until it
commits, and writers changing Amazon orders meanwhile wait for it (PostgreSQL: the table is locked EXCLUSIVE, reads
allowed), then add their change to the rebuilt rows.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from amazon_channel.core import statistics


class Command(BaseCommand):
    help = "Rebuild the Amazon orders' hourly revenue statistics (the Amazon store dashboard's revenue)."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        statistics.rebuild()
        self.stdout.write(f"Amazon sales statistics rebuilt in {time.perf_counter() - started:.1f} s.")
