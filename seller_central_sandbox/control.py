"""Seed and advance a running sandbox from the command line (its control API, over HTTP).

    python -m seller_central_sandbox.control seed --orders 5000 [--seed 7] [--no-rate-limits] [--time-scale 10]
    python -m seller_central_sandbox.control add-orders 3
    python -m seller_central_sandbox.control advance 3600          # move the sandbox clock one hour on
    python -m seller_central_sandbox.control status 113-1234567-1234567 SHIPPED
    python -m seller_central_sandbox.control fault 429 --operation searchOrders --count 3
    python -m seller_central_sandbox.control clear-faults
    python -m seller_central_sandbox.control process-feeds
    python -m seller_central_sandbox.control ledger [--operation confirmShipment]

--url (default $SELLER_CENTRAL_SANDBOX_URL or http://127.0.0.1:8001) picks the sandbox.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .testing import SandboxControl


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m seller_central_sandbox.control", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", default=os.environ.get("SELLER_CENTRAL_SANDBOX_URL", "http://127.0.0.1:8001"))
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="reset the sandbox to a fresh, seeded store of orders")
    seed.add_argument("--orders", type=int, default=100)
    seed.add_argument("--seed", type=int, default=42)
    seed.add_argument("--no-rate-limits", action="store_true")
    seed.add_argument("--time-scale", type=float, default=1.0)
    add = commands.add_parser("add-orders", help="new orders arrive now")
    add.add_argument("count", type=int)
    advance = commands.add_parser("advance", help="move the sandbox clock on (orders move along, tokens expire)")
    advance.add_argument("seconds", type=float)
    status = commands.add_parser("status", help="set an order's fulfillment status")
    status.add_argument("order_id")
    status.add_argument("status")
    fault = commands.add_parser("fault", help="inject a fault: 429 500 503 slow drop truncate expired_token malformed")
    fault.add_argument("fault")
    fault.add_argument("--operation")
    fault.add_argument("--count", type=int)
    fault.add_argument("--rate", type=float)
    commands.add_parser("clear-faults")
    commands.add_parser("process-feeds", help="finish every feed in the queue now")
    ledger = commands.add_parser("ledger", help="what the sandbox received (JSON)")
    ledger.add_argument("--operation")
    args = parser.parse_args(argv)

    control = SandboxControl(args.url)
    if args.command == "seed":
        control.reset(
            seed=args.seed, orders=args.orders, rate_limits=not args.no_rate_limits, time_scale=args.time_scale
        )
        result: object = {"orders": len(control.orders())}
    elif args.command == "add-orders":
        result = control.add_orders(args.count)
    elif args.command == "advance":
        result = {"sandbox_time": control.advance(args.seconds)}
    elif args.command == "status":
        result = control.set_status(args.order_id, args.status)
    elif args.command == "fault":
        result = control.inject(args.fault, operation=args.operation, count=args.count, rate=args.rate)
    elif args.command == "clear-faults":
        control.clear_faults()
        result = {"faults": []}
    elif args.command == "process-feeds":
        result = control.process_feeds()
    else:
        result = control.ledger(args.operation)
    json.dump(result, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
