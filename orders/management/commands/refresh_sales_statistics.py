"""Magento's "Refresh Lifetime Statistics": rebuild the sales statistics tables and the awaiting flags from scratch.

The services keep them exact as they go; this is for data loaded behind their back (bench/load_orders.py, an import
from another system) or a check after an incident. It runs in one transaction: the dashboard reads the old figures
until it commits.
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
