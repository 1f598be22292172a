"""A paginator that stops counting at a cap: COUNT(*) over a million rows costs more than the page itself."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows; `is_capped` says the real total is larger (show "10,000+")."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap


class DeferredRowsPaginator(CappedPaginator):
    """Pages a big filtered set in two steps inside one query: the filters, the sort, OFFSET and LIMIT pick the page's
    ids from the main table alone, then `load_rows(ids)` joins and loads just those rows.

    Without it PostgreSQL joins every row it skips (an OFFSET, or all the matches of a filter it must sort) to the
    related tables before the LIMIT: a deep page or a broad search cost thousands of index look-ups.
    `load_rows` must order the rows as `object_list` does.
    """

    def __init__(self, object_list: QuerySet, per_page: int, *, load_rows: Callable[[QuerySet], QuerySet], **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.load_rows = load_rows

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.load_rows(ids), number, self)
