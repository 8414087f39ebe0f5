"""The *Accès aux droits* section: every step of the service, filtered, sorted and paged.

The first page of a query comes first (off the GUI thread), its count after it, so that
the rows never wait for a broad count; further pages load as the table scrolls. A CPIP
sees the steps of their caseload only (the service narrows the query anyway).
Double-click or Enter on a row asks the window to open the person's file on the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date, plural
from ..domain.errors import SpipError
from ..domain.model import ReferenceData
from ..domain.partners import Partner, PartnerQuery
from ..domain.rights import (
    FILTERABLE_DOMAINS,
    RightsDomain,
    StepLine,
    StepQuery,
    StepSort,
    StepStatus,
)
from ..domain.security import Permission, Scope, User
from .backend import PartnerActions, RightsActions
from .person_rights_panel import OVERDUE_COLOUR, StepsTable, follow_up_text
from .prompter import Prompter
from .status_pill import STATUS_ROLE, StatusPillDelegate, paint_cell_background
from .tasks import TaskRunner
from .widgets import enum_data, page_heading

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 100  # about four screens of rows; more come as the table scrolls


@dataclass(frozen=True)
class LineColumn:
    title: str
    value: Callable[[StepLine, date], str]
    #: The order a click on the header asks for (``None``: not sortable).
    sort: StepSort | None = None
    tooltip: str = ""


def _person(line: StepLine, _today: date) -> str:
    """``DUPONT Jean`` over ``n° 2026-000101`` (see :class:`TwoLineDelegate`)."""
    return f"{line.person_name}\nn° {line.file_number}"


COLUMNS: tuple[LineColumn, ...] = (
    LineColumn("Personne", _person, StepSort.PERSON, "Nom, prénom et numéro de dossier"),
    LineColumn("Démarche", lambda x, _: x.step.title),
    LineColumn("Domaine", lambda x, _: x.step.domain.label),
    LineColumn("Statut", lambda x, _: x.step.status.label, StepSort.STATUS),
    LineColumn("Partenaire", lambda x, _: x.partner_name or "—"),
    LineColumn("Référent", lambda x, _: x.referent_name or "—", tooltip="CPIP référent"),
    LineColumn(
        "Relance",
        lambda x, t: follow_up_text(x.step, t, "\n"),
        StepSort.FOLLOW_UP,
        "Date de relance",
    ),
    LineColumn("Ouverte le", lambda x, _: format_date(x.step.draft.opened_on), StepSort.OPENED),
)
COL_PERSON = 0
COL_STEP = 1
COL_STATUS = 3
COL_FOLLOW_UP = 6
#: Starting widths (``None``: as wide as the content; the step's name takes the rest).
COLUMN_WIDTHS = (200, None, 140, None, 170, 130, 100, None)
ROW_HEIGHT = 46
CLOSED_COLOUR = QColor("#666666")
SECONDARY_COLOUR = QColor("#666666")

PageLoader = Callable[[StepQuery, int, int], tuple[StepLine, ...]]
Counter = Callable[[StepQuery], int]


class TwoLineDelegate(QStyledItemDelegate):
    """A cell whose text holds two lines: the first as usual, the second small and grey."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        first, _, second = text.partition("\n")
        if not second:
            super().paint(painter, option, index)
            return
        paint_cell_background(self, painter, option, index)
        rect = option.rect.adjusted(6, 4, -6, -4)
        half = rect.height() // 2
        painter.save()
        painter.setFont(option.font)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        painter.setPen(foreground if isinstance(foreground, QColor) else QColor("#161616"))
        metrics = painter.fontMetrics()
        top = rect.adjusted(0, 0, 0, -half)
        painter.drawText(
            top,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            metrics.elidedText(first, Qt.TextElideMode.ElideRight, rect.width()),
        )
        small = QFont(option.font)
        if small.pointSizeF() > 0:
            small.setPointSizeF(max(small.pointSizeF() - 1, 7))
        painter.setFont(small)
        painter.setPen(SECONDARY_COLOUR)
        painter.drawText(
            rect.adjusted(0, half, 0, 0),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            painter.fontMetrics().elidedText(second, Qt.TextElideMode.ElideRight, rect.width()),
        )
        painter.restore()


