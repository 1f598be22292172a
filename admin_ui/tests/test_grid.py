"""The grid toolkit, on the orders table: search, filters, sort whitelist, paging, chips, capped count, CSV, deferred
row loading, and query strings it can't serve."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db.models import Q
from django.http import Http404, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from admin_ui.grid import BooleanFilter, ChoiceFilter, TextFilter
from orders.grids import OrderGrid
from orders.models import Order
from orders.selectors import order_grid_rows
from orders.tests.factories import make_order, staff_user

pytestmark = pytest.mark.django_db


def grid(query: str = "") -> OrderGrid:
    return OrderGrid(QueryDict(query), order_grid_rows(), path="/sales/orders/")


def numbers(page) -> list[str]:
    return [o.increment_id for o in page.rows]


def test_keyword_finds_increment_id_channel_number_email_and_name():
    make_order(increment_id="000000001", customer_first_name="Ann", customer_last_name="Lee")
    make_order(
        increment_id="000000002", channel="amazon", external_order_number="113-1234567-7654321", customer_email="b@x.io"
    )
    make_order(increment_id="000000003", customer_first_name="Bob", customer_last_name="Smith")
    assert numbers(grid("q=000000001").page()) == ["000000001"]
    assert numbers(grid("q=113-1234567").page()) == ["000000002"]
    assert numbers(grid("q=b@x.io").page()) == ["000000002"]
    assert numbers(grid("q=smith").page()) == ["000000003"]


def test_filters_narrow_and_show_removable_chips():
    now = timezone.now()
    make_order(increment_id="A1", created_at=now - dt.timedelta(days=10), items=[("S", 1, "100.00")])
    make_order(increment_id="A2", created_at=now, items=[("S", 1, "10.00")], status="processing")
    make_order(increment_id="A3", created_at=now, items=[("S", 1, "500.00")], channel="amazon")
    today = timezone.localdate(now).isoformat()
    g = grid(f"purchased_from={today}&total_from=20&status=pending&sort=increment_id")
    assert numbers(g.page()) == ["A3"]
    chips = {c.label: c.remove_url for c in g.chips()}
    assert set(chips) == {f"Purchase Date from {today}", "Grand Total (Purchased) from 20", "Status: Pending"}
    # Removing the status chip keeps the other filters and the sort.
    removed = QueryDict(chips["Status: Pending"].split("?", 1)[1])
    assert "status" not in removed and removed["total_from"] == "20" and removed["sort"] == "increment_id"
    assert numbers(grid("channel=amazon").page()) == ["A3"]


def test_invalid_filter_values_are_ignored_not_errors():
    make_order(increment_id="B1")
    g = grid("total_from=abc&purchased_to=2020-13-45&status=nonsense&sort=password&limit=7&page=x")
    page = g.page()
    assert numbers(page) == ["B1"]
    assert g.chips() == []
    assert page.size == 20


def test_sort_is_whitelisted_and_flips_on_the_active_column():
    make_order(increment_id="C2", customer_first_name="Zed")
    make_order(increment_id="C1", customer_first_name="Amy")
    assert numbers(grid("sort=billing_name").page()) == ["C1", "C2"]
    assert numbers(grid("sort=-billing_name").page()) == ["C2", "C1"]
    column = next(c for c in OrderGrid.columns if c.key == "billing_name")
    state = grid("sort=billing_name").sort_state(column)
    assert state.active and not state.descending and "sort=-billing_name" in state.url


def test_pages_with_a_page_size_and_a_capped_count(monkeypatch):
    for n in range(25):
        make_order(increment_id=f"P{n:02d}")
    page = grid("limit=20&sort=increment_id&page=2").page()
    assert numbers(page) == [f"P{n:02d}" for n in range(20, 25)]
    assert page.total == 25 and page.num_pages == 2 and not page.has_next
    monkeypatch.setattr(OrderGrid, "count_cap", 10)
    capped = grid("limit=20").page()
    assert capped.total_capped and capped.has_next


def test_csv_streams_the_whole_filtered_set_and_neutralises_formulas():
    for n in range(3):
        make_order(increment_id=f"E{n}", customer_first_name="=HYPERLINK(1)")
    make_order(increment_id="OTHER", customer_first_name="Kim")
    response = grid("q=hyperlink&limit=20&page=1").csv_response("orders.csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "ID"
    assert sorted(r[0] for r in rows[1:]) == ["E0", "E1", "E2"]
    assert all(r[5].startswith("'=HYPERLINK") for r in rows[1:])


# --- deferred row loading --------------------------------------------------------------------------------------------


class DeferredOrderGrid(OrderGrid):
    """The order grid over the bare order table, its page's rows joined and loaded in a second step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked_for: list = []  # the ids querysets load_rows was given

    def load_rows(self, ids):
        self.asked_for.append(ids)
        return Order.objects.filter(pk__in=ids).select_related("store")


