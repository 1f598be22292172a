"""Random SP-API answers, drawn from Amazon's own models: bodies that follow the model and bodies broken in one place.

The client turns each into a typed result, an order isolated in `bad_orders`, or a MalformedResponseError naming the
operation: never another exception. The import, fed such pages over HTTP, never raises, writes nothing of a page
whose envelope is broken, imports the good orders of a page beside the bad ones (which stay visible as not
imported), and never half writes an order. The sandbox's fast response check agrees with jsonschema on every body.

Deterministic (derandomized, no example database); `FUZZ_EXAMPLES=500` for a longer local run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amazon_channel.core import client as clients
from amazon_channel.models import AmazonOrder, AmazonStore, CommunicationLog
from amazon_channel.spapi import SpApiClient, SpApiConfig, parsing, types
from amazon_channel.spapi.auth import TokenCache
from amazon_channel.spapi.errors import MalformedResponseError
from amazon_channel.spapi.ratelimit import NoPacing, RateTable
from amazon_channel.spapi.tests.factories import make_item, make_order, search_page
from amazon_channel.spapi.tests.scripted_server import Recorded, Reply, ScriptedServer
from amazon_channel.sync import import_orders, is_importable
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import Order
from seller_central_sandbox.spec import FORMAT_CHECKER, Spec

from .conftest import fast_client_for
from .schema_strategies import Mutation, Path, SchemaStrategies

pytestmark = [pytest.mark.slow]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same bodies in every run: CI is deterministic
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the server and the database are reset by hand per example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
ORDERS = "/orders/2026-01-01/orders"
FEEDS = "/feeds/2021-06-30"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)

# What each client call needs of its answer; a break there must be a MalformedResponseError, not a guess.
CLIENT_CALLS: dict[str, tuple[str, str, str, Any, set[str]]] = {
    # operation: (status, method, path, call, top-level fields the call reads strictly)
    "searchOrders": (
        "200",
        "GET",
        ORDERS,
        lambda c: c.search_orders(last_updated_after=SINCE),
        {"orders", "pagination", "createdBefore", "lastUpdatedBefore"},
    ),
    "getOrder": ("200", "GET", ORDERS + "/.+", lambda c: c.get_order("111-0000001-0000001"), {"order"}),
    "getFeed": ("200", "GET", FEEDS + "/feeds/.+", lambda c: c.get_feed("50001"), {"feedId", "processingStatus"}),
    "createFeed": (
        "202",
        "POST",
        FEEDS + "/feeds",
        lambda c: c.create_feed(feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA", input_feed_document_id="doc-1"),
        {"feedId"},
    ),
    "createFeedDocument": (
        "201",
        "POST",
        FEEDS + "/documents",
        lambda c: c.create_feed_document("text/xml; charset=UTF-8"),
        {"feedDocumentId", "url"},
    ),
    "getFeedDocument": (
        "200",
        "GET",
        FEEDS + "/documents/.+",
        lambda c: c.get_feed_document("doc-1"),
        {"feedDocumentId", "url", "compressionAlgorithm"},
    ),
}


def in_order(path: Path) -> bool:
    """Inside one order of a searchOrders page (orders[i]...), rather than the page's envelope."""
    return len(path) >= 2 and path[0] == "orders" and isinstance(path[1], int)


def strict_place(operation: str, path: Path) -> bool:
    """A break the client must refuse as a whole answer: the root, or a field the call reads strictly."""
    if not path:
        return True
    if operation == "searchOrders":
        return not in_order(path)
    if operation == "getOrder":
        return path == ("order",)
    return path[0] in CLIENT_CALLS[operation][4] and len(path) == 1


@pytest.fixture(scope="module")
def spec(spapi_models_dir) -> Spec:
    return Spec(spapi_models_dir)


@pytest.fixture(scope="module")
def amazon():
    """Plays whatever body the current example sets, over real HTTP."""
    server = ScriptedServer()
    yield server
    server.close()


def body_reply(status: int, body: Any) -> Reply:
    return Reply(status, body=json.dumps(body).encode(), headers={"x-amzn-RequestId": "fuzz-1"})


