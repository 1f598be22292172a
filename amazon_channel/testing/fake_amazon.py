"""One fake SP-API for the tests that run without HTTP. It stands in for SpApiClient wherever the channel uses one:
it serves orders the way searchOrders pages them and getOrder finds them, keeps what Amazon would have received
(confirmShipment idempotent on packageReferenceId, feeds processed on demand with a processing report per message),
records every call, and can be told to fail the next calls of an operation.

`calls` holds (operation, arguments) in order; `searches` the arguments of each searchOrders call.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from amazon_channel.push.outcome import WorkerStopped
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
    orders: list[types.Order] = field(default_factory=list)
    page_size: int = 100
    # The window end searchOrders reports (lastUpdatedBefore); default: now - 2 min, as Amazon does.
    window_end: datetime | None = None
    calls: list[tuple[str, dict]] = field(default_factory=list)
    packages: dict[tuple[str, str], types.PackageDetail] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)
    feeds: dict[str, FakeFeed] = field(default_factory=dict)
    reports: dict[str, bytes] = field(default_factory=dict)
    # operation -> exceptions to raise on its next calls (before doing anything)
    failures: dict[str, list[Exception | None]] = field(default_factory=dict)
    # operation -> callable run after the call did its work (e.g. to "kill the worker" there)
    after: dict[str, Callable[[], None]] = field(default_factory=dict)
    # MessageID -> (code, description) to report as errors
    message_errors: dict[int, tuple[str, str]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fail(self, operation: str, *excs: Exception, after_calls: int = 0) -> None:
        """The next calls of `operation` raise `excs`, one each, after `after_calls` calls that succeed."""
        self.failures.setdefault(operation, []).extend([None] * after_calls + list(excs))

    def _call(self, operation: str, **data) -> None:
        self.calls.append((operation, data))
        queued = self.failures.get(operation)
        if queued:
            exc = queued.pop(0)
            if exc is not None:
                raise exc

    def _done(self, operation: str) -> None:
        hook = self.after.pop(operation, None)
        if hook:
            hook()

    def count(self, operation: str) -> int:
        return sum(1 for op, _ in self.calls if op == operation)

    @property
    def searches(self) -> list[dict]:
        return [data for op, data in self.calls if op == "searchOrders"]

    # --- Orders API
    def search_orders(self, **kwargs) -> types.OrdersPage:
        self._call("searchOrders", **kwargs)
        after = kwargs.get("last_updated_after") or kwargs["created_after"]
        matching = sorted(
            (o for o in self.orders if o.last_updated_time >= after), key=lambda o: (o.last_updated_time, o.order_id)
        )
        start = int(kwargs.get("pagination_token") or 0)
        size = min(kwargs.get("max_results_per_page") or 100, self.page_size)
        chunk = matching[start : start + size]
        more = start + size < len(matching)
        return types.OrdersPage(
            orders=chunk,
            next_token=str(start + size) if more else None,
            created_before=None,
            last_updated_before=self.window_end or timezone.now() - timedelta(minutes=2),
        )

    def get_order(self, order_id: str, **kwargs) -> types.Order:
        self._call("getOrder", order_id=order_id)
        for order in self.orders:
            if order.order_id == order_id:
                return order
        raise errors.NotFoundError("getOrder", 404, "NotFound", "Order not found", "req-1", None)

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


def use_fake_amazon(monkeypatch, fake: FakeAmazon) -> FakeAmazon:
    """Every store's client is `fake` (the channel builds clients in one place: core.client)."""
    from amazon_channel.core import client

    monkeypatch.setattr(client, "client_for_store", lambda store, **options: fake)
    return fake


def throttled(operation: str) -> errors.SpApiError:
    return errors.ThrottledError(operation, 429, "QuotaExceeded", "You exceeded your quota for the requested resource.")


def server_error(operation: str) -> errors.SpApiError:
    return errors.ServerError(operation, 503, "ServiceUnavailable", "Service temporarily unavailable.")


def timeout(operation: str) -> errors.SpApiError:
    return errors.TransportError(operation, None, "", "Read timed out.")


def rejected(operation: str, message: str) -> errors.SpApiError:
    return errors.InvalidRequestError(operation, 400, "InvalidInput", message)


class WorkerKilled(WorkerStopped):
    """A worker killed mid-delivery: nothing after the call that raised it runs (see FakeAmazon.after)."""


def kill_worker() -> None:
    raise WorkerKilled