def deferred(query: str = "") -> DeferredOrderGrid:
    return DeferredOrderGrid(QueryDict(query), Order.objects.all(), path="/sales/orders/")


@pytest.fixture
def thirty_orders():
    for n in range(30):
        make_order(
            increment_id=f"D{n:02d}",
            items=[("S", 1, f"{(n * 37) % 100 + 1}.00")],
            customer_first_name=f"Name{n % 4}",
        )


@pytest.mark.usefixtures("thirty_orders")
@pytest.mark.parametrize("sort", ["increment_id", "-grand_total", "billing_name", "-billing_name", "store"])
def test_deferred_rows_are_the_same_pages_in_the_same_order(sort):
    for number in (1, 2, 3):
        query = f"sort={sort}&limit=20&page={number}"
        plain, late = grid(query).page(), deferred(query).page()
        assert numbers(late) == numbers(plain)
        assert (late.total, late.has_next, late.page_links) == (plain.total, plain.has_next, plain.page_links)


@pytest.mark.usefixtures("thirty_orders")
def test_deferred_rows_load_only_the_pages_ids(django_assert_num_queries):
    g = deferred("sort=increment_id&limit=20&page=2")
    with django_assert_num_queries(2) as captured:  # the capped count; the page's ids and rows in one query
        page = g.page()
        assert [o.store.name for o in page.rows]  # joined by load_rows: no query a row
    ids_by_number = {o.increment_id: o.pk for o in Order.objects.all()}
    [ids] = g.asked_for
    assert [row["pk"] for row in ids] == [ids_by_number[f"D{n:02d}"] for n in range(20, 30)]
    # The ids come from the order table alone: the join is outside the subquery that sorts, offsets and limits.
    sql = captured.captured_queries[1]["sql"]
    outer, inner = sql.split("IN (SELECT", 1)
    assert "JOIN" in outer and "JOIN" not in inner
    assert "LIMIT 21 OFFSET 20" in inner


def test_deferred_rows_take_the_same_queries_for_5_rows_or_200(django_assert_num_queries):
    for n in range(5):
        make_order(increment_id=f"F{n}")
    for limit in (20, 200):
        with django_assert_num_queries(2):
            assert len([o.store.name for o in deferred(f"limit={limit}").page().rows]) == 5
    for n in range(5, 30):
        make_order(increment_id=f"F{n}")
    with django_assert_num_queries(2):
        assert len([o.store.name for o in deferred("limit=200").page().rows]) == 30


def test_deferred_csv_streams_the_whole_sorted_set_through_load_rows(django_assert_max_num_queries):
    for n in range(4):
        make_order(increment_id=f"V{n}")
    response = deferred("sort=-increment_id").csv_response("orders.csv")
    with django_assert_max_num_queries(3):  # the rows, joined; and the status labels
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[0] for r in rows[1:]] == ["V3", "V2", "V1", "V0"]
    assert all(r[2] for r in rows[1:])  # the store's name, from load_rows' join


# --- text and checkbox filters ---------------------------------------------------------------------------------------


class FilteredOrderGrid(OrderGrid):
    filters = (
        TextFilter("email", "Email", "customer_email", max_length=12),
        TextFilter("number", "Order Number", "increment_id", lookup="istartswith"),
        BooleanFilter("big", "Over $100", Q(grand_total__gt=100)),
        BooleanFilter("amazon", "Amazon only", lambda: Q(channel="amazon")),
    )


