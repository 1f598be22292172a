"""VAT invoices reach the sandbox as UPLOAD_VAT_INVOICE feeds, one PDF each, with their feed options; a PDF that
doesn't open is rejected per document, shown on the update and sent again by Retry."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from amazon_channel.core import client as clients
from amazon_channel.models import OutboundUpdate
from amazon_channel.push import blocks, scheduling, selectors, vat_invoices
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import charged_by_amazon, import_from_sandbox, refund
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import OrderComment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
State = OutboundUpdate.State
UK = "A1F83G8C2ARO7P"


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="UK Store", region="eu", marketplace_id=UK)


@pytest.fixture
def client(store):
    return clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)


def run_feeds(sandbox, store, client, now):
    scheduling.process_store_feeds(store=store, client=client, now=now)
    sandbox.control.process_feeds()
    scheduling.process_store_feeds(store=store, client=client, now=now + timedelta(minutes=1))


def test_invoice_and_credit_note_upload_with_their_options_and_a_bad_pdf_is_retried(
    sandbox, store, client, monkeypatch
):
    [order_id] = sandbox.control.add_orders(
        1, lifecycle=False, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=UK, items=1, quantity=2
    )
    amazon_order = import_from_sandbox(store=store, order_id=order_id)
    order = amazon_order.commerce_order
    invoice = order.invoices.get()  # written by the import with the order: the sweep picks it up
    assert store.pk in scheduling.stores_with_feed_work()
    sku = amazon_order.items.get().seller_sku
    charged_by_amazon(amazon_order)
    memo = refund(order=order, quantities={sku: 1})
    credit_update = OutboundUpdate.objects.get(idempotency_key=f"vatcreditnote:{memo.pk}")

    # The credit note's PDF comes out damaged once: Amazon (the sandbox) says the document doesn't open.
    real_pdf = vat_invoices.documents.document_pdf
    broken = {"left": 1}

    def pdf_once_broken(kind, pk):
        data = real_pdf(kind, pk)
        if kind == "credit_memo" and broken["left"]:
            broken["left"] -= 1
            return data[:200]
        return data

    monkeypatch.setattr(vat_invoices.documents, "document_pdf", pdf_once_broken)
    now = timezone.now()
    run_feeds(sandbox, store, client, now)

    invoice_update = OutboundUpdate.objects.get(idempotency_key=f"vatinvoice:{invoice.pk}")
    credit_update.refresh_from_db()
    assert invoice_update.state == State.ACCEPTED
    assert credit_update.state == State.FAILED
    assert "8007" in credit_update.last_response and "PDF" in credit_update.last_response

    vat_feeds = [f for f in sandbox.control.feeds() if f["feedType"] == "UPLOAD_VAT_INVOICE"]
    assert len(vat_feeds) == 2  # one document per feed
    by_type = {f["options"]["metadata:documenttype"]: f for f in vat_feeds}
    assert by_type["Invoice"]["options"] == {
        "metadata:orderid": amazon_order.amazon_order_id,
        "metadata:invoicenumber": invoice.increment_id,
        "metadata:documenttype": "Invoice",
        "metadata:totalamount": f"{invoice.grand_total:.2f}",
        "metadata:totalvatamount": f"{invoice.tax_amount:.2f}",
    }
    assert by_type["CreditNote"]["options"]["metadata:invoicenumber"] == memo.increment_id
    assert by_type["CreditNote"]["options"]["metadata:totalamount"] == f"{memo.grand_total:.2f}"
    (accepted,) = sandbox.sandbox.vat_documents
    assert accepted["options"]["metadata:documenttype"] == "Invoice"
    invoice_doc = next(f for f in sandbox.sandbox.feeds.values() if f.options.get("metadata:documenttype") == "Invoice")
    invoice_pdf = sandbox.sandbox.documents[invoice_doc.input_document_id].content
    assert invoice.increment_id in PdfReader(io.BytesIO(invoice_pdf)).pages[0].extract_text()

    assert scheduling.retry_updates(updates=[credit_update], actor=None) == 1
    run_feeds(sandbox, store, client, now + timedelta(minutes=5))
    credit_update.refresh_from_db()
    assert credit_update.state == State.ACCEPTED
    assert len(sandbox.sandbox.vat_documents) == 2
    # The order's Sent to Amazon lines name each document; the credit memo's own line stays its refund.
    described = [blocks.describe_update(u) for u in selectors.updates_for_order(order=order)]
    assert f"VAT invoice #{invoice.increment_id}" in described
    assert f"VAT credit note #{memo.increment_id}" in described
    assert selectors.update_for_document(credit_memo_id=memo.pk).kind == OutboundUpdate.Kind.REFUND
    comments = list(OrderComment.objects.filter(order=order).values_list("comment", flat=True))
    assert f"Sent to Amazon: VAT invoice #{invoice.increment_id} accepted." in comments
    assert f"Sent to Amazon: VAT credit note #{memo.increment_id} accepted." in comments


def test_a_us_store_or_a_store_that_turned_it_off_uploads_nothing(db):
    us = AmazonStoreFactory(name="US")
    uk_off = AmazonStoreFactory(name="UK off", region="eu", marketplace_id=UK, upload_vat_invoices=False)
    uk_on = AmazonStoreFactory(name="UK on", region="eu", marketplace_id=UK)
    assert [vat_invoices.uploads_vat_invoices(s) for s in (us, uk_off, uk_on)] == [False, False, True]


def test_the_buyers_gift_message_from_amazon_prints_on_the_packing_slip(sandbox, store):
    from orders.documents import PACKING_SLIP, document_pdf
    from orders.services import TrackInput, ship_order

    [order_id] = sandbox.control.add_orders(
        1, lifecycle=False, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=UK, items=1, quantity=1
    )
    sandbox.sandbox.orders[order_id].items[0].gift_message = "Alles Gute zum Geburtstag, Jürgen!"
    amazon_order = import_from_sandbox(store=store, order_id=order_id)
    assert amazon_order.items.get().gift_message == "Alles Gute zum Geburtstag, Jürgen!"
    shipment = ship_order(order=amazon_order.commerce_order, actor=None, tracks=[TrackInput("dhl", "DHL", "JD0001")])

    text = PdfReader(io.BytesIO(document_pdf(PACKING_SLIP, shipment.pk))).pages[0].extract_text()

    assert "Alles Gute zum Geburtstag, Jürgen!" in text
    assert amazon_order.amazon_order_id in text


def test_503s_on_the_upload_create_and_report_steps_still_upload_the_invoice_exactly_once(sandbox, store, client):
    [order_id] = sandbox.control.add_orders(
        1, lifecycle=False, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=UK, items=1, quantity=1
    )
    invoice = import_from_sandbox(store=store, order_id=order_id).commerce_order.invoices.get()
    for operation in ("uploadFeedDocument", "createFeed", "getFeedDocument"):
        sandbox.control.inject("503", operation=operation, count=7)  # more than the client's own retries
    now = timezone.now()

    for minutes in range(0, 600, 5):
        run_feeds(sandbox, store, client, now + timedelta(minutes=minutes))
        update = OutboundUpdate.objects.get(idempotency_key=f"vatinvoice:{invoice.pk}")
        if update.state == State.ACCEPTED:
            break
    assert update.state == State.ACCEPTED
    assert len([e for e in sandbox.control.ledger("createFeed") if e["status"] == 202]) == 1
    assert len(sandbox.sandbox.vat_documents) == 1
