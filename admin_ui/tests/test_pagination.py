import pytest

from admin_ui.pagination import CappedPaginator
from orders.models import OrderStatus


@pytest.mark.django_db
def test_count_stops_at_the_cap_and_says_so(monkeypatch, django_assert_num_queries):
    statuses = OrderStatus.objects.order_by("code")  # 8 rows seeded by the migration
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    paginator = CappedPaginator(statuses, 2)
    with django_assert_num_queries(1):
        assert paginator.count == 6  # cap + 1: "more than 5"
        assert paginator.is_capped
    assert paginator.num_pages == 3
    full = CappedPaginator(statuses, 2)
    monkeypatch.setattr(CappedPaginator, "cap", 50)
    assert (full.count, full.is_capped) == (8, False)
