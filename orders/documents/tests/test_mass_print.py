"""Mass printing from the order grid and the document grids: one PDF for the selection, streamed."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from orders.services import TrackInput, invoice_order, refund_order, ship_order
from orders.tests.factories import make_order, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client):
    user = staff_user("all", username="ops")
    client.force_login(user)
    return user


def pages(response) -> list[str]:
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def with_documents(ops):
    order = make_order(items=[("A", 2, "10.00")])
    invoice = invoice_order(order=order, actor=ops)
    shipment = ship_order(order=order, actor=ops, tracks=[TrackInput("usps", "USPS", "9400")])
    memo = refund_order(order=order, actor=ops, quantities={order.items.get().pk: 1})
    return order, invoice, shipment, memo


def test_print_all_prints_each_orders_documents_in_order(client, ops):
    first, inv1, ship1, memo1 = with_documents(ops)
    second = make_order(items=[("B", 1, "5.00")])
    inv2 = invoice_order(order=second, actor=ops)

    response = client.post(reverse("orders:order_mass_action"), {"action": "print_all", "ids": [first.pk, second.pk]})

    texts = pages(response)
    assert response["Content-Disposition"].startswith('attachment; filename="documents.pdf"')
    assert [next(line for line in t.splitlines() if " # " in line) for t in texts] == [
        f"Invoice # {inv1.increment_id}",
        f"Packing Slip # {ship1.increment_id}",
        f"Credit Memo # {memo1.increment_id}",
        f"Invoice # {inv2.increment_id}",
    ]


def test_each_print_action_prints_its_kind_only(client, ops):
    order, invoice, shipment, memo = with_documents(ops)
    for action, number in (
        ("print_invoices", invoice.increment_id),
        ("print_packing_slips", shipment.increment_id),
        ("print_credit_memos", memo.increment_id),
    ):
        (text,) = pages(client.post(reverse("orders:order_mass_action"), {"action": action, "ids": [order.pk]}))
        assert number in text


def test_document_grids_print_the_checked_rows(client, ops):
    _order, invoice, shipment, memo = with_documents(ops)
    for kind, grid, number in (
        ("invoice", "orders:invoice_grid", invoice.increment_id),
        ("packing_slip", "orders:shipment_grid", shipment.increment_id),
        ("credit_memo", "orders:creditmemo_grid", memo.increment_id),
    ):
        html = client.get(reverse(grid)).content.decode()
        url = reverse("orders:documents_print", args=[kind])
        assert f'action="{url}"' in html and "data-row-select" in html
        (text,) = pages(
            client.post(url, {"ids": [str({"invoice": invoice, "packing_slip": shipment}.get(kind, memo).pk)]})
        )
        assert number in text


def test_nothing_to_print_and_too_many_are_refused_with_a_message(client, ops, monkeypatch):
    order = make_order(items=[("A", 1, "10.00")])  # not invoiced: no documents
    response = client.post(
        reverse("orders:order_mass_action"), {"action": "print_invoices", "ids": [order.pk]}, follow=True
    )
    assert "There are no printable documents for the selected items." in response.content.decode()

    invoice_order(order=order, actor=ops)
    other = make_order(items=[("A", 1, "10.00")])
    invoice_order(order=other, actor=ops)
    monkeypatch.setattr("orders.documents.printing.MASS_PRINT_LIMIT", 1)
    response = client.post(
        reverse("orders:order_mass_action"), {"action": "print_invoices", "ids": [order.pk, other.pk]}, follow=True
    )
    assert "2 documents are selected: print at most 1 at a time." in response.content.decode()


def test_the_invoice_email_carries_the_invoice_pdf_when_the_store_says_so(ops, django_capture_on_commit_callbacks):
    from django.core import mail

    from orders.tests.factories import StoreFactory

    plain = make_order(items=[("A", 1, "10.00")])
    with django_capture_on_commit_callbacks(execute=True):
        invoice_order(order=plain, actor=ops, notify_customer=True)
    assert mail.outbox[-1].attachments == []

    order = make_order(items=[("A", 1, "10.00")], store=StoreFactory(code="pdf-mail", attach_invoice_pdf=True))
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_order(order=order, actor=ops, notify_customer=True)
    assert len(mail.outbox) == 2, [m.subject for m in mail.outbox]
    ((name, data, mimetype),) = mail.outbox[-1].attachments
    assert (name, mimetype) == (f"invoice-{invoice.increment_id}.pdf", "application/pdf")
    assert invoice.increment_id in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_store_information_page_sets_what_the_documents_print(client, ops):
    from django.contrib.auth.models import Permission
    from PIL import Image

    from orders.documents import INVOICE, document_pdf

    ops.user_permissions.add(Permission.objects.get(codename="change_store"))
    order = make_order(items=[("A", 1, "10.00")])
    invoice = invoice_order(order=order, actor=ops)
    url = reverse("orders:store_information", args=[order.store_id])
    png = io.BytesIO()
    Image.new("RGB", (30, 10), (0, 90, 200)).save(png, "PNG")
    png.name = "logo.png"
    png.seek(0)

    response = client.post(
        url,
        {
            "name": "Winkel Ĳsselstein",
            "address": "Markt 1\n3401 Ĳsselstein",
            "vat_number": "NL001234567B01",
            "attach_invoice_pdf": "on",
            "logo_file": png,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    order.store.refresh_from_db()
    assert order.store.attach_invoice_pdf
    assert bytes(order.store.logo).startswith(b"\x89PNG")
    text = PdfReader(io.BytesIO(document_pdf(INVOICE, invoice.pk))).pages[0].extract_text()
    assert "Winkel Ĳsselstein" in text and "3401 Ĳsselstein" in text and "NL001234567B01" in text

    bad = io.BytesIO(b"GIF89a not really")
    bad.name = "logo.gif"
    response = client.post(url, {"name": " ", "address": "", "vat_number": "", "logo_file": bad})
    html = response.content.decode()
    assert response.status_code == 200 and "The logo must be a PNG or JPEG image." in html
    order.store.refresh_from_db()
    assert order.store.name == "Winkel Ĳsselstein"  # nothing changed
