"""Feeds 2021-06-30: document upload, the feed lifecycle, and the processing report with per-message results."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from .conftest import US, Amazon

FEEDS = "/feeds/2021-06-30"
XML = "text/xml; charset=UTF-8"


def envelope(message_type: str, messages: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd"><Header><DocumentVersion>1.01</DocumentVersion>'
        f"<MerchantIdentifier>A2SANDBOXSELLER</MerchantIdentifier></Header><MessageType>{message_type}</MessageType>"
        f"{messages}</AmazonEnvelope>"
    ).encode()


def cancel(message_id: int, order_id: str, item_id: str, reason: str = "NoInventory") -> str:
    return (
        f"<Message><MessageID>{message_id}</MessageID><OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>"
        f"<StatusCode>Failure</StatusCode><Item><AmazonOrderItemCode>{item_id}</AmazonOrderItemCode>"
        f"<CancelReason>{reason}</CancelReason></Item></OrderAcknowledgement></Message>"
    )


def refund(message_id: int, order_id: str, item_id: str, currency: str = "USD", **components: str) -> str:
    parts = "".join(
        f'<Component><Type>{kind}</Type><Amount currency="{currency}">{amount}</Amount></Component>'
        for kind, amount in components.items()
    )
    return (
        f"<Message><MessageID>{message_id}</MessageID><OrderAdjustment><AmazonOrderID>{order_id}</AmazonOrderID>"
        f"<AdjustedItem><AmazonOrderItemCode>{item_id}</AmazonOrderItemCode>"
        f"<AdjustmentReason>CustomerReturn</AdjustmentReason><ItemPriceAdjustments>{parts}</ItemPriceAdjustments>"
        "</AdjustedItem></OrderAdjustment></Message>"
    )


def submit(amazon: Amazon, feed_type: str, content: bytes) -> str:
    created = amazon.post(f"{FEEDS}/documents", json={"contentType": XML})
    assert created.status_code == 201, created.text
    document = created.json()
    upload = amazon.http.put(document["url"], data=content, headers={"Content-Type": XML})
    assert upload.status_code == 200
    feed = amazon.post(
        f"{FEEDS}/feeds",
        json={"feedType": feed_type, "marketplaceIds": [US], "inputFeedDocumentId": document["feedDocumentId"]},
    )
    assert feed.status_code == 202, feed.text
    return feed.json()["feedId"]


def report(amazon: Amazon, feed_id: str) -> ET.Element:
    feed = amazon.get(f"{FEEDS}/feeds/{feed_id}").json()
    document = amazon.get(f"{FEEDS}/documents/{feed['resultFeedDocumentId']}").json()
    data = amazon.http.get(document["url"]).content
    if document.get("compressionAlgorithm") == "GZIP":
        data = gzip.decompress(data)
    return ET.fromstring(data)


def results(root: ET.Element) -> dict[str, tuple[str, str]]:
    return {
        r.findtext("MessageID"): (r.findtext("ResultCode"), r.findtext("ResultDescription"))
        for r in root.iter("Result")
    }


def summary(root: ET.Element) -> dict[str, int]:
    node = root.find("Message/ProcessingReport/ProcessingSummary")
    return {child.tag: int(child.text) for child in node}


def test_feed_moves_in_queue_in_progress_done_as_time_passes(amazon: Amazon):
    control = amazon.handle.control
    [oid] = control.add_orders(1, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=US)
    item = control.order(oid)["items"][0]["order_item_id"]
    feed_id = submit(amazon, "POST_ORDER_ACKNOWLEDGEMENT_DATA", envelope("OrderAcknowledgement", cancel(1, oid, item)))

    statuses = [amazon.get(f"{FEEDS}/feeds/{feed_id}").json()["processingStatus"]]
    control.advance(2.5)
    statuses.append(amazon.get(f"{FEEDS}/feeds/{feed_id}").json()["processingStatus"])
    assert control.order(oid)["status"] == "UNSHIPPED"  # nothing applied before the feed is done
    control.advance(3)
    done = amazon.get(f"{FEEDS}/feeds/{feed_id}").json()

    assert [*statuses, done["processingStatus"]] == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    assert done["resultFeedDocumentId"] and done["processingEndTime"] >= done["processingStartTime"]
    cancelled = control.order(oid)
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancellation"] == {"requester": "", "cancelReason": "NoInventory", "cancelledBy": "MERCHANT"}


def test_acknowledgement_report_has_an_error_per_bad_message(amazon: Amazon):
    control = amazon.handle.control
    [open_order] = control.add_orders(1, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=US)
    [shipped] = control.add_orders(1, status="SHIPPED", fulfilled_by="MERCHANT", marketplace_id=US)
    open_item = control.order(open_order)["items"][0]["order_item_id"]
    shipped_item = control.order(shipped)["items"][0]["order_item_id"]
    messages = (
        cancel(1, open_order, open_item)
        + cancel(2, "111-0000000-0000000", "1")
        + cancel(3, shipped, shipped_item)
        + cancel(4, open_order, open_item, reason="Bored")
    )
    feed_id = submit(amazon, "POST_ORDER_ACKNOWLEDGEMENT_DATA", envelope("OrderAcknowledgement", messages))
    control.process_feeds()

    root = report(amazon, feed_id)

    assert root.findtext("MessageType") == "ProcessingReport"
    assert root.findtext("Message/ProcessingReport/DocumentTransactionID") == feed_id
    assert root.findtext("Message/ProcessingReport/StatusCode") == "Complete"
    assert summary(root) == {
        "MessagesProcessed": 4,
        "MessagesSuccessful": 1,
        "MessagesWithError": 3,
        "MessagesWithWarning": 0,
    }
    found = results(root)
    assert set(found) == {"2", "3", "4"}
    assert "was not found" in found["2"][1]
    assert "already shipped" in found["3"][1]
    assert "not a valid CancelReason" in found["4"][1]
    assert all(code == "Error" for code, _ in found.values())
    assert control.order(open_order)["status"] == "CANCELLED"
    assert control.order(shipped)["status"] == "SHIPPED"


@pytest.mark.sandbox(gzip_reports=True)
def test_refunds_are_checked_against_what_was_charged_cumulatively(amazon: Amazon):
    control = amazon.handle.control
    [oid] = control.add_orders(1, status="SHIPPED", fulfilled_by="MERCHANT", marketplace_id=US, items=1, prime=True)
    item = control.order(oid)["items"][0]
    charged = Decimal(item["unit_price"]) * item["quantity"] - Decimal(item["discount"])
    half = (charged / 2).quantize(Decimal("0.01"))
    messages = (
        refund(1, oid, item["order_item_id"], Principal=str(half))
        + refund(2, oid, item["order_item_id"], Principal=str(charged - half))
        + refund(3, oid, item["order_item_id"], Principal="0.01")
        + refund(4, oid, item["order_item_id"], currency="EUR", Principal="1.00")
        + refund(5, oid, "123", Principal="1.00")
    )
    feed_id = submit(amazon, "POST_PAYMENT_ADJUSTMENT_DATA", envelope("OrderAdjustment", messages))
    control.process_feeds()

    root = report(amazon, feed_id)

    found = results(root)
    assert set(found) == {"3", "4", "5"}, found
    assert "exceeds what remains refundable" in found["3"][1]
    assert "not a positive amount in USD" in found["4"][1]
    assert "does not belong to order" in found["5"][1]
    adjustments = control.order(oid)["adjustments"]
    assert [a["message_id"] for a in adjustments] == ["1", "2"]


def test_unshipped_orders_cannot_be_refunded(amazon: Amazon):
    control = amazon.handle.control
    [oid] = control.add_orders(1, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=US)
    item = control.order(oid)["items"][0]["order_item_id"]
    feed_id = submit(
        amazon, "POST_PAYMENT_ADJUSTMENT_DATA", envelope("OrderAdjustment", refund(1, oid, item, Tax="0.01"))
    )
    control.process_feeds()

    assert "has not been charged" in results(report(amazon, feed_id))["1"][1]


def test_duplicate_message_ids_are_processed(amazon: Amazon):
    control = amazon.handle.control
    a, b = control.add_orders(2, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=US)
    items = [control.order(x)["items"][0]["order_item_id"] for x in (a, b)]
    feed_id = submit(
        amazon,
        "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        envelope("OrderAcknowledgement", cancel(1, a, items[0]) + cancel(1, b, items[1])),
    )
    control.process_feeds()

    assert summary(report(amazon, feed_id))["MessagesSuccessful"] == 2
    assert {control.order(a)["status"], control.order(b)["status"]} == {"CANCELLED"}


def test_malformed_xml_makes_the_feed_fatal(amazon: Amazon):
    feed_id = submit(amazon, "POST_ORDER_ACKNOWLEDGEMENT_DATA", b"<AmazonEnvelope><Message>")
    amazon.handle.control.process_feeds()

    feed = amazon.get(f"{FEEDS}/feeds/{feed_id}").json()

    assert feed["processingStatus"] == "FATAL"
    assert "XML Parsing Fatal Error" in results(report(amazon, feed_id))["0"][1]


def test_upload_must_use_the_signed_content_type_and_feed_needs_an_upload(amazon: Amazon):
    document = amazon.post(f"{FEEDS}/documents", json={"contentType": XML}).json()
    wrong = amazon.http.put(document["url"], data=b"<x/>", headers={"Content-Type": "application/json"})
    not_uploaded = amazon.post(
        f"{FEEDS}/feeds",
        json={
            "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
            "marketplaceIds": [US],
            "inputFeedDocumentId": document["feedDocumentId"],
        },
    )
    no_marketplaces = amazon.post(
        f"{FEEDS}/feeds",
        json={"feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA", "inputFeedDocumentId": document["feedDocumentId"]},
    )

    assert wrong.status_code == 403
    assert not_uploaded.status_code == 400
    assert "Nothing was uploaded" in not_uploaded.json()["errors"][0]["message"]
    assert no_marketplaces.status_code == 400
    assert "'marketplaceIds' is a required property" in no_marketplaces.json()["errors"][0]["message"]


def test_unknown_feed_and_document_are_404(amazon: Amazon):
    assert amazon.get(f"{FEEDS}/feeds/123").status_code == 404
    assert amazon.get(f"{FEEDS}/documents/amzn1.tortuga.4.na.nothing").status_code == 404