# --- 1. The client -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", sorted(CLIENT_CALLS))
def test_random_answers_give_typed_results_bad_orders_or_a_clear_error(spec, amazon, figures, operation):
    status, method, path, call, _strict = CLIENT_CALLS[operation]
    strategies = SchemaStrategies(spec.operations[operation].responses[status])
    current: dict[str, Any] = {}
    amazon.script(method, path, lambda _request: body_reply(int(status), current["body"]))
    logged: list[tuple[str, Exception]] = []
    client = SpApiClient(
        SpApiConfig(
            endpoint=amazon.url,
            lwa_endpoint=amazon.url + "/auth/o2/token",
            client_id="amzn1.application-oa2-client.fuzz",
            client_secret="fuzz-secret",
            refresh_token="Atzr|fuzz",
            marketplace_id="ATVPDKIKX0DER",
            seller_id="A2FUZZSELLER",
            read_timeout=5,
        ),
        rate_limiter=NoPacing(),
        sleep=lambda seconds: None,
        on_error=lambda op, exc: logged.append((op, exc)),
        token_cache=TokenCache(),
        rates=RateTable(),
    )
    counts: Counter[str] = Counter()

    def answer(body: Any) -> tuple[Any, MalformedResponseError | None]:
        current["body"] = body
        logged.clear()
        try:
            return call(client), None
        except MalformedResponseError as exc:  # anything else fails the test: a crash
            assert str(exc).startswith(operation) and "MalformedResponse" in str(exc), str(exc)
            assert logged and logged[-1][0] == operation, "the error reached the communication log"
            return None, exc

    @FUZZ
    @given(valid=strategies.valid(), broken=strategies.invalid())
    def run(valid: Any, broken: Mutation) -> None:
        counts["valid"] += 1
        result, error = answer(valid)
        if operation == "searchOrders":
            assert error is None, f"a valid page refused: {error}"
            assert len(result.orders) + len(result.bad_orders) == len(valid["orders"])
            counts["orders_parsed"] += len(result.orders)
            counts["orders_isolated"] += len(result.bad_orders)
        else:
            # A valid body may still be unusable (an empty feedId, an order without its items' ids): refused clearly.
            counts["valid_typed" if error is None else "valid_refused"] += 1

        counts["invalid"] += 1
        counts[f"kind_{broken.kind}"] += 1
        result, error = answer(broken.instance)
        if strict_place(operation, broken.path):
            assert error is not None, f"{broken.kind} at {broken.where} was taken as a good answer"
        if error is not None:
            counts["invalid_refused"] += 1
        elif isinstance(result, types.OrdersPage):
            assert len(result.orders) + len(result.bad_orders) == len(broken.instance["orders"])
            if result.bad_orders:
                counts["invalid_isolated"] += 1
            else:
                counts["invalid_tolerated"] += 1  # e.g. an unknown enum value Amazon adds later
        else:
            counts["invalid_tolerated"] += 1

    try:
        run()
    finally:
        client.close()
    figures(examples=counts["valid"] + counts["invalid"], crashes=0, **counts)
    assert counts["invalid_refused"] > 0


# --- 2. The import, end to end over HTTP ---------------------------------------------------------------------------


# Amazon's fulfillment statuses, those that make a Commerce order first: hypothesis draws the first ones most.
IMPORTABLE_FIRST = [
    "UNSHIPPED",
    "SHIPPED",
    "PARTIALLY_SHIPPED",
    "CANCELLED",
    "PENDING",
    "PENDING_AVAILABILITY",
    "UNFULFILLABLE",
]


def realistic_money() -> st.SearchStrategy[dict[str, str]]:
    """Amounts as Amazon writes them, so that orders get as far as the Commerce order (random text mostly doesn't)."""
    cents = st.integers(min_value=-5_000, max_value=99_999)
    return st.builds(lambda c: {"amount": str(Decimal(c) / 100), "currencyCode": "USD"}, cents)


@pytest.fixture
def scripted_store(amazon, settings, monkeypatch) -> AmazonStore:
    settings.SPAPI_ENDPOINTS = {"na": amazon.url, "eu": amazon.url, "fe": amazon.url}
    settings.LWA_ENDPOINT = amazon.url + "/auth/o2/token"
    monkeypatch.setattr(clients, "client_for_store", lambda store, **extra: fast_client_for(store))
    return AmazonStoreFactory()