def filtered(query: str) -> FilteredOrderGrid:
    return FilteredOrderGrid(QueryDict(query), order_grid_rows(), path="/sales/orders/")


@pytest.fixture
def three_orders():
    make_order(increment_id="T1", customer_email="ann@shop.io", items=[("S", 1, "150.00")])
    make_order(increment_id="T2", customer_email="bob@shop.io", items=[("S", 1, "20.00")])
    make_order(
        increment_id="X3",
        customer_email="ann@mail.io",
        items=[("S", 1, "300.00")],
        channel="amazon",
        external_order_number="113-1",
    )


@pytest.mark.usefixtures("three_orders")
def test_text_filter_matches_what_was_typed_stripped_and_shows_a_chip():
    g = filtered("email=%20ANN%20&sort=increment_id")
    assert numbers(g.page()) == ["T1", "X3"]
    [chip] = g.chips()
    assert chip.label == "Email: ANN"
    assert "email" not in QueryDict(chip.remove_url.split("?", 1)[1])
    assert numbers(filtered("number=t&sort=increment_id").page()) == ["T1", "T2"]  # istartswith
    assert numbers(filtered("number=1&sort=increment_id").page()) == []
    # Empty or blank is no filter and no chip.
    for query in ("email=", "email=%20%20", "email=%00"):
        g = filtered(query + "&sort=increment_id")
        assert (numbers(g.page()), g.chips()) == (["T1", "T2", "X3"], [])


@pytest.mark.usefixtures("three_orders")
def test_text_filter_cuts_long_text_and_drops_nul_characters():
    g = filtered("email=a%00nn@shop.io-and-much-more")
    assert [c.label for c in g.chips()] == ["Email: ann@shop.io-"]  # 12 characters
    assert numbers(g.page()) == []
    assert numbers(filtered("email=a%00nn@shop").page()) == ["T1"]


@pytest.mark.usefixtures("three_orders")
@pytest.mark.parametrize("on", ["1", "on", "true", "TRUE", " On "])
def test_checkbox_filter_turns_on_with_1_on_or_true(on):
    g = filtered(f"big={on}&sort=increment_id")
    assert numbers(g.page()) == ["T1", "X3"]
    assert [c.label for c in g.chips()] == ["Over $100"]
    # A condition given as a function is asked per request.
    assert numbers(filtered(f"big={on}&amazon={on}").page()) == ["X3"]


@pytest.mark.usefixtures("three_orders")
@pytest.mark.parametrize("off", ["", "0", "off", "false", "yes", "2"])
def test_checkbox_filter_is_off_for_anything_else(off):
    g = filtered(f"big={off}&amazon={off}&sort=increment_id")
    assert (numbers(g.page()), g.chips()) == (["T1", "T2", "X3"], [])


def test_filter_panel_renders_text_boxes_and_checkboxes_with_the_current_values():
    html = render_to_string("admin_ui/grid_toolbar.html", {"grid": filtered("email=ann&big=on")})
    assert re.search(
        r'<input class="form-control form-control-sm" type="text" name="email" id="f-email" '
        r'value="ann" maxlength="12">',
        html,
    )
    assert re.search(
        r'<input class="form-control form-control-sm" type="text" name="number" id="f-number" value=""', html
    )
    assert re.search(r'<input class="form-check-input" type="checkbox" name="big" id="f-big" value="1" checked>', html)
    assert re.search(r'<input class="form-check-input" type="checkbox" name="amazon" id="f-amazon" value="1">', html)
    assert '<label class="form-check-label small fw-semibold" for="f-big">Over $100</label>' in html
    assert re.search(r'data-testid="grid-chips".*Email: ann.*Over \$100', html, re.S)


def test_choice_filter_names_its_empty_choice():
    class Grid(OrderGrid):
        filters = (ChoiceFilter("state", "State", "state", [("new", "New")], empty_label="Open and on hold"),)

    html = render_to_string("admin_ui/grid_toolbar.html", {"grid": Grid(QueryDict(""), order_grid_rows())})
    assert '<option value="">Open and on hold</option>' in html


# --- page numbers and sizes that can't be served ---------------------------------------------------------------------

ABSURD_PAGES = [str(2**62), str(2**63), str(2**64), "9" * 40, "9" * 5000]


