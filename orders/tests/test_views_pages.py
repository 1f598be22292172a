"""The sales pages a person reads: the order grid, the order view, the document grids. Query counts stay flat as
rows grow."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import format_html

from orders import view_blocks
from orders.tests.factories import make_order, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client):
    user = staff_user("all", username="ops")
    client.force_login(user)
    return user


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_order_grid_lists_orders_with_channel_number_totals_and_status(client, ops):
    first = make_order(
        increment_id="000000101", customer_first_name="Ann", customer_last_name="Lee", items=[("A", 2, "10.00", "2.00")]
    )
    second = make_order(
        increment_id="000000102",
        channel="amazon",
        external_order_number="111-2223334-5556667",
        ship_to=("Gift", "Receiver"),
        status="processing",
    )
    response = client.get(reverse("orders:order_grid"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "000000101" in html and "Ann Lee" in html and "$27.00" in html  # 20 + 2 tax + 5 shipping
    assert "111-2223334-5556667" in html and "Gift Receiver" in html
    assert 'data-status="processing"' in html
    for order in (first, second):
        assert f'href="{reverse("orders:order_view", args=[order.pk])}"' in html


def test_order_grid_search_by_amazon_order_number_keeps_the_query_in_links(client, ops):
    make_order(increment_id="1", channel="amazon", external_order_number="113-0000000-0000001")
    make_order(increment_id="2")
    html = client.get(reverse("orders:order_grid") + "?q=113-0000000&limit=50").content.decode()
    assert 'data-order="1"' in html and 'data-order="2"' not in html
    assert "q=113-0000000" in html  # sort links, chips and the CSV link keep the search
    assert "Keyword: 113-0000000" in html


def test_order_grid_csv_export_is_the_filtered_set(client, ops):
    for n in range(3):
        make_order(increment_id=f"X{n}", status="processing")
    make_order(increment_id="Y0")
    response = client.get(reverse("orders:order_grid") + "?status=processing&limit=20&page=1&export=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[0] for r in rows[1:]] and sorted(r[0] for r in rows[1:]) == ["X0", "X1", "X2"]


@pytest.mark.parametrize(
    "url_name", ["orders:order_grid", "orders:invoice_grid", "orders:shipment_grid", "orders:creditmemo_grid"]
)
def test_grids_need_their_view_permission(client, url_name):
    client.force_login(staff_user())
    assert client.get(reverse(url_name)).status_code == 403


def test_order_grid_query_count_does_not_grow_with_rows(client, ops):
    for _ in range(5):
        make_order()
    few = count_queries(client, reverse("orders:order_grid") + "?limit=50")
    for _ in range(45):
        make_order()
    many = count_queries(client, reverse("orders:order_grid") + "?limit=50")
    assert few == many


def test_order_view_shows_sections_tabs_items_and_totals(client, ops):
    order = make_order(
        increment_id="000000201",
        items=[("24-MB01", 1, "34.00", "3.40"), ("24-WG02", 2, "12.50", "2.50")],
        channel="amazon",
        external_order_number="112-1-1",
    )
    html = client.get(reverse("orders:order_view", args=[order.pk])).content.decode()
    for heading in (
        "Order & Account Information",
        "Address Information",
        "Payment & Shipping Method",
        "Items Ordered",
        "Notes for this Order",
        "Order Totals",
        "Comments History",
    ):
        assert heading in html
    assert "Product 24-WG02" in html and "6146 Honey Bluff Parkway" in html
    assert 'data-total="subtotal">$59.00' in html
    assert 'data-total="tax">$5.90' in html
    assert 'data-total="grand_total">$69.90' in html
    assert 'data-total="due">$69.90' in html
    assert 'data-testid="external-order-number">112-1-1' in html


def test_order_view_is_404_for_an_unknown_order_and_403_without_permission(client, ops):
    assert client.get(reverse("orders:order_view", args=[999999])).status_code == 404
    order = make_order()
    client.force_login(staff_user("view_invoice"))
    assert client.get(reverse("orders:order_view", args=[order.pk])).status_code == 403


def test_other_apps_add_blocks_to_payment_and_notices(client, ops):
    order = make_order(channel="amazon", external_order_number="114-9")

    def amazon_block(request, o):
        return format_html('<p data-testid="amazon-block">Amazon Order # {}</p>', o.external_order_number)

    def broken_block(request, o):
        raise RuntimeError("a channel bug must not take the order page down")

    def plain_text(request, o):
        return "<script>not trusted</script>"

    view_blocks.register("payment_shipping", amazon_block)
    view_blocks.register("payment_shipping", broken_block)
    view_blocks.register("order_notices", plain_text)
    try:
        html = client.get(reverse("orders:order_view", args=[order.pk])).content.decode()
    finally:
        view_blocks.unregister("payment_shipping", amazon_block)
        view_blocks.unregister("payment_shipping", broken_block)
        view_blocks.unregister("order_notices", plain_text)
    assert '<p data-testid="amazon-block">Amazon Order # 114-9</p>' in html
    assert "<script>not trusted</script>" not in html and "&lt;script&gt;not trusted" in html


def test_unknown_view_block_section_is_refused():
    with pytest.raises(ValueError):
        view_blocks.register("nowhere", lambda request, order: "")


def test_order_view_query_count_does_not_grow_with_items(client, ops):
    small = make_order(items=[(f"S{n}", 1, "1.00") for n in range(2)])
    big = make_order(items=[(f"B{n}", 1, "1.00") for n in range(30)])
    assert count_queries(client, reverse("orders:order_view", args=[small.pk])) == count_queries(
        client, reverse("orders:order_view", args=[big.pk])
    )


def test_filters_and_search_add_no_queries(client, ops):
    for n in range(3):
        make_order(channel="amazon", external_order_number=f"113-{n}")
    plain = count_queries(client, reverse("orders:order_grid"))
    filtered = count_queries(
        client,
        reverse("orders:order_grid")
        + "?q=113&status=pending&channel=amazon&total_from=1&total_to=999&purchased_from=2020-01-01&sort=-grand_total",
    )
    assert filtered == plain
