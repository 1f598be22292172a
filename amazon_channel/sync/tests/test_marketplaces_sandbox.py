"""One seller, several marketplaces of one region (an EU account selling in DE, FR, SE): one store imports the orders
of all of them, each Commerce order with its own marketplace and currency, end to end against the sandbox over HTTP;
the store form refuses another region's marketplace and any marketplace another store of the seller holds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from amazon_channel.models import AmazonOrder, AmazonStore
from amazon_channel.sync import import_orders
from amazon_channel.testing.factories import AmazonStoreFactory, store_form_data
from orders.models import Order
from orders.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

DE, FR, SE, IT, US = "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A2NODRKZP88ZB9", "APJ6JRA9NG5V4", "ATVPDKIKX0DER"
EU_SELLER = "EUSELLER1"


@pytest.fixture
def eu_store(unpaced_sandbox) -> AmazonStore:
    return AmazonStoreFactory(
        name="Amazon EU",
        region="eu",
        marketplace_id=DE,
        more_marketplace_ids=[FR, SE],
        seller_id=EU_SELLER,
        refresh_token=f"Atzr|sandbox-refresh-token.{EU_SELLER}",
    )


def add_order(sandbox, marketplace_id: str) -> str:
    [order_id] = sandbox.control.add_orders(
        1,
        status="UNSHIPPED",
        fulfilled_by="MERCHANT",
        marketplace_id=marketplace_id,
        seller_id=EU_SELLER,
        items=1,
        lifecycle=False,
    )
    return order_id


@pytest.mark.slow
@pytest.mark.sandbox(orders=0)
def test_one_eu_store_imports_the_orders_of_each_of_its_marketplaces_in_their_own_currency(
    sandbox, eu_store, admin_user_client
):
    ids = {marketplace: add_order(sandbox, marketplace) for marketplace in (DE, FR, SE, IT)}
    sandbox.control.advance(600)

    result = import_orders(store=eu_store)

    assert result.ok, result.error
    [search] = sandbox.control.ledger("searchOrders")[:1]
    assert sorted(",".join(search["query"]["marketplaceIds"]).split(",")) == sorted([DE, FR, SE])
    imported = {row.marketplace_id: row for row in AmazonOrder.objects.select_related("commerce_order")}
    assert set(imported) == {DE, FR, SE}  # Amazon.it is not the store's: left out
    assert not Order.objects.filter(external_order_number=ids[IT]).exists()
    for marketplace, currency in ((DE, "EUR"), (FR, "EUR"), (SE, "SEK")):
        row = imported[marketplace]
        assert row.amazon_order_id == ids[marketplace]
        assert sandbox.control.order(row.amazon_order_id)["currency"] == currency
        assert (row.currency, row.commerce_order.order_currency) == (currency, currency)
        assert row.commerce_order.grand_total == row.grand_total > Decimal(0)

    sweden = imported[SE]
    page = admin_user_client.get(reverse("amazon_channel:order_detail", args=[sweden.pk])).content.decode()
    assert "Amazon.se (Sweden) · SEK" in page
    page = admin_user_client.get(reverse("orders:order_view", args=[sweden.commerce_order_id])).content.decode()
    assert "Amazon.se (Sweden) · SEK" in page
    grid = admin_user_client.get(reverse("amazon_channel:order_grid"), {"marketplace": FR}).content.decode()
    assert ids[FR] in grid and ids[DE] not in grid and "Amazon.fr (France)" in grid


def test_the_store_form_takes_marketplaces_of_one_region_and_none_another_store_of_the_seller_holds(
    admin_user_client,
):
    commerce_store = StoreFactory()
    add = reverse("amazon_channel:store_add")
    eu = {"name": "Amazon EU", "region": "eu", "marketplace_id": DE, "seller_id": EU_SELLER}

    response = admin_user_client.post(add, store_form_data(commerce_store, **eu, more_marketplace_ids=[FR, US]))
    assert response.status_code == 200
    errors = str(response.context["form"].errors["more_marketplace_ids"])
    assert "Amazon.com (United States)" in errors and "a store holds marketplaces of one region" in errors
    assert not AmazonStore.objects.exists()

    assert (
        admin_user_client.post(add, store_form_data(commerce_store, **eu, more_marketplace_ids=[FR, SE])).status_code
        == 302
    )
    store = AmazonStore.objects.get()
    assert store.marketplace_ids == [DE, FR, SE]
    edit = admin_user_client.get(reverse("amazon_channel:store_edit", args=[store.pk])).content.decode()
    assert "Amazon.fr (France)" in edit and "Amazon.se (Sweden)" in edit

    # Another store of the same seller overlapping in any marketplace: home or further one.
    for overlap in ({"marketplace_id": FR}, {"marketplace_id": IT, "more_marketplace_ids": [SE]}):
        data = store_form_data(commerce_store, **{**eu, "name": "Amazon EU 2", **overlap})
        response = admin_user_client.post(add, data)
        assert response.status_code == 200
        assert "The store Amazon EU is already set up" in str(response.context["form"].errors["marketplace_id"])
    assert AmazonStore.objects.count() == 1
    # Amazon.it alone is free; another seller may hold Amazon.fr.
    assert (
        admin_user_client.post(
            add, store_form_data(commerce_store, **{**eu, "name": "IT", "marketplace_id": IT})
        ).status_code
        == 302
    )
    other_seller = {**eu, "name": "Other seller", "marketplace_id": FR, "seller_id": "OTHERSELLER"}
    assert admin_user_client.post(add, store_form_data(commerce_store, **other_seller)).status_code == 302
    assert AmazonStore.objects.count() == 3
