"""The project starts, and every admin page asks for a login first."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard:index", "orders:order_grid", "amazon_channel:store_list"])
def test_admin_pages_require_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "login" in response["Location"]
