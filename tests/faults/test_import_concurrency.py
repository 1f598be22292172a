"""Two workers importing the same store at the same time, again and again, while Amazon's orders move on between
runs: never a duplicate Commerce order, never a missing one."""

from __future__ import annotations

import random
import time

import pytest
from django.db import OperationalError

from amazon_channel.models import AmazonStore
from amazon_channel.sync import import_orders

from .helpers import US, commerce_tally, run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROUNDS = 2


def _worker(store_pk: int, runs: list, locked: list):
    """One worker: imports until it has had one complete run of its own (a busy answer means the other one runs)."""

    def work():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                result = import_orders(store=AmazonStore.objects.get(pk=store_pk))
            except OperationalError as exc:
                # SQLite's shared in-memory test database answers a lock at once instead of waiting; a worker's task
                # that fails like this is simply run again (PostgreSQL and SQLite files wait for the lock instead).
                if "locked" not in str(exc):
                    raise
                locked.append(exc)
                time.sleep(0.05)
                continue
            runs.append(result)
            if result.ok:
                return result
            time.sleep(0.05)
        raise AssertionError(f"no complete run: {[r.error or 'busy' for r in runs[-3:]]}")

    return work


def _move_amazon_on(sandbox, rng: random.Random) -> None:
    """New orders arrive, some get paid, shipped or canceled, and Amazon's clock moves on."""
    sandbox.control.add_orders(rng.randint(5, 15), marketplace_id=US)
    sandbox.control.add_orders(rng.randint(1, 5), status="UNSHIPPED", lifecycle=False, marketplace_id=US)
    ours = [o for o in sandbox.control.orders() if o["marketplace_id"] == US]
    pending = [o["order_id"] for o in ours if o["status"] == "PENDING"]
    unshipped = [o["order_id"] for o in ours if o["status"] == "UNSHIPPED"]
    for order_id in rng.sample(pending, min(5, len(pending))):
        sandbox.control.set_status(order_id, "UNSHIPPED")
    for order_id in rng.sample(unshipped, min(3, len(unshipped))):
        sandbox.control.set_status(order_id, rng.choice(["SHIPPED", "CANCELLED"]))
    sandbox.control.advance(rng.randint(300, 900))


def _two_workers_repeatedly(sandbox, store, figures):
    rng = random.Random(8)
    sandbox.control.advance(600)
    runs: list = []
    locked: list = []
    for _ in range(ROUNDS):
        first, second = run_concurrently(_worker(store.pk, runs, locked), _worker(store.pk, runs, locked))
        assert first.ok and second.ok
        tally = commerce_tally(sandbox, store)
        assert tally["duplicates"] == 0 and tally["losses"] == 0 and tally["phantoms"] == 0, tally
        _move_amazon_on(sandbox, rng)
    # A last pair over what moved in the final round.
    run_concurrently(_worker(store.pk, runs, locked), _worker(store.pk, runs, locked))
    tally = commerce_tally(sandbox, store)
    figures(
        rounds=ROUNDS + 1,
        runs=len(runs),
        busy=sum(1 for r in runs if r.busy),
        taken_over=sum(1 for r in runs if r.error),
        sqlite_locks=len(locked),
        **tally,
    )
    assert tally == {**tally, "duplicates": 0, "losses": 0, "phantoms": 0}
    assert tally["commerce_orders"] > 40


# A lease of one second runs out mid-run: the other worker takes over and both really process pages at once.
LEASES = pytest.mark.parametrize("lease_seconds", [600, 1], ids=["lease-held", "lease-expires-mid-run"])


@LEASES
@pytest.mark.sandbox(orders=120)
def test_two_workers_importing_the_same_store_repeatedly(sandbox, import_store, figures, settings, lease_seconds):
    settings.AMAZON_IMPORT_LEASE_SECONDS = lease_seconds
    _two_workers_repeatedly(sandbox, import_store, figures)


@LEASES
@pytest.mark.postgres
@pytest.mark.sandbox(orders=120)
def test_two_workers_importing_the_same_store_repeatedly_on_postgresql(
    sandbox, import_store, figures, settings, postgres_only, lease_seconds
):
    settings.AMAZON_IMPORT_LEASE_SECONDS = lease_seconds
    _two_workers_repeatedly(sandbox, import_store, figures)
