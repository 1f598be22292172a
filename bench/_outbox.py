"""The outbox phase of bench/many_stores.py (`--outbox`): after the backlogs are imported, every store's Commerce-side
changes for Amazon (shipments, credit memos, cancels) made through the product's own services, delivered by the same
worker processes while the script plays beat; then what reached the sandbox, checked against the OutboundUpdate rows.

The changes: first, per store, the orders to be refunded are shipped and the script waits until Amazon accepted those
shipments (a refund of an order Amazon has not shipped waits for its shipment, 18090: measured apart, the refunds'
latency is the feed's own). Then `--waves` waves, `--wave-gap` apart (default half a createFeed window, so the
second wave meets a closed window): in each, store after store, `--ship` shipments (`orders.services.ship_order`, what
the New Shipment form calls), `--refund` credit memos (`orders.services.refund_order`) and `--cancel` cancels
(`amazon_orders.services.request_amazon_cancel`, Cancel Order on Amazon Order Details: an imported Amazon order is
invoiced, so the Commerce order's own Cancel is refused), `--pace` seconds apart (0: as fast as the services go, a
burst the workers drain at their capacity). Each change's clock starts when its service returns
(committed: the services are atomic) and stops when the script sees its update accepted (polled every 0.1 s in a
thread of its own); a shipment's also when the sandbox answered its confirmShipment (the ledger's clock). The outbox
sweep runs every `--sweep-every` seconds, not scaled (see many_stores.py).
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable

from _setup import percentile

# Amazon's production timings the time scale divides (seconds).
WINDOW = 120.0
GATHER = 5.0
POLL = 30.0
POLL_STEPS = (5.0, 5.0, 10.0, 20.0)
SANDBOX_PROCESSING = 5.0  # seller_central_sandbox.state: FEED_QUEUE_SECONDS + FEED_WORK_SECONDS
SWEEP = 60.0


def scaled_settings(time_scale: float) -> dict[str, str]:
    """The outbox's timings divided by the time scale, for this process and the workers (environment)."""
    return {
        "AMAZON_FEED_WINDOW_SECONDS": repr(WINDOW / time_scale),
        "AMAZON_FEED_GATHER_SECONDS": repr(GATHER / time_scale),
        "AMAZON_FEED_POLL_SECONDS": repr(POLL / time_scale),
        "AMAZON_FEED_POLL_STEPS": ",".join(repr(step / time_scale) for step in POLL_STEPS),
    }


class Change:
    __slots__ = ("accepted", "committed", "kind", "store_id", "update_id", "wave")

    def __init__(self, kind: str, update_id: int, store_id: int, committed: float, wave: int) -> None:
        self.kind, self.update_id, self.store_id, self.committed, self.wave = kind, update_id, store_id, committed, wave
        self.accepted: float | None = None


class Ledger:
    """The sandbox's ledger keeps its newest 5,000 requests: read it often and keep what matters, by sequence."""

    def __init__(self, control) -> None:
        self.control = control
        self.entries: dict[int, dict] = {}

    def read(self) -> None:
        for entry in self.control.ledger():
            if entry["seq"] in self.entries:
                continue
            keep = {k: entry.get(k) for k in ("operation", "status", "at_epoch", "path")}
            if entry["operation"] == "confirmShipment":
                keep["reference"] = ((entry.get("body") or {}).get("packageDetail") or {}).get("packageReferenceId")
            self.entries[entry["seq"]] = keep

    def of(self, operation: str) -> list[dict]:
        return [e for _, e in sorted(self.entries.items()) if e["operation"] == operation]


