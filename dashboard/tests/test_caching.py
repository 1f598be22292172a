"""The dashboards' optional cache (dashboard.caching): figures kept DASHBOARD_CACHE_SECONDS when that is set, the cheap
lists always live, and a cache server that is down never fails a page."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import amazon_selectors, figures
from dashboard.periods import get_range
from dashboard.tests.factories import AmazonOrderFactory, AmazonStoreFactory, place_orders

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def amazon_page(client, store) -> str:
    response = client.get(reverse("dashboard:amazon_store", args=[store.pk]))
    assert response.status_code == 200
    return response.content.decode()


def dead_redis() -> str:
    """A Redis URL on a port nothing listens on: every connection is refused, as with Redis down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


def test_heavy_figures_are_recomputed_at_most_once_per_cache_window(staff_client, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    key = figures.figures_cache_key(get_range("24h"))
    cache.delete(key)
    place_orders(1, price="100.00")
    url = reverse("dashboard:index") + "?range=24h"
    with CaptureQueriesContext(connection) as cold:
        assert re.search(r'data-testid="lifetime-sales">\$100\.00<', text(staff_client.get(url)))
    place_orders(1, price="50.00", channel="amazon", prefix="AMZLATE")
    with CaptureQueriesContext(connection) as warm:
        page = text(staff_client.get(url))
    # Within the window the page shows the figures it computed and skips their three aggregate queries...
    assert re.search(r'data-testid="lifetime-sales">\$100\.00<', page)
    assert len(warm.captured_queries) == len(cold.captured_queries) - 3
    # ...while the recent orders, which are cheap, stay live.
    assert "AMZLATE-0000000-1" in page
    cache.delete(key)
    assert re.search(r'data-testid="lifetime-sales">\$150\.00<', text(staff_client.get(url)))


def test_the_dashboard_shows_fresh_figures_while_its_cache_server_is_down(staff_client, settings, caplog):
    """Redis (the figures' cache) down or restarting: the dashboard computes the figures itself instead of failing,
    and says so in the log; once the cache is back it is used again."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead_redis()}}
    settings.DASHBOARD_CACHE_SECONDS = 60
    place_orders(1, price="100.00")
    url = reverse("dashboard:index") + "?range=24h"

    response = staff_client.get(url)

    assert response.status_code == 200
    assert re.search(r'data-testid="lifetime-sales">\$100\.00<', text(response))
    assert any("cache unavailable" in record.getMessage() for record in caplog.records)

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.delete(figures.figures_cache_key(get_range("24h")))
    cold = queries_for(staff_client, url)
    assert queries_for(staff_client, url) == cold - 3  # the three figure queries skipped: cached again


def test_revenue_is_recomputed_at_most_once_per_cache_window_per_store(staff_client, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    store, other = AmazonStoreFactory(), AmazonStoreFactory()
    for s in (store, other):
        cache.delete(amazon_selectors.amazon_revenue_cache_key(s.pk))
    now = timezone.now()
    AmazonOrderFactory(store=store, grand_total=Decimal("10.00"), purchase_date=now - timedelta(days=1))
    AmazonOrderFactory(store=other, grand_total=Decimal("99.00"), purchase_date=now - timedelta(days=1))
    with CaptureQueriesContext(connection) as cold:
        assert re.search(r'data-testid="revenue-7d">\$10\.00<', amazon_page(staff_client, store))
    late = AmazonOrderFactory(
        store=store, grand_total=Decimal("5.00"), purchase_date=now - timedelta(hours=1), latest_ship_date=now
    )
    with CaptureQueriesContext(connection) as warm:
        page = amazon_page(staff_client, store)
    # Within the window the revenue is the one computed (its aggregate query skipped)...
    assert re.search(r'data-testid="revenue-7d">\$10\.00<', page)
    assert len(warm.captured_queries) == len(cold.captured_queries) - 1
    # ...the lists and counts stay live, and each store has its own figures.
    assert late.amazon_order_id in page and re.search(r'data-testid="awaiting-count">2<', page)
    assert re.search(r'data-testid="revenue-7d">\$99\.00<', amazon_page(staff_client, other))
    cache.delete(amazon_selectors.amazon_revenue_cache_key(store.pk))
    assert re.search(r'data-testid="revenue-7d">\$15\.00<', amazon_page(staff_client, store))


def test_the_amazon_store_dashboard_shows_its_revenue_while_the_cache_server_is_down(staff_client, settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead_redis()}}
    settings.DASHBOARD_CACHE_SECONDS = 60
    store = AmazonStoreFactory()
    AmazonOrderFactory(store=store, grand_total=Decimal("10.00"), purchase_date=timezone.now() - timedelta(days=1))

    assert re.search(r'data-testid="revenue-7d">\$10\.00<', amazon_page(staff_client, store))
    assert any("cache unavailable" in record.getMessage() for record in caplog.records)
