"""Lays documents out as PDF pages with fpdf2 (pure Python: installs with pip alone; weasyprint would need Debian's
pango, and reportlab's font fallback for mixed scripts is ours to write). A4, DejaVu Sans with a CJK fallback
font, fonts subset and embedded, so names in Chinese, Japanese, Turkish or Dutch print as typed."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import BinaryIO

from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace

from .barcode import code128_modules
from .content import Document
from .fonts import font_paths

logger = logging.getLogger(__name__)
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)  # it logs every glyph it keeps at INFO
MARGIN = 15
WIDTH = 210 - 2 * MARGIN
LINE = 5


class DocumentPdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4", unit="mm")
        paths = font_paths()
        self.add_font("doc", "", str(paths["regular"]))
        self.add_font("doc", "B", str(paths["bold"]))
        self.add_font("cjk", "", str(paths["cjk"]))
        # A glyph DejaVu lacks (Han, kana) comes from the fallback, bold or not.
        self.set_fallback_fonts(["cjk"], exact_match=False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_creator("Amazon sales channel")
        self._logos: dict[bytes, object] = {}

    # fpdf2 2.8.9 writes a fallback font's switch inside q/Q, yet believes afterwards that the text font is the one
    # set before: the next text in that font then goes out with no Tf and prints in the CJK font's glyph ids
    # (blank or garbage). Setting the font again before every cell writes it at the top level each time.
    def _refresh_font(self) -> None:
        if self.page and self.font_family:
            family, style, size = self.font_family, self.font_style, self.font_size_pt
            self.font_family = ""
            self.set_font(family, style, size)

    def cell(self, *args, **kwargs):
        self._refresh_font()
        return super().cell(*args, **kwargs)

    def multi_cell(self, *args, **kwargs):
        self._refresh_font()
        return super().multi_cell(*args, **kwargs)

    def add_document(self, doc: Document) -> None:
        self.add_page()
        self._header(doc)
        self._parties(doc)
        self._items(doc)
        if doc.totals:
            self._totals(doc)
        if doc.tracks:
            self._block(_("Tracking Numbers"), doc.tracks)
        if doc.gift_messages:
            self._block(_("Gift Message"), [f"{name}: {message}" for name, message in doc.gift_messages])
        if doc.barcode:
            self._barcode(doc.barcode)

    # --- parts ----------------------------------------------------------------------------------------------------

    def _header(self, doc: Document) -> None:
        top = self.get_y()
        if doc.store.logo:
            try:
                self.image(io.BytesIO(doc.store.logo), x=MARGIN, y=top, h=18)
            except Exception:  # a logo that is no image never stops the document
                logger.warning("the logo of store %s is not an image; printed without it", doc.store.name)
        self.set_xy(MARGIN + WIDTH / 2, top)
        self.set_font("doc", "B", 11)
        self.multi_cell(WIDTH / 2, LINE, doc.store.name, align="R", new_x="LEFT", new_y="NEXT")
        self.set_font("doc", "", 8)
        for line in doc.store.address:
            self.multi_cell(WIDTH / 2, 4, line, align="R", new_x="LEFT", new_y="NEXT")
        if doc.store.vat_number:
            self.multi_cell(
                WIDTH / 2, 4, f"{_('VAT Number')}: {doc.store.vat_number}", align="R", new_x="LEFT", new_y="NEXT"
            )
        self.set_xy(MARGIN, max(self.get_y(), top + 20) + 4)
        self.set_font("doc", "B", 15)
        self.cell(WIDTH, 8, doc.title, new_x="LMARGIN", new_y="NEXT")
        self.set_font("doc", "", 9)
        for label, value in doc.facts:
            self.cell(WIDTH, LINE, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
        for line in doc.order_lines:  # a company name may run long: wrapped, not cut
            self.multi_cell(WIDTH, LINE, f"{line.label}: {line.value}", new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def _parties(self, doc: Document) -> None:
        half = WIDTH / 2
        top = self.get_y()
        self._column(MARGIN, top, half - 4, _("Sold to"), doc.bill_to)
        left_end = self.get_y()
        self._column(MARGIN + half, top, half, _("Ship to"), doc.ship_to)
        self.set_xy(MARGIN, max(left_end, self.get_y()) + 2)
        top = self.get_y()
        self._column(MARGIN, top, half - 4, _("Payment Method"), [doc.payment])
        left_end = self.get_y()
        self._column(MARGIN + half, top, half, _("Shipping Method"), [doc.shipping or "-"])
        self.set_xy(MARGIN, max(left_end, self.get_y()) + 4)

    def _column(self, x: float, y: float, width: float, heading: str, lines: list[str]) -> None:
        self.set_xy(x, y)
        self.set_font("doc", "B", 9)
        self.set_fill_color(235, 235, 235)
        self.cell(width, 6, heading, fill=True, new_x="LEFT", new_y="NEXT")
        self.set_font("doc", "", 9)
        for line in lines:
            self.multi_cell(width, LINE, line, new_x="LEFT", new_y="NEXT")

    def _items(self, doc: Document) -> None:
        # Product takes what the other columns leave; SKU a little more than the numbers.
        others = len(doc.columns) - 1
        narrow = 24 if others > 2 else 30
        widths = [0, narrow + 6, *[narrow] * (others - 1)]
        widths[0] = WIDTH - sum(widths[1:])
        self.set_font("doc", "", 8)
        self.set_fill_color(235, 235, 235)
        with self.table(
            width=WIDTH,
            col_widths=widths,
            text_align=["LEFT", "LEFT", *["RIGHT"] * (len(widths) - 2)],
            line_height=LINE,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        ) as table:
            for values in [doc.columns, *doc.rows]:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.ln(3)

    def _totals(self, doc: Document) -> None:
        label_width, value_width = 50, 35
        for i, (label, value) in enumerate(doc.totals):
            last = i == len(doc.totals) - 1
            self.set_font("doc", "B" if last else "", 9)
            self.set_x(MARGIN + WIDTH - label_width - value_width)
            self.cell(label_width, LINE + 1, label, align="R")
            self.cell(value_width, LINE + 1, value, align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def _block(self, heading: str, lines: list[str]) -> None:
        self.set_font("doc", "B", 9)
        self.cell(WIDTH, 6, heading, new_x="LMARGIN", new_y="NEXT")
        self.set_font("doc", "", 9)
        for line in lines:
            self.multi_cell(WIDTH, LINE, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def _barcode(self, value: str) -> None:
        runs = code128_modules(value)
        module = 0.33  # mm: 13 mil, readable by any handheld scanner
        height = 14
        total = sum(width for _, width in runs) * module
        if self.get_y() + height + 10 > self.h - MARGIN:
            self.add_page()
        x, y = MARGIN + 10 * module, self.get_y() + 2  # ten modules of quiet zone
        self.set_fill_color(0, 0, 0)
        for is_bar, width in runs:
            if is_bar:
                self.rect(x, y, width * module, height, style="F")
            x += width * module
        self.set_xy(MARGIN, y + height + 1)
        self.set_font("doc", "", 9)
        self.cell(total + 20 * module, LINE, value, align="C", new_x="LMARGIN", new_y="NEXT")


def write_pdf(docs: Iterable[Document], out: BinaryIO) -> int:
    """Lay out every document into one PDF written to `out`; returns how many documents it holds."""
    pdf = DocumentPdf()
    count = 0
    for doc in docs:
        pdf.add_document(doc)
        count += 1
    if not count:
        return 0
    out.write(pdf.output())
    return count


def pdf_bytes(docs: Iterable[Document]) -> bytes:
    buffer = io.BytesIO()
    write_pdf(docs, buffer)
    return buffer.getvalue()
