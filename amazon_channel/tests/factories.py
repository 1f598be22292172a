"""Amazon stores for tests (credentials as the sandbox accepts them)."""

from __future__ import annotations

import factory

from amazon_channel.models import AmazonStore
from orders.tests.factories import StoreFactory


class AmazonStoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AmazonStore

    name = factory.Sequence(lambda n: f"Amazon US {n}")
    region = "na"
    marketplace_id = "ATVPDKIKX0DER"
    seller_id = "A2SANDBOXSELLER"
    client_id = "amzn1.application-oa2-client.sandbox"
    client_secret = "sandbox-client-secret"
    refresh_token = "Atzr|sandbox-refresh-token"
    commerce_store = factory.SubFactory(StoreFactory)
