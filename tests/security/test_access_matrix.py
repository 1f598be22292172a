"""Every URL pattern with four roles: anonymous (to the sign-in page), a non-staff account (403), staff without
permissions (403) and staff with every permission (the page's own answer). A URL nobody classified fails here."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pypdf import PdfReader

from amazon_channel.testing.amazon_orders import amazon_order, imported
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Page:
    method: str  # how the matrix asks for it
    full: int  # what staff with every permission get


GET, POST = "get", "post"
PAGES = {
    "dashboard:index": Page(GET, 200),
    "dashboard:order_search": Page(GET, 302),
    "dashboard:amazon_store": Page(GET, 200),
    "dashboard:amazon_store_sync_status": Page(GET, 200),
    "dashboard:amazon_store_sync": Page(POST, 302),
    "orders:order_grid": Page(GET, 200),
    "orders:order_mass_action": Page(POST, 302),
    "orders:order_view": Page(GET, 200),
    "orders:invoice_new": Page(GET, 302),  # the fixture's order is invoiced: back to it with a message
    "orders:shipment_new": Page(GET, 200),
    "orders:creditmemo_new": Page(GET, 200),
    "orders:order_cancel": Page(POST, 302),
    "orders:order_hold": Page(POST, 302),
    "orders:order_unhold": Page(POST, 302),
    "orders:order_email": Page(POST, 302),
    "orders:order_comment": Page(POST, 302),
    "orders:invoice_grid": Page(GET, 200),
    "orders:invoice_view": Page(GET, 200),
    "orders:shipment_grid": Page(GET, 200),
    "orders:shipment_view": Page(GET, 404),  # no shipment in the fixture: the gate comes first
    "orders:creditmemo_grid": Page(GET, 200),
    "orders:creditmemo_view": Page(GET, 404),
    "orders:invoice_print": Page(GET, 200),
    "orders:shipment_print": Page(GET, 404),
    "orders:creditmemo_print": Page(GET, 404),
    "orders:documents_print": Page(POST, 302),  # nothing selected: back to the grid with a message
    "orders:store_information": Page(GET, 200),
    "amazon_channel:store_list": Page(GET, 200),
    "amazon_channel:store_add": Page(GET, 200),
    "amazon_channel:store_edit": Page(GET, 200),
    "amazon_channel:store_sync": Page(POST, 302),
    "amazon_channel:store_recover_order": Page(POST, 302),
    "amazon_channel:communication_log": Page(GET, 200),
    "amazon_channel:store_order_grid": Page(GET, 200),
    "amazon_channel:order_grid": Page(GET, 200),
    "amazon_channel:order_detail": Page(GET, 200),
    "amazon_channel:order_address": Page(POST, 400),
    "amazon_channel:order_cancel": Page(POST, 400),
    "amazon_channel:order_import_now": Page(POST, 302),
    "amazon_channel:order_buyer_cancel_accept": Page(POST, 302),  # no request open: back with a message
    "amazon_channel:order_buyer_cancel_decline": Page(POST, 302),
    "amazon_channel:order_pickup_status": Page(POST, 302),  # not a pickup order: back with a message
    "amazon_channel:push_outbox": Page(GET, 200),
    "amazon_channel:push_retry_many": Page(POST, 302),
    "amazon_channel:push_retry": Page(POST, 404),
}
# Pages with access rules of their own: sign-in / sign-out, Django's admin (checks staff itself), the language switch.
OWN_RULES = {"login", "logout", "admin_ui:set_language", "set_language"}
OWN_PREFIXES = ("django-admin/", "i18n/")


def url_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """(name with namespace, route) of every pattern of the URLconf."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else "", route)


def test_every_url_pattern_is_classified():
    unclassified = [
        (name, route)
        for name, route in url_patterns()
        if name not in PAGES and name not in OWN_RULES and not route.startswith(OWN_PREFIXES)
    ]
    assert unclassified == [], "classify these in PAGES (or OWN_RULES) with what each role gets"


@pytest.fixture
def world():
    store = AmazonStoreFactory()
    row = imported(store, amazon_order())[0]
    order = make_order(invoiced=True)
    ids = {
        "order_id": order.pk,
        "invoice_id": order.invoices.get().pk,
        "shipment_id": 999_999,
        "credit_memo_id": 999_999,
        "store_id": store.pk,
        "store_pk": store.pk,
    }
    return {"ids": ids, "store": store, "amazon_order": row, "order_store_id": order.store_id}


