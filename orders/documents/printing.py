"""Printing one document or a selection of them into one PDF."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from ..buyer_data import MASK
from ..models import CreditMemo, Invoice, Shipment
from . import content
from .render import pdf_bytes, write_pdf

# One request lays out at most this many documents (500 take ~5 s and ~56 MB; see bench/print_documents.py).
MASS_PRINT_LIMIT = 1000

DOCUMENT_MODELS = {content.INVOICE: Invoice, content.PACKING_SLIP: Shipment, content.CREDIT_MEMO: CreditMemo}


class TooManyDocuments(ValueError):
    pass


@dataclass
class DocumentSelection:
    """Documents to print, in print order: (kind, id)."""

    items: list[tuple[str, int]]

    def __len__(self) -> int:
        return len(self.items)


def _buyer_masked(docs: Iterable[content.Document], mask: bool) -> Iterator[content.Document]:
    """The documents, their bill-to and ship-to addresses (buyer name, address, phone) and the order lines that are
    buyer data (a business buyer's company and VAT number) masked when asked: printed for someone without the *view
    buyer data* permission."""
    for doc in docs:
        if mask:
            doc.bill_to, doc.ship_to = [MASK], [MASK]
            doc.order_lines = [line.masked(visible=False) for line in doc.order_lines]
        yield doc


def document_pdf(kind: str, document_id: int, *, mask_buyer_data: bool = False) -> bytes:
    """The PDF of one invoice, packing slip or credit memo; DoesNotExist if there is none."""
    data = pdf_bytes(_buyer_masked(content.documents(kind, [document_id]), mask_buyer_data))
    if not data:
        raise DOCUMENT_MODELS[kind].DoesNotExist
    return data


def document_ids_for_orders(order_ids: list[int], kinds: tuple[str, ...]) -> DocumentSelection:
    """Every document of these kinds of the orders, order by order (Print All: an order's invoices, then its
    packing slips, then its credit memos)."""
    per_order: dict[int, list[tuple[str, int]]] = {pk: [] for pk in order_ids}
    for kind in kinds:
        rows = DOCUMENT_MODELS[kind].objects.filter(order_id__in=order_ids).order_by("id").values_list("order_id", "id")
        for order_id, pk in rows:
            per_order[order_id].append((kind, pk))
    return DocumentSelection([item for pk in order_ids for item in per_order[pk]])


def write_documents(selection: DocumentSelection, out: BinaryIO, *, mask_buyer_data: bool = False) -> int:
    """Lay out the selection into one PDF written to `out`; returns the number of documents. Refuses more than
    MASS_PRINT_LIMIT before reading any."""
    if len(selection) > MASS_PRINT_LIMIT:
        raise TooManyDocuments(
            _("%(count)d documents are selected: print at most %(limit)d at a time.")
            % {"count": len(selection), "limit": MASS_PRINT_LIMIT}
        )

    def docs():
        # Consecutive runs of one kind are read together, CHUNK at a time.
        run_kind, run_ids = None, []
        for kind, pk in selection.items:
            if kind != run_kind and run_ids:
                yield from content.documents(run_kind, run_ids)
                run_ids = []
            run_kind = kind
            run_ids.append(pk)
        if run_ids:
            yield from content.documents(run_kind, run_ids)

    return write_pdf(_buyer_masked(docs(), mask_buyer_data), out)
