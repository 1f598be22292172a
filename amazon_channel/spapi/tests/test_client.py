"""The client over real HTTP against a scripted server: auth, headers, retries, errors, pagination, operations."""

from __future__ import annotations

import gzip
import itertools
import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from amazon_channel.spapi import errors, types

from .conftest import utc
from .factories import make_item, make_order, search_page
from .scripted_server import Reply, errors_reply

ORDERS = "/orders/2026-01-01/orders"
AFTER = datetime(2026, 11, 1, tzinfo=UTC)


def order_path(order_id: str) -> str:
    return f"{ORDERS}/{order_id}"


# --- Login with Amazon ----------------------------------------------------------------------------------------------


def test_exchanges_the_refresh_token_and_sends_the_documented_headers(server, make_client, spapi_model):
    server.script("GET", order_path("111-1"), Reply(200, {"order": make_order("111-1")}))
    client = make_client()

    order = client.get_order("111-1")

    assert order.order_id == "111-1"
    (token_call,) = server.token_calls()
    assert token_call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert token_call.form == {
        "grant_type": "refresh_token",
        "refresh_token": "Atzr|test-refresh-token",
        "client_id": "amzn1.application-oa2-client.test",
        "client_secret": "test-client-secret",
    }
    assert "x-amz-access-token" not in token_call.headers
    (call,) = server.api_calls()
    assert call.headers["x-amz-access-token"] == "Atza|token-1"
    assert re.fullmatch(r"\d{8}T\d{6}Z", call.headers["x-amz-date"])
    sent_at = datetime.strptime(call.headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(sent_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert re.fullmatch(r"AmazonChannelForCommerce/[\d.]+ \(Language=Python/3\.\d+\)", call.headers["user-agent"])
    assert call.headers["accept"] == "application/json"
    assert call.query["includedData"] == ["BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PACKAGES,CANCELLATION,TAX"]
    assert spapi_model.validate_request(call) == "getOrder"


def test_caches_the_access_token_until_a_minute_before_it_expires(server, make_client, fake_time):
    server.script("GET", order_path("111-1"), Reply(200, {"order": make_order("111-1")}))
    client = make_client()

    client.get_order("111-1")
    fake_time.advance(3600 - 61)
    client.get_order("111-1")
    assert len(server.token_calls()) == 1

    fake_time.advance(2)  # now within 60 s of expiry: refresh before Amazon would refuse it
    client.get_order("111-1")

    assert len(server.token_calls()) == 2
    assert [c.headers["x-amz-access-token"] for c in server.api_calls()] == [
        "Atza|token-1",
        "Atza|token-1",
        "Atza|token-2",
    ]


def test_clients_of_the_same_credentials_share_one_token(server, make_client):
    from amazon_channel.spapi import SpApiClient
    from amazon_channel.spapi.auth import TokenCache

    server.script("GET", order_path("111-1"), Reply(200, {"order": make_order("111-1")}))
    first = make_client()
    cache = TokenCache()
    clients = [SpApiClient(first.config, rate_limiter=first._limiter, token_cache=cache) for _ in range(3)]
    for client in clients:
        client.get_order("111-1")
        client.close()

    assert len(server.token_calls()) == 1


def test_a_token_amazon_says_expired_is_refreshed_once_and_the_call_retried(server, make_client):
    expired = errors_reply(
        403, "Unauthorized", "Access to requested resource is denied.", "The access token you provided has expired."
    )
    server.script("GET", order_path("111-1"), expired, Reply(200, {"order": make_order("111-1")}))
    failures = []
    client = make_client(on_error=lambda op, exc: failures.append((op, exc)))

    order = client.get_order("111-1")

    assert order.order_id == "111-1"
    assert len(server.token_calls()) == 2
    assert [c.headers["x-amz-access-token"] for c in server.api_calls()] == ["Atza|token-1", "Atza|token-2"]
    assert [(op, type(exc)) for op, exc in failures] == [("getOrder", errors.AuthError)]


def test_a_token_refused_again_after_refresh_is_an_auth_error_not_a_loop(server, make_client):
    server.script(
        "GET",
        order_path("111-1"),
        errors_reply(403, "Unauthorized", "Access to requested resource is denied.", "The access token is invalid."),
    )
    client = make_client()

    with pytest.raises(errors.AuthError) as caught:
        client.get_order("111-1")

    assert caught.value.status == 403
    assert caught.value.code == "Unauthorized"
    assert len(server.api_calls()) == 2
    assert len(server.token_calls()) == 2


def test_an_access_denied_403_without_token_trouble_is_not_retried(server, make_client):
    denied = errors_reply(403, "Unauthorized", "Access to requested resource is denied.")
    server.script("GET", order_path("111-1"), denied)
    client = make_client()

    with pytest.raises(errors.AuthError):
        client.get_order("111-1")

    assert len(server.api_calls()) == 1
    assert len(server.token_calls()) == 1


@pytest.mark.parametrize(
    ("status", "error", "description"),
    [
        (401, "invalid_client", "Client authentication failed"),
        (400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"),
    ],
)
def test_wrong_credentials_are_an_auth_error_with_lwas_description(server, make_client, status, error, description):
    server.script("POST", "/auth/o2/token", Reply(status, {"error": error, "error_description": description}))
    failures = []
    client = make_client(on_error=lambda op, exc: failures.append(op))

    with pytest.raises(errors.AuthError) as caught:
        client.get_order("111-1")

    assert caught.value.code == error
    assert caught.value.message == description
    assert description in str(caught.value)
    assert len(server.token_calls()) == 1  # never retried
    assert server.api_calls() == []  # never reached the SP-API
    assert failures == ["lwaToken"]


def test_lwa_outage_is_retried(server, make_client):
    server.script("POST", "/auth/o2/token", Reply(503, body=b"<html>busy</html>"), server.issue_token())
    server.script("GET", order_path("111-1"), Reply(200, {"order": make_order("111-1")}))
    client = make_client()

    assert client.get_order("111-1").order_id == "111-1"
    assert len(server.token_calls()) == 2


# --- errors and retries ---------------------------------------------------------------------------------------------


def test_a_400_is_raised_at_once_with_amazons_code_message_details_and_request_id(server, make_client):
    server.script(
        "GET", ORDERS, errors_reply(400, "InvalidInput", "Invalid createdAfter", "createdAfter is in the future")
    )
    failures = []
    client = make_client(on_error=lambda op, exc: failures.append((op, exc)))

    with pytest.raises(errors.InvalidRequestError) as caught:
        client.search_orders(created_after=AFTER)

    exc = caught.value
    assert (exc.operation, exc.status, exc.code) == ("searchOrders", 400, "InvalidInput")
    assert exc.message == "Invalid createdAfter"
    assert exc.details == "createdAfter is in the future"
    assert exc.request_id == "req-400-InvalidInput"
    assert len(server.api_calls()) == 1
    assert failures == [("searchOrders", exc)]


def test_a_missing_order_is_not_found(server, make_client):
    server.script("GET", order_path("111-9"), errors_reply(404, "NotFound", "Order not found"))
    client = make_client()

    with pytest.raises(errors.NotFoundError) as caught:
        client.get_order("111-9")

    assert caught.value.code == "NotFound"
    assert len(server.api_calls()) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_with_growing_jittered_pauses(server, make_client, fake_time, status):
    failing = errors_reply(status, "InternalFailure", "We encountered an internal error.")
    server.script("GET", order_path("111-1"), failing, failing, failing, Reply(200, {"order": make_order("111-1")}))
    failures = []
    client = make_client(on_error=lambda op, exc: failures.append(exc))

    assert client.get_order("111-1").order_id == "111-1"

    assert len(server.api_calls()) == 4
    assert len(failures) == 3
    assert all(isinstance(exc, errors.ServerError) and exc.status == status for exc in failures)
    pauses = fake_time.sleeps
    assert len(pauses) == 3
    for attempt, pause in enumerate(pauses):  # full jitter: anywhere in [0, base * 2^attempt]
        assert 0 <= pause <= 1.0 * 2**attempt


def test_server_errors_give_up_after_max_retries(server, make_client, fake_time):
    server.script("GET", order_path("111-1"), errors_reply(500, "InternalFailure", "Boom"))
    failures = []
    client = make_client(max_retries=3, on_error=lambda op, exc: failures.append(exc))

    with pytest.raises(errors.ServerError) as caught:
        client.get_order("111-1")

    assert caught.value.message == "Boom"
    assert caught.value.request_id == "req-500-InternalFailure"
    assert len(server.api_calls()) == 4  # first try + 3 retries
    assert len(failures) == 4
    assert failures[-1] is caught.value


def test_retry_after_is_respected(server, make_client, fake_time):
    server.script(
        "GET",
        order_path("111-1"),
        errors_reply(503, "ServiceUnavailable", "Try later", **{"Retry-After": "7"}),
        Reply(200, {"order": make_order("111-1")}),
    )
    client = make_client()

    client.get_order("111-1")

    assert fake_time.sleeps == [7.0]


def test_retries_stop_when_the_total_wait_budget_is_spent(server, make_client, fake_time):
    server.script("GET", order_path("111-1"), errors_reply(503, "ServiceUnavailable", "Later", **{"Retry-After": "50"}))
    client = make_client(max_retries=10, max_retry_wait=120)

    with pytest.raises(errors.ServerError):
        client.get_order("111-1")

    assert fake_time.sleeps == [50.0, 50.0]  # a third pause would exceed 120 s
    assert len(server.api_calls()) == 3


def test_a_429_storm_is_ridden_out_and_then_succeeds(server, make_client, fake_time):
    throttled = errors_reply(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
    server.script("GET", order_path("111-1"), throttled, throttled, throttled, Reply(200, {"order": make_order()}))
    client = make_client()

    assert client.get_order("111-1").order_id == "111-0000001-0000001"
    assert len(server.api_calls()) == 4
    # After each 429 the bucket is drained, so every retry also waits for a fresh token (getOrder: 0.5/s => 2 s).
    api_times = [c.at for c in server.api_calls()]
    assert all(later - earlier >= 2.0 - 1e-6 for earlier, later in itertools.pairwise(api_times))


def test_endless_429_is_a_throttled_error(server, make_client):
    server.script("GET", order_path("111-1"), errors_reply(429, "QuotaExceeded", "You exceeded your quota."))
    client = make_client(max_retries=2)

    with pytest.raises(errors.ThrottledError) as caught:
        client.get_order("111-1")

    assert caught.value.code == "QuotaExceeded"
    assert len(server.api_calls()) == 3


def test_a_read_timeout_is_retried_then_reported(server, make_client):
    slow = Reply(200, {"order": make_order()}, delay=0.6)
    server.script("GET", order_path("111-1"), slow, Reply(200, {"order": make_order("111-1")}))
    client = make_client(read_timeout=0.2)

    started = time.monotonic()
    assert client.get_order("111-1").order_id == "111-1"
    assert time.monotonic() - started < 2

    server.script("GET", order_path("111-2"), Reply(200, {"order": make_order()}, delay=0.6))
    failures = []
    client = make_client(read_timeout=0.2, max_retries=1, on_error=lambda op, exc: failures.append(exc))
    with pytest.raises(errors.TransportError) as caught:
        client.get_order("111-2")
    assert caught.value.code == "Timeout"
    assert len(failures) == 2


def test_a_dropped_connection_is_retried(server, make_client):
    server.script("GET", order_path("111-1"), Reply(drop=True), Reply(200, {"order": make_order("111-1")}))
    client = make_client()

    assert client.get_order("111-1").order_id == "111-1"
    assert len(server.calls(order_path("111-1"))) == 2


def test_a_refused_connection_is_a_transport_error(make_client):
    client = make_client(endpoint="http://127.0.0.1:9", lwa_endpoint="http://127.0.0.1:9/auth/o2/token", max_retries=1)

    with pytest.raises(errors.TransportError) as caught:
        client.get_order("111-1")

    assert caught.value.code == "ConnectionError"


def test_truncated_json_is_retried(server, make_client):
    body = {"order": make_order("111-1")}
    server.script("GET", order_path("111-1"), Reply(200, body, truncate_to=40), Reply(200, body))
    client = make_client()

    assert client.get_order("111-1").order_id == "111-1"
    assert len(server.calls(order_path("111-1"))) == 2


def test_a_body_that_is_never_json_is_a_malformed_response(server, make_client):
    server.script("GET", order_path("111-1"), Reply(200, body=b'{"order": {"orderId"'))
    client = make_client(max_retries=2)

    with pytest.raises(errors.MalformedResponseError):
        client.get_order("111-1")

    assert len(server.api_calls()) == 3


def test_a_response_of_the_wrong_shape_is_malformed_and_not_retried(server, make_client):
    server.script("GET", ORDERS, Reply(200, {"payload": {"Orders": []}}))  # the old v0 shape
    failures = []
    client = make_client(on_error=lambda op, exc: failures.append(exc))

    with pytest.raises(errors.MalformedResponseError) as caught:
        client.search_orders(created_after=AFTER)

    assert "orders" in caught.value.message
    assert len(server.api_calls()) == 1
    assert failures == [caught.value]


def test_a_failing_on_error_callback_does_not_break_the_call(server, make_client):
    server.script("GET", order_path("111-1"), errors_reply(500, "X", "Y"), Reply(200, {"order": make_order("111-1")}))

    def broken(op, exc):
        raise RuntimeError("log table is gone")

    assert make_client(on_error=broken).get_order("111-1").order_id == "111-1"


def test_errors_survive_pickling_for_celery():
    import pickle

    error = errors.ThrottledError("searchOrders", 429, "QuotaExceeded", "slow down", "req-1", "details")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.ThrottledError
    assert (copy.operation, copy.status, copy.code, copy.message, copy.request_id, copy.details) == (
        "searchOrders",
        429,
        "QuotaExceeded",
        "slow down",
        "req-1",
        "details",
    )


# --- searchOrders ---------------------------------------------------------------------------------------------------


def test_search_orders_sends_every_filter_as_the_model_defines_it(server, make_client, spapi_model):
    server.script("GET", ORDERS, Reply(200, search_page([])))
    client = make_client()

    client.search_orders(
        last_updated_after=datetime(2026, 11, 1, 8, 30, tzinfo=timezone_plus(2)),
        last_updated_before=datetime(2026, 11, 2, tzinfo=UTC),
        fulfillment_statuses=["UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"],
        fulfilled_by=["MERCHANT"],
        marketplace_ids=["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
        max_results_per_page=50,
    )

    (call,) = server.api_calls()
    assert spapi_model.validate_request(call) == "searchOrders"
    assert call.query == {
        "lastUpdatedAfter": ["2026-11-01T06:30:00Z"],
        "lastUpdatedBefore": ["2026-11-02T00:00:00Z"],
        "fulfillmentStatuses": ["UNSHIPPED,PARTIALLY_SHIPPED,SHIPPED"],
        "fulfilledBy": ["MERCHANT"],
        "marketplaceIds": ["ATVPDKIKX0DER,A2EUQ1WTGCTBG2"],
        "includedData": ["BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PACKAGES,CANCELLATION,TAX"],
        "maxResultsPerPage": ["50"],
    }


def timezone_plus(hours: int):
    from datetime import timezone

    return timezone(timedelta(hours=hours))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"created_after": AFTER, "last_updated_after": AFTER},
        {"created_after": AFTER, "last_updated_before": AFTER},
        {"last_updated_after": AFTER, "created_before": AFTER},
        {"created_after": AFTER, "max_results_per_page": 101},
        {"created_after": datetime(2026, 11, 1)},  # naive: which timezone?
    ],
)
def test_search_orders_refuses_filters_amazon_would_reject_without_calling(server, make_client, kwargs):
    client = make_client()

    with pytest.raises(ValueError):
        client.search_orders(**kwargs)

    assert server.requests == []


def test_search_orders_defaults_to_the_stores_marketplace(server, make_client, spapi_model):
    server.script("GET", ORDERS, Reply(200, search_page([])))
    make_client(marketplace_id="A1F83G8C2ARO7P").search_orders(created_after=AFTER)

    (call,) = server.api_calls()
    assert call.query["marketplaceIds"] == ["A1F83G8C2ARO7P"]
    assert call.query["createdAfter"] == ["2026-11-01T00:00:00Z"]
    spapi_model.validate_request(call)


def test_search_orders_returns_typed_orders_and_amazons_window(server, make_client, spapi_model):
    body = search_page(
        [
            make_order(
                "111-1",
                programs=["PRIME", "AMAZON_BUSINESS"],
                items=[make_item("1001", quantity=2, unit_price="10.00", discount="2.00", shipped=1)],
                total="26.99",
            ),
            make_order("111-2", status="SHIPPED", fulfilled_by="AMAZON", with_buyer=False),
            make_order("111-3", status="PENDING", items=[make_item("3001", unit_price=None)], total=None),
        ],
        lastUpdatedBefore="2026-11-20T12:00:00Z",
    )
    spapi_model.validate_response("searchOrders", 200, body)
    server.script("GET", ORDERS, Reply(200, body))

    page = make_client().search_orders(last_updated_after=AFTER)

    assert page.bad_orders == []
    assert page.next_token is None
    assert page.last_updated_before == utc("2026-11-20T12:00:00Z")
    assert page.created_before is None
    first, amazon_fulfilled, pending = page.orders
    assert first.order_id == "111-1"
    assert first.purchase_date == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert first.fulfillment_status == "UNSHIPPED"
    assert first.fulfilled_by == "MERCHANT"
    assert first.ship_service_level == "STANDARD"
    assert first.latest_ship_date == datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC)
    assert (first.is_prime, first.is_business, first.is_premium) == (True, True, False)
    assert first.buyer == types.Buyer(name="Jane Doe", email="jane@marketplace.amazon.com", company=None)
    assert first.recipient.address_lines == ["1 Main St", "Apt 2"]
    assert (first.recipient.city, first.recipient.postal_code, first.recipient.country_code) == (
        "Seattle",
        "98101",
        "US",
    )
    assert first.order_total == types.Money(Decimal("26.99"), "USD")
    (item,) = first.items
    assert (item.order_item_id, item.seller_sku) == ("1001", "SKU-1")
    assert (item.quantity_ordered, item.quantity_shipped) == (2, 1)
    assert item.unit_price == types.Money(Decimal("10.00"), "USD")
    assert item.item_price == types.Money(Decimal("20.00"), "USD")
    assert item.item_tax == types.Money(Decimal("1.60"), "USD")
    assert item.shipping_price == types.Money(Decimal("4.99"), "USD")
    assert item.shipping_tax == types.Money(Decimal("0.40"), "USD")
    assert item.promotion_discount == types.Money(Decimal("2.00"), "USD")
    assert item.shipping_discount is None
    assert amazon_fulfilled.buyer is None and amazon_fulfilled.recipient is None
    assert amazon_fulfilled.fulfilled_by == "AMAZON"
    assert pending.order_total is None
    assert pending.items[0].unit_price is None and pending.items[0].item_price is None


def test_an_order_that_fails_to_parse_is_isolated_in_bad_orders(server, make_client):
    broken = make_order("111-2")
    del broken["createdTime"]
    odd_money = make_order("111-3", total="twelve")
    server.script("GET", ORDERS, Reply(200, search_page([make_order("111-1"), broken, odd_money, make_order("111-4")])))

    page = make_client().search_orders(created_after=AFTER)

    assert [o.order_id for o in page.orders] == ["111-1", "111-4"]
    assert [b.order_id for b in page.bad_orders] == ["111-2", "111-3"]
    assert "createdTime" in page.bad_orders[0].error
    assert page.bad_orders[1].raw["proceeds"]["grandTotal"]["amount"] == "twelve"


def test_unknown_fields_amazon_adds_later_are_tolerated(server, make_client):
    order = make_order("111-1")
    order["sustainabilityScore"] = {"grade": "A"}
    order["orderItems"][0]["product"]["hologram"] = True
    order["fulfillment"]["droneLane"] = 7
    server.script("GET", ORDERS, Reply(200, search_page([order], newTopLevel=[1, 2])))

    page = make_client().search_orders(created_after=AFTER)

    assert [o.order_id for o in page.orders] == ["111-1"]
    assert page.orders[0].raw["sustainabilityScore"] == {"grade": "A"}


def test_iter_search_orders_follows_pagination_across_many_pages(server, make_client, spapi_model):
    pages = 12
    per_page = 3

    def respond(request):
        token = request.query.get("paginationToken", ["page-0"])[0]
        number = int(token.split("-")[1])
        orders = [make_order(f"111-{number:02d}-{i}") for i in range(per_page)]
        next_token = f"page-{number + 1}" if number + 1 < pages else None
        return Reply(200, search_page(orders, next_token, lastUpdatedBefore="2026-11-20T12:00:00Z"))

    server.script("GET", ORDERS, respond)
    client = make_client()

    got = list(
        client.iter_search_orders(last_updated_after=AFTER, fulfilled_by=["MERCHANT"], max_results_per_page=per_page)
    )

    assert len(got) == pages
    order_ids = [o.order_id for page in got for o in page.orders]
    assert len(order_ids) == len(set(order_ids)) == pages * per_page
    calls = server.api_calls()
    assert [c.query.get("paginationToken") for c in calls] == [None] + [[f"page-{n}"] for n in range(1, pages)]
    for call in calls:  # Amazon wants the same filters with every token
        assert call.query["lastUpdatedAfter"] == ["2026-11-01T00:00:00Z"]
        assert call.query["fulfilledBy"] == ["MERCHANT"]
        spapi_model.validate_request(call)
    assert len(list(make_client().iter_orders(last_updated_after=AFTER))) == pages * per_page


# --- getOrder / confirmShipment -------------------------------------------------------------------------------------


def test_get_order_with_packages_and_cancellation(server, make_client, spapi_model):
    order = make_order(
        "111-1",
        status="PARTIALLY_SHIPPED",
        items=[make_item("1001", quantity=2, shipped=2), make_item("1002")],
        packages=[
            {
                "packageReferenceId": "1",
                "carrier": "UPS",
                "trackingNumber": "1Z999",
                "shipTime": "2026-11-21T09:15:00+01:00",
                "packageStatus": {"status": "SHIPPED"},
                "packageItems": [{"orderItemId": "1001", "quantity": 2}],
            }
        ],
    )
    order["orderItems"][1]["cancellation"] = {
        "cancellationRequest": {"requester": "BUYER", "cancelReason": "Ordered by mistake"}
    }
    body = {"order": order}
    spapi_model.validate_response("getOrder", 200, body)
    server.script("GET", order_path("111-1"), Reply(200, body))

    result = make_client().get_order("111-1", included_data=["PACKAGES", "CANCELLATION"])

    (package,) = result.packages
    assert package.package_reference_id == "1"
    assert (package.carrier, package.tracking_number) == ("UPS", "1Z999")
    assert package.ship_date == datetime(2026, 11, 21, 8, 15, tzinfo=UTC)
    assert package.items == [types.PackageItem("1001", 2)]
    assert result.cancellation == types.Cancellation(reason="Ordered by mistake", requested_by="BUYER")
    assert result.items[1].cancellation_reason == "Ordered by mistake"
    (call,) = server.api_calls()
    assert call.query["includedData"] == ["PACKAGES,CANCELLATION"]
    spapi_model.validate_request(call)


def test_get_order_of_the_wrong_shape_is_malformed(server, make_client):
    server.script("GET", order_path("111-1"), Reply(200, {"order": {"orderId": "111-1"}}))

    with pytest.raises(errors.MalformedResponseError):
        make_client().get_order("111-1")


def test_confirm_shipment_posts_one_package_as_the_v0_model_defines(server, make_client, spapi_model):
    server.script("POST", "/orders/v0/orders/111-1/shipmentConfirmation", Reply(204))
    client = make_client()

    result = client.confirm_shipment(
        "111-1",
        marketplace_id="ATVPDKIKX0DER",
        package=types.PackageDetail(
            package_reference_id="17",
            carrier_code="UPS",
            carrier_name=None,
            shipping_method="Ground",
            tracking_number="1Z999AA10123456784",
            ship_date=datetime(2026, 11, 21, 9, 15, tzinfo=UTC),
            items=[("1001", 2), ("1002", 1)],
        ),
    )

    assert result is None
    (call,) = server.api_calls()
    assert spapi_model.validate_request(call) == "confirmShipment"
    assert call.json == {
        "marketplaceId": "ATVPDKIKX0DER",
        "packageDetail": {
            "packageReferenceId": "17",
            "carrierCode": "UPS",
            "shippingMethod": "Ground",
            "trackingNumber": "1Z999AA10123456784",
            "shipDate": "2026-11-21T09:15:00Z",
            "orderItems": [{"orderItemId": "1001", "quantity": 2}, {"orderItemId": "1002", "quantity": 1}],
        },
    }
    assert call.headers["content-type"] == "application/json"


def test_confirm_shipment_rejection_is_raised_with_amazons_message(server, make_client):
    server.script(
        "POST",
        "/orders/v0/orders/111-1/shipmentConfirmation",
        errors_reply(400, "InvalidInput", "The order item quantity exceeds the quantity ordered."),
    )

    with pytest.raises(errors.InvalidRequestError) as caught:
        make_client().confirm_shipment(
            "111-1",
            marketplace_id="ATVPDKIKX0DER",
            package=types.PackageDetail("1", "UPS", None, None, "1Z", datetime.now(UTC), [("1001", 9)]),
        )

    assert caught.value.message == "The order item quantity exceeds the quantity ordered."
    assert caught.value.operation == "confirmShipment"


# --- feeds ----------------------------------------------------------------------------------------------------------


def test_submit_feed_creates_a_document_uploads_it_and_creates_the_feed(server, make_client, spapi_model):
    upload_url = server.url + "/_uploads/doc-1?signature=abc"
    server.script(
        "POST",
        "/feeds/2021-06-30/documents",
        Reply(201, {"feedDocumentId": "doc-1", "url": upload_url}),
    )
    server.script("PUT", "/_uploads/doc-1", Reply(200, body=b""))
    server.script("POST", "/feeds/2021-06-30/feeds", Reply(202, {"feedId": "feed-9"}))
    content = b"<?xml version='1.0'?><AmazonEnvelope/>"

    feed_id = make_client().submit_feed(feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA", content=content)

    assert feed_id == "feed-9"
    create_doc, upload, create_feed = [c for c in server.requests if c.path != "/auth/o2/token"]
    assert spapi_model.validate_request(create_doc) == "createFeedDocument"
    assert create_doc.json == {"contentType": "text/xml; charset=UTF-8"}
    assert upload.method == "PUT" and upload.body == content
    assert upload.query == {"signature": ["abc"]}
    assert upload.headers["content-type"] == "text/xml; charset=UTF-8"
    assert "x-amz-access-token" not in upload.headers  # a pre-signed URL, not the SP-API
    assert spapi_model.validate_request(create_feed) == "createFeed"
    assert create_feed.json == {
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "inputFeedDocumentId": "doc-1",
    }


def test_get_feed_and_download_its_gzipped_report(server, make_client, spapi_model):
    report = b"<AmazonEnvelope><Message/></AmazonEnvelope>"
    feed = {
        "feedId": "feed-9",
        "feedType": "POST_PAYMENT_ADJUSTMENT_DATA",
        "createdTime": "2026-11-20T10:00:00Z",
        "processingStatus": "DONE",
        "resultFeedDocumentId": "doc-2",
    }
    spapi_model.validate_response("getFeed", 200, feed)
    server.script("GET", "/feeds/2021-06-30/feeds/feed-9", Reply(200, feed))
    document = {"feedDocumentId": "doc-2", "url": server.url + "/_downloads/doc-2", "compressionAlgorithm": "GZIP"}
    spapi_model.validate_response("getFeedDocument", 200, document)
    server.script("GET", "/feeds/2021-06-30/documents/doc-2", Reply(200, document))
    server.script("GET", "/_downloads/doc-2", Reply(200, body=gzip.compress(report)))
    client = make_client()

    got = client.get_feed("feed-9")
    assert got == types.Feed(
        "feed-9", "POST_PAYMENT_ADJUSTMENT_DATA", "DONE", "doc-2", created_time=utc("2026-11-20T10:00:00Z")
    )
    doc = client.get_feed_document(got.result_feed_document_id)
    assert doc.compression_algorithm == "GZIP"
    assert client.download_feed_document(doc) == report
    plain = types.FeedDocument("doc-3", server.url + "/_downloads/doc-3", None)
    server.script("GET", "/_downloads/doc-3", Reply(200, body=report))
    assert client.download_feed_document(plain) == report
    for call in server.api_calls():
        if not call.path.startswith("/_downloads"):
            spapi_model.validate_request(call)


@pytest.mark.parametrize(
    "envelope,why",
    [
        ({"pagination": "next"}, "pagination"),  # read as "no more pages", it would end the run early
        ({"pagination": None}, "pagination"),
        ({"pagination": {"nextToken": {"token": "abc"}}}, "nextToken"),  # sent back as "{'token': ...}"
        ({"pagination": {"nextToken": 12345}}, "nextToken"),
        ({"lastUpdatedBefore": None}, "lastUpdatedBefore"),
        ({"createdBefore": "2026-13-45T25:61:00Z"}, "createdBefore"),
    ],
)
def test_a_page_envelope_we_cant_read_is_malformed_not_a_last_page(server, make_client, envelope, why):
    server.script("GET", ORDERS, Reply(200, {"orders": [make_order("111-1")], **envelope}))

    with pytest.raises(errors.MalformedResponseError) as caught:
        make_client().search_orders(created_after=AFTER)

    assert why in caught.value.message and str(caught.value).startswith("searchOrders")


def test_ids_that_are_not_strings_and_an_item_listed_twice_isolate_the_order(server, make_client):
    numeric_id = make_order("111-2")
    numeric_id["orderId"] = 1112
    twice = make_order("111-3")
    twice["orderItems"].append(dict(twice["orderItems"][0]))
    listed_item = make_order("111-4")
    listed_item["orderItems"][0]["orderItemId"] = ["10000000000001"]
    server.script("GET", ORDERS, Reply(200, search_page([make_order("111-1"), numeric_id, twice, listed_item])))

    page = make_client().search_orders(created_after=AFTER)

    assert [o.order_id for o in page.orders] == ["111-1"]
    assert [b.order_id for b in page.bad_orders] == ["1112", "111-3", "111-4"]
    assert "orderId is not an identifier" in page.bad_orders[0].error
    assert "twice" in page.bad_orders[1].error


@pytest.mark.parametrize(
    "path,body,why",
    [
        ("/feeds/2021-06-30/feeds/f-1", {"feedId": "f-1", "processingStatus": "ALMOST_DONE"}, "processingStatus"),
        ("/feeds/2021-06-30/feeds/f-1", {"feedId": 1, "processingStatus": "DONE"}, "feedId"),
        ("/feeds/2021-06-30/documents/d-1", {"feedDocumentId": "d-1", "url": {"href": "x"}}, "url"),
        (
            "/feeds/2021-06-30/documents/d-1",
            {"feedDocumentId": "d-1", "url": "u", "compressionAlgorithm": "ZSTD"},
            "ZSTD",
        ),
    ],
)
def test_feed_answers_we_cant_act_on_are_malformed(server, make_client, path, body, why):
    server.script("GET", path, Reply(200, body))
    client = make_client()

    with pytest.raises(errors.MalformedResponseError) as caught:
        client.get_feed_document("d-1") if "/documents/" in path else client.get_feed("f-1")

    assert why in caught.value.message
