"""What the sandbox holds versus what Commerce made of it."""

from __future__ import annotations

import threading
from collections import Counter

from django.db import connection
from django.utils.dateparse import parse_datetime

from amazon_channel.models import AmazonStore
from amazon_channel.services.importing import is_importable
from orders.models import Order

US = "ATVPDKIKX0DER"


def importable_at_amazon(sandbox, cursor, marketplace_id: str = US) -> set[str]:
    """Orders Amazon's search shows by the store's cursor that must have a Commerce order by now."""
    return {
        o["order_id"]
        for o in sandbox.control.orders()
        if o["marketplace_id"] == marketplace_id
        and parse_datetime(o["last_updated"]) <= cursor
        and parse_datetime(o["indexed_at"]) <= cursor
        and is_importable(status=o["status"], fulfilled_by=o["fulfilled_by"])
    }


def commerce_tally(sandbox, store: AmazonStore) -> dict[str, int]:
    """orders, duplicates, losses (importable at Amazon, no Commerce order), phantoms (no such Amazon order)."""
    store = AmazonStore.objects.get(pk=store.pk)
    numbers = Counter(Order.objects.filter(channel="amazon").values_list("external_order_number", flat=True))
    expected = importable_at_amazon(sandbox, store.last_order_sync)
    at_amazon = {o["order_id"] for o in sandbox.control.orders()}
    return {
        "importable": len(expected),
        "commerce_orders": len(numbers),
        "duplicates": sum(count - 1 for count in numbers.values()),
        "losses": len(expected - set(numbers)),
        "phantoms": len(set(numbers) - at_amazon),
    }


def run_concurrently(*works, timeout: float = 300) -> list:
    """Each callable in its own thread with its own database connection, started together."""
    results, errors = [None] * len(works), []
    barrier = threading.Barrier(len(works))

    def worker(index: int, work) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, w)) for i, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert not errors, errors
    return results
