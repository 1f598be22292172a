"""The demo's set-up command: a working login and orders in every state, and running it twice changes nothing;
outside the demo it refuses (its password is published)."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from orders.models import Order


@pytest.mark.django_db
def test_demo_setup_creates_login_and_orders_once(capsys, settings):
    settings.DEMO_MODE = True
    call_command("demo_setup")
    out = capsys.readouterr().out
    assert "Demo login: admin / demo-admin-123" in out
    # The sign-in throttle counts attempts per address, so authenticate() is given the request a login form sends.
    request = RequestFactory().post("/login/")
    assert authenticate(request, username="admin", password="demo-admin-123").is_staff
    states = set(Order.objects.values_list("state", flat=True))
    assert {"new", "processing", "complete", "closed", "canceled", "holded"} <= states
    count = Order.objects.count()
    call_command("demo_setup")
    assert Order.objects.count() == count


@pytest.mark.django_db
def test_demo_setup_refuses_outside_the_demo(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DJANGO_DEMO=1"):
        call_command("demo_setup")
    assert not get_user_model().objects.filter(username="admin").exists()
    assert not Order.objects.exists()
