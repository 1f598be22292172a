"""The store dashboard page: what a merchant sees, the quick search, and a query count that doesn't grow."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.tests.factories import AmazonStoreFactory, place_orders
from orders.services import cancel_order
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db


def order_page(order_id: int) -> str:
    return reverse("orders:order_view", args=[order_id])


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def text(response) -> str:
    return response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_recent_orders_show_the_amazon_number_and_open_the_commerce_order(staff_client):
    amazon = make_order(channel="amazon", external_order_number="113-5550001-1234567")
    commerce = make_order()

    response = staff_client.get(reverse("dashboard:index"))

    table = re.search(r'data-testid="recent-orders".*?</table>', text(response), re.S).group(0)
    amazon_row = re.search(rf'data-order-id="{amazon.pk}".*?</tr>', table, re.S).group(0)
    assert "113-5550001-1234567" in amazon_row
    assert amazon.increment_id not in amazon_row
    link = re.search(r'href="([^"]+)">113-5550001-1234567', amazon_row).group(1)
    assert link == order_page(amazon.pk)
    commerce_row = re.search(rf'data-order-id="{commerce.pk}".*?</tr>', table, re.S).group(0)
    assert commerce.increment_id in commerce_row
    assert "Veronica Costello" in commerce_row
    assert "$53.60" in commerce_row  # 2 x 10 + 25 + 3.60 tax + 5 shipping
    assert re.search(r'<td class="text-end">3</td>', commerce_row)  # items: 2 + 1


def test_figures_on_the_page_leave_cancelled_orders_out(staff_client, staff):
    make_order(items=[("A", 1, "120.00")], shipping="0.00")
    make_order(items=[("A", 1, "80.00")], shipping="0.00", channel="amazon", external_order_number="113-1")
    cancelled = make_order(items=[("A", 1, "999.00")], shipping="0.00")
    cancel_order(order=cancelled, actor=staff)

    page = text(staff_client.get(reverse("dashboard:index") + "?range=24h"))

    assert re.search(r'data-testid="lifetime-sales">\$200\.00<', page)
    assert re.search(r'data-testid="average-order">\$100\.00<', page)
    assert re.search(r'data-testid="range-revenue">\$200\.00<', page)
    assert re.search(r'data-testid="range-orders">3<', page)  # placed: 3, of which 1 cancelled
    cells = r'<td>{}</td><td class="text-end">{}</td><td class="text-end">{}<'
    assert re.search(r'data-channel="amazon">' + cells.format("Amazon", 1, r"\$80\.00"), page)
    assert re.search(r'data-channel="admin">' + cells.format("Admin", 1, r"\$120\.00"), page)
    assert re.search(r'data-testid="awaiting-invoice"[^>]*>2<', page)
    assert re.search(r'data-testid="awaiting-shipment"[^>]*>2<', page)


def test_chart_is_an_accessible_svg_with_a_bar_per_bucket(staff_client):
    make_order(items=[("A", 1, "40.00")], shipping="0.00", created_at=timezone.now() - timedelta(hours=2))
    make_order(items=[("A", 1, "10.00")], shipping="0.00", created_at=timezone.now() - timedelta(minutes=5))

    page = text(staff_client.get(reverse("dashboard:index") + "?range=24h"))

    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg
    assert re.search(r'<title id="chart-title">Revenue, Last 24 Hours</title>', svg)
    bars = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" data-value="([\d.]+)"', svg)
    assert len(bars) == 25  # every hour the last 24 hours touch
    heights = {Decimal(v): float(h) for h, v in bars if Decimal(v)}
    assert heights[Decimal("40.00")] == pytest.approx(4 * heights[Decimal("10.00")], rel=0.01)
    assert "$40.00, 1 order" in svg
    assert re.search(r">\$40(\.00)?</text>", svg)  # the value axis reaches the tallest bar


def test_unknown_range_falls_back_to_seven_days(staff_client):
    page = text(staff_client.get(reverse("dashboard:index") + "?range=forever"))
    assert re.search(r'data-range="7d" aria-current="true"', page)


def test_links_to_each_amazon_store_dashboard(staff_client):
    store = AmazonStoreFactory(name="Amazon US")
    page = text(staff_client.get(reverse("dashboard:index")))
    assert f'href="{reverse("dashboard:amazon_store", args=[store.pk])}">Amazon US<' in page


@pytest.mark.parametrize("range_key", ["24h", "7d", "1m", "1y"])
def test_query_count_does_not_grow_with_orders(staff_client, range_key):
    AmazonStoreFactory()
    url = reverse("dashboard:index") + f"?range={range_key}"
    place_orders(5)
    few = queries_for(staff_client, url)
    place_orders(45, channel="amazon")
    many = queries_for(staff_client, url)
    assert few == many
    assert many <= 12, many


def test_search_by_commerce_number_jumps_to_the_order(staff_client):
    order = make_order()
    response = staff_client.get(reverse("dashboard:order_search"), {"q": f" {order.increment_id} "})
    assert response.status_code == 302
    assert response["Location"] == order_page(order.pk)


def test_search_by_amazon_number_jumps_to_the_order(staff_client):
    order = make_order(channel="amazon", external_order_number="113-7777777-1111111")
    response = staff_client.get(reverse("dashboard:order_search"), {"q": "113-7777777-1111111"})
    assert response.status_code == 302
    assert response["Location"] == order_page(order.pk)


def test_search_without_a_single_match_opens_the_grid_searched_by_it(staff_client):
    make_order()
    response = staff_client.get(reverse("dashboard:order_search"), {"q": "113-nothing"})
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:order_grid") + "?q=113-nothing"


def test_awaiting_counts_link_to_the_grid_showing_exactly_those_orders(staff_client, staff):
    from orders.services import invoice_order, ship_order

    new = make_order()
    invoiced = make_order(invoiced=True)
    shipped_first = make_order()
    ship_order(order=shipped_first, actor=staff)
    done = make_order()
    invoice_order(order=done, actor=staff)
    ship_order(order=done, actor=staff)

    page = text(staff_client.get(reverse("dashboard:index")))

    for key, expected in (("invoice", {new, shipped_first}), ("shipment", {new, invoiced})):
        link = re.search(rf'href="([^"]+)">{len(expected)}</a>', page.split(f'data-testid="awaiting-{key}"')[1]).group(
            1
        )
        grid = text(staff_client.get(link.replace("&amp;", "&")))
        assert set(re.findall(r'<tr data-order="([^"]+)"', grid)) == {o.increment_id for o in expected}
