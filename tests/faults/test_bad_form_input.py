"""Every order action form, the Amazon store form and the Amazon shipping address form posted with invalid values:
the person sees why (at the field, or as a page message after a redirect) and nothing in the database changes."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import reverse

from amazon_channel.testing.amazon_orders import amazon_order, imported
from amazon_channel.testing.factories import AmazonStoreFactory, store_form_data
from orders.models import Order
from orders.services import hold_order, item_field, unhold_order
from orders.tests.conftest import take_snapshot
from orders.tests.factories import StoreFactory, UserFactory, make_order, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def amazon_store(db):
    return AmazonStoreFactory()


@pytest.fixture
def admin_user_client(db, client):
    client.force_login(UserFactory(username="boss", is_superuser=True))
    return client


AMAZON_MODELS = ["AmazonStore", "AmazonOrder", "OutboundUpdate"]


def everything() -> dict[str, list[tuple]]:
    """The sales tables (as the orders tests snapshot them) and the Amazon channel's own."""
    snap = take_snapshot()
    for name in AMAZON_MODELS:
        model = apps.get_model("amazon_channel", name)
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "updated_at"]
        snap[name] = list(model.objects.order_by("pk").values_list(*fields))
    return snap


@dataclass(frozen=True)
class Case:
    url_name: str
    invoiced: bool
    data: Callable[[Order, int, int], dict]  # (order, own item id, another order's item id) -> POST data
    where: str  # the data-testid the message is shown at (None: a page message after a redirect)
    says: str


def qty(value: str) -> Callable:
    return lambda order, a, other: {"version": order.version, item_field(a): value}


def ship(carrier: str, title: str, number: str) -> Callable:
    def data(order, a, other):
        return {
            "version": order.version,
            item_field(a): "1",
            "track_carrier_code": [carrier],
            "track_title": [title],
            "track_number": [number],
        }

    return data


def memo(**fields: str) -> Callable:
    def data(order, a, other):
        return {
            "version": order.version,
            item_field(a): "1",
            "refund_shipping": "0",
            "adjustment_refund": "0",
            "adjustment_fee": "0",
            **fields,
        }

    return data


def stale(data: Callable) -> Callable:
    return lambda order, a, other: {**data(order, a, other), "version": order.version - 1}


def other_item(order, a, other):
    return {"version": order.version, item_field(a): "0", item_field(other): "1"}


NOT_NEGATIVE = "negative"
LEFT = "left"
WHOLE = "Enter a whole number"
CHANGED = "changed"  # "... changed this order after you opened the page" / "The order has changed since ..."

FORM_CASES = {
    # New Invoice
    "invoice-negative": Case("orders:invoice_new", False, qty("-1"), "qty-error-A", NOT_NEGATIVE),
    "invoice-too-many": Case("orders:invoice_new", False, qty("3"), "qty-error-A", LEFT),
    "invoice-huge": Case("orders:invoice_new", False, qty("9" * 30), "qty-error-A", ""),
    "invoice-not-a-number": Case("orders:invoice_new", False, qty("two"), "qty-error-A", WHOLE),
    "invoice-fraction": Case("orders:invoice_new", False, qty("1.5"), "qty-error-A", WHOLE),
    "invoice-stale": Case("orders:invoice_new", False, stale(qty("1")), "form-errors", CHANGED),
    "invoice-other-orders-item": Case("orders:invoice_new", False, other_item, "form-errors", ""),
    # New Shipment
    "ship-negative": Case("orders:shipment_new", True, qty("-1"), "qty-error-A", NOT_NEGATIVE),
    "ship-too-many": Case("orders:shipment_new", True, qty("3"), "qty-error-A", LEFT),
    "ship-not-a-number": Case("orders:shipment_new", True, qty("1e3"), "qty-error-A", WHOLE),
    "ship-empty-tracking-number": Case(
        "orders:shipment_new", True, ship("ups", "UPS", " "), "track-number-error", "Enter the tracking number."
    ),
    "ship-custom-carrier-without-title": Case(
        "orders:shipment_new", True, ship("custom", "", "LC-1"), "track-title", "Enter the carrier's name"
    ),
    "ship-unknown-carrier": Case(
        "orders:shipment_new", True, ship("pigeon", "", "P-1"), "track-carrier", "Choose a carrier"
    ),
    "ship-stale": Case("orders:shipment_new", True, stale(ship("ups", "UPS", "1Z")), "form-errors", CHANGED),
    "ship-other-orders-item": Case("orders:shipment_new", True, other_item, "form-errors", ""),
    # New Credit Memo
    "memo-negative-qty": Case("orders:creditmemo_new", True, qty("-1"), "qty-error-A", NOT_NEGATIVE),
    "memo-too-many": Case("orders:creditmemo_new", True, qty("3"), "qty-error-A", LEFT),
    "memo-not-a-number": Case("orders:creditmemo_new", True, qty("x"), "qty-error-A", WHOLE),
    "memo-refund-above-paid": Case(
        "orders:creditmemo_new", True, memo(adjustment_refund="500"), "adjustment_refund-error", ""
    ),
    "memo-adjustment-3-decimals": Case(
        "orders:creditmemo_new", True, memo(adjustment_refund="1.005"), "adjustment_refund-error", "2 decimal"
    ),
    "memo-negative-adjustment-fee": Case(
        "orders:creditmemo_new", True, memo(adjustment_fee="-1"), "adjustment_fee-error", ""
    ),
    "memo-fee-above-refund": Case("orders:creditmemo_new", True, memo(adjustment_fee="9999"), "form-errors", ""),
    "memo-shipping-not-a-number": Case(
        "orders:creditmemo_new", True, memo(refund_shipping="five"), "refund_shipping-error", "number"
    ),
    "memo-shipping-above-left": Case(
        "orders:creditmemo_new", True, memo(refund_shipping="9"), "refund_shipping-error", ""
    ),
    "memo-stale": Case("orders:creditmemo_new", True, stale(memo()), "form-errors", CHANGED),
    "memo-other-orders-item": Case("orders:creditmemo_new", True, other_item, "form-errors", ""),
}


