"""Item model of the *Personnes suivies* list: pages loaded off the GUI thread.

The list grows as the view scrolls: ``fetchMore`` asks for the next page near the
end, and a new search or sort replaces the rows when its first page arrives (a late
answer to an older query is dropped). Only the ``KEPT_PAGES`` pages last shown stay in
memory: a page scrolled far away is dropped and asked again (off the GUI thread) if the
view comes back to it, so that scrolling 220,000 lines does not hold them all.
"""

from __future__ import annotations

from collections import OrderedDict
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
KEPT_PAGES = 30  # pages kept in memory (the last shown); others are asked again


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
        # Page number -> (rows, their cells formatted once), the last shown last.
        self._pages: OrderedDict[int, tuple[list[PersonRow], list[tuple[str, ...]]]] = OrderedDict()
        self._asked: set[int] = set()  # dropped pages being fetched again, or that failed
        self._size = 0  # rows the list has grown to
        # The query (and its generation) of the rows on screen: until a new query's first
        # page arrives, the rows shown, and any page fetched again, are the previous one's.
        self._shown_query = PersonQuery()
        self._shown_generation = 0
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
        self._pages = OrderedDict({0: (list(page.rows), _format(page.rows))})
        self._asked = set()
        self._shown_query, self._shown_generation = query, generation
        self._size = len(page.rows)
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
        return 0 if parent.isValid() else self._size

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def _page(self, row: int) -> tuple[list[PersonRow], list[tuple[str, ...]]] | None:
        """The page holding ``row`` (marked as just shown), or None while it is fetched."""
        number = row // PAGE_SIZE
        page = self._pages.get(number)
        if page is None:
            if 0 <= row < self._size:
                self._fetch_again(number)
            return None
        if number != next(reversed(self._pages)):
            self._pages.move_to_end(number)
        return page

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The view asks for about ten roles per cell at every repaint: answer the
        # common case from the strings formatted when the page arrived.
        if role == _DISPLAY:
            page = self._page(index.row())
            if page is None:
                return "…" if index.column() == 0 else None
            try:
                return page[1][index.row() % PAGE_SIZE][index.column()]
            except IndexError:
                return None
        if role not in _OTHER_ROLES or not index.isValid():
            return None
        page = self._page(index.row())
        offset = index.row() % PAGE_SIZE
        if page is None or offset >= len(page[0]):
            return None
        row = page[0][offset]
        if role == _FOREGROUND:
            return CLOSED_COLOR if row.closed else None
        if role == _USER:
            return row
        column = COLUMNS[index.column()]
        if role == _TOOLTIP:
            return "Dossier clôturé" if row.closed else (column.tooltip or None)
        return f"{column.title} : {page[1][offset][index.column()]}"

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
        generation, query, offset = self._generation, self._query, self._size
        self._runner.run(
            lambda: self._load_page(query, offset, PAGE_SIZE),
            lambda page: self._on_more(generation, offset, page),
            lambda error: self._on_failed(generation, error),
        )

    def _on_more(self, generation: int, offset: int, page: PersonPage) -> None:
        if generation != self._generation or offset != self._size:
            return  # another query's rows, or a page asked twice
        self._fetching = False
        self._has_more = page.has_more
        if page.rows:
            self.beginInsertRows(QModelIndex(), offset, offset + len(page.rows) - 1)
            self._keep(offset // PAGE_SIZE, list(page.rows))
            self._size = offset + len(page.rows)
            self.endInsertRows()
        self.page_loaded.emit()

    def _keep(self, number: int, rows: list[PersonRow]) -> None:
        self._pages[number] = (rows, _format(rows))
        self._pages.move_to_end(number)
        while len(self._pages) > KEPT_PAGES:
            self._pages.popitem(last=False)  # the page shown longest ago

    def _fetch_again(self, number: int) -> None:
        """Ask again for a page dropped from memory that the view shows again (with the
        query of the rows on screen). A failure is said once; the page stays empty until
        the list is loaded again."""
        if number in self._asked:
            return
        self._asked.add(number)
        generation, query = self._shown_generation, self._shown_query

        def arrived(page: PersonPage) -> None:
            if generation != self._shown_generation:
                return  # the list shows another query's rows now
            self._asked.discard(number)
            first = number * PAGE_SIZE
            rows = list(page.rows[: max(0, self._size - first)])
            self._keep(number, rows)
            last = first + max(len(rows), 1) - 1
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

        def failed(error: BaseException) -> None:
            if generation == self._shown_generation:
                self.failed.emit(error)  # said once: the page is not asked again

        self._runner.run(
            lambda: self._load_page(query, number * PAGE_SIZE, PAGE_SIZE), arrived, failed
        )

    # -- helpers -----------------------------------------------------------------
    def person_at(self, row: int) -> PersonRow | None:
        """The row's person, when its page is in memory (always for a row on screen)."""
        page = self._pages.get(row // PAGE_SIZE)
        if page is None or not 0 <= row < self._size:
            return None
        rows = page[0]
        return rows[row % PAGE_SIZE] if row % PAGE_SIZE < len(rows) else None

    def row_of(self, person_id: int) -> int:
        """The row of ``person_id`` among the pages in memory, else -1."""
        for number, (rows, _) in self._pages.items():
            for offset, row in enumerate(rows):
                if row.id == person_id:
                    return number * PAGE_SIZE + offset
        return -1
