"""The control API under `/_sandbox/` (tests and the demo drive the sandbox through it) and the read-only page."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from . import orders as o
from . import page
from .state import Fault


class ControlApi:
    """Endpoints of SandboxApp (a mixin: `self.sandbox` is the app's)."""

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

    def control_request_cancel(self, request: Request, order_id: str) -> Response:
        args = _json_args(request)
        order = self.sandbox.orders.get(order_id)
        if order is None:
            return _json({"error": f"no order {order_id}"}, 404)
        self.sandbox.request_cancel(order, str(args.get("reason") or "BuyerCanceled"))
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
            return _json(
                # Whose feed and when to the microsecond (createdTime has whole seconds): a benchmark checks each
                # seller's feeds against the createFeed window.
                [
                    {
                        **f.to_api(),
                        "summary": f.summary,
                        "options": f.options,
                        "seller_id": f.seller_id,
                        "created_epoch": f.created,
                    }
                    for f in self.sandbox.feeds.values()
                ]
            )

    def control_process_feeds(self, request: Request) -> Response:
        return _json(self.sandbox.process_feeds())


def _json_args(request: Request) -> dict[str, Any]:
    data = request.get_data()
    return json.loads(data) if data else {}


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status=status, content_type="application/json")
