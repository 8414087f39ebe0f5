"""Item model of the *Personnes suivies* list: pages loaded off the GUI thread.

The model holds only the rows already fetched; ``fetchMore`` asks for the next
page when the view scrolls near the end, and a new search or sort replaces the
rows when its first page arrives (a late answer to an older query is dropped).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from ..domain.dates import format_date
from ..domain.model import PersonPage, PersonQuery, PersonRow
from .tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 100  # about four screens of rows; more come as the list scrolls


@dataclass(frozen=True)
class Column:
    sort_key: str
    title: str
    value: Callable[[PersonRow], str]
    tooltip: str = ""


def _name(row: PersonRow) -> str:
    usage = f" ({row.usage_name.upper()})" if row.usage_name else ""
    return f"{row.surname.upper()}{usage}"


COLUMNS: tuple[Column, ...] = (
    Column("name", "Nom", _name, "Nom de naissance (et nom d'usage)"),
    Column("given_names", "Prénoms", lambda r: r.given_names),
    Column("birth_date", "Né(e) le", lambda r: format_date(r.birth_date)),
    Column("file_number", "N° de dossier", lambda r: r.file_number),
    Column("regime", "Milieu", lambda r: r.regime.short_label),
    Column(
        "measure",
        "Mesure principale",
        lambda r: r.main_measure_type.short_label if r.main_measure_type else "—",
    ),
    Column("measure_end", "Fin de mesure", lambda r: format_date(r.main_measure_end, "—")),
    Column("referent", "Référent", lambda r: r.referent_name or "—"),
    Column(
        "sas",
        "SAS",
        lambda r: "Éligible SAS" if r.sas_eligible else "",
        "Milieu fermé et reliquat de moins de 2 ans (décret 2022-339)",
    ),
)
SAS_COLUMN = len(COLUMNS) - 1
CLOSED_COLOR = QColor("#8a8a8a")

_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_USER = Qt.ItemDataRole.UserRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_OTHER_ROLES = frozenset({_FOREGROUND, _USER, _TOOLTIP, Qt.ItemDataRole.AccessibleTextRole})


def _format(rows: Sequence[PersonRow]) -> list[tuple[str, ...]]:
    return [tuple(column.value(row) for column in COLUMNS) for row in rows]


PageLoader = Callable[[PersonQuery, int, int], PersonPage]
Counter = Callable[[PersonQuery], int]


class PersonListModel(QAbstractTableModel):
    """Rows of :class:`PersonRow`, one page at a time.

    Signals:
        count_changed(int): the number of people the query keeps (-1 while counting).
        loading_changed(bool): a page is being fetched.
        page_loaded(): the rows of a new query (or a further page) are in the model.
        failed(object): loading failed with this exception.
    """

    failed = Signal(object)
    count_changed = Signal(int)
    loading_changed = Signal(bool)
    page_loaded = Signal()

    def __init__(
        self,
        load_page: PageLoader,
        count: Counter,
        runner: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._load_page = load_page
        self._count = count
        self._runner = runner
        self._rows: list[PersonRow] = []
        self._display: list[tuple[str, ...]] = []
        self._query = PersonQuery()
        self._generation = 0
        self._has_more = False
        self._fetching = False

    # -- queries -----------------------------------------------------------------
    @property
    def query(self) -> PersonQuery:
        return self._query

    def set_query(self, query: PersonQuery) -> None:
        """Show what ``query`` keeps; the current rows stay until the answer arrives."""
        self._query = query
        self.refresh()

    def refresh(self) -> None:
        self._generation += 1
        generation, query = self._generation, self._query
        self._fetching = True
        self.loading_changed.emit(True)
        self.count_changed.emit(-1)
        self._runner.run(
            lambda: self._load_unless_stale(generation, query),
            lambda page: self._on_first_page(generation, query, page),
            lambda error: self._on_failed(generation, error),
        )

    def _load_unless_stale(self, generation: int, query: PersonQuery) -> PersonPage | None:
        """On the worker: skip a query the officer has already typed past."""
        if generation != self._generation:
            return None
        return self._load_page(query, 0, PAGE_SIZE)

    def _on_first_page(self, generation: int, query: PersonQuery, page: PersonPage | None) -> None:
        if generation != self._generation or page is None:
            return
        self.beginResetModel()
        self._rows = list(page.rows)
        self._display = _format(page.rows)
        self._has_more = page.has_more
        self._fetching = False
        self.endResetModel()
        self.loading_changed.emit(False)
        self.page_loaded.emit()
        if not page.has_more:
            self.count_changed.emit(len(page.rows))  # the page is the whole answer
            return
        # Counted after the page, so that it never delays the rows the officer waits for.
        self._runner.run(
            lambda: self._count(query),
            lambda total: self._on_count(generation, total),
            lambda error: self._on_failed(generation, error),
        )

    def _on_count(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self.count_changed.emit(total)

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self.loading_changed.emit(False)
        self.failed.emit(error)

    # -- Qt model ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The view asks for about ten roles per cell at every repaint: answer the
        # common case from the strings formatted when the page arrived.
        if role == _DISPLAY:
            try:
                return self._display[index.row()][index.column()]
            except IndexError:
                return None
        if role not in _OTHER_ROLES or not index.isValid():
            return None
        row_number = index.row()
        if not 0 <= row_number < len(self._rows):
            return None
        row = self._rows[row_number]
        if role == _FOREGROUND:
            return CLOSED_COLOR if row.closed else None
        if role == _USER:
            return row
        column = COLUMNS[index.column()]
        if role == _TOOLTIP:
            return "Dossier clôturé" if row.closed else (column.tooltip or None)
        return f"{column.title} : {self._display[row_number][index.column()]}"

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < len(COLUMNS)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tooltip or f"Trier par {COLUMNS[section].title.lower()}"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(COLUMNS)):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        key = COLUMNS[column].sort_key
        if (self._query.sort, self._query.descending) != (key, descending):
            self.set_query(replace(self._query, sort=key, descending=descending))

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._has_more and not self._fetching

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation, query, offset = self._generation, self._query, len(self._rows)
        self._runner.run(
            lambda: self._load_page(query, offset, PAGE_SIZE),
            lambda page: self._on_more(generation, page),
            lambda error: self._on_failed(generation, error),
        )

    def _on_more(self, generation: int, page: PersonPage) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._has_more = page.has_more
        if page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self._display.extend(_format(page.rows))
            self.endInsertRows()
        self.page_loaded.emit()

    # -- helpers -----------------------------------------------------------------
    def person_at(self, row: int) -> PersonRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, person_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == person_id), -1)
