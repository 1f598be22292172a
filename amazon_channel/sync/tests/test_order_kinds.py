"""Issue 17 end to end over HTTP against the sandbox: business orders with tax registrations, programs, ship-by
windows, gifts and customizations, every part of an address, proceeds breakdowns: imported, kept and shown on
Amazon Order Details, the All Orders grid (badges, Program and Ship By filters) and the store dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amazon_channel.models import AmazonOrder, AmazonStore
from amazon_channel.sync import import_orders
from amazon_channel.testing.factories import AmazonStoreFactory

pytestmark = [pytest.mark.django_db]
US = "ATVPDKIKX0DER"


@pytest.fixture
def store(unpaced_sandbox) -> AmazonStore:
    return AmazonStoreFactory()


def add(sandbox, **kind) -> str:
    (order_id,) = sandbox.control.add_orders(
        1, status="UNSHIPPED", lifecycle=False, marketplace_id=US, fulfilled_by="MERCHANT", **kind
    )
    return order_id


def test_each_kind_of_order_is_kept_and_shown(sandbox, store, admin_user_client):
    business = add(sandbox, business=True, prime=False, buyer_withheld=False, features=["tax", "late"])
    prime = add(sandbox, business=False, prime=True, features=["premium", "gift", "customization", "due_today"])
    brazil = add(sandbox, business=False, prime=False, features=["br_address"], programs=["AMAZON_EASY_SHIP"])
    (fba,) = sandbox.control.add_orders(
        1, status="SHIPPED", lifecycle=False, marketplace_id=US, fulfilled_by="AMAZON", business=False, prime=False
    )
    store.merchant_order_prefix, store.amazon_order_prefix = "AMZ-", "FBA-"
    store.save()
    sandbox.control.advance(180)  # past the import's settling lag

    result = import_orders(store=store)

    assert result.ok, result.error
    # The client asked for the TAX data set, which the model offers (the sandbox validated the request).
    searches = sandbox.control.ledger("searchOrders")
    assert searches and all("TAX" in ",".join(e["query"]["includedData"]).split(",") for e in searches)
    rows = {row.amazon_order_id: row for row in AmazonOrder.objects.all()}
    b, p, br = rows[business], rows[prime], rows[brazil]
    # Order number prefixes per fulfilment channel (the store's settings).
    assert b.commerce_order.increment_id.startswith("AMZ-") and br.commerce_order.increment_id.startswith("AMZ-")
    assert rows[fba].commerce_order.increment_id.startswith("FBA-")
    assert b.programs == ["AMAZON_BUSINESS"] and b.buyer_company.endswith("& Co")
    assert b.purchase_order_number.startswith("PO-")
    assert p.programs == ["PRIME", "PREMIUM"] and p.is_premium and p.latest_delivery_date is not None
    assert br.shipping_address["district_or_county"] == "Pinheiros"
    assert br.shipping_address["extended_fields"]["streetNumber"] == "123"
    assert br.shipping_address["municipality"] == "São Paulo"

    # Amazon Order Details: business, tax registrations and invoicing, proceeds.
    page = admin_user_client.get(reverse("amazon_channel:order_detail", args=[b.pk])).content.decode()
    assert b.purchase_order_number in page and "DE123456789" in page and 'id="tax-invoicing"' in page
    assert 'data-testid="proceeds-line" data-type="ITEM"' in page and "Net to seller before Amazon fees" in page
    assert 'data-program="AMAZON_BUSINESS"' in page
    # Gift and customization on the item.
    page = admin_user_client.get(reverse("amazon_channel:order_detail", args=[p.pk])).content.decode()
    assert "Happy birthday, love from Ada" in page and "Classic" in page
    assert f"customization/{prime}.zip" in page
    assert 'data-program="PREMIUM"' in page
    # Every part of the Brazilian address.
    page = admin_user_client.get(reverse("amazon_channel:order_detail", args=[br.pk])).content.decode()
    assert 'data-key="neighborhood">Pinheiros<' in page and 'data-key="streetNumber">123<' in page

    # The grid: badges, Program and Ship By filters.
    url = reverse("amazon_channel:store_order_grid", args=[store.pk])

    def shown(**params) -> set[str]:
        return {row.amazon_order_id for row in admin_user_client.get(url, params).context["page"].rows}

    assert shown(program="PRIME") == {prime}
    assert shown(program="AMAZON_BUSINESS") == {business}
    assert shown(program="AMAZON_EASY_SHIP") == {brazil}
    assert shown(ship_by="late") == {business}
    assert shown(ship_by="due_today") == {prime}
    grid = admin_user_client.get(url).content.decode()
    assert 'data-ship-by="late"' in grid and 'data-ship-by="due_today"' in grid and 'data-program="PRIME"' in grid

    # The store dashboard: late and due-today figures, and the net to the seller before Amazon's fees.
    response = admin_user_client.get(reverse("dashboard:amazon_store", args=[store.pk]))
    assert response.context["late_count"] == 1 and response.context["due_today_count"] == 1
    (revenue,) = response.context["revenue"]
    tax = sum(i.item_tax + i.shipping_tax for row in rows.values() for i in row.items.all())
    assert revenue.net_30_days == sum(row.grand_total for row in rows.values()) - tax
    assert 'data-testid="net-30d"' in response.content.decode()
