"""The monthly activity summary (*synthèse mensuelle*) as a PDF, a workbook and a CSV file.

Three pure functions of a :class:`~spip_desktop.domain.summary.SummaryDocument`:
:func:`summary_pdf`, :func:`summary_xlsx` and :func:`summary_csv`. The same document
always gives the same bytes: nothing depends on the current time, the machine or chance,
which is how the register of sent summaries makes a past file again and checks its
SHA-256 (the PDF's dates and identifier come from ``generated_at`` and the document's
content; the workbook's properties and ZIP entries are dated ``generated_at``).

Every line of the summary (:class:`~spip_desktop.domain.summary.Figure`) is written in
the order of ``summary.figures``, beside the previous month's value and the change
(:func:`~spip_desktop.domain.summary.compare`).

- **PDF**: letterhead, title, month, scope and period; a note for a month in progress or
  a month without activity; then each section: its bar charts, this month beside the
  previous one (people by measure type, sessions by stage type, attendance records by
  code, rights steps closed by outcome), then its table (the indicator's label on its
  first line, breakdown lines under it); an annex with the general rules and each
  indicator's definition.
- **XLSX**: one sheet per section, then « Définitions ». Values are numbers: counts are
  integers, medians are decimals shown to one decimal, and a percentage is stored as the
  percentage itself (``87.5``, not ``0.875``) with the number format ``0.0" %"``, which a
  French spreadsheet shows as « 87,5 % »; a *sans objet* value is an empty cell.
- **CSV**: UTF-8 with a byte order mark, ``;`` separators, CRLF line ends and decimal
  commas, as a spreadsheet on a French workstation opens it; one header row, then one
  row per figure.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    ActionFlowable,
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..domain.dates import format_date
from ..domain.documents import PrintStamp
from ..domain.summary import (
    GENERAL_RULES,
    TOTAL,
    Comparison,
    Figure,
    Indicator,
    Section,
    Summary,
    SummaryDocument,
    Unit,
    Value,
    compare,
    csv_number,
    encode_values,
    format_change,
    format_value,
)
from .fonts import CONDENSED, CONDENSED_BOLD, SANS, SANS_BOLD
from .layout import (
    ACCENT,
    CONTENT_WIDTH,
    INK,
    LABEL_BACKGROUND,
    MUTED,
    PAGE_SIZE,
    RULE,
    ZEBRA,
    build_pdf,
    document_title,
    french_spacing,
    keep_together,
    paragraph,
    section_heading,
    styles,
    summary_table,
)

TITLE = "Synthèse mensuelle d'activité"
ANNEX_TITLE = "Annexe — définitions des indicateurs"
EMPTY_SENTENCE = (
    "Aucune activité enregistrée sur ce mois pour ce périmètre : tous les indicateurs valent zéro."
)
DEFINITIONS_SHEET = "Définitions"
CSV_COLUMNS = ("Section", "Indicateur", "Détail", "Valeur", "Mois précédent", "Évolution")

#: The row of each section sheet's column headers (the rows above it title the sheet).
HEADER_ROW = 6

#: Number formats of the workbook (the spreadsheet shows them with French separators).
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "0.0"
PERCENT_FORMAT = '0.0" %"'
COUNT_CHANGE_FORMAT = "+#,##0;-#,##0;0"
DECIMAL_CHANGE_FORMAT = "+0.0;-0.0;0.0"


def columns(doc: SummaryDocument) -> tuple[str, ...]:
    """Indicateur | Détail | Mars 2026 | Février 2026 | Évolution."""
    return ("Indicateur", "Détail", doc.summary.month.title, doc.previous.month.title, "Évolution")


def period_text(doc: SummaryDocument) -> str:
    """« Période du 01/03/2026 au 31/03/2026 »."""
    month = doc.summary.month
    return f"Période du {format_date(month.first_day)} au {format_date(month.last_day)}"


def partial_text(summary: Summary) -> str:
    """The warning printed on a month still in progress."""
    return (
        f"Mois en cours : les chiffres vont du {format_date(summary.month.first_day)} au "
        f"{format_date(summary.computed_on)} inclus et changeront encore d'ici la fin du mois."
    )


def _stamp_line(doc: SummaryDocument) -> str:
    at = doc.generated_at
    by = f" par {doc.generated_by.strip()}" if doc.generated_by.strip() else ""
    return f"Édité le {format_date(at.date())} à {at:%H:%M}{by}"


# -- shared: the lines of a section ----------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """One figure as every format writes it."""

    comparison: Comparison
    first: bool  # the first line of its indicator
    alone: bool  # its indicator's only line

    @property
    def figure(self) -> Figure:
        return self.comparison.figure

    @property
    def unit(self) -> Unit:
        return self.figure.indicator.unit


def _lines(doc: SummaryDocument, section: Section) -> list[_Line]:
    """The section's figures in the summary's order, beside the previous month's."""
    found = [c for c in compare(doc.summary, doc.previous) if c.figure.section is section]
    counts: dict[Indicator, int] = {}
    for c in found:
        counts[c.figure.indicator] = counts.get(c.figure.indicator, 0) + 1
    lines = []
    previous: Indicator | None = None
    for c in found:
        indicator = c.figure.indicator
        lines.append(_Line(c, indicator is not previous, counts[indicator] == 1))
        previous = indicator
    return lines


