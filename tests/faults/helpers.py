"""What the sandbox holds versus what Commerce made of it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import redis
from django.db import connection
from django.utils.dateparse import parse_datetime

from amazon_channel.models import AmazonStore
from amazon_channel.sync import is_importable
from orders.models import Order

US = "ATVPDKIKX0DER"
ROOT = Path(__file__).resolve().parents[2]


def worker_env(sandbox, **extra: str) -> dict[str, str]:
    """A worker subprocess's environment: the test database (not the dev one) and the sandbox as Amazon. No
    REDIS_URL (in-process pacing, nothing shared to leak) unless `extra` gives one (e.g. a private Redis)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        DJANGO_SETTINGS_MODULE="config.settings_test",
        SELLER_CENTRAL_SANDBOX_URL=sandbox.url,
        SPAPI_ENDPOINT_NA=sandbox.url,
        LWA_ENDPOINT=sandbox.lwa_endpoint,
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def importable_at_amazon(sandbox, cursor, marketplace_id: str = US) -> set[str]:
    """Orders Amazon's search shows by the store's cursor that must have a Commerce order by now."""
    return {
        o["order_id"]
        for o in sandbox.control.orders()
        if o["marketplace_id"] == marketplace_id
        and parse_datetime(o["last_updated"]) <= cursor
        and parse_datetime(o["indexed_at"]) <= cursor
        and is_importable(status=o["status"], fulfilled_by=o["fulfilled_by"])
    }


def commerce_tally(sandbox, store: AmazonStore) -> dict[str, int]:
    """orders, duplicates, losses (importable at Amazon, no Commerce order), phantoms (no such Amazon order)."""
    store = AmazonStore.objects.get(pk=store.pk)
    numbers = Counter(Order.objects.filter(channel="amazon").values_list("external_order_number", flat=True))
    expected = importable_at_amazon(sandbox, store.last_order_sync)
    at_amazon = {o["order_id"] for o in sandbox.control.orders()}
    return {
        "importable": len(expected),
        "commerce_orders": len(numbers),
        "duplicates": sum(count - 1 for count in numbers.values()),
        "losses": len(expected - set(numbers)),
        "phantoms": len(set(numbers) - at_amazon),
    }


def run_concurrently(*works, timeout: float = 300) -> list:
    """Each callable in its own thread with its own database connection, started together."""
    results, errors = [None] * len(works), []
    barrier = threading.Barrier(len(works))

    def worker(index: int, work) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, w)) for i, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert not errors, errors
    return results


class PrivateRedis:
    """A redis-server of the test's own on a free port, that the test may kill and start again (empty) on that port.
    Nothing is saved (`--save "" --appendonly no`), so a restart really loses every key, queue and script."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=5)

    def start(self, timeout: float = 10.0) -> None:
        assert self.process is None, "already running"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"redis-server exited: {self.log()[-2000:]}"
            try:
                with self.client() as probe:
                    if probe.ping():
                        break
            except redis.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"redis-server did not answer: {self.log()[-2000:]}"
            time.sleep(0.05)
        self.starts += 1

    def kill(self) -> None:
        """Gone at once, as a crashed or OOM-killed Redis: SIGKILL, no goodbye to the clients."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def shutdown(self) -> None:
        """A clean stop (SHUTDOWN NOSAVE), as a restart by the service manager."""
        if self.process is None:
            return
        try:
            with self.client() as control:
                control.shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # the server closes the connection as it goes
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
