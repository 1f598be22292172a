"""A grid like Magento's: keyword search, declared filters, whitelisted sorting, pages with a page size, removable
filter chips, bookmarkable URLs (everything lives in the query string) and a CSV export of the filtered set.

A page declares a `Grid` subclass and hands it a queryset that already joins what the rows show, so the number of
queries never grows with the page size.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

# --- columns ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str | None = None  # the model field path to order by; None = not sortable
    css: str = ""


@dataclass(frozen=True)
class SortState:
    active: bool
    descending: bool
    url: str


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


# --- filters ------------------------------------------------------------------------------------------------------


class GridFilter:
    """One declared filter: reads its own query parameters, narrows the queryset, describes itself as chips."""

    name: str
    label: str

    def params(self) -> list[str]:
        return [self.name]

    def apply(self, qs: QuerySet, data: QueryDict) -> QuerySet:
        raise NotImplementedError

    def chips(self, data: QueryDict) -> list[tuple[str, list[str]]]:
        """(text, parameters to drop) for each active part of this filter."""
        raise NotImplementedError


class ChoiceFilter(GridFilter):
    template = "admin_ui/filters/choice.html"

    def __init__(self, name: str, label: str, field: str, choices: Sequence[tuple[str, str]] | Callable[[], Any]):
        self.name, self.label, self.field, self._choices = name, label, field, choices

    @property
    def choices(self) -> list[tuple[str, str]]:
        # Loaded once per grid (each Grid works on its own copy of its filters), however often a page asks.
        if getattr(self, "_loaded", None) is None:
            choices = self._choices() if callable(self._choices) else self._choices
            self._loaded = [(str(k), str(v)) for k, v in choices]
        return self._loaded

    def value(self, data: QueryDict) -> str:
        value = data.get(self.name, "")
        return value if value in dict(self.choices) else ""

    def apply(self, qs, data):
        value = self.value(data)
        return qs.filter(**{self.field: value}) if value else qs

    def chips(self, data):
        value = self.value(data)
        return [(f"{self.label}: {dict(self.choices)[value]}", [self.name])] if value else []


class RangeFilter(GridFilter):
    """From / to on a date (whole days in the site's time zone) or a number."""

    template = "admin_ui/filters/range.html"

    def __init__(self, name: str, label: str, field: str, *, kind: str = "number"):
        if kind not in {"number", "date"}:
            raise ValueError(kind)
        self.name, self.label, self.field, self.kind = name, label, field, kind

    @property
    def param_from(self) -> str:
        return f"{self.name}_from"

    @property
    def param_to(self) -> str:
        return f"{self.name}_to"

    def params(self):
        return [self.param_from, self.param_to]

    def parse(self, raw: str):
        raw = (raw or "").strip()
        if not raw:
            return None
        if self.kind == "date":
            try:
                return parse_date(raw)
            except ValueError:
                return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None

    def bounds(self, data: QueryDict):
        return self.parse(data.get(self.param_from, "")), self.parse(data.get(self.param_to, ""))

    def apply(self, qs, data):
        low, high = self.bounds(data)
        if self.kind == "date":
            # Compare the raw timestamp (indexed) with the local day's start and the next day's start.
            tz = timezone.get_current_timezone()
            if low:
                qs = qs.filter(**{f"{self.field}__gte": dt.datetime.combine(low, dt.time.min, tzinfo=tz)})
            if high:
                end = dt.datetime.combine(high + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
                qs = qs.filter(**{f"{self.field}__lt": end})
            return qs
        if low is not None:
            qs = qs.filter(**{f"{self.field}__gte": low})
        if high is not None:
            qs = qs.filter(**{f"{self.field}__lte": high})
        return qs

    def chips(self, data):
        low, high = self.bounds(data)
        chips = []
        if low is not None:
            chips.append((f"{self.label} {_('from')} {low}", [self.param_from]))
        if high is not None:
            chips.append((f"{self.label} {_('to')} {high}", [self.param_to]))
        return chips


# --- the grid -----------------------------------------------------------------------------------------------------


@dataclass
class GridPage:
    rows: list
    number: int
    size: int
    total: int  # capped at Grid.count_cap + 1
    total_capped: bool
    num_pages: int
    has_next: bool
    page_links: list[tuple[int | None, str]] = field(default_factory=list)
    previous_url: str = ""
    next_url: str = ""

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)


class Grid:
    columns: Sequence[Column] = ()
    filters: Sequence[GridFilter] = ()
    # Lookups a keyword is matched with, OR-ed: prefer prefix lookups on indexed fields so big tables stay fast.
    search_fields: Sequence[str] = ()
    search_placeholder = _("Search by keyword")
    default_sort = "-id"
    tie_breaker = "id"  # makes the order total, so pages never repeat or skip a row
    page_sizes: Sequence[int] = (20, 30, 50, 100, 200)
    default_page_size = 20
    # Counting every matching row of a huge table is slow; beyond this the grid says "more than N".
    count_cap = 10_000
    # (header, accessor) pairs for the CSV export.
    csv_columns: Sequence[tuple[str, Callable[[Any], Any]]] = ()

    def __init__(self, data: QueryDict, queryset: QuerySet, *, path: str = ""):
        self.filters = [_fresh_copy(f) for f in type(self).filters]  # per-request state (loaded choices) stays here
        self.data = data
        self.base_queryset = queryset
        self.path = path

    @classmethod
    def from_request(cls, request, queryset: QuerySet) -> Grid:
        return cls(request.GET, queryset, path=request.path)

    # query string ---------------------------------------------------------------------------------------------
    def url_with(self, **changes: Any) -> str:
        """This grid's URL with some parameters changed (None drops one); any change but paging goes to page 1."""
        query = self.data.copy()
        if "page" not in changes:
            query.pop("page", None)
        for key, value in changes.items():
            query.pop(key, None)
            if value not in (None, ""):
                query[key] = str(value)
        return f"{self.path}?{query.urlencode()}" if query else self.path or "?"

    def url_without(self, params: Iterable[str]) -> str:
        return self.url_with(**dict.fromkeys(params))

    @property
    def csv_url(self) -> str:
        return self.url_with(export="csv")

    @property
    def querystring(self) -> str:
        return self.data.urlencode()

    # search, filters, sort ------------------------------------------------------------------------------------
    @property
    def keyword(self) -> str:
        return (self.data.get("q") or "").strip()[:200]

    def filtered(self) -> QuerySet:
        qs = self.base_queryset
        if self.keyword:
            condition = self.search_condition(self.keyword)
            if condition is not None:
                qs = qs.filter(condition)
        for grid_filter in self.filters:
            qs = grid_filter.apply(qs, self.data)
        return qs

    def search_condition(self, keyword: str) -> Q | None:
        """The keyword matched against every search field (OR). A grid may narrow it by what the keyword looks like,
        so an indexed lookup answers instead of a scan."""
        return _any_of(self.search_fields, keyword)

    @property
    def sortable(self) -> dict[str, str]:
        return {c.key: c.sort for c in self.columns if c.sort}

    @property
    def sort_key(self) -> str:
        raw = self.data.get("sort") or ""
        if raw.lstrip("-") in self.sortable:
            return raw
        return self.default_sort

    def ordering(self) -> list[str]:
        key = self.sort_key
        descending = key.startswith("-")
        field_path = self.sortable.get(key.lstrip("-"), key.lstrip("-"))
        prefix = "-" if descending else ""
        ordering = [prefix + field_path]
        if field_path != self.tie_breaker:
            ordering.append(prefix + self.tie_breaker)
        return ordering

    def sorted(self) -> QuerySet:
        return self.filtered().order_by(*self.ordering())

    def sort_state(self, column: Column) -> SortState:
        key = self.sort_key
        active = key.lstrip("-") == column.key
        descending = active and key.startswith("-")
        # Clicking the active column flips it; a new column starts ascending.
        next_key = column.key if (not active or descending) else f"-{column.key}"
        return SortState(active, descending, self.url_with(sort=next_key))

    # paging ---------------------------------------------------------------------------------------------------
    @property
    def page_size(self) -> int:
        try:
            size = int(self.data.get("limit", ""))
        except ValueError:
            return self.default_page_size
        return size if size in self.page_sizes else self.default_page_size

    def page(self) -> GridPage:
        qs = self.filtered()
        size = self.page_size
        total = qs.order_by()[: self.count_cap + 1].count()
        capped = total > self.count_cap
        num_pages = max(1, -(-total // size))
        try:
            number = max(1, int(self.data.get("page", "1")))
        except ValueError:
            number = 1
        if not capped:
            number = min(number, num_pages)
        offset = (number - 1) * size
        rows = list(self.sorted()[offset : offset + size + 1])
        has_next = len(rows) > size
        page = GridPage(rows[:size], number, size, total, capped, num_pages, has_next)
        page.page_links = self._page_links(page)
        page.previous_url = self.url_with(page=number - 1) if number > 1 else ""
        page.next_url = self.url_with(page=number + 1) if has_next else ""
        return page

    def _page_links(self, page: GridPage) -> list[tuple[int | None, str]]:
        last = page.num_pages
        shown = {1, page.number - 1, page.number, page.number + 1}
        if not page.total_capped:
            shown.add(last)
        links: list[tuple[int | None, str]] = []
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= last):
            if number - previous > 1:
                links.append((None, ""))
            links.append((number, self.url_with(page=number)))
            previous = number
        return links

    # chips ----------------------------------------------------------------------------------------------------
    def chips(self) -> list[Chip]:
        chips = []
        if self.keyword:
            chips.append(Chip(f"{_('Keyword')}: {self.keyword}", self.url_without(["q"])))
        for grid_filter in self.filters:
            for text, params in grid_filter.chips(self.data):
                chips.append(Chip(text, self.url_without(params)))
        return chips

    @property
    def clear_url(self) -> str:
        keep = {k: self.data.get(k) for k in ("sort", "limit") if self.data.get(k)}
        query = QueryDict(mutable=True)
        query.update(keep)
        return f"{self.path}?{query.urlencode()}" if keep else self.path

    # CSV ------------------------------------------------------------------------------------------------------
    def csv_rows(self, rows: Iterable | None = None) -> Iterator[list[str]]:
        yield [str(header) for header, _accessor in self.csv_columns]
        source = rows if rows is not None else self.sorted().iterator(chunk_size=2000)
        for row in source:
            yield [_csv_safe(accessor(row)) for _header, accessor in self.csv_columns]

    def csv_response(self, filename: str, rows: Iterable | None = None) -> StreamingHttpResponse:
        """Streams the whole filtered, sorted set (or the given rows) without holding it in memory."""
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(line) for line in self.csv_rows(rows)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _any_of(lookups: Sequence[str], value: str) -> Q | None:
    condition = None
    for lookup in lookups:
        q = Q(**{lookup: value})
        condition = q if condition is None else condition | q
    return condition


def _fresh_copy(grid_filter: GridFilter) -> GridFilter:
    clone = copy.copy(grid_filter)
    vars(clone).pop("_loaded", None)
    return clone


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ runs as a formula in spreadsheets; a leading apostrophe keeps it text.
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True
