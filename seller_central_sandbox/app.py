"""The WSGI application: Login with Amazon, the SP-API operations, the feed document store, the control API under
`/_sandbox/` and the read-only page at `/`."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import feeds as feed_processing
from . import orders as o
from . import page
from .spec import Spec, parse_datetime
from .state import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, TOKEN_LIFETIME, Fault, Feed, Sandbox

log = logging.getLogger("seller_central_sandbox")

ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
EXPIRED = "The access token you provided has expired."
DENIED = "Access to requested resource is denied."
INVALID_TOKEN = "The access token you provided is revoked, malformed or invalid."
LEDGER_HEADERS = ("x-amz-access-token", "x-amz-date", "user-agent", "content-type", "content-encoding")
MAX_LEDGER_BODY = 64 * 1024
MAX_LEDGER_RESPONSE = 8 * 1024

API_RULES = [
    Rule("/auth/o2/token", methods=["POST"], endpoint="token"),
    Rule("/orders/2026-01-01/orders", methods=["GET"], endpoint="searchOrders"),
    Rule("/orders/2026-01-01/orders/<orderId>", methods=["GET"], endpoint="getOrder"),
    Rule("/orders/v0/orders/<orderId>/shipmentConfirmation", methods=["POST"], endpoint="confirmShipment"),
    Rule("/feeds/2021-06-30/documents", methods=["POST"], endpoint="createFeedDocument"),
    Rule("/feeds/2021-06-30/documents/<feedDocumentId>", methods=["GET"], endpoint="getFeedDocument"),
    Rule("/feeds/2021-06-30/feeds", methods=["POST"], endpoint="createFeed"),
    Rule("/feeds/2021-06-30/feeds/<feedId>", methods=["GET"], endpoint="getFeed"),
    Rule("/feeds/2021-06-30/feeds/<feedId>", methods=["DELETE"], endpoint="cancelFeed"),
    Rule("/_sandbox/uploads/<documentId>", methods=["PUT"], endpoint="uploadFeedDocument"),
    Rule("/_sandbox/downloads/<documentId>", methods=["GET"], endpoint="downloadFeedDocument"),
]
CONTROL_RULES = [
    Rule("/", methods=["GET"], endpoint="page"),
    Rule("/_sandbox/state", methods=["GET"], endpoint="state"),
    Rule("/_sandbox/reset", methods=["POST"], endpoint="reset"),
    Rule("/_sandbox/orders", methods=["GET"], endpoint="list_orders"),
    Rule("/_sandbox/orders", methods=["POST"], endpoint="add_orders"),
    Rule("/_sandbox/orders/<order_id>", methods=["GET"], endpoint="get_order"),
    Rule("/_sandbox/orders/<order_id>/status", methods=["POST"], endpoint="set_status"),
    Rule("/_sandbox/advance", methods=["POST"], endpoint="advance"),
    Rule("/_sandbox/faults", methods=["GET"], endpoint="list_faults"),
    Rule("/_sandbox/faults", methods=["POST"], endpoint="inject"),
    Rule("/_sandbox/faults", methods=["DELETE"], endpoint="clear_faults"),
    Rule("/_sandbox/ledger", methods=["GET"], endpoint="ledger"),
    Rule("/_sandbox/feeds", methods=["GET"], endpoint="list_feeds"),
    Rule("/_sandbox/process-feeds", methods=["POST"], endpoint="process_feeds"),
]
# Operations that need an access token (the rest: LWA itself and the pre-signed document URLs).
NEEDS_TOKEN = {r.endpoint for r in API_RULES} - {"token", "uploadFeedDocument", "downloadFeedDocument"}


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-able, bytes, or None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def error(status: int, code: str, message: str, details: str | None = None) -> Reply:
    entry = {"code": code, "message": message}
    if details is not None:
        entry["details"] = details
    return Reply(status, {"errors": [entry]})


def invalid(message: str) -> Reply:
    return error(400, "InvalidInput", message)


class ReplyNow(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class SandboxApp:
    def __init__(self, sandbox: Sandbox, spec: Spec) -> None:
        self.sandbox = sandbox
        self.spec = spec
        self.api_map = Map(API_RULES)
        self.control_map = Map(CONTROL_RULES)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        try:
            adapter = self.control_map.bind_to_environ(environ)
            endpoint, args = adapter.match()
        except (NotFound, MethodNotAllowed):
            return self.api(request, environ)(environ, start_response)
        except HTTPException as exc:
            return exc(environ, start_response)
        try:
            response = getattr(self, f"control_{endpoint}")(request, **args)
        except (ValueError, KeyError, TypeError) as exc:
            response = Response(json.dumps({"error": str(exc)}), status=400, content_type="application/json")
        return response(environ, start_response)

    # --- SP-API ---------------------------------------------------------------------------------------------------
    def api(self, request: Request, environ: dict) -> Response:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        now = self.sandbox.tick()
        body_bytes = request.get_data(cache=True)
        try:
            endpoint, args = self.api_map.bind_to_environ(environ).match()
        except NotFound:
            return self._finish(
                request, "unknown", None, error(404, "NotFound", "Resource not found."), request_id, now
            )
        except MethodNotAllowed:
            reply = error(405, "MethodNotAllowed", f"{request.method} is not allowed here.")
            return self._finish(request, "unknown", None, reply, request_id, now)
        fault = self.sandbox.take_fault(endpoint)
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault and fault.kind == "drop":
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            self._record(request, endpoint, fault, 0, request_id, now, started=started)
            return Response(b"", status=500)  # never reaches the client: the socket is shut
        client_id = ""
        try:
            if fault and fault.kind in {"429", "500", "503", "expired_token"}:
                raise ReplyNow(self._fault_reply(fault.kind))
            if endpoint in NEEDS_TOKEN:
                client_id = self._authenticate(request)
                if not self.sandbox.take_token(client_id, endpoint):
                    raise ReplyNow(error(429, "QuotaExceeded", "You exceeded your quota for the requested resource."))
            reply = getattr(self, f"op_{endpoint}")(request, body_bytes, **args)
        except ReplyNow as stop:
            reply = stop.reply
        reply.headers.setdefault("x-amzn-RequestId", request_id)
        rate = self.sandbox.effective_rate(endpoint)
        if rate is not None:
            reply.headers["x-amzn-RateLimit-Limit"] = f"{rate:g}"
        self._check_response(endpoint, reply, request)
        if fault and fault.kind == "malformed":
            # Valid JSON, wrong shape: what an older API version (with its `payload` wrapper) would send.
            reply = Reply(200, {"payload": reply.body if reply.body is not None else {}}, reply.headers)
        return self._finish(request, endpoint, fault, reply, request_id, now, started=started)

    def _fault_reply(self, kind: str) -> Reply:
        if kind == "429":
            return error(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
        if kind == "500":
            return error(500, "InternalFailure", "We encountered an internal error. Please try again.")
        if kind == "503":
            return error(503, "ServiceUnavailable", "Service temporarily unavailable. Please try again.")
        return error(403, "Unauthorized", EXPIRED, "")

    def _authenticate(self, request: Request) -> str:
        token = request.headers.get("x-amz-access-token", "")
        if not token:
            raise ReplyNow(error(403, "Unauthorized", DENIED, "The request has no x-amz-access-token header."))
        known = self.sandbox.tokens.get(token)
        if known is None:
            raise ReplyNow(error(403, "Unauthorized", INVALID_TOKEN, ""))
        client_id, expires = known
        if self.sandbox.clock.now() >= expires:
            raise ReplyNow(error(403, "Unauthorized", EXPIRED, ""))
        return client_id

    def _check_response(self, endpoint: str, reply: Reply, request: Request) -> None:
        if not self.spec.enabled or endpoint not in self.spec.operations or isinstance(reply.body, bytes):
            return
        problems = self.spec.check_response(endpoint, reply.status, reply.body)
        if not problems:
            return
        entry = {"operation": endpoint, "status": reply.status, "problems": problems, "path": request.path}
        with self.sandbox.lock:
            self.sandbox.schema_errors.append(entry)
        log.error("sandbox response breaks the %s model: %s", endpoint, problems)
        if self.sandbox.strict:
            replacement = error(500, "InternalFailure", "The sandbox built a response that breaks the model.")
            replacement.body["errors"][0]["details"] = "; ".join(problems)
            reply.status, reply.body = replacement.status, replacement.body

    def _finish(
        self,
        request: Request,
        endpoint: str,
        fault: Fault | None,
        reply: Reply,
        request_id: str,
        now: float,
        *,
        started: float | None = None,
    ) -> Response:
        reply.headers.setdefault("x-amzn-RequestId", request_id)
        if reply.body is None:
            payload = b""
        elif isinstance(reply.body, bytes):
            payload = reply.body
        else:
            payload = json.dumps(reply.body).encode()
        if fault and fault.kind == "truncate" and payload:
            payload = payload[: max(1, len(payload) // 2)]
        response = Response(payload, status=reply.status, headers=reply.headers)
        if reply.body is not None:
            response.content_type = reply.content_type
        else:
            response.headers.pop("Content-Type", None)
        # Small answers are kept in the ledger; big ones (search pages, reports) would fill memory in a long demo.
        keep = reply if len(payload) <= MAX_LEDGER_RESPONSE and not isinstance(reply.body, bytes) else None
        self._record(request, endpoint, fault, reply.status, request_id, now, started=started, reply=keep)
        return response

    def _record(
        self,
        request: Request,
        endpoint: str,
        fault: Fault | None,
        status: int,
        request_id: str,
        now: float,
        *,
        started: float | None = None,
        reply: Reply | None = None,
    ) -> None:
        headers = {}
        for name in LEDGER_HEADERS:
            value = request.headers.get(name)
            if value is None:
                continue
            if name == "x-amz-access-token":
                value = value[:12] + "…"
            headers[name] = value
        self.sandbox.record(
            {
                "operation": endpoint,
                "method": request.method,
                "path": request.path,
                "query": {k: request.args.getlist(k) for k in request.args},
                "headers": headers,
                "body": _ledger_body(request, endpoint),
                "status": status,
                "response": reply.body if reply is not None else None,
                "fault": fault.kind if fault else None,
                "request_id": request_id,
                "at": o.iso(now) if now else None,
                "at_epoch": now,
                "duration_ms": round((time.monotonic() - started) * 1000, 1) if started else None,
            }
        )

    # --- Login with Amazon ----------------------------------------------------------------------------------------
    def op_token(self, request: Request, body: bytes) -> Reply:
        if request.mimetype != "application/x-www-form-urlencoded":
            return Reply(400, {"error": "invalid_request", "error_description": "Content type must be form encoded"})
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type")
        if grant != "refresh_token":
            message = "Missing grant_type" if not grant else f"Unsupported grant_type: {grant}"
            return Reply(
                400, {"error": "unsupported_grant_type" if grant else "invalid_request", "error_description": message}
            )
        for name in ("client_id", "client_secret", "refresh_token"):
            if not form.get(name):
                return Reply(400, {"error": "invalid_request", "error_description": f"Missing parameter: {name}"})
        if form["client_id"] != CLIENT_ID or form["client_secret"] != CLIENT_SECRET:
            return Reply(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        if form["refresh_token"] != REFRESH_TOKEN:
            return Reply(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The request has an invalid grant parameter : refresh_token",
                },
            )
        token = self.sandbox.issue_token(form["client_id"])
        return Reply(
            200,
            {
                "access_token": token,
                "refresh_token": REFRESH_TOKEN,
                "token_type": "bearer",
                "expires_in": TOKEN_LIFETIME,
            },
        )

    # --- Orders ---------------------------------------------------------------------------------------------------
    def _query(self, request: Request, operation: str) -> dict[str, Any]:
        values, problems = self.spec.check_query(operation, {k: request.args.getlist(k) for k in request.args})
        if problems:
            raise ReplyNow(invalid(" ".join(problems)))
        if not self.spec.enabled:
            values = _parse_loosely(request, operation)
        return values

    def op_searchOrders(self, request: Request, body: bytes) -> Reply:
        q = self._query(request, "searchOrders")
        created_after, updated_after = q.get("createdAfter"), q.get("lastUpdatedAfter")
        if (created_after is None) == (updated_after is None):
            return invalid("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
        if created_after is not None and "lastUpdatedBefore" in q:
            return invalid("lastUpdatedBefore cannot be combined with createdAfter.")
        if updated_after is not None and "createdBefore" in q:
            return invalid("createdBefore cannot be combined with lastUpdatedAfter.")
        limit = q.get("maxResultsPerPage", 100)
        if not 1 <= limit <= 100:
            return invalid("maxResultsPerPage must be between 1 and 100.")
        by_created = created_after is not None
        after_name, before_name = (
            ("createdAfter", "createdBefore") if by_created else ("lastUpdatedAfter", "lastUpdatedBefore")
        )
        after = (created_after or updated_after).timestamp()
        before_param: datetime | None = q.get(before_name)
        filters = {
            "by_created": by_created,
            "after": after,
            "before": before_param.timestamp() if before_param else None,
            "statuses": q.get("fulfillmentStatuses"),
            "marketplace_ids": q.get("marketplaceIds"),
            "fulfilled_by": q.get("fulfilledBy"),
        }
        included = frozenset(q.get("includedData") or ())
        sandbox = self.sandbox
        with sandbox.lock:
            now = sandbox.clock.now()
            token = q.get("paginationToken")
            start_after = None
            if token:
                state = sandbox.page_tokens.get(token)
                if state is None:
                    return invalid("Invalid paginationToken.")
                if state["expires"] < now:
                    return invalid("The paginationToken has expired; start the search again.")
                if state["filters"] != filters:
                    return invalid("The other parameters must be the same as in the request that returned this token.")
                before, start_after = state["before"], tuple(state["last_key"])
            else:
                latest = now - 120
                if before_param is not None:
                    before = before_param.timestamp()
                    if before > latest:
                        return invalid(f"{before_name} must be at least two minutes before the time of the request.")
                    if before < after:
                        return invalid(f"{before_name} must be equal to or after {after_name}.")
                else:
                    before = float(int(latest))
                    if after > before:
                        return invalid(f"{after_name} must be at least two minutes before the time of the request.")
            found, last_key = sandbox.search(
                by_created=by_created,
                after=after,
                before=before,
                statuses=filters["statuses"],
                marketplace_ids=filters["marketplace_ids"],
                fulfilled_by=filters["fulfilled_by"],
                start_after=start_after,
                limit=limit,
            )
            payload: dict[str, Any] = {"orders": [order.to_api(included) for order in found]}
            if last_key is not None:
                next_token = sandbox.new_page_token({"filters": filters, "before": before, "last_key": last_key})
                payload["pagination"] = {"nextToken": next_token}
            payload[before_name] = o.iso(before)
        return Reply(200, payload)

    def op_getOrder(self, request: Request, body: bytes, orderId: str) -> Reply:
        q = self._query(request, "getOrder")
        if not ORDER_ID.match(orderId):
            return invalid(f"Invalid orderId {orderId!r}: expected 3-7-7 digits.")
        with self.sandbox.lock:
            order = self.sandbox.orders.get(orderId)
            if order is None or order.indexed_at > self.sandbox.clock.now():
                return error(404, "NotFound", f"Order {orderId} was not found.")
            return Reply(200, {"order": order.to_api(frozenset(q.get("includedData") or ()))})

    def op_confirmShipment(self, request: Request, body: bytes, orderId: str) -> Reply:
        payload = self._json_body(body, "confirmShipment")
        if not ORDER_ID.match(orderId):
            return invalid(f"Invalid orderId {orderId!r}: expected 3-7-7 digits.")
        detail = payload["packageDetail"]
        reference = detail["packageReferenceId"]
        if not re.fullmatch(r"[1-9]\d*", reference):
            return invalid("packageReferenceId must be a positive number.")
        sandbox = self.sandbox
        with sandbox.lock:
            order = sandbox.orders.get(orderId)
            if order is None:
                return error(404, "NotFound", f"Order {orderId} was not found.")
            if payload["marketplaceId"] != order.marketplace_id:
                return invalid(f"Order {orderId} does not belong to marketplace {payload['marketplaceId']}.")
            if order.fulfilled_by != o.MERCHANT:
                return invalid(f"Order {orderId} is fulfilled by Amazon; the seller cannot confirm its shipment.")
            if order.status == o.CANCELLED:
                return invalid(f"Order {orderId} is cancelled and cannot be shipped.")
            if order.status == o.PENDING:
                return invalid(f"Order {orderId} is pending and cannot be shipped yet.")
            quantities: dict[str, int] = {}
            for line in detail["orderItems"]:
                if line["quantity"] < 1:
                    return invalid(f"The quantity of order item {line['orderItemId']} must be at least 1.")
                quantities[line["orderItemId"]] = quantities.get(line["orderItemId"], 0) + line["quantity"]
            if not quantities:
                return invalid("The package has no order items.")
            package_items = [{"orderItemId": k, "quantity": v} for k, v in quantities.items()]
            existing = next((p for p in order.packages if p["packageReferenceId"] == reference), None)
            if existing is not None:
                if sorted(existing["packageItems"], key=str) != sorted(package_items, key=str):
                    return invalid(f"packageReferenceId {reference} was already confirmed with other items.")
                # The same package again (a retry): no double quantities; tracking corrections are taken.
                existing.update(_package_tracking(detail))
                return Reply(204)
            for item_id, qty in quantities.items():
                item = order.item(item_id)
                if item is None:
                    return invalid(f"Order item {item_id} is not part of order {orderId}.")
                if qty > item.quantity_open:
                    return invalid(
                        f"Quantity {qty} of order item {item_id} is more than the {item.quantity_open} left to ship."
                    )
            now = sandbox.clock.now()
            for item_id, qty in quantities.items():
                order.item(item_id).quantity_shipped += qty  # type: ignore[union-attr]
            order.packages.append(
                {
                    "packageReferenceId": reference,
                    "createdTime": o.iso(now),
                    "packageStatus": {"status": "SHIPPED"},
                    **_package_tracking(detail),
                    "packageItems": package_items,
                }
            )
            order.status = order.derive_status()
            sandbox.touch(order, now)
        return Reply(204)

    # --- Feeds ----------------------------------------------------------------------------------------------------
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
        if feed_type not in feed_processing.FEED_TYPES:
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
            )
            sandbox.feeds[feed.feed_id] = feed
        return Reply(202, {"feedId": feed.feed_id})

    def op_getFeed(self, request: Request, body: bytes, feedId: str) -> Reply:
        feed = self.sandbox.feeds.get(feedId)
        if feed is None:
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

    def _json_body(self, body: bytes, operation: str) -> Any:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            raise ReplyNow(invalid("The request body is not valid JSON."))
        if payload is None:
            raise ReplyNow(invalid("The request needs a JSON body."))
        problems = self.spec.check_body(operation, payload)
        if problems:
            raise ReplyNow(invalid("The request body does not match the model: " + "; ".join(problems)))
        if not isinstance(payload, dict):
            raise ReplyNow(invalid("The request body must be a JSON object."))
        return payload

    # --- control API ----------------------------------------------------------------------------------------------
    def control_page(self, request: Request) -> Response:
        return Response(page.render(self.sandbox), content_type="text/html; charset=utf-8")

    def control_state(self, request: Request) -> Response:
        s = self.sandbox
        with s.lock:
            return _json(
                {
                    "seed": s.seed,
                    "now": o.iso(s.clock.now()),
                    "now_epoch": s.clock.now(),
                    "clock_offset": s.clock.offset,
                    "rate_limits": s.rate_limits,
                    "time_scale": s.time_scale,
                    "strict": s.strict,
                    "validating": self.spec.enabled,
                    "orders": len(s.orders),
                    "schema_errors": list(s.schema_errors),
                }
            )

    def control_reset(self, request: Request) -> Response:
        args = _json_args(request)
        self.sandbox.reset(**args)
        return _json({"ok": True, "orders": len(self.sandbox.orders)})

    def control_list_orders(self, request: Request) -> Response:
        self.sandbox.tick()
        with self.sandbox.lock:
            return _json([order.to_dict() for order in self.sandbox.orders.values()])

    def control_add_orders(self, request: Request) -> Response:
        args = _json_args(request)
        count = int(args.pop("n", args.pop("count", 1)))
        created_ago = args.pop("created_seconds_ago", None)
        created = int(self.sandbox.clock.now() - created_ago) if created_ago is not None else None
        ids = self.sandbox.add_orders(count, o.Kind(**args), created=created)
        return _json(ids)

    def control_get_order(self, request: Request, order_id: str) -> Response:
        self.sandbox.tick()
        with self.sandbox.lock:
            order = self.sandbox.orders.get(order_id)
            if order is None:
                return _json({"error": f"no order {order_id}"}, 404)
            data = order.to_dict()
            data["api"] = order.to_api(frozenset(page.ALL_INCLUDED))
            return _json(data)

    def control_set_status(self, request: Request, order_id: str) -> Response:
        args = _json_args(request)
        if args["status"] not in o.STATUSES:
            raise ValueError(f"unknown status {args['status']!r}")
        order = self.sandbox.orders.get(order_id)
        if order is None:
            return _json({"error": f"no order {order_id}"}, 404)
        self.sandbox.set_status(order, args["status"])
        return _json(order.to_dict())

    def control_advance(self, request: Request) -> Response:
        now = self.sandbox.advance(float(_json_args(request)["seconds"]))
        return _json({"now": o.iso(now), "now_epoch": now})

    def control_list_faults(self, request: Request) -> Response:
        with self.sandbox.lock:
            return _json([f.to_dict() for f in self.sandbox.faults])

    def control_inject(self, request: Request) -> Response:
        args = _json_args(request)
        fault = Fault(
            kind=str(args["fault"]),
            operation=args.get("operation"),
            remaining=args.get("count"),
            rate=args.get("rate"),
            seconds=float(args.get("seconds", 2.0)),
        )
        self.sandbox.add_fault(fault)
        return _json(fault.to_dict())

    def control_clear_faults(self, request: Request) -> Response:
        with self.sandbox.lock:
            self.sandbox.faults.clear()
        return _json({"ok": True})

    def control_ledger(self, request: Request) -> Response:
        return _json(self.sandbox.ledger_entries(request.args.get("operation")))

    def control_list_feeds(self, request: Request) -> Response:
        self.sandbox.tick()
        with self.sandbox.lock:
            return _json([{**f.to_api(), "summary": f.summary} for f in self.sandbox.feeds.values()])

    def control_process_feeds(self, request: Request) -> Response:
        return _json(self.sandbox.process_feeds())


def _package_tracking(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "carrier": detail.get("carrierName") or detail["carrierCode"],
        "shipTime": o.iso(parse_datetime(detail["shipDate"]).timestamp()),
        "shippingService": detail.get("shippingMethod") or "Standard",
        "trackingNumber": detail["trackingNumber"],
    }


def _s3_error(status: int, code: str, message: str) -> Reply:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Reply(status, body.encode(), content_type="application/xml")


def _ledger_body(request: Request, endpoint: str) -> Any:
    data = request.get_data(cache=True)
    if not data:
        return None
    if endpoint == "token":
        form = {k: v[-1] for k, v in parse_qs(data.decode("utf-8", "replace")).items()}
        return {k: ("***" if k in {"client_secret", "refresh_token"} else v) for k, v in form.items()}
    text = data[:MAX_LEDGER_BODY].decode("utf-8", "replace")
    if request.mimetype == "application/json":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _parse_loosely(request: Request, operation: str) -> dict[str, Any]:
    """Without the models: enough parsing to serve requests (nothing is validated)."""
    values: dict[str, Any] = {}
    for key in request.args:
        raw = request.args[key]
        if key.endswith(("After", "Before")):
            values[key] = datetime.fromisoformat(raw)
        elif key == "maxResultsPerPage":
            values[key] = int(raw)
        elif key in {"fulfillmentStatuses", "marketplaceIds", "fulfilledBy", "includedData"}:
            values[key] = raw.split(",")
        else:
            values[key] = raw
    return values


def _json_args(request: Request) -> dict[str, Any]:
    data = request.get_data()
    return json.loads(data) if data else {}


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status=status, content_type="application/json")