def run_outbox(args, control, stores: dict[int, str], beat: Callable[[bool], None]) -> None:
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections

    from amazon_channel.amazon_orders.services import request_amazon_cancel
    from amazon_channel.models import AmazonOrder, AmazonOrderStatus, OutboundUpdate
    from orders.services import TrackInput, refund_order, ship_order

    Kind, State = OutboundUpdate.Kind, OutboundUpdate.State
    actor = get_user_model().objects.create(username="bench-outbox", is_staff=True, is_superuser=True)
    ledger = Ledger(control)
    ledger.read()
    first_seq = max(ledger.entries, default=0)  # what the import phase left in the ledger is not the outbox's
    per_wave = args.ship + args.refund + args.cancel
    picked: dict[int, list[tuple[int, int]]] = {}  # store -> [(amazon order pk, commerce order pk)]
    for store_id in stores:
        rows = list(
            AmazonOrder.objects.filter(
                store_id=store_id, status=AmazonOrderStatus.UNSHIPPED, commerce_order__isnull=False
            )
            .order_by("pk")
            .values_list("pk", "commerce_order_id")[: args.waves * per_wave]
        )
        if len(rows) < args.waves * per_wave:
            raise SystemExit(f"store {store_id} has {len(rows)} unshipped orders; {args.waves * per_wave} needed")
        picked[store_id] = rows
    changes: list[Change] = []
    track = 0

    def ship(store_id: int, order_pk: int, wave: int) -> None:
        nonlocal track
        track += 1
        shipment = ship_order(order=order_pk, actor=actor, tracks=[TrackInput("ups", "UPS", f"1Z999CC1{track:010d}")])
        committed = time.time()
        update = OutboundUpdate.objects.get(kind=Kind.SHIPMENT, shipment_id=shipment.pk)
        with lock:
            changes.append(Change("shipment", update.pk, store_id, committed, wave))

    last_ledger = [0.0]
    lock = threading.Lock()
    done = threading.Event()

    def clock() -> None:
        """Stamps each update when it is first seen accepted: polled every 0.1 s in a thread of its own, so the
        script's own work (making the changes, beat) does not delay the stamp."""
        while not done.wait(0.1):
            with lock:
                waiting = {c.update_id: c for c in changes if c.accepted is None}
            if not waiting:
                continue
            accepted = OutboundUpdate.objects.filter(pk__in=list(waiting), state=State.ACCEPTED).values_list(
                "pk", flat=True
            )
            now = time.time()
            for pk in accepted:
                waiting[pk].accepted = now
            close_old_connections()

    stamper = threading.Thread(target=clock, daemon=True)
    stamper.start()

    def sample() -> None:
        """One beat of the script (beat's entries), and the ledger every 2 s."""
        beat(True)
        now = time.time()
        if now - last_ledger[0] > 2:
            ledger.read()
            last_ledger[0] = now
        close_old_connections()

    def watch(until: Callable[[], bool], limit: float, what: str) -> None:
        started = time.time()
        while not until():
            if time.time() - started > limit:
                print(f"  gave up waiting for {what} after {limit:.0f} s", flush=True)
                return
            sample()
            time.sleep(0.2)

    def settled() -> bool:
        return (
            not OutboundUpdate.objects.filter(pk__in=[c.update_id for c in changes])
            .exclude(state__in=[State.ACCEPTED, State.FAILED])
            .exists()
        )

    # The refunds' orders shipped first, and accepted, so each refund's latency is its feed's.
    started = time.time()
    for store_id, rows in picked.items():
        for wave in range(args.waves):
            base = wave * per_wave + args.ship
            for _amazon_pk, order_pk in rows[base : base + args.refund]:
                ship(store_id, order_pk, -1)
    print(f"outbox: shipped {len(changes)} orders to be refunded in {time.time() - started:.1f} s", flush=True)
    watch(settled, args.outbox_seconds, "the refunded orders' shipments")
    print(f"  their shipments accepted {time.time() - started:.1f} s after the first", flush=True)

    def paced() -> None:
        if args.pace:
            sample()
            time.sleep(args.pace)

    gap = args.wave_gap if args.wave_gap is not None else WINDOW / 2 / args.time_scale
    phase_start = time.time()
    for wave in range(args.waves):
        while time.time() < phase_start + wave * gap:
            sample()
            time.sleep(0.1)
        wave_start = time.time()
        for store_id, rows in picked.items():
            mine = rows[wave * per_wave : (wave + 1) * per_wave]
            shipping, refunding, cancelling = (
                mine[: args.ship],
                mine[args.ship : args.ship + args.refund],
                mine[args.ship + args.refund :],
            )
            for n in range(max(args.ship, args.refund, args.cancel)):
                if n < len(shipping):
                    ship(store_id, shipping[n][1], wave)
                    paced()
                if n < len(refunding):
                    memo = refund_order(order=refunding[n][1], actor=actor)
                    committed = time.time()
                    update = OutboundUpdate.objects.get(kind=Kind.REFUND, credit_memo_id=memo.pk)
                    with lock:
                        changes.append(Change("refund", update.pk, store_id, committed, wave))
                    paced()
                if n < len(cancelling):
                    update = request_amazon_cancel(amazon_order=cancelling[n][0], reason="NoInventory", actor=actor)
                    with lock:
                        changes.append(Change("cancel", update.pk, store_id, time.time(), wave))
                    paced()
            sample()
        print(
            f"  wave {wave + 1}: {len(stores)} stores x ({args.ship} shipments, {args.refund} credit memos, "
            f"{args.cancel} cancels) made in {time.time() - wave_start:.1f} s "
            f"({len(stores) * per_wave / (time.time() - wave_start):.1f} a second)",
            flush=True,
        )
    watch(settled, args.outbox_seconds, "the waves' updates")
    time.sleep(0.3)  # the stamper's last look
    done.set()
    stamper.join()
    ledger.read()
    report(args, control, stores, changes, ledger, first_seq, time.time() - phase_start)


