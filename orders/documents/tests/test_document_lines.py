"""The document_lines hook on its own (no channel): a provider's lines print on invoices and credit memos, not on
packing slips, are asked for once per chunk with the chunk's orders, and buyer-data lines print masked."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from orders import document_lines
from orders.buyer_data import MASK
from orders.document_lines import DocumentLine
from orders.documents import CREDIT_MEMO, INVOICE, PACKING_SLIP, DocumentSelection, document_pdf, write_documents
from orders.documents.content import CHUNK
from orders.services import TrackInput, invoice_order, refund_order, ship_order
from orders.tests.factories import make_order, staff_user

pytestmark = pytest.mark.django_db


def text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


@pytest.fixture
def calls():
    asked: list[list[int]] = []

    def provider(orders):
        asked.append([order.pk for order in orders])
        return {
            order.pk: [
                DocumentLine("Reference", f"REF-{order.increment_id}"),
                DocumentLine("Buyer tax number", "TAX-4711", buyer_data=True),
            ]
            for order in orders
        }

    document_lines.register(provider)
    yield asked
    document_lines.unregister(provider)


def test_lines_print_on_invoices_and_credit_memos_only_and_buyer_data_masked(calls):
    ops = staff_user("all", username="ops")
    order = make_order(items=[("A", 2, "10.00")])
    invoice = invoice_order(order=order, actor=ops)
    shipment = ship_order(order=order, actor=ops, tracks=[TrackInput("usps", "USPS", "9400")])
    memo = refund_order(order=order, actor=ops, quantities={order.items.get().pk: 1})

    for kind, pk in ((INVOICE, invoice.pk), (CREDIT_MEMO, memo.pk)):
        printed = text(document_pdf(kind, pk))
        assert f"Reference: REF-{order.increment_id}" in printed and "Buyer tax number: TAX-4711" in printed
        masked = text(document_pdf(kind, pk, mask_buyer_data=True))
        assert "TAX-4711" not in masked and f"Buyer tax number: {MASK}" in masked
        assert f"Reference: REF-{order.increment_id}" in masked
    calls.clear()
    assert "Reference" not in text(document_pdf(PACKING_SLIP, shipment.pk))
    assert calls == []  # not even asked


def test_the_provider_is_asked_once_a_chunk_with_the_chunks_orders(calls):
    ops = staff_user("all", username="ops")
    orders = [make_order(items=[("A", 1, "5.00")]) for _ in range(CHUNK + 2)]
    invoices = [invoice_order(order=order, actor=ops) for order in orders]

    out = io.BytesIO()
    write_documents(DocumentSelection([(INVOICE, invoice.pk) for invoice in invoices]), out)

    assert [len(asked) for asked in calls] == [CHUNK, 2]
    assert sorted(pk for asked in calls for pk in asked) == sorted(order.pk for order in orders)
