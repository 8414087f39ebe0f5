"""*Synthèse mensuelle*: the month's figures for the direction, their export and the register.

Two tabs. *Chiffres du mois*: a month (◀ / ▶ around the list of the last three
years, the last complete month first shown), a scope (the service, an antenne, a
CPIP's caseload), then the key figures, and one block per section of the summary
(a table Indicateur | Détail | month | previous month | Évolution, with its bar
charts beside or under it, depending on the width). Double-click or Enter on a
line opens the items behind the figure (:class:`~.summary_dialogs.DrillDialog`),
whose lines open a file, a stage or a partner. *Exporter* writes the PDF, workbook
or CSV (off the GUI thread, with a progress dialog that can stop it) and registers
it; *Synthèses envoyées* lists the register, compares a sent summary with today's
data and writes a sent file again, identical.

Every computation runs on the task runner; an answer for a month or scope the user
has left since (a quick ◀ ◀ ◀) is dropped.

Signals:
    open_person_requested(int, str, int): person id, :class:`FileTab` value or "", record id or 0.
    open_stage_requested(int, int): stage id, session id or 0.
    open_partner_requested(int): partner id.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QResizeEvent,
    QShowEvent,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date, plural
from ..domain.errors import SpipError
from ..domain.summary import (
    Comparison,
    DrillList,
    DrillRow,
    ExportCancelled,
    ExportFormat,
    Figure,
    Indicator,
    Month,
    ScopeKind,
    Section,
    SentCheck,
    SentSummary,
    Summary,
    SummaryScope,
    Unit,
    Value,
    change,
    compare,
    default_file_name,
    differences,
    format_change,
    format_value,
    last_complete_month,
)
from .backend import SummaryActions
from .bar_chart import Bar, BarChart
from .prompter import Prompter
from .record_model import Column, RecordTableModel
from .summary_dialogs import DrillDialog, OpenableTable, SentCheckDialog, sent_when, short_hash
from .tasks import TaskRunner

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
LineRole = Qt.ItemDataRole.UserRole

#: How far back the month list goes.
MONTHS_BACK = 36
COMPUTING = "Calcul de la synthèse…"
EMPTY_BANNER = (
    "Aucune activité enregistrée sur ce mois pour ce périmètre : tous les indicateurs valent zéro."
)
#: The width (inside the page's margins) from which the charts sit beside the tables
#: rather than under them: a 1680-pixel screen, not a 1366 one.
WIDE_FROM = 1380
PAGE_MARGINS = 48
#: The tables' width when the charts are beside them (the columns line up across sections).
WIDE_TABLE_WIDTH = 940

EXPORT_FILTERS: dict[ExportFormat, str] = {
    ExportFormat.PDF: "Documents PDF (*.pdf)",
    ExportFormat.XLSX: "Classeurs Excel (*.xlsx)",
    ExportFormat.CSV: "Fichiers CSV (*.csv)",
}

#: The figures the page opens with, in tiles: (indicator, what the tile says).
KEY_FIGURES: tuple[tuple[Indicator, str], ...] = (
    (Indicator.ACTIVE_LAST, "Personnes suivies en fin de mois"),
    (Indicator.MEASURES_STARTED, "Mesures commencées"),
    (Indicator.SESSIONS, "Séances de stage tenues"),
    (Indicator.ATTENDANCE_RATE, "Taux de présence aux séances"),
    (Indicator.STEPS_OPENED, "Démarches d'accès aux droits ouvertes"),
    (Indicator.APPOINTMENTS, "Entretiens"),
)

#: Indicators read as a part of the one above them (« dont … »): shown as a detail line.
SUB_INDICATORS = frozenset({Indicator.STEPS_OVERDUE})

STYLE = """
#summaryPage QScrollArea#summaryScroll { border: none; }
#summaryPage #summaryBody { background: transparent; }
#summaryPage #summaryHeading { font-size: 14pt; font-weight: bold; color: #161616; }
#summaryPage #summarySubheading { color: #666666; }
#summaryPage #sentNote {
    background: #dff5e3; color: #18753c; border-radius: 9px; padding: 2px 10px;
    font-size: 9pt; font-weight: bold;
}
#summaryPage #computingLabel { color: #666666; font-style: italic; }
#summaryPage #hintLabel { color: #666666; font-size: 9pt; }
#summaryPage #emptyBanner {
    background: #e8edff; border-left: 4px solid #0063cb; color: #0063cb; padding: 8px 12px;
}
#summaryPage #sectionCard { background: #ffffff; border: 1px solid #dddddd; border-radius: 4px; }
#summaryPage #sectionCard QLabel { background: transparent; }
#summaryPage #sectionHeading {
    font-size: 12pt; font-weight: bold; color: #000091; padding-bottom: 2px;
}
#summaryPage QTableView#summaryTable { border: none; border-top: 1px solid #eeeeee; }
#summaryPage #keyTile {
    background: #ffffff; border: 1px solid #dddddd; border-top: 4px solid #000091;
    border-radius: 4px;
}
#summaryPage #keyTile QLabel { background: transparent; }
#summaryPage #tileValue { font-size: 19pt; font-weight: bold; color: #000091; }
#summaryPage #tileLabel { color: #3a3a3a; font-size: 9pt; }
#summaryPage #tileChange { color: #666666; font-size: 8.5pt; }
#summaryPage QPushButton#monthArrow { padding: 4px 10px; min-width: 14px; font-weight: bold; }
#summaryPage QToolButton#exportButton {
    background: #000091; color: #ffffff; font-weight: bold; border: 1px solid #000091;
    padding: 6px 14px; border-radius: 2px;
}
#summaryPage QToolButton#exportButton:hover { background: #1212ff; }
#summaryPage QToolButton#exportButton:disabled {
    background: #e5e5e5; color: #929292; border-color: #e5e5e5;
}
#summaryPage QToolButton#exportButton::menu-indicator { image: none; width: 0; }
#summaryPage #registerIntro { color: #666666; }
"""


# -- the lines of a section's table -------------------------------------------------------------

TOTAL, PART, HEADING = "total", "part", "heading"

#: What a breakdown kind (the key's prefix) reads as, beside its first line.
GROUPS: dict[str, str] = {
    "regime": "par régime",
    "type": "par type de mesure",
    "agent": "par CPIP référent",
    "stage_type": "par type de stage",
    "code": "par code",
    "end": "par issue",
    "kind": "par nature",
    "domain": "par domaine",
    "status": "par issue",
    "outcome": "par issue",
}


@dataclass(frozen=True)
class Line:
    """One line of a section table: an indicator's total, one breakdown, or the heading of an
    indicator that has no total (the caseload per CPIP)."""

    kind: str
    indicator: Indicator
    figure: Figure | None = None
    previous: Value = None
    #: On the first line of a breakdown: what it is broken down by (« par régime »).
    group: str = ""

    @property
    def key(self) -> str:
        return "" if self.figure is None else self.figure.key

    @property
    def value(self) -> Value:
        return None if self.figure is None else self.figure.value

    @property
    def change(self) -> Value:
        return None if self.figure is None else change(self.previous, self.figure.value)

    @property
    def drillable(self) -> bool:
        return self.figure is not None and self.indicator.drill is not None

    @property
    def zero(self) -> bool:
        return not self.value and not self.previous


def section_lines(
    comparisons: Sequence[Comparison], section: Section, show_zero: bool = False
) -> list[Line]:
    """A section's lines, indicator by indicator: its total first, then its breakdown (lines
    at zero in both months left out unless ``show_zero``)."""
    by_indicator: dict[Indicator, list[Comparison]] = {}
    for item in comparisons:
        if item.figure.section is section:
            by_indicator.setdefault(item.figure.indicator, []).append(item)
    lines: list[Line] = []
    for indicator in Indicator:
        items = by_indicator.get(indicator)
        if not items:
            continue
        total = next((c for c in items if not c.figure.key), None)
        if total is not None:
            kind = PART if indicator in SUB_INDICATORS else TOTAL
            lines.append(Line(kind, indicator, total.figure, total.previous))
        else:
            lines.append(Line(HEADING, indicator))
        shown_group = ""
        for item in items:
            if item.figure.key:
                line = Line(PART, indicator, item.figure, item.previous)
                if show_zero or not line.zero:
                    group = GROUPS.get(item.figure.key.partition(":")[0], "")
                    if group != shown_group:
                        line = replace(line, group=group)
                        shown_group = group
                    lines.append(line)
    return lines


COL_INDICATOR, COL_DETAIL, COL_CURRENT, COL_PREVIOUS, COL_CHANGE = range(5)
NUMBER_COLUMNS = (COL_CURRENT, COL_PREVIOUS, COL_CHANGE)
COLUMN_WIDTHS = {COL_INDICATOR: 240, COL_CURRENT: 122, COL_PREVIOUS: 122, COL_CHANGE: 96}
ROW_HEIGHT = 26
#: A chart under its table is no wider than this (a bar across the whole page reads badly).
NARROW_CHART_WIDTH = 620
TOTAL_BACKGROUND = QColor("#f3f3fa")
DRILL_COLOUR = QColor("#000091")
MUTED = QColor("#666666")
FAINT = QColor("#929292")
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def line_tooltip(line: Line) -> str:
    """The indicator's definition, and whether a list stands behind the number."""
    text = line.indicator.definition
    if line.drillable:
        return f"{text}\n\nDouble-cliquez (ou Entrée) pour voir la liste derrière ce chiffre."
    if line.figure is None:
        return text
    return f"{text}\n\nChiffre calculé (taux ou médiane) : pas de liste détaillée derrière lui."


