"""Printed documents read back with pypdf, field by field, in three scripts: Traditional Chinese names with the
admin in Traditional Chinese, Dutch / Turkish names in Dutch, Japanese names in English."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from orders.documents import CREDIT_MEMO, INVOICE, PACKING_SLIP, document_pdf
from orders.documents.barcode import code128_modules, decode_modules
from orders.models import OrderItem
from orders.services import TrackInput, invoice_order, refund_order, ship_order
from orders.tests.factories import StoreFactory, make_order, staff_user

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def ops(client):
    user = staff_user("all", username="ops")
    client.force_login(user)
    return user


def placed(*, store_name, address, street, city, customer, items, amazon_number="", gift=""):
    store = StoreFactory(name=store_name, address=address, vat_number="NL123456789B01")
    first, last = customer
    order = make_order(
        store=store,
        items=items,
        channel="amazon" if amazon_number else "admin",
        external_order_number=amazon_number or None,
        customer_first_name=first,
        customer_last_name=last,
        ship_to=customer,
    )
    order.addresses.update(street=street, city=city)
    if gift:
        OrderItem.objects.filter(order=order).update(gift_message=gift)
    return order


SCRIPTS = [
    pytest.param(
        "zh-hant",
        {
            "store_name": "台灣好物商店",
            "address": "台北市信義區松高路 1 號",
            "street": "中正路 100 號",
            "city": "臺中市",
            "customer": ("陳", "大文"),
            "product": "烏龍茶禮盒",
            "amazon_number": "503-1234567-7654321",
            "gift": "生日快樂！",
        },
        {"invoice": "發票", "qty": "數量"},
        id="zh-Hant",
    ),
    pytest.param(
        "nl",
        {
            "store_name": "Winkel İstanbul Çarşı",
            "address": "Keizersgracht 12, 1015 CS Amsterdam",
            "street": "Şişli Büyükdere Cad. 5",
            "city": "İstanbul",
            "customer": ("Gülşen", "Öztürk-van den Ĳssel"),
            "product": "Çay bardağı ğ",
            "amazon_number": "404-7777777-1234567",
            "gift": "İyi ki doğdun, Gülşen!",
        },
        {"invoice": "Factuur", "qty": "Aantal"},
        id="nl-tr",
    ),
    pytest.param(
        "en",
        {
            "store_name": "東京ストア",
            "address": "東京都渋谷区神南 1-2-3",
            "street": "大阪市北区梅田 3-1",
            "city": "大阪",
            "customer": ("山田", "太郎"),
            "product": "抹茶セット",
            "amazon_number": "249-1111111-2222222",
            "gift": "お誕生日おめでとう",
        },
        {"invoice": "Invoice", "qty": "Qty"},
        id="ja",
    ),
]


@pytest.mark.parametrize(("language", "data", "words"), SCRIPTS)
def test_invoice_packing_slip_and_credit_memo_print_every_field(ops, language, data, words):
    order = placed(
        store_name=data["store_name"],
        address=data["address"],
        street=data["street"],
        city=data["city"],
        customer=data["customer"],
        items=[("TEA-1", 3, "12.50", "3.00")],
        amazon_number=data["amazon_number"],
        gift=data["gift"],
    )
    OrderItem.objects.filter(order=order).update(name=data["product"])
    invoice = invoice_order(order=order, actor=ops)
    shipment = ship_order(order=order, actor=ops, tracks=[TrackInput("ups", "UPS", "1Z999AA10123456784")])
    memo = refund_order(order=order, actor=ops, quantities={order.items.get().pk: 1})
    name = " ".join(data["customer"])

    with translation.override(language):
        (inv,) = pdf_text(document_pdf(INVOICE, invoice.pk))
        (slip,) = pdf_text(document_pdf(PACKING_SLIP, shipment.pk))
        (cm,) = pdf_text(document_pdf(CREDIT_MEMO, memo.pk))

    for text in (inv, slip, cm):
        assert data["store_name"] in text
        assert data["address"] in text
        assert "NL123456789B01" in text
        assert order.increment_id in text
        assert data["amazon_number"] in text
        assert name in text  # sold to and ship to
        assert data["street"] in text
        assert data["city"] in text
        assert data["product"] in text
        assert "TEA-1" in text
        assert words["qty"] in text
    assert words["invoice"] in inv and invoice.increment_id in inv
    with translation.override(language):
        from admin_ui.formatting import format_money

        assert format_money(Decimal("37.50"), "USD") in flat(inv)  # subtotal: 3 x 12.50
        assert format_money(Decimal("45.50"), "USD") in flat(inv)  # + 5.00 shipping + 3.00 tax
        assert format_money(Decimal("12.50"), "USD") in flat(cm)
    assert shipment.increment_id in slip
    assert data["gift"] in slip
    assert "1Z999AA10123456784" in slip
    assert "12.50" not in slip.replace(",", ".")  # a packing slip has no prices
    assert memo.increment_id in cm
    assert data["gift"] not in inv


def test_the_barcode_reads_back_as_the_amazon_order_number():
    assert decode_modules(code128_modules("503-1234567-7654321")) == "503-1234567-7654321"
    widths = [sum(w for _, w in code128_modules(c)) for c in ("A", "AB")]
    assert widths == [11 * 3 + 13, 11 * 4 + 13]  # start, data, checksum (11 modules each) and the stop (13)


def test_print_buttons_and_pages(client, ops):
    order = make_order(items=[("A", 2, "10.00")])
    invoice = invoice_order(order=order, actor=ops)
    shipment = ship_order(order=order, actor=ops, tracks=[TrackInput("usps", "USPS", "9400")])
    memo = refund_order(order=order, actor=ops, quantities={order.items.get().pk: 1})
    for name, obj in (("invoice", invoice), ("shipment", shipment), ("creditmemo", memo)):
        html = client.get(reverse(f"orders:{name}_view", args=[obj.pk])).content.decode()
        url = reverse(f"orders:{name}_print", args=[obj.pk])
        assert f'href="{url}"' in html
        response = client.get(url)
        assert response["Content-Type"] == "application/pdf"
        assert obj.increment_id in pdf_text(response.content)[0]
    assert client.get(reverse("orders:invoice_print", args=[999999])).status_code == 404


def test_printing_needs_the_documents_permission(client):
    order = make_order(items=[("A", 1, "10.00")])
    invoice = invoice_order(order=order, actor=None)
    client.force_login(staff_user("view_order"))
    assert client.get(reverse("orders:invoice_print", args=[invoice.pk])).status_code == 403
    response = client.post(reverse("orders:order_mass_action"), {"action": "print_invoices", "ids": [order.pk]})
    assert response.status_code == 403


def test_a_logo_prints_and_a_broken_one_is_left_out(ops):
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 0, 0)).save(png, "PNG")
    order = make_order(items=[("A", 1, "10.00")], store=StoreFactory(logo=png.getvalue()))
    invoice = invoice_order(order=order, actor=ops)
    reader = PdfReader(io.BytesIO(document_pdf(INVOICE, invoice.pk)))
    assert any("/Image" in str(x.get("/Subtype")) for x in reader.pages[0]["/Resources"]["/XObject"].values())
    order.store.logo = b"not an image"
    order.store.save()
    assert invoice.increment_id in pdf_text(document_pdf(INVOICE, invoice.pk))[0]
