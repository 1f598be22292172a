import pytest

from admin_ui.pagination import CappedPaginator
from orders.models import Store


@pytest.mark.django_db
def test_count_stops_at_the_cap_and_says_so(monkeypatch, django_assert_num_queries):
    Store.objects.bulk_create(Store(name=f"Store {n}", code=f"store-{n}") for n in range(8))
    stores = Store.objects.order_by("code")
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    paginator = CappedPaginator(stores, 2)
    with django_assert_num_queries(1):
        assert paginator.count == 6  # cap + 1: "more than 5"
        assert paginator.is_capped
    assert paginator.num_pages == 3
    monkeypatch.setattr(CappedPaginator, "cap", 50)
    full = CappedPaginator(stores, 2)
    assert (full.count, full.is_capped) == (8, False)