@pytest.fixture
def ops(client):
    user = staff_user("all", username="ops")
    client.force_login(user)
    return user


def two_orders(invoiced: bool) -> tuple[Order, int, int]:
    store = StoreFactory()
    order = make_order(store=store, invoiced=invoiced, items=[("A", 2, "10.00", "1.00")])
    other = make_order(store=store, invoiced=invoiced, items=[("B", 2, "10.00")])
    return order, order.items.get().pk, other.items.get().pk


FIELDS_WITH_MESSAGE_BESIDE = {"track-title", "track-carrier"}  # the field is marked; its message follows in its cell


def field_message(html: str, testid: str) -> str:
    """The text of the first message shown at `testid`."""
    marker = f'data-testid="{testid}"'
    assert marker in html, f"no message at {testid}"
    before, after = html.split(marker, 1)
    if testid in FIELDS_WITH_MESSAGE_BESIDE:
        assert "is-invalid" in before.rsplit("<", 1)[1], f"{testid} is not marked invalid"
        cell = after.split("</td>", 1)[0]
        assert 'class="invalid-feedback' in cell, f"no message at {testid}"
        after = cell.split('class="invalid-feedback', 1)[1]
    return html_lib.unescape(re.sub(r"<[^>]+>", "", after.split(">", 1)[1].split("</div>", 1)[0]))


@pytest.mark.parametrize("case", FORM_CASES.values(), ids=FORM_CASES.keys())
def test_bad_order_form_input_is_refused_at_the_field_and_changes_nothing(client, ops, case, figures):
    order, a, other = two_orders(case.invoiced)
    before = everything()
    response = client.post(reverse(case.url_name, args=[order.pk]), case.data(order, a, other))
    # The page comes back with what the person typed; 400 says "not done" to scripts (the browser shows the page).
    assert response.status_code == 400, response.status_code
    message = field_message(response.content.decode(), case.where)
    assert message.strip(), "an empty message"
    assert case.says in message, message
    assert everything() == before
    figures(refused=1, db_changes=0)


def follow(client, response) -> str:
    assert response.status_code == 302
    return html_lib.unescape(client.get(response["Location"]).content.decode())


def stale_version(order: Order, actor) -> int:
    old = order.version
    hold_order(order=order, actor=actor)
    unhold_order(order=order, actor=actor)  # back as it was, but changed meanwhile
    return old


