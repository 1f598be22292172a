"""The demo's set-up command: a working login and orders in every state, and running it twice changes nothing."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from orders.models import Order


@pytest.mark.django_db
def test_demo_setup_creates_login_and_orders_once(capsys):
    call_command("demo_setup")
    out = capsys.readouterr().out
    assert "Demo login: admin / demo-admin-123" in out
    assert authenticate(username="admin", password="demo-admin-123").is_staff
    states = set(Order.objects.values_list("state", flat=True))
    assert {"new", "processing", "complete", "closed", "canceled", "holded"} <= states
    count = Order.objects.count()
    call_command("demo_setup")
    assert Order.objects.count() == count
