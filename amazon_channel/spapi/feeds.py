"""XML feed documents for cancellations and refunds, and the parser of Amazon's processing report.

Feeds carry what the v2026 Orders API can't do: `POST_ORDER_ACKNOWLEDGEMENT_DATA` (cancel items with a reason) and
`POST_PAYMENT_ADJUSTMENT_DATA` (refund components per item). One feed carries many messages; each message's
`MessageID` comes back in the processing report with its own result, so callers must keep ids stable per update.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from admin_ui.formatting import currency_places

from .types import Money

ORDER_ACKNOWLEDGEMENT_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
PAYMENT_ADJUSTMENT_FEED = "POST_PAYMENT_ADJUSTMENT_DATA"
DOCUMENT_VERSION = "1.01"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

CANCEL_REASONS: tuple[str, ...] = (
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
)
ADJUSTMENT_REASONS: tuple[str, ...] = (
    "NoInventory",
    "CustomerReturn",
    "GeneralAdjustment",
    "CouldNotShip",
    "DifferentItem",
    "Abandoned",
    "CustomerCancel",
    "PriceError",
    "ProductOutofStock",
    "CustomerAddressIncorrect",
    "Exchange",
    "Other",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "TransactionRecord",
    "Undeliverable",
    "RefusedDelivery",
)
# Order of components Amazon documents for ItemPriceAdjustments.
COMPONENT_TYPES: tuple[str, ...] = (
    "Principal",
    "Shipping",
    "Tax",
    "ShippingTax",
    "RestockingFee",
    "RestockingFeeTax",
    "GiftWrap",
    "GiftWrapTax",
    "Surcharge",
    "ReturnShipping",
    "Goodwill",
    "ExportCharge",
    "COD",
    "CODTax",
    "Other",
    "FreeReplacementReturnShipping",
)


@dataclass(frozen=True)
class CancelItem:
    order_item_id: str
    reason: str | None = None  # None = the message's reason


@dataclass(frozen=True)
class CancelMessage:
    message_id: int
    amazon_order_id: str
    merchant_order_id: str | None
    reason: str
    items: list[CancelItem] = field(default_factory=list)  # empty = the whole order
    # StatusCode Success: not a cancel but the order acknowledged with our order number (MerchantOrderID).
    acknowledge_only: bool = False


@dataclass(frozen=True)
class AdjustmentItem:
    order_item_id: str
    reason: str
    components: Mapping[str, Money]  # Principal, Shipping, Tax, ShippingTax, RestockingFee, ...


@dataclass(frozen=True)
class AdjustmentMessage:
    message_id: int
    amazon_order_id: str
    items: list[AdjustmentItem]


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _envelope(seller_id: str, message_type: str) -> ET.Element:
    if not seller_id:
        raise ValueError("seller_id (MerchantIdentifier) is required")
    root = ET.Element("AmazonEnvelope", {"xmlns:xsi": XSI, "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd"})
    header = _sub(root, "Header")
    _sub(header, "DocumentVersion", DOCUMENT_VERSION)
    _sub(header, "MerchantIdentifier", seller_id)
    _sub(root, "MessageType", message_type)
    return root


def _check_message_ids(ids: list[int]) -> None:
    if not ids:
        raise ValueError("a feed needs at least one message")
    for message_id in ids:
        if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id < 1:
            raise ValueError(f"MessageID must be a positive integer, not {message_id!r}")
    if len(set(ids)) != len(ids):
        raise ValueError("MessageIDs must be unique within a feed")


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _amount(money: Money) -> str:
    if not money.amount.is_finite() or money.amount < 0:
        raise ValueError(f"an adjustment amount must be a positive number, not {money.amount}")
    # In the currency's own minor units: Amazon takes JPY in whole yen.
    return str(money.amount.quantize(Decimal(1).scaleb(-currency_places(money.currency)), rounding=ROUND_HALF_UP))


def build_order_acknowledgement_feed(*, seller_id: str, messages: list[CancelMessage]) -> bytes:
    """POST_ORDER_ACKNOWLEDGEMENT_DATA cancelling orders or items (StatusCode Failure, CancelReason per item), or
    acknowledging an order with the seller's order number (StatusCode Success, MerchantOrderID, no items)."""
    _check_message_ids([m.message_id for m in messages])
    root = _envelope(seller_id, "OrderAcknowledgement")
    for message in messages:
        if not message.amazon_order_id:
            raise ValueError(f"message {message.message_id} has no Amazon order id")
        if message.acknowledge_only and (message.items or not message.merchant_order_id):
            raise ValueError(f"message {message.message_id}: an acknowledgement has a MerchantOrderID and no items")
        for reason in (
            [] if message.acknowledge_only else [message.reason, *(i.reason for i in message.items if i.reason)]
        ):
            if reason not in CANCEL_REASONS:
                raise ValueError(f"unknown cancel reason {reason!r}")
        node = _sub(root, "Message")
        _sub(node, "MessageID", str(message.message_id))
        ack = _sub(node, "OrderAcknowledgement")
        _sub(ack, "AmazonOrderID", message.amazon_order_id)
        if message.merchant_order_id:
            _sub(ack, "MerchantOrderID", message.merchant_order_id)
        _sub(ack, "StatusCode", "Success" if message.acknowledge_only else "Failure")
        for item in message.items:
            item_node = _sub(ack, "Item")
            _sub(item_node, "AmazonOrderItemCode", item.order_item_id)
            _sub(item_node, "CancelReason", item.reason or message.reason)
    return _serialize(root)


