"""Letterhead, page templates, styles and table helpers shared by every PDF document.

A document builder composes a *story* (a list of ReportLab flowables) from the
helpers below and hands it to :func:`build_pdf`, which adds the letterhead on the
first page, a running header on the following ones, and the print stamp with
"page N sur M" in every footer::

    story = [
        *document_title("Attestation de suivi de stage", "N° 2026-0042"),
        paragraph("Le service atteste que ..."),
        *section_heading("Séances suivies"),
        data_table(("Date", "Horaires", "Présence"), rows),
        signature_block(head.city, day, role="La directrice", signatory="Anne MARTIN"),
    ]
    pdf: bytes = build_pdf(story, head, stamp, title="Attestation de suivi de stage")

Several documents go into one file with :func:`build_combined_pdf` (one
:class:`DocumentPart` each): every document starts on a new page with the letterhead
and counts its own pages, so a document taken from a batch reads as if printed alone.
:func:`build_pdf` is the one-document case.

Every helper that takes ``str`` takes *plain text* and escapes it: names such as
``O'Brien & fils`` or ``<inconnu>`` print as typed. Pages are A4; a story may
switch some pages to landscape with :func:`orientation_switch` (size tables with
:data:`LANDSCAPE_CONTENT_WIDTH` there).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from reportlab import rl_config
from reportlab.lib.boxstuff import aspectRatioFix
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    ActionFlowable,
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..domain.dates import format_date, format_date_long
from ..domain.documents import Letterhead, PrintStamp
from .fonts import CONDENSED, CONDENSED_BOLD, SANS, SANS_BOLD, SANS_ITALIC, register_fonts

log = logging.getLogger(__name__)

# --- Page geometry -----------------------------------------------------------------------

PAGE_SIZE: tuple[float, float] = A4
LANDSCAPE_PAGE_SIZE: tuple[float, float] = landscape(A4)
MARGIN_X = 20 * mm
MARGIN_TOP = 14 * mm
MARGIN_BOTTOM = 22 * mm
CONTENT_WIDTH: float = PAGE_SIZE[0] - 2 * MARGIN_X
"""Width of the text frame on portrait pages, for sizing tables."""
LANDSCAPE_CONTENT_WIDTH: float = LANDSCAPE_PAGE_SIZE[0] - 2 * MARGIN_X
"""Width of the text frame on landscape pages, for sizing tables."""

_RUNNING_HEADER_HEIGHT = 11 * mm
_LETTERHEAD_TEXT_WIDTH = 100 * mm
_LOGO_BOX = (42 * mm, 24 * mm)
_LOGO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})

# --- Colours: one sober accent, greys for structure ---------------------------------------

INK: Color = HexColor("#1b1b1b")
ACCENT: Color = HexColor("#1f3a5f")
MUTED: Color = HexColor("#5c6573")
RULE: Color = HexColor("#b8c0cb")
ZEBRA: Color = HexColor("#eef2f6")
LABEL_BACKGROUND: Color = HexColor("#f4f5f7")

NBSP = "\u00a0"
"""No-break space. ReportLab breaks lines at U+202F (narrow no-break space), so the
paragraph helpers print every French no-break space as this one."""

_MINISTRY_LINES = ("Ministère de la Justice", "Direction de l'administration pénitentiaire")


# --- Text and styles ---------------------------------------------------------------------


@dataclass(frozen=True)
class Styles:
    """The paragraph styles every document shares (see :func:`styles`)."""

    body: ParagraphStyle
    small: ParagraphStyle
    note: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    cell_header: ParagraphStyle
    cell_header_right: ParagraphStyle
    cell_note: ParagraphStyle
    label: ParagraphStyle
    signature: ParagraphStyle


@cache
def styles() -> Styles:
    """The shared styles (fonts registered on first call)."""
    _prepare()
    body = ParagraphStyle(
        "body",
        fontName=SANS,
        fontSize=9.5,
        leading=13.5,
        textColor=INK,
        alignment=TA_LEFT,
        spaceAfter=6,
    )
    cell = ParagraphStyle(
        "cell",
        fontName=CONDENSED,
        fontSize=_CELL_SIZE,
        leading=_CELL_SIZE + 2,
        textColor=INK,
        spaceAfter=0,
    )
    cell_header = ParagraphStyle(
        "cell_header", parent=cell, fontName=CONDENSED_BOLD, textColor=white
    )
    return Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=MUTED),
        note=ParagraphStyle("note", parent=body, fontName=SANS_ITALIC, fontSize=9, textColor=MUTED),
        title=ParagraphStyle(
            "title",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=15,
            leading=19,
            textColor=ACCENT,
            alignment=TA_CENTER,
            spaceAfter=3,
        ),
        subtitle=ParagraphStyle(
            "subtitle",
            parent=body,
            fontSize=10.5,
            leading=14,
            textColor=MUTED,
            alignment=TA_CENTER,
            spaceAfter=2,
        ),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=10.5,
            leading=14,
            textColor=ACCENT,
            spaceBefore=10,
            spaceAfter=5,
        ),
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        cell_header=cell_header,
        cell_header_right=ParagraphStyle(
            "cell_header_right", parent=cell_header, alignment=TA_RIGHT
        ),
        cell_note=ParagraphStyle(
            "cell_note", parent=cell, fontName=SANS_ITALIC, fontSize=8.5, textColor=MUTED
        ),
        label=ParagraphStyle(
            "label", parent=body, fontName=SANS_BOLD, fontSize=8.5, leading=11.5, textColor=MUTED
        ),
        signature=ParagraphStyle("signature", parent=body, spaceAfter=0, leading=14),
    )


def escape(text: str) -> str:
    """Plain text to ReportLab paragraph markup (``&``, ``<``, ``>`` escaped, newlines kept)."""
    return _xml_escape(text).replace("\n", "<br/>")


def french_spacing(text: str) -> str:
    """Put the no-break spaces of French typography before ``: ; ? !`` and inside « »,
    so that a line never starts with a colon or a closing guillemet; digit groups
    (``1 250`` from :func:`~spip_desktop.domain.dates.format_count`) stay together."""
    for plain, fixed in _FRENCH_SPACES:
        text = text.replace(plain, fixed)
    return text


_FRENCH_SPACES = (
    ("\u202f", NBSP),
    (" :", NBSP + ":"),
    (" ;", NBSP + ";"),
    (" ?", NBSP + "?"),
    (" !", NBSP + "!"),
    ("« ", "«" + NBSP),
    (" »", NBSP + "»"),
)


def paragraph(text: str, style: ParagraphStyle | None = None) -> Paragraph:
    """A paragraph of plain text (escaped, French spacing) in ``style``, body style by default."""
    return Paragraph(french_spacing(escape(text)), style or styles().body)


def rich_paragraph(markup: str, style: ParagraphStyle | None = None) -> Paragraph:
    """A paragraph of ReportLab markup (``<b>``, ``<i>``): escape any data with :func:`escape`."""
    return Paragraph(french_spacing(markup), style or styles().body)


def document_title(title: str, subtitle: str = "") -> list[Flowable]:
    """The centred document title, an optional subtitle, and a short accent rule."""
    st = styles()
    flowables: list[Flowable] = [Spacer(1, 2 * mm), paragraph(title, st.title)]
    if subtitle:
        flowables.append(paragraph(subtitle, st.subtitle))
    flowables += [_CentredRule(18 * mm, 1.2, ACCENT), Spacer(1, 6 * mm)]
    return flowables


def section_heading(text: str, *, room: float = 30 * mm) -> list[Flowable]:
    """A section title, moved to the next page when less than ``room`` is left under it.

    ``room`` should hold the title and the start of what follows (a table's header and
    first rows). ReportLab's ``keepWithNext`` is not used: with a table longer than a
    page it pushes the whole table to a new page, leaving a blank half page behind.
    """
    return [CondPageBreak(room), paragraph(text, styles().heading)]


def empty_note(text: str = "Aucune donnée.") -> Paragraph:
    """The italic sentence shown instead of an empty table."""
    return paragraph(text, styles().note)


class _CentredRule(Flowable):  # type: ignore[misc]  # ReportLab ships no type hints
    """A short horizontal rule centred in the frame."""

    def __init__(self, length: float, thickness: float, colour: Color) -> None:
        super().__init__()
        self.length, self.thickness, self.colour = length, thickness, colour

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._avail_width = avail_width
        return avail_width, self.thickness + 2

    def draw(self) -> None:
        x = (self._avail_width - self.length) / 2
        self.canv.setStrokeColor(self.colour)
        self.canv.setLineWidth(self.thickness)
        self.canv.line(x, 1, x + self.length, 1)


# --- Tables ------------------------------------------------------------------------------

_CELL_PAD = 4.0
_CELL_SIZE = 8.5  # the font size of table cells (styles().cell)
_MAX_MIN_COLUMN = 42 * mm  # a column's unbreakable minimum never exceeds this (long words split)
_MEASURED_ROWS = 400  # rows measured to size columns: enough to see typical content


_BREAKS = re.compile(r"[ \t\n]+")


def _words(text: str) -> list[str]:
    """The unbreakable pieces of a cell, as the paragraph will print it (no-break spaces kept)."""
    return [w for w in _BREAKS.split(french_spacing(text)) if w]


def _column_metrics(
    columns: Sequence[str], rows: Sequence[Sequence[str]]
) -> tuple[list[float], list[float]]:
    """Each column's natural width (longest line unwrapped) and minimum width (longest word)."""
    natural: list[float] = []
    minimum: list[float] = []
    sample = rows[:_MEASURED_ROWS]
    extra = 2 * _CELL_PAD + 1
    for j, header in enumerate(columns):
        texts = [row[j] for row in sample]
        lines = [line for text in texts for line in text.split("\n")]
        longest_line = max(
            [stringWidth(header, CONDENSED_BOLD, _CELL_SIZE)]
            + [stringWidth(line, CONDENSED, _CELL_SIZE) for line in lines]
        )
        longest_word = max(
            [stringWidth(w, CONDENSED_BOLD, _CELL_SIZE) for w in _words(header)]
            + [stringWidth(w, CONDENSED, _CELL_SIZE) for text in texts for w in _words(text)]
            + [0.0]
        )
        natural.append(longest_line + extra)
        minimum.append(min(longest_word + extra, _MAX_MIN_COLUMN))
    return natural, minimum


