"""A tiny HTTP server in a thread that plays exactly the responses a test scripts, and records every request.

Unlike a mock it speaks real HTTP over a socket, so timeouts, dropped connections and cut-off bodies behave as they
would with Amazon.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (timeouts)
    truncate_to: int | None = None  # send only this many bytes of the body, then close (cut-off JSON)
    drop: bool = False  # close the connection without answering


def errors_reply(status: int, code: str, message: str, details: str = "", **headers: str) -> Reply:
    error: dict[str, str] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return Reply(status, {"errors": [error]}, headers={"x-amzn-RequestId": f"req-{status}-{code}", **headers})


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


Responder = Reply | Callable[[Recorded], Reply]


class ScriptedServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: list[tuple[str, re.Pattern[str], list[Responder]]] = []
        self._lock = threading.Lock()
        self.tokens_issued = 0
        self.clock: Callable[[], float] = time.monotonic  # tests may make requests record a fake clock

        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms a call.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=split.path,
                    query=parse_qs(split.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    at=server.clock(),
                )
                with server._lock:
                    server.requests.append(recorded)
                reply = server._reply_for(recorded)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                payload = reply.body if reply.body is not None else b""
                if reply.json is not None:
                    payload = json.dumps(reply.json).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                if reply.truncate_to is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if reply.truncate_to is not None:
                    self.wfile.write(payload[: reply.truncate_to])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    # --- scripting -------------------------------------------------------------------------------------------------

    def script(self, method: str, path: str, *responders: Responder) -> None:
        """Answer METHOD PATH (a regex, full match) with these replies in order; the last one repeats."""
        with self._lock:
            self._routes.insert(0, (method.upper(), re.compile(path), list(responders)))

    def _reply_for(self, recorded: Recorded) -> Reply:
        with self._lock:
            for method, pattern, responders in self._routes:
                if method == recorded.method and pattern.fullmatch(recorded.path):
                    responder = responders.pop(0) if len(responders) > 1 else responders[0]
                    break
            else:
                responder = None
        if responder is None:
            if recorded.method == "POST" and recorded.path == "/auth/o2/token":
                return self._issue_token()
            return Reply(404, {"errors": [{"code": "NotFound", "message": f"no script for {recorded.path}"}]})
        return responder(recorded) if callable(responder) else responder

    def _issue_token(self, expires_in: int = 3600) -> Reply:
        with self._lock:
            self.tokens_issued += 1
            number = self.tokens_issued
        return Reply(
            200,
            {
                "access_token": f"Atza|token-{number}",
                "refresh_token": "Atzr|sandbox",
                "token_type": "bearer",
                "expires_in": expires_in,
            },
        )

    def issue_token(self, expires_in: int = 3600) -> Callable[[Recorded], Reply]:
        return lambda _request: self._issue_token(expires_in)

    # --- inspection ------------------------------------------------------------------------------------------------

    def calls(self, path_regex: str = ".*", method: str | None = None) -> list[Recorded]:
        pattern = re.compile(path_regex)
        with self._lock:
            return [
                r for r in self.requests if pattern.fullmatch(r.path) and (method is None or r.method == method.upper())
            ]

    def api_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.path != "/auth/o2/token"]

    def token_calls(self) -> list[Recorded]:
        return self.calls("/auth/o2/token", "POST")

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
