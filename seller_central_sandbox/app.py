"""The WSGI application: Login with Amazon, the SP-API operations, the feed document store, the control API under
`/_sandbox/` and the read-only page at `/`."""

from __future__ import annotations

import json
import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import orders as o
from .control_api import ControlApi
from .feeds_api import FeedsApi
from .orders_api import OrdersApi
from .replies import Reply, ReplyNow, error, invalid
from .spec import Spec
from .state import CLIENT_ID, CLIENT_SECRET, SELLER_ID, TOKEN_LIFETIME, Fault, Sandbox, seller_for_refresh_token

log = logging.getLogger("seller_central_sandbox")

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
    Rule("/orders/v0/orders/<orderId>/shipment", methods=["POST"], endpoint="updateShipmentStatus"),
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
    Rule("/_sandbox/orders/<order_id>/cancel-request", methods=["POST"], endpoint="request_cancel"),
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


class SandboxApp(OrdersApi, FeedsApi, ControlApi):
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
            # Recorded before the socket shuts: the client's retry must not be ledgered ahead of this request.
            self._record(request, endpoint, fault, 0, request_id, now, started=started)
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
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
        client_id, expires, seller_id = known
        if self.sandbox.clock.now() >= expires:
            raise ReplyNow(error(403, "Unauthorized", EXPIRED, ""))
        request.seller_id = seller_id  # the operations see only this seller's orders and feeds
        # A quota belongs to the seller + application: each seller has buckets of its own.
        return client_id if seller_id == SELLER_ID else f"{client_id}/{seller_id}"

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
        seller_id = seller_for_refresh_token(form["refresh_token"])
        if seller_id is None:
            return Reply(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The request has an invalid grant parameter : refresh_token",
                },
            )
        token = self.sandbox.issue_token(form["client_id"], seller_id)
        return Reply(
            200,
            {
                "access_token": token,
                "refresh_token": form["refresh_token"],
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

    # --- Feeds ----------------------------------------------------------------------------------------------------

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
