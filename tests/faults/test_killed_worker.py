"""A worker process killed with SIGKILL in the middle of an import or a push, then started again: nothing lost,
nothing twice. Real subprocesses sharing the PostgreSQL test database; the kill lands at a random moment while the
sandbox answers slowly, so the process is really in the middle of its work."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from amazon_channel.models import AmazonStore, OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.testing.amazon_orders import import_from_sandbox, ship, update_for
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import OrderComment

from .conftest import ledger_faults
from .helpers import ROOT, US, commerce_tally, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.postgres]
State = OutboundUpdate.State

PUSH_WORKER = """
import django
django.setup()
from amazon_channel.push import scheduling
for update_id in scheduling.due_shipment_updates():
    scheduling.deliver_update(update_id=update_id)
"""


def start(args: list[str], sandbox) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=worker_env(sandbox), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def kill_mid_run(process: subprocess.Popen, sandbox, operation: str, rng: random.Random) -> bool:
    """SIGKILL 0.5-2 s after the worker's first `operation` request reached Amazon; False if it finished first."""
    already = len(sandbox.control.ledger(operation))
    deadline = time.monotonic() + 60
    while len(sandbox.control.ledger(operation)) == already:
        assert process.poll() is None, process.stdout.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the worker never called Amazon"
        time.sleep(0.05)
    time.sleep(rng.uniform(0.5, 2.0))
    if process.poll() is not None:
        return False
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    return True


def run_to_completion(args: list[str], sandbox) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=worker_env(sandbox), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done.stdout


KILLS = 2


@pytest.mark.sandbox(orders=400)
def test_import_worker_killed_mid_run_then_restarted_loses_and_doubles_nothing(sandbox, postgres_only, figures):
    rng = random.Random()
    store = AmazonStoreFactory()
    sandbox.control.advance(600)
    command = ["manage.py", "amazon_sync", "--store", str(store.pk), "--no-progress"]
    kills = 0
    for _ in range(KILLS):
        # Each page answered after 1 s: a run of 4+ pages outlasts the kill, which comes 0.5-2 s after its first
        # request (the importer writes a page in a fraction of a second and fetches the next meanwhile).
        sandbox.control.inject("slow", operation="searchOrders", rate=1.0, seconds=1.0)
        killed = kill_mid_run(start(command, sandbox), sandbox, "searchOrders", rng)
        if killed and AmazonStore.objects.get(pk=store.pk).sync_lease_until is None:
            killed = False  # the run had finished and released its lease; the process was only exiting
        kills += killed
        if killed:
            # The dead worker's lease would block every run until it runs out: let it run out now.
            AmazonStore.objects.filter(pk=store.pk).update(sync_lease_until=timezone.now() - timedelta(seconds=1))
        sandbox.control.add_orders(20, marketplace_id=US)
        sandbox.control.advance(300)
    faults = ledger_faults(sandbox)
    sandbox.control.clear_faults()
    run_to_completion(command, sandbox)
    tally = commerce_tally(sandbox, store)
    figures(kills=kills, faults=faults, **tally)
    assert kills >= 1
    assert tally["duplicates"] == 0 and tally["losses"] == 0 and tally["phantoms"] == 0, tally
    assert tally["commerce_orders"] == tally["importable"] > 100


@pytest.mark.sandbox(orders=0)
def test_push_worker_killed_mid_run_then_restarted_confirms_each_package_once(
    sandbox_endpoints, postgres_only, figures, monkeypatch
):
    sandbox = sandbox_endpoints  # its orders are imported over HTTP (getOrder) before the workers start
    monkeypatch.setattr(scheduling, "enqueue_delivery", lambda **kwargs: None)  # the subprocess is the worker here
    rng = random.Random()
    store = AmazonStoreFactory(name="US Store")
    order_ids = sandbox.control.add_orders(
        16, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=US, items=2, quantity=2, lifecycle=False
    )
    updates = []
    for index, order_id in enumerate(order_ids):
        order = import_from_sandbox(store=store, order_id=order_id).commerce_order
        tracks = [("ups", "UPS", f"1Z{index:04d}K")] + ([("usps", "USPS", f"94{index:04d}")] if index % 2 else [])
        updates.append(update_for(ship(order=order, tracks=tracks)))
    sandbox.control.inject("slow", operation="confirmShipment", rate=1.0, seconds=0.25)
    command = ["-c", PUSH_WORKER]
    kills = 0
    for _ in range(KILLS):
        kills += kill_mid_run(start(command, sandbox), sandbox, "confirmShipment", rng)
        # A dead worker's claims ("sending" until the lease runs out): let them run out now.
        OutboundUpdate.objects.filter(state=State.SENDING).update(lease_until=timezone.now() - timedelta(seconds=1))
    sandbox.control.clear_faults()
    run_to_completion(command, sandbox)

    states = Counter(OutboundUpdate.objects.values_list("state", flat=True))
    confirmed = Counter()
    for entry in sandbox.control.ledger("confirmShipment"):
        if entry["status"] == 204:
            confirmed[(entry["path"], entry["body"]["packageDetail"]["packageReferenceId"])] += 1
    at_amazon = {order_id: sandbox.control.order(order_id)["packages"] for order_id in order_ids}
    packages = Counter((order_id, str(p["packageReferenceId"])) for order_id, ps in at_amazon.items() for p in ps)
    comments = Counter(
        OrderComment.objects.filter(comment__startswith="Sent to Amazon").values_list("order_id", flat=True)
    )
    expected_packages = 16 + 8
    figures(
        kills=kills,
        updates=len(updates),
        accepted=states[State.ACCEPTED],
        packages=sum(packages.values()),
        package_repeats_sent=sum(confirmed.values()) - len(confirmed),
        packages_twice=sum(n - 1 for n in packages.values()),
        losses=len(updates) - states[State.ACCEPTED],
    )
    assert kills >= 1
    assert states == {State.ACCEPTED: len(updates)}, states
    assert len(packages) == expected_packages and set(packages.values()) == {1}, packages
    assert len(confirmed) == expected_packages
    assert all(sandbox.control.order(order_id)["status"] == "SHIPPED" for order_id in order_ids)
    assert len(comments) == len(updates) and set(comments.values()) == {1}
