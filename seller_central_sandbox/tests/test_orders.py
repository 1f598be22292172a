"""Orders API v2026-01-01: searchOrders and getOrder, over HTTP, as Amazon answers them."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import ORDERS, US, Amazon

ALL = "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PACKAGES,CANCELLATION"


def iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(**delta: float) -> str:
    return iso(dt.datetime.now(dt.UTC) - dt.timedelta(**delta))


def all_pages(amazon: Amazon, **params) -> list[dict]:
    orders, token = [], None
    while True:
        response = amazon.search(**params, **({"paginationToken": token} if token else {}))
        assert response.status_code == 200, response.text
        body = response.json()
        orders += body["orders"]
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            return orders


@pytest.mark.sandbox(orders=120)
def test_search_pages_through_every_order_once_in_update_order(amazon: Amazon):
    found = all_pages(amazon, lastUpdatedAfter=ago(days=30), maxResultsPerPage=7)

    # Up to when the search looked, as the first page said (the sandbox clock is stable within a second).
    cutoff = amazon.handle.control.ledger("searchOrders")[0]["response"]
    cutoff = cutoff["lastUpdatedBefore"] if cutoff else ago(minutes=2)
    sandbox_orders = amazon.handle.control.orders()
    searched_at = iso(dt.datetime.fromisoformat(cutoff) + dt.timedelta(minutes=2))
    visible = [o for o in sandbox_orders if o["indexed_at"] <= searched_at and o["last_updated"] <= cutoff]

    assert [o["orderId"] for o in found] == [
        o["order_id"] for o in sorted(visible, key=lambda o: (o["last_updated"], o["order_id"]))
    ]
    assert len(amazon.handle.control.ledger("searchOrders")) == -(-len(found) // 7)


@pytest.mark.sandbox(orders=60)
def test_response_has_no_payload_wrapper_and_says_up_to_when_it_looked(amazon: Amazon):
    before = ago(minutes=30)
    body = amazon.search(lastUpdatedAfter=ago(days=30), lastUpdatedBefore=before).json()

    assert "payload" not in body
    assert body["lastUpdatedBefore"] == before
    assert all(o["lastUpdatedTime"] <= before for o in body["orders"])

    implicit = amazon.search(createdAfter=ago(days=30)).json()
    assert implicit["createdBefore"] <= ago(minutes=2)
    assert "lastUpdatedBefore" not in implicit


@pytest.mark.sandbox(orders=150)
def test_filters_by_status_marketplace_and_fulfillment(amazon: Amazon):
    found = all_pages(
        amazon,
        createdAfter=ago(days=30),
        fulfillmentStatuses="UNSHIPPED,PARTIALLY_SHIPPED",
        marketplaceIds=US,
        fulfilledBy="MERCHANT",
        includedData="FULFILLMENT",
    )

    assert found
    for order in found:
        assert order["salesChannel"]["marketplaceId"] == US
        assert order["fulfillment"]["fulfilledBy"] == "MERCHANT"
        assert order["fulfillment"]["fulfillmentStatus"] in {"UNSHIPPED", "PARTIALLY_SHIPPED"}


@pytest.mark.parametrize(
    ("params", "complaint"),
    [
        ({}, "Exactly one of createdAfter and lastUpdatedAfter"),
        ({"createdAfter": "2025-01-01T00:00:00Z", "lastUpdatedAfter": "2025-01-01T00:00:00Z"}, "Exactly one"),
        ({"createdAfter": "2025-01-01T00:00:00Z", "lastUpdatedBefore": "2025-01-02T00:00:00Z"}, "cannot be combined"),
        ({"lastUpdatedAfter": "yesterday"}, "not an ISO 8601 date-time"),
        ({"lastUpdatedAfter": "2025-01-01T00:00:00Z", "maxResultsPerPage": 101}, "between 1 and 100"),
        ({"lastUpdatedAfter": "2025-01-01T00:00:00Z", "maxResultsPerPage": "ten"}, "not an integer"),
        ({"lastUpdatedAfter": "2025-01-01T00:00:00Z", "fulfillmentStatuses": "SHIPPED,LOST"}, "'LOST' is not one of"),
        ({"lastUpdatedAfter": "2025-01-01T00:00:00Z", "includedData": "BUYERS"}, "'BUYERS' is not one of"),
        ({"lastUpdatedAfter": "2025-01-01T00:00:00Z", "paginationToken": "forged"}, "Invalid paginationToken"),
        ({"lastUpdatedAfter": "2025-01-01T00:00:00Z", "nextToken": "abc"}, "Unknown query parameter 'nextToken'"),
    ],
)
def test_requests_that_break_the_rules_get_amazons_400(amazon: Amazon, params, complaint):
    response = amazon.search(**params)

    assert response.status_code == 400
    [problem] = response.json()["errors"]
    assert problem["code"] == "InvalidInput"
    assert complaint in problem["message"]


def test_before_must_be_two_minutes_in_the_past(amazon: Amazon):
    too_recent = amazon.search(lastUpdatedAfter=ago(hours=1), lastUpdatedBefore=ago(seconds=60))
    fine = amazon.search(lastUpdatedAfter=ago(hours=1), lastUpdatedBefore=ago(seconds=130))

    assert too_recent.status_code == 400
    assert "two minutes" in too_recent.json()["errors"][0]["message"]
    assert fine.status_code == 200


def test_repeated_list_parameters_are_refused(amazon: Amazon):
    response = amazon.get(
        ORDERS, params=[("lastUpdatedAfter", ago(hours=1)), ("includedData", "BUYER"), ("includedData", "RECIPIENT")]
    )

    assert response.status_code == 400
    assert "comma-separated" in response.json()["errors"][0]["message"]


@pytest.mark.sandbox(orders=30)
def test_pagination_token_holds_the_other_parameters(amazon: Amazon):
    after = ago(days=30)
    first = amazon.search(lastUpdatedAfter=after, maxResultsPerPage=5).json()
    token = first["pagination"]["nextToken"]

    other_filter = amazon.search(lastUpdatedAfter=ago(days=29), paginationToken=token)
    bigger_page = amazon.search(lastUpdatedAfter=after, paginationToken=token, maxResultsPerPage=50)

    assert other_filter.status_code == 400
    assert bigger_page.status_code == 200
    assert not {o["orderId"] for o in first["orders"]} & {o["orderId"] for o in bigger_page.json()["orders"]}


@pytest.mark.sandbox(orders=30)
def test_pagination_token_expires_after_24_hours(amazon: Amazon):
    after = ago(days=30)
    token = amazon.search(lastUpdatedAfter=after, maxResultsPerPage=5).json()["pagination"]["nextToken"]
    amazon.handle.control.advance(24 * 3600 + 1)
    amazon.access_token = None

    response = amazon.search(lastUpdatedAfter=after, paginationToken=token)

    assert response.status_code == 400
    assert "expired" in response.json()["errors"][0]["message"]


def test_included_data_decides_which_sections_appear(amazon: Amazon):
    control = amazon.handle.control
    [order_id] = control.add_orders(1, status="SHIPPED", fulfilled_by="MERCHANT", buyer_withheld=False, items=2)

    bare = amazon.get(f"{ORDERS}/{order_id}").json()["order"]
    full = amazon.get(f"{ORDERS}/{order_id}", params={"includedData": ALL}).json()["order"]

    assert not {"buyer", "recipient", "proceeds", "fulfillment", "packages"} & set(bare)
    assert {"buyer", "recipient", "proceeds", "fulfillment", "packages"} <= set(full)
    assert full["buyer"]["buyerName"]
    assert full["recipient"]["deliveryAddress"]["addressLine1"]
    assert full["fulfillment"] | {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "MERCHANT"} == full["fulfillment"]
    assert len(full["orderItems"]) == 2
    assert all(
        "proceeds" in item and "proceeds" not in bare_item
        for item, bare_item in zip(full["orderItems"], bare["orderItems"], strict=True)
    )


def test_amazon_fulfilled_orders_show_no_buyer_name_or_street(amazon: Amazon):
    [order_id] = amazon.handle.control.add_orders(1, status="SHIPPED", fulfilled_by="AMAZON", business=False)

    order = amazon.get(f"{ORDERS}/{order_id}", params={"includedData": ALL}).json()["order"]

    assert "buyerName" not in order.get("buyer", {})
    assert set(order["recipient"]["deliveryAddress"]) == {"city", "stateOrRegion", "postalCode", "countryCode"}


def test_pending_orders_have_no_prices_and_no_buyer(amazon: Amazon):
    [order_id] = amazon.handle.control.add_orders(1, status="PENDING", fulfilled_by="MERCHANT", buyer_withheld=False)

    order = amazon.get(f"{ORDERS}/{order_id}", params={"includedData": ALL}).json()["order"]

    assert order["fulfillment"]["fulfillmentStatus"] == "PENDING"
    assert "proceeds" not in order and "buyer" not in order
    assert all("price" not in item["product"] for item in order["orderItems"])


@pytest.mark.parametrize(("marketplace", "currency", "places"), [(US, "USD", 2), ("A1VC38T7YXB528", "JPY", 0)])
def test_money_comes_in_the_marketplace_currency(amazon: Amazon, marketplace, currency, places):
    [order_id] = amazon.handle.control.add_orders(1, status="UNSHIPPED", marketplace_id=marketplace)

    order = amazon.get(f"{ORDERS}/{order_id}", params={"includedData": "PROCEEDS"}).json()["order"]

    total = order["proceeds"]["grandTotal"]
    assert total["currencyCode"] == currency
    assert len(total["amount"].partition(".")[2]) == places
    items = sum(float(i["proceeds"]["proceedsTotal"]["amount"]) for i in order["orderItems"])
    assert float(total["amount"]) == pytest.approx(items)


def test_orders_move_pending_to_unshipped_to_shipped_as_the_clock_advances(amazon: Amazon):
    control = amazon.handle.control
    [order_id] = control.add_orders(1, status="PENDING", fulfilled_by="AMAZON")
    created = control.order(order_id)["last_updated"]

    control.advance(45 * 60)
    released = control.order(order_id)
    control.advance(13 * 3600)
    shipped = control.order(order_id)

    assert released["status"] == "UNSHIPPED"
    assert released["last_updated"] > created
    assert shipped["status"] == "SHIPPED"
    assert all(i["quantity_shipped"] == i["quantity"] for i in shipped["items"])


def test_late_indexed_orders_appear_later_with_an_older_update_time(amazon: Amazon):
    control = amazon.handle.control
    [order_id] = control.add_orders(1, status="UNSHIPPED", late_indexed=True, lifecycle=False)
    updated = control.order(order_id)["last_updated"]
    control.advance(121)
    amazon.access_token = None

    early = {o["orderId"] for o in amazon.search(lastUpdatedAfter=ago(hours=1)).json()["orders"]}
    control.advance(300)
    late = amazon.search(lastUpdatedAfter=ago(hours=1)).json()["orders"]

    assert order_id not in early
    [appeared] = [o for o in late if o["orderId"] == order_id]
    assert appeared["lastUpdatedTime"] == updated


def test_get_order_not_found_and_bad_ids(amazon: Amazon):
    assert amazon.get(f"{ORDERS}/111-0000000-0000000").status_code == 404
    bad = amazon.get(f"{ORDERS}/not-an-order")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == "InvalidInput"


def test_seed_decides_the_orders(sandbox):
    control = sandbox.control

    def snapshot() -> list[tuple]:
        return sorted(
            (
                o["order_id"],
                o["marketplace_id"],
                o["fulfilled_by"],
                tuple((i["seller_sku"], i["quantity"], i["unit_price"]) for i in o["items"]),
            )
            for o in control.orders()
        )

    control.reset(seed=7, orders=40)
    first = snapshot()
    control.reset(seed=7, orders=40)
    again = snapshot()
    control.reset(seed=8, orders=40)
    other = snapshot()

    assert first == again
    assert first != other
    assert all(len(o[0]) == 19 and o[0][3] == "-" and o[0][11] == "-" for o in first)
    assert all(
        i[0] and all(c.isdigit() for c in item["order_item_id"])
        for i in first
        for o in control.orders()
        for item in o["items"]
    )


def test_buyer_cancel_request_and_in_store_pickup_are_on_the_wire_and_valid(amazon: Amazon):
    control = amazon.handle.control
    [asked] = control.add_orders(1, status="UNSHIPPED", fulfilled_by="MERCHANT", buyer_requests_cancel=True, items=2)
    [pickup] = control.add_orders(1, status="UNSHIPPED", fulfilled_by="MERCHANT", in_store_pickup=True)

    order = amazon.get(f"{ORDERS}/{asked}", params={"includedData": ALL}).json()["order"]
    assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    assert [i["cancellation"] for i in order["orderItems"]] == [
        {"cancellationRequest": {"requester": "BUYER", "cancelReason": "Ordered by mistake"}}
    ] * 2
    assert "IN_STORE_PICK_UP" in amazon.get(f"{ORDERS}/{pickup}").json()["order"]["programs"]

    control.set_status(asked, "CANCELLED")  # once cancelled, the execution replaces the request
    order = amazon.get(f"{ORDERS}/{asked}", params={"includedData": ALL}).json()["order"]
    assert "cancellationRequest" in order["orderItems"][0]["cancellation"]  # Amazon keeps who asked
    assert order["orderItems"][0]["cancellation"]["cancellationExecution"]["cancelledBy"] == "AMAZON"
    assert control.order(asked)["cancel_request"] is None
    assert control.schema_errors() == []
