"""Redis restarted while SP-API calls are paced by the shared (Redis) rate limiter: the calls go on, and once Redis is
back the pacing is shared through Redis again and keeps Amazon's quota.

A restart is simulated (CONFIG / DEBUG RESTART are not available): FLUSHDB of this suite's own Redis database (9)
loses the buckets, and killing this database's client connections drops the sockets the limiter holds. Only db 9's
connections are killed (`CLIENT KILL ID` for each client on db 9), never other sessions' clients or databases.
A real restart (a private redis-server killed and started again, under a real worker and beat) is
test_redis_killed_mid_run.py; these two keep what it cannot see: exact pacing across restarts, and that a publisher
puts each message in the queue once after a restart."""

from __future__ import annotations

import subprocess
from urllib.parse import urlsplit

import pytest
import redis

from amazon_channel.spapi import SpApiClient, SpApiConfig
from amazon_channel.spapi.ratelimit import RateTable, RedisRateLimiter

from .helpers import US

pytestmark = [pytest.mark.slow]
DB = 9
SELLER = "A2SANDBOXSELLER"
OPERATION = "getOrder"


class FakeTime:
    """The limiter's clock, moved only by the client's sleeps: pacing is checked exactly and costs no real time."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def redis_db9(redis_url):
    parts = urlsplit(redis_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379

    def connect() -> redis.Redis:
        return redis.Redis(host=host, port=port, db=DB, password=parts.password)

    client = connect()
    cli = ["redis-cli", "-h", host, "-p", str(port), "-n", str(DB)]
    client.flushdb()
    yield client, cli, connect
    client.flushdb()
    client.close()


def restart(client: redis.Redis, cli: list[str]) -> int:
    """Lose db 9's keys and drop db 9's connections; returns how many connections were dropped."""
    subprocess.run([*cli, "FLUSHDB"], check=True, capture_output=True, timeout=10)
    ours = [c["id"] for c in client.client_list() if int(c.get("db", -1)) == DB and c.get("cmd") != "client|list"]
    killed = 0
    for client_id in ours:
        done = subprocess.run([*cli, "CLIENT", "KILL", "ID", str(client_id)], capture_output=True, timeout=10)
        killed += done.stdout.strip() in (b"1", b"OK")  # the number of clients killed
    return killed


def test_redis_restart_during_rate_limited_calls(sandbox, redis_db9, figures, caplog):
    control, cli, connect = redis_db9
    order_ids = sandbox.control.add_orders(3, marketplace_id=US)
    time = FakeTime()
    rates = RateTable()
    limiter = RedisRateLimiter(connect(), clock=time.clock)
    config = SpApiConfig(
        endpoint=sandbox.url,
        lwa_endpoint=sandbox.lwa_endpoint,
        client_id=sandbox.credentials.client_id,
        client_secret=sandbox.credentials.client_secret,
        refresh_token=sandbox.credentials.refresh_token,
        marketplace_id=US,
        seller_id=SELLER,
    )
    client = SpApiClient(config, rate_limiter=limiter, sleep=time.sleep, rates=rates)
    key = f"spapi:ratelimit:{SELLER}:{OPERATION}"
    calls: list[tuple[float, int]] = []  # (fake time of the call, phase)
    killed = 0
    per_phase = 45
    for phase in range(3):
        if phase:
            killed += restart(control, cli)
            assert not control.exists(key)  # the bucket is gone with the restart
        for n in range(per_phase):
            order = client.get_order(order_ids[n % len(order_ids)])
            assert order.order_id == order_ids[n % len(order_ids)]
            calls.append((time.now, phase))
    served = [e for e in sandbox.control.ledger(OPERATION) if e["status"] == 200]
    rate, burst = rates.plan(SELLER, OPERATION)

    # The quota holds in each phase: within any window, at most the burst plus what the rate refills.
    over = 0
    for phase in range(3):
        times = [t for t, p in calls if p == phase]
        for i, start in enumerate(times):
            for j in range(i, len(times)):
                if j - i + 1 > burst + (times[j] - start) * rate + 1e-6:
                    over += 1
    paced_after_restart = [w for w in time.waits[-(per_phase - burst) :] if w > 0]
    figures(
        calls=len(calls),
        served=len(served),
        restarts=2,
        connections_dropped=killed,
        waits=len(time.waits),
        over_quota=over,
        in_process_fallbacks=sum("rate limiter unavailable" in r.getMessage() for r in caplog.records),
    )
    assert len(served) == len(calls) == 3 * per_phase  # every call went on, none lost or doubled
    assert killed >= 2  # the limiter's own connection was really dropped, twice
    assert over == 0
    # After the last restart the buckets live in Redis again, paced: the last call went when the bucket was down to
    # its reserve, and that is what it holds (it is what paces the other workers too: they wait for a whole token).
    assert control.exists(key)
    assert float(control.hget(key, "tokens")) == pytest.approx(config.rate_limit_reserve)
    assert len(paced_after_restart) == per_phase - burst


def test_redis_restart_while_handing_tasks_to_the_celery_broker(redis_db9, figures):
    """The push hands updates to the workers through the broker: after a restart publishing goes on by itself (kombu
    reconnects); what the restart lost is what the outbox sweep re-enqueues (see outbox.sweep_outbox)."""
    from celery import Celery

    control, cli, _connect = redis_db9
    kwargs = control.connection_pool.connection_kwargs
    url = f"redis://{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 6379)}/{DB}"
    app = Celery("faults-broker", broker=url, set_as_current=False)
    app.conf.broker_connection_retry_on_startup = True
    per_phase, dropped, queued = 20, 0, []
    try:
        for phase in range(3):
            if phase:
                dropped += restart(control, cli)
                assert control.llen("celery") == 0  # the restart lost what was queued
            for n in range(per_phase):
                app.send_task("amazon_channel.push.deliver_outbound_update", args=[phase * 1000 + n])
            queued.append(control.llen("celery"))
    finally:
        app.close()
    figures(published=3 * per_phase, restarts=2, connections_dropped=dropped, queued_after_last_restart=queued[-1])
    assert dropped >= 2  # the publisher's connection was really dropped
    assert queued == [per_phase] * 3  # every message published after each restart is in the queue once