def _column_widths(
    columns: Sequence[str], rows: Sequence[Sequence[str]], width: float
) -> list[float]:
    """Auto layout in the spirit of HTML tables: every column gets at least its longest word,
    the rest of the width goes to the columns whose text would like more room."""
    natural, minimum = _column_metrics(columns, rows)
    total_natural, total_minimum = sum(natural), sum(minimum)
    if total_natural <= width:
        return [w * width / total_natural for w in natural]
    if total_minimum >= width:
        return [w * width / total_minimum for w in minimum]
    spare = width - total_minimum
    wants = [n - m for n, m in zip(natural, minimum, strict=True)]
    total_wants = sum(wants)
    return [m + spare * w / total_wants for m, w in zip(minimum, wants, strict=True)]


def needs_landscape(
    columns: Sequence[str], rows: Sequence[Sequence[str]], *, crowding: float = 0.7
) -> bool:
    """Whether a table is too crowded for a portrait page.

    True when the columns' longest words alone would take more than ``crowding`` of the
    portrait width: wrapped there, most cells would hold a word or two per line.
    """
    _, minimum = _column_metrics(columns, rows)
    return sum(minimum) > crowding * CONTENT_WIDTH


def _table_style(header_rows: int, body_rows: int) -> list[tuple[Any, ...]]:
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), CONDENSED, _CELL_SIZE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), ACCENT),
            ("VALIGN", (0, 0), (-1, header_rows - 1), "BOTTOM"),
        ]
    if body_rows:
        commands += [
            ("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [white, ZEBRA]),
            ("LINEBELOW", (0, header_rows), (-1, -1), 0.25, RULE),
        ]
    commands.append(("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT))
    return commands


def data_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: float = CONTENT_WIDTH,
    numeric_columns: Iterable[int] = (),
    col_widths: Sequence[float] | None = None,
    empty_text: str = "Aucune donnée.",
) -> Table:
    """A table of plain-text cells: coloured header row repeated on every page, zebra rows,
    long cells wrapped, a row taller than a page split across pages.

    Args:
        columns: the header labels.
        rows: one sequence of cell texts per row, as long as ``columns``.
        width: the total width (:data:`CONTENT_WIDTH` or :data:`LANDSCAPE_CONTENT_WIDTH`).
        numeric_columns: indexes of right-aligned columns (counts, amounts).
        col_widths: explicit widths; by default computed from the content.
        empty_text: shown in a single row when ``rows`` is empty.
    """
    st = styles()
    numeric = frozenset(numeric_columns)
    header = [
        paragraph(label, st.cell_header_right if j in numeric else st.cell_header)
        for j, label in enumerate(columns)
    ]
    body: list[list[Any]] = [
        [paragraph(text, st.cell_right if j in numeric else st.cell) for j, text in enumerate(row)]
        for row in rows
    ]
    extra: list[tuple[Any, ...]] = []
    if not body:
        body = [[paragraph(empty_text, st.cell_note)] + [""] * (len(columns) - 1)]
        extra = [("SPAN", (0, 1), (-1, 1))]
    widths = list(col_widths) if col_widths else _column_widths(columns, rows, width)
    table = Table(
        [header, *body],
        colWidths=widths,
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
        style=TableStyle(_table_style(1, len(body)) + extra),
    )
    return table


def grid_table(values: Sequence[str], *, width: float = CONTENT_WIDTH, columns: int = 5) -> Table:
    """A compact grid of short values (file numbers, dates) read left to right, row by row."""
    st = styles()
    cells = [paragraph(v, st.cell) for v in values]
    cells += [""] * (-len(cells) % columns)
    grid = [cells[i : i + columns] for i in range(0, len(cells), columns)] or [[""] * columns]
    return Table(
        grid,
        colWidths=[width / columns] * columns,
        splitInRow=1,
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), CONDENSED, _CELL_SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("ROWBACKGROUNDS", (0, 0), (-1, -1), [white, ZEBRA]),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
            ]
        ),
    )


