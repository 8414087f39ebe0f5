"""The monthly summary's dialogs: the items behind a figure, and a sent summary compared
with today's data.

:class:`DrillDialog` lists a :class:`~spip_desktop.domain.summary.DrillList` (sortable
by any column; dates and numbers sort as such); double-click or Enter on a line asks
for what it points to (a person's file, a stage, a partner) with ``open_requested``.
:class:`SentCheckDialog` shows the lines whose value changed since a summary was sent.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_count, plural
from ..domain.summary import (
    Difference,
    DrillList,
    DrillRow,
    SentCheck,
    SentSummary,
    Unit,
    Value,
    format_change,
    format_value,
    indicator_of,
)

Index = QModelIndex | QPersistentModelIndex
RowRole = Qt.ItemDataRole.UserRole

NO_DIFFERENCE = "Aucune différence : les données actuelles donnent les mêmes chiffres."

_DATE = re.compile(r"^\s*(\d{2})/(\d{2})/(\d{4})(?:\s+(?:à\s+)?(\d{1,2})[:h](\d{2}))?")
_NUMBER = re.compile(r"^\s*[+\-\u2212]?[\d\u202f\u00a0 ]+(?:,\d+)?\s*(?:%|j)?\s*$")

DIALOG_STYLE = """
#drillTitle, #checkTitle { font-size: 13pt; font-weight: bold; color: #161616; }
#drillCount, #checkIntro { color: #3a3a3a; }
#drillHint { color: #666666; font-size: 9pt; }
#checkSame {
    background: #dff5e3; color: #18753c; font-weight: bold;
    border-left: 4px solid #18753c; padding: 10px 12px;
}
#checkChanged {
    background: #fef7da; color: #716043; border-left: 4px solid #b34000; padding: 8px 12px;
}
"""


def sent_when(sent: SentSummary) -> str:
    """``03/04/2026 à 10:12``."""
    return f"{sent.generated_at:%d/%m/%Y} à {sent.generated_at:%H:%M}"


def short_hash(sha256: str) -> str:
    return f"{sha256[:12]}…"


def sort_key(text: str) -> tuple[int, Any]:
    """How a cell sorts: dates by date, numbers by value, the rest by text (accents kept)."""
    match = _DATE.match(text)
    if match is not None:
        day, month, year, hour, minute = match.groups()
        return (1, (int(year), int(month), int(day), int(hour or 0), int(minute or 0)))
    if text and _NUMBER.match(text):
        cleaned = re.sub(r"[\s\u202f\u00a0%j]", "", text).replace("\u2212", "-").replace(",", ".")
        try:
            return (0, float(cleaned))
        except ValueError:
            pass
    return (2, text.casefold())


def unit_of(code: str) -> Unit:
    """The unit of a figure's line, from its code (``taux_presence``, ``suivis_fin/type:tig``)."""
    try:
        return indicator_of(code.partition("/")[0]).unit
    except KeyError:
        return Unit.COUNT


# -- drill-down ------------------------------------------------------------------------------


class DrillModel(QAbstractTableModel):
    """The rows of a drill-down list, read-only, sorted here (:meth:`sort`).

    A list holds up to 5,000 rows: sorting them through a proxy's Python ``lessThan``
    took close to a second on the GUI thread; one Python sort of their keys takes a few
    milliseconds.
    """

    def __init__(self, drill: DrillList, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.drill = drill
        self._order = list(range(len(drill.rows)))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        rows = self.drill.rows
        self.layoutAboutToBeChanged.emit()
        if 0 <= column < len(self.drill.columns):
            keys = [sort_key(r.cells[column] if column < len(r.cells) else "") for r in rows]
            self._order = sorted(
                range(len(rows)),
                key=keys.__getitem__,
                reverse=order == Qt.SortOrder.DescendingOrder,
            )
        else:  # no column: the service's order
            self._order = list(range(len(rows)))
        self.layoutChanged.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.drill.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.drill.columns)

    def row_at(self, row: int) -> DrillRow | None:
        rows = self.drill.rows
        return rows[self._order[row]] if 0 <= row < len(rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None or not 0 <= index.column() < len(self.drill.columns):
            return None
        text = row.cells[index.column()] if index.column() < len(row.cells) else ""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.drill.columns[index.column()]} : {text}"
        if role == RowRole:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.drill.columns)
        ):
            return self.drill.columns[section]
        return None


class OpenableTable(QTableView):
    """A table whose Enter opens the current line (double-click does too).

    Signals:
        open_requested(int): the row (of the view's model) to open.
    """

    open_requested = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex().row())
            event.accept()
            return
        super().keyPressEvent(event)


def _configure(table: QTableView) -> None:
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(28)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setHighlightSections(False)


