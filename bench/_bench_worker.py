"""A Celery worker for bench/many_stores.py: the product's own worker, told the sandbox's time-scaled searchOrders rate
for the bench's sellers before it starts (a worker otherwise learns it from the first answer's
`x-amzn-RateLimit-Limit`, and until then would pace an empty bucket at Amazon's real 0.0056/s)."""

from __future__ import annotations

import os
import sys

from _setup import setup_django


def main() -> None:
    setup_django()
    from amazon_channel.spapi.ratelimit import RATES
    from config.celery import app

    rate = os.environ["BENCH_SEARCH_RATE"]
    for seller in os.environ["BENCH_SELLERS"].split(","):
        RATES.observe(seller, "searchOrders", rate)
    app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
