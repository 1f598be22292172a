"""What each printed document says, read from the orders and put in the active language: plain data that the
renderer lays out. One reader per kind loads its documents in chunks with everything they print prefetched, so
a mass print of hundreds costs a few queries a chunk and never holds more than a chunk of rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from admin_ui.formatting import format_datetime, format_money, format_number

from ..document_lines import DocumentLine, lines_for
from ..models import (
    CreditMemo,
    CreditMemoItem,
    Invoice,
    InvoiceItem,
    Order,
    OrderAddress,
    Shipment,
    ShipmentItem,
    Store,
)

INVOICE, PACKING_SLIP, CREDIT_MEMO = "invoice", "packing_slip", "credit_memo"
KINDS = (INVOICE, PACKING_SLIP, CREDIT_MEMO)
# The documents that carry the lines other apps add for an order (orders.document_lines): the buyer's tax details
# belong on an invoice and a credit memo, not on the packing slip in the parcel.
WITH_ORDER_LINES = (INVOICE, CREDIT_MEMO)
CHUNK = 100


@dataclass
class StoreBlock:
    name: str
    address: list[str]
    vat_number: str
    logo: bytes


@dataclass
class Document:
    kind: str
    title: str
    store: StoreBlock
    facts: list[tuple[str, str]]  # (label, value): document and order numbers and dates
    bill_to: list[str]
    ship_to: list[str]
    payment: str
    shipping: str
    columns: list[str]
    rows: list[list[str]]
    totals: list[tuple[str, str]] = field(default_factory=list)
    gift_messages: list[tuple[str, str]] = field(default_factory=list)
    tracks: list[str] = field(default_factory=list)
    barcode: str = ""  # the channel's order number, printed as Code 128
    order_lines: list[DocumentLine] = field(default_factory=list)  # added by other apps: orders.document_lines


def store_block(store: Store) -> StoreBlock:
    return StoreBlock(
        name=store.name,
        address=[line.strip() for line in store.address.splitlines() if line.strip()],
        vat_number=store.vat_number,
        logo=bytes(store.logo or b""),
    )


def address_lines(address: OrderAddress | None) -> list[str]:
    if address is None:
        return [_("No address")]
    lines = [address.name, address.company, *address.street.splitlines()]
    lines.append(", ".join(part for part in (address.city, address.region, address.postcode) if part))
    lines.append(address.country_code)
    if address.telephone:
        lines.append(f"{_('T:')} {address.telephone}")
    return [line.strip() for line in lines if line and line.strip()]


def _addresses(order: Order) -> tuple[list[str], list[str]]:
    by_type = {a.address_type: a for a in order.addresses.all()}
    return address_lines(by_type.get(OrderAddress.Type.BILLING)), address_lines(by_type.get(OrderAddress.Type.SHIPPING))


def _order_facts(order: Order) -> list[tuple[str, str]]:
    facts = [(_("Order #"), order.increment_id), (_("Order Date"), format_datetime(order.created_at, "date"))]
    if order.external_order_number:
        facts.append((channel_order_label(order), order.external_order_number))
    return facts


def channel_order_label(order: Order) -> str:
    if order.channel == "amazon":
        return _("Amazon Order #")
    return _("Channel order #")


def _money(order: Order, amount: Decimal) -> str:
    return format_money(amount, order.order_currency)


def _qty(value: int) -> str:
    return format_number(value, 0)


def _priced_rows(order: Order, items) -> list[list[str]]:
    return [
        [
            line.order_item.name,
            line.order_item.sku,
            _money(order, line.price),
            _qty(line.qty),
            _money(order, line.tax_amount),
            _money(order, line.row_total),
        ]
        for line in items
    ]


def _priced_columns() -> list[str]:
    return [_("Product"), _("SKU"), _("Price"), _("Qty"), _("Tax Amount"), _("Subtotal")]


def invoice_document(invoice: Invoice) -> Document:
    order = invoice.order
    bill_to, ship_to = _addresses(order)
    totals = [(_("Subtotal"), _money(order, invoice.subtotal))]
    if invoice.discount_amount:
        totals.append((_("Discount"), _money(order, -invoice.discount_amount)))
    totals += [
        (_("Shipping & Handling"), _money(order, invoice.shipping_amount)),
        (_("Tax"), _money(order, invoice.tax_amount)),
        (_("Grand Total"), _money(order, invoice.grand_total)),
    ]
    return Document(
        kind=INVOICE,
        title=_("Invoice # %(number)s") % {"number": invoice.increment_id},
        store=store_block(order.store),
        facts=[(_("Invoice Date"), format_datetime(invoice.created_at, "date")), *_order_facts(order)],
        bill_to=bill_to,
        ship_to=ship_to,
        payment=order.payment_method_title,
        shipping=order.shipping_description,
        columns=_priced_columns(),
        rows=_priced_rows(order, invoice.items.all()),
        totals=totals,
    )


def packing_slip_document(shipment: Shipment) -> Document:
    order = shipment.order
    bill_to, ship_to = _addresses(order)
    lines = list(shipment.items.all())
    return Document(
        kind=PACKING_SLIP,
        title=_("Packing Slip # %(number)s") % {"number": shipment.increment_id},
        store=store_block(order.store),
        facts=[(_("Ship Date"), format_datetime(shipment.created_at, "date")), *_order_facts(order)],
        bill_to=bill_to,
        ship_to=ship_to,
        payment=order.payment_method_title,
        shipping=order.shipping_description,
        columns=[_("Product"), _("SKU"), _("Qty")],
        rows=[[line.order_item.name, line.order_item.sku, _qty(line.qty)] for line in lines],
        gift_messages=[
            (line.order_item.name, line.order_item.gift_message) for line in lines if line.order_item.gift_message
        ],
        tracks=[f"{track.title}: {track.track_number}" for track in shipment.tracks.all()],
        barcode=order.external_order_number or order.increment_id,
    )


def credit_memo_document(memo: CreditMemo) -> Document:
    order = memo.order
    bill_to, ship_to = _addresses(order)
    totals = [(_("Subtotal"), _money(order, memo.subtotal))]
    if memo.discount_amount:
        totals.append((_("Discount"), _money(order, -memo.discount_amount)))
    totals.append((_("Refund Shipping"), _money(order, memo.shipping_amount)))
    if memo.adjustment_refund:
        totals.append((_("Adjustment Refund"), _money(order, memo.adjustment_refund)))
    if memo.adjustment_fee:
        totals.append((_("Adjustment Fee"), _money(order, -memo.adjustment_fee)))
    totals += [(_("Tax"), _money(order, memo.tax_amount)), (_("Grand Total"), _money(order, memo.grand_total))]
    return Document(
        kind=CREDIT_MEMO,
        title=_("Credit Memo # %(number)s") % {"number": memo.increment_id},
        store=store_block(order.store),
        facts=[(_("Credit Memo Date"), format_datetime(memo.created_at, "date")), *_order_facts(order)],
        bill_to=bill_to,
        ship_to=ship_to,
        payment=order.payment_method_title,
        shipping=order.shipping_description,
        columns=_priced_columns(),
        rows=_priced_rows(order, memo.items.all()),
        totals=totals,
    )


def _invoices(ids: list[int]):
    return (
        Invoice.objects.filter(pk__in=ids)
        .select_related("order", "order__store")
        .prefetch_related(Prefetch("items", queryset=InvoiceItem.objects.select_related("order_item").order_by("id")))
        .prefetch_related("order__addresses")
    )


def _shipments(ids: list[int]):
    return (
        Shipment.objects.filter(pk__in=ids)
        .select_related("order", "order__store")
        .prefetch_related(Prefetch("items", queryset=ShipmentItem.objects.select_related("order_item").order_by("id")))
        .prefetch_related("tracks", "order__addresses")
    )


def _credit_memos(ids: list[int]):
    return (
        CreditMemo.objects.filter(pk__in=ids)
        .select_related("order", "order__store")
        .prefetch_related(
            Prefetch("items", queryset=CreditMemoItem.objects.select_related("order_item").order_by("id"))
        )
        .prefetch_related("order__addresses")
    )


READERS = {
    INVOICE: (_invoices, invoice_document),
    PACKING_SLIP: (_shipments, packing_slip_document),
    CREDIT_MEMO: (_credit_memos, credit_memo_document),
}


def documents(kind: str, ids: Iterable[int]) -> Iterator[Document]:
    """The documents of `kind` with these ids, in the order given, read CHUNK at a time."""
    load, build = READERS[kind]
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        by_id = {row.pk: row for row in load(chunk)}
        # One call for the whole chunk: each provider answers in a constant number of queries.
        lines = lines_for([row.order for row in by_id.values()]) if kind in WITH_ORDER_LINES else {}
        for pk in chunk:
            if pk in by_id:
                row = by_id.pop(pk)
                doc = build(row)
                doc.order_lines = lines.get(row.order_id, [])
                yield doc
