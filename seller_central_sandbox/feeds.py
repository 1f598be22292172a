"""Processing of the two order feeds the channel sends, with Amazon's per-message checks, and the XML processing
report Amazon returns for them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from . import orders as o

if TYPE_CHECKING:
    from .state import Feed, Sandbox

ORDER_ACKNOWLEDGEMENT = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
PAYMENT_ADJUSTMENT = "POST_PAYMENT_ADJUSTMENT_DATA"
FEED_TYPES = {ORDER_ACKNOWLEDGEMENT: "OrderAcknowledgement", PAYMENT_ADJUSTMENT: "OrderAdjustment"}
CANCEL_REASONS = {
    "NoInventory",
    "ShippingAddressUndeliverable",
    "CustomerExchange",
    "BuyerCanceled",
    "GeneralAdjustment",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "CustomerReturn",
    "MerchandiseNotReceived",
}
ADJUSTMENT_REASONS = CANCEL_REASONS | {
    "CouldNotShip",
    "PriceError",
    "ProductOutofStock",
    "CustomerCancel",
    "Other",
    "ReturnedItem",
    "ShippingError",
    "Exchange",
    "TransactionRecord",
}
# ResultMessageCodes of the errors the sandbox reports (Amazon's numbers where known).
FATAL_XML = ("5001", "XML Parsing Fatal Error at Line {line}, Column {column}: {message}")
WRONG_MESSAGE_TYPE = ("5000", "The MessageType {got!r} does not match the feed type {feed_type} (expected {want!r}).")
UNKNOWN_ORDER = ("18028", "The order id {order_id} was not found in our system.")
OTHER_MARKETPLACE = (
    "18028",
    "The order id {order_id} was not found in this feed's marketplaces (it is {marketplace_id}'s).",
)
MISSING_FIELD = ("8001", "The message is missing the required element {element}.")
ALREADY_SHIPPED = ("18047", "Order {order_id} cannot be cancelled: it has already shipped.")
UNKNOWN_ITEM = ("18029", "The order item code {item_id} does not belong to order {order_id}.")
BAD_REASON = ("8560", "{reason!r} is not a valid {element}.")
NOT_CHARGED = ("18090", "Order {order_id} has not been charged yet, so it cannot be adjusted.")
OVER_REFUND = (
    "18230",
    "The adjustment of {component} {amount} {currency} for order item {item_id} exceeds what remains refundable "
    "({remaining} {currency}).",
)
BAD_AMOUNT = ("8101", "The amount {amount!r} of {component} is not a positive amount in {currency}.")


class MessageError(Exception):
    def __init__(self, code_message: tuple[str, str], **kwargs: object) -> None:
        self.code = code_message[0]
        self.description = code_message[1].format(**kwargs)
        super().__init__(self.description)


@dataclass
class Result:
    message_id: str
    code: str
    description: str
    order_id: str | None = None


VAT_INVOICE = "UPLOAD_VAT_INVOICE"
VAT_DOCUMENT_TYPES = ("Invoice", "CreditNote")
# EU and UK marketplaces: the only ones that take VAT invoices.
VAT_MARKETPLACES = {
    "A1F83G8C2ARO7P",
    "A1PA6795UKMFR9",
    "A13V1IB3VIYZZH",
    "APJ6JRA9NG5V4",
    "A1RKKUPIHCS9HS",
    "A1805IZSGTT6HS",
    "A2NODRKZP88ZB9",
    "A1C3SOZRARQ6R3",
    "AMEN7PMS3EDWL",
    "A28R8C7NBKEWEA",
}


def pdf_problem(content: bytes) -> str:
    """Why the document is no PDF that opens ('' when it is): pypdf when installed (the test environment has it),
    else a structural check (header, cross-reference, end marker, at least one page object)."""
    if not content.startswith(b"%PDF-"):
        return "The document is not a PDF (no %PDF- header)."
    try:
        from pypdf import PdfReader
    except ImportError:
        if b"startxref" not in content[-2048:] or b"%%EOF" not in content[-1024:] or b"/Type /Page" not in content:
            return "The PDF is damaged (no cross-reference, end marker or page)."
        return ""
    import io

    try:
        if not PdfReader(io.BytesIO(content)).pages:
            return "The PDF has no pages."
    except Exception as exc:  # anything pypdf can't read is a PDF Amazon can't read
        return f"The PDF could not be opened: {exc}"
    return ""


def _process_vat_invoice(sandbox: Sandbox, feed: Feed, content: bytes, when: float) -> None:
    """One PDF per feed, its metadata in feedOptions: the order must be this seller's, the options complete and
    consistent, the PDF one that opens. The report names the document (MessageID 1)."""
    options = feed.options
    problems: list[tuple[str, str]] = []
    for key in (
        "metadata:orderid",
        "metadata:invoicenumber",
        "metadata:documenttype",
        "metadata:totalamount",
        "metadata:totalvatamount",
    ):
        if not str(options.get(key, "")).strip():
            problems.append(("8001", f"The feed option {key} is missing."))
    order_id = options.get("metadata:orderid", "")
    if order_id and order_id not in sandbox.orders:
        problems.append(("8002", f"Order {order_id} was not found for this seller."))
    kind = options.get("metadata:documenttype", "")
    if kind and kind not in VAT_DOCUMENT_TYPES:
        problems.append(("8003", f"metadata:documenttype {kind!r} is not Invoice or CreditNote."))
    amounts = {}
    for key in ("metadata:totalamount", "metadata:totalvatamount"):
        try:
            amounts[key] = Decimal(options.get(key, ""))
        except (InvalidOperation, TypeError):
            if options.get(key):
                problems.append(("8004", f"{key} {options.get(key)!r} is not a number."))
    if len(amounts) == 2 and (
        amounts["metadata:totalvatamount"] > amounts["metadata:totalamount"]
        or amounts["metadata:totalamount"] < 0
        or amounts["metadata:totalvatamount"] < 0
    ):
        problems.append(("8005", "The VAT amount must be between 0 and the total amount."))
    if not set(feed.marketplace_ids) & VAT_MARKETPLACES:
        problems.append(("8006", "VAT invoices are only taken for EU and UK marketplaces."))
    problem = pdf_problem(content)
    if problem:
        problems.append(("8007", problem))
    results = [Result("1", code, text, order_id or None) for code, text in problems]
    if not problems and order_id:
        sandbox.vat_documents.append(
            {"feed_id": feed.feed_id, "order_id": order_id, "options": dict(options), "bytes": len(content)}
        )
    _finish(sandbox, feed, when, status="DONE", processed=1, results=results)


def process(sandbox: Sandbox, feed: Feed, when: float) -> None:
    """Apply the feed's messages and write its processing report; malformed XML makes the feed FATAL."""
    document = sandbox.documents.get(feed.input_document_id)
    content = document.content if document and document.content is not None else b""
    if feed.feed_type == VAT_INVOICE:
        _process_vat_invoice(sandbox, feed, content, when)
        return
    results: list[Result] = []
    processed = 0
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        line, column = exc.position
        results.append(Result("0", FATAL_XML[0], FATAL_XML[1].format(line=line, column=column, message=exc.msg)))
        _finish(sandbox, feed, when, status="FATAL", processed=0, results=results)
        return
    message_type = (root.findtext("MessageType") or "").strip()
    want = FEED_TYPES[feed.feed_type]
    if root.tag != "AmazonEnvelope" or message_type != want:
        code, text = WRONG_MESSAGE_TYPE
        results.append(Result("0", code, text.format(got=message_type, feed_type=feed.feed_type, want=want)))
        _finish(sandbox, feed, when, status="FATAL", processed=0, results=results)
        return
    for message in root.findall("Message"):
        processed += 1
        message_id = (message.findtext("MessageID") or "").strip()
        try:
            _check_marketplace(sandbox, message, feed)
            if feed.feed_type == ORDER_ACKNOWLEDGEMENT:
                _acknowledge(sandbox, message, message_id, when, feed.seller_id)
            else:
                _adjust(sandbox, message, message_id, when, feed.feed_id, feed.seller_id)
        except MessageError as exc:
            order_id = message.findtext(".//AmazonOrderID")
            results.append(Result(message_id, exc.code, exc.description, order_id))
    _finish(sandbox, feed, when, status="DONE", processed=processed, results=results)