@pytest.fixture
def twenty_five_orders():
    for n in range(25):
        make_order(increment_id=f"P{n:02d}")


@pytest.mark.usefixtures("twenty_five_orders")
@pytest.mark.parametrize("page", ABSURD_PAGES)
def test_past_the_last_page_an_exact_count_shows_the_last_page(page):
    shown = grid(f"sort=increment_id&page={page}").page()
    assert (shown.number, numbers(shown)) == (2, [f"P{n:02d}" for n in range(20, 25)])


@pytest.mark.usefixtures("twenty_five_orders")
@pytest.mark.parametrize("page", ["abc", "-3", "0", "", "1.5", "2abc"])
def test_a_page_number_that_is_no_page_shows_the_first(page):
    shown = grid(f"sort=increment_id&page={page}").page()
    assert (shown.number, numbers(shown)[:1]) == (1, ["P00"])


@pytest.mark.usefixtures("twenty_five_orders")
@pytest.mark.parametrize("limit", ["0", "-20", "7", str(10**30), "9" * 5000, "abc"])
def test_a_page_size_not_offered_is_the_default(limit):
    assert grid(f"limit={limit}").page().size == 20


def assert_capped_grid_pages_or_404(client, monkeypatch):
    """With a capped count the grid can't know its last page: a page past its rows is a 404, never an error."""
    monkeypatch.setattr(OrderGrid, "count_cap", 10)
    for n in range(25):
        make_order(increment_id=f"C{n:02d}")
    client.force_login(staff_user("all", username="ops"))
    url = reverse("orders:order_grid") + "?sort=increment_id&page="
    page_2 = client.get(url + "2")
    assert page_2.status_code == 200
    assert re.findall(r'<tr data-order="([^"]+)"', page_2.content.decode()) == [f"C{n:02d}" for n in range(20, 25)]
    for page in ["3", "1000", *ABSURD_PAGES]:
        assert client.get(url + page).status_code == 404, page
    for page in ["abc", "-1", "0"]:
        assert client.get(url + page).status_code == 200, page
    with pytest.raises(Http404):
        grid(f"page={2**62}").page()


def test_a_capped_grid_answers_404_past_its_rows(client, monkeypatch):
    assert_capped_grid_pages_or_404(client, monkeypatch)


def test_a_capped_grid_answers_404_past_its_rows_on_postgresql(postgres_only, client, monkeypatch):
    assert_capped_grid_pages_or_404(client, monkeypatch)


def assert_filters_at_the_edges_of_the_calendar_and_of_numbers(client, settings):
    make_order(increment_id="E1", items=[("S", 1, "10.00")])
    client.force_login(staff_user("all", username="ops"))
    url = reverse("orders:order_grid") + "?"
    cases = {
        "purchased_from=0001-01-01": ["E1"],
        "purchased_to=0001-01-01": [],
        "purchased_from=9999-12-31": [],
        "purchased_to=9999-12-31": ["E1"],
        "purchased_from=0001-01-01&purchased_to=9999-12-31": ["E1"],
        "total_from=1e30": [],
        "total_to=-1e30": [],
        "total_from=0.00000000000000000001": ["E1"],
        "total_to=15.000000000000000000000000000000000000001": ["E1"],  # grand total 15.00
        "total_from=1e999999": [],
        "total_to=-1e999999": [],
        "total_from=1e-999999": ["E1"],
        "total_to=1e-999999": [],
        "q=%00": ["E1"],
        "q=E%001": ["E1"],
    }
    for zone in ("UTC", "Asia/Tokyo", "America/New_York"):
        settings.TIME_ZONE = zone
        for query, expected in cases.items():
            response = client.get(url + query)
            assert response.status_code == 200, (zone, query)
            assert re.findall(r'<tr data-order="([^"]+)"', response.content.decode()) == expected, (zone, query)


def test_filters_at_the_edges_of_the_calendar_and_of_numbers(client, settings):
    assert_filters_at_the_edges_of_the_calendar_and_of_numbers(client, settings)


def test_filters_at_the_edges_of_the_calendar_and_of_numbers_on_postgresql(postgres_only, client, settings):
    assert_filters_at_the_edges_of_the_calendar_and_of_numbers(client, settings)
