"""For tests (the product's too): start the sandbox on a free port and drive it through its control API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from .server import build_server, load_spec
from .state import CLIENT_ID, CLIENT_SECRET, DEFAULT_MARKETPLACE, REFRESH_TOKEN, SELLER_ID, Sandbox


@dataclass(frozen=True)
class SandboxCredentials:
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    refresh_token: str = REFRESH_TOKEN
    seller_id: str = SELLER_ID
    marketplace_id: str = DEFAULT_MARKETPLACE


class SandboxControl:
    """The control API under `/_sandbox/`, over HTTP, so it works for a sandbox in another process too."""

    def __init__(self, url: str, *, timeout: float = 30) -> None:
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.timeout = timeout

    def _call(self, method: str, path: str, payload: Any = None, params: dict | None = None) -> Any:
        response = self.http.request(
            method, f"{self.url}/_sandbox/{path}", json=payload, params=params, timeout=self.timeout
        )
        if response.status_code >= 400:
            raise RuntimeError(f"sandbox control {method} {path}: {response.status_code} {response.text}")
        return response.json()

    def reset(
        self,
        *,
        seed: int = 42,
        orders: int = 0,
        rate_limits: bool = True,
        time_scale: float = 1.0,
        gzip_reports: bool = False,
        strict: bool | None = None,
        pace: float = 1.0,
    ) -> None:
        payload = {
            "seed": seed,
            "orders": orders,
            "rate_limits": rate_limits,
            "time_scale": time_scale,
            "gzip_reports": gzip_reports,
            "pace": pace,
        }
        if strict is not None:
            payload["strict"] = strict
        self._call("POST", "reset", payload)

    def add_orders(self, n: int = 1, **kind: Any) -> list[str]:
        """Kinds: status, fulfilled_by (MERCHANT/AMAZON), marketplace_id, items, quantity, buyer_withheld, business,
        prime, in_store_pickup, buyer_requests_cancel, late_indexed, lifecycle, buyer_cancels_after (seconds),
        created_seconds_ago, features (order_kinds.FEATURES), programs (order_kinds.PROGRAMS), skus (the items'
        seller SKUs, one item each)."""
        return self._call("POST", "orders", {"n": n, **kind})

    def set_status(self, order_id: str, status: str) -> dict:
        return self._call("POST", f"orders/{order_id}/status", {"status": status})

    def request_cancel(self, order_id: str, reason: str = "BuyerCanceled") -> dict:
        """The buyer asks to cancel: orderItems[].cancellation.cancellationRequest on the open items."""
        return self._call("POST", f"orders/{order_id}/cancel-request", {"reason": reason})

    def orders(self) -> list[dict]:
        return self._call("GET", "orders")

    def order(self, order_id: str) -> dict:
        return self._call("GET", f"orders/{order_id}")

    def advance(self, seconds: float) -> float:
        """Move the sandbox clock forward; returns the sandbox's now (epoch seconds)."""
        return self._call("POST", "advance", {"seconds": seconds})["now_epoch"]

    def inject(
        self,
        fault: str,
        *,
        operation: str | None = None,
        count: int | None = None,
        rate: float | None = None,
        seconds: float = 2.0,
    ) -> dict:
        payload = {"fault": fault, "operation": operation, "count": count, "rate": rate, "seconds": seconds}
        return self._call("POST", "faults", payload)

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def faults(self) -> list[dict]:
        return self._call("GET", "faults")

    def ledger(self, operation: str | None = None) -> list[dict]:
        return self._call("GET", "ledger", params={"operation": operation} if operation else None)

    def feeds(self) -> list[dict]:
        return self._call("GET", "feeds")

    def process_feeds(self) -> list[str]:
        return self._call("POST", "process-feeds")

    def state(self) -> dict:
        return self._call("GET", "state")

    def schema_errors(self) -> list[dict]:
        return self.state()["schema_errors"]


@dataclass(frozen=True)
class SandboxHandle:
    url: str
    control: SandboxControl
    credentials: SandboxCredentials
    sandbox: Sandbox  # the in-process state, for white-box tests of the sandbox itself

    @property
    def lwa_endpoint(self) -> str:
        return f"{self.url}/auth/o2/token"


@contextmanager
def start_sandbox(
    *, models_dir: Path | None = None, strict: bool = True, host: str = "127.0.0.1", port: int = 0, **reset_kwargs: Any
) -> Iterator[SandboxHandle]:
    """Run the real server in a thread on a free port; `strict` makes a response that breaks the model a 500."""
    sandbox = Sandbox(strict=strict, **reset_kwargs)
    server = build_server(host=host, port=port, sandbox=sandbox, spec=load_spec(models_dir))
    thread = threading.Thread(target=server.serve_forever, name="seller-central-sandbox", daemon=True)
    thread.start()
    url = f"http://{host}:{server.server_port}"
    try:
        yield SandboxHandle(url=url, control=SandboxControl(url), credentials=SandboxCredentials(), sandbox=sandbox)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
