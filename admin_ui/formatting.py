"""Money, numbers, dates and times as the reader's language writes them, one format per language on every page.

Money follows CLDR through Babel (`$1,234.56` in English, `US$1,234.56` in Traditional Chinese, `€ 1.234,56` in
Dutch) with the currency's own places (JPY none, KWD three); dates and times follow the language's Django formats
(config/formats/<lang>/formats.py) in the site's time zone. Templates use the `money`, `number` and `datetime`
filters of `{% load admin_ui %}`; Python code that writes text for a person calls these functions.
"""

from __future__ import annotations

from copy import copy
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_symbol
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language, to_locale

# ISO 4217 minor units where they are not 2 (the credit memo page's script reads the same through data-places).
CURRENCY_PLACES = {"JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
NBSP = "\u00a0"


def currency_places(currency: str) -> int:
    return CURRENCY_PLACES.get((currency or "").upper(), 2)


@lru_cache(maxsize=16)
def _babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(to_locale(language or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


@lru_cache(maxsize=64)
def _currency_pattern(locale: Locale, digits: int):
    """The language's currency pattern with exactly `digits` decimals."""
    pattern = copy(locale.currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return pattern


def format_money(amount, currency: str = "USD", *, places: int | None = None, language: str | None = None) -> str:
    """`amount` in `currency` for the active language (or `language`), rounded half up to the currency's places
    (or `places`). Blank for None; text that is no number comes back as it is."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    code = (currency or "").upper()
    digits = currency_places(code) if places is None else places
    value = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    locale = _babel_locale(language or get_language() or "en")
    if not code:
        return format_number(value, digits)
    text = _currency_pattern(locale, digits).apply(value, locale, currency=code, currency_digits=False)
    # CLDR's currency spacing: a symbol made of letters ("CHF", "KWD") stands apart from the digits.
    symbol = get_currency_symbol(code, locale)
    if symbol and symbol[-1].isalpha():
        at = text.find(symbol)
        after = at + len(symbol)
        if at >= 0 and after < len(text) and (text[after].isdigit() or text[after] == "-"):
            text = text[:after] + " " + text[after:]
    # A plain space: the same text in a page, a CSV cell, a chart label and an email.
    return text.replace(NBSP, " ")


def format_number(value, places: int | None = None) -> str:
    """A number with the active language's decimal mark and thousands grouping (1,234.5 / 1.234,5)."""
    if value is None or value == "":
        return ""
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def format_datetime(value, part: str = "datetime") -> str:
    """A date and time in the site's time zone in the language's one format (`part`: "datetime", "date" or "time").
    A date alone is its date; ISO text (Amazon's ship dates) is read first; other text comes back as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        parsed = parse_datetime(value) or parse_date(value)
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        name = {"date": "DATE_FORMAT", "time": "TIME_FORMAT"}.get(part, "DATETIME_FORMAT")
        return formats.date_format(value, name) if name != "TIME_FORMAT" else formats.time_format(value, name)
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)