def _finish(sandbox: Sandbox, feed: Feed, when: float, *, status: str, processed: int, results: list[Result]) -> None:
    failed = len(results) if status == "DONE" else 0
    report = build_report(
        seller_id=feed.seller_id,
        transaction_id=feed.feed_id,
        processed=processed,
        with_error=failed,
        results=results,
    )
    feed.result_document_id = sandbox.store_report(report).document_id
    feed.status = status
    feed.ended = when
    feed.summary = {"processed": processed, "successful": processed - failed, "with_error": failed}


def build_report(
    *, seller_id: str, transaction_id: str, processed: int, with_error: int, results: list[Result]
) -> bytes:
    envelope = ET.Element("AmazonEnvelope")
    envelope.set("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
    envelope.set("xsi:noNamespaceSchemaLocation", "amzn-envelope.xsd")
    header = ET.SubElement(envelope, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.02"
    ET.SubElement(header, "MerchantIdentifier").text = seller_id
    ET.SubElement(envelope, "MessageType").text = "ProcessingReport"
    message = ET.SubElement(envelope, "Message")
    ET.SubElement(message, "MessageID").text = "1"
    report = ET.SubElement(message, "ProcessingReport")
    ET.SubElement(report, "DocumentTransactionID").text = transaction_id
    ET.SubElement(report, "StatusCode").text = "Complete"
    summary = ET.SubElement(report, "ProcessingSummary")
    ET.SubElement(summary, "MessagesProcessed").text = str(processed)
    ET.SubElement(summary, "MessagesSuccessful").text = str(processed - with_error)
    ET.SubElement(summary, "MessagesWithError").text = str(with_error)
    ET.SubElement(summary, "MessagesWithWarning").text = "0"
    for result in results:
        node = ET.SubElement(report, "Result")
        ET.SubElement(node, "MessageID").text = result.message_id
        ET.SubElement(node, "ResultCode").text = "Error"
        ET.SubElement(node, "ResultMessageCode").text = result.code
        ET.SubElement(node, "ResultDescription").text = result.description
        if result.order_id:
            info = ET.SubElement(node, "AdditionalInfo")
            ET.SubElement(info, "AmazonOrderID").text = result.order_id
    ET.indent(envelope)
    return ET.tostring(envelope, encoding="UTF-8", xml_declaration=True)


def _check_marketplace(sandbox: Sandbox, message: ET.Element, feed: Feed) -> None:
    """An order feed applies to the marketplaces it was created for (createFeed's marketplaceIds): an order of
    another marketplace of the seller is not found there."""
    order_id = (message.findtext(".//AmazonOrderID") or "").strip()
    order = sandbox.orders.get(order_id)
    if order is not None and order.seller_id == feed.seller_id and order.marketplace_id not in feed.marketplace_ids:
        raise MessageError(OTHER_MARKETPLACE, order_id=order_id, marketplace_id=order.marketplace_id)


def _order(sandbox: Sandbox, node: ET.Element, seller_id: str) -> o.Order:
    order_id = (node.findtext("AmazonOrderID") or "").strip()
    if not order_id:
        raise MessageError(MISSING_FIELD, element="AmazonOrderID")
    order = sandbox.orders.get(order_id)
    if order is None or order.seller_id != seller_id:  # another seller's order is unknown to this one
        raise MessageError(UNKNOWN_ORDER, order_id=order_id)
    return order


def _acknowledge(sandbox: Sandbox, message: ET.Element, message_id: str, when: float, seller_id: str) -> None:
    ack = message.find("OrderAcknowledgement")
    if ack is None:
        raise MessageError(MISSING_FIELD, element="OrderAcknowledgement")
    order = _order(sandbox, ack, seller_id)
    status = (ack.findtext("StatusCode") or "").strip()
    if status not in {"Success", "Failure"}:
        raise MessageError(MISSING_FIELD, element="StatusCode (Success or Failure)")
    reasons = []
    for item in ack.findall("Item"):
        item_id = (item.findtext("AmazonOrderItemCode") or "").strip()
        if order.item(item_id) is None:
            raise MessageError(UNKNOWN_ITEM, item_id=item_id, order_id=order.order_id)
        reason = (item.findtext("CancelReason") or "").strip()
        if reason and reason not in CANCEL_REASONS:
            raise MessageError(BAD_REASON, reason=reason, element="CancelReason")
        reasons.append(reason)
    if status == "Success":
        # An acknowledgement of the order: Seller Central shows the seller's order number, nothing else changes.
        merchant_order_id = (ack.findtext("MerchantOrderID") or "").strip()
        if merchant_order_id:
            order.merchant_order_id = merchant_order_id
        return
    if order.status == o.CANCELLED:
        return  # cancelling again is harmless (a retried feed)
    if any(i.quantity_shipped for i in order.items):
        raise MessageError(ALREADY_SHIPPED, order_id=order.order_id)
    reason = next((r for r in reasons if r), "GeneralAdjustment")
    order.version += 1  # nothing planned for this order happens any more
    requester = order.cancel_request["requester"] if order.cancel_request else None
    order.cancel_request = None  # the seller answered the buyer's request by cancelling
    sandbox.cancel(order, when, requester=requester, reason=reason, by="MERCHANT")


def _adjust(sandbox: Sandbox, message: ET.Element, message_id: str, when: float, feed_id: str, seller_id: str) -> None:
    adjustment = message.find("OrderAdjustment")
    if adjustment is None:
        raise MessageError(MISSING_FIELD, element="OrderAdjustment")
    order = _order(sandbox, adjustment, seller_id)
    if order.status == o.PENDING or not any(i.quantity_shipped for i in order.items):
        raise MessageError(NOT_CHARGED, order_id=order.order_id)
    lines = []
    pending: dict[tuple[str, str], Decimal] = {}
    for adjusted in adjustment.findall("AdjustedItem"):
        item_id = (adjusted.findtext("AmazonOrderItemCode") or "").strip()
        item = order.item(item_id)
        if item is None:
            raise MessageError(UNKNOWN_ITEM, item_id=item_id, order_id=order.order_id)
        reason = (adjusted.findtext("AdjustmentReason") or "").strip()
        if reason not in ADJUSTMENT_REASONS:
            raise MessageError(BAD_REASON, reason=reason, element="AdjustmentReason")
        charges = item.charges()
        components: dict[str, str] = {}
        for component in adjusted.findall("ItemPriceAdjustments/Component"):
            kind = (component.findtext("Type") or "").strip()
            amount_node = component.find("Amount")
            raw = (amount_node.text or "").strip() if amount_node is not None else ""
            currency = amount_node.get("currency", "") if amount_node is not None else ""
            try:
                amount = Decimal(raw)
            except InvalidOperation:
                amount = Decimal(-1)
            if amount <= 0 or currency != order.currency or amount != o.quantize(amount, order.marketplace.places):
                raise MessageError(BAD_AMOUNT, amount=raw, component=kind, currency=order.currency)
            if kind in charges:
                key = (item_id, kind)
                pending[key] = pending.get(key, Decimal(0)) + amount
                remaining = charges[kind] - order.refunded(item_id, kind) - (pending[key] - amount)
                if amount > remaining:
                    raise MessageError(
                        OVER_REFUND,
                        component=kind,
                        amount=amount,
                        currency=order.currency,
                        item_id=item_id,
                        remaining=remaining,
                    )
            components[kind] = str(amount)
        lines.append({"order_item_id": item_id, "reason": reason, "components": components})
    if not lines:
        raise MessageError(MISSING_FIELD, element="AdjustedItem")
    order.adjustments.append({"feed_id": feed_id, "message_id": message_id, "at": o.iso(when), "items": lines})
    sandbox.touch(order, when)
