"""The one lease helper: a claim excludes others until it is released or runs out; a lost lease writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from amazon_channel.core.leases import Lease
from amazon_channel.models import AmazonStore

pytestmark = pytest.mark.django_db

LEASE = Lease(AmazonStore, "sync_lease_token", "sync_lease_until", duration=lambda: timedelta(minutes=10))


def test_one_claim_at_a_time_until_released(amazon_store):
    first = LEASE.claim(amazon_store.pk)
    assert first
    assert LEASE.claim(amazon_store.pk) is None
    assert LEASE.release(amazon_store.pk, first)
    second = LEASE.claim(amazon_store.pk)
    assert second and second != first


def test_an_expired_lease_is_taken_over_and_its_holder_can_no_longer_write(amazon_store):
    now = timezone.now()
    crashed = LEASE.claim(amazon_store.pk, now=now)
    later = now + timedelta(minutes=10, seconds=1)

    taken_over = LEASE.claim(amazon_store.pk, now=later)

    assert taken_over and taken_over != crashed
    assert not LEASE.save(amazon_store.pk, crashed, last_sync_message="late write")
    assert not LEASE.renew(amazon_store.pk, crashed)
    assert not LEASE.release(amazon_store.pk, crashed)
    row = AmazonStore.objects.get(pk=amazon_store.pk)
    assert row.sync_lease_token == taken_over and row.last_sync_message == ""


def test_renewing_pushes_the_expiry_back(amazon_store):
    now = timezone.now()
    token = LEASE.claim(amazon_store.pk, now=now)
    assert LEASE.renew(amazon_store.pk, token, now=now + timedelta(minutes=9))
    assert LEASE.claim(amazon_store.pk, now=now + timedelta(minutes=11)) is None
    assert LEASE.claim(amazon_store.pk, now=now + timedelta(minutes=19, seconds=1))


def test_a_claim_writes_its_extra_fields_and_respects_its_condition(amazon_store):
    from django.db.models import Q

    assert LEASE.claim(amazon_store.pk, where=Q(is_active=False)) is None
    token = LEASE.claim(amazon_store.pk, where=Q(is_active=True), last_sync_message="started")
    assert token
    assert AmazonStore.objects.get(pk=amazon_store.pk).last_sync_message == "started"
    assert LEASE.held(amazon_store.pk, token).exists()
    assert not LEASE.held(amazon_store.pk, "someone-else").exists()
