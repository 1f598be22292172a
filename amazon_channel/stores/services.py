"""Amazon stores: their settings (saved with their sync schedule) and *Test connection*."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..core import client as clients
from ..core.credentials import resume_after_credentials_fixed
from ..core.marketplaces import marketplace_label, marketplace_region
from ..models import AmazonStore, Region
from ..spapi import errors
from ..spapi.auth import TokenCache
from ..sync import import_skipped_orders, schedule_store_sync
from .selectors import same_account_store

SECRET_FIELDS = ("client_secret", "refresh_token")


@transaction.atomic
def save_amazon_store(
    *, store: AmazonStore | None, data: dict[str, Any], actor: AbstractBaseUser | None, import_skipped: bool = False
) -> AmazonStore:
    """Create or update a store from cleaned form data; a blank secret keeps the stored one (write-only fields).

    `import_skipped`: when this enables import again, also import the orders received while it was Disabled."""
    was_importing = store.import_orders if store is not None and store.pk else True
    store = store or AmazonStore()
    for field, value in data.items():
        if field in SECRET_FIELDS and not value:
            continue
        setattr(store, field, value)
    store.full_clean()
    refuse_second_store_for_account(store)
    store.save()
    resume_after_credentials_fixed(store=store)  # new secrets entered: a paused sync runs again
    schedule_store_sync(store=store)
    if import_skipped and store.import_orders and not was_importing:
        import_skipped_orders(store=store, actor=actor)
    return store


def refuse_second_store_for_account(store: AmazonStore) -> None:
    """One store per seller and marketplace: a second would import the same Amazon orders again. The seller's stores
    are locked first, so two saves at once can't both take the same marketplace."""
    list(AmazonStore.objects.select_for_update().filter(seller_id=store.seller_id.strip()).values_list("pk"))
    other = same_account_store(seller_id=store.seller_id, marketplace_ids=store.marketplace_ids, exclude_pk=store.pk)
    if other is not None:
        raise ValidationError({"marketplace_id": second_store_message(other)})
    problem = region_problem(region=store.region, marketplace_ids=store.marketplace_ids)
    if problem:
        raise ValidationError({"more_marketplace_ids": problem})


def second_store_message(other: AmazonStore) -> str:
    return _("The store %(name)s is already set up for this seller and one of these marketplaces.") % {
        "name": other.name
    }


def region_problem(*, region: str, marketplace_ids: list[str]) -> str:
    """Why these marketplaces can't be one store's (another region's marketplace), or "" when they can."""
    for marketplace_id in marketplace_ids:
        other_region = marketplace_region(marketplace_id)
        if other_region is not None and other_region != region:
            return _(
                "%(marketplace)s is reached through Amazon's %(other)s endpoint, not this store's region (%(region)s): "
                "a store holds marketplaces of one region. Set up another store for it."
            ) % {
                "marketplace": marketplace_label(marketplace_id),
                "other": Region(other_region).label,
                "region": Region(region).label if region in Region.values else region,
            }
    return ""


def preview_amazon_store(*, store: AmazonStore | None, data: dict[str, Any]) -> AmazonStore:
    """An unsaved copy of the store with the form's values, for *Test connection* before saving."""
    preview = AmazonStore() if store is None else AmazonStore.objects.get(pk=store.pk)
    for field, value in data.items():
        if field in SECRET_FIELDS and not value:
            continue
        setattr(preview, field, value)
    return preview


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str


def check_amazon_connection(*, store: AmazonStore, actor: AbstractBaseUser | None) -> ConnectionCheck:
    """A real token exchange and one searchOrders call with the store's credentials (saved or not yet saved).

    Amazon's own message comes back on failure, so the merchant can tell a wrong secret from a wrong marketplace.
    """
    # A fresh token cache: the check must really exchange the credentials typed in, not reuse a cached token.
    client = clients.client_for_store(store, token_cache=TokenCache())
    try:
        client.search_orders(
            created_after=timezone.now() - timedelta(days=1),
            marketplace_ids=store.marketplace_ids,
            max_results_per_page=1,
        )
    except errors.SpApiError as exc:
        detail = exc.message or exc.code or str(exc)
        code = f" ({exc.code})" if exc.code else ""
        message = _("Amazon refused the connection%(code)s: %(detail)s") % {"code": code, "detail": detail}
        return ConnectionCheck(False, message)
    except Exception as exc:  # a wrong endpoint or a network failure: say what happened rather than a 500 page
        return ConnectionCheck(False, _("Amazon could not be reached: %(detail)s") % {"detail": exc})
    message = _("Connected to Amazon: the credentials work for marketplace %(marketplace)s.") % {
        "marketplace": ", ".join(store.marketplace_ids)
    }
    return ConnectionCheck(True, message)
