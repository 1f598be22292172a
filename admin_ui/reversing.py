"""`reverse()` for pages that link every row: Django's reverse walks the URL resolver on each call (50-190 µs here),
so a page of 20-70 row links spent more on reversing than on its queries.

`reverse_int(name, pk)` reverses the URL once with a placeholder number and, from then on, puts each id between
the two halves. Only for URLs with a single integer argument (`<int:pk>`), which is what row links are.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_PLACEHOLDER = 918_273_645  # an id no table here reaches; appears exactly once in the reversed URL
_halves: dict[tuple, tuple[str, str]] = {}


def reverse_int(name: str, value: int) -> str:
    """Same as reverse(name, args=[value]) for an int; raises NoReverseMatch like it."""
    # Everything the reversed URL depends on is in the key: URLconf, script prefix (SCRIPT_NAME), language.
    key = (name, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), get_language())
    halves = _halves.get(key)
    if halves is None:
        url = reverse(name, args=[_PLACEHOLDER])
        marker = str(_PLACEHOLDER)
        if url.count(marker) != 1:  # pragma: no cover - a URL that repeats its argument: no shortcut
            return reverse(name, args=[value])
        before, after = url.split(marker)
        halves = _halves[key] = (before, after)
    return f"{halves[0]}{int(value)}{halves[1]}"
