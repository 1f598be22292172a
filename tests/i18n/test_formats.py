"""One format per language on every page: dates and times in the language's format (config/formats), numbers with
its separators, money by currency per CLDR with the currency's own places."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from admin_ui.formatting import format_datetime, format_money, format_number
from config.catalogues import ROOT

MOMENT = datetime(2026, 3, 5, 15, 4, 5, tzinfo=timezone.get_fixed_timezone(0))


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("nl", "1234.56", "EUR", "€ 1.234,56"),
        ("nl", "-3", "EUR", "€ -3,00"),
        ("nl", "1234.5", "JPY", "JP¥ 1.235"),
        ("nl", "1234.56", "USD", "US$ 1.234,56"),
        ("en", "1234.56", "USD", "$1,234.56"),
        ("en", "1234.56", "EUR", "€1,234.56"),
        ("en", "1234.5", "JPY", "¥1,235"),
        ("en", "1.2345", "KWD", "KWD 1.235"),
        ("zh-hant", "1234.56", "USD", "US$1,234.56"),
        ("zh-hant", "1234.56", "TWD", "$1,234.56"),
        ("zh-hant", "1234.5", "JPY", "¥1,235"),
    ],
)
def test_money_is_written_per_language_with_the_currency_places(language, amount, currency, expected):
    with translation.override(language):
        assert format_money(Decimal(amount), currency) == expected


@pytest.mark.parametrize(
    ("language", "expected", "day", "number"),
    [
        ("en", "Mar 5, 2026, 3:04:05 PM", "Mar 5, 2026", "1,234.5"),
        ("zh-hant", "2026/03/05 15:04:05", "2026/03/05", "1,234.5"),
        ("nl", "5 mrt 2026 15:04:05", "5 mrt 2026", "1.234,5"),
    ],
)
def test_dates_times_and_numbers_have_one_format_per_language(settings, language, expected, day, number):
    settings.TIME_ZONE = "UTC"
    with translation.override(language):
        assert format_datetime(MOMENT) == expected
        assert format_datetime(date(2026, 3, 5)) == day
        assert format_datetime("2026-03-05T15:04:05Z") == expected  # Amazon's ship dates arrive as ISO text
        assert format_number(Decimal("1234.5")) == number
        rendered = Template("{% load admin_ui %}{{ when|datetime }}|{{ n|number }}|{{ m|money:'EUR' }}").render(
            Context({"when": MOMENT, "n": Decimal("1234.5"), "m": Decimal("2")})
        )
        assert rendered.split("|")[:2] == [expected, number]


def test_dates_follow_the_site_time_zone(settings):
    settings.TIME_ZONE = "Asia/Taipei"
    with timezone.override("Asia/Taipei"), translation.override("zh-hant"):
        assert format_datetime(MOMENT) == "2026/03/05 23:04:05"


def test_the_dashboard_has_one_money_filter():
    from dashboard.templatetags import dashboard_tags

    assert not hasattr(dashboard_tags, "money")
    with translation.override("nl"):
        assert dashboard_tags.axis_money(Decimal("200"), "EUR") == "€ 200"
        assert dashboard_tags.axis_money(Decimal("2.5"), "EUR") == "€ 2,50"


PRODUCT_TEMPLATES = [
    p
    for g in ("templates/**/*.html", "*/templates/**/*.html", "*/templates/**/*.txt", "*/templates/**/*.svg")
    for p in ROOT.glob(g)
    if "seller_central_sandbox" not in p.parts and ".venv" not in p.parts
]


@pytest.mark.parametrize("path", PRODUCT_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_write_dates_only_through_the_one_filter(path: Path):
    """`|date:"..."` / `|time:"..."` with a format of their own would be a second format; ISO ("c") is for machines."""
    own_formats = [
        m.group(0)
        for m in re.finditer(r"\|(date|time)(?!\w)(:(\"[^\"]*\"|'[^']*'))?", path.read_text(encoding="utf-8"))
        if m.group(3) not in ('"c"', "'c'")
    ]
    assert own_formats == []


def test_python_writes_no_dates_of_its_own():
    """strftime in product code writes a format no language chose (the SP-API client's wire format aside)."""
    offenders = [
        str(p.relative_to(ROOT))
        for app in ("admin_ui", "orders", "amazon_channel", "dashboard")
        for p in (ROOT / app).rglob("*.py")
        if "strftime(" in p.read_text(encoding="utf-8")
        and not {"tests", "testing", "spapi", "migrations"} & set(p.relative_to(ROOT).parts)
    ]
    assert offenders == []