class StepLineModel(QAbstractTableModel):
    """The service's steps, one page at a time (a late answer to an older query is dropped).

    Signals:
        count_changed(int): the number of steps the query keeps (-1 while counting).
        page_loaded(): the rows of a new query (or a further page) are in the model.
        failed(object): loading failed with this exception.
    """

    count_changed = Signal(int)
    page_loaded = Signal()
    failed = Signal(object)

    def __init__(
        self,
        load_page: PageLoader,
        count: Counter,
        runner: TaskRunner,
        today: Callable[[], date],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._load_page = load_page
        self._count = count
        self._runner = runner
        self._today = today
        self._lines: list[StepLine] = []
        self._display: list[tuple[str, ...]] = []
        self._query = StepQuery()
        self._generation = 0
        self._has_more = False
        self._fetching = False
        self._day = today()

    @property
    def query(self) -> StepQuery:
        return self._query

    def set_query(self, query: StepQuery) -> None:
        self._query = query
        self.refresh()

    def refresh(self) -> None:
        """Load the first page of the query (the rows shown stay until it arrives)."""
        self._generation += 1
        generation, query = self._generation, self._query
        self._fetching = True
        self.count_changed.emit(-1)
        self._runner.run(
            lambda: self._load_page(query, 0, PAGE_SIZE),
            lambda lines: self._on_first_page(generation, query, lines),
            lambda error: self._on_failed(generation, error),
        )

    def _format(self, lines: tuple[StepLine, ...]) -> list[tuple[str, ...]]:
        return [tuple(c.value(line, self._day) for c in COLUMNS) for line in lines]

    def _on_first_page(
        self, generation: int, query: StepQuery, lines: tuple[StepLine, ...]
    ) -> None:
        if generation != self._generation:
            return
        self._day = self._today()
        self.beginResetModel()
        self._lines = list(lines)
        self._display = self._format(lines)
        self._has_more = len(lines) == PAGE_SIZE
        self._fetching = False
        self.endResetModel()
        self.page_loaded.emit()
        if not self._has_more:
            self.count_changed.emit(len(lines))
            return
        self._runner.run(
            lambda: self._count(query),
            lambda total: self._on_count(generation, total),
            lambda error: self._on_failed(generation, error),
        )

    def _on_count(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self._has_more = len(self._lines) < total
            self.count_changed.emit(total)

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self.failed.emit(error)

    # -- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._display[index.row()][index.column()]
        line = self._lines[index.row()]
        if role == STATUS_ROLE and index.column() == COL_STATUS:
            return line.step.status.value
        if role == Qt.ItemDataRole.ForegroundRole:
            if index.column() == COL_FOLLOW_UP and line.step.overdue(self._day):
                return OVERDUE_COLOUR
            return CLOSED_COLOUR if line.step.closed else None
        if role == Qt.ItemDataRole.UserRole:
            return line
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{COLUMNS[index.column()].title} : {self._display[index.row()][index.column()]}"
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.sort is not None:
                return f"{column.tooltip or column.title} — cliquer pour trier"
            return column.tooltip or None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or COLUMNS[column].sort is None:
            return
        sort = COLUMNS[column].sort
        assert sort is not None
        descending = order == Qt.SortOrder.DescendingOrder
        if (self._query.sort, self._query.descending) != (sort, descending):
            self.set_query(replace(self._query, sort=sort, descending=descending))

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._has_more and not self._fetching

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation, query, offset = self._generation, self._query, len(self._lines)
        self._runner.run(
            lambda: self._load_page(query, offset, PAGE_SIZE),
            lambda lines: self._on_more(generation, lines),
            lambda error: self._on_failed(generation, error),
        )

    def _on_more(self, generation: int, lines: tuple[StepLine, ...]) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._has_more = len(lines) == PAGE_SIZE
        if lines:
            first = len(self._lines)
            self.beginInsertRows(QModelIndex(), first, first + len(lines) - 1)
            self._lines.extend(lines)
            self._display.extend(self._format(lines))
            self.endInsertRows()
        self.page_loaded.emit()

    def line_at(self, row: int) -> StepLine | None:
        return self._lines[row] if 0 <= row < len(self._lines) else None


class RightsPage(QWidget):
    """Signals:
    open_step_requested(int, int): open this person's file (person id) on this step.
    """

    open_step_requested = Signal(int, int)

    def __init__(
        self,
        rights: RightsActions,
        partners: PartnerActions,
        runner: TaskRunner,
        prompter: Prompter,
        reference: Callable[[], ReferenceData],
        user: User,
        today: Callable[[], date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rightsPage")
        self.rights = rights
        self.partner_actions = partners
        self.runner = runner
        self.prompter = prompter
        self.user = user
        self.today = today
        #: A CPIP's view is their caseload: the referent filter is theirs.
        self.caseload_only = user.scope(Permission.RIGHTS) is Scope.CASELOAD

        title, intro = page_heading(
            "Accès aux droits",
            "Les démarches de toutes les personnes suivies"
            + (" de votre portefeuille" if self.caseload_only else " du service")
            + " : papiers, domiciliation, assurance maladie, prestations, emploi, logement. "
            "Double-cliquez sur une démarche (ou Entrée) pour l'ouvrir dans le dossier.",
        )
        self.domain_combo = self._combo("Domaine", "Tous les domaines")
        for domain in FILTERABLE_DOMAINS:  # never by health data (R113-51)
            self.domain_combo.addItem(domain.label, domain.value)
        self.status_combo = self._combo("Statut", "Tous les statuts")
        for status in StepStatus:
            self.status_combo.addItem(status.label, status.value)
        self.partner_combo = self._combo("Partenaire", "Tous les partenaires")
        self.referent_combo = self._combo("Référent", "Tous les référents")
        self.agent_combo = self._combo("Agent en charge", "Tous les agents en charge")
        self.antenne_combo = self._combo("Antenne", "Toutes les antennes")
        self.open_check = QCheckBox("Ouvertes seulement")
        self.open_check.setChecked(True)
        self.open_check.setToolTip(
            "Laisser de côté les démarches obtenues, refusées ou abandonnées"
        )
        self.overdue_check = QCheckBox("Relance en retard")
        self.overdue_check.setToolTip("Démarches ouvertes dont la date de relance est passée")
        self.reset_button = QPushButton("Réinitialiser")
        self.reset_button.setToolTip("Revenir aux démarches ouvertes, sans autre filtre")
        self.count_label = QLabel(" ")
        self.count_label.setObjectName("countLabel")

        filters = QHBoxLayout()
        filters.setSpacing(8)
        for combo in (
            self.domain_combo,
            self.status_combo,
            self.partner_combo,
            self.referent_combo,
            self.agent_combo,
            self.antenne_combo,
        ):
            filters.addWidget(combo)
        filters.addStretch(1)
        checks = QHBoxLayout()
        checks.addWidget(self.open_check)
        checks.addSpacing(12)
        checks.addWidget(self.overdue_check)
        checks.addSpacing(18)
        checks.addWidget(self.count_label)
        checks.addStretch(1)
        checks.addWidget(self.reset_button)

        self.model = StepLineModel(rights.list_steps, rights.count_steps, runner, today, self)
        self.table = StepsTable()
        self.table.setObjectName("rightsTable")
        self.table.setAccessibleName("Démarches d'accès aux droits du service")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.table.horizontalHeader()
        # The indicator first: enabling the sort asks the model for the order it already has.
        header.setSortIndicator(COL_FOLLOW_UP, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setResizeContentsPrecision(40)  # widths from the first rows, not all of them
        for column, width in enumerate(COLUMN_WIDTHS):
            if width is None:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
            else:
                self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(COL_STEP, QHeaderView.ResizeMode.Stretch)
        self.table.setItemDelegateForColumn(COL_STATUS, StatusPillDelegate(self.table))
        self.table.setItemDelegateForColumn(COL_PERSON, TwoLineDelegate(self.table))
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.open_requested.connect(self._open_row)
        self.empty_label = QLabel("Aucune démarche ne correspond à ces filtres.")
        self.empty_label.setObjectName("emptyLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(filters)
        layout.addLayout(checks)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)

        for combo in (
            self.domain_combo,
            self.status_combo,
            self.partner_combo,
            self.referent_combo,
            self.agent_combo,
            self.antenne_combo,
        ):
            combo.currentIndexChanged.connect(self._on_filters_changed)
        self.open_check.toggled.connect(self._on_filters_changed)
        self.overdue_check.toggled.connect(self._on_filters_changed)
        self.reset_button.clicked.connect(self.reset_filters)
        self.model.count_changed.connect(self._on_model_count_changed)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.model.failed.connect(self._on_model_failed)
        self.set_reference(reference())

    @staticmethod
    def _combo(name: str, everything: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.setToolTip(name)
        combo.addItem(everything, None)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setMaximumWidth(240)
        return combo

    # -- the contract -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the partners of the filter, then the steps (first page and count)."""
        self.runner.run(
            lambda: self.partner_actions.partners(PartnerQuery(include_archived=True)),
            self._on_partners_loaded,
            lambda _error: None,  # the filter stays as it was; the steps load all the same
        )
        self.model.set_query(self.current_query())

    def set_reference(self, reference: ReferenceData) -> None:
        """Fill the referent, agent and antenne filters from the service's reference."""
        own = self.user.agent_id
        self._refill(
            self.referent_combo,
            [
                (a.display_name, a.id)
                for a in reference.agents
                if (a.active or a.id == self.referent_combo.currentData())
                and (not self.caseload_only or a.id == own)
            ],
        )
        if self.caseload_only:
            self.referent_combo.setItemText(0, "Mon portefeuille")
            self.referent_combo.setEnabled(False)
        self._refill(
            self.agent_combo,
            [
                (a.display_name, a.id)
                for a in reference.agents
                if a.active or a.id == self.agent_combo.currentData()
            ],
        )
        self._refill(
            self.antenne_combo,
            [
                (a.name, a.id)
                for a in reference.antennes
                if a.active or a.id == self.antenne_combo.currentData()
            ],
        )

    @staticmethod
    def _refill(combo: QComboBox, items: list[tuple[str, int | None]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        everything = combo.itemText(0)
        combo.clear()
        combo.addItem(everything, None)
        for text, value in items:
            combo.addItem(text, value)
        combo.setCurrentIndex(max(combo.findData(current), 0) if current is not None else 0)
        combo.blockSignals(False)

    def _on_partners_loaded(self, partners: tuple[Partner, ...]) -> None:
        self._refill(
            self.partner_combo,
            [
                (p.name if p.active else f"{p.name} (archivé)", p.id)
                for p in sorted(partners, key=lambda p: p.name.casefold())
            ],
        )

    # -- filters -------------------------------------------------------------------------------
    def current_query(self) -> StepQuery:
        return replace(
            self.model.query,
            domain=enum_data(self.domain_combo, RightsDomain),
            status=enum_data(self.status_combo, StepStatus),
            open_only=self.open_check.isChecked(),
            partner_id=self.partner_combo.currentData(),
            referent_id=self.referent_combo.currentData(),
            agent_id=self.agent_combo.currentData(),
            antenne_id=self.antenne_combo.currentData(),
            overdue=self.overdue_check.isChecked(),
        )

    def _on_filters_changed(self, *_args: object) -> None:
        # A status says whether the step is open; "en retard" concerns open steps only.
        self.open_check.setEnabled(
            self.status_combo.currentData() is None and not self.overdue_check.isChecked()
        )
        self.model.set_query(self.current_query())

    def reset_filters(self) -> None:
        widgets: list[QWidget] = [
            self.domain_combo,
            self.status_combo,
            self.partner_combo,
            self.agent_combo,
            self.antenne_combo,
            self.open_check,
            self.overdue_check,
        ]
        if not self.caseload_only:
            widgets.append(self.referent_combo)
        for widget in widgets:
            widget.blockSignals(True)
        for combo in widgets:
            if isinstance(combo, QComboBox):
                combo.setCurrentIndex(0)
        self.open_check.setChecked(True)
        self.overdue_check.setChecked(False)
        for widget in widgets:
            widget.blockSignals(False)
        self._on_filters_changed()

    # -- the table -------------------------------------------------------------------------------
    def _on_model_count_changed(self, total: int) -> None:
        if total < 0:
            self.count_label.setText("Décompte…")
            return
        self.count_label.setText(plural(total, "démarche"))
        self.empty_label.setVisible(total == 0)

    def _on_model_page_loaded(self) -> None:
        self.empty_label.setVisible(self.model.rowCount() == 0)

    def _on_model_failed(self, error: object) -> None:
        if not isinstance(error, SpipError):
            raise error if isinstance(error, BaseException) else RuntimeError(str(error))
        self.count_label.setText("")
        self.prompter.error("Accès aux droits", error.message)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self._open_row(index.row())

    def _open_row(self, row: int) -> None:
        line = self.model.line_at(row)
        if line is not None:
            self.open_step_requested.emit(line.step.person_id, line.step.id)