# -- PDF -------------------------------------------------------------------------------------


def summary_pdf(doc: SummaryDocument) -> bytes:
    """The summary as a PDF file: the same document always gives the same bytes."""
    summary = doc.summary
    return build_pdf(
        _story(doc),
        doc.head,
        PrintStamp(doc.generated_at, doc.generated_by),
        title=f"{TITLE} — {summary.month.label}",
        subject=f"{TITLE} — {summary.month.title} — {summary.scope.description}",
    )


def _story(doc: SummaryDocument) -> list[Flowable]:
    summary = doc.summary
    story: list[Flowable] = [
        _Reproducible(doc),
        *document_title(
            TITLE, f"{summary.month.title} — {summary.scope.description}\n{period_text(doc)}"
        ),
        paragraph(
            f"Chiffres calculés le {format_date(summary.computed_on)}, comparés à ceux de "
            f"{doc.previous.month.label}. Les définitions des indicateurs figurent en annexe."
        ),
    ]
    if summary.partial:
        story.append(_notice(partial_text(summary)))
    if summary.is_empty:
        story.append(_notice(EMPTY_SENTENCE))
    for section in Section:
        charts = _charts(doc, section)  # the overview first, then the detail
        table = _section_table(doc, _lines(doc, section))
        # the heading goes to the next page with what follows it when that does not fit
        if charts:
            room = _height(charts[0]) + _HEADING
        else:
            room = min(_height(table), _TABLE_START) + _HEADING
        story += section_heading(section.label, room=room)
        for chart in charts:
            story += [chart, Spacer(1, 4 * mm)]
        if charts:
            story.append(CondPageBreak(min(_height(table), _TABLE_START)))
        story.append(table)
    story += [PageBreak(), paragraph(ANNEX_TITLE, _pdf_styles().annex_title)]
    story += section_heading("Règles générales")
    story += [
        paragraph(f"{n}. {rule}", _pdf_styles().rule)
        for n, rule in enumerate(GENERAL_RULES, start=1)
    ]
    for section in Section:
        story += section_heading(section.label)
        story.append(
            summary_table(
                [(i.label, i.definition) for i in Indicator if i.section is section],
                label_width=58 * mm,
            )
        )
    story.append(Spacer(1, 4 * mm))
    story.append(
        paragraph(
            "Synthèse établie à partir des données enregistrées dans l'application de suivi du "
            f"service, telles qu'elles figuraient le {format_date(summary.computed_on)}.",
            styles().note,
        )
    )
    return story


#: The room a long table needs to start on a page: the header row and a few lines.
_TABLE_START = 40 * mm
_HEADING = 11 * mm  # a section heading, with the space above and under it


def _height(flowable: Flowable) -> float:
    return float(flowable.wrap(CONTENT_WIDTH, PAGE_SIZE[1])[1])


