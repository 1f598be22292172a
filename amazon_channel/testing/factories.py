"""Amazon stores for tests, with the credentials the Seller Central sandbox accepts."""

from __future__ import annotations

import factory

from amazon_channel.models import AmazonStore
from orders.tests.factories import StoreFactory

# The sandbox's demo seller (seller_central_sandbox/README.md).
SANDBOX_CREDENTIALS = {
    "client_id": "amzn1.application-oa2-client.sandbox",
    "client_secret": "sandbox-client-secret",
    "refresh_token": "Atzr|sandbox-refresh-token",
    "seller_id": "A2SANDBOXSELLER",
    "marketplace_id": "ATVPDKIKX0DER",
}


class AmazonStoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AmazonStore

    name = factory.Sequence(lambda n: f"Amazon US {n}")
    region = "na"
    marketplace_id = SANDBOX_CREDENTIALS["marketplace_id"]
    seller_id = SANDBOX_CREDENTIALS["seller_id"]
    client_id = SANDBOX_CREDENTIALS["client_id"]
    client_secret = SANDBOX_CREDENTIALS["client_secret"]
    refresh_token = SANDBOX_CREDENTIALS["refresh_token"]
    commerce_store = factory.SubFactory(StoreFactory)


def store_form_data(commerce_store, **overrides) -> dict:
    """What the store settings form posts, with the sandbox's credentials."""
    data = {
        "name": "Amazon US",
        "region": "na",
        "marketplace_id": "ATVPDKIKX0DER",
        "seller_id": "A2SANDBOXSELLER",
        "client_id": "amzn1.application-oa2-client.sandbox",
        "client_secret": "sandbox-client-secret",
        "refresh_token": "Atzr|sandbox-refresh-token",
        "import_orders": "on",
        "commerce_store": commerce_store.pk,
        "customer_creation": "guest",
        "order_number_source": "commerce",
        "order_status_mode": "default",
        "processing_order_status": "",
        "stock_reservation_days": "3",
        "sync_interval_minutes": "15",
        "last_order_sync": "",
        "is_active": "on",
        "save": "1",
    }
    data.update(overrides)
    return data