def summary_table(
    pairs: Sequence[tuple[str, str]],
    *,
    width: float = CONTENT_WIDTH,
    label_width: float = 55 * mm,
) -> Table:
    """Label / value lines (a record's key facts), labels on a light grey band."""
    st = styles()
    data = [[paragraph(label, st.label), paragraph(value, st.cell)] for label, value in pairs]
    return Table(
        data,
        colWidths=[label_width, width - label_width],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), CONDENSED, _CELL_SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BACKGROUND),
                ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD + 1),
                ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
            ]
        ),
    )


# --- Place, date and signature -----------------------------------------------------------


def place_and_date(city: str, day: date) -> str:
    """``Fait à Bordeaux, le 27 novembre 2026`` (``Fait le ...`` when the city is unknown)."""
    where = f" à {city.strip()}," if city.strip() else ""
    return f"Fait{where} le {format_date_long(day)}"


def signature_block(
    city: str,
    day: date,
    *,
    role: str,
    signatory: str = "",
    box_label: str = "Signature et cachet du service",
    width: float = CONTENT_WIDTH,
    box_height: float = 24 * mm,
    space_before: float = 8 * mm,
) -> Flowable:
    """The closing block on the right: place and date, role, name and an empty signature box.

    Kept on one page (see :func:`keep_together`). ``role`` is e.g. ``"L'administrateur"``
    or ``"La directrice"``; ``signatory`` the name printed under it (omitted when empty).
    ``box_height`` is the height of the signature box, ``space_before`` the room left
    above the block.
    """
    st = styles()
    block_width = min(78 * mm, width)
    rows: list[list[Any]] = [
        [paragraph(place_and_date(city, day), st.signature)],
        [paragraph(role, st.signature)],
    ]
    if signatory:
        rows.append([rich_paragraph(f"<b>{escape(signatory)}</b>", st.signature)])
    rows.append([paragraph(box_label, st.small)])
    box_row = len(rows) - 1
    table = Table(
        rows,
        colWidths=[block_width],
        rowHeights=[None] * box_row + [box_height],
        hAlign="RIGHT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), CONDENSED, _CELL_SIZE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (0, 0), 8),
                ("VALIGN", (0, box_row), (0, box_row), "TOP"),
                ("TOPPADDING", (0, box_row), (0, box_row), 3),
                ("LEFTPADDING", (0, box_row), (0, box_row), 4),
                ("BOX", (0, box_row), (0, box_row), 0.5, RULE, None, (2, 2)),
            ]
        ),
    )
    return keep_together([Spacer(1, space_before), table], align="RIGHT", width=width)