class SummaryTableModel(QAbstractTableModel):
    """The lines of one section, with the month and the previous month as columns."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lines: list[Line] = []
        self.month_title = ""
        self.previous_title = ""

    def set_lines(self, lines: Sequence[Line], month_title: str, previous_title: str) -> None:
        self.beginResetModel()
        self.lines = list(lines)
        self.month_title = month_title
        self.previous_title = previous_title
        self.endResetModel()

    def line_at(self, row: int) -> Line | None:
        return self.lines[row] if 0 <= row < len(self.lines) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def text(self, line: Line, column: int) -> str:
        unit = line.indicator.unit
        sub = line.indicator in SUB_INDICATORS
        if column == COL_INDICATOR:
            return line.indicator.label if line.kind in (TOTAL, HEADING) else line.group
        if column == COL_DETAIL:
            if line.kind != PART or line.figure is None:
                return ""
            return line.indicator.label if sub and not line.key else line.figure.label
        if line.figure is None:
            return ""
        if column == COL_CURRENT:
            return format_value(line.figure.value, unit)
        if column == COL_PREVIOUS:
            return format_value(line.previous, unit)
        return format_change(line.change)

    def headers(self) -> tuple[str, ...]:
        return ("Indicateur", "Détail", self.month_title, self.previous_title, "Évolution")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        line = self.line_at(index.row()) if index.isValid() else None
        if line is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(line, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return line_tooltip(line)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.headers()[column]} : {self.text(line, column)}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if column in NUMBER_COLUMNS else LEFT
        if role == Qt.ItemDataRole.FontRole and line.kind in (TOTAL, HEADING):
            if column in (COL_INDICATOR, COL_CURRENT):
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == Qt.ItemDataRole.FontRole and column == COL_INDICATOR and line.kind == PART:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == COL_INDICATOR and line.kind == PART:
                return MUTED
            if column == COL_PREVIOUS:
                return MUTED
            if column == COL_CHANGE:
                return FAINT if not line.change else None
            if column == COL_CURRENT and line.drillable:
                return DRILL_COLOUR
            return None
        if role == Qt.ItemDataRole.BackgroundRole and line.kind in (TOTAL, HEADING):
            return TOTAL_BACKGROUND
        if role == LineRole:
            return line
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < 5:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if section in NUMBER_COLUMNS else LEFT
        return None


class SectionTable(OpenableTable):
    """A section's table: as tall as its lines (the page scrolls, not the table)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summaryTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setAlternatingRowColors(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setMinimumSectionSize(ROW_HEIGHT)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        header = self.horizontalHeader()
        for column, width in COLUMN_WIDTHS.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)
        header.setSectionResizeMode(COL_DETAIL, QHeaderView.ResizeMode.Stretch)

    def fit(self) -> None:
        """An indicator's label runs over the empty *Détail* of its line; the table is as
        tall as its lines."""
        self.clearSpans()
        model = self.model()
        if isinstance(model, SummaryTableModel):
            for row, line in enumerate(model.lines):
                if line.kind in (TOTAL, HEADING):
                    self.setSpan(row, COL_INDICATOR, 1, 2)
        header = self.horizontalHeader()
        bold = QFont(header.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        for column in (COL_CURRENT, COL_PREVIOUS):
            title = str(self.model().headerData(column, Qt.Orientation.Horizontal) or "")
            header.resizeSection(
                column, max(COLUMN_WIDTHS[column], metrics.horizontalAdvance(title) + 24)
            )
        height = (
            self.horizontalHeader().sizeHint().height()
            + self.verticalHeader().length()
            + 2 * self.frameWidth()
        )
        self.setFixedHeight(height)


# -- the charts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSpec:
    indicator: Indicator
    prefix: str
    title: str
    by_size: bool = False


CHARTS: dict[Section, tuple[ChartSpec, ...]] = {
    Section.PERSONS: (
        ChartSpec(
            Indicator.ACTIVE_LAST,
            "type:",
            "Personnes suivies le dernier jour, par type de mesure",
            by_size=True,
        ),
    ),
    Section.STAGES: (
        ChartSpec(Indicator.SESSIONS, "stage_type:", "Séances par type de stage", by_size=True),
        ChartSpec(Indicator.ATTENDANCE, "code:", "Émargements par code"),
    ),
    Section.RIGHTS: (
        ChartSpec(Indicator.STEPS_CLOSED, "status:", "Démarches arrivées à leur issue, par issue"),
    ),
    Section.APPOINTMENTS: (ChartSpec(Indicator.APPOINTMENTS, "outcome:", "Entretiens par issue"),),
}


def chart_bars(comparisons: Sequence[Comparison], spec: ChartSpec) -> list[Bar]:
    """The breakdown lines of ``spec``'s indicator (none at zero in both months)."""
    bars = [
        Bar(c.figure.label, c.figure.value, c.previous)
        for c in comparisons
        if c.figure.indicator is spec.indicator
        and c.figure.key.startswith(spec.prefix)
        and (c.figure.value or c.previous)
    ]
    if spec.by_size:
        bars.sort(key=lambda b: -float(b.current or 0))
    return bars


def chart_title(spec: ChartSpec, current: Summary) -> str:
    if spec.indicator is Indicator.ATTENDANCE:
        rate = current.value(Indicator.ATTENDANCE_RATE)
        return f"{spec.title} — taux de présence {format_value(rate, Unit.PERCENT)}"
    return spec.title


# -- blocks of the page ------------------------------------------------------------------------


class SectionCard(QFrame):
    """A section of the summary: its heading, its table and its charts.

    Signals:
        open_requested(object): the :class:`Line` double-clicked (or Enter).
    """

    open_requested = Signal(object)

    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.setObjectName("sectionCard")
        self.heading = QLabel(section.label)
        self.heading.setObjectName("sectionHeading")
        self.model = SummaryTableModel(self)
        self.table = SectionTable()
        self.table.setAccessibleName(section.label)
        self.table.setModel(self.model)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.open_requested.connect(self._open_row)
        self.charts: list[BarChart] = [BarChart() for _ in CHARTS.get(section, ())]
        self.chart_box = QWidget(self)  # a parent first: shown without one, it is a window
        self.chart_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self.chart_box)
        self.chart_layout.setContentsMargins(0, 0, 0, 0)
        self.chart_layout.setSpacing(24)
        for chart in self.charts:
            self.chart_layout.addWidget(chart, 1, Qt.AlignmentFlag.AlignTop)
        self.chart_layout.addStretch(0)
        self.chart_box.setVisible(bool(self.charts))
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.setSpacing(16)
        self.body.addWidget(self.table, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addWidget(self.chart_box, 1, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 14)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addLayout(self.body)
        self.wide = False
        self.set_wide(False)

    def set_wide(self, wide: bool) -> None:
        """Charts beside the table (wide) or under it, two abreast."""
        self.wide = wide
        if wide and self.charts:
            self.body.setDirection(QBoxLayout.Direction.LeftToRight)
            self.chart_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            self.table.setFixedWidth(WIDE_TABLE_WIDTH)
        else:
            self.body.setDirection(QBoxLayout.Direction.TopToBottom)
            self.chart_layout.setDirection(QBoxLayout.Direction.LeftToRight)
            self.table.setMinimumWidth(0)
            self.table.setMaximumWidth(WIDE_TABLE_WIDTH if wide else 16777215)
        for chart in self.charts:
            chart.setMaximumWidth(16777215 if wide else NARROW_CHART_WIDTH)

    def show_summary(
        self, current: Summary, previous: Summary, items: Sequence[Comparison], show_zero: bool
    ) -> None:
        self.model.set_lines(
            section_lines(items, self.section, show_zero),
            current.month.title,
            previous.month.title,
        )
        self.table.fit()
        series = (current.month.title, previous.month.title)
        for chart, spec in zip(self.charts, CHARTS.get(self.section, ()), strict=True):
            chart.set_data(
                chart_title(spec, current),
                series,
                chart_bars(items, spec),
                spec.indicator.unit,
                "Rien à représenter sur ces deux mois.",
            )

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self._open_row(index.row())

    def _open_row(self, row: int) -> None:
        line = self.model.line_at(row)
        if line is not None:
            self.open_requested.emit(line)


class KeyTile(QFrame):
    """One key figure: its value, what it counts, and its change."""

    def __init__(self, indicator: Indicator, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.indicator = indicator
        self.setObjectName("keyTile")
        self.value_label = QLabel("—")
        self.value_label.setObjectName("tileValue")
        self.text_label = QLabel(text)
        self.text_label.setObjectName("tileLabel")
        self.text_label.setWordWrap(True)
        self.change_label = QLabel()
        self.change_label.setObjectName("tileChange")
        self.setToolTip(indicator.definition)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(2)
        layout.addWidget(self.value_label)
        layout.addWidget(self.text_label)
        layout.addStretch(1)
        layout.addWidget(self.change_label)
        self.setMinimumWidth(130)

    def show_values(self, current: Summary, previous: Summary) -> None:
        unit = self.indicator.unit
        now, before = current.value(self.indicator), previous.value(self.indicator)
        self.value_label.setText(format_value(now, unit))
        difference = change(before, now)
        month = previous.month.label
        if difference is None:
            text = "non comparable"  # one of the months has no value (a rate, a median)
        elif not difference:
            text = "stable sur un mois"
        else:
            text = f"{format_change(difference)} sur un mois"
        self.change_label.setText(text)
        self.change_label.setToolTip(f"{month} : {format_value(before, unit)}")


class ExportProgress:
    """An export's progress, shared by the worker thread and the GUI (polled by a timer).

    The worker only sets a number under a lock; no Qt object crosses threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.percent = 0
        self.cancelled = False

    def report(self, percent: int) -> bool:
        """The service's progress callback: ``False`` stops the export."""
        with self._lock:
            self.percent = max(0, min(100, int(percent)))
            return not self.cancelled

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True

    def snapshot(self) -> int:
        with self._lock:
            return self.percent


REGISTER_COLUMNS: tuple[Column[SentSummary], ...] = (
    Column("Mois", lambda s: s.month.title),
    Column("Périmètre", lambda s: s.scope.description),
    Column("Format", lambda s: s.format.label),
    Column("Envoyée le", sent_when),
    Column("Par", lambda s: s.author),
    Column("Empreinte", lambda s: short_hash(s.sha256)),
)


# -- the page -------------------------------------------------------------------------------------


class SummaryPage(QWidget):
    """*Synthèse mensuelle* (see the module's docstring for what it shows and its signals)."""

    open_person_requested = Signal(int, str, int)
    open_stage_requested = Signal(int, int)
    open_partner_requested = Signal(int)

    def __init__(
        self,
        actions: SummaryActions,
        runner: TaskRunner,
        prompter: Prompter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = actions
        self.runner = runner
        self.prompter = prompter
        self.today: date | None = None
        self.months: list[Month] = []
        self.scopes: list[SummaryScope] = []
        self.register: tuple[SentSummary, ...] = ()
        self.current: Summary | None = None
        self.previous: Summary | None = None
        self.comparisons: tuple[Comparison, ...] = ()
        self.drill_dialog: DrillDialog | None = None
        self.check_dialog: SentCheckDialog | None = None
        self.export_dialog: QProgressDialog | None = None
        self._ticket = 0
        self._setup_ticket = 0
        self._started = False
        self.setObjectName("summaryPage")
        self.setStyleSheet(STYLE)

        title = QLabel("Synthèse mensuelle")
        title.setObjectName("pageTitle")
        intro = QLabel(
            "L'activité du service sur un mois, comparée au mois précédent. Double-cliquez sur "
            "un chiffre (ou Entrée) pour voir ce qu'il compte ; survolez-le pour sa définition."
        )
        intro.setObjectName("pageIntro")
        intro.setWordWrap(True)

        # -- the toolbar --------------------------------------------------------------------
        self.previous_button = QPushButton("◀")
        self.previous_button.setToolTip("Mois précédent")
        self.previous_button.setAccessibleName("Mois précédent")
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip("Mois suivant")
        self.next_button.setAccessibleName("Mois suivant")
        for button in (self.previous_button, self.next_button):
            button.setObjectName("monthArrow")
        self.month_combo = QComboBox()
        self.month_combo.setAccessibleName("Mois")
        self.month_combo.setMinimumWidth(160)
        self.month_combo.setMaxVisibleItems(14)
        self.sent_label = QLabel()
        self.sent_label.setObjectName("sentNote")
        self.sent_label.setTextFormat(Qt.TextFormat.RichText)
        self.sent_label.linkActivated.connect(self._show_sent_changes)
        self.sent_label.hide()
        self._sent_check: SentCheck | None = None
        scope_label = QLabel("Périmètre")
        self.scope_combo = QComboBox()
        self.scope_combo.setAccessibleName("Périmètre")
        self.scope_combo.setMinimumWidth(220)
        self.scope_combo.setMaxVisibleItems(20)
        scope_label.setBuddy(self.scope_combo)
        self.zero_check = QCheckBox("Lignes à zéro")
        self.zero_check.setToolTip(
            "Afficher aussi les lignes de détail qui valent zéro sur les deux mois"
        )
        self.computing_label = QLabel(COMPUTING)
        self.computing_label.setObjectName("computingLabel")
        self.computing_label.hide()
        self.refresh_button = QPushButton("Actualiser")
        self.refresh_button.setToolTip("Recalculer la synthèse et relire le registre (F5)")
        self.export_button = QToolButton()
        self.export_button.setObjectName("exportButton")
        self.export_button.setText("Exporter ▾")
        self.export_button.setToolTip(
            "Enregistrer la synthèse du mois et du périmètre choisis (PDF, classeur ou CSV) ; "
            "chaque export entre au registre des synthèses envoyées"
        )
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self.export_button)
        self.export_actions = {}
        for fmt in ExportFormat:
            action = self.export_menu.addAction(fmt.label + "…")
            action.triggered.connect(lambda _=False, fmt=fmt: self.export(fmt))
            self.export_actions[fmt] = action
        self.export_button.setMenu(self.export_menu)

        toolbar = QHBoxLayout()
        toolbar.setSpacing(6)
        toolbar.addWidget(self.previous_button)
        toolbar.addWidget(self.month_combo)
        toolbar.addWidget(self.next_button)
        toolbar.addSpacing(8)
        toolbar.addWidget(self.sent_label)
        toolbar.addSpacing(18)
        toolbar.addWidget(scope_label)
        toolbar.addWidget(self.scope_combo)
        toolbar.addSpacing(12)
        toolbar.addWidget(self.zero_check)
        toolbar.addStretch(1)
        toolbar.addWidget(self.computing_label)
        toolbar.addSpacing(8)
        toolbar.addWidget(self.refresh_button)
        toolbar.addWidget(self.export_button)

        # -- the figures --------------------------------------------------------------------
        self.heading_label = QLabel()
        self.heading_label.setObjectName("summaryHeading")
        self.subheading_label = QLabel()
        self.subheading_label.setObjectName("summarySubheading")
        self.subheading_label.setWordWrap(True)
        self.partial_banner = QLabel()
        self.partial_banner.setObjectName("warningBanner")
        self.partial_banner.setWordWrap(True)
        self.partial_banner.hide()
        self.empty_banner = QLabel(EMPTY_BANNER)
        self.empty_banner.setObjectName("emptyBanner")
        self.empty_banner.setWordWrap(True)
        self.empty_banner.hide()
        self.tiles = [KeyTile(indicator, text) for indicator, text in KEY_FIGURES]
        tiles_row = QHBoxLayout()
        tiles_row.setSpacing(10)
        for tile in self.tiles:
            tiles_row.addWidget(tile, 1)
        self.cards: dict[Section, SectionCard] = {}
        self.body = QWidget()
        self.body.setObjectName("summaryBody")
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 4, 8, 12)
        body_layout.setSpacing(12)
        heading_row = QVBoxLayout()
        heading_row.setSpacing(0)
        heading_row.addWidget(self.heading_label)
        heading_row.addWidget(self.subheading_label)
        body_layout.addLayout(heading_row)
        body_layout.addWidget(self.partial_banner)
        body_layout.addWidget(self.empty_banner)
        body_layout.addLayout(tiles_row)
        for section in Section:
            card = SectionCard(section)
            card.open_requested.connect(self.open_line)
            self.cards[section] = card
            body_layout.addWidget(card)
        body_layout.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("summaryScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.body)
        self.message_label = QLabel(COMPUTING)
        self.message_label.setObjectName("loadingLabel")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message_label)
        self.stack.addWidget(self.scroll_area)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("hintLabel")
        self.hint_label.hide()

        figures = QWidget()
        figures_layout = QVBoxLayout(figures)
        figures_layout.setContentsMargins(0, 10, 0, 0)
        figures_layout.setSpacing(8)
        figures_layout.addLayout(toolbar)
        figures_layout.addWidget(self.hint_label)
        figures_layout.addWidget(self.stack, 1)

        # -- the register -------------------------------------------------------------------
        register_intro = QLabel(
            "Chaque export de la synthèse est enregistré ici avec l'empreinte de son fichier : "
            "comparez-le avec les données actuelles ou produisez à nouveau le même fichier."
        )
        register_intro.setObjectName("registerIntro")
        register_intro.setWordWrap(True)
        self.register_model: RecordTableModel[SentSummary] = RecordTableModel(
            REGISTER_COLUMNS, self
        )
        self.register_table = OpenableTable()
        self.register_table.setObjectName("registerTable")
        self.register_table.setAccessibleName("Synthèses envoyées")
        self.register_table.setModel(self.register_model)
        self.register_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.register_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.register_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.register_table.setAlternatingRowColors(True)
        self.register_table.setShowGrid(False)
        self.register_table.verticalHeader().hide()
        self.register_table.verticalHeader().setDefaultSectionSize(30)
        register_header = self.register_table.horizontalHeader()
        register_header.setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        register_header.setHighlightSections(False)
        for column, width in enumerate((150, 320, 150, 170, 200)):
            self.register_table.setColumnWidth(column, width)
        register_header.setStretchLastSection(True)
        self.register_table.doubleClicked.connect(self._on_register_double_clicked)
        self.register_table.open_requested.connect(lambda _row: self.check_selected())
        self.register_empty = QLabel(
            "Aucune synthèse envoyée pour l'instant : les exports apparaîtront ici."
        )
        self.register_empty.setObjectName("emptyLabel")
        self.register_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.register_empty.hide()
        self.check_button = QPushButton("Comparer avec les données actuelles")
        self.reproduce_button = QPushButton("Produire à nouveau le fichier…")
        self.show_month_button = QPushButton("Afficher ce mois")
        self.show_month_button.setToolTip("Ouvrir le mois et le périmètre de cette synthèse")
        self.check_button.clicked.connect(self.check_selected)
        self.reproduce_button.clicked.connect(self.reproduce_selected)
        self.show_month_button.clicked.connect(self.show_selected_month)
        register_actions = QHBoxLayout()
        register_actions.addWidget(self.check_button)
        register_actions.addWidget(self.reproduce_button)
        register_actions.addStretch(1)
        register_actions.addWidget(self.show_month_button)
        register = QWidget()
        register_layout = QVBoxLayout(register)
        register_layout.setContentsMargins(0, 10, 0, 0)
        register_layout.setSpacing(8)
        register_layout.addWidget(register_intro)
        register_layout.addWidget(self.register_table, 1)
        register_layout.addWidget(self.register_empty)
        register_layout.addLayout(register_actions)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(figures, "Chiffres du mois")
        self.tabs.addTab(register, "Synthèses envoyées")
        self.figures_tab = figures
        self.register_tab = register

        layout = QVBoxLayout(self)
        layout.setContentsMargins(PAGE_MARGINS // 2, 16, PAGE_MARGINS // 2, 12)
        layout.setSpacing(4)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)

        self.previous_button.clicked.connect(self.go_previous)
        self.next_button.clicked.connect(self.go_next)
        self.month_combo.currentIndexChanged.connect(self._on_month_changed)
        self.scope_combo.currentIndexChanged.connect(self._on_scope_changed)
        self.zero_check.toggled.connect(self._on_zero_toggled)
        self.refresh_button.clicked.connect(self.refresh)
        selection = self.register_table.selectionModel()
        selection.selectionChanged.connect(self._update_register_actions)
        self._set_controls_enabled(False)
        self._update_register_actions()
        self._apply_width()

    # -- loading --------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        """The first time the page is shown, it loads (nothing is computed at sign-in)."""
        super().showEvent(event)
        if not self._started:
            self._started = True
            self.refresh()

    def refresh(self) -> None:
        """Read the day, the scopes and the register again, then compute the figures shown."""
        self._started = True
        self._setup_ticket += 1
        ticket = self._setup_ticket
        actions = self.service
        self._show_computing()
        self.runner.run(
            lambda: (actions.today(), actions.scope_choices(), actions.register()),
            lambda result: self._on_setup(ticket, result),
            lambda error: self._on_setup_failed(ticket, error),
        )

    def _on_setup(
        self, ticket: int, result: tuple[date, tuple[SummaryScope, ...], tuple[SentSummary, ...]]
    ) -> None:
        if ticket != self._setup_ticket:
            return
        today, scopes, register = result
        self.today = today
        self._fill_months(today)
        self._fill_scopes(scopes)
        self._set_register(register)
        self._set_controls_enabled(True)
        self.compute()

    def _on_setup_failed(self, ticket: int, error: BaseException) -> None:
        if ticket != self._setup_ticket:
            return
        self._show_failure(error)

    def compute(self) -> None:
        """Compute the chosen month and scope off the GUI thread; a later request wins."""
        month, scope = self.selected_month(), self.selected_scope()
        self._update_arrows()
        self._update_sent_note()
        if month is None or scope is None:
            return
        self._ticket += 1
        ticket = self._ticket
        actions = self.service
        self._show_computing()
        self.runner.run(
            lambda: actions.summary(month, scope),
            lambda result: self._on_computed(ticket, result),
            lambda error: self._on_compute_failed(ticket, error),
        )

    def _show_computing(self) -> None:
        self.computing_label.show()
        self.hint_label.hide()
        if self.current is None:
            self.message_label.setText(COMPUTING)
            self.stack.setCurrentWidget(self.message_label)
        else:
            self.body.setEnabled(False)  # the figures shown are those of the previous request

    def _on_computed(self, ticket: int, result: tuple[Summary, Summary]) -> None:
        if ticket != self._ticket:
            return  # overtaken by a later month or scope
        self.current, self.previous = result
        self.comparisons = compare(self.current, self.previous)
        self.computing_label.hide()
        self.body.setEnabled(True)
        self._show_figures()
        self._update_sent_note()
        self.stack.setCurrentWidget(self.scroll_area)

    def _on_compute_failed(self, ticket: int, error: BaseException) -> None:
        if ticket != self._ticket:
            return
        self._show_failure(error)

    def _show_failure(self, error: BaseException) -> None:
        self.computing_label.hide()
        self.body.setEnabled(True)
        if isinstance(error, SpipError):
            message = error.message
        else:
            log.error("monthly summary failed", exc_info=error)
            message = "La synthèse n'a pas pu être calculée. Réessayez (F5)."
        self.current = None
        self.message_label.setText(message)
        self.stack.setCurrentWidget(self.message_label)

    # -- the months and scopes ------------------------------------------------------------------
    def _fill_months(self, today: date) -> None:
        kept = self.selected_month() or last_complete_month(today)
        month = Month.of(today)
        months = [month]
        for _ in range(MONTHS_BACK):
            month = month.previous
            months.append(month)
        self.months = months
        self.month_combo.blockSignals(True)
        self.month_combo.clear()
        for item in months:
            self.month_combo.addItem(item.title, item.iso)
        index = self.month_combo.findData(kept.iso)
        self.month_combo.setCurrentIndex(index if index >= 0 else min(1, len(months) - 1))
        self.month_combo.blockSignals(False)

    def _fill_scopes(self, scopes: Sequence[SummaryScope]) -> None:
        kept = self.selected_scope()
        self.scopes = list(scopes)
        combo = self.scope_combo
        combo.blockSignals(True)
        combo.clear()
        model = combo.model()
        groups = (
            (ScopeKind.SERVICE, ""),
            (ScopeKind.ANTENNE, "Antennes"),
            (ScopeKind.REFERENT, "CPIP référents"),
        )
        for kind, heading in groups:
            members = [(i, s) for i, s in enumerate(self.scopes) if s.kind is kind]
            if not members:
                continue
            if heading:
                combo.addItem(heading, None)
                if isinstance(model, QStandardItemModel):
                    item = model.item(combo.count() - 1)
                    item.setEnabled(False)
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
            for index, scope in members:
                combo.addItem(self._scope_name(scope), index)
                combo.setItemData(combo.count() - 1, scope.description, Qt.ItemDataRole.ToolTipRole)
        target = 0
        for row in range(combo.count()):
            data = combo.itemData(row)
            if data is None:
                continue
            if kept is not None and self.scopes[int(data)].key == kept.key:
                target = row
                break
            if target == 0 and combo.itemData(0) is None:
                target = row
        combo.setCurrentIndex(target)
        combo.blockSignals(False)

    @staticmethod
    def _scope_name(scope: SummaryScope) -> str:
        if scope.kind is ScopeKind.SERVICE:
            return scope.kind.label
        return scope.label or scope.description

    def selected_month(self) -> Month | None:
        data = self.month_combo.currentData()
        return Month.parse(str(data)) if data else None

    def selected_scope(self) -> SummaryScope | None:
        data = self.scope_combo.currentData()
        if data is None or not 0 <= int(data) < len(self.scopes):
            return None
        return self.scopes[int(data)]

    def set_month(self, month: Month) -> None:
        """Show ``month`` and compute it (a month older than the list joins it, in order)."""
        index = self.month_combo.findData(month.iso)
        if index < 0:
            index = self.month_combo.count()
            for row in range(self.month_combo.count()):
                data = self.month_combo.itemData(row)
                if data and Month.parse(str(data)) < month:
                    index = row
                    break
            self.month_combo.blockSignals(True)
            self.month_combo.insertItem(index, month.title, month.iso)
            self.month_combo.blockSignals(False)
        self.month_combo.setCurrentIndex(index)

    def set_scope(self, scope: SummaryScope) -> None:
        for row in range(self.scope_combo.count()):
            data = self.scope_combo.itemData(row)
            if data is not None and self.scopes[int(data)].key == scope.key:
                self.scope_combo.setCurrentIndex(row)
                return

    def go_previous(self) -> None:
        """◀: the month before (the list runs from the newest down)."""
        index = self.month_combo.currentIndex()
        if index + 1 < self.month_combo.count():
            self.month_combo.setCurrentIndex(index + 1)

    def go_next(self) -> None:
        """▶: the month after, up to the current month."""
        index = self.month_combo.currentIndex()
        if index > 0:
            self.month_combo.setCurrentIndex(index - 1)

    def _on_month_changed(self, _index: int) -> None:
        self.compute()

    def _on_scope_changed(self, _index: int) -> None:
        self.compute()

    def _on_zero_toggled(self, _checked: bool) -> None:
        if self.current is not None:
            self._show_figures()

    def _update_arrows(self) -> None:
        index = self.month_combo.currentIndex()
        enabled = self.month_combo.isEnabled()
        self.next_button.setEnabled(enabled and index > 0)
        self.previous_button.setEnabled(enabled and 0 <= index < self.month_combo.count() - 1)

    def _set_controls_enabled(self, enabled: bool) -> None:
        for widget in (self.month_combo, self.scope_combo, self.export_button):
            widget.setEnabled(enabled)
        self._update_arrows()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """F5 recomputes (the tables and combos leave it to the page)."""
        if event.key() == Qt.Key.Key_F5 and not event.modifiers():
            self.refresh()
            event.accept()
            return
        super().keyPressEvent(event)

    # -- the figures ------------------------------------------------------------------------------
    def _show_figures(self) -> None:
        current, previous = self.current, self.previous
        if current is None or previous is None:
            return
        scope_text = current.scope.description
        if not current.scope.label:
            known = next((s for s in self.scopes if s.key == current.scope.key), None)
            if known is not None:
                scope_text = known.description
        self.heading_label.setText(f"{current.month.title} — {scope_text}")
        self.subheading_label.setText(
            f"Du {format_date(current.month.first_day)} au "
            f"{format_date(min(current.month.last_day, current.computed_on))}, "
            f"comparé à {previous.month.label} · chiffres calculés le "
            f"{format_date(current.computed_on)}"
        )
        self.partial_banner.setVisible(current.partial)
        if current.partial:
            self.partial_banner.setText(
                f"Mois en cours : chiffres arrêtés au {format_date(current.computed_on)}, "
                "provisoires."
            )
        self.empty_banner.setVisible(current.is_empty)
        for tile in self.tiles:
            tile.show_values(current, previous)
        show_zero = self.zero_check.isChecked()
        for card in self.cards.values():
            card.show_summary(current, previous, self.comparisons, show_zero)
            card.setVisible(card.model.rowCount() > 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_width()

    def _apply_width(self) -> None:
        wide = self.width() - PAGE_MARGINS >= WIDE_FROM
        for card in self.cards.values():
            if card.wide != wide:
                card.set_wide(wide)

    def sizeHint(self) -> QSize:
        return QSize(1100, 760)

    # -- drill-down -------------------------------------------------------------------------------
    def open_line(self, line: Line) -> None:
        """The items behind a line's figure, in a dialog (the line's definition if none)."""
        current = self.current
        if current is None or line.figure is None:
            return
        if not line.drillable:
            self.hint_label.setText(
                f"« {line.indicator.label} » est un chiffre calculé (taux ou médiane) : "
                "il n'a pas de liste détaillée."
            )
            self.hint_label.show()
            return
        self.hint_label.hide()
        month, scope, indicator, key = current.month, current.scope, line.indicator, line.key
        actions = self.service
        self.runner.run(
            lambda: actions.drill(month, scope, indicator, key),
            self._show_drill,
            lambda error: self._failed("Détail du chiffre", error),
        )

    def _show_drill(self, drill: DrillList) -> None:
        dialog = DrillDialog(drill, self)
        dialog.open_requested.connect(self.open_drill_row)
        dialog.destroyed.connect(lambda _=None, d=dialog: self._forget_drill(d))
        self.drill_dialog = dialog
        dialog.show()

    def _forget_drill(self, dialog: DrillDialog) -> None:
        if self.drill_dialog is dialog:
            self.drill_dialog = None

    def open_drill_row(self, row: DrillRow) -> None:
        """Ask the window for what a drill-down line points to."""
        if row.person_id is not None:
            tab = row.tab.value if row.tab is not None else ""
            self.open_person_requested.emit(row.person_id, tab, row.ref_id or 0)
        elif row.stage_id is not None:
            self.open_stage_requested.emit(row.stage_id, row.session_id or 0)
        elif row.partner_id is not None:
            self.open_partner_requested.emit(row.partner_id)

    # -- export -----------------------------------------------------------------------------------
    def export(self, fmt: ExportFormat) -> None:
        """Ask where, then write the file off the GUI thread with a progress dialog."""
        month, scope = self.selected_month(), self.selected_scope()
        if month is None or scope is None:
            return
        out = self.prompter.choose_save_file(
            "Exporter la synthèse", default_file_name(month, scope, fmt), EXPORT_FILTERS[fmt]
        )
        if out is None:
            return
        progress = ExportProgress()
        dialog = QProgressDialog("Export de la synthèse…", "Annuler", 0, 100, self)
        dialog.setWindowTitle("Exporter la synthèse")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(progress.cancel)
        dialog.canceled.connect(lambda: dialog.setLabelText("Arrêt de l'export…"))
        timer = QTimer(dialog)
        timer.setInterval(100)
        timer.timeout.connect(lambda: dialog.setValue(progress.snapshot()))
        timer.start()
        self.export_dialog = dialog
        self.export_button.setEnabled(False)
        actions = self.service

        def finish() -> None:
            timer.stop()
            dialog.hide()
            dialog.deleteLater()
            self.export_dialog = None
            self.export_button.setEnabled(True)

        def done(sent: SentSummary) -> None:
            finish()
            self.prompter.inform(
                "Synthèse exportée",
                f"Synthèse exportée : {out} — empreinte SHA-256 {short_hash(sent.sha256)}",
            )
            self.reload_register()

        def failed(error: BaseException) -> None:
            finish()
            if isinstance(error, ExportCancelled):
                self.prompter.inform("Export interrompu", error.message)
                return
            self._failed("Export impossible", error)

        self.runner.run(
            lambda: actions.export(month, scope, fmt, out, progress.report), done, failed
        )

    # -- the register -----------------------------------------------------------------------------
    def reload_register(self) -> None:
        self.runner.run(
            self.service.register,
            self._set_register,
            lambda error: self._failed("Synthèses envoyées", error),
        )

    def _set_register(self, register: Sequence[SentSummary]) -> None:
        selected = self.selected_sent()
        self.register = tuple(register)
        self.register_model.set_records(self.register)
        count = len(self.register)
        self.tabs.setTabText(1, "Synthèses envoyées" + (f" ({count})" if count else ""))
        self.register_empty.setVisible(not count)
        self.register_table.setVisible(bool(count))
        if selected is not None:
            for row, sent in enumerate(self.register):
                if sent.id == selected.id:
                    self.register_table.selectRow(row)
        self._update_register_actions()
        self._update_sent_note()

    def _show_sent_changes(self, _link: str = "") -> None:
        """The lines that changed since the month shown was sent, in the comparison dialog."""
        if self._sent_check is not None:
            self._show_check(self._sent_check)

    def _update_sent_note(self) -> None:
        """« Envoyée le … » beside the month when the register has it for this scope."""
        month, scope = self.selected_month(), self.selected_scope()
        sent = [
            s
            for s in self.register
            if month is not None
            and scope is not None
            and s.month == month
            and s.scope.key == scope.key
        ]
        if not sent:
            self.sent_label.hide()
            return
        latest = max(sent, key=lambda s: s.generated_at)
        text = f"✓ Envoyée le {latest.generated_at:%d/%m/%Y}"
        if len(sent) > 1:
            text += f" ({plural(len(sent), 'envoi')})"
        self._sent_check = None
        current = self.current
        same = current is not None and scope is not None and current.month == month
        if latest.partial:
            # sent before the month was over: compared up to that day in the register
            text += " (avant la fin du mois)"
        elif current is not None and same and scope is not None and current.scope.key == scope.key:
            # today's figures against those sent: late entries show at once
            changed = differences(latest.figures, current)
            if changed:
                self._sent_check = SentCheck(latest, current, changed)
                verb = "a changé" if len(changed) == 1 else "ont changé"
                count = plural(len(changed), "chiffre")
                text += f' — <a href="check">{count} {verb} depuis</a>'
        self.sent_label.setText(text)
        self.sent_label.setToolTip(
            "\n".join(
                f"{sent_when(s)} par {s.author} — {s.format.label}, {s.file_name}" for s in sent
            )
        )
        self.sent_label.show()

    def selected_sent(self) -> SentSummary | None:
        rows = self.register_table.selectionModel().selectedRows()
        return self.register_model.record_at(rows[0].row()) if rows else None

    def _update_register_actions(self, *_: object) -> None:
        chosen = self.selected_sent() is not None
        for button in (self.check_button, self.reproduce_button, self.show_month_button):
            button.setEnabled(chosen)

    def _on_register_double_clicked(self, _index: QModelIndex) -> None:
        self.check_selected()

    def check_selected(self) -> None:
        """The selected sent summary beside today's data, in a dialog."""
        sent = self.selected_sent()
        if sent is None:
            return
        actions = self.service
        self.runner.run(
            lambda: actions.check(sent.id),
            self._show_check,
            lambda error: self._failed("Comparaison impossible", error),
        )

    def _show_check(self, check: SentCheck) -> None:
        dialog = SentCheckDialog(check, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.check_dialog = dialog
        dialog.finished.connect(lambda _result: setattr(self, "check_dialog", None))
        dialog.open()

    def reproduce_selected(self) -> None:
        """Write the selected sent file again (the service checks it is identical)."""
        sent = self.selected_sent()
        if sent is None:
            return
        out = self.prompter.choose_save_file(
            "Produire à nouveau la synthèse", sent.file_name, EXPORT_FILTERS[sent.format]
        )
        if out is None:
            return
        actions = self.service
        self.reproduce_button.setEnabled(False)

        def done(_again: SentSummary) -> None:
            self._update_register_actions()
            self.prompter.inform(
                "Fichier reproduit",
                f"Fichier reproduit à l'identique (empreinte vérifiée).\n{out}",
            )

        def failed(error: BaseException) -> None:
            self._update_register_actions()
            self._failed("Reproduction impossible", error)

        self.runner.run(lambda: actions.reproduce(sent.id, out), done, failed)

    def show_selected_month(self) -> None:
        """Open the selected sent summary's month and scope in *Chiffres du mois*."""
        sent = self.selected_sent()
        if sent is None:
            return
        self.tabs.setCurrentWidget(self.figures_tab)
        self.scope_combo.blockSignals(True)
        self.set_scope(sent.scope)
        self.scope_combo.blockSignals(False)
        before = self.month_combo.currentIndex()
        self.set_month(sent.month)
        if self.month_combo.currentIndex() == before:
            self.compute()

    # -- errors ------------------------------------------------------------------------------
    def _failed(self, title: str, error: BaseException) -> None:
        if isinstance(error, SpipError):
            self.prompter.error(title, error.message)
        else:
            raise error
