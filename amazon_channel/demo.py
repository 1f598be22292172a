"""The demo's Amazon store: connected to the local Seller Central sandbox with its demo credentials."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from orders.models import Store

from .models import AmazonStore
from .stores.services import save_amazon_store
from .sync import import_orders

DEMO_STORE_NAME = "Demo Amazon US (sandbox)"
# The sandbox's demo seller (see seller_central_sandbox/README.md); real stores get theirs from Seller Central.
SANDBOX_CREDENTIALS = {
    "seller_id": "A2SANDBOXSELLER",
    "client_id": "amzn1.application-oa2-client.sandbox",
    "client_secret": "sandbox-client-secret",
    "refresh_token": "Atzr|sandbox-refresh-token",
}


def connect_demo_store(*, actor: AbstractBaseUser | None, commerce_store: Store) -> tuple[AmazonStore, bool]:
    """Idempotent: (store, created)."""
    existing = AmazonStore.objects.filter(name=DEMO_STORE_NAME).first()
    if existing is not None:
        return existing, False
    store = save_amazon_store(
        store=None,
        data={
            "name": DEMO_STORE_NAME,
            "region": "na",
            "marketplace_id": "ATVPDKIKX0DER",
            "commerce_store": commerce_store,
            "sync_interval_minutes": 1,
            # Backfill the sandbox's last few days of orders on the first run.
            "last_order_sync": timezone.now() - timedelta(days=7),
            **SANDBOX_CREDENTIALS,
        },
        actor=actor,
    )
    return store, True


def first_import(*, store: AmazonStore, actor: AbstractBaseUser | None) -> str:
    """Run the first import now so the demo opens with Amazon orders; the beat schedule takes over after."""
    try:
        result = import_orders(store=store, actor=actor)
    except Exception as exc:  # the sandbox may not be up yet: the schedule will catch up
        return f"First Amazon import deferred to the schedule: {exc}"
    if result.error:
        return f"First Amazon import stopped: {result.error} (the schedule will retry)"
    return (
        f"First Amazon import: {result.orders_seen} Amazon orders seen, "
        f"{result.commerce_orders_created} Commerce orders created."
    )