def url_of(name: str, world) -> str:
    route = dict(url_patterns())[name]
    kwargs = {key: value for key, value in world["ids"].items() if f"<int:{key}>" in route}
    if name == "orders:store_information":  # the Commerce store, not the Amazon store
        kwargs["store_id"] = world["store"].commerce_store_id
    if "<str:kind>" in route:
        kwargs["kind"] = "invoice"
    if "<int:pk>" in route:
        if name.startswith("amazon_channel:store_") or name == "amazon_channel:communication_log":
            kwargs["pk"] = world["store"].pk
        elif name.startswith("amazon_channel:order_"):
            kwargs["pk"] = world["amazon_order"].pk
        else:
            kwargs["pk"] = 999_999
    return reverse(name, kwargs=kwargs)


def everything():
    user = UserFactory(username="all-permissions")
    user.user_permissions.set(Permission.objects.all())
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_four_roles(client, world, name):
    page = PAGES[name]
    url = url_of(name, world)
    ask = getattr(client, page.method)

    response = ask(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next="), "anonymous"

    client.force_login(UserFactory(username="shopper", is_staff=False))
    assert ask(url).status_code == 403, "a non-staff account"

    client.force_login(UserFactory(username="no-permissions"))
    assert ask(url).status_code == 403, "staff without permissions"

    client.force_login(everything())
    assert ask(url).status_code == page.full, "staff with every permission"


# --- Buyer data: shown and exported only with the *view buyer data* permission ----------------------------------------

BUYER = ("Veronica", "Costello", "roni_cost@example.com", "6146 Honey Bluff Parkway", "(555) 229-3326")


def buyer_pages(client, world) -> dict[str, str]:
    order_id = world["ids"]["order_id"]
    pages = {
        "order grid": reverse("orders:order_grid"),
        "order grid CSV": reverse("orders:order_grid") + "?export=csv",
        "invoice grid CSV": reverse("orders:invoice_grid") + "?export=csv",
        "order view": reverse("orders:order_view", args=[order_id]),
        "invoice view": reverse("orders:invoice_view", args=[world["ids"]["invoice_id"]]),
        "dashboard": reverse("dashboard:index"),
        "Amazon order grid": reverse("amazon_channel:order_grid"),
        "Amazon order details": reverse("amazon_channel:order_detail", args=[world["amazon_order"].pk]),
        "Amazon store dashboard": reverse("dashboard:amazon_store", args=[world["store"].pk]),
    }
    return {
        name: b"".join(client.get(url).streaming_content if "csv" in url else [client.get(url).content]).decode()
        for name, url in pages.items()
    }


def test_buyer_data_is_masked_without_the_permission_and_shown_with_it(client, world):
    amazon_buyer = world["amazon_order"].buyer_name
    assert amazon_buyer
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.set(Permission.objects.exclude(codename="view_buyer_data"))
    client.force_login(type(viewer).objects.get(pk=viewer.pk))
    for name, page in buyer_pages(client, world).items():
        for value in (*BUYER, amazon_buyer):
            assert value not in page, f"{value} on the {name}"
    assert "•••" in buyer_pages(client, world)["order grid CSV"]

    client.force_login(everything())
    shown = buyer_pages(client, world)
    assert "Veronica Costello" in shown["order grid"] and "roni_cost@example.com" in shown["order grid CSV"]
    assert "6146 Honey Bluff Parkway" in shown["order view"]
    assert amazon_buyer in shown["Amazon order grid"] and amazon_buyer in shown["Amazon order details"]


def test_printed_documents_mask_buyer_data_without_the_permission(client, world):
    invoice_pdf = reverse("orders:invoice_print", args=[world["ids"]["invoice_id"]])
    mass_print = reverse("orders:documents_print", args=["invoice"])

    def printed(response) -> str:
        data = b"".join(response.streaming_content) if response.streaming else response.content
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)

    viewer = UserFactory(username="viewer")
    viewer.user_permissions.set(Permission.objects.exclude(codename="view_buyer_data"))
    client.force_login(type(viewer).objects.get(pk=viewer.pk))
    one, many = client.get(invoice_pdf), client.post(mass_print, {"ids": world["ids"]["invoice_id"]})
    for pdf in (printed(one), printed(many)):
        for value in BUYER:
            assert value not in pdf
        assert "•••" in pdf

    client.force_login(everything())
    assert "6146 Honey Bluff Parkway" in printed(client.get(invoice_pdf))
