"""A stand-in for SpApiClient in the outbox tests that run without HTTP: it keeps what Amazon would have received,
answers like Amazon (confirmShipment idempotent on packageReferenceId, feeds processed on demand with a processing
report per message), and can be told to fail the next calls."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from amazon_channel.spapi import errors, types


@dataclass
class FakeFeed:
    feed_id: str
    feed_type: str
    document_id: str
    status: str = "IN_QUEUE"
    report_id: str | None = None


@dataclass
class FakeAmazon:
    calls: list[tuple[str, dict]] = field(default_factory=list)
    packages: dict[tuple[str, str], types.PackageDetail] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)
    feeds: dict[str, FakeFeed] = field(default_factory=dict)
    reports: dict[str, bytes] = field(default_factory=dict)
    # operation -> exceptions to raise on its next calls (before doing anything)
    failures: dict[str, list[Exception]] = field(default_factory=dict)
    # operation -> callable run after the call did its work (e.g. to "kill the worker" there)
    after: dict[str, Callable[[], None]] = field(default_factory=dict)
    # MessageID -> (code, description) to report as errors; or a callable deciding per message element
    message_errors: dict[int, tuple[str, str]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fail(self, operation: str, *excs: Exception) -> None:
        self.failures.setdefault(operation, []).extend(excs)

    def _call(self, operation: str, **data) -> None:
        self.calls.append((operation, data))
        queued = self.failures.get(operation)
        if queued:
            raise queued.pop(0)

    def _done(self, operation: str) -> None:
        hook = self.after.pop(operation, None)
        if hook:
            hook()

    def count(self, operation: str) -> int:
        return sum(1 for op, _ in self.calls if op == operation)

    # --- confirmShipment
    def confirm_shipment(self, order_id: str, *, marketplace_id: str, package: types.PackageDetail) -> None:
        self._call("confirmShipment", order_id=order_id, marketplace_id=marketplace_id, package=package)
        self.packages[(order_id, package.package_reference_id)] = package
        self._done("confirmShipment")

    # --- feeds
    def create_feed_document(self, content_type: str) -> types.FeedDocumentUpload:
        self._call("createFeedDocument", content_type=content_type)
        doc_id = f"amzn1.tortuga.doc.{next(self._ids)}"
        return types.FeedDocumentUpload(feed_document_id=doc_id, url=f"https://upload.example/{doc_id}")

    def upload_feed_document(self, upload: types.FeedDocumentUpload, content: bytes, content_type: str) -> None:
        self._call("uploadFeedDocument", upload=upload, content_type=content_type)
        self.documents[upload.feed_document_id] = content

    def create_feed(self, *, feed_type: str, input_feed_document_id: str, marketplace_ids=None) -> str:
        self._call("createFeed", feed_type=feed_type, document_id=input_feed_document_id)
        feed_id = str(50000 + next(self._ids))
        self.feeds[feed_id] = FakeFeed(feed_id, feed_type, input_feed_document_id)
        self._done("createFeed")
        return feed_id

    def get_feed(self, feed_id: str) -> types.Feed:
        self._call("getFeed", feed_id=feed_id)
        feed = self.feeds[feed_id]
        return types.Feed(feed.feed_id, feed.feed_type, feed.status, feed.report_id)

    def get_feed_document(self, doc_id: str) -> types.FeedDocument:
        self._call("getFeedDocument", doc_id=doc_id)
        return types.FeedDocument(doc_id, f"https://download.example/{doc_id}", None)

    def download_feed_document(self, doc: types.FeedDocument) -> bytes:
        self._call("downloadFeedDocument", doc_id=doc.feed_document_id)
        data = self.reports[doc.feed_document_id]
        self._done("downloadFeedDocument")
        return data

    # --- what Amazon does with a feed
    def message_ids(self, feed_id: str) -> list[int]:
        root = ET.fromstring(self.documents[self.feeds[feed_id].document_id])
        return [int(m.findtext("MessageID")) for m in root.iter("Message")]

    def process_feeds(self, status: str = "DONE") -> None:
        for feed in self.feeds.values():
            if feed.status != "IN_QUEUE":
                continue
            feed.status = status
            if status in {"DONE", "FATAL"}:
                ids = self.message_ids(feed.feed_id)
                report_id = f"amzn1.tortuga.report.{feed.feed_id}"
                self.reports[report_id] = self._report(ids)
                feed.report_id = report_id

    def _report(self, ids: list[int]) -> bytes:
        failing = [i for i in ids if i in self.message_errors]
        results = "".join(
            f"<Result><MessageID>{i}</MessageID><ResultCode>Error</ResultCode>"
            f"<ResultMessageCode>{self.message_errors[i][0]}</ResultMessageCode>"
            f"<ResultDescription>{self.message_errors[i][1]}</ResultDescription></Result>"
            for i in failing
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion>'
            "<MerchantIdentifier>A2SANDBOXSELLER</MerchantIdentifier></Header><MessageType>ProcessingReport"
            "</MessageType><Message><MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>1"
            "</DocumentTransactionID><StatusCode>Complete</StatusCode><ProcessingSummary>"
            f"<MessagesProcessed>{len(ids)}</MessagesProcessed><MessagesSuccessful>{len(ids) - len(failing)}"
            f"</MessagesSuccessful><MessagesWithError>{len(failing)}</MessagesWithError>"
            f"<MessagesWithWarning>0</MessagesWithWarning></ProcessingSummary>{results}</ProcessingReport>"
            "</Message></AmazonEnvelope>"
        ).encode()


def throttled(operation: str) -> errors.SpApiError:
    return errors.ThrottledError(operation, 429, "QuotaExceeded", "You exceeded your quota for the requested resource.")


def server_error(operation: str) -> errors.SpApiError:
    return errors.ServerError(operation, 503, "ServiceUnavailable", "Service temporarily unavailable.")


def timeout(operation: str) -> errors.SpApiError:
    return errors.TransportError(operation, None, "", "Read timed out.")


def rejected(operation: str, message: str) -> errors.SpApiError:
    return errors.InvalidRequestError(operation, 400, "InvalidInput", message)
