"""python -m seller_central_sandbox --port 8001 --seed 42 [--orders N] [--demo] [--time-scale X] [--no-rate-limits]"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from .server import DemoTicker, build_server, load_spec
from .state import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, SELLER_ID, Sandbox

DEMO_ORDERS = 40
DEMO_PACE = 0.05  # in the demo an order leaves PENDING after 30 s to 2 min rather than 10 to 40 min


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seller_central_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--orders", type=int, default=None, help=f"orders to seed at start ({DEMO_ORDERS} with --demo)")
    parser.add_argument("--demo", action="store_true", help="new orders arrive every 30-60 s and move along quickly")
    parser.add_argument("--time-scale", type=float, default=1.0, help="rate limits refill this many times faster")
    parser.add_argument("--no-rate-limits", action="store_true")
    parser.add_argument("--strict", action="store_true", help="answer 500 when a response would break the model")
    parser.add_argument("--gzip-reports", action="store_true", help="serve processing reports GZIP-compressed")
    parser.add_argument("--models-dir", type=Path, default=None, help="default: $SPAPI_MODELS_DIR")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox %(levelname)s %(message)s")

    orders = args.orders if args.orders is not None else (DEMO_ORDERS if args.demo else 0)
    started = time.monotonic()
    sandbox = Sandbox(seed=args.seed, rate_limits=not args.no_rate_limits, time_scale=args.time_scale)
    sandbox.reset(
        seed=args.seed,
        orders=orders,
        rate_limits=not args.no_rate_limits,
        time_scale=args.time_scale,
        strict=args.strict,
        gzip_reports=args.gzip_reports,
        pace=DEMO_PACE if args.demo else 1.0,
    )
    spec = load_spec(args.models_dir)
    server = build_server(host=args.host, port=args.port, sandbox=sandbox, spec=spec, quiet=not args.verbose)
    logging.info(
        "Seller Central sandbox at http://%s:%d/ (%d orders seeded in %.1f s, seed %d, models %s)",
        args.host,
        server.server_port,
        len(sandbox.orders),
        time.monotonic() - started,
        args.seed,
        "validated" if spec.enabled else "NOT validated",
    )
    logging.info(
        "credentials: client_id=%s client_secret=%s refresh_token=%s seller=%s",
        CLIENT_ID,
        CLIENT_SECRET,
        REFRESH_TOKEN,
        SELLER_ID,
    )
    ticker = None
    if args.demo:
        ticker = DemoTicker(sandbox, seed=args.seed)
        ticker.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if ticker:
            ticker.stop()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
