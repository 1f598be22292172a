"""Printable documents: invoices, packing slips (one per shipment) and credit memos as PDF.

`content` reads what a document says, `render` lays it out (fpdf2), `printing` is what pages and other apps call."""

from .content import CREDIT_MEMO, INVOICE, KINDS, PACKING_SLIP
from .printing import (
    DOCUMENT_MODELS,
    MASS_PRINT_LIMIT,
    DocumentSelection,
    TooManyDocuments,
    document_ids_for_orders,
    document_pdf,
    write_documents,
)

__all__ = [
    "CREDIT_MEMO",
    "DOCUMENT_MODELS",
    "INVOICE",
    "KINDS",
    "MASS_PRINT_LIMIT",
    "PACKING_SLIP",
    "DocumentSelection",
    "TooManyDocuments",
    "document_ids_for_orders",
    "document_pdf",
    "write_documents",
]