def keep_together(
    flowables: Sequence[Flowable], *, align: str = "LEFT", width: float = CONTENT_WIDTH
) -> Table:
    """``flowables`` kept on one page: moved whole to the next page when they do not fit.

    For short blocks (a closing sentence and a signature), never taller than a page. Unlike
    ReportLab's ``KeepTogether``, it can be nested (a ``KeepTogether`` inside another one
    always breaks the page) and costs a single layout pass. ``align`` (``"LEFT"``,
    ``"RIGHT"``, ``"CENTER"``) places the flowables narrower than ``width``.
    """
    return Table(
        [[list(flowables)]],
        colWidths=[width],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, _CELL_SIZE),
                ("ALIGN", (0, 0), (-1, -1), align),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )


def orientation_switch(landscape_pages: bool) -> list[Flowable]:
    """Start a new page in landscape (``True``) or portrait (``False``) for what follows.

    Put it before the flowables that need the other orientation; size their tables with
    :data:`LANDSCAPE_CONTENT_WIDTH` or :data:`CONTENT_WIDTH` accordingly.
    """
    return [NextPageTemplate("landscape" if landscape_pages else "portrait"), PageBreak()]


# --- Letterhead, running header and footer -----------------------------------------------


def stamp_text(stamp: PrintStamp, page: int, total: int) -> str:
    """``Édité le 27/11/2026 à 14:05 par Élodie LEFÈVRE — page 1 sur 3``."""
    at = stamp.generated_at
    by = f" par {stamp.generated_by.strip()}" if stamp.generated_by.strip() else ""
    return f"Édité le {format_date(at.date())} à {at:%H:%M}{by} — page {page} sur {total}"


@dataclass(frozen=True)
class _Line:
    text: str
    font: str
    size: float
    colour: Color
    gap: float  # from the previous baseline to this one


