"""Printing: one document as a PDF, and the checked documents or orders of a grid as one streamed PDF."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from admin_ui.mass_actions import posted_ids
from admin_ui.permissions import permission_required

from . import documents
from .buyer_data import may_view_buyer_data

PRINT_NAMES = {
    documents.INVOICE: "invoice",
    documents.PACKING_SLIP: "packing-slip",
    documents.CREDIT_MEMO: "credit-memo",
}


def _print_one(request: HttpRequest, kind: str, document_id: int) -> HttpResponse:
    model = documents.DOCUMENT_MODELS[kind]
    try:
        data = documents.document_pdf(kind, document_id, mask_buyer_data=not may_view_buyer_data(request.user))
    except model.DoesNotExist:
        raise Http404 from None
    number = model.objects.values_list("increment_id", flat=True).get(pk=document_id)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{PRINT_NAMES[kind]}-{number}.pdf"'
    return response


@permission_required("orders.view_invoice")
def invoice_print(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _print_one(request, documents.INVOICE, invoice_id)


@permission_required("orders.view_shipment")
def shipment_print(request: HttpRequest, shipment_id: int) -> HttpResponse:
    return _print_one(request, documents.PACKING_SLIP, shipment_id)


@permission_required("orders.view_creditmemo")
def creditmemo_print(request: HttpRequest, credit_memo_id: int) -> HttpResponse:
    return _print_one(request, documents.CREDIT_MEMO, credit_memo_id)


def _stream_documents(request: HttpRequest, selection, *, filename: str, back: str) -> HttpResponse:
    """One PDF of the selection, laid out into a temporary file and streamed from it."""
    if not len(selection):
        messages.warning(request, _("There are no printable documents for the selected items."))
        return redirect(back)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse once streamed
    try:
        documents.write_documents(selection, spool, mask_buyer_data=not may_view_buyer_data(request.user))
    except documents.TooManyDocuments as refusal:
        spool.close()
        messages.error(request, str(refusal))
        return redirect(back)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type="application/pdf")


PRINT_ACTIONS = {
    # order grid action: (kinds printed, permission, file name)
    "print_invoices": ((documents.INVOICE,), "orders.view_invoice", "invoices.pdf"),
    "print_packing_slips": ((documents.PACKING_SLIP,), "orders.view_shipment", "packing-slips.pdf"),
    "print_credit_memos": ((documents.CREDIT_MEMO,), "orders.view_creditmemo", "credit-memos.pdf"),
    "print_all": (documents.KINDS, None, "documents.pdf"),
}
DOC_GRIDS = {
    documents.INVOICE: ("orders:invoice_grid", "orders.view_invoice", "invoices.pdf"),
    documents.PACKING_SLIP: ("orders:shipment_grid", "orders.view_shipment", "packing-slips.pdf"),
    documents.CREDIT_MEMO: ("orders:creditmemo_grid", "orders.view_creditmemo", "credit-memos.pdf"),
}


def print_orders(request: HttpRequest, action: str, ids: list[int], back: str) -> HttpResponse:
    kinds, permission, filename = PRINT_ACTIONS[action]
    if permission is None:  # Print All: the kinds this person may see
        kinds = tuple(kind for kind in kinds if request.user.has_perm(DOC_GRIDS[kind][1]))
    elif not request.user.has_perm(permission):
        raise PermissionDenied
    if not ids:
        messages.warning(request, _("Select at least one order."))
        return redirect(back)
    return _stream_documents(request, documents.document_ids_for_orders(ids, kinds), filename=filename, back=back)


@require_POST
def documents_print(request: HttpRequest, kind: str) -> HttpResponse:
    """Print the documents checked on the Invoices / Shipments / Credit Memos grid."""
    if kind not in DOC_GRIDS:
        raise Http404
    grid_url, permission, filename = DOC_GRIDS[kind]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    back = reverse(grid_url) + (f"?{request.POST['query']}" if request.POST.get("query") else "")
    ids = posted_ids(request)
    if not ids:
        messages.warning(request, _("Select at least one document."))
        return redirect(back)
    selection = documents.DocumentSelection([(kind, pk) for pk in dict.fromkeys(ids)])
    return _stream_documents(request, selection, filename=filename, back=back)