class _Reproducible(ActionFlowable):  # type: ignore[misc]  # ReportLab ships no type hints
    """Makes the file a function of the document alone, with no trace of when or where it
    was laid out: the PDF's creation and modification dates are ``generated_at`` (local
    wall-clock time, as printed in the footer) instead of the current time, and its
    identifier is a digest of the document instead of one seeded with the current time.

    ReportLab's *invariant* mode would do the same with a date of 2000-01-01, but only as
    a process-wide setting; this acts on one file, from inside its own layout.
    """

    def __init__(self, doc: SummaryDocument) -> None:
        super().__init__()
        at = doc.generated_at
        self.date = f"D:{at:%Y%m%d%H%M%S}"
        seed = "\n".join(
            (
                at.isoformat(),
                doc.generated_by,
                doc.summary.scope.key,
                doc.summary.computed_on.isoformat(),
                encode_values(doc.summary),
                encode_values(doc.previous),
                # the letterhead's text (a logo's path would differ from one machine to another)
                doc.head.service_name,
                *doc.head.address_lines,
                doc.head.city,
                doc.head.service_code,
            )
        )
        self.seed = seed.encode("utf-8")

    def apply(self, doc: Any) -> None:
        canvas = doc.canv
        signature = hashlib.md5(b"SPIP Desktop", usedforsecurity=False)
        signature.update(self.seed)
        canvas._doc.signature = signature  # the seed of the file's /ID (see PDFDocument.ID)
        date = self.date
        canvas.setDateFormatter(lambda *_: date)


def _notice(text: str) -> Table:
    """A sentence in a light box with an accent bar on its left: read before the tables."""
    return Table(
        [[paragraph(text, _pdf_styles().notice)]],
        colWidths=[CONTENT_WIDTH],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, 9),
                ("BACKGROUND", (0, 0), (-1, -1), LABEL_BACKGROUND),
                ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        ),
        spaceBefore=2 * mm,
        spaceAfter=2 * mm,
    )


_WIDTHS = (50 * mm, 52 * mm, 24 * mm, 24 * mm, 20 * mm)


def _section_table(doc: SummaryDocument, lines: Sequence[_Line]) -> Table:
    """Indicateur | Détail | month | previous month | Évolution, one row per figure:
    the indicator's label on its first row, totals in bold, one band per indicator."""
    st = styles()
    ps = _pdf_styles()
    header = [
        paragraph(text, st.cell_header_right if j >= 2 else st.cell_header)
        for j, text in enumerate(columns(doc))
    ]
    rows: list[list[Any]] = [header]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), CONDENSED, 8.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
    ]
    band = -1
    for line in lines:
        fig = line.figure
        row = len(rows)
        total = fig.key == TOTAL
        if line.first:
            band += 1
            if row > 1:
                commands.append(("LINEABOVE", (0, row), (-1, row), 0.4, RULE))
        if band % 2:
            commands.append(("BACKGROUND", (0, row), (-1, row), ZEBRA))
        label = fig.indicator.label if line.first else ""
        detail = "" if line.alone and total else fig.breakdown
        comparison = line.comparison
        rows.append(
            [
                paragraph(label, ps.label),
                paragraph(detail, ps.total_detail if total else ps.detail),
                _number(fig.value, line.unit, bold=total),
                _number(comparison.previous, line.unit, bold=False),
                paragraph(format_change(comparison.change), ps.change),
            ]
        )
    return Table(
        rows,
        colWidths=list(_WIDTHS),
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
        style=TableStyle(commands),
    )


def _number(value: Value, unit: Unit, *, bold: bool) -> Paragraph:
    ps = _pdf_styles()
    if value is None:
        return paragraph(format_value(value, unit), ps.missing)
    return paragraph(format_value(value, unit), ps.value_bold if bold else ps.value)


@dataclass(frozen=True)
class _PdfStyles:
    label: ParagraphStyle
    detail: ParagraphStyle
    total_detail: ParagraphStyle
    value: ParagraphStyle
    value_bold: ParagraphStyle
    change: ParagraphStyle
    missing: ParagraphStyle
    notice: ParagraphStyle
    caption: ParagraphStyle
    annex_title: ParagraphStyle
    rule: ParagraphStyle


