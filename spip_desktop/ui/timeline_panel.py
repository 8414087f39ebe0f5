"""The *Chronologie* tab of a person's file: everything that happened, in one order.

A filter bar (kinds as toggle chips, a period *Du* / *Au*, *Plus récents d'abord*,
*Imprimer / PDF…*) above one list: date (and time), a coloured marker of the kind,
what happened and its detail. Double-click or Entrée on a line asks the file page to
open what it shows (:attr:`TimelinePanel.open_requested`). The chronology loads
through the task runner; an empty period is explained under the fields, and nothing
is asked of the database then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import plural
from ..domain.errors import InvalidInput, SpipError
from ..domain.model import PersonFile
from ..domain.timeline import (
    Timeline,
    TimelineEvent,
    TimelineKind,
    TimelineQuery,
    validate_query,
)
from .backend import TimelineActions
from .prompter import Prompter
from .record_model import Column, RecordTableModel
from .tasks import TaskRunner
from .widgets import DateField, ErrorLabel, set_invalid

Index = QModelIndex | QPersistentModelIndex
Preview = Callable[[bytes, str, str], None]
K = TimelineKind

#: The marker colour of each kind (the PDF prints the kinds' names in the same hues).
KIND_COLOURS: dict[TimelineKind, str] = {
    K.MEASURE: "#000091",
    K.OBLIGATION: "#6e4fb5",
    K.STAGE: "#009081",
    K.ATTENDANCE: "#18753c",
    K.ATTESTATION: "#b7791f",
    K.RIGHTS: "#ce614a",
    K.JOURNAL: "#0078f3",
    K.FILE: "#7b7b7b",
}
#: Singular names of the kinds, on each line.
KIND_NAMES: dict[TimelineKind, str] = {
    K.MEASURE: "Mesure",
    K.OBLIGATION: "Obligation",
    K.STAGE: "Stage",
    K.ATTENDANCE: "Présence",
    K.ATTESTATION: "Attestation",
    K.RIGHTS: "Accès aux droits",
    K.JOURNAL: "Journal",
    K.FILE: "Dossier",
}
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
NO_KIND = "Choisissez au moins une nature d'événements."

_STYLE = """
QPushButton#kindChip {
    border: 1px solid #cecece; border-radius: 12px; padding: 3px 10px 3px 8px;
    background: #ffffff; color: #3a3a3a; font-weight: normal;
}
QPushButton#kindChip:hover { background: #f0f0f6; }
QPushButton#kindChip:checked { background: #e3e3fd; border-color: #000091; color: #000091; }
QPushButton#orderChip {
    border: 1px solid #cecece; border-radius: 12px; padding: 3px 10px; background: #ffffff;
    color: #3a3a3a;
}
QPushButton#orderChip:checked { background: #e3e3fd; border-color: #000091; color: #000091; }
QLabel#filterLabel { color: #3a3a3a; font-weight: bold; }
QTableView#timelineTable { font-size: 9.5pt; }
"""


def _dot(colour: str, size: int = 10) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(0, 0, size, size)
    painter.end()
    return QIcon(pixmap)


class TimelineModel(RecordTableModel[TimelineEvent]):
    """The events shown, in the order of the service."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Date", lambda e: e.when),
                Column("Nature", lambda e: KIND_NAMES[e.kind]),
                Column("Événement", lambda e: e.title),
                Column("Détail", lambda e: e.detail),
            ],
            parent,
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        event = self.record_at(index.row()) if index.isValid() else None
        if event is not None and role == KIND_ROLE:
            return event.kind.value
        if event is not None and role == Qt.ItemDataRole.ForegroundRole and index.column() == 3:
            return QColor("#3a3a3a")
        return super().data(index, role)


