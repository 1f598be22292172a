"""Pushing to the Seller Central sandbox over HTTP: what arrives is asserted field by field from the sandbox's ledger
(every request the sandbox also validates against Amazon's official models), and Amazon's side of each order is
checked after delivery."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from amazon_channel.core import client as clients
from amazon_channel.core.communication import record_communication_error
from amazon_channel.models import CommunicationLog, OutboundUpdate
from amazon_channel.push import outcome, scheduling, timing
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import import_from_sandbox, refund, ship, update_for
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import OrderComment
from orders.services import cancel_order

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
State = OutboundUpdate.State


class WorkerKilled(outcome.WorkerStopped):
    pass


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="US Store")


@pytest.fixture
def client(store):
    # A fresh rate limiter per test and no real sleeping between the client's own retries.
    return clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)


def new_order(sandbox, store, **kind):
    kind = {"status": "UNSHIPPED", "fulfilled_by": "MERCHANT", "marketplace_id": "ATVPDKIKX0DER", **kind}
    [order_id] = sandbox.control.add_orders(1, lifecycle=False, **kind)
    return import_from_sandbox(store=store, order_id=order_id)


FEED_OPERATIONS = ("createFeedDocument", "uploadFeedDocument", "createFeed", "getFeed", "getFeedDocument")
FEED_READS = ("createFeedDocument", "getFeed", "getFeedDocument", "downloadFeedDocument")


def run_feeds(sandbox, store, client, now):
    """Submit what is due, let Amazon process it, then read the reports."""
    scheduling.process_store_feeds(store=store, client=client, now=now)
    sandbox.control.process_feeds()
    scheduling.process_store_feeds(store=store, client=client, now=now + timedelta(minutes=1))


def uploaded_documents(sandbox) -> list[ET.Element]:
    """Every feed document uploaded, whole, as the sandbox stored it (the ledger keeps only the start of a body)."""
    documents = []
    for entry in sandbox.control.ledger("uploadFeedDocument"):
        assert entry["status"] in (200, 204)
        document_id = entry["path"].rsplit("/", 1)[-1]
        documents.append(ET.fromstring(sandbox.sandbox.documents[document_id].content))
    return documents


def test_partial_shipment_with_two_tracking_numbers_arrives_as_two_packages(sandbox, store, client):
    amazon_order = new_order(sandbox, store, items=2, quantity=2)
    order = amazon_order.commerce_order
    first_sku, second_sku = (item.seller_sku for item in amazon_order.items.order_by("id"))
    shipment = ship(
        order=order, quantities={first_sku: 2}, tracks=[("ups", "UPS", "1Z9990001"), ("custom", "Pigeon Post", "PP7")]
    )

    assert scheduling.deliver_update(update_id=update_for(shipment).pk, client=client).state == State.ACCEPTED

    entries = sandbox.control.ledger("confirmShipment")
    assert [e["status"] for e in entries] == [204, 204]
    assert {e["path"] for e in entries} == {f"/orders/v0/orders/{amazon_order.amazon_order_id}/shipmentConfirmation"}
    first_item = amazon_order.items.get(seller_sku=first_sku).order_item_id
    ship_date = shipment.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [e["body"] for e in entries] == [
        {
            "marketplaceId": "ATVPDKIKX0DER",
            "packageDetail": {
                "packageReferenceId": str(shipment.pk * 1000 + 1),
                "carrierCode": "UPS",
                "trackingNumber": "1Z9990001",
                "shipDate": ship_date,
                "shippingMethod": "STANDARD",
                "orderItems": [{"orderItemId": first_item, "quantity": 1}],
            },
        },
        {
            "marketplaceId": "ATVPDKIKX0DER",
            "packageDetail": {
                "packageReferenceId": str(shipment.pk * 1000 + 2),
                "carrierCode": "Other",
                "carrierName": "Pigeon Post",
                "trackingNumber": "PP7",
                "shipDate": ship_date,
                "shippingMethod": "STANDARD",
                "orderItems": [{"orderItemId": first_item, "quantity": 1}],
            },
        },
    ]
    at_amazon = sandbox.control.order(amazon_order.amazon_order_id)
    assert at_amazon["status"] == "PARTIALLY_SHIPPED"
    shipped = {i["order_item_id"]: i["quantity_shipped"] for i in at_amazon["items"]}
    assert shipped[first_item] == 2 and sum(shipped.values()) == 2
    assert [p["trackingNumber"] for p in at_amazon["packages"]] == ["1Z9990001", "PP7"]

    # The rest of the order, later, with its own package.
    rest = ship(order=order, quantities={second_sku: 2}, tracks=[("usps", "USPS", "9400111")])
    assert scheduling.deliver_update(update_id=update_for(rest).pk, client=client).state == State.ACCEPTED
    assert sandbox.control.order(amazon_order.amazon_order_id)["status"] == "SHIPPED"


def test_cancel_arrives_as_an_order_acknowledgement_and_cancels_the_order(sandbox, store, client):
    amazon_order = new_order(sandbox, store, items=2)
    # An Amazon order that is not invoiced yet can be cancelled in Commerce.
    order = amazon_order.commerce_order
    from orders.models import Invoice

    Invoice.objects.filter(order=order).delete()
    order.items.update(qty_invoiced=0)
    type(order).objects.filter(pk=order.pk).update(total_invoiced=0, total_paid=0, state="new", status="pending")
    cancel_order(order=order, actor=None, channel_data={"amazon_cancel_reason": "ShippingAddressUndeliverable"})
    update = OutboundUpdate.objects.get(amazon_order=amazon_order)

    run_feeds(sandbox, store, client, timezone.now())

    [create] = sandbox.control.ledger("createFeed")
    assert create["status"] == 202
    assert create["body"]["feedType"] == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    assert create["body"]["marketplaceIds"] == ["ATVPDKIKX0DER"]
    [document] = uploaded_documents(sandbox)
    assert document.findtext("Header/MerchantIdentifier") == "A2SANDBOXSELLER"
    assert document.findtext("MessageType") == "OrderAcknowledgement"
    [message] = document.findall("Message")
    assert message.findtext("MessageID") == str(update.pk)
    ack = message.find("OrderAcknowledgement")
    assert ack.findtext("AmazonOrderID") == amazon_order.amazon_order_id
    assert ack.findtext("MerchantOrderID") == order.increment_id
    assert ack.findtext("StatusCode") == "Failure"
    assert [(i.findtext("AmazonOrderItemCode"), i.findtext("CancelReason")) for i in ack.findall("Item")] == [
        (item.order_item_id, "ShippingAddressUndeliverable") for item in amazon_order.items.order_by("id")
    ]
    update.refresh_from_db()
    assert update.state == State.ACCEPTED
    assert sandbox.control.order(amazon_order.amazon_order_id)["status"] == "CANCELLED"
    assert OrderComment.objects.filter(
        order=order, comment__startswith="Sent to Amazon: order cancellation accepted"
    ).exists()


def test_two_hundred_refunds_go_out_in_one_feed_and_every_result_is_applied(sandbox, store, client):
    order_ids = sandbox.control.add_orders(
        200, status="SHIPPED", fulfilled_by="MERCHANT", marketplace_id="ATVPDKIKX0DER", items=1, lifecycle=False
    )
    updates = []
    for index, order_id in enumerate(order_ids):
        amazon_order = import_from_sandbox(store=store, order_id=order_id)
        order = amazon_order.commerce_order
        if index in (17, 133):
            # Two refunds Amazon must reject: an item Amazon doesn't know.
            order.items.update(external_item_id="99999999999999")
        sku = order.items.get().sku
        memo = refund(
            order=order, quantities={sku: 1}, shipping=None, channel_data={"amazon_adjustment_reason": "NoInventory"}
        )
        updates.append(update_for(memo))
    now = timezone.now()

    run_feeds(sandbox, store, client, now)

    [create] = sandbox.control.ledger("createFeed")
    assert create["body"]["feedType"] == "POST_PAYMENT_ADJUSTMENT_DATA"
    [document] = uploaded_documents(sandbox)
    assert document.findtext("MessageType") == "OrderAdjustment"
    messages = document.findall("Message")
    assert [int(m.findtext("MessageID")) for m in messages] == [u.pk for u in updates]
    first = messages[0].find("OrderAdjustment")
    assert first.findtext("AmazonOrderID") == order_ids[0]
    [item] = first.findall("AdjustedItem")
    at_amazon = sandbox.control.order(order_ids[0])["items"][0]
    assert item.findtext("AmazonOrderItemCode") == at_amazon["order_item_id"]
    assert item.findtext("AdjustmentReason") == "NoInventory"
    components = {
        c.findtext("Type"): (c.find("Amount").text, c.find("Amount").get("currency"))
        for c in item.findall("ItemPriceAdjustments/Component")
    }
    quantity = at_amazon["quantity"]
    principal = Decimal(at_amazon["unit_price"])
    tax = (Decimal(at_amazon["item_tax"]) / quantity).quantize(Decimal("0.01"))
    assert components["Principal"] == (str(principal), "USD")
    assert components["Tax"] == (str(tax), "USD")
    if quantity == 1:  # the whole order refunded: its shipping too
        assert components["Shipping"] == (at_amazon["shipping"], "USD")
        assert components["ShippingTax"] == (at_amazon["shipping_tax"], "USD")

    states = {u.pk: OutboundUpdate.objects.get(pk=u.pk) for u in updates}
    failed = sorted(pk for pk, u in states.items() if u.state == State.FAILED)
    assert failed == sorted([updates[17].pk, updates[133].pk])
    assert sum(u.state == State.ACCEPTED for u in states.values()) == 198
    assert "18029" in states[updates[17].pk].last_response
    adjusted = sandbox.control.order(order_ids[0])["adjustments"]
    assert len(adjusted) == 1 and adjusted[0]["message_id"] == str(updates[0].pk)


@pytest.mark.parametrize("fault", ["429", "500", "503", "drop", "expired_token"], ids=lambda fault: f"fault-{fault}")
def test_injected_faults_delay_a_shipment_but_it_is_accepted_exactly_once(sandbox, store, client, fault):
    amazon_order = new_order(sandbox, store, items=1, quantity=2)
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("dhl", "DHL", "JD0001")]))
    sandbox.control.inject(fault, operation="confirmShipment", count=8)  # more than the client's own retries
    now = timezone.now()

    for minutes in range(0, 120, 5):
        result = scheduling.deliver_update(update_id=update.pk, client=client, now=now + timedelta(minutes=minutes))
        if result.state == State.ACCEPTED:
            break
    assert result.state == State.ACCEPTED
    at_amazon = sandbox.control.order(amazon_order.amazon_order_id)
    assert len(at_amazon["packages"]) == 1
    assert at_amazon["items"][0]["quantity_shipped"] == 2
    update.refresh_from_db()
    assert update.attempts >= 2
    if fault not in {"expired_token"}:  # an expired token is refreshed silently by the client
        assert CommunicationLog.objects.filter(store=store, operation="confirmShipment").exists()


def test_timeouts_delay_a_shipment_but_it_is_accepted_exactly_once(sandbox, store):
    from amazon_channel.spapi import SpApiClient, SpApiConfig

    client = SpApiClient(
        SpApiConfig.for_store(store, read_timeout=0.3, max_retries=2),
        rate_limiter=InProcessRateLimiter(),
        sleep=lambda seconds: None,
        on_error=lambda operation, exc: record_communication_error(store=store, operation=operation, exc=exc),
    )
    amazon_order = new_order(sandbox, store, items=1, quantity=1)
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z77")]))
    sandbox.control.inject("slow", operation="confirmShipment", count=3, seconds=1.0)
    now = timezone.now()

    first = scheduling.deliver_update(update_id=update.pk, client=client, now=now)
    assert first.state == State.PENDING and "no answer in time" in first.message
    second = scheduling.deliver_update(update_id=update.pk, client=client, now=now + timedelta(minutes=5))
    assert second.state == State.ACCEPTED
    # Amazon may have taken the slow requests too: the package is there once all the same.
    at_amazon = sandbox.control.order(amazon_order.amazon_order_id)
    assert len(at_amazon["packages"]) == 1 and at_amazon["items"][0]["quantity_shipped"] == 1


@pytest.mark.parametrize(
    ("fault", "operations"),
    [
        ("429", FEED_OPERATIONS),
        ("500", FEED_OPERATIONS),
        ("503", FEED_OPERATIONS),
        # Answers that may hide a done createFeed are only injected where a repeat is harmless.
        ("drop", FEED_READS),
        ("truncate", FEED_READS),
        ("malformed", FEED_READS),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_injected_faults_on_feeds_still_end_with_the_refund_accepted_once(sandbox, store, client, fault, operations):
    amazon_order = new_order(sandbox, store, status="SHIPPED", items=1)
    sku = amazon_order.commerce_order.items.get().sku
    update = update_for(refund(order=amazon_order.commerce_order, quantities={sku: 1}, shipping=None))
    for operation in operations:
        sandbox.control.inject(fault, operation=operation, count=7)
    now = timezone.now()

    for minutes in range(0, 600, 5):
        scheduling.process_store_feeds(store=store, client=client, now=now + timedelta(minutes=minutes))
        sandbox.control.process_feeds()
        update.refresh_from_db()
        if update.state == State.ACCEPTED:
            break
    assert update.state == State.ACCEPTED
    assert len(sandbox.control.order(amazon_order.amazon_order_id)["adjustments"]) == 1
    assert len([e for e in sandbox.control.ledger("createFeed") if e["status"] == 202]) == 1


def test_worker_killed_after_confirm_shipment_is_accepted_exactly_once(sandbox, store, client, monkeypatch):
    amazon_order = new_order(sandbox, store, items=1, quantity=1)
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("fedex", "FedEx", "7700")]))
    real = client.confirm_shipment

    def confirm_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise WorkerKilled  # the HTTP call went out; the worker dies before recording it

    monkeypatch.setattr(client, "confirm_shipment", confirm_then_die)
    now = timezone.now()
    with pytest.raises(WorkerKilled):
        scheduling.deliver_update(update_id=update.pk, client=client, now=now)
    monkeypatch.setattr(client, "confirm_shipment", real)

    # The sweep finds it once the lease ran out; the same package goes again.
    later = now + timing.lease_duration() + timedelta(seconds=1)
    assert scheduling.due_shipment_updates(now=later) == [update.pk]
    assert scheduling.deliver_update(update_id=update.pk, client=client, now=later).state == State.ACCEPTED

    entries = sandbox.control.ledger("confirmShipment")
    assert [e["status"] for e in entries] == [204, 204]
    assert entries[0]["body"] == entries[1]["body"]
    at_amazon = sandbox.control.order(amazon_order.amazon_order_id)
    assert len(at_amazon["packages"]) == 1 and at_amazon["items"][0]["quantity_shipped"] == 1
    order = amazon_order.commerce_order
    assert OrderComment.objects.filter(order=order, comment__startswith="Sent to Amazon").count() == 1


def test_read_only_mode_sends_nothing(sandbox, store, client):
    store.read_only_mode = True
    store.save()
    amazon_order = new_order(sandbox, store, items=2, quantity=1)
    order = amazon_order.commerce_order
    first_sku = amazon_order.items.order_by("id").first().seller_sku
    shipment = ship(order=order, quantities={first_sku: 1}, tracks=[("ups", "UPS", "1Z1")])
    refund(order=order, quantities={first_sku: 1}, shipping=None)
    imported_with = len(sandbox.control.ledger())  # the order's own import (getOrder)

    scheduling.deliver_update(update_id=update_for(shipment).pk, client=client)
    scheduling.process_store_feeds(store=store, client=client)

    assert sandbox.control.ledger()[imported_with:] == []
    assert set(OutboundUpdate.objects.values_list("state", flat=True)) == {State.PENDING}


def test_a_rejected_shipment_shows_amazons_message_and_can_be_retried(sandbox, store, client):
    amazon_order = new_order(sandbox, store, items=1, quantity=1)
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))
    sandbox.control.set_status(amazon_order.amazon_order_id, "PENDING")  # Amazon holds the order back

    assert scheduling.deliver_update(update_id=update.pk, client=client).state == State.FAILED
    update.refresh_from_db()
    [entry] = sandbox.control.ledger("confirmShipment")
    amazon_message = entry["response"]["errors"][0]["message"]
    assert update.last_response == f"Amazon rejected it: InvalidInput: {amazon_message}"

    sandbox.control.set_status(amazon_order.amazon_order_id, "UNSHIPPED")
    assert scheduling.retry_update(update=update, actor=None)
    assert scheduling.deliver_update(update_id=update.pk, client=client).state == State.ACCEPTED
    assert sandbox.control.order(amazon_order.amazon_order_id)["status"] == "SHIPPED"


@pytest.mark.parametrize("fault", ["drop", "truncate"])
def test_a_create_feed_that_may_have_reached_amazon_is_never_sent_twice(sandbox, store, client, fault):
    amazon_order = new_order(sandbox, store, status="SHIPPED", items=1)
    sku = amazon_order.commerce_order.items.get().sku
    update = update_for(refund(order=amazon_order.commerce_order, quantities={sku: 1}, shipping=None))
    sandbox.control.inject(fault, operation="createFeed", count=1)
    now = timezone.now()

    for minutes in (0, 5, 60):
        scheduling.process_store_feeds(store=store, client=client, now=now + timedelta(minutes=minutes))

    assert len(sandbox.control.ledger("createFeed")) == 1
    update.refresh_from_db()
    assert update.state == State.FAILED
    assert "check Seller Central's feed upload history before retrying" in update.last_response