def _letterhead_lines(head: Letterhead) -> list[_Line]:
    lines = [_Line("RÉPUBLIQUE FRANÇAISE", SANS_BOLD, 10.5, INK, 10.5)]
    gap = 17.0  # leaves room for the short rule under the first line
    for text in _MINISTRY_LINES:
        lines.append(_Line(text, SANS, 8.5, INK, gap))
        gap = 11.0
    gap = 17.0
    for text in simpleSplit(head.service_name, SANS_BOLD, 10.5, _LETTERHEAD_TEXT_WIDTH):
        lines.append(_Line(text, SANS_BOLD, 10.5, ACCENT, gap))
        gap = 13.0
    gap = 12.5
    for address in head.address_lines:
        for text in simpleSplit(address, SANS, 8, _LETTERHEAD_TEXT_WIDTH):
            lines.append(_Line(text, SANS, 8, MUTED, gap))
            gap = 10.5
    return lines


def _letterhead_height(lines: Sequence[_Line], has_logo: bool) -> float:
    text_height = sum(line.gap for line in lines) + 4
    return max(text_height, _LOGO_BOX[1] + 14 if has_logo else 0.0)


def load_logo(logo_path: Path | None, logo_png: bytes | None = None) -> ImageReader | None:
    """The service logo ready to draw, or ``None`` (nothing given, missing file, SVG, unreadable).

    ``logo_path`` wins when given; otherwise ``logo_png``, the logo's bytes (PNG or JPEG)
    as stored in the service's settings. A logo is decoded once per distinct content and
    kept (a batch of 500 documents decodes it once); a large image is scaled down to the
    printed size at 300 dpi. A logo that cannot be read is logged, never raised: the
    letterhead then prints as text only.

    SVG is not drawn: ReportLab cannot render it without an extra dependency, and the
    letterhead reads well as text only.
    """
    if logo_path is None:
        return _decoded_logo(bytes(logo_png)) if logo_png else None
    if logo_path.suffix.lower() not in _LOGO_SUFFIXES:
        log.info("logo %s ignored: only PNG and JPEG logos are printed", logo_path)
        return None
    if not logo_path.is_file():
        log.warning("logo %s not found: printing a text-only letterhead", logo_path)
        return None
    try:
        data = logo_path.read_bytes()
    except OSError:
        log.warning("logo %s unreadable: printing a text-only letterhead", logo_path, exc_info=True)
        return None
    return _decoded_logo(data)


def letterhead_logo(head: Letterhead) -> ImageReader | None:
    """The logo of ``head`` (its file, else its stored bytes), see :func:`load_logo`."""
    return load_logo(head.logo_path, head.logo_png)


_LOGO_DPI = 300
_LOGO_MAX_PIXELS = (round(_LOGO_BOX[0] / 72 * _LOGO_DPI), round(_LOGO_BOX[1] / 72 * _LOGO_DPI))
_LOGO_MODES = frozenset({"RGB", "RGBA", "L", "LA", "CMYK"})  # what ImageReader embeds as is


@lru_cache(maxsize=8)
def _decoded_logo(data: bytes) -> ImageReader | None:
    """``data`` decoded, scaled down if needed, its pixels read once (``None``, logged, if
    it is not a readable PNG or JPEG). Cached by content: bytes are immutable."""
    from PIL import Image  # ReportLab's own dependency

    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format not in ("PNG", "JPEG"):
                raise ValueError(f"format {opened.format} is not PNG or JPEG")
            opened.load()  # a truncated file fails here, not while drawing
            image: Image.Image = opened
            if image.width > _LOGO_MAX_PIXELS[0] or image.height > _LOGO_MAX_PIXELS[1]:
                image = image.copy()
                image.thumbnail(_LOGO_MAX_PIXELS)
            if image.mode not in _LOGO_MODES:
                transparent = "transparency" in image.info or image.mode.endswith("A")
                image = image.convert("RGBA" if transparent else "RGB")
            if image is opened and opened.format == "JPEG":
                reader = _LogoReader(io.BytesIO(data))  # embedded as is, not recompressed
            else:
                reader = _LogoReader(image if image is not opened else image.copy())
        reader.getRGBData()  # decoded now, once: drawing hashes these pixels
    except Exception:  # any decoding error: the letterhead must still print
        log.warning("logo unreadable (%d bytes): printing a text-only letterhead", len(data))
        return None
    return reader


class _LogoReader(ImageReader):  # type: ignore[misc]  # ReportLab ships no type hints
    """A decoded logo; its PDF image is encoded once, then copied into each file."""

    pdf_image: _PdfImage | None = None


@dataclass(frozen=True)
class _PdfImage:
    """An encoded image XObject (and its transparency mask), ready to add to a PDF."""

    name: str
    size: tuple[int, int]
    state: dict[str, Any]
    mask_name: str = ""
    mask_state: dict[str, Any] | None = None


