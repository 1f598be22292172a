"""v0 confirmShipment: what a merchant's shipment does to the Amazon order."""

from __future__ import annotations

import pytest

from .conftest import ORDERS, US, Amazon


def confirm(amazon: Amazon, order_id: str, items: list[tuple[str, int]], *, reference: str = "1", **detail):
    marketplace = detail.pop("marketplace", US)
    package = {
        "packageReferenceId": reference,
        "carrierCode": "UPS",
        "carrierName": "UPS",
        "shippingMethod": "Ground",
        "trackingNumber": f"1Z999{reference}",
        "shipDate": "2026-01-05T10:00:00Z",
        "orderItems": [{"orderItemId": i, "quantity": q} for i, q in items],
        **detail,
    }
    return amazon.post(
        f"/orders/v0/orders/{order_id}/shipmentConfirmation",
        json={"marketplaceId": marketplace, "packageDetail": package},
    )


@pytest.fixture
def unshipped(amazon: Amazon) -> dict:
    control = amazon.handle.control
    [order_id] = control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=US, items=2, quantity=2
    )
    return control.order(order_id)


def test_shipping_part_then_the_rest_moves_the_order_to_partially_shipped_then_shipped(amazon: Amazon, unshipped):
    first, second = (i["order_item_id"] for i in unshipped["items"])
    oid = unshipped["order_id"]

    part = confirm(amazon, oid, [(first, 2), (second, 1)], reference="1")
    after_part = amazon.get(f"{ORDERS}/{oid}", params={"includedData": "FULFILLMENT,PACKAGES"}).json()["order"]
    rest = confirm(amazon, oid, [(second, 1)], reference="2")
    after_rest = amazon.get(f"{ORDERS}/{oid}", params={"includedData": "FULFILLMENT,PACKAGES"}).json()["order"]

    assert part.status_code == 204 and part.content == b""
    assert after_part["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    assert rest.status_code == 204
    assert after_rest["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert [p["trackingNumber"] for p in after_rest["packages"]] == ["1Z9991", "1Z9992"]
    assert after_rest["packages"][0]["packageItems"] == [
        {"orderItemId": first, "quantity": 2},
        {"orderItemId": second, "quantity": 1},
    ]
    assert after_rest["lastUpdatedTime"] >= after_part["lastUpdatedTime"] >= unshipped["last_updated"]


def test_the_same_package_again_changes_nothing(amazon: Amazon, unshipped):
    first = unshipped["items"][0]["order_item_id"]
    oid = unshipped["order_id"]

    responses = [confirm(amazon, oid, [(first, 1)], reference="7") for _ in range(3)]

    assert [r.status_code for r in responses] == [204, 204, 204]
    order = amazon.handle.control.order(oid)
    assert order["items"][0]["quantity_shipped"] == 1
    assert len(order["packages"]) == 1
    assert order["status"] == "PARTIALLY_SHIPPED"


@pytest.mark.parametrize(
    ("case", "complaint"),
    [
        ("unknown item", "is not part of order"),
        ("too many", "more than the 2 left to ship"),
        ("zero", "at least 1"),
        ("reference not numeric", "positive number"),
        ("other marketplace", "does not belong to marketplace"),
        ("reused reference", "already confirmed with other items"),
    ],
)
def test_wrong_shipments_are_refused_and_change_nothing(amazon: Amazon, unshipped, case, complaint):
    first, second = (i["order_item_id"] for i in unshipped["items"])
    oid = unshipped["order_id"]
    if case == "reused reference":
        assert confirm(amazon, oid, [(first, 1)], reference="3").status_code == 204
    response = {
        "unknown item": lambda: confirm(amazon, oid, [("99999999999999", 1)]),
        "too many": lambda: confirm(amazon, oid, [(first, 3)]),
        "zero": lambda: confirm(amazon, oid, [(first, 0)]),
        "reference not numeric": lambda: confirm(amazon, oid, [(first, 1)], reference="PKG-1"),
        "other marketplace": lambda: confirm(amazon, oid, [(first, 1)], marketplace="A1PA6795UKMFR9"),
        "reused reference": lambda: confirm(amazon, oid, [(second, 1)], reference="3"),
    }[case]()

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert complaint in response.json()["errors"][0]["message"]
    shipped = sum(i["quantity_shipped"] for i in amazon.handle.control.order(oid)["items"])
    assert shipped == (1 if case == "reused reference" else 0)


def test_cancelled_and_amazon_fulfilled_orders_cannot_be_shipped(amazon: Amazon):
    control = amazon.handle.control
    [cancelled] = control.add_orders(1, status="CANCELLED", fulfilled_by="MERCHANT", marketplace_id=US)
    [afn] = control.add_orders(1, status="UNSHIPPED", fulfilled_by="AMAZON", marketplace_id=US)

    for oid in (cancelled, afn):
        item = control.order(oid)["items"][0]["order_item_id"]
        response = confirm(amazon, oid, [(item, 1)])
        assert response.status_code == 400, oid
    assert confirm(amazon, "111-0000000-0000001", [("1", 1)]).status_code == 404


def test_body_must_match_the_model(amazon: Amazon, unshipped):
    oid = unshipped["order_id"]
    response = amazon.post(
        f"/orders/v0/orders/{oid}/shipmentConfirmation",
        json={"marketplaceId": US, "packageDetail": {"packageReferenceId": "1", "carrierCode": "UPS"}},
    )

    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "'trackingNumber' is a required property" in message
    assert "'orderItems' is a required property" in message


def test_ledger_shows_exactly_what_reached_amazon(amazon: Amazon, unshipped):
    first = unshipped["items"][0]["order_item_id"]
    confirm(amazon, unshipped["order_id"], [(first, 1)], reference="5")

    [entry] = amazon.handle.control.ledger("confirmShipment")

    assert entry["method"] == "POST"
    assert entry["path"] == f"/orders/v0/orders/{unshipped['order_id']}/shipmentConfirmation"
    assert entry["status"] == 204
    assert entry["body"]["packageDetail"]["orderItems"] == [{"orderItemId": first, "quantity": 1}]
    assert entry["headers"]["x-amz-access-token"].startswith("Atza|")
    assert entry["headers"]["user-agent"] == "sandbox-tests"
    assert entry["request_id"] and entry["at"]
    [token_request] = amazon.handle.control.ledger("token")
    assert token_request["body"]["client_secret"] == "***"


def _pickup(amazon: Amazon, order_id: str, status: str, marketplace: str = US):
    return amazon.post(
        f"/orders/v0/orders/{order_id}/shipment", json={"marketplaceId": marketplace, "shipmentStatus": status}
    )


def test_update_shipment_status_walks_an_in_store_pickup_order_to_picked_up(amazon: Amazon):
    control = amazon.handle.control
    [pickup] = control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", in_store_pickup=True, marketplace_id=US
    )
    [plain] = control.add_orders(1, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id=US)

    assert _pickup(amazon, plain, "ReadyForPickup").status_code == 400  # not a pickup order
    assert _pickup(amazon, pickup, "PickedUp").status_code == 400  # not ready yet
    assert _pickup(amazon, pickup, "Delivered").status_code == 400  # not in the model's enum
    assert _pickup(amazon, pickup, "ReadyForPickup").status_code == 204
    assert _pickup(amazon, pickup, "PickedUp").status_code == 204
    assert _pickup(amazon, pickup, "PickedUp").status_code == 204  # a retry
    order = control.order(pickup)
    assert (order["status"], order["pickup_status"], order["packages"]) == ("SHIPPED", "PickedUp", [])


def test_refused_pickup_is_cancelled_by_amazon_for_the_buyer(amazon: Amazon):
    control = amazon.handle.control
    [pickup] = control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", in_store_pickup=True, marketplace_id=US
    )
    assert _pickup(amazon, pickup, "ReadyForPickup").status_code == 204
    assert _pickup(amazon, pickup, "RefusedPickup").status_code == 204
    order = control.order(pickup)
    assert order["status"] == "CANCELLED" and order["cancellation"]["cancelledBy"] == "AMAZON"
    assert control.schema_errors() == []  # every request and answer as the v0 model says