@st.composite
def import_runs(draw, strategies: SchemaStrategies) -> list[tuple[dict, str, Mutation | None]]:
    """1-3 pages, each valid, valid with some orders broken, or with its envelope broken: (body, how, mutation)."""
    pages = []
    count = draw(st.integers(1, 3))
    orders = st.lists(strategies.valid({"$ref": "#/definitions/Order"}), min_size=1, max_size=4)
    for number in range(count):
        body = {**draw(strategies.valid()), "orders": draw(orders)}  # the envelope drawn too, never empty
        for index, order in enumerate(body["orders"]):
            order["orderId"] = f"{number + 1:03d}-{index:07d}-0000001"  # distinct: each Amazon order is known
        body.pop("pagination", None)
        if number + 1 < count:
            body["pagination"] = {"nextToken": f"page-{number + 2}"}
        assert strategies.validator.is_valid(body), "ids and tokens set by hand keep the page valid"
        # Mostly pages with broken orders, then whole ones, then broken envelopes (hypothesis favours small numbers).
        how = ["orders"] * 5 + ["valid"] * 3 + ["envelope"] * 2
        how = how[draw(st.integers(0, len(how) - 1))]
        mutation = None
        if how == "orders":
            for _ in range(draw(st.integers(1, 2))):
                mutation = draw(strategies.mutated(body, where=in_order))
                body = mutation.instance
        elif how == "envelope":
            mutation = draw(strategies.mutated(body, where=lambda path: not in_order(path)))
            body = mutation.instance
        pages.append((body, how, mutation))
    return pages