@cache
def _pdf_styles() -> _PdfStyles:
    st = styles()
    return _PdfStyles(
        label=ParagraphStyle("ms_label", parent=st.cell, fontName=CONDENSED_BOLD),
        detail=ParagraphStyle("ms_detail", parent=st.cell, leftIndent=8),
        total_detail=ParagraphStyle("ms_total", parent=st.cell, textColor=MUTED),
        value=st.cell_right,
        value_bold=ParagraphStyle("ms_value_bold", parent=st.cell_right, fontName=CONDENSED_BOLD),
        change=ParagraphStyle("ms_change", parent=st.cell_right, textColor=MUTED),
        missing=ParagraphStyle("ms_missing", parent=st.cell_note, alignment=TA_RIGHT, fontSize=8),
        notice=ParagraphStyle("ms_notice", parent=st.body, spaceAfter=0),
        caption=ParagraphStyle(
            "ms_caption", parent=st.body, fontName=SANS_BOLD, fontSize=9, leading=12, spaceAfter=2
        ),
        annex_title=ParagraphStyle("ms_annex", parent=st.title, spaceAfter=4 * mm),
        rule=ParagraphStyle("ms_rule", parent=st.body, leftIndent=10, firstLineIndent=-10),
    )


# -- PDF: charts -----------------------------------------------------------------------------

CURRENT_COLOUR: Color = ACCENT
PREVIOUS_COLOUR: Color = HexColor("#a9b9cc")
_CHART_FONT_SIZE = 8.0
_BAR_GROUP = 17.0  # points per category: two bars of 5.5, 1 between them, 5 between groups
_BAR_GROUP_TALL = 21.0  # the same when a category's name takes two lines


@dataclass(frozen=True)
class _Bar:
    label: str
    current: int
    previous: int


def _bars(doc: SummaryDocument, indicator: Indicator, prefix: str) -> list[_Bar]:
    """The breakdown lines of ``indicator`` whose key starts with ``prefix``, this month
    and the previous one (a line only the previous month had counts 0 this month), without
    the lines at zero in both months."""

    def counts(summary: Summary) -> dict[str, tuple[str, int]]:
        return {
            f.key: (f.label, f.value if isinstance(f.value, int) else 0)
            for f in summary.of(indicator)
            if f.key.startswith(prefix)
        }

    now, before = counts(doc.summary), counts(doc.previous)
    keys = list(now) + [k for k in before if k not in now]
    bars = []
    for key in keys:
        label = now[key][0] if key in now else before[key][0]
        current = now[key][1] if key in now else 0
        previous = before[key][1] if key in before else 0
        if current or previous:
            bars.append(_Bar(label, current, previous))
    return bars


def _charts(doc: SummaryDocument, section: Section) -> list[Flowable]:
    """The section's charts (none when all their bars would be at zero)."""
    specs: list[tuple[str, Indicator, str]] = []
    if section is Section.PERSONS:
        day = format_date(min(doc.summary.month.last_day, doc.summary.computed_on))
        specs.append(
            (f"Personnes suivies le {day}, par type de mesure", Indicator.ACTIVE_LAST, "type:")
        )
    elif section is Section.STAGES:
        specs.append(
            ("Séances tenues dans le mois, par type de stage", Indicator.SESSIONS, "stage_type:")
        )
        specs.append((_attendance_caption(doc), Indicator.ATTENDANCE, "code:"))
    elif section is Section.RIGHTS:
        specs.append(
            (
                "Démarches arrivées à leur issue dans le mois, par issue",
                Indicator.STEPS_CLOSED,
                "status:",
            )
        )
    charts: list[Flowable] = []
    for caption, indicator, prefix in specs:
        bars = _bars(doc, indicator, prefix)
        if bars:
            charts.append(_chart_block(caption, bars, doc))
    return charts


def _attendance_caption(doc: SummaryDocument) -> str:
    rate = doc.summary.value(Indicator.ATTENDANCE_RATE)
    before = doc.previous.value(Indicator.ATTENDANCE_RATE)
    return (
        "Émargements des séances du mois, par code — taux de présence : "
        f"{format_value(rate, Unit.PERCENT)} ({doc.previous.month.label} : "
        f"{format_value(before, Unit.PERCENT)})"
    )


def _chart_block(caption: str, bars: Sequence[_Bar], doc: SummaryDocument) -> Table:
    drawing = _bar_chart(bars, doc.summary.month.title, doc.previous.month.title, CONTENT_WIDTH)
    return keep_together([paragraph(caption, _pdf_styles().caption), drawing])


def _nice_step(top: int) -> int:
    """A round step that divides ``0..top`` in at most 5 intervals."""
    raw = max(top, 1) / 5
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        step = factor * power
        if step >= raw:
            return max(int(step), 1)
    return int(10 * power)


