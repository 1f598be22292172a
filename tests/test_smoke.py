"""The project starts, and every admin page asks for a login first."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard:index", "orders:order_grid", "amazon_channel:store_list"])
def test_admin_pages_require_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_workers_never_give_up_on_the_broker():
    """Celery's default stops reconnecting after 100 attempts (~45 minutes of Redis outage) and the worker exits, so
    nothing would run until someone restarted it: our workers keep trying (tests/faults/test_redis_killed_mid_run.py
    shows the reconnect itself, on a real Redis killed and started again)."""
    from config.celery import app

    assert app.conf.broker_connection_retry and app.conf.broker_connection_retry_on_startup
    assert app.conf.broker_connection_max_retries is None
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is False