ONE_CLICK = {
    "comment-empty": ("orders:order_comment", lambda o, u: {"version": o.version, "comment": "  "}, "Enter a comment."),
    "comment-stale": ("orders:order_comment", lambda o, u: {"version": stale_version(o, u), "comment": "Hi"}, CHANGED),
    "comment-unknown-status": (
        "orders:order_comment",
        lambda o, u: {"version": o.version, "comment": "Hi", "status": "teleported"},
        "",
    ),
    "cancel-stale": ("orders:order_cancel", lambda o, u: {"version": stale_version(o, u)}, CHANGED),
    "hold-already-on-hold": ("orders:order_hold", lambda o, u: (hold_order(order=o, actor=u), {})[1], ""),
    "unhold-not-on-hold": ("orders:order_unhold", lambda o, u: {"version": o.version}, ""),
}


@pytest.mark.parametrize(("url_name", "data", "says"), ONE_CLICK.values(), ids=ONE_CLICK.keys())
def test_bad_one_click_action_says_why_on_the_order_page_and_changes_nothing(
    client, ops, url_name, data, says, figures
):
    order, _a, _other = two_orders(False)
    posted = data(order, ops)
    before = everything()
    response = client.post(reverse(url_name, args=[order.pk]), posted)
    page = follow(client, response)
    message = field_message(page, "message-error")
    assert says in message and message.strip(), message
    assert everything() == before
    figures(refused=1, db_changes=0)


# --- Amazon channel forms ------------------------------------------------------------------------------------------

STORE_CASES = {
    "interval-zero": ({"sync_interval_minutes": "0"}, "sync_interval_minutes"),
    "interval-not-a-number": ({"sync_interval_minutes": "often"}, "sync_interval_minutes"),
    "reservation-days-zero": ({"stock_reservation_days": "0"}, "stock_reservation_days"),
    "reservation-days-past-30": ({"stock_reservation_days": "31"}, "stock_reservation_days"),
    "unknown-region": ({"region": "mars"}, "region"),
    "no-name": ({"name": "  "}, "name"),
    "custom-status-without-status": ({"order_status_mode": "custom"}, "processing_order_status"),
    "bad-last-sync": ({"last_order_sync": "yesterday-ish"}, "last_order_sync"),
    "new-store-without-secrets": ({"client_secret": "", "refresh_token": ""}, "client_secret"),
}


STORE_PARAMS = [
    pytest.param(page, overrides, field, id=f"{page}-{name}")
    for page in ("add", "edit")
    for name, (overrides, field) in STORE_CASES.items()
    if not (page == "edit" and field == "client_secret")  # a saved store keeps its secrets when left blank
]


@pytest.mark.parametrize(("page", "overrides", "field"), STORE_PARAMS)
def test_bad_amazon_store_form_is_refused_at_the_field_and_changes_nothing(
    admin_user_client, amazon_store, page, overrides, field, figures
):
    url = (
        reverse("amazon_channel:store_add")
        if page == "add"
        else reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    )
    before = everything()
    response = admin_user_client.post(url, store_form_data(amazon_store.commerce_store, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and all(str(m).strip() for m in errors[field]), errors
    assert html_lib.escape(str(errors[field][0])) in response.content.decode()
    assert everything() == before
    figures(refused=1, db_changes=0)


GOOD_ADDRESS = {
    "name": "Jane Fixed",
    "address_line_1": "2 Side Street",
    "city": "Tacoma",
    "state_or_region": "WA",
    "postal_code": "98402",
    "country_code": "US",
    "phone": "+1 253 555 0101",
}
ADDRESS_CASES = {
    "country-three-letters": {"country_code": "USA"},
    "country-digits": {"country_code": "12"},
    "postal-symbols": {"postal_code": "!!"},
    "postal-too-long": {"postal_code": "1" * 40},
    "no-name": {"name": ""},
    "no-street": {"address_line_1": ""},
    "no-city": {"city": ""},
    "phone-letters": {"phone": "call me"},
    "street-too-long": {"address_line_1": "x" * 300},
}


@pytest.mark.parametrize("overrides", ADDRESS_CASES.values(), ids=ADDRESS_CASES.keys())
def test_bad_amazon_shipping_address_is_refused_at_the_field_and_changes_nothing(
    admin_user_client, amazon_store, overrides, figures
):
    row = imported(amazon_store, amazon_order())[0]
    before = everything()
    response = admin_user_client.post(
        reverse("amazon_channel:order_address", args=[row.pk]), {**GOOD_ADDRESS, **overrides}
    )
    assert response.status_code == 400
    errors = response.context["address_form"].errors
    assert set(errors) == set(overrides), errors
    page = response.content.decode()
    assert "The shipping address was not saved" in page
    for messages in errors.values():
        assert html_lib.escape(str(messages[0])) in page
    assert everything() == before
    figures(refused=1, db_changes=0)