def _fresh_xobject(state: dict[str, Any]) -> pdfdoc.PDFImageXObject:
    """A new image object with the encoded ``state``: an object registered in one PDF
    remembers its name there and cannot be added to another one."""
    image = pdfdoc.PDFImageXObject.__new__(pdfdoc.PDFImageXObject)
    image.__dict__.update(state)
    return image


def _encode_logo(logo: _LogoReader) -> _PdfImage:
    """What :meth:`Canvas.drawImage` does for a new image, done once per logo: hashing and
    compressing the pixels costs more than laying out a one-page document."""
    data = logo.getRGBData()
    mask = logo._dataA  # the alpha channel, if any
    name = hashlib.md5(data, usedforsecurity=False).hexdigest()
    if mask:
        name += hashlib.md5(mask.getRGBData(), usedforsecurity=False).hexdigest()
    image = pdfdoc.PDFImageXObject(name, logo, mask="auto")
    smask = image.__dict__.pop("_smask", None)
    if smask is None:
        return _PdfImage(name, logo.getSize(), dict(image.__dict__))
    image.smask = pdfdoc.PDFObjectReference(pdfdoc.xObjectName(smask.name))
    return _PdfImage(name, logo.getSize(), dict(image.__dict__), smask.name, dict(smask.__dict__))


def _draw_logo(canvas: Canvas, logo: ImageReader, box: tuple[float, float, float, float]) -> None:
    """``logo`` fitted in ``box`` (x, y, width, height), anchored top right."""
    if not isinstance(logo, _LogoReader):  # not from load_logo: ReportLab's own way
        canvas.drawImage(logo, *box, preserveAspectRatio=True, anchor="ne", mask="auto")
        return
    if logo.pdf_image is None:
        logo.pdf_image = _encode_logo(logo)
    encoded = logo.pdf_image
    doc = canvas._doc
    if not doc.hasForm(encoded.name):  # first use in this file
        if encoded.mask_state is not None:
            doc.addForm(encoded.mask_name, _fresh_xobject(encoded.mask_state))
        doc.addForm(encoded.name, _fresh_xobject(encoded.state))
    x, y, width, height, _ = aspectRatioFix(True, "ne", *box, *encoded.size)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas.doForm(encoded.name)
    canvas.restoreState()


def _draw_letterhead(
    canvas: Canvas, lines: Sequence[_Line], logo: ImageReader | None, reference: str
) -> None:
    page_width, page_height = PAGE_SIZE
    top = page_height - MARGIN_TOP
    right = page_width - MARGIN_X
    canvas.saveState()
    y = top
    for index, line in enumerate(lines):
        y -= line.gap
        canvas.setFont(line.font, line.size)
        canvas.setFillColor(line.colour)
        canvas.drawString(MARGIN_X, y, line.text)
        if index == 0:  # a short accent rule under « RÉPUBLIQUE FRANÇAISE »
            canvas.setStrokeColor(ACCENT)
            canvas.setLineWidth(1.2)
            canvas.line(MARGIN_X, y - 5, MARGIN_X + 16 * mm, y - 5)
    ref_y = top - 10.5
    if logo is not None:
        box_w, box_h = _LOGO_BOX
        _draw_logo(canvas, logo, (right - box_w, top - box_h, box_w, box_h))
        ref_y = top - box_h - 12
    if reference:
        canvas.setFont(SANS, 8.5)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(right, ref_y, reference)
    canvas.restoreState()


def _draw_running_header(
    canvas: Canvas, page_size: tuple[float, float], head: Letterhead, title: str
) -> None:
    page_width, page_height = page_size
    y = page_height - MARGIN_TOP - 7
    canvas.saveState()
    canvas.setFont(SANS_BOLD, 8)
    canvas.setFillColor(ACCENT)
    canvas.drawString(MARGIN_X, y, head.service_name)
    canvas.setFont(SANS, 8)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(page_width - MARGIN_X, y, title)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN_X, y - 5, page_width - MARGIN_X, y - 5)
    canvas.restoreState()


WATERMARK: Color = Color(0.72, 0.11, 0.11, alpha=0.10)
"""The colour of a page-wide watermark (a light, translucent red)."""


def _draw_watermark(canvas: Canvas, page_size: tuple[float, float], text: str) -> None:
    """``text`` across the page, diagonally, light enough to read the page through it."""
    page_width, page_height = page_size
    size = 96.0
    width = stringWidth(text, SANS_BOLD, size)
    diagonal = (page_width**2 + page_height**2) ** 0.5
    if width > 0.8 * diagonal:
        size *= 0.8 * diagonal / width
    canvas.saveState()
    canvas.translate(page_width / 2, page_height / 2)
    canvas.rotate(math.degrees(math.atan2(page_height, page_width)))
    canvas.setFillColor(WATERMARK)
    canvas.setFont(SANS_BOLD, size)
    canvas.drawCentredString(0, -size * 0.35, text)
    canvas.restoreState()


