"""Issue 17 on the invoice: a business order from the sandbox, imported over HTTP and invoiced, prints its buyer
company, purchase order number, the buyer's VAT number with its issuing country and the invoicing requirement on the
invoice and credit memo PDFs and pages (in the active language), masked without *view buyer data*, gone with the
buyer's data at retention; the VAT invoice uploaded to Amazon carries them; printing 200 costs the same queries a
chunk as printing one."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from amazon_channel.core import client as clients
from amazon_channel.models import AmazonOrder, OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.retention import remove_buyer_data
from amazon_channel.spapi.ratelimit import InProcessRateLimiter, NoPacing
from amazon_channel.sync import import_orders
from amazon_channel.testing.amazon_orders import charged_by_amazon, import_from_sandbox, refund
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.buyer_data import MASK
from orders.documents import CREDIT_MEMO, INVOICE, DocumentSelection, document_pdf, write_documents
from orders.tests.factories import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
UK = "A1F83G8C2ARO7P"
VAT = "Buyer VAT number (DE): DE123456789"


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="UK Store", region="eu", marketplace_id=UK)


def add(sandbox, count=1, *, business=True, status="UNSHIPPED") -> list[str]:
    kind = {"business": True, "buyer_withheld": False, "features": ["tax"]} if business else {"business": False}
    return sandbox.control.add_orders(
        count, lifecycle=False, status=status, fulfilled_by="MERCHANT", marketplace_id=UK, prime=False, items=1, **kind
    )


def text_of(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def lines_on_page(client, url) -> dict[str, str]:
    page = client.get(url).content.decode()
    rows = re.findall(r'<tr data-testid="order-line"><th>(.*?)</th><td>(.*?)</td></tr>', page)
    return {html.unescape(label): html.unescape(value) for label, value in rows}


def test_a_business_orders_invoice_and_credit_memo_print_its_business_details(sandbox, store, client):
    [order_id] = add(sandbox)
    amazon_order = import_from_sandbox(store=store, order_id=order_id)
    company, po_number = amazon_order.buyer_company, amazon_order.purchase_order_number
    assert company and po_number.startswith("PO-")
    order = amazon_order.commerce_order
    invoice = order.invoices.get()  # written by the import

    text = text_of(document_pdf(INVOICE, invoice.pk))
    assert f"Buyer company: {company}" in text
    assert f"Purchase order number: {po_number}" in text
    assert VAT in text
    assert "Invoice requirement: Business invoice" in text
    # The lines sit in the header, after the order's numbers and before the parties.
    assert text.index(f"Amazon Order #: {order_id}") < text.index(VAT) < text.index("Sold to")

    # In the admin's language: Dutch and Traditional Chinese labels, Amazon's values as sent.
    with translation.override("nl"):
        dutch = text_of(document_pdf(INVOICE, invoice.pk))
    assert "Btw-nummer koper (DE): DE123456789" in dutch and f"Inkoopordernummer: {po_number}" in dutch
    with translation.override("zh-hant"):
        chinese = text_of(document_pdf(INVOICE, invoice.pk))
    assert "買方增值稅號碼（DE）: DE123456789" in chinese and f"採購單號碼: {po_number}" in chinese

    charged_by_amazon(amazon_order)
    memo = refund(order=order, quantities={amazon_order.items.get().seller_sku: 1})
    memo_text = text_of(document_pdf(CREDIT_MEMO, memo.pk))
    assert VAT in memo_text and f"Buyer company: {company}" in memo_text

    # The invoice and credit memo pages show the same lines.
    client.force_login(staff_user("all", username="ops"))
    for url in (
        reverse("orders:invoice_view", args=[invoice.pk]),
        reverse("orders:creditmemo_view", args=[memo.pk]),
    ):
        assert lines_on_page(client, url) == {
            "Buyer company": company,
            "Purchase order number": po_number,
            "Buyer VAT number (DE)": "DE123456789",
            "Invoice requirement": "Business invoice",
        }

    # Without *view buyer data*: the company and VAT number are masked, on the page and on the printed PDF.
    no_buyer_data = staff_user("view_order", "view_invoice", "view_creditmemo", username="clerk")
    client.force_login(no_buyer_data)
    assert lines_on_page(client, reverse("orders:invoice_view", args=[invoice.pk])) == {
        "Buyer company": MASK,
        "Purchase order number": po_number,
        "Buyer VAT number (DE)": MASK,
        "Invoice requirement": "Business invoice",
    }
    masked = text_of(client.get(reverse("orders:invoice_print", args=[invoice.pk])).content)
    assert "DE123456789" not in masked and company not in masked
    assert f"Buyer company: {MASK}" in masked and f"Buyer VAT number (DE): {MASK}" in masked
    assert f"Purchase order number: {po_number}" in masked


def test_a_consumer_orders_invoice_prints_no_business_details(sandbox, store, client):
    [order_id] = add(sandbox, business=False)
    order = import_from_sandbox(store=store, order_id=order_id).commerce_order
    invoice = order.invoices.get()

    text = text_of(document_pdf(INVOICE, invoice.pk))
    assert f"Amazon Order #: {order_id}" in text
    for label in ("Buyer company", "Purchase order number", "Buyer VAT number", "Invoice requirement"):
        assert label not in text
    client.force_login(staff_user("all", username="ops"))
    page = client.get(reverse("orders:invoice_view", args=[invoice.pk])).content.decode()
    assert 'data-testid="order-lines"' not in page


def test_retention_removes_the_company_and_vat_number_from_the_invoice(sandbox, store):
    [order_id] = add(sandbox, status="SHIPPED")
    amazon_order = import_from_sandbox(store=store, order_id=order_id)
    invoice = amazon_order.commerce_order.invoices.get()
    assert VAT in text_of(document_pdf(INVOICE, invoice.pk))

    remove_buyer_data(days=0)

    text = text_of(document_pdf(INVOICE, invoice.pk))
    assert "DE123456789" not in text and "Buyer company" not in text and "Invoice requirement" not in text
    # The purchase order number is the business's reference, no personal data: it stays.
    assert f"Purchase order number: {amazon_order.purchase_order_number}" in text


def test_the_vat_invoice_uploaded_to_amazon_carries_the_buyers_vat_number(sandbox, store):
    [order_id] = add(sandbox)
    amazon_order = import_from_sandbox(store=store, order_id=order_id)
    invoice = amazon_order.commerce_order.invoices.get()
    client = clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)
    now = timezone.now()

    scheduling.process_store_feeds(store=store, client=client, now=now)
    sandbox.control.process_feeds()
    scheduling.process_store_feeds(store=store, client=client, now=now + timedelta(minutes=1))

    update = OutboundUpdate.objects.get(idempotency_key=f"vatinvoice:{invoice.pk}")
    assert update.state == OutboundUpdate.State.ACCEPTED
    feed = next(
        f for f in sandbox.sandbox.feeds.values() if f.options.get("metadata:invoicenumber") == invoice.increment_id
    )
    uploaded = text_of(sandbox.sandbox.documents[feed.input_document_id].content)
    assert VAT in uploaded and f"Buyer company: {amazon_order.buyer_company}" in uploaded
    assert f"Purchase order number: {amazon_order.purchase_order_number}" in uploaded


def test_mass_printing_business_invoices_costs_the_same_queries_a_chunk(sandbox, store, monkeypatch):
    real_client_for_store = clients.client_for_store

    def fast_client(store, **options):
        return real_client_for_store(store, rate_limiter=NoPacing(), sleep=lambda seconds: None, **options)

    monkeypatch.setattr(clients, "client_for_store", fast_client)
    add(sandbox, 200)
    sandbox.control.advance(180)  # past the import's settling lag
    assert import_orders(store=store).ok
    invoice_ids = list(
        AmazonOrder.objects.filter(store=store)
        .order_by("commerce_order__invoices__id")
        .values_list("commerce_order__invoices__id", flat=True)
    )
    assert len(invoice_ids) == 200 and None not in invoice_ids

    def printed(ids) -> tuple[int, bytes]:
        out = io.BytesIO()
        with CaptureQueriesContext(connection) as ctx:
            assert write_documents(DocumentSelection([(INVOICE, pk) for pk in ids]), out) == len(ids)
        return len(ctx.captured_queries), out.getvalue()

    one, _ = printed(invoice_ids[:1])
    hundred, _ = printed(invoice_ids[:100])
    two_hundred, data = printed(invoice_ids)
    # A chunk of 100 costs what one document costs; 200 are two chunks.
    assert hundred == one and two_hundred == 2 * one
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) == 200
    for page in (pages[0], pages[99], pages[100], pages[199]):
        assert VAT in re.sub(r"\s+", " ", page.extract_text())
