"""A grid like Magento's: keyword search, declared filters, whitelisted sorting, pages with a page size, removable
filter chips, bookmarkable URLs (everything lives in the query string) and a CSV export of the filtered set.

A page declares a `Grid` subclass and hands it a queryset that already joins what the rows show, so the number of
queries never grows with the page size. A grid over a big table may instead declare `load_rows(ids)`: the filters,
the sort and the page's OFFSET / LIMIT then pick the page's ids on the main table alone and only those rows are
joined and loaded (see `Grid.load_rows`).

Whatever the query string holds, a grid answers a page or a 404, never an error: values it can't read are ignored.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

# A number filter's bounds stop at 10^100 and at the 30th decimal place.
MAX_INTEGER_DIGITS = 100
MAX_DECIMAL_PLACES = 30
# The largest OFFSET + LIMIT a database accepts (a signed 64-bit integer in PostgreSQL and SQLite).
MAX_ROW_INDEX = 2**63 - 1

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

    def context(self, data: QueryDict) -> dict[str, Any]:
        """What the filter's template shows of the current request (besides `filter` and `grid`)."""
        return {"current": self.value(data)}

    def value(self, data: QueryDict) -> Any:
        raise NotImplementedError


class ChoiceFilter(GridFilter):
    template = "admin_ui/filters/choice.html"

    def __init__(
        self,
        name: str,
        label: str,
        field: str,
        choices: Sequence[tuple[str, str]] | Callable[[], Any],
        *,
        empty_label: str = _("Any"),
    ):
        self.name, self.label, self.field, self._choices = name, label, field, choices
        self.empty_label = empty_label  # the first option, meaning "not filtered"

    @property
    def choices(self) -> list[tuple[str, str]]:
        # Loaded once per grid (each Grid works on its own copy of its filters), however often a page asks.
        if getattr(self, "_loaded", None) is None:
            choices = self._choices() if callable(self._choices) else self._choices
            self._loaded = [(str(k), str(v)) for k, v in choices]
        return self._loaded

    def value(self, data: QueryDict) -> str:
        value = data.get(self.name, "")
        return value if value and value in dict(self.choices) else ""  # choices loaded only when one is asked for

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
        if not value.is_finite():
            return None
        # PostgreSQL refuses to compare a numeric of 130,000 digits; beyond any amount a column holds, a bound
        # means the same at 10^100, and a difference past the 30th decimal place is no difference.
        if value.adjusted() >= MAX_INTEGER_DIGITS:
            return Decimal(1).scaleb(MAX_INTEGER_DIGITS).copy_sign(value)
        if value.as_tuple().exponent < -MAX_DECIMAL_PLACES:
            with localcontext(prec=MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES + 1):
                value = value.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES))
        return value

    def bounds(self, data: QueryDict):
        return self.parse(data.get(self.param_from, "")), self.parse(data.get(self.param_to, ""))

    def context(self, data):
        low, high = self.bounds(data)
        return {"low": low, "high": high}

    def apply(self, qs, data):
        low, high = self.bounds(data)
        if self.kind == "date":
            # Compare the raw timestamp (indexed) with the local day's start and the next day's start. A day whose
            # edge lies outside the calendar a timestamp can hold (before year 1 or after 9999 in UTC) bounds nothing.
            start = _day_start(low) if low else None
            end = _day_start(high, days_after=1) if high else None
            if start:
                qs = qs.filter(**{f"{self.field}__gte": start})
            if end:
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


class TextFilter(GridFilter):
    """A text box: the field matched with `lookup` (icontains by default) against what was typed, surrounding space
    stripped and cut at `max_length`; empty = not filtered."""

    template = "admin_ui/filters/text.html"

    def __init__(self, name: str, label: str, field: str, *, lookup: str = "icontains", max_length: int = 100):
        self.name, self.label, self.field, self.lookup, self.max_length = name, label, field, lookup, max_length

    def value(self, data: QueryDict) -> str:
        return clean_text(data.get(self.name, ""), self.max_length)

    def apply(self, qs, data):
        value = self.value(data)
        return qs.filter(**{f"{self.field}__{self.lookup}": value}) if value else qs

    def chips(self, data):
        value = self.value(data)
        return [(f"{self.label}: {value}", [self.name])] if value else []


