"""Magento's "Refresh Lifetime Statistics": rebuild the sales statistics tables and the awaiting flags from scratch.

The services keep them exact as they go; this is for data loaded behind their back (bench/load_orders.py, an import
from another system) or a check after an incident. It runs in one transaction: the dashboard reads the old figures
until it commits, and orders placed or cancelled meanwhile wait for it (PostgreSQL: the statistics tables are locked
EXCLUSIVE, reads allowed) and then add their change to the rebuilt rows. Best run at a quiet moment all the same: a
service changing an order whose flags the rebuild is correcting at that instant can meet it in a deadlock, which
PostgreSQL resolves by failing one of the two.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from orders.services import statistics


class Command(BaseCommand):
    help = "Rebuild the sales statistics (hourly sales, bestsellers) and the awaiting invoice / shipment flags."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        statistics.rebuild()
        self.stdout.write(f"Sales statistics rebuilt in {time.perf_counter() - started:.1f} s.")
