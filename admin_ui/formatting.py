"""Money as a merchant reads it: the currency's symbol and its number of decimal places."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units where they are not 2.
CURRENCY_PLACES = {"JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CAD": "CA$",
    "AUD": "A$",
    "MXN": "MX$",
    "BRL": "R$",
    "INR": "₹",
    "TWD": "NT$",
    "CNY": "CN¥",
    "SEK": "SEK ",
    "PLN": "PLN ",
}


def currency_places(currency: str) -> int:
    return CURRENCY_PLACES.get((currency or "").upper(), 2)


def format_money(amount, currency: str = "USD") -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    code = (currency or "").upper()
    places = currency_places(code)
    quantum = Decimal(1).scaleb(-places)
    value = value.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    number = f"{abs(value):,.{places}f}"
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol is None:
        return f"{sign}{code} {number}" if code else f"{sign}{number}"
    return f"{sign}{symbol}{number}"