class BooleanFilter(GridFilter):
    """A checkbox: when ticked (the parameter is "1", "on" or "true"), only rows matching `condition`, a Q or a
    function returning one (called per request, e.g. for a condition that reads the clock)."""

    template = "admin_ui/filters/boolean.html"
    ON = frozenset({"1", "on", "true"})

    def __init__(self, name: str, label: str, condition: Q | Callable[[], Q]):
        self.name, self.label, self.condition = name, label, condition

    def value(self, data: QueryDict) -> bool:
        return (data.get(self.name) or "").strip().lower() in self.ON

    def apply(self, qs, data):
        if not self.value(data):
            return qs
        return qs.filter(self.condition() if callable(self.condition) else self.condition)

    def chips(self, data):
        return [(str(self.label), [self.name])] if self.value(data) else []


def clean_text(raw: str, max_length: int) -> str:
    """Typed text as a filter compares it: NUL characters dropped (PostgreSQL refuses them in a string), surrounding
    space stripped, at most `max_length` characters."""
    return (raw or "").replace("\x00", "").strip()[:max_length]


def _day_start(day: dt.date, *, days_after: int = 0) -> dt.datetime | None:
    """The start of `day` (plus `days_after` days) in the current time zone, or None outside the calendar."""
    tz = timezone.get_current_timezone()
    try:
        start = dt.datetime.combine(day + dt.timedelta(days=days_after), dt.time.min, tzinfo=tz)
        start.astimezone(dt.UTC)  # what the database compares; fails for the first and last hours of the calendar
    except OverflowError:
        return None
    return start


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
    # Deferred row loading, for a grid whose rows join other tables: `load_rows(ids)` gets a subquery of the page's
    # ids, picked by the filters, the sort and OFFSET / LIMIT on the grid's queryset alone, and returns a queryset of
    # just those rows with what they show (select_related, only, annotations); the grid orders it. Without it
    # PostgreSQL joins every row a deep page skips, or every match of a broad filter it must sort, before the LIMIT.
    # Pass the bare table's queryset then: the joins belong in load_rows. None = the queryset's rows as they are.
    load_rows: Callable[[QuerySet], QuerySet] | None = None

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
        return clean_text(self.data.get("q") or "", 200)

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
        if field_path != self.tie_breaker and not self._is_unique(field_path):
            ordering.append(prefix + self.tie_breaker)
        return ordering

    def _is_unique(self, field_path: str) -> bool:
        """A unique column orders the rows fully on its own; adding the tie-breaker would keep PostgreSQL from
        reading the page straight off that column's unique index."""
        if LOOKUP_SEP in field_path:
            return False
        try:
            model_field = self.base_queryset.model._meta.get_field(field_path)
        except FieldDoesNotExist:
            return False
        return bool(getattr(model_field, "unique", False)) and not getattr(model_field, "null", False)

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

    @property
    def page_number(self) -> int:
        """The page asked for: 1 unless the query string holds a whole number above 1."""
        raw = (self.data.get("page") or "1").strip()
        try:
            return max(1, int(raw))
        except ValueError:
            # Thousands of digits (more than Python reads) are still a number, past any page; the rest is none.
            return MAX_ROW_INDEX if raw.isdecimal() else 1

    def page(self) -> GridPage:
        """One page: two queries (the capped count; the page's rows) whatever the page size.

        Past the last page a grid whose count is exact shows the last page. A grid whose count stopped at the cap
        doesn't know its last page: a page past its rows, or one no database could offset to, is a 404, as
        Django's paginator answers a page that doesn't exist."""
        qs = self.filtered()
        size = self.page_size
        total = qs.order_by()[: self.count_cap + 1].count()
        capped = total > self.count_cap
        num_pages = max(1, -(-total // size))
        number = self.page_number
        if not capped:
            number = min(number, num_pages)
        offset = (number - 1) * size
        if offset + size + 1 > MAX_ROW_INDEX:
            raise Http404(_("There is no page %(number)s.") % {"number": number})
        rows = self.rows(offset, size + 1)
        if capped and number > 1 and not rows:
            raise Http404(_("There is no page %(number)s.") % {"number": number})
        has_next = len(rows) > size
        page = GridPage(rows[:size], number, size, total, capped, num_pages, has_next)
        page.page_links = self._page_links(page)
        page.previous_url = self.url_with(page=number - 1) if number > 1 else ""
        page.next_url = self.url_with(page=number + 1) if has_next else ""
        return page

    def rows(self, offset: int, limit: int) -> list:
        """`limit` rows of the filtered, sorted set from `offset` on, in one query."""
        ordered = self.sorted()
        if self.load_rows is None:
            return list(ordered[offset : offset + limit])
        ids = ordered.values("pk")[offset : offset + limit]
        return list(self.load_rows(ids).order_by(*self.ordering()))

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
        if rows is None:
            ordered = self.sorted()
            if self.load_rows is not None:
                ordered = self.load_rows(ordered.values("pk")).order_by(*self.ordering())
            rows = ordered.iterator(chunk_size=2000)
        for row in rows:
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