def window_counts(times: list[float], window: float) -> tuple[int, float | None]:
    """The most feeds in any window-long span, and the shortest gap between two in a row (None: fewer than two)."""
    times = sorted(times)
    most, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        most = max(most, i - j + 1)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return most, (min(gaps) if gaps else None)


def report(args, control, stores, changes: list[Change], ledger: Ledger, first_seq: int, wall: float) -> None:
    import re

    from amazon_channel.models import AmazonFeed, AmazonOrder, OutboundUpdate

    State = OutboundUpdate.State
    scale = args.time_scale
    window = WINDOW / scale
    print(f"outbox phase: {wall:.1f} s after the first wave; load {_load()}")
    updates = {
        u["pk"]: u
        for u in OutboundUpdate.objects.filter(pk__in=[c.update_id for c in changes]).values(
            "pk", "kind", "state", "store_id", "amazon_order_id", "shipment_id", "feed_id", "last_response"
        )
    }
    states = Counter((u["kind"], u["state"]) for u in updates.values())
    for kind in ("shipment", "refund", "cancel"):
        made = sum(1 for c in changes if c.kind == kind)
        print(
            f"  {kind}: {made} made, {states[(kind, State.ACCEPTED)]} accepted, {states[(kind, State.FAILED)]} failed, "
            f"{made - states[(kind, State.ACCEPTED)] - states[(kind, State.FAILED)]} still open"
        )
    failed = [u for u in updates.values() if u["state"] == State.FAILED]
    for u in failed[:5]:
        print(f"    failed {u['kind']} {u['pk']}: {u['last_response'][:160]}")

    # Latency from commit to the update seen accepted (timed waves only: the refunds' own shipments were a set-up).
    bound = (WINDOW + SANDBOX_PROCESSING + POLL) / scale
    for kind in ("shipment", "refund", "cancel"):
        lat = [c.accepted - c.committed for c in changes if c.kind == kind and c.wave >= 0 and c.accepted]
        if not lat:
            continue
        line = (
            f"  {kind} commit -> accepted ({len(lat)}): median {statistics.median(lat):.2f} s, "
            f"p95 {percentile(lat, 95):.2f} s, max {max(lat):.2f} s"
        )
        if kind != "shipment":
            line += (
                f" = {max(lat) / bound:.2f} x (window + processing + one poll = {bound:.2f} s; goal <= 1.1); "
                f"in production seconds: median {statistics.median(lat) * scale:.0f}, max {max(lat) * scale:.0f}"
            )
        print(line)

    # A shipment is accepted when confirmShipment answers 204: the sandbox's own clock of it.
    answered = {
        (e["path"].split("/")[4], str(e["reference"])): e["at_epoch"]
        for seq, e in sorted(ledger.entries.items())
        if seq > first_seq and e["operation"] == "confirmShipment" and e["status"] == 204
    }
    order_ids = dict(
        OutboundUpdate.objects.filter(pk__in=[c.update_id for c in changes]).values_list(
            "pk", "amazon_order__amazon_order_id"
        )
    )
    at_sandbox = []
    for c in changes:
        u = updates[c.update_id]
        moment = answered.get((order_ids[c.update_id], str((u["shipment_id"] or 0) * 1000 + 1)))
        if c.kind == "shipment" and c.wave >= 0 and moment:
            at_sandbox.append(moment - c.committed)
    if at_sandbox:
        print(
            f"  shipment commit -> confirmShipment answered at the sandbox ({len(at_sandbox)}): median "
            f"{statistics.median(at_sandbox):.2f} s, p95 {percentile(at_sandbox, 95):.2f} s, "
            f"max {max(at_sandbox):.2f} s"
        )

    # Feeds per store (seller) and type per window, at the sandbox (to the microsecond) and in our rows.
    sandbox_feeds = [f for f in control.feeds() if f["feedType"] != "UPLOAD_VAT_INVOICE"]
    by_seller_type: dict[tuple[str, str], list[float]] = defaultdict(list)
    for feed in sandbox_feeds:
        by_seller_type[(feed["seller_id"], feed["feedType"])].append(feed["created_epoch"])
    most, shortest = 0, None
    for times in by_seller_type.values():
        m, g = window_counts(times, window)
        most = max(most, m)
        if g is not None:
            shortest = g if shortest is None else min(shortest, g)
    ours = AmazonFeed.objects.exclude(feed_id="").values("store_id", "feed_type", "submitted_at", "feed_id", "document")
    ours_by: dict[tuple[int, str], list[float]] = defaultdict(list)
    for feed in ours:
        ours_by[(feed["store_id"], feed["feed_type"])].append(feed["submitted_at"].timestamp())
    our_most = max((window_counts(t, window)[0] for t in ours_by.values()), default=0)
    per_type = Counter(f["feedType"] for f in sandbox_feeds)
    print(
        f"  feeds at the sandbox: {dict(per_type)} for {len(stores)} stores; most in one {window:.2f} s window per "
        f"store and type: {most} at the sandbox (createFeed arrivals), {our_most} by our submitted_at (goal 1); "
        f"shortest gap between a store's two feeds of a type {shortest if shortest is None else f'{shortest:.2f}'} s"
        f" = {shortest / window if shortest else 0:.3f} x the window"
    )
    outbox_entries = [e for seq, e in ledger.entries.items() if seq > first_seq]
    throttled = Counter(e["operation"] for e in outbox_entries if e["status"] == 429)
    calls = Counter(e["operation"] for e in outbox_entries)
    print(f"  sandbox calls in the outbox phase: {dict(calls)}; 429: {sum(throttled.values())} {dict(throttled)}")

    # Nothing lost, nothing sent twice.
    problems: list[str] = []
    confirmations = Counter(
        (e["path"].split("/")[4], str(e["reference"]))
        for seq, e in ledger.entries.items()
        if seq > first_seq and e["operation"] == "confirmShipment" and e["status"] == 204
    )
    amazon_ids = dict(
        AmazonOrder.objects.filter(pk__in={u["amazon_order_id"] for u in updates.values()}).values_list(
            "pk", "amazon_order_id"
        )
    )
    shipments = [u for u in updates.values() if u["kind"] == "shipment"]
    for u in shipments:
        n = confirmations[(amazon_ids[u["amazon_order_id"]], str(u["shipment_id"] * 1000 + 1))]
        if n != 1:
            problems.append(f"shipment update {u['pk']}: {n} confirmShipment 204 at the sandbox")
    if sum(confirmations.values()) != len(shipments):
        problems.append(f"{sum(confirmations.values())} confirmShipment 204 for {len(shipments)} shipment updates")
    in_documents: Counter = Counter()
    for feed in ours:
        in_documents.update(int(m) for m in re.findall(r"<MessageID>(\d+)</MessageID>", feed["document"]))
    sandbox_ids = Counter(f["feedId"] for f in sandbox_feeds)
    our_ids = Counter(f["feed_id"] for f in ours)
    if sandbox_ids != our_ids:
        problems.append(f"feeds at the sandbox {sum(sandbox_ids.values())} != ours {sum(our_ids.values())}")
    processed = sum(f["summary"].get("processed", 0) for f in sandbox_feeds)
    successful = sum(f["summary"].get("successful", 0) for f in sandbox_feeds)
    feed_updates = [u for u in updates.values() if u["kind"] in ("refund", "cancel")]
    if processed != len(feed_updates) or successful != len(feed_updates):
        problems.append(f"sandbox feeds processed {processed}, successful {successful}, for {len(feed_updates)}")
    for u in feed_updates:
        if in_documents[u["pk"]] != 1:
            problems.append(f"{u['kind']} update {u['pk']} is in {in_documents[u['pk']]} created feeds")
    for u in feed_updates:
        at_amazon = control.order(amazon_ids[u["amazon_order_id"]])
        if u["kind"] == "refund":
            n = sum(1 for a in at_amazon["adjustments"] if a["message_id"] == str(u["pk"]))
            if n != 1:
                problems.append(f"refund update {u['pk']}: {n} adjustments at the sandbox")
        elif at_amazon["status"] != "CANCELLED":
            problems.append(f"cancel update {u['pk']}: the sandbox's order is {at_amazon['status']}")
    print(
        f"  lost or sent twice: {len(problems)} problems over {len(shipments)} shipments and "
        f"{len(feed_updates)} feed messages (confirmShipment 204s per package, each MessageID in one created feed, "
        f"the sandbox's feeds = ours, every message processed, adjustments / cancels on the sandbox's orders)"
    )
    for problem in problems[:10]:
        print(f"    {problem}")


def _load() -> str:
    import os

    return ", ".join(f"{x:.1f}" for x in os.getloadavg())
