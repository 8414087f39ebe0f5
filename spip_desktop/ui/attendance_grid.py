"""The attendance grid of a stage: people × sessions, filled from the keyboard.

- :class:`AttendanceGridModel` shows an :class:`AttendanceSheet` (the saved records)
  merged with the changes typed since the last save (*pending* changes, never saved
  by the grid itself), and the hours each person has attended so far;
- :class:`AttendanceGrid` is the widget: type ``P``, ``R``, ``E`` or ``A`` on a cell
  (or a block of selected cells) and the cursor moves down, so a session is entered
  column by column without the mouse;
- :class:`AttendanceHistoryDialog` lists every record of one cell, superseded ones
  included (a correction never overwrites).

The page saves: it calls the service with ``grid.model.changes()`` and reloads the grid
with ``grid.load(new_sheet, now, keep_pending=False)``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QKeyEvent, QPainter, QPen, QPolygon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date
from ..domain.stages import (
    AttendanceChange,
    AttendanceCode,
    AttendanceRecord,
    AttendanceSheet,
    Cell,
    Enrolment,
    EnrolmentStatus,
    Progress,
    Session,
    format_minutes,
    format_time,
    progress,
    validate_attendance,
)
from .record_model import Column, RecordTableModel, configure_table

Index = QModelIndex | QPersistentModelIndex

#: The effective code of a session cell (saved or pending), or ``None``. Read it with
#: :meth:`AttendanceGridModel.code_at`: through ``QModelIndex.data`` Qt hands the
#: string enum back as a plain ``str`` (``AttendanceCode(value)`` turns it back).
CODE_ROLE = Qt.ItemDataRole.UserRole + 1
#: ``True`` for a session cell whose change is not saved yet.
PENDING_ROLE = Qt.ItemDataRole.UserRole + 2

PERSON_COLUMN = 0
FIRST_SESSION_COLUMN = 1

PERSON_HEADER = "Personne"
HOURS_HEADER = "Heures"
NOT_STARTED_TOOLTIP = "Séance à venir : saisie impossible avant son début."
PENDING_TOOLTIP = "Non enregistré"
NOT_A_SESSION = "Placez-vous sur la case d'une séance (une colonne datée)."
LEGEND = (
    "P présent · R retard · E absent excusé · A absent non excusé · "
    "Suppr annule · Ctrl+S enregistre"
)


@dataclass(frozen=True)
class CodeColors:
    background: QColor
    foreground: QColor


#: Subtle tints, dark text: the label always says the code, the colour only helps.
CODE_COLORS: dict[AttendanceCode, CodeColors] = {
    AttendanceCode.PRESENT: CodeColors(QColor("#e3f3e7"), QColor("#18753c")),
    AttendanceCode.LATE: CodeColors(QColor("#fdebd3"), QColor("#8a4b00")),
    AttendanceCode.EXCUSED: CodeColors(QColor("#e6ebf2"), QColor("#3a4f6a")),
    AttendanceCode.UNEXCUSED: CodeColors(QColor("#fde6e6"), QColor("#c00500")),
}
PENDING_BACKGROUND = QColor("#fff5b8")
PENDING_MARKER = QColor("#b34000")
CLOSED_BACKGROUND = QColor("#f2f2f2")
CLOSED_FOREGROUND = QColor("#9a9a9a")
WITHDRAWN_FOREGROUND = QColor("#8a8a8a")
STATUS_FOREGROUND: dict[EnrolmentStatus, QColor] = {
    EnrolmentStatus.VALIDE: QColor("#18753c"),
    EnrolmentStatus.NON_VALIDE: QColor("#c00500"),
    EnrolmentStatus.ABANDON: WITHDRAWN_FOREGROUND,
    EnrolmentStatus.EXCLU: WITHDRAWN_FOREGROUND,
}
FOCUS_FRAME = QColor("#000091")
FOCUS_FRAME_INACTIVE = QColor("#8585b8")
SELECTION_OVERLAY = QColor(0, 0, 145, 34)
FROZEN_EDGE = QColor("#c8c8d8")

_CENTER = Qt.AlignmentFlag.AlignCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _join(items: Sequence[str]) -> str:
    """``a``, ``a et b``, ``a, b et c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} et {items[-1]}"


def _same_outcome(record: AttendanceRecord, code: AttendanceCode, reason: str) -> bool:
    """The saved record already says this (the reason only matters for an excuse)."""
    if record.code is not code:
        return False
    return code is not AttendanceCode.EXCUSED or record.reason.strip() == reason.strip()