def build_payment_adjustment_feed(*, seller_id: str, messages: list[AdjustmentMessage]) -> bytes:
    """POST_PAYMENT_ADJUSTMENT_DATA refunding components (Principal, Shipping, Tax, ...) per item."""
    _check_message_ids([m.message_id for m in messages])
    root = _envelope(seller_id, "OrderAdjustment")
    for message in messages:
        if not message.amazon_order_id:
            raise ValueError(f"message {message.message_id} has no Amazon order id")
        if not message.items:
            raise ValueError(f"message {message.message_id} adjusts no item")
        node = _sub(root, "Message")
        _sub(node, "MessageID", str(message.message_id))
        adjustment = _sub(node, "OrderAdjustment")
        _sub(adjustment, "AmazonOrderID", message.amazon_order_id)
        for item in message.items:
            if item.reason not in ADJUSTMENT_REASONS:
                raise ValueError(f"unknown adjustment reason {item.reason!r}")
            if not item.components:
                raise ValueError(f"item {item.order_item_id} has no price components to adjust")
            item_node = _sub(adjustment, "AdjustedItem")
            _sub(item_node, "AmazonOrderItemCode", item.order_item_id)
            _sub(item_node, "AdjustmentReason", item.reason)
            prices = _sub(item_node, "ItemPriceAdjustments")
            ordered = sorted(
                item.components.items(),
                key=lambda kv: COMPONENT_TYPES.index(kv[0]) if kv[0] in COMPONENT_TYPES else len(COMPONENT_TYPES),
            )
            for kind, money in ordered:
                component = _sub(prices, "Component")
                _sub(component, "Type", kind)
                _sub(component, "Amount", _amount(money), currency=money.currency)
    return _serialize(root)


# --- processing report -----------------------------------------------------------------------------------------------


class ProcessingReportError(ValueError):
    """The document is not a processing report we can read."""


@dataclass(frozen=True)
class ReportResult:
    code: str  # ResultMessageCode, e.g. "18028"
    severity: str  # ResultCode: "Error" or "Warning"
    description: str
    amazon_order_id: str | None = None
    order_item_id: str | None = None


@dataclass(frozen=True)
class ProcessingReport:
    processed: int
    successful: int
    with_error: int
    results: dict[int, list[ReportResult]]  # by the MessageID we sent (0 = the feed as a whole)
    with_warning: int = 0
    status_code: str | None = None
    document_transaction_id: str | None = None

    def errors_for(self, message_id: int) -> list[ReportResult]:
        return [r for r in self.results.get(message_id, []) if r.severity.lower() == "error"]

    def succeeded(self, message_id: int) -> bool:
        """No error reported for this message (Amazon reports only the messages that had a problem)."""
        return not self.errors_for(message_id) and not self.errors_for(0)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ET.Element | None, name: str) -> str | None:
    if element is None:
        return None
    child = _child(element, name)
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _count(summary: ET.Element, name: str) -> int:
    value = _text(summary, name)
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        raise ProcessingReportError(f"ProcessingSummary/{name} is not a number: {value!r}")


def _find(element: ET.Element, name: str) -> ET.Element | None:
    for node in element.iter():
        if _local(node.tag) == name:
            return node
    return None


def parse_processing_report(data: bytes) -> ProcessingReport:
    """Amazon's XML processing report (namespaced or not): counts and each message's results."""
    if not data or not data.strip():
        raise ProcessingReportError("the processing report is empty")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ProcessingReportError(f"the processing report is not XML: {exc}")
    report = root if _local(root.tag) == "ProcessingReport" else _find(root, "ProcessingReport")
    if report is None:
        raise ProcessingReportError("the document has no ProcessingReport")
    summary = _child(report, "ProcessingSummary")
    if summary is None:
        raise ProcessingReportError("the ProcessingReport has no ProcessingSummary")
    results: dict[int, list[ReportResult]] = {}
    for result in _children(report, "Result"):
        raw_id = _text(result, "MessageID")
        try:
            message_id = int(raw_id) if raw_id else 0
        except ValueError:
            raise ProcessingReportError(f"Result/MessageID is not a number: {raw_id!r}")
        info = _child(result, "AdditionalInfo")
        results.setdefault(message_id, []).append(
            ReportResult(
                code=_text(result, "ResultMessageCode") or "",
                severity=_text(result, "ResultCode") or "",
                description=_text(result, "ResultDescription") or "",
                amazon_order_id=_text(info, "AmazonOrderID"),
                order_item_id=_text(info, "AmazonOrderItemCode"),
            )
        )
    return ProcessingReport(
        processed=_count(summary, "MessagesProcessed"),
        successful=_count(summary, "MessagesSuccessful"),
        with_error=_count(summary, "MessagesWithError"),
        with_warning=_count(summary, "MessagesWithWarning"),
        results=results,
        status_code=_text(report, "StatusCode"),
        document_transaction_id=_text(report, "DocumentTransactionID"),
    )