@pytest.mark.django_db
def test_random_pages_import_cleanly_or_stop_cleanly(spec, amazon, scripted_store, figures):
    # Realistic where random text would stop nearly every order before the Commerce order (prices, quantities,
    # who fulfils it); everything else is drawn from the model.
    money = realistic_money()
    price = st.builds(lambda c: {"amount": str(Decimal(c) / 100), "currencyCode": "USD"}, st.integers(1, 99_999))
    quantities = st.integers(min_value=0, max_value=4)
    strategies = SchemaStrategies(
        spec.operations["searchOrders"].responses["200"],
        overrides={
            "Money": money,
            "ItemProduct": st.fixed_dictionaries(
                {"sellerSku": st.from_regex(r"[A-Z]{2}-[0-9]{1,4}", fullmatch=True)},
                optional={"price": st.fixed_dictionaries({"unitPrice": price}), "title": st.text(max_size=40)},
            ),
            "FulfillmentStatus": st.sampled_from(IMPORTABLE_FIRST),
            "OrderItem.orderItemId": st.integers(1, 10**14).map(lambda n: f"{n:014d}"),
            "ItemProceedsBreakdown.type": st.sampled_from(["ITEM", "SHIPPING", "TAX", "DISCOUNT"]),
            "OrderItem.quantityOrdered": quantities,
            "ItemFulfillment.quantityFulfilled": quantities,
            "OrderFulfillment.fulfilledBy": st.sampled_from(["MERCHANT", "AMAZON"]),
            # Mostly the store's own marketplace (the import keeps only those), sometimes another's.
            "SalesChannel.marketplaceId": st.sampled_from([scripted_store.marketplace_id] * 3 + ["A1F83G8C2ARO7P"]),
        },
        always={"Order": {"fulfillment"}},
        max_items=3,
    )
    strategies.overrides["Order.orderItems"] = st.lists(
        strategies.valid({"$ref": "#/definitions/OrderItem"}), min_size=1, max_size=3
    )
    served: dict[str, Any] = {}

    def search(request: Recorded) -> Reply:
        token = (request.query.get("paginationToken") or ["page-1"])[0]
        return body_reply(200, served["pages"][int(token.split("-")[1]) - 1])

    amazon.script("GET", ORDERS, search)
    amazon.script("GET", ORDERS + "/.+", lambda _r: body_reply(404, {"errors": [{"code": "NotFound", "message": "-"}]}))
    counts: Counter[str] = Counter()

    def one_run(pages: list[tuple[dict, str, Mutation | None]]) -> None:
        served["pages"] = [body for body, _how, _m in pages]
        with transaction.atomic():
            check_one_run(scripted_store, pages, counts)
            transaction.set_rollback(True)  # the next example starts from an empty store

    @settings(FUZZ, max_examples=max(10, EXAMPLES * 2 // 3))  # each example is a whole run: fewer, same kinds
    @given(pages=import_runs(strategies))
    def run(pages: list[tuple[dict, str, Mutation | None]]) -> None:
        one_run(pages)

    run()
    # And two runs every time, whatever hypothesis draws: good orders beside a broken one; a broken second envelope.
    good = [make_order(f"900-0000000-000000{n}", items=[make_item(f"9000000000000{n}")]) for n in range(3)]
    broken = make_order("900-0000000-0000009")
    del broken["createdTime"]
    one_run([(search_page([*good, broken]), "orders", None)])
    one_run([(search_page(good, next_token="page-2"), "valid", None), ({"orders": "none"}, "envelope", None)])
    figures(
        examples=counts["runs"],
        crashes=0,
        partial_writes=0,
        duplicates=0,
        **{k: v for k, v in counts.items() if k != "runs"},
    )
    assert counts["stopped_runs"] > 0 and counts["commerce_orders"] > 0 and counts["orders_not_imported"] > 0


def check_one_run(store: AmazonStore, pages: list[tuple[dict, str, Mutation | None]], counts: Counter[str]) -> None:
    counts["runs"] += 1
    result = import_orders(store=store)  # raising here is the crash this test looks for
    stop = next((number for number, (_body, how, _m) in enumerate(pages) if how == "envelope"), None)
    store = AmazonStore.objects.get(pk=store.pk)
    if stop is None:
        assert result.ok, f"the run stopped on an order, not on the page: {result.error}"
        assert store.last_order_sync is not None and store.last_sync_ok
    else:
        counts["stopped_runs"] += 1
        assert not result.ok and "searchOrders" in result.error, result.error
        assert store.last_order_sync is None and not store.last_sync_ok
        logged = CommunicationLog.objects.filter(store=store, operation="searchOrders", code="MalformedResponse")
        assert logged.exists() and all(row.message for row in logged), "the log says why"

    # What the product's own parser makes of the pages the run read, page by page.
    read_pages = pages if stop is None else pages[:stop]
    parsed_ids: dict[str, types.Order] = {}
    bad_ids: set[str] = set()
    bad_without_id = 0
    for body, _how, _m in read_pages:
        page = parsing.parse_search_orders_response(body)
        parsed_ids.update({order.order_id: order for order in page.orders})
        for bad in page.bad_orders:
            if (bad.order_id or "").strip():
                bad_ids.add(bad.order_id)
            else:
                bad_without_id += 1
    unread = (
        {
            order.get("orderId")
            for body, _how, _m in pages[len(read_pages) :]
            for order in (body.get("orders") if isinstance(body, dict) and isinstance(body.get("orders"), list) else [])
            if isinstance(order, dict) and isinstance(order.get("orderId"), str)
        }
        - set(parsed_ids)
        - bad_ids
    )

    rows = {
        row.amazon_order_id: row for row in AmazonOrder.objects.filter(store=store).annotate(item_count=Count("items"))
    }
    assert not (unread & set(rows)), "nothing of a page with a broken envelope is written"
    # Another marketplace's order is another store's (salesChannel.marketplaceId): read, never stored here.
    foreign = {
        amazon_id
        for amazon_id, order in parsed_ids.items()
        if order.marketplace_id and order.marketplace_id != store.marketplace_id
    }
    assert not (foreign & set(rows) - bad_ids), "no other marketplace's order is stored"
    counts["orders_of_other_marketplaces"] += len(foreign)
    parsed_ids = {amazon_id: order for amazon_id, order in parsed_ids.items() if amazon_id not in foreign}
    assert set(rows) == set(parsed_ids) | bad_ids, "every order read is there, and no other"
    set_aside = 0
    for amazon_id, order in parsed_ids.items():
        row = rows[amazon_id]
        if row.needs_refetch:  # read, but not storable as sent (a negative quantity, an amount too large...)
            assert "can't be stored" in row.import_error and row.commerce_order_id is None, row.import_error
            set_aside += 1
            counts["orders_set_aside"] += 1
            continue
        assert row.item_count == len(order.items), f"{amazon_id}: half written (items)"
        if store.import_orders and is_importable(status=row.status, fulfilled_by=row.fulfilled_by):
            assert row.commerce_order_id or row.import_error, f"{amazon_id}: neither imported nor said why"
        else:
            assert row.commerce_order_id is None
        counts["commerce_orders" if row.commerce_order_id else "orders_not_imported"] += 1
    for amazon_id in bad_ids:
        row = rows[amazon_id]
        assert row.needs_refetch and row.import_error and row.commerce_order_id is None, "visible as not imported"
    unreadable = CommunicationLog.objects.filter(store=store, code="UnreadableOrder").count()
    assert unreadable == len(bad_ids) + bad_without_id + set_aside
    counts["orders_isolated"] += len(bad_ids) + bad_without_id
    counts["orders_read"] += len(parsed_ids) + len(bad_ids) + bad_without_id

    # Commerce: one order per Amazon order, each whole.
    numbers = Counter(Order.objects.filter(channel="amazon").values_list("external_order_number", flat=True))
    assert all(n == 1 for n in numbers.values()), "a duplicate Commerce order"
    linked = {row.commerce_order_id: row.amazon_order_id for row in rows.values() if row.commerce_order_id}
    commerce = Order.objects.filter(channel="amazon").annotate(
        n_items=Count("items", distinct=True),
        n_addresses=Count("addresses", distinct=True),
        n_invoices=Count("invoices", distinct=True),
    )
    assert len(commerce) == len(linked)
    for order in commerce:
        assert linked.get(order.pk) == order.external_order_number, "a Commerce order with no Amazon order"
        assert order.n_items >= 1 and order.n_addresses == 2 and order.n_invoices >= 1, (
            f"Commerce order {order.external_order_number} half written: {order.n_items} items, "
            f"{order.n_addresses} addresses, {order.n_invoices} invoices"
        )


# --- 3. The sandbox's response check -------------------------------------------------------------------------------

# Every distinct schema the sandbox checks, by an operation and status (or "request") that has it.
CHECKED = [
    ("searchOrders", "200"),
    ("searchOrders", "400"),
    ("getOrder", "200"),
    ("confirmShipment", "request"),
    ("confirmShipment", "400"),
    ("createFeedDocument", "request"),
    ("createFeedDocument", "201"),
    ("createFeed", "request"),
    ("createFeed", "202"),
    ("getFeed", "200"),
    ("getFeed", "400"),
    ("getFeedDocument", "200"),
    ("updateShipmentStatus", "request"),  # v0, for in-store pickup orders
    ("updateShipmentStatus", "400"),
]


def checked_schema(spec: Spec, operation: str, status: str) -> dict:
    op = spec.operations[operation]
    return op.body_schema if status == "request" else op.responses[status]


def test_the_list_covers_every_schema_the_sandbox_checks(spec):
    def key(schema: dict) -> tuple[int, str]:
        return id(schema["definitions"]), json.dumps({k: v for k, v in schema.items() if k != "definitions"})

    served = {key(s) for op in spec.operations.values() for s in [op.body_schema, *op.responses.values()] if s}
    assert {key(checked_schema(spec, *pair)) for pair in CHECKED} == served


@pytest.mark.parametrize("operation,status", CHECKED)
def test_the_sandboxs_fast_check_agrees_with_jsonschema(spec, figures, operation, status):
    schema = checked_schema(spec, operation, status)
    strategies = SchemaStrategies(schema)
    reference = jsonschema.Draft4Validator(schema, format_checker=FORMAT_CHECKER)
    counts: Counter[str] = Counter()

    def agree(instance: Any) -> bool:
        fast_says_ok = spec.schema_errors(schema, instance) == []
        assert fast_says_ok == reference.is_valid(instance), (
            f"Spec.schema_errors and jsonschema disagree on {json.dumps(instance)[:500]}"
        )
        return fast_says_ok

    @FUZZ
    @given(valid=strategies.valid(), broken=strategies.invalid())
    def run(valid: Any, broken: Mutation) -> None:
        assert agree(valid)
        assert not agree(broken.instance)
        counts["valid"] += 1
        counts["invalid"] += 1

    run()
    figures(examples=counts["valid"] + counts["invalid"], disagreements=0, **counts)
