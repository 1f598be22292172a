"""The fonts every document is printed in: DejaVu Sans (Latin, Turkish, Greek, Cyrillic) with Droid Sans Fallback
for Chinese and Japanese. Both are Debian packages (fonts-dejavu-core, fonts-droid-fallback) that `dev.py` and
`.ci/run` install; `DOCUMENT_FONT_DIRS` (colon-separated) points elsewhere. Noto CJK is not used: its OpenType CFF
outlines come out of fpdf2's subsetter as blank (NUL) glyphs, the TrueType fallback prints."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

SEARCH_DIRS = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/droid",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
]
FILES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "cjk": "DroidSansFallbackFull.ttf",
}


@lru_cache(maxsize=1)
def font_paths() -> dict[str, Path]:
    extra = [d for d in os.environ.get("DOCUMENT_FONT_DIRS", "").split(":") if d]
    found: dict[str, Path] = {}
    for role, name in FILES.items():
        for directory in [*extra, *SEARCH_DIRS]:
            candidate = Path(directory) / name
            if candidate.is_file():
                found[role] = candidate
                break
        else:
            raise ImproperlyConfigured(
                f"The font {name} is missing: install Debian's fonts-dejavu-core and fonts-droid-fallback "
                "(python3 dev.py does) or set DOCUMENT_FONT_DIRS."
            )
    return found