def _bar_chart(bars: Sequence[_Bar], current: str, previous: str, width: float) -> Drawing:
    """Horizontal bars, two per category (this month dark, the previous one light), the
    categories top to bottom in the summary's order, each bar's value at its end."""
    size = _CHART_FONT_SIZE
    label_room = 72 * mm
    names = [
        "\n".join(simpleSplit(french_spacing(b.label), CONDENSED, size, label_room)[:2])
        for b in bars
    ]
    widest = max(stringWidth(line, CONDENSED, size) for name in names for line in name.split("\n"))
    legend_height, axis_height = 16.0, 14.0
    group = _BAR_GROUP_TALL if any("\n" in name for name in names) else _BAR_GROUP
    plot_height = group * len(bars)
    height = legend_height + plot_height + axis_height
    drawing = Drawing(width, height, initialFontName=CONDENSED, initialFontSize=size)
    chart = HorizontalBarChart()
    chart.x = widest + 8
    chart.y = axis_height
    chart.width = width - chart.x - 34
    chart.height = plot_height
    # the first series is drawn at the bottom of each group: this month goes on top
    chart.data = [[b.previous for b in bars], [b.current for b in bars]]
    chart.barWidth, chart.barSpacing, chart.groupSpacing = 5.5, 1, group - 12  # in points
    chart.bars.strokeColor = None
    chart.bars[0].fillColor = PREVIOUS_COLOUR
    chart.bars[1].fillColor = CURRENT_COLOUR
    chart.strokeColor = None
    top = max(max(b.current, b.previous) for b in bars)
    step = _nice_step(top)
    value_axis = chart.valueAxis
    value_axis.valueMin = 0
    value_axis.valueMax = step * max(math.ceil(top / step), 1)
    value_axis.valueStep = step
    value_axis.labelTextFormat = _count_label
    value_axis.labels.fontName = CONDENSED
    value_axis.labels.fontSize = size - 0.5
    value_axis.labels.fillColor = MUTED
    value_axis.visibleAxis = 0
    value_axis.visibleTicks = 0
    value_axis.visibleGrid = 1
    value_axis.gridStrokeColor = RULE
    value_axis.gridStrokeWidth = 0.3
    category_axis = chart.categoryAxis
    category_axis.categoryNames = names
    category_axis.reverseDirection = 1
    category_axis.labels.fontName = CONDENSED
    category_axis.labels.fontSize = size
    category_axis.labels.leading = size + 0.5
    category_axis.labels.fillColor = INK
    category_axis.labels.boxAnchor = "e"
    category_axis.labels.textAnchor = "end"
    category_axis.labels.dx = -4
    category_axis.strokeColor = MUTED
    category_axis.strokeWidth = 0.6
    category_axis.visibleTicks = 0
    chart.barLabelFormat = _count_label
    chart.barLabels.fontName = CONDENSED
    chart.barLabels.fontSize = size - 0.5
    chart.barLabels.fillColor = INK
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.textAnchor = "start"
    chart.barLabels.dx = 3
    drawing.add(chart)
    _legend(drawing, chart.x, height - 10, ((CURRENT_COLOUR, current), (PREVIOUS_COLOUR, previous)))
    return drawing


def _legend(drawing: Drawing, x: float, y: float, items: Sequence[tuple[Color, str]]) -> None:
    """Small swatches with their month, left to right, above the plot."""
    for colour, text in items:
        drawing.add(Rect(x, y - 1, 9, 7, fillColor=colour, strokeColor=None))
        drawing.add(
            String(x + 13, y, text, fontName=CONDENSED, fontSize=_CHART_FONT_SIZE, fillColor=INK)
        )
        x += 13 + stringWidth(text, CONDENSED, _CHART_FONT_SIZE) + 16


def _count_label(value: float) -> str:
    """An axis or bar value as the tables print it: ``1 250``."""
    return format_value(round(value))


# -- XLSX ------------------------------------------------------------------------------------

_FONT_NAME = "Calibri"  # the spreadsheets' default face: every font names it
_INK, _MUTED, _ACCENT, _WARNING = "FF1B1B1B", "FF5C6573", "FF1F3A5F", "FF8A1C1C"
_HEADER_FILL = PatternFill("solid", start_color=_ACCENT, end_color=_ACCENT)
_BAND_FILL = PatternFill("solid", start_color="FFEEF2F6", end_color="FFEEF2F6")
_THIN = Side(style="thin", color="FFB8C0CB")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
#: Widths (in characters) of Indicateur, Détail, the two months and Évolution.
_SHEET_WIDTHS = (50, 56, 15, 15, 12)
_DEFINITION_WIDTHS = (50, 100)


