"""The read-only page at `/`: the sandbox's orders and what reached "Amazon", for demos."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from . import orders as o

if TYPE_CHECKING:
    from .state import Sandbox

ALL_INCLUDED = ("BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT", "PACKAGES", "CANCELLATION", "PROMOTION")
SHOWN_ORDERS = 50
SHOWN_LEDGER = 40
# What the product sends to Amazon; reads and token requests are left out of the page's ledger.
WRITES = {"confirmShipment", "createFeed", "createFeedDocument", "uploadFeedDocument"}

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:2rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;font-size:.9rem;vertical-align:top}
th{background:#f4f4f4}.s{font-weight:600}.SHIPPED{color:#2a7}.CANCELLED{color:#b33}.PENDING{color:#888}
.UNSHIPPED{color:#d80}.PARTIALLY_SHIPPED{color:#27a}.err{color:#b33}small{color:#666}
"""


def render(sandbox: Sandbox) -> str:
    sandbox.tick()
    with sandbox.lock:
        now = sandbox.clock.now()
        latest = sorted(
            (x for x in sandbox.orders.values() if x.indexed_at <= now),
            key=lambda x: (x.last_updated, x.order_id),
            reverse=True,
        )[:SHOWN_ORDERS]
        order_rows = "".join(_order_row(x) for x in latest)
        writes = [e for e in sandbox.ledger if e["operation"] in WRITES][-SHOWN_LEDGER:]
        ledger_rows = "".join(_ledger_row(e) for e in reversed(writes))
        feed_rows = "".join(_feed_row(f) for f in sorted(sandbox.feeds.values(), key=lambda f: -f.created)[:20])
        total = len(sandbox.orders)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5"><title>Seller Central sandbox</title><style>{STYLE}</style></head><body>
<h1>Seller Central sandbox</h1>
<p><small>Sandbox time {o.iso(now)} · {total} orders · seed {sandbox.seed} · this page refreshes every 5 s</small></p>
<h2>Latest orders</h2>
<table><thead><tr><th>Order / seller order id</th><th>Marketplace</th><th>Fulfilled by</th><th>Status</th><th>Items</th>
<th>Packages</th><th>Last updated</th></tr></thead><tbody>{order_rows}</tbody></table>
<h2>What reached Amazon</h2>
<table><thead><tr><th>Time</th><th>Operation</th><th>Details</th><th>Status</th></tr></thead>
<tbody>{ledger_rows or '<tr><td colspan="4">Nothing yet.</td></tr>'}</tbody></table>
<h2>Feeds</h2>
<table><thead><tr><th>Feed</th><th>Type</th><th>Status</th><th>Result</th></tr></thead>
<tbody>{feed_rows or '<tr><td colspan="4">No feeds yet.</td></tr>'}</tbody></table>
</body></html>"""


def _order_row(order: o.Order) -> str:
    items = "<br>".join(
        escape(f"{i.quantity_shipped}/{i.quantity} × {i.seller_sku} {i.title} ({i.unit_price} {order.currency})")
        for i in order.items
    )
    packages = "<br>".join(
        escape(f"{p['carrier']} {p['trackingNumber']} ({_package_items(order, p)})") for p in order.packages
    )
    seller_number = f"<br>{escape(order.merchant_order_id)}" if order.merchant_order_id else ""
    return (
        f"<tr><td>{escape(order.order_id)}{seller_number}</td><td>{escape(order.marketplace.name)}</td>"
        f"<td>{order.fulfilled_by}</td><td class='s {order.status}'>{order.status}</td><td>{items}</td>"
        f"<td>{packages}</td><td>{o.iso(order.last_updated)}</td></tr>"
    )


def _package_items(order: o.Order, package: dict) -> str:
    """What one package holds, by SKU: "2× MUG-1, 1× CAP-2"."""
    lines = []
    for line in package.get("packageItems", []):
        item = order.item(line["orderItemId"])
        lines.append(f"{line['quantity']}× {item.seller_sku if item else line['orderItemId']}")
    return ", ".join(lines)


def _ledger_row(entry: dict) -> str:
    body = entry.get("body")
    if entry["operation"] == "confirmShipment" and isinstance(body, dict):
        detail = body.get("packageDetail", {})
        order_id = entry["path"].split("/")[-2]
        lines = ", ".join(f"{i.get('quantity')}× {i.get('orderItemId')}" for i in detail.get("orderItems", []))
        text = f"{order_id}: package {detail.get('packageReferenceId')} {detail.get('carrierCode')} "
        text += f"{detail.get('trackingNumber')} ({lines})"
    elif entry["operation"] == "createFeed" and isinstance(body, dict):
        text = f"{body.get('feedType')} from document {str(body.get('inputFeedDocumentId'))[:40]}…"
    elif entry["operation"] == "uploadFeedDocument" and isinstance(body, str):
        text = body[:300]
    else:
        text = ""
    css = " class='err'" if entry["status"] >= 400 or entry["fault"] else ""
    fault = f" (fault: {entry['fault']})" if entry["fault"] else ""
    return (
        f"<tr><td>{entry['at']}</td><td>{entry['operation']}</td><td><small>{escape(text)}</small></td>"
        f"<td{css}>{entry['status']}{fault}</td></tr>"
    )


def _feed_row(feed) -> str:
    summary = feed.summary
    result = (
        f"{summary['successful']} ok, {summary['with_error']} with errors of {summary['processed']}" if summary else ""
    )
    return f"<tr><td>{feed.feed_id}</td><td>{feed.feed_type}</td><td>{feed.status}</td><td>{result}</td></tr>"