class KindDelegate(QStyledItemDelegate):
    """The kind's name behind a coloured bar, as a marker down the list."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        value = index.data(KIND_ROLE)
        kind = TimelineKind._value2member_map_.get(str(value))
        if not isinstance(kind, TimelineKind):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        text = option.text
        option.text = ""
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        colour = QColor(KIND_COLOURS[kind])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        bar = QRect(option.rect.left() + 4, option.rect.top() + 5, 4, option.rect.height() - 10)
        painter.drawRoundedRect(bar, 2, 2)
        painter.setPen(colour.darker(115))
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        text_rect = option.rect.adjusted(14, 0, -4, 0)
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 14, size.height())


class TimelinePanel(QWidget):
    """Signals:
    open_requested(object): the :class:`TimelineEvent` to open (its ``tab`` and ``ref_id``).
    """

    open_requested = Signal(object)

    def __init__(
        self,
        timeline: TimelineActions,
        runner: TaskRunner,
        prompter: Prompter,
        preview: Preview,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.runner = runner
        self.prompter = prompter
        self.preview = preview
        self.file: PersonFile | None = None
        self.shown: Timeline | None = None
        #: The kinds the user's role shows on this file (learnt from an unfiltered load).
        self.allowed: frozenset[TimelineKind] | None = None
        self._loads = 0
        self._asked: TimelineQuery | None = None
        self.setStyleSheet(_STYLE)

        # -- the filter bar -------------------------------------------------------------
        self.kind_buttons: dict[TimelineKind, QPushButton] = {}
        kinds_row = QHBoxLayout()
        kinds_row.setSpacing(6)
        kinds_label = QLabel("Natures :")
        kinds_label.setObjectName("filterLabel")
        kinds_row.addWidget(kinds_label)
        for kind in TimelineKind:
            chip = QPushButton(f" {kind.label}")
            chip.setObjectName("kindChip")
            chip.setCheckable(True)
            chip.setChecked(True)
            chip.setIcon(_dot(KIND_COLOURS[kind]))
            chip.setToolTip(f"Afficher ou masquer : {kind.label.lower()}")
            chip.toggled.connect(self._on_filter_changed)
            self.kind_buttons[kind] = chip
            kinds_row.addWidget(chip)
        kinds_row.addStretch(1)

        self.start_field = DateField()
        self.start_field.line_edit.setAccessibleName("Du")
        self.end_field = DateField()
        self.end_field.line_edit.setAccessibleName("Au")
        for field in (self.start_field, self.end_field):
            field.line_edit.setPlaceholderText("jj/mm/aaaa")
            field.line_edit.editingFinished.connect(self._on_period_edited)
            field.changed.connect(self._on_period_typed)
        self.order_button = QPushButton("Plus récents d'abord")
        self.order_button.setObjectName("orderChip")
        self.order_button.setCheckable(True)
        self.order_button.setChecked(True)
        self.order_button.toggled.connect(self._on_filter_changed)
        self.print_button = QPushButton("Imprimer / PDF…")
        self.print_button.setToolTip(
            "La chronologie affichée (natures, période et ordre) en PDF, avec l'en-tête du service"
        )
        self.print_button.clicked.connect(self.print_pdf)
        period_row = QHBoxLayout()
        period_row.setSpacing(8)
        period_label = QLabel("Période :")
        period_label.setObjectName("filterLabel")
        period_row.addWidget(period_label)
        period_row.addWidget(QLabel("Du"))
        period_row.addWidget(self.start_field)
        period_row.addWidget(QLabel("au"))
        period_row.addWidget(self.end_field)
        period_row.addSpacing(12)
        period_row.addWidget(self.order_button)
        period_row.addStretch(1)
        period_row.addWidget(self.print_button)
        self.period_error = ErrorLabel()

        self.count_label = QLabel()
        self.count_label.setObjectName("pageIntro")
        self.count_label.setWordWrap(True)

        # -- the list -------------------------------------------------------------------
        self.model = TimelineModel(self)
        self.table = QTableView()
        self.table.setObjectName("timelineTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no measuring 2,000 rows
        vertical.setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((128, 150, 460)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.table.setItemDelegateForColumn(1, KindDelegate(self.table))
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(kinds_row)
        layout.addLayout(period_row)
        layout.addWidget(self.period_error)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)
        self._set_enabled(False)

    # -- the query -------------------------------------------------------------------------
    def query(self) -> TimelineQuery | None:
        """What the filter bar asks for; ``None`` (and the reason under the fields) when the
        dates cannot be read, the period is empty, or no kind is chosen."""
        problems = {f: f.error() for f in (self.start_field, self.end_field)}
        for field, problem in problems.items():
            set_invalid(field, problem is not None)
        first = next((p for p in problems.values() if p), None)
        if first is not None:
            self.period_error.show_message(first)
            return None
        visible = frozenset(k for k, b in self.kind_buttons.items() if not b.isHidden())
        chosen = frozenset(k for k, b in self.kind_buttons.items() if b.isChecked()) & visible
        query = TimelineQuery(
            kinds=frozenset() if chosen == visible else chosen,
            start=self.start_field.safe_value(),
            end=self.end_field.safe_value(),
            newest_first=self.order_button.isChecked(),
        )
        result = validate_query(query)
        set_invalid(self.end_field, not result.ok)
        if not result.ok:
            self.period_error.show_message(result.summary())
            return None
        if not chosen:
            self.period_error.show_message(NO_KIND)
            return None
        self.period_error.show_message(None)
        return query

    # -- loading --------------------------------------------------------------------------
    def set_file(self, file: PersonFile | None) -> None:
        if file is None or self.file is None or file.person.id != self.file.person.id:
            self.model.set_records([])
            self.shown = None
            self.allowed = None
            for chip in self.kind_buttons.values():
                chip.setVisible(True)
            self.count_label.setText("")
        self.file = file
        self._set_enabled(file is not None)

    def reload(self) -> None:
        """Load the chronology off the GUI thread (an answer overtaken by a later load, or
        for another file, is dropped)."""
        if self.file is None:
            return
        query = self.query()
        self._loads += 1
        self._asked = query
        if query is None:  # the reason is under the fields: nothing is asked of the database
            self.model.set_records([])
            self.count_label.setText("")
            return
        ticket = self._loads
        person_id = self.file.person.id
        self.count_label.setText("Chargement de la chronologie…")

        def loaded(timeline: Timeline) -> None:
            if ticket == self._loads and self.file is not None and self.file.person.id == person_id:
                self._show(timeline)

        def failed(error: BaseException) -> None:
            if not isinstance(error, SpipError):
                raise error
            if ticket == self._loads:
                self.model.set_records([])
                self.count_label.setText(error.message)

        self.runner.run(lambda: self.timeline.timeline(person_id, query), loaded, failed)

    def _show(self, timeline: Timeline) -> None:
        selected = self.selected_event()
        self.shown = timeline
        if self.allowed is None and self._unfiltered():
            self.allowed = timeline.query.kinds or frozenset(TimelineKind)
            for kind, chip in self.kind_buttons.items():
                chip.setVisible(kind in self.allowed)
        self.model.set_records(timeline.events)
        count = len(timeline.events)
        if count == 0:
            text = "Aucun événement pour ces natures sur cette période."
        else:
            text = (
                f"{plural(count, 'événement')}. Double-cliquez sur une ligne (ou Entrée) "
                "pour ouvrir ce qu'elle montre."
            )
        self.count_label.setText(text)
        if selected is not None and selected in timeline.events:
            row = timeline.events.index(selected)
            self.table.selectRow(row)
        elif count:
            self.table.selectRow(0)
        self.print_button.setEnabled(self.file is not None)

    def _unfiltered(self) -> bool:
        return all(chip.isChecked() for chip in self.kind_buttons.values())

    def selected_event(self) -> TimelineEvent | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_at(rows[0].row()) if rows else None

    # -- printing -------------------------------------------------------------------------
    def print_pdf(self) -> None:
        """The chronology as shown, as a PDF, in the preview (built off the GUI thread)."""
        if self.file is None:
            return
        query = self.query()
        if query is None:
            self.prompter.inform("Chronologie du suivi", self.period_error.text())
            return
        person_id = self.file.person.id
        title = f"Chronologie du suivi — {self.file.person.display_name}"
        self.print_button.setEnabled(False)

        def done(result: tuple[bytes, str]) -> None:
            self.print_button.setEnabled(True)
            pdf, file_name = result
            self.preview(pdf, title, file_name)

        def failed(error: BaseException) -> None:
            self.print_button.setEnabled(True)
            if not isinstance(error, SpipError):
                raise error
            text = error.result.summary() if isinstance(error, InvalidInput) else error.message
            self.prompter.error("Impression impossible", text)

        self.runner.run(lambda: self.timeline.timeline_pdf(person_id, query), done, failed)

    # -- events ----------------------------------------------------------------------------
    def _on_filter_changed(self, *_: object) -> None:
        self.reload()

    def _on_period_typed(self) -> None:
        """While typing: a complete date (or a field emptied) reloads at once."""
        for field in (self.start_field, self.end_field):
            text = field.text().strip()
            if text and (len(text) < 10 or field.error() is not None):
                return
        self._reload_if_changed()

    def _on_period_edited(self) -> None:
        self._reload_if_changed()

    def _reload_if_changed(self) -> None:
        if self.file is not None and (self.query() != self._asked or self._asked is None):
            self.reload()

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self._open(index.row())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._open(self.table.currentIndex().row())
            return True
        return super().eventFilter(watched, event)

    def _open(self, row: int) -> None:
        event = self.model.record_at(row)
        if event is not None:
            self.open_requested.emit(event)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            *self.kind_buttons.values(),
            self.start_field,
            self.end_field,
            self.order_button,
            self.print_button,
        ):
            widget.setEnabled(enabled)
