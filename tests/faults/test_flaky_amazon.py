"""Amazon answering about one request in five with a 429, a 5xx, no answer in time, a cut body or a dropped
connection, during the import and the push: every order imported and every update accepted exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from amazon_channel.models import OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.sync import import_orders
from amazon_channel.testing.amazon_orders import import_from_sandbox, refund, ship, update_for
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import OrderComment

from .conftest import fast_client_for, ledger_faults
from .helpers import US, commerce_tally

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
State = OutboundUpdate.State
FAULTS = ("429", "500", "503", "slow", "truncate", "drop")
EACH = 0.2 / len(FAULTS)  # about 20 % of requests in all


def inject_everywhere(sandbox, *, operations=(None,), kinds=FAULTS, rate=EACH) -> None:
    for operation in operations:
        for kind in kinds:
            sandbox.control.inject(kind, operation=operation, rate=rate, seconds=0.6)


@pytest.mark.sandbox(orders=200)
def test_flaky_amazon_during_import_loses_and_doubles_nothing(sandbox, import_store, import_client_options, figures):
    import_client_options["read_timeout"] = 2.0  # the `slow` fault (3 s) is a timeout; a full page takes < 1 s
    sandbox.control.advance(600)
    # Timeouts are few but certain (each one costs the client's read timeout, per retry).
    inject_everywhere(sandbox, kinds=("429", "500", "503", "truncate", "drop"), rate=0.04)
    sandbox.control.inject("slow", operation="searchOrders", count=2, seconds=3.0)
    runs = []
    for round_ in range(3):
        for _ in range(30):  # a failed run keeps what it committed; the next one goes on from there
            result = import_orders(store=import_store)
            runs.append(result)
            if result.ok:
                break
        assert result.ok, [r.error for r in runs[-3:]]
        sandbox.control.add_orders(10, marketplace_id=US)
        sandbox.control.advance(900)
    tally = commerce_tally(sandbox, import_store)
    figures(faults=ledger_faults(sandbox), runs=len(runs), failed_runs=sum(not r.ok for r in runs), **tally)
    assert tally["duplicates"] == 0 and tally["losses"] == 0 and tally["phantoms"] == 0, tally
    assert tally["commerce_orders"] > 60
    assert ledger_faults(sandbox) > 0


FEED_READS = ("createFeedDocument", "getFeed", "getFeedDocument", "downloadFeedDocument")


def test_flaky_amazon_during_push_accepts_every_update_exactly_once(sandbox, sandbox_endpoints, figures):
    store = AmazonStoreFactory(name="US Store")
    client = fast_client_for(store, read_timeout=0.3)
    shipped_ids = sandbox.control.add_orders(
        30, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=US, items=2, quantity=2, lifecycle=False
    )
    refunded_ids = sandbox.control.add_orders(
        20, status="SHIPPED", fulfilled_by="MERCHANT", marketplace_id=US, items=1, lifecycle=False
    )
    updates = []
    for index, order_id in enumerate(shipped_ids):
        order = import_from_sandbox(store=store, order_id=order_id).commerce_order
        tracks = [("ups", "UPS", f"1Z{index:04d}A")] + ([("usps", "USPS", f"94{index:04d}")] if index % 3 == 0 else [])
        updates.append(update_for(ship(order=order, tracks=tracks)))
    for order_id in refunded_ids:
        order = import_from_sandbox(store=store, order_id=order_id).commerce_order
        updates.append(update_for(refund(order=order, quantities={order.items.get().sku: 1}, shipping=None)))

    # confirmShipment may be repeated safely: every fault. createFeed is not idempotent: only the faults that say for
    # sure it was not taken (Amazon's own rule); the others would rightly fail the updates for a person to check.
    inject_everywhere(sandbox, operations=("confirmShipment", "token", *FEED_READS))
    inject_everywhere(sandbox, operations=("createFeed", "uploadFeedDocument"), kinds=("429", "500", "503"))
    now = timezone.now()
    for minutes in range(0, 24 * 60, 5):
        at = now + timedelta(minutes=minutes)
        for update_id in scheduling.due_shipment_updates(now=at):
            scheduling.deliver_update(update_id=update_id, client=client, now=at)
        scheduling.process_store_feeds(store=store, client=client, now=at)
        sandbox.control.process_feeds()
        if not OutboundUpdate.objects.exclude(state=State.ACCEPTED).exists():
            break
    faults = ledger_faults(sandbox)
    states = Counter(OutboundUpdate.objects.values_list("state", flat=True))

    # Amazon's side: each package once, each adjustment message once.
    confirmed = Counter()
    for entry in sandbox.control.ledger("confirmShipment"):
        if entry["status"] == 204:
            confirmed[(entry["path"], entry["body"]["packageDetail"]["packageReferenceId"])] += 1
    packages = {order_id: sandbox.control.order(order_id)["packages"] for order_id in shipped_ids}
    package_refs = Counter((order_id, str(p["packageReferenceId"])) for order_id, ps in packages.items() for p in ps)
    adjustments = Counter(
        a["message_id"] for order_id in refunded_ids for a in sandbox.control.order(order_id)["adjustments"]
    )
    comments = Counter(
        OrderComment.objects.filter(comment__startswith="Sent to Amazon").values_list("order_id", flat=True)
    )
    figures(
        faults=faults,
        updates=len(updates),
        accepted=states[State.ACCEPTED],
        packages=sum(package_refs.values()),
        package_repeats_sent=sum(confirmed.values()) - len(confirmed),
        packages_twice=sum(n - 1 for n in package_refs.values()),
        adjustments_twice=sum(n - 1 for n in adjustments.values()),
        losses=len(updates) - states[State.ACCEPTED],
    )
    assert faults > 0
    assert states == {State.ACCEPTED: len(updates)}, states
    expected_packages = 30 + len(range(0, 30, 3))
    assert len(package_refs) == expected_packages and set(package_refs.values()) == {1}
    assert all(sandbox.control.order(order_id)["status"] == "SHIPPED" for order_id in shipped_ids)
    assert set(adjustments) == {str(u.pk) for u in updates[30:]} and set(adjustments.values()) == {1}
    assert len(comments) == 50 and set(comments.values()) == {1}  # one "Sent to Amazon" line per update
    created = [e for e in sandbox.control.ledger("createFeed") if e["status"] == 202]
    assert len(created) >= 1
