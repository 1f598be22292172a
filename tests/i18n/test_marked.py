"""No string left unmarked: user-visible text in templates and the user-facing arguments of Python code must go
through gettext, or xgettext can't put them in the catalogues (tests/i18n/test_catalogues.py checks those)."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

from config.catalogues import ROOT

# Words that are the same in every language: brand names (the only text that may be shown unmarked).
ALLOWED = {"Amazon", "DHL", "FedEx", "UPS", "USPS"}
TEMPLATE_GLOBS = ("templates/**/*.html", "*/templates/**/*.html", "*/templates/**/*.txt", "*/templates/**/*.svg")
SKIP_DIRS = {"seller_central_sandbox", ".venv", "var"}
VISIBLE_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label", "data-confirm", "label"}
TRANSLATED, DYNAMIC = "\x02", "\x01"


def product_files(*globs: str) -> list[Path]:
    files = {p for g in globs for p in ROOT.glob(g)}
    return sorted(p for p in files if not SKIP_DIRS & set(p.relative_to(ROOT).parts))


def skeleton(source: str) -> str:
    """The template with translated text replaced by TRANSLATED and every other tag or variable by DYNAMIC."""
    out, skip_until = [], None
    for token in Lexer(source).tokenize():
        if skip_until:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == skip_until:
                skip_until = None
            continue
        if token.token_type == TokenType.TEXT:
            out.append(token.contents)
        elif token.token_type == TokenType.VAR:
            # {{ value|default:"Not yet" }} shows English where the value is blank: mark it (default:_("Not yet")).
            literals = [lit[1:-1] for lit in LITERAL_ARGUMENT.findall(token.contents)]
            out.append(" ".join(literals) if any(untranslated(lit) for lit in literals) else DYNAMIC)
        elif token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name == "block" and token.contents.split()[-1].endswith("_class"):
                out.append(DYNAMIC)  # a CSS class the layout puts in an attribute
                skip_until = "endblock"
            elif name in {"translate", "trans"}:
                out.append(TRANSLATED)
            elif name in {"blocktranslate", "blocktrans"}:
                out.append(TRANSLATED)
                skip_until = "end" + name
            elif name == "comment":
                skip_until = "endcomment"
            else:
                out.append(DYNAMIC)
    return "".join(out)


def untranslated(text: str) -> str | None:
    words = text.replace(TRANSLATED, " ").replace(DYNAMIC, " ").strip()
    if any(ch.isalpha() for ch in words) and words not in ALLOWED:
        return words
    return None


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self.hidden += 1
        attrs = dict(attrs)
        for name, value in attrs.items():
            shown = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input" and attrs.get("type") in {"submit", "button", "reset"}
            )
            if shown and value and (text := untranslated(value)):
                self.found.append(f'{name}="{text}"')

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data):
        if not self.hidden and (text := untranslated(data)):
            self.found.append(text)


LITERAL_ARGUMENT = re.compile(r"\|default(?:_if_none)?:(\"[^\"]*\"|'[^']*')")


def unmarked_in_template(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    parser = VisibleText()
    if path.suffix == ".txt":
        parser.handle_data(skeleton(source))
    else:
        parser.feed(skeleton(source))
        parser.close()
    return parser.found


@pytest.mark.parametrize("path", product_files(*TEMPLATE_GLOBS), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_text_is_marked_for_translation(path):
    assert unmarked_in_template(path) == [], f"{path.relative_to(ROOT)}: mark these with {{% translate %}}"


def test_the_scan_finds_unmarked_text_and_passes_marked_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Orders" %}</h1><p title="Hello">Not marked {{ name }}</p>'
        "{% blocktranslate %}Marked {{ x }}{% endblocktranslate %}<span>{{ n }} · #</span>"
        '<input type="submit" value="Save"><i aria-label="{% translate "Close" %}"></i>{# note #}'
        '{{ value|default:"Never" }}{{ v|default:"—" }}<span class="badge">Amazon</span>'
        "<script>var unseen = 1;</script>"
    )
    assert unmarked_in_template(page) == ['title="Hello"', "Not marked", 'value="Save"', "Never"]


# --- Python ---------------------------------------------------------------------------------------------------------

TEXT_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label", "search_placeholder"}
MESSAGE_FUNCTIONS = {"success", "error", "warning", "info", "debug"}
# Exceptions whose message a person reads (pages show it as is).
SHOWN_EXCEPTIONS = {"ValidationError", "OrderActionRefused", "ImportRefused", "CancelRefused", "LanguageRefused"}
# Constructors whose second argument is a label (grid columns and filters, menu entries).
LABEL_SECOND = {"Column", "ChoiceFilter", "RangeFilter", "TextFilter", "BooleanFilter", "register"}
PY_SKIP = {"tests", "testing", "migrations", "seller_central_sandbox", "bench", ".venv", "var", "management"}


def is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value) and node.value not in ALLOWED
    return isinstance(node, ast.JoinedStr) and any(
        isinstance(v, ast.Constant) and any(ch.isalpha() for ch in str(v.value)) for v in node.values
    )


def call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def unmarked_in_python(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = call_name(node)
            for keyword in node.keywords:
                if keyword.arg in TEXT_KEYWORDS and is_text(keyword.value):
                    found.append(f"{name}({keyword.arg}=...) line {node.lineno}")
            is_messages = (
                isinstance(node.func, ast.Attribute)
                and getattr(node.func.value, "id", "") == "messages"
                and name in MESSAGE_FUNCTIONS
            )
            if is_messages and len(node.args) > 1 and is_text(node.args[1]):
                found.append(f"messages.{name}(...) line {node.lineno}")
            if name in SHOWN_EXCEPTIONS and node.args and is_text(node.args[0]):
                found.append(f"{name}(...) line {node.lineno}")
            if name in LABEL_SECOND and len(node.args) > 1 and is_text(node.args[1]):
                found.append(f"{name}(..., label) line {node.lineno}")
        elif isinstance(node, ast.ClassDef) and any(
            getattr(b, "attr", getattr(b, "id", "")) in {"TextChoices", "IntegerChoices"} for b in node.bases
        ):
            for item in node.body:
                choice = isinstance(item, ast.Assign) and isinstance(item.value, ast.Tuple) and len(item.value.elts) > 1
                if choice and is_text(item.value.elts[-1]):
                    found.append(f"{node.name}.{item.targets[0].id} label line {item.lineno}")
    return sorted(found, key=lambda text: int(text.rsplit(" ", 1)[1]))


def product_python() -> list[Path]:
    apps = ("admin_ui", "orders", "amazon_channel", "dashboard", "config", "dbtools")
    return sorted(p for app in apps for p in (ROOT / app).rglob("*.py") if not PY_SKIP & set(p.relative_to(ROOT).parts))


@pytest.mark.parametrize("path", product_python(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_messages_are_marked_for_translation(path):
    assert unmarked_in_python(path.read_text(encoding="utf-8")) == [], f"{path.relative_to(ROOT)}: wrap them in _()"


def test_the_python_scan_finds_unmarked_labels_and_messages():
    source = """
from django.db import models
class Kind(models.TextChoices):
    A = "a", "Apples"
    B = "b", _("Pears")
def view(request):
    messages.success(request, "Saved.")
    messages.error(request, _("Marked."))
    raise ValidationError(f"Bad {x}")
grid = Column("date", "Purchase Date"), Column("total", _("Grand Total"))
field = forms.CharField(label="Name", help_text=_("Marked"))
"""
    assert unmarked_in_python(source) == [
        "Kind.A label line 4",
        "messages.success(...) line 7",
        "ValidationError(...) line 9",
        "Column(..., label) line 10",
        "CharField(label=...) line 11",
    ]