# -- the model --------------------------------------------------------------------------


class AttendanceGridModel(QAbstractTableModel):
    """Rows: the enrolments; columns: the person, one per session, then the hours.

    Signals:
        pending_changed(): a pending change was added, replaced or dropped.
    """

    pending_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sheet: AttendanceSheet | None = None
        self._now = datetime.min
        self._enrolments: tuple[Enrolment, ...] = ()
        self._sessions: tuple[Session, ...] = ()
        self._pending: dict[Cell, AttendanceChange] = {}
        #: Why a cell cannot be entered (the domain's sentence), computed at load.
        self._closed: dict[Cell, str] = {}
        self._progress: dict[int, Progress] = {}

    # -- loading -----------------------------------------------------------------
    @property
    def sheet(self) -> AttendanceSheet | None:
        return self._sheet

    @property
    def now(self) -> datetime:
        return self._now

    def load(self, sheet: AttendanceSheet, now: datetime, keep_pending: bool = True) -> None:
        """Show ``sheet``; pending changes survive a reload of the same stage.

        A kept change still replaces the record the user saw when typing it, so the
        save refuses it if someone else corrected that cell in the meantime; a kept
        change the saved records now already say is dropped.
        """
        same_stage = self._sheet is not None and self._sheet.stage.id == sheet.stage.id
        before = dict(self._pending)
        self.beginResetModel()
        self._sheet = sheet
        self._now = now
        self._enrolments = tuple(sheet.enrolments)
        self._sessions = tuple(sheet.stage.sessions)
        self._closed = {}
        for enrolment in self._enrolments:
            for session in self._sessions:
                probe = AttendanceChange(enrolment.id, session.id, AttendanceCode.PRESENT)
                message = validate_attendance(probe, session, enrolment, now)
                if message is not None:
                    self._closed[(enrolment.id, session.id)] = message
        enrolment_ids = {e.id for e in self._enrolments}
        session_ids = {s.id for s in self._sessions}
        self._pending = {}
        if keep_pending and same_stage:
            for key, change in before.items():
                if key[0] not in enrolment_ids or key[1] not in session_ids:
                    continue
                saved = sheet.current.get(key)
                if saved is not None and _same_outcome(saved, change.code, change.reason):
                    continue
                self._pending[key] = change
        self._progress = {}
        self.endResetModel()
        if self._pending != before:
            self.pending_changed.emit()

    # -- geometry ----------------------------------------------------------------
    @property
    def hours_column(self) -> int:
        return FIRST_SESSION_COLUMN + len(self._sessions)

    def is_session_column(self, column: int) -> bool:
        return FIRST_SESSION_COLUMN <= column < self.hours_column

    def session_at(self, column: int) -> Session | None:
        if not self.is_session_column(column):
            return None
        return self._sessions[column - FIRST_SESSION_COLUMN]

    def enrolment_at(self, row: int) -> Enrolment | None:
        return self._enrolments[row] if 0 <= row < len(self._enrolments) else None

    def row_of(self, enrolment_id: int) -> int:
        return next((i for i, e in enumerate(self._enrolments) if e.id == enrolment_id), -1)

    def column_of(self, session_id: int) -> int:
        found = next((i for i, s in enumerate(self._sessions) if s.id == session_id), -1)
        return -1 if found < 0 else FIRST_SESSION_COLUMN + found

    def _cell(self, row: int, column: int) -> tuple[Enrolment, Session] | None:
        enrolment, session = self.enrolment_at(row), self.session_at(column)
        if enrolment is None or session is None:
            return None
        return enrolment, session

    # -- cells -------------------------------------------------------------------
    def saved_record(self, row: int, column: int) -> AttendanceRecord | None:
        cell = self._cell(row, column)
        if cell is None or self._sheet is None:
            return None
        return self._sheet.record(cell[0].id, cell[1].id)

    def pending_change(self, row: int, column: int) -> AttendanceChange | None:
        cell = self._cell(row, column)
        return None if cell is None else self._pending.get((cell[0].id, cell[1].id))

    def code_at(self, row: int, column: int) -> AttendanceCode | None:
        """The code the cell shows: the pending one, else the saved one."""
        change = self.pending_change(row, column)
        if change is not None:
            return change.code
        record = self.saved_record(row, column)
        return None if record is None else record.code

    def reason_at(self, row: int, column: int) -> str:
        change = self.pending_change(row, column)
        if change is not None:
            return change.reason
        record = self.saved_record(row, column)
        return "" if record is None else record.reason

    def closed_reason(self, row: int, column: int) -> str | None:
        """Why nothing can be entered in this cell (session to come, person gone)."""
        cell = self._cell(row, column)
        if cell is None:
            return NOT_A_SESSION
        return self._closed.get((cell[0].id, cell[1].id))

    def is_open(self, row: int, column: int) -> bool:
        """A session cell that accepts a code."""
        return self._cell(row, column) is not None and self.closed_reason(row, column) is None

    def refusal(self, row: int, column: int, code: AttendanceCode, reason: str = "") -> str | None:
        """Why :meth:`set_code` would refuse this, or ``None``."""
        cell = self._cell(row, column)
        if cell is None:
            return NOT_A_SESSION
        enrolment, session = cell
        change = AttendanceChange(enrolment.id, session.id, code, reason.strip())
        return validate_attendance(change, session, enrolment, self._now)

    # -- pending changes -----------------------------------------------------------
    def set_code(self, row: int, column: int, code: AttendanceCode, reason: str = "") -> str | None:
        """Record a pending change; returns the domain's refusal (French) instead.

        Setting the code the cell already has saved drops the pending change.
        """
        cell = self._cell(row, column)
        if cell is None or self._sheet is None:
            return NOT_A_SESSION
        enrolment, session = cell
        key = (enrolment.id, session.id)
        saved = self._sheet.record(*key)
        earlier = self._pending.get(key)
        if earlier is not None:
            replaces_id = earlier.replaces_id
        else:
            replaces_id = saved.id if saved is not None else None
        reason = reason.strip() if code is AttendanceCode.EXCUSED else ""
        change = AttendanceChange(enrolment.id, session.id, code, reason, replaces_id)
        message = validate_attendance(change, session, enrolment, self._now)
        if message is not None:
            return message
        if saved is not None and _same_outcome(saved, code, reason):
            if self._pending.pop(key, None) is not None:
                self._cell_changed(row, column)
            return None
        if earlier != change:
            self._pending[key] = change
            self._cell_changed(row, column)
        return None

    def clear(self, row: int, column: int) -> bool:
        """Drop the cell's pending change; ``False`` when it had none."""
        cell = self._cell(row, column)
        if cell is None or self._pending.pop((cell[0].id, cell[1].id), None) is None:
            return False
        self._cell_changed(row, column)
        return True

    def changes(self) -> list[AttendanceChange]:
        """The pending changes in grid order (row by row, session by session)."""
        order = {
            (e.id, s.id): (r, c)
            for r, e in enumerate(self._enrolments)
            for c, s in enumerate(self._sessions)
        }
        return [self._pending[key] for key in sorted(self._pending, key=order.__getitem__)]

    def is_dirty(self) -> bool:
        return bool(self._pending)

    def pending_count(self) -> int:
        return len(self._pending)

    def discard_changes(self) -> None:
        if not self._pending:
            return
        self._pending = {}
        self._progress = {}
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(
                self.index(0, FIRST_SESSION_COLUMN),
                self.index(self.rowCount() - 1, self.hours_column),
            )
        self.pending_changed.emit()

    def _cell_changed(self, row: int, column: int) -> None:
        enrolment = self._enrolments[row]
        self._progress.pop(enrolment.id, None)
        cell = self.index(row, column)
        self.dataChanged.emit(cell, cell)
        hours = self.index(row, self.hours_column)
        self.dataChanged.emit(hours, hours)
        self.pending_changed.emit()

    # -- progress ----------------------------------------------------------------
    def progress_at(self, row: int) -> Progress | None:
        """Where the person stands, counting the pending changes as if saved."""
        enrolment = self.enrolment_at(row)
        if enrolment is None or self._sheet is None:
            return None
        cached = self._progress.get(enrolment.id)
        if cached is not None:
            return cached
        records = [r for (e, _), r in self._sheet.current.items() if e == enrolment.id]
        records += [
            AttendanceRecord(
                id=0,
                enrolment_id=change.enrolment_id,
                session_id=change.session_id,
                code=change.code,
                reason=change.reason,
                recorded_by="",
                recorded_at=self._now,
                supersedes_id=change.replaces_id,
            )
            for (e, _), change in self._pending.items()
            if e == enrolment.id
        ]
        result = progress(enrolment, self._sheet.stage, records, self._now)
        self._progress[enrolment.id] = result
        return result

    # -- Qt model ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._sheet is None else len(self._enrolments)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._sheet is None else self.hours_column + 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        # Cells that refuse input stay reachable (the keyboard must be able to land on
        # them and be told why), but are never editable.
        if self.is_open(index.row(), index.column()):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        enrolment = self.enrolment_at(row)
        if enrolment is None or not 0 <= column < self.columnCount():
            return None
        if column == PERSON_COLUMN:
            return self._person_data(enrolment, role)
        if column == self.hours_column:
            return self._hours_data(row, role)
        return self._cell_data(row, column, role)

    def _person_data(self, enrolment: Enrolment, role: int) -> Any:
        person = enrolment.person
        if role == Qt.ItemDataRole.DisplayRole:
            if enrolment.end is None:
                return person.display_name
            return f"{person.display_name} ({enrolment.end.kind.status.label.lower()})"
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"Dossier n° {person.file_number}" if person.file_number else "Dossier"]
            lines.append(f"Cadre : {enrolment.cadre.short_label}")
            if enrolment.end is not None:
                end = enrolment.end
                lines.append(f"{end.kind.label} le {format_date(end.day)} : {end.reason}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.FontRole:
            return _bold()
        if role == Qt.ItemDataRole.ForegroundRole:
            return WITHDRAWN_FOREGROUND if enrolment.end is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._person_data(enrolment, Qt.ItemDataRole.DisplayRole)
        return None

    def _cell_data(self, row: int, column: int, role: int) -> Any:
        code = self.code_at(row, column)
        pending = self.pending_change(row, column) is not None
        closed = self.closed_reason(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            if code is not None:
                return code.short_label
            return "—" if closed is not None else ""
        if role == CODE_ROLE:
            return code
        if role == PENDING_ROLE:
            return pending
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._cell_tooltip(row, column, code, pending, closed)
        if role == Qt.ItemDataRole.BackgroundRole:
            if pending:
                return PENDING_BACKGROUND
            if closed is not None:
                return CLOSED_BACKGROUND
            return CODE_COLORS[code].background if code is not None else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if closed is not None:
                return CLOSED_FOREGROUND
            return CODE_COLORS[code].foreground if code is not None else None
        if role == Qt.ItemDataRole.FontRole:
            return _bold() if pending else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _CENTER
        if role == Qt.ItemDataRole.AccessibleTextRole:
            session = self.session_at(column)
            assert session is not None
            state = code.label if code is not None else ("fermée" if closed else "vide")
            return f"{session.describe()} : {state}{' (non enregistré)' if pending else ''}"
        return None

    def _cell_tooltip(
        self,
        row: int,
        column: int,
        code: AttendanceCode | None,
        pending: bool,
        closed: str | None,
    ) -> str:
        session = self.session_at(column)
        assert session is not None
        lines: list[str] = []
        if code is not None:
            reason = self.reason_at(row, column)
            lines.append(f"{code.label} : {reason}" if reason else code.label)
        if pending:
            lines.append(PENDING_TOOLTIP)
            saved = self.saved_record(row, column)
            if saved is not None:
                lines.append(f"Enregistré : {saved.code.label}")
        if closed is not None:
            lines.append(NOT_STARTED_TOOLTIP if not session.has_started(self._now) else closed)
        elif code is None:
            lines.append("Pas encore saisi (P, R, E ou A)")
        elif self.saved_record(row, column) is not None:
            lines.append("H : historique de la case")
        return "\n".join(lines)

    def _hours_data(self, row: int, role: int) -> Any:
        result = self.progress_at(row)
        if result is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{result.hours_text} · {result.status.label}"
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [
                f"{_plural(result.attended_sessions, 'séance suivie', 'séances suivies')} "
                f"sur {result.total_sessions}, "
                f"{_plural(result.recorded_sessions, 'saisie', 'saisies')}",
                f"Heures requises : {format_minutes(result.required_minutes)}",
            ]
            enrolment = self._enrolments[row]
            if any(key[0] == enrolment.id for key in self._pending):
                lines.append("Compte les saisies non enregistrées.")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole:
            return STATUS_FOREGROUND.get(result.status)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        session = self.session_at(section)
        if role == Qt.ItemDataRole.DisplayRole:
            if section == PERSON_COLUMN:
                return PERSON_HEADER
            if session is None:
                return HOURS_HEADER
            return session.heading
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == PERSON_COLUMN:
                return "Personnes inscrites"
            if session is None:
                return "Heures suivies / heures requises, et où en est la personne"
            description = session.describe()
            label = session.label.strip()
            future = "" if session.has_started(self._now) else "\nSéance à venir"
            return f"{description}\n{label}{future}" if label else f"{description}{future}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _CENTER if session is not None else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole and session is not None:
            return None if session.has_started(self._now) else CLOSED_FOREGROUND
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Set a code (an :class:`AttendanceCode`, or its key ``P``/``R``/``A``); ``None``
        drops the pending change. An excused absence needs :meth:`set_code` (a reason).
        """
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if value is None:
            return self.clear(index.row(), index.column())
        code: AttendanceCode | None
        if isinstance(value, AttendanceCode):
            code = value
        elif isinstance(value, str):
            code = AttendanceCode._value2member_map_.get(value)  # type: ignore[assignment]
            code = code or AttendanceCode.from_key(value)
        else:
            code = None
        if code is None:
            return False
        return self.set_code(index.row(), index.column(), code) is None


# -- the view's painting ----------------------------------------------------------------


class _GridDelegate(QStyledItemDelegate):
    """Keeps the code colours visible under the selection, marks pending cells with a
    corner triangle, draws a strong frame on the current cell and an edge after the
    person column."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self._view = view

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        plain = QStyleOptionViewItem(option)
        plain.state &= ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
        rect: QRect = option.rect
        model = index.model()
        if isinstance(model, AttendanceGridModel) and not model.is_session_column(index.column()):
            # The name and hours columns: text breathes a little from the grid lines.
            plain.rect = rect.adjusted(6, 0, -4, 0)
        super().paint(painter, plain, index)
        current = index == self._view.currentIndex()
        painter.save()
        if selected and not current:  # the current cell has its frame
            painter.fillRect(rect, SELECTION_OVERLAY)
        if index.data(PENDING_ROLE):
            size = 7
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(PENDING_MARKER)
            right, top = rect.right(), rect.top()
            painter.drawPolygon(
                QPolygon(
                    [
                        QPoint(right - size, top),
                        QPoint(right + 1, top),
                        QPoint(right + 1, top + size + 1),
                    ]
                )
            )
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if index.column() == PERSON_COLUMN:
            painter.setPen(QPen(FROZEN_EDGE, 1))
            painter.drawLine(rect.topRight(), rect.bottomRight())
        if current:
            focused = self._view.hasFocus()
            width = 2 if focused else 1
            painter.setPen(QPen(FOCUS_FRAME if focused else FOCUS_FRAME_INACTIVE, width))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(width // 2, width // 2, -1, -1))
        painter.restore()


# -- the widget -------------------------------------------------------------------------


ReasonAsker = Callable[[str], str | None]


class AttendanceGrid(QWidget):
    """The grid, its buttons and its message line; it never saves anything itself.

    Signals:
        save_requested(): Ctrl+S in the grid.
        history_requested(int, int): enrolment id and session id of a saved cell whose
            history the user asked for (H or the context menu).
        dirty_changed(bool): the grid got (``True``) or lost (``False``) unsaved changes.
        refused(str): the domain refused a code; the sentence is also shown under the grid.
    """

    save_requested = Signal()
    history_requested = Signal(int, int)
    dirty_changed = Signal(bool)
    refused = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        ask_reason: ReasonAsker | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("attendanceGrid")
        self.ask_reason: ReasonAsker = ask_reason or self._default_ask_reason
        self._dirty = False
        self.model = AttendanceGridModel(self)
        self.model.pending_changed.connect(self._on_pending_changed)

        self.all_present_button = QPushButton("Tous présents")
        self.all_present_button.setToolTip(
            "Met « Présent » dans chaque case encore vide de la séance où se trouve le curseur"
        )
        self.all_present_button.clicked.connect(self.fill_present)
        self.discard_button = QPushButton("Annuler les modifications")
        self.discard_button.setToolTip("Oublie toutes les saisies non enregistrées")
        self.discard_button.setEnabled(False)
        self.discard_button.clicked.connect(self._on_discard_clicked)
        self.legend_label = QLabel(LEGEND)
        self.legend_label.setObjectName("gridLegend")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("gridPending")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.all_present_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(self.pending_label)
        self.pending_label.hide()

        self.view = QTableView()
        self.view.setObjectName("attendanceView")
        self.view.setModel(self.model)
        self.view.setItemDelegate(_GridDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(False)  # colours carry meaning here
        self.view.setTabKeyNavigation(False)  # Tab leaves the grid; arrows move in it
        self.view.setWordWrap(False)
        self.view.setCornerButtonEnabled(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(30)
        self.view.horizontalHeader().setHighlightSections(False)
        self.view.horizontalHeader().setMinimumSectionSize(40)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.view.installEventFilter(self)

        self.message_label = QLabel()
        self.message_label.setObjectName("gridMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumHeight(self.message_label.fontMetrics().height() + 4)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(self.legend_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message_label)
        self.setFocusProxy(self.view)

    # -- loading -----------------------------------------------------------------
    def load(self, sheet: AttendanceSheet, now: datetime, keep_pending: bool = True) -> None:
        """Show ``sheet``; the current cell stays on the same person and session."""
        previous = self._current_ids()
        self.model.load(sheet, now, keep_pending)
        self._size_columns()
        row, column = -1, -1
        if previous is not None:
            row, column = self.model.row_of(previous[0]), self.model.column_of(previous[1])
        if row < 0 or column < 0:
            row, column = 0, self._latest_started_column()
        if self.model.rowCount() and column >= 0:
            self.set_current_cell(row, column)
        self._update_buttons()

    def _current_ids(self) -> tuple[int, int] | None:
        index = self.view.currentIndex()
        enrolment = self.model.enrolment_at(index.row())
        session = self.model.session_at(index.column())
        return None if enrolment is None or session is None else (enrolment.id, session.id)

    def _latest_started_column(self) -> int:
        """The session being entered today: the last one that has started."""
        started = [
            column
            for column in range(FIRST_SESSION_COLUMN, self.model.hours_column)
            if (s := self.model.session_at(column)) is not None and s.has_started(self.model.now)
        ]
        if started:
            return started[-1]
        return FIRST_SESSION_COLUMN if self.model.hours_column > FIRST_SESSION_COLUMN else 0

    def _size_columns(self) -> None:
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        if self.model.columnCount() == 0:
            return
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.resizeColumnToContents(PERSON_COLUMN)
        self.view.setColumnWidth(
            PERSON_COLUMN, min(max(self.view.columnWidth(PERSON_COLUMN) + 16, 220), 360)
        )
        for column in range(FIRST_SESSION_COLUMN, self.model.hours_column):
            self.view.setColumnWidth(column, 78)
        self.view.setColumnWidth(self.model.hours_column, 170)

    # -- cells -------------------------------------------------------------------
    def current_cell(self) -> tuple[int, int]:
        index = self.view.currentIndex()
        return index.row(), index.column()

    def set_current_cell(self, row: int, column: int) -> None:
        index = self.model.index(row, column)
        if index.isValid():
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self.view.scrollTo(index)

    def _target_cells(self) -> list[tuple[int, int]]:
        """The selected session cells, or the current cell when it is not selected."""
        current = self.view.currentIndex()
        selected = self.view.selectionModel().selectedIndexes()
        if current.isValid() and current not in selected:
            selected = [current]
        cells = sorted(
            {(i.row(), i.column()) for i in selected if self.model.is_session_column(i.column())}
        )
        return cells

    # -- actions -----------------------------------------------------------------
    def apply_code(self, code: AttendanceCode) -> bool:
        """Set ``code`` on the current (or selected) cells and move down; ``False`` if
        nothing was set (refused, cancelled or no session cell)."""
        cells = self._target_cells()
        if not cells:
            self.show_refusal(NOT_A_SESSION)
            return False
        reason = ""
        if code is AttendanceCode.EXCUSED:
            acceptable = [c for c in cells if self.model.refusal(*c, code, "motif") is None]
            if not acceptable:
                self.show_refusal(self.model.refusal(*cells[0], code, "motif") or NOT_A_SESSION)
                return False
            answer = self.ask_reason(self._reason_prompt(acceptable))
            if answer is None:
                self.view.setFocus()
                return False
            reason = answer
        refusals = [m for c in cells if (m := self.model.set_code(*c, code, reason)) is not None]
        self.view.setFocus()
        if refusals:
            others = len(refusals) - 1
            extra = f" ({_plural(others, 'autre case refusée', 'autres cases refusées')})"
            self.show_refusal(refusals[0] + (extra if others else ""))
        else:
            self.clear_message()
        if len(refusals) == len(cells):
            return False
        self._move_down(max(row for row, _ in cells))
        return True

    def _reason_prompt(self, cells: Sequence[tuple[int, int]]) -> str:
        names: list[str] = []
        sessions: list[Session] = []
        for row, column in cells:
            enrolment, session = self.model.enrolment_at(row), self.model.session_at(column)
            if enrolment is not None and enrolment.person.display_name not in names:
                names.append(enrolment.person.display_name)
            if session is not None and session not in sessions:
                sessions.append(session)
        when = [
            f"{format_date(s.day)} ({format_time(s.start)} – {format_time(s.end)})"
            for s in sessions
        ]
        article = "le" if len(when) == 1 else "les"
        return f"Motif de l'absence de {_join(names)} {article} {_join(when)} :"

    def _default_ask_reason(self, prompt: str) -> str | None:
        text, ok = QInputDialog.getText(self, "Absence excusée", prompt)
        return text if ok else None

    def _move_down(self, from_row: int) -> None:
        column = self.view.currentIndex().column()
        for row in range(from_row + 1, self.model.rowCount()):
            if self.model.is_open(row, column):
                self.set_current_cell(row, column)
                return
        self.set_current_cell(self.view.currentIndex().row(), column)  # collapse selection

    def clear_selected(self) -> int:
        """Drop the pending changes of the current (or selected) cells; how many."""
        cells = self._target_cells()
        dropped = sum(1 for cell in cells if self.model.clear(*cell))
        if dropped or not cells:
            self.clear_message()
        elif any(self.model.saved_record(*cell) is not None for cell in cells):
            self.show_message(
                "Une présence enregistrée ne s'efface pas : tapez le bon code pour la corriger "
                "(l'ancienne saisie reste dans l'historique)."
            )
        return dropped

    def fill_present(self) -> int:
        """*Tous présents*: Présent in every open, still empty cell of the current session."""
        self.view.setFocus()
        column = self.view.currentIndex().column()
        if not self.model.is_session_column(column):
            self.show_refusal("Placez-vous dans la colonne de la séance à remplir.")
            return 0
        open_rows = [r for r in range(self.model.rowCount()) if self.model.is_open(r, column)]
        if not open_rows:
            self.show_refusal(
                self.model.refusal(0, column, AttendanceCode.PRESENT) or NOT_A_SESSION
            )
            return 0
        filled = 0
        for row in open_rows:
            if self.model.code_at(row, column) is None:
                filled += self.model.set_code(row, column, AttendanceCode.PRESENT) is None
        if filled:
            self.clear_message()
        else:
            self.show_message("Toutes les cases de cette séance sont déjà remplies.")
        return filled

    def request_history(self) -> bool:
        """Ask the page for the current cell's history (only a cell with saved records)."""
        row, column = self.current_cell()
        enrolment, session = self.model.enrolment_at(row), self.model.session_at(column)
        if enrolment is None or session is None:
            self.show_message(NOT_A_SESSION)
            return False
        if self.model.saved_record(row, column) is None:
            self.show_message("Rien n'est encore enregistré dans cette case : pas d'historique.")
            return False
        self.clear_message()
        self.history_requested.emit(enrolment.id, session.id)
        return True

    def _on_discard_clicked(self) -> None:
        self.model.discard_changes()
        self.clear_message()
        self.view.setFocus()

    # -- the message line --------------------------------------------------------
    def show_refusal(self, message: str) -> None:
        self.show_message(message)
        self.refused.emit(message)

    def show_message(self, message: str) -> None:
        self.message_label.setText(message)

    def clear_message(self) -> None:
        self.message_label.clear()

    # -- keyboard and menu -------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.ShortcutOverride,
        ):
            assert isinstance(event, QKeyEvent)
            action = self._key_action(event)
            if action is not None:
                # Claim the key before any window shortcut (the page's own Ctrl+S).
                event.accept()
                if event.type() == QEvent.Type.KeyPress:
                    action()
                return True
        return super().eventFilter(watched, event)

    def _key_action(self, event: QKeyEvent) -> Callable[[], object] | None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = event.key()
        if modifiers == Qt.KeyboardModifier.ControlModifier and key == Qt.Key.Key_S:
            return self.save_requested.emit
        if modifiers & ~Qt.KeyboardModifier.ShiftModifier:
            return None
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not modifiers:
            return self.clear_selected
        letter = event.text()
        if not letter and Qt.Key.Key_A <= key <= Qt.Key.Key_Z:
            letter = chr(key)
        if len(letter) != 1 or not letter.isprintable() or letter.isspace():
            return None
        code = AttendanceCode.from_key(letter)
        if code is not None:
            return lambda: self.apply_code(code)
        if letter.upper() == "H":
            return self.request_history
        if self.model.is_session_column(self.view.currentIndex().column()):
            return lambda: None  # no jumping around a column of codes by keyboard search
        return None

    def build_context_menu(self, index: QModelIndex) -> QMenu:
        """The cell's menu: the four codes, undo, and the cell's history."""
        menu = QMenu(self.view)
        session_cell = index.isValid() and self.model.is_session_column(index.column())
        for code in AttendanceCode:
            action = QAction(f"{code.label}\t{code.key}", menu)
            action.setEnabled(session_cell)
            action.triggered.connect(lambda _=False, c=code: self.apply_code(c))
            menu.addAction(action)
        undo = QAction("Annuler la modification\tSuppr", menu)
        undo.setEnabled(
            bool(session_cell and self.model.pending_change(index.row(), index.column()))
        )
        undo.triggered.connect(self.clear_selected)
        menu.addAction(undo)
        menu.addSeparator()
        history = QAction("Historique de la cellule…\tH", menu)
        history.setObjectName("historyAction")
        history.setEnabled(
            bool(session_cell and self.model.saved_record(index.row(), index.column()))
        )
        history.triggered.connect(self.request_history)
        menu.addAction(history)
        return menu

    def _on_context_menu_requested(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        if not self.view.selectionModel().isSelected(index):
            self.set_current_cell(index.row(), index.column())
        else:
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.NoUpdate
            )
        menu = self.build_context_menu(index)
        menu.exec(self.view.viewport().mapToGlobal(position))
        menu.deleteLater()

    # -- state -------------------------------------------------------------------
    def _on_pending_changed(self) -> None:
        self._update_buttons()
        dirty = self.model.is_dirty()
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def _update_buttons(self) -> None:
        count = self.model.pending_count()
        self.discard_button.setEnabled(count > 0)
        self.pending_label.setText(
            _plural(count, "case non enregistrée", "cases non enregistrées") if count else ""
        )
        self.pending_label.setVisible(count > 0)


# -- the history of one cell ------------------------------------------------------------


HistoryRow = tuple[AttendanceRecord, bool]
"""A record and whether it is the one in force."""

HISTORY_COLUMNS: tuple[Column[HistoryRow], ...] = (
    Column(
        "Saisi le",
        lambda r: f"{format_date(r[0].recorded_at)} {r[0].recorded_at:%H:%M}",
    ),
    Column("Par", lambda r: r[0].recorded_by or "—"),
    Column("Présence", lambda r: r[0].code.label),
    Column("Motif", lambda r: r[0].reason or "—"),
    Column("État", lambda r: "En vigueur" if r[1] else "Remplacé"),
)


class AttendanceHistoryDialog(QDialog):
    """Every record of one cell, oldest first: a correction never erases the earlier one."""

    def __init__(
        self,
        person_name: str,
        session_description: str,
        records: Sequence[AttendanceRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Historique de la présence")
        intro = QLabel(
            f"<b>{html.escape(person_name)}</b> — séance du {html.escape(session_description)}"
        )
        intro.setWordWrap(True)
        note = QLabel(
            "Une correction n'efface jamais la saisie précédente : elle reste dans cet historique."
            if records
            else "Aucune présence n'est enregistrée pour cette séance."
        )
        note.setObjectName("pageIntro")
        note.setWordWrap(True)
        self.model: RecordTableModel[HistoryRow] = RecordTableModel(HISTORY_COLUMNS, self)
        last = len(records) - 1
        self.model.set_records([(record, i == last) for i, record in enumerate(records)])
        self.table = QTableView()
        self.table.setModel(self.model)
        configure_table(self.table)
        buttons = QDialogButtonBox()
        close = buttons.addButton("Fermer", QDialogButtonBox.ButtonRole.RejectRole)
        close.setDefault(True)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(720, 320)

    @classmethod
    def show_history(
        cls,
        parent: QWidget | None,
        person_name: str,
        session_description: str,
        records: Sequence[AttendanceRecord],
    ) -> None:
        dialog = cls(person_name, session_description, records, parent)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()