def _draw_footer(canvas: Canvas, page_size: tuple[float, float], text: str, note: str) -> None:
    page_width = page_size[0]
    centre = page_width / 2
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN_X, 15 * mm, page_width - MARGIN_X, 15 * mm)
    canvas.setFillColor(MUTED)
    y = 15 * mm - 11
    if note:
        canvas.setFont(SANS_ITALIC, 7.5)
        canvas.drawCentredString(centre, y, note)
        y -= 10
    canvas.setFont(SANS, 7.5)
    canvas.drawCentredString(centre, y, text)
    canvas.restoreState()


_PART_ATTRIBUTE = "_spip_part"  # set on the canvas for each page: the index of its document


def _numbered_canvas(stamp: PrintStamp, note: str) -> type[Canvas]:
    """A canvas that holds its pages back until the end, to print "page N sur M" on each,
    N and M counted within the page's own document (see :func:`build_combined_pdf`)."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab ships no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # ReportLab's name, not snake_case
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            parts = [state.get(_PART_ATTRIBUTE, 0) for state in self._held_pages]
            totals = Counter(parts)
            numbers: Counter[int] = Counter()
            for part, state in zip(parts, self._held_pages, strict=True):
                numbers[part] += 1
                self.__dict__.update(state)
                text = stamp_text(stamp, numbers[part], totals[part])
                _draw_footer(self, self._pagesize, text, note)
                super().showPage()
            super().save()

    return NumberedCanvas


class Cancelled(Exception):
    """Raised by a batch build when its ``progress`` callback returned ``False``."""


@dataclass(frozen=True)
class DocumentPart:
    """One document of a combined PDF (see :func:`build_combined_pdf`).

    Attributes:
        story: its flowables.
        title: its title (running header of its pages 2+).
        reference: printed top right of its first page (``"Attestation n° ..."``).
        watermark: printed diagonally across each of its pages (``"DUPLICATA"``).
    """

    story: Sequence[Flowable]
    title: str
    reference: str = ""
    watermark: str = ""


class _NextDocument(Flowable):  # type: ignore[misc]  # ReportLab ships no type hints
    """A marker at the end of a document's story: the next document's story is taken
    from the iterator only there, so a batch lays out and reports progress as it goes."""


class _CombinedDocTemplate(BaseDocTemplate):  # type: ignore[misc]  # no type hints
    """Lays out documents one after the other, each from a new page with the letterhead."""

    def __init__(
        self,
        buffer: io.BytesIO,
        parts: Iterator[DocumentPart],
        progress: Callable[[int], bool] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(buffer, **kwargs)
        self._parts = parts
        self._progress = progress
        self._taken = 0
        self.current = DocumentPart((), "")  # until the first document is taken
        self.current_index = 0

    def take(self) -> DocumentPart | None:
        """The next document (``None`` at the end), reported to ``progress``.

        Raises:
            Cancelled: ``progress`` returned ``False``.
        """
        part = next(self._parts, None)
        if part is None:
            return None
        self._taken += 1
        if self._progress is not None and self._progress(self._taken) is False:
            raise Cancelled(f"cancelled after {self._taken} document(s)")
        return part

    def first_story(self) -> list[Flowable]:
        part = self.take()
        if part is None:
            raise ValueError("no document to print")
        self.current = part
        return [*part.story, _NextDocument()]

    def filterFlowables(self, flowables: list[Flowable]) -> None:  # ReportLab's name
        if not isinstance(flowables[0], _NextDocument):
            return
        part = self.take()
        if part is None:
            flowables[0] = None  # the end: ReportLab discards it
            return
        flowables[0:1] = [_StartDocument(part), *part.story, _NextDocument()]


class _StartDocument(ActionFlowable):  # type: ignore[misc]  # ReportLab ships no type hints
    """Ends the current page; the next one is the first page of ``part``, with the letterhead."""

    def __init__(self, part: DocumentPart) -> None:
        super().__init__()
        self.part = part

    def apply(self, doc: _CombinedDocTemplate) -> None:
        doc.handle_nextPageTemplate("first")
        doc.handle_pageBreak()  # the page ends with the document that drew it...
        doc.current = self.part  # ...and the next one begins with this document
        doc.current_index += 1


def build_combined_pdf(
    documents: Iterable[DocumentPart],
    head: Letterhead,
    stamp: PrintStamp,
    *,
    title: str,
    footer_note: str = "",
    subject: str = "",
    progress: Callable[[int], bool] | None = None,
) -> bytes:
    """Several documents in one PDF file, each printed as if alone.

    Every document starts on a new page with the full letterhead and its own reference,
    its later pages carry the running header with its own title, and "page N sur M"
    counts its own pages: a person's attestation taken from a batch reads "page 1 sur 1".

    Args:
        documents: the documents in print order. An iterator is consumed as the layout
            goes: a batch can build each story just in time.
        head: the issuing service (letterhead, running header, PDF author).
        stamp: who printed the file and when (every footer).
        title: the file's title (PDF metadata).
        footer_note: an optional line above the stamp on every page.
        subject: PDF metadata only.
        progress: called with the number of documents taken so far, as each one is
            taken from ``documents`` to be laid out; returning ``False`` cancels.

    Returns:
        The PDF file's bytes.

    Raises:
        Cancelled: ``progress`` returned ``False``.
        ValueError: ``documents`` is empty.
    """
    _prepare()
    logo = letterhead_logo(head)
    lines = _letterhead_lines(head)
    page_height = PAGE_SIZE[1]
    first_top = page_height - MARGIN_TOP - _letterhead_height(lines, logo is not None) - 6 * mm
    following_top = page_height - MARGIN_TOP - _RUNNING_HEADER_HEIGHT
    landscape_top = LANDSCAPE_PAGE_SIZE[1] - MARGIN_TOP - _RUNNING_HEADER_HEIGHT
    buffer = io.BytesIO()
    doc = _CombinedDocTemplate(
        buffer,
        iter(documents),
        progress,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=head.service_name,
        subject=subject or title,
        creator="SPIP Desktop",
        lang="fr-FR",
        initialFontName=SANS,  # no stray Helvetica in the file
    )

    def current(canvas: Canvas) -> DocumentPart:
        part = doc.current
        setattr(canvas, _PART_ATTRIBUTE, doc.current_index)
        return part

    def on_first(canvas: Canvas, _: BaseDocTemplate) -> None:
        part = current(canvas)
        _draw_letterhead(canvas, lines, logo, part.reference)

    def on_following(size: tuple[float, float]) -> Callable[[Canvas, BaseDocTemplate], None]:
        def draw(canvas: Canvas, _: BaseDocTemplate) -> None:
            _draw_running_header(canvas, size, head, current(canvas).title)

        return draw

    def on_end(size: tuple[float, float]) -> Callable[[Canvas, BaseDocTemplate], None]:
        def draw(canvas: Canvas, _: BaseDocTemplate) -> None:
            part = doc.current
            if part.watermark:  # over the content, translucent: nothing can hide it
                _draw_watermark(canvas, size, part.watermark)

        return draw

    def template(
        name: str,
        size: tuple[float, float],
        top: float,
        on_page: Callable[[Canvas, BaseDocTemplate], None],
        **kwargs: Any,
    ) -> PageTemplate:
        frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            size[0] - 2 * MARGIN_X,
            top - MARGIN_BOTTOM,
            id=name,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        return PageTemplate(
            name, [frame], onPage=on_page, onPageEnd=on_end(size), pagesize=size, **kwargs
        )

    doc.addPageTemplates(
        [
            template("first", PAGE_SIZE, first_top, on_first, autoNextPageTemplate="portrait"),
            template("portrait", PAGE_SIZE, following_top, on_following(PAGE_SIZE)),
            template(
                "landscape",
                LANDSCAPE_PAGE_SIZE,
                landscape_top,
                on_following(LANDSCAPE_PAGE_SIZE),
            ),
        ]
    )
    doc.build(doc.first_story(), canvasmaker=_numbered_canvas(stamp, footer_note))
    return buffer.getvalue()


def build_pdf(
    story: Sequence[Flowable],
    head: Letterhead,
    stamp: PrintStamp,
    *,
    title: str,
    reference: str = "",
    footer_note: str = "",
    subject: str = "",
    watermark: str = "",
) -> bytes:
    """Lay ``story`` out on A4 pages with the letterhead, running header and footer.

    Args:
        story: the flowables, built with the helpers of this module.
        head: the issuing service (first-page letterhead, running header, PDF author).
        stamp: who printed the document and when (every footer).
        title: the document title (running header of pages 2+, PDF metadata).
        reference: a short reference printed top right of the first page
            (``"Certificat n° 2026-0004"``).
        footer_note: an optional line above the stamp (``"Document confidentiel"``).
        subject: PDF metadata only.
        watermark: an optional word printed diagonally across every page (``"DUPLICATA"``).

    Returns:
        The PDF file's bytes.
    """
    part = DocumentPart(story, title, reference, watermark)
    return build_combined_pdf(
        [part], head, stamp, title=title, footer_note=footer_note, subject=subject
    )


@cache
def _prepare() -> None:
    """Once per process: fonts registered, and PDF streams written as binary.

    ReportLab's default wraps every compressed stream in ASCII85 (a legacy of 7-bit mail),
    which makes files a quarter larger and, without ReportLab's C accelerator, costs more
    time than the whole layout. Every PDF reader reads binary streams.
    """
    register_fonts()
    rl_config.useA85 = 0
