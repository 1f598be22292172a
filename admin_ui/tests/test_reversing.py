import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from admin_ui.reversing import reverse_int


@pytest.mark.parametrize("name", ["amazon_channel:order_detail", "orders:order_view", "dashboard:amazon_store"])
def test_reverse_int_gives_what_reverse_gives(name):
    for pk in (1, 7, 12345, 10**12):
        assert reverse_int(name, pk) == reverse(name, args=[pk])


def test_reverse_int_follows_the_script_prefix_and_refuses_unknown_names():
    try:
        set_script_prefix("/shop/")
        assert reverse_int("amazon_channel:order_detail", 5) == reverse("amazon_channel:order_detail", args=[5])
        assert reverse_int("amazon_channel:order_detail", 5).startswith("/shop/")
    finally:
        set_script_prefix("/")
    assert reverse_int("amazon_channel:order_detail", 5) == reverse("amazon_channel:order_detail", args=[5])
    with pytest.raises(NoReverseMatch):
        reverse_int("amazon_channel:no_such_page", 5)
