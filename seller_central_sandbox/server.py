"""Serving the sandbox: a threaded werkzeug server, and the demo ticker that keeps orders coming."""

from __future__ import annotations

import logging
import random
import threading
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from . import orders as o
from .app import SandboxApp
from .spec import Spec, default_models_dir
from .state import Sandbox

log = logging.getLogger("seller_central_sandbox")


class QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request (tests make thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_error(self, format: str, *args: object) -> None:
        pass


def load_spec(models_dir: Path | None = None) -> Spec:
    path = models_dir or default_models_dir()
    if not (path / "orders_2026-01-01.json").is_file():
        log.warning("SP-API models not found at %s: the sandbox will not validate requests or responses", path)
        return Spec(None)
    return Spec(path)


def build_server(
    *, host: str = "127.0.0.1", port: int = 0, sandbox: Sandbox, spec: Spec, quiet: bool = True
) -> BaseWSGIServer:
    app = SandboxApp(sandbox, spec)
    handler = QuietRequestHandler if quiet else WSGIRequestHandler
    return make_server(host, port, app, threaded=True, request_handler=handler)


class DemoTicker(threading.Thread):
    """Adds a few new orders every `interval` seconds (real time) so a demo shows orders arriving."""

    def __init__(self, sandbox: Sandbox, *, interval: tuple[float, float] = (30.0, 60.0), seed: int = 42) -> None:
        super().__init__(name="sandbox-demo-ticker", daemon=True)
        self.sandbox = sandbox
        self.interval = interval
        self.rng = random.Random(seed + 2)
        self.stopped = threading.Event()
        self.added: list[str] = []

    def run(self) -> None:
        while not self.stopped.wait(self.rng.uniform(*self.interval)):
            self.tick()

    def tick(self) -> list[str]:
        count = self.rng.randint(1, 3)
        cancels = self.rng.random() < 0.1
        kind = o.Kind(buyer_cancels_after=self.rng.randint(60, 180) if cancels else None)
        ids = self.sandbox.add_orders(count, kind)
        self.added.extend(ids)
        log.info("demo: %d new Amazon orders: %s", count, ", ".join(ids))
        return ids

    def stop(self) -> None:
        self.stopped.set()