class DrillDialog(QDialog):
    """The items behind one figure (non-modal: several files can be opened from it).

    Signals:
        open_requested(object): the :class:`DrillRow` to open.
    """

    open_requested = Signal(object)

    def __init__(self, drill: DrillList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drill = drill
        self.setWindowTitle(drill.title)
        self.setObjectName("drillDialog")
        self.setStyleSheet(DIALOG_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        title = QLabel(drill.title)
        title.setObjectName("drillTitle")
        title.setWordWrap(True)
        self.count_label = QLabel(self.count_text(drill))
        self.count_label.setObjectName("drillCount")
        openable = any(
            r.person_id is not None or r.stage_id is not None or r.partner_id is not None
            for r in drill.rows
        )
        self.hint_label = QLabel(
            "Double-cliquez sur une ligne (ou Entrée) pour l'ouvrir ; cliquez sur un titre "
            "de colonne pour trier."
            if openable
            else "Cliquez sur un titre de colonne pour trier."
        )
        self.hint_label.setObjectName("drillHint")
        self.model = DrillModel(drill, self)
        self.table = OpenableTable()
        self.table.setObjectName("drillTable")
        self.table.setAccessibleName(drill.title)
        self.table.setModel(self.model)
        _configure(self.table)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the service's order first
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.horizontalHeader().setResizeContentsPrecision(200)  # a sample, not 5,000 rows
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column) + 16, 320))
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.open_requested.connect(self._open_view_row)
        self.empty_label = QLabel("Aucun élément derrière ce chiffre.")
        self.empty_label.setObjectName("emptyLabel")
        buttons = QDialogButtonBox()
        close = buttons.addButton("Fermer", QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(self.count_label)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(buttons)
        # visibility once in the layout: a widget shown without a parent is a window
        self.empty_label.setVisible(not drill.rows)
        self.table.setVisible(bool(drill.rows))
        self.resize(min(max(self.table.horizontalHeader().length() + 60, 620), 1100), 560)
        if drill.rows:
            self.table.selectRow(0)
            self.table.setFocus()

    @staticmethod
    def count_text(drill: DrillList) -> str:
        """« 1 234 éléments », and « les 5 000 premiers sont affichés » when cut."""
        text = plural(drill.total, "élément")
        if drill.truncated:
            text += f" — les {format_count(len(drill.rows))} premiers sont affichés"
        return text

    def row_at(self, view_row: int) -> DrillRow | None:
        row = self.model.index(view_row, 0).data(RowRole)
        return row if isinstance(row, DrillRow) else None

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self._open_view_row(index.row())

    def _open_view_row(self, view_row: int) -> None:
        row = self.row_at(view_row)
        if row is not None:
            self.open_requested.emit(row)


# -- a sent summary beside today's data --------------------------------------------------------

DIFF_COLUMNS = ("Indicateur", "Valeur envoyée", "Valeur actuelle", "Écart")


class DifferenceModel(QAbstractTableModel):
    def __init__(self, differences: tuple[Difference, ...], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.differences = differences

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.differences)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(DIFF_COLUMNS)

    def text(self, difference: Difference, column: int) -> str:
        unit = unit_of(difference.code)
        values: tuple[Value, ...] = (difference.recorded, difference.today)
        if column == 0:
            return difference.label
        if column in (1, 2):
            return format_value(values[column - 1], unit)
        return format_change(difference.change)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.differences):
            return None
        difference = self.differences[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(difference, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            return QColor("#666666")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{DIFF_COLUMNS[index.column()]} : {self.text(difference, index.column())}"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(DIFF_COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return DIFF_COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SentCheckDialog(QDialog):
    """What changed, line by line, between a sent summary and today's data."""

    def __init__(self, check: SentCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = check
        sent = check.sent
        self.setWindowTitle("Comparaison avec les données actuelles")
        self.setObjectName("sentCheckDialog")
        self.setStyleSheet(DIALOG_STYLE)
        title = QLabel(f"Synthèse {sent.month.of_label} — {sent.scope.description}")
        title.setObjectName("checkTitle")
        title.setWordWrap(True)
        intro = QLabel(
            f"Envoyée le {sent_when(sent)} par {sent.author} ({sent.format.label}, "
            f"empreinte {short_hash(sent.sha256)}), comparée aux données du "
            f"{check.today.computed_on:%d/%m/%Y}."
        )
        intro.setObjectName("checkIntro")
        intro.setWordWrap(True)
        if check.unchanged:
            self.result_label = QLabel(NO_DIFFERENCE)
            self.result_label.setObjectName("checkSame")
        else:
            count = len(check.differences)
            self.result_label = QLabel(
                f"{plural(count, 'chiffre')} {'a' if count < 2 else 'ont'} changé depuis "
                "l'envoi (saisies tardives, corrections, dossiers transférés…)."
            )
            self.result_label.setObjectName("checkChanged")
        self.result_label.setWordWrap(True)
        self.model = DifferenceModel(check.differences, self)
        self.table = QTableView()
        self.table.setObjectName("differenceTable")
        self.table.setAccessibleName("Différences avec les données actuelles")
        self.table.setModel(self.model)
        _configure(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        buttons = QDialogButtonBox()
        close = buttons.addButton("Fermer", QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.result_label)
        layout.addWidget(self.table, 1)
        if check.unchanged:
            layout.addStretch(1)
        layout.addWidget(buttons)
        self.table.setVisible(not check.unchanged)  # once in the layout
        self.resize(820, 520 if not check.unchanged else 240)
