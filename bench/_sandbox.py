"""Shared by the benchmarks that talk to the Seller Central sandbox: run it in its own process (so its CPU is not
counted against the importer's GIL), fill it with a backlog, and point an Amazon store at it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from _setup import ROOT

US = "ATVPDKIKX0DER"
UK = "A1F83G8C2ARO7P"
CREDENTIALS = {
    "seller_id": "A2SANDBOXSELLER",
    "client_id": "amzn1.application-oa2-client.sandbox",
    "client_secret": "sandbox-client-secret",
    "refresh_token": "Atzr|sandbox-refresh-token",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sandbox_process(*, rate_limits: bool = False, time_scale: float = 1.0) -> Iterator:
    """`python -m seller_central_sandbox` in a subprocess; yields its SandboxControl."""
    from seller_central_sandbox.testing import SandboxControl

    port = _free_port()
    cmd = [sys.executable, "-m", "seller_central_sandbox", "--port", str(port), "--orders", "0"]
    cmd += ["--time-scale", str(time_scale)]
    if not rate_limits:
        cmd.append("--no-rate-limits")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    control = SandboxControl(f"http://127.0.0.1:{port}", timeout=600)
    try:
        for _ in range(200):
            try:
                control.state()
                break
            except Exception:
                time.sleep(0.05)
        control.reset(orders=0, rate_limits=rate_limits, time_scale=time_scale, strict=False)
        control.pid = proc.pid  # for process_cpu_seconds: how much of the 2 cores the sandbox itself takes
        yield control
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def add_backlog(control, n: int, *, marketplace_id: str = US, items: int | None = None, batch: int = 1000) -> None:
    """`n` merchant-fulfilled, unshipped orders (importable) placed over the last few hours, frozen in that state."""
    done = 0
    while done < n:
        k = min(batch, n - done)
        kind = {"marketplace_id": marketplace_id, "status": "UNSHIPPED", "fulfilled_by": "MERCHANT", "lifecycle": False}
        if items is not None:
            kind["items"] = items
        control.add_orders(k, created_seconds_ago=600 + (n - done) * 2, **kind)
        done += k


def point_settings_at(url: str) -> None:
    from django.conf import settings

    settings.SPAPI_ENDPOINTS = {"na": url, "eu": url, "fe": url}
    settings.LWA_ENDPOINT = f"{url}/auth/o2/token"
    os.environ["SPAPI_ENDPOINT_NA"] = os.environ["SPAPI_ENDPOINT_EU"] = os.environ["SPAPI_ENDPOINT_FE"] = url
    os.environ["LWA_ENDPOINT"] = f"{url}/auth/o2/token"


def make_amazon_store(*, marketplace_id: str = US, name: str = "Bench US"):
    from amazon_channel.models import AmazonStore
    from orders.models import Store

    region = "na" if marketplace_id == US else "eu"
    commerce, _ = Store.objects.get_or_create(code=f"bench_{region}", defaults={"name": f"Bench {region}"})
    return AmazonStore.objects.create(
        name=name, region=region, marketplace_id=marketplace_id, commerce_store=commerce, **CREDENTIALS
    )


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process on this host (Linux /proc), None where it can't be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class QueryCounter:
    """connection.execute_wrapper that counts queries without keeping their text."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)
