"""Mass printing: N invoices laid out into one PDF as the order grid's *Print Invoices* does (a temporary file,
the documents read a chunk at a time): timed in a first pass, then again under tracemalloc for Python's peak memory
(tracemalloc slows Python down several times, so its pass is not timed), and the process's peak RSS.

    createdb -h 127.0.0.1 -U postgres bench_print
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_print \\
        .venv/bin/python bench/print_documents.py --invoices 500

Each order has three items and names in Traditional Chinese, Turkish and Japanese (the CJK fallback font is embedded
and subset); the orders are created and invoiced first (not timed)."""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=500)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from orders import documents
    from orders.models import Invoice, Order
    from orders.services import invoice_order
    from orders.tests.factories import StoreFactory, make_order

    call_command("migrate", verbosity=0)
    store = StoreFactory(name="台灣好物商店 İstanbul 東京", address="台北市信義區松高路 1 號\nKeizersgracht 12")
    names = [("陳", "大文"), ("Gülşen", "Öztürk"), ("山田", "太郎")]
    have = Invoice.objects.filter(order__store=store).count()
    for n in range(have, args.invoices):
        first, last = names[n % 3]
        order = make_order(
            store=store,
            items=[(f"BENCH-{n % 7}", 2, "12.50", "2.00"), ("BENCH-X", 1, "3.00"), ("BENCH-Y", 4, "1.25")],
            customer_first_name=first,
            customer_last_name=last,
        )
        invoice_order(order=order, actor=None)
    order_ids = list(Order.objects.filter(store=store).order_by("id").values_list("id", flat=True)[: args.invoices])
    connection.queries_log.clear()

    selection = documents.document_ids_for_orders(order_ids, (documents.INVOICE,))

    def print_once() -> tuple[int, int]:
        with tempfile.TemporaryFile() as spool:
            count = documents.write_documents(selection, spool)
            return count, spool.tell()

    started = time.perf_counter()
    count, size = print_once()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    print_once()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"invoices printed: {count} in one PDF of {size / 1e6:.1f} MB")
    print(f"time: {elapsed:.2f} s ({elapsed / max(count, 1) * 1000:.1f} ms a document)")
    print(f"peak Python memory while printing (tracemalloc): {peak / 1e6:.1f} MB")
    print(f"peak RSS of the process: {rss_kb / 1024:.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