def _font(*, bold: bool = False, italic: bool = False, size: float = 11, color: str = _INK) -> Font:
    return Font(name=_FONT_NAME, bold=bold, italic=italic, size=size, color=color)


def summary_xlsx(doc: SummaryDocument) -> bytes:
    """The summary as a workbook: one sheet per section, then « Définitions »; the same
    document always gives the same bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in Section:
        _section_sheet(workbook.create_sheet(section.label), doc, section)
    _definitions_sheet(workbook.create_sheet(DEFINITIONS_SHEET))
    for sheet in workbook.worksheets:  # no formula here: a name beginning with = stays text
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    summary = doc.summary
    props = workbook.properties
    props.title = f"{TITLE} — {summary.month.title}"
    props.subject = f"{TITLE} — {summary.month.title} — {summary.scope.description}"
    props.creator = doc.head.service_name or "SPIP Desktop"
    props.lastModifiedBy = doc.generated_by
    props.language = "fr-FR"
    # local wall-clock time, as printed in the sheets (the machine's time zone must not
    # change the file)
    props.created = props.modified = doc.generated_at.replace(tzinfo=None, microsecond=0)
    buffer = io.BytesIO()
    # ExcelWriter, not Workbook.save: save_workbook stamps ``modified`` with the current time.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return _dated_zip(buffer.getvalue(), doc.generated_at)


def _dated_zip(data: bytes, at: datetime) -> bytes:
    """``data`` (a ZIP archive) written again with every entry dated ``at``, in the same
    order and with the same compression: zipfile dates entries with the current time and
    records the operating system it runs on."""
    stamp = (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = entry.compress_type
            info.create_system = 0
            info.external_attr = 0
            content = source.read(entry)
            if entry.filename == "docProps/app.xml":
                # openpyxl names itself and its version here: an upgrade would change
                # every workbook's digest, and the register could not produce them again
                content = _APP_PROPERTIES
            target.writestr(info, content)
    return out.getvalue()


_APP_PROPERTIES = (
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"><Application>SPIP Desktop</Application></Properties>'
)


def _title_rows(sheet: Worksheet, title: str, doc: SummaryDocument) -> None:
    """Rows 1 to 5: title, month, scope, who edited it and when, and the notes."""
    summary = doc.summary
    rows = [
        title,
        f"{summary.month.title} — {period_text(doc).lower()}, comparé à {doc.previous.month.label}",
        f"Périmètre : {summary.scope.description}",
        f"{_stamp_line(doc)} — chiffres calculés le {format_date(summary.computed_on)}",
    ]
    for row, text in enumerate(rows, start=1):
        sheet.cell(row, 1, text).font = _font(color=_MUTED)
    sheet["A1"].font = _font(bold=True, size=14, color=_ACCENT)
    notes = []
    if summary.partial:
        notes.append(partial_text(summary))
    if summary.is_empty:
        notes.append(EMPTY_SENTENCE)
    if notes:
        sheet.cell(HEADER_ROW - 1, 1, " ".join(notes)).font = _font(italic=True, color=_WARNING)


def _header_row(sheet: Worksheet, row: int, texts: Sequence[str], numeric_from: int) -> None:
    for col, text in enumerate(texts, start=1):
        cell = sheet.cell(row, col, text)
        cell.font = _font(bold=True, color="FFFFFFFF")
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(
            horizontal="right" if col >= numeric_from else "left", vertical="center"
        )


def _section_sheet(sheet: Worksheet, doc: SummaryDocument, section: Section) -> None:
    """Title rows, the header at :data:`HEADER_ROW`, then one row per figure in the
    summary's order: the indicator's label on every row (a filter keeps whole lines),
    totals in bold, one band per indicator."""
    _title_rows(sheet, f"{TITLE} — {section.label}", doc)
    _header_row(sheet, HEADER_ROW, columns(doc), numeric_from=3)
    row = HEADER_ROW
    band = -1
    for line in _lines(doc, section):
        row += 1
        fig = line.figure
        comparison = line.comparison
        total = fig.key == TOTAL
        band += line.first
        texts = (fig.indicator.label, fig.breakdown)
        for col, text in enumerate(texts, start=1):
            cell = sheet.cell(row, col, text)
            cell.font = _font(bold=total and col == 1, color=_INK if total else _MUTED)
            cell.alignment = Alignment(vertical="top", wrap_text=True, indent=0 if total else 1)
        sheet.cell(row, 1).alignment = Alignment(vertical="top", wrap_text=True)
        values = (fig.value, comparison.previous, comparison.change)
        for col, value in enumerate(values, start=3):
            cell = sheet.cell(row, col, _excel_number(value))
            cell.number_format = _number_format(value, line.unit, change=col == 5)
            cell.font = _font(bold=total and col == 3, color=_MUTED if col == 5 else _INK)
            cell.alignment = Alignment(vertical="top")
        for col in range(1, 6):
            sheet.cell(row, col).border = _BORDER
            if band % 2:
                sheet.cell(row, col).fill = _BAND_FILL
        height = max(_wrapped_height(t, w) for t, w in zip(texts, _SHEET_WIDTHS, strict=False))
        if height > _LINE_HEIGHT + 2:  # spreadsheets do not all fit wrapped rows themselves
            sheet.row_dimensions[row].height = height
    for col, width in enumerate(_SHEET_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1).coordinate
    if row > HEADER_ROW:
        sheet.auto_filter.ref = f"A{HEADER_ROW}:E{row}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _print_settings(sheet)


def _excel_number(value: Value) -> int | float | None:
    """A value as a cell holds it: an int, a float for a decimal, nothing for *sans objet*."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _number_format(value: Value, unit: Unit, *, change: bool) -> str:
    decimal = isinstance(value, Decimal) or unit is not Unit.COUNT
    if change:
        return DECIMAL_CHANGE_FORMAT if decimal else COUNT_CHANGE_FORMAT
    if unit is Unit.PERCENT:
        return PERCENT_FORMAT
    return DECIMAL_FORMAT if decimal else COUNT_FORMAT


