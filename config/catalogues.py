"""The message catalogues (locale/<lang>/LC_MESSAGES/django.po): what is extracted from where, and what a complete
catalogue is. `manage.py update_catalogues` and the catalogue check (config/tests/test_catalogues.py) share it.

A catalogue is complete when every message of the product (templates, Python: forms, models, messages, emails,
menu, errors) is in it, translated, not fuzzy, with the same placeholders as the English, and it holds nothing the
product no longer says. See docs/I18N.md.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Django's directory names: zh-hant is locale/zh_Hant (as Django's own catalogues).
LOCALES = ("nl", "zh_Hant")
# Not the product's words: the Seller Central sandbox (a stand-in for Amazon, its demo page stays English), benchmarks,
# tests and their fixture kits, migrations (their verbose names repeat the models'), tooling.
IGNORE = (
    ".venv",
    "var",
    "locale",
    "static",
    "node_modules",
    "seller_central_sandbox",
    "bench",
    "tests",
    "*/tests",
    "*/testing",
    "*/testing.py",
    "*/migrations",
    "conftest.py",
    "*/conftest.py",
    "dev.py",
    "manage.py",
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\{\s*\w+\s*\}\}")


def po_path(locale: str, root: Path = ROOT) -> Path:
    return root / "locale" / locale / "LC_MESSAGES" / "django.po"


def makemessages_options() -> dict:
    """Arguments for Django's makemessages: every product file, catalogue lines without line numbers (a moved string
    doesn't touch the catalogue, so parallel work merges), and no obsolete entries left behind."""
    return {
        "locale": list(LOCALES),
        "ignore_patterns": list(IGNORE),
        "use_default_ignore_patterns": True,
        "no_obsolete": True,
        "add_location": "file",
        "extensions": ["html", "txt", "py", "svg"],
        "verbosity": 0,
    }


def read_po(path: Path) -> list[dict]:
    """The catalogue's entries (dev.py's reader: the one the pure-Python build uses)."""
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    return dev.parse_po(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Problem:
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.what}: {self.msgid!r}"


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0).replace(" ", "") for m in PLACEHOLDER.finditer(text))


def problems(entries: list[dict]) -> list[Problem]:
    """What keeps these catalogue entries from being complete: untranslated, fuzzy, or other placeholders."""
    found = []
    for entry in entries:
        msgid = entry["msgid"]
        if msgid == "" and "msgctxt" not in entry:
            continue  # the header
        if "fuzzy" in entry["flags"]:
            found.append(Problem(msgid, "fuzzy (check the translation, then remove the fuzzy flag)"))
        if "msgid_plural" in entry:
            forms = [(k, v) for k, v in entry.items() if k.startswith("msgstr[")]
            if not forms or any(not v for _k, v in forms):
                found.append(Problem(msgid, "untranslated"))
                continue
            wanted = _placeholders(entry["msgid_plural"])
            for key, value in forms:
                # A plural form may say "one" instead of the count, as the English singular may.
                if _placeholders(value) not in (wanted, _placeholders(msgid)):
                    found.append(Problem(msgid, f"{key} has other placeholders than the English"))
        elif not entry.get("msgstr"):
            found.append(Problem(msgid, "untranslated"))
        elif _placeholders(entry["msgstr"]) != _placeholders(msgid):
            found.append(Problem(msgid, "the translation has other placeholders than the English"))
    return found


def keys(entries: list[dict]) -> set[tuple[str, str]]:
    return {(e.get("msgctxt", ""), e["msgid"]) for e in entries if e["msgid"] or "msgctxt" in e}
