"""The catalogue check: every message of the product is in locale/nl and locale/zh_Hant, translated, not fuzzy, with
the English placeholders, and nothing stale is left. The messages are extracted the way developers update the
catalogues (`manage.py update_catalogues`), from a copy of the working tree, so the check never writes to it."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

import dev
from config.catalogues import LOCALES, ROOT, keys, po_path, problems, read_po
from conftest import missing


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A copy of the product with its catalogues brought up to date by update_catalogues (gettext's tools)."""
    for tool in ("xgettext", "msgmerge", "msguniq", "msgattrib"):
        if not shutil.which(tool):
            missing(f"GNU gettext's {tool} is not installed (apt-get install gettext)")
    copy = tmp_path_factory.mktemp("catalogues") / "tree"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".git", ".venv", "var", "__pycache__", "*.mo", ".pytest_cache", "node_modules"),
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "APP_VAR_DIR": str(copy / "var")}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "update_catalogues"], cwd=copy, env=env, check=True, capture_output=True
    )
    return copy


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_of_the_product_is_in_the_catalogue_translated(extracted, locale):
    committed = read_po(po_path(locale))
    current = read_po(po_path(locale, extracted))
    new = sorted(msgid for _ctx, msgid in keys(current) - keys(committed))
    stale = sorted(msgid for _ctx, msgid in keys(committed) - keys(current))
    assert new == [], f"locale/{locale}: not in the catalogue (run manage.py update_catalogues and translate): {new}"
    assert stale == [], f"locale/{locale}: no longer in the product (run manage.py update_catalogues): {stale}"
    assert [str(p) for p in problems(current)] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_catalogue_as_committed_is_complete(locale):
    """Also without gettext's tools: nothing untranslated, fuzzy or with other placeholders."""
    assert [str(p) for p in problems(read_po(po_path(locale)))] == []


def test_the_check_sees_untranslated_fuzzy_and_placeholder_mistakes():
    entries = dev.parse_po(
        """msgid ""
msgstr "Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "Recent Orders"
msgstr ""

#, fuzzy, python-format
msgid "Order # %(number)s"
msgstr "Bestelling # %(number)s"

#, python-format
msgid "Invoice #%(number)s"
msgstr "Factuur #%(nummer)s"

#, python-format
msgid "%(counter)s order"
msgid_plural "%(counter)s orders"
msgstr[0] "%(counter)s bestelling"
msgstr[1] ""

#, python-format
msgid "every minute"
msgid_plural "every %(minutes)s minutes"
msgstr[0] "elke minuut"
msgstr[1] "elke %(minutes)s minuten"

#~ msgid "Gone"
#~ msgstr ""
"""
    )
    assert [str(p) for p in problems(entries)] == [
        "untranslated: 'Recent Orders'",
        "fuzzy (check the translation, then remove the fuzzy flag): 'Order # %(number)s'",
        "the translation has other placeholders than the English: 'Invoice #%(number)s'",
        "untranslated: '%(counter)s order'",
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_pure_python_build_reads_as_msgfmt_builds(tmp_path, locale):
    """Without gettext installed dev.py compiles the catalogues itself: the same translations come out."""
    po = po_path(locale)
    ours = tmp_path / "ours.mo"
    ours.write_bytes(dev.compile_po(po.read_text(encoding="utf-8")))
    ours_catalog = gettext.GNUTranslations(ours.open("rb"))._catalog  # type: ignore[attr-defined]
    assert len(ours_catalog) > 700
    if not shutil.which("msgfmt"):
        missing("GNU gettext's msgfmt is not installed (apt-get install gettext)")
    theirs = tmp_path / "msgfmt.mo"
    subprocess.run(["msgfmt", "-o", str(theirs), str(po)], check=True)
    assert ours_catalog == gettext.GNUTranslations(theirs.open("rb"))._catalog  # type: ignore[attr-defined]


def test_the_build_compiles_a_changed_catalogue_again(tmp_path, monkeypatch):
    po = tmp_path / "locale" / "nl" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Orders"\nmsgstr "Orders"\n')
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    assert dev.build_messages() == [po.with_suffix(".mo")]
    assert dev.build_messages() == []  # unchanged: nothing to do
    po.write_text(po.read_text().replace('msgstr "Orders"', 'msgstr "Bestellingen"'))
    os.utime(po, ns=(po.stat().st_atime_ns, po.with_suffix(".mo").stat().st_mtime_ns + 1_000_000))
    assert dev.build_messages() == [po.with_suffix(".mo")]
    assert gettext.GNUTranslations(po.with_suffix(".mo").open("rb")).gettext("Orders") == "Bestellingen"


@pytest.mark.parametrize(
    ("language", "english", "translated"),
    [
        ("zh-hant", "Recent Orders", "最近訂單"),
        ("zh-hant", "View or Cancel Amazon Order", "檢視或取消Amazon訂單"),
        ("zh-hant", "Import Amazon Orders", "匯入Amazon訂單"),
        ("zh-hant", "Order Number Source", "訂單編號來源"),
        ("zh-hant", "Credit Memo", "銷退折讓"),
        ("nl", "Recent Orders", "Recente bestellingen"),
        ("nl", "View or Cancel Amazon Order", "Amazon-bestelling bekijken of annuleren"),
        ("nl", "Import Amazon Orders", "Amazon-bestellingen importeren"),
        ("nl", "Credit Memo", "Creditnota"),
        ("nl", "Invoice", "Factuur"),
    ],
)
def test_the_built_catalogues_speak_the_glossary(language, english, translated):
    with translation.override(language):
        assert translation.gettext(english) == translated