def _print_settings(sheet: Worksheet) -> None:
    """A4 landscape, the width of the sheet on one page, « Page N sur M » in the footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.oddFooter.center.text = "Page &P sur &N"


def _definitions_sheet(sheet: Worksheet) -> None:
    """The general rules, then Indicateur | Définition for every indicator."""
    sheet.cell(1, 1, f"{TITLE} — définitions des indicateurs").font = _font(
        bold=True, size=14, color=_ACCENT
    )
    row = 3
    sheet.cell(row, 1, "Règles générales").font = _font(bold=True)
    for rule in GENERAL_RULES:
        cell = sheet.cell(row, 2, rule)
        cell.font = _font()
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = _wrapped_height(rule, _DEFINITION_WIDTHS[1])
        row += 1
    row += 1
    _header_row(sheet, row, ("Indicateur", "Définition"), numeric_from=3)
    for indicator in Indicator:
        row += 1
        texts = (indicator.label, indicator.definition)
        for col, text in enumerate(texts, start=1):
            cell = sheet.cell(row, col, text)
            cell.font = _font(bold=col == 1)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = _BORDER
        sheet.row_dimensions[row].height = max(
            _wrapped_height(t, w) for t, w in zip(texts, _DEFINITION_WIDTHS, strict=True)
        )
    for col, width in enumerate(_DEFINITION_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    _print_settings(sheet)


_LINE_HEIGHT = 15.0  # points per line of 11-point text


def _wrapped_height(text: str, width: float) -> float:
    """The height (points) of a row showing ``text`` wrapped in a column ``width``
    characters wide (an estimate: about 1.1 characters of French text per unit)."""
    lines = max(1, math.ceil(len(text) / (width * 1.1)))
    return _LINE_HEIGHT * lines + 2


# -- CSV -------------------------------------------------------------------------------------


def _inert(text: str) -> str:
    """Text a spreadsheet will not take for a formula (a name beginning with ``=``...)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def summary_csv(doc: SummaryDocument) -> bytes:
    """The summary as CSV for a French spreadsheet: BOM, ``;``, CRLF, decimal commas."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for comparison in compare(doc.summary, doc.previous):
        fig = comparison.figure
        writer.writerow(
            (
                fig.section.label,
                fig.indicator.label,
                _inert(fig.breakdown),
                csv_number(fig.value),
                csv_number(comparison.previous),
                csv_number(comparison.change),
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
