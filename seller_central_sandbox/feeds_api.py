"""The Feeds API operations (2021-06-30) and the feed document store (the pre-signed upload and download URLs)."""

from __future__ import annotations

from werkzeug.wrappers import Request

from . import feeds as feed_processing
from . import orders as o
from .replies import Reply, error, invalid
from .state import SELLER_ID, Feed


class FeedsApi:
    """Operations of SandboxApp (a mixin: `self.sandbox`, `self._query`, `self._json_body` are the app's)."""

    def op_createFeedDocument(self, request: Request, body: bytes) -> Reply:
        payload = self._json_body(body, "createFeedDocument")
        doc = self.sandbox.new_document(payload["contentType"])
        return Reply(201, {"feedDocumentId": doc.document_id, "url": self._url(request, "uploads", doc.document_id)})

    def op_uploadFeedDocument(self, request: Request, body: bytes, documentId: str) -> Reply:
        doc = self.sandbox.documents.get(documentId)
        if doc is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        if (request.headers.get("Content-Type") or "") != doc.content_type:
            # A pre-signed URL is signed for the content type given to createFeedDocument.
            return _s3_error(403, "SignatureDoesNotMatch", "The Content-Type does not match the signed request.")
        doc.content = body
        return Reply(200)

    def op_downloadFeedDocument(self, request: Request, body: bytes, documentId: str) -> Reply:
        doc = self.sandbox.documents.get(documentId)
        if doc is None or doc.content is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return Reply(200, doc.content, content_type=doc.content_type)

    def op_createFeed(self, request: Request, body: bytes) -> Reply:
        payload = self._json_body(body, "createFeed")
        feed_type = payload["feedType"]
        if feed_type not in feed_processing.FEED_TYPES and feed_type != feed_processing.VAT_INVOICE:
            return invalid(f"The sandbox does not process feedType {feed_type}.")
        unknown = [m for m in payload["marketplaceIds"] if m not in o.MARKETPLACES]
        if unknown:
            return invalid(f"Unknown marketplaceIds: {', '.join(unknown)}.")
        sandbox = self.sandbox
        with sandbox.lock:
            doc = sandbox.documents.get(payload["inputFeedDocumentId"])
            if doc is None:
                return invalid(f"inputFeedDocumentId {payload['inputFeedDocumentId']} does not exist.")
            if doc.content is None:
                return invalid(f"Nothing was uploaded for inputFeedDocumentId {doc.document_id}.")
            feed = Feed(
                feed_id=sandbox.next_feed_id(),
                feed_type=feed_type,
                marketplace_ids=list(payload["marketplaceIds"]),
                input_document_id=doc.document_id,
                created=sandbox.clock.now(),
                seller_id=getattr(request, "seller_id", SELLER_ID),
                options=dict(payload.get("feedOptions") or {}),
            )
            sandbox.feeds[feed.feed_id] = feed
        return Reply(202, {"feedId": feed.feed_id})

    def op_getFeed(self, request: Request, body: bytes, feedId: str) -> Reply:
        feed = self.sandbox.feeds.get(feedId)
        if feed is None or feed.seller_id != getattr(request, "seller_id", SELLER_ID):
            return error(404, "NotFound", f"Feed {feedId} was not found.")
        return Reply(200, feed.to_api())

    def op_cancelFeed(self, request: Request, body: bytes, feedId: str) -> Reply:
        with self.sandbox.lock:
            feed = self.sandbox.feeds.get(feedId)
            if feed is None:
                return error(404, "NotFound", f"Feed {feedId} was not found.")
            if feed.status != "IN_QUEUE":
                return invalid(f"Feed {feedId} is {feed.status} and can no longer be cancelled.")
            feed.status = "CANCELLED"
        return Reply(200)

    def op_getFeedDocument(self, request: Request, body: bytes, feedDocumentId: str) -> Reply:
        self._query(request, "getFeedDocument")
        doc = self.sandbox.documents.get(feedDocumentId)
        if doc is None:
            return error(404, "NotFound", f"Feed document {feedDocumentId} was not found.")
        data = {"feedDocumentId": doc.document_id, "url": self._url(request, "downloads", doc.document_id)}
        if doc.compressed:
            data["compressionAlgorithm"] = "GZIP"
        return Reply(200, data)

    def _url(self, request: Request, kind: str, document_id: str) -> str:
        return f"{request.host_url}_sandbox/{kind}/{document_id}"


def _s3_error(status: int, code: str, message: str) -> Reply:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Reply(status, body.encode(), content_type="application/xml")
