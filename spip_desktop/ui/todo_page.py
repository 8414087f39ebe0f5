"""*À traiter*, the home screen: what is due today for the agent, an antenne or the service.

The first screen an officer sees each morning. A header with the day and the scope
(*Mes dossiers*, an antenne, *Tout le service*: the last two for the direction and
the social workers), one tile per kind of alert with its count (red when something is
late), then one section per kind: when it is due (in words: *aujourd'hui*, *en retard
de 3 jours*), whom it concerns, what is due and who the referent is. The arrows move
from line to line across the sections, Enter opens the line (the person's file on the
right tab, the stage's attendance grid, the partner's conventions), F5 recomputes the
list through the task runner.

Signals:
    open_person_requested(int, str, int): person id, :class:`FileTab` value, record id or 0.
    open_stage_requested(int): stage id (its attendance grid).
    open_partner_requested(int): partner id (its conventions).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_count, format_date, format_date_long
from ..domain.errors import SpipError
from ..domain.model import ReferenceData
from ..domain.security import Permission, Scope, User
from ..domain.todo import LINES_PER_KIND, ScopeKind, TodoItem, TodoKind, TodoList, TodoScope
from .backend import TodoActions
from .tasks import TaskRunner

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
EMPTY_TEXT = "Rien à traiter aujourd'hui…"

#: What each tile says under its count (the sections use the kinds' full labels).
SHORT_LABELS: dict[TodoKind, str] = {
    TodoKind.APPOINTMENT: "Rendez-vous",
    TodoKind.FOLLOW_UP: "Relances",
    TodoKind.ATTENDANCE: "Présences à saisir",
    TodoKind.STAGE_DEADLINE: "Stages à accomplir",
    TodoKind.MEASURE_END: "Fins de mesure",
    TodoKind.RIGHT_EXPIRY: "Droits à renouveler",
    TodoKind.SAS: "Éligibles SAS",
    TodoKind.CONVENTION: "Conventions",
}

#: What each section is about (its tooltip).
KIND_HELP: dict[TodoKind, str] = {
    TodoKind.APPOINTMENT: "Entretiens, convocations et visites d'aujourd'hui et de demain "
    "dont la suite n'est pas encore saisie.",
    TodoKind.FOLLOW_UP: "Démarches d'accès aux droits en cours dont la date de relance est "
    "arrivée ou passée.",
    TodoKind.ATTENDANCE: "Séances des 7 derniers jours dont une présence au moins n'est pas "
    "saisie.",
    TodoKind.STAGE_DEADLINE: "Stages à faire dans les 6 mois de la condamnation définitive : "
    "date limite dans les 30 jours ou dépassée, stage pas encore validé.",
    TodoKind.MEASURE_END: "Mesures qui prennent fin dans les 30 jours.",
    TodoKind.RIGHT_EXPIRY: "Droits obtenus dont l'échéance tombe dans les 30 jours.",
    TodoKind.SAS: "Personnes détenues devenues éligibles à une SAS (reliquat de moins de "
    "deux ans) depuis moins de 30 jours, qui n'y sont pas encore.",
    TodoKind.CONVENTION: "Conventions signées qui expirent dans les 90 jours.",
}

#: Due pills: (text colour, background).
OVERDUE = ("#ce0500", "#ffe9e9")
TODAY = ("#b34000", "#fff0e0")
SOON = ("#0063cb", "#e8edff")
LATER = ("#3a3a3a", "#eeeeee")
SINCE = ("#18753c", "#dff5e3")
BLUE = "#000091"
GREY = "#666666"

STYLE = """
#todoPage #todoTitle { font-size: 18pt; font-weight: bold; color: #161616; }
#todoPage #todoUpdated { color: #666666; font-size: 9pt; }
#todoPage #todoIntro { color: #666666; }
#todoPage QPushButton#scopeButton, #todoPage QToolButton#scopeButton {
    background: #ffffff; border: 1px solid #000091; color: #000091;
    padding: 5px 14px; border-radius: 0; min-height: 20px;
}
#todoPage QPushButton#scopeButton:checked, #todoPage QToolButton#scopeButton:checked {
    background: #000091; color: #ffffff;
}
#todoPage QToolButton#scopeButton::menu-indicator { image: none; width: 0; }
#todoPage #todoTile {
    background: #ffffff; border: 1px solid #dddddd; border-top: 4px solid #cecece;
    border-radius: 4px;
}
#todoPage #todoTile[state="some"] { border-top-color: #000091; }
#todoPage #todoTile[state="overdue"] { border-top-color: #ce0500; }
#todoPage #todoTile:hover { background: #f5f5fe; }
#todoPage #tileCount {
    font-size: 20pt; font-weight: bold; color: #929292; background: transparent;
}
#todoPage #todoTile[state="some"] #tileCount { color: #000091; }
#todoPage #todoTile[state="overdue"] #tileCount { color: #ce0500; }
#todoPage #tileLabel { color: #3a3a3a; font-size: 9pt; background: transparent; }
#todoPage #tileLate {
    color: #ce0500; font-size: 8.5pt; font-weight: bold; background: transparent;
}
#todoPage QListView#todoList {
    background: #ffffff; border: 1px solid #dddddd; border-radius: 4px; outline: 0;
}
#todoPage #todoEmpty { background: #ffffff; border: 1px solid #dddddd; border-radius: 4px; }
#todoPage #emptyTitle { font-size: 15pt; font-weight: bold; color: #18753c; }
#todoPage #emptyText, #todoPage #todoMessage { color: #3a3a3a; font-size: 10.5pt; }
"""


# -- words ------------------------------------------------------------------------------------


def _days(n: int) -> str:
    return f"{n} jour" if n == 1 else f"{n} jours"


def relative_due(item: TodoItem, today: date) -> str:
    """When a line is due, in words: ``aujourd'hui``, ``demain``, ``dans 12 jours``,
    ``en retard de 3 jours``; a past date that is not late reads ``depuis 5 jours``."""
    delta = (item.due - today).days
    if delta == 0:
        return "aujourd'hui"
    if delta == 1:
        return "demain"
    if delta > 1:
        return f"dans {_days(delta)}"
    if item.overdue:
        return f"en retard de {_days(-delta)}"
    return "depuis hier" if delta == -1 else f"depuis {_days(-delta)}"


def _due_colours(item: TodoItem, today: date) -> tuple[str, str]:
    delta = (item.due - today).days
    if item.overdue:
        return OVERDUE
    if delta < 0:
        return SINCE
    if delta == 0:
        return TODAY
    return SOON if delta <= 7 else LATER


def long_day(day: date) -> str:
    """``jeudi 12 mars 2026``."""
    return f"{WEEKDAYS[day.weekday()]} {format_date_long(day)}"


def may_widen(user: User) -> bool:
    """The antenne's and the service's lists: the service-wide scope of the full file or
    of the rights steps (the rule the to-do service applies)."""
    return any(
        user.scope(p) is Scope.SERVICE for p in (Permission.PERSON_DETAILS, Permission.RIGHTS)
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# -- the list model ----------------------------------------------------------------------------

HEADER, LINE, MORE = "header", "line", "more"


@dataclass(frozen=True)
class Row:
    """One row of the list: a section heading, a line, or the *… et N autres* of a section."""

    role: str
    kind: TodoKind
    item: TodoItem | None = None
    count: int = 0
    overdue: bool = False


RowRole = Qt.ItemDataRole.UserRole
ItemRole = Qt.ItemDataRole.UserRole + 1


class TodoModel(QAbstractListModel):
    """The sections and lines of one :class:`TodoList`, flattened for a list view."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self.today = date.today()
        self.own_name = ""

    def set_list(self, listing: TodoList) -> None:
        self.beginResetModel()
        self.today = listing.today
        rows: list[Row] = []
        for kind in TodoKind:
            items = listing.of(kind)
            count = listing.count(kind)
            if not count:
                continue
            rows.append(Row(HEADER, kind, count=count, overdue=any(i.overdue for i in items)))
            rows.extend(Row(LINE, kind, item) for item in items)
            if count > len(items):
                rows.append(Row(MORE, kind, count=count - len(items)))
        self._rows = rows
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def header_row(self, kind: TodoKind) -> int | None:
        return next(
            (i for i, r in enumerate(self._rows) if r.role == HEADER and r.kind is kind), None
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return Qt.ItemFlag.NoItemFlags
        if row.role == LINE:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.role == HEADER:
                return KIND_HELP[row.kind]
            if row.item is not None:
                return self.text(row)
            return None
        if role == RowRole:
            return row
        if role == ItemRole:
            return row.item
        return None

    def text(self, row: Row) -> str:
        """A row as words: what the screen shows, for screen readers and tooltips."""
        if row.role == HEADER:
            return f"{row.kind.label} : {format_count(row.count)}"
        if row.role == MORE:
            return f"… et {format_count(row.count)} autres"
        item = row.item
        assert item is not None
        parts = [_capitalised(relative_due(item, self.today)) + f" ({format_date(item.due)})"]
        if item.person_name:
            parts.append(f"{item.person_name} (n° {item.file_number})")
        parts.append(item.title)
        if item.detail:
            parts.append(item.detail)
        if item.referent_name:
            parts.append(f"référent : {item.referent_name}")
        return " — ".join(parts)


# -- painting --------------------------------------------------------------------------------

HEADER_HEIGHT = 46
LINE_HEIGHT = 58
MORE_HEIGHT = 32
DUE_WIDTH = 168
MARGIN = 16
LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
RIGHT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
TOP_LEFT = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft


class TodoDelegate(QStyledItemDelegate):
    """Paints headings, lines and *… et N autres* rows; nothing is edited."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        row = index.data(RowRole)
        height = LINE_HEIGHT
        if isinstance(row, Row):
            height = {HEADER: HEADER_HEIGHT, MORE: MORE_HEIGHT}.get(row.role, LINE_HEIGHT)
        return QSize(400, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(RowRole)
        if not isinstance(row, Row):
            return
        model = index.model()
        today = model.today if isinstance(model, TodoModel) else date.today()
        own = model.own_name if isinstance(model, TodoModel) else ""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect
        if row.role == HEADER:
            self._paint_header(painter, rect, row, option)
        elif row.role == MORE:
            self._paint_more(painter, rect, row, option)
        else:
            self._paint_line(painter, rect, row, option, today, own)
        painter.restore()

    @staticmethod
    def _font(base: QFont, points: float | None = None, bold: bool = False) -> QFont:
        font = QFont(base)
        if points is not None:
            font.setPointSizeF(points)
        font.setBold(bold)
        return font

    def _paint_header(
        self, painter: QPainter, rect: QRect, row: Row, option: QStyleOptionViewItem
    ) -> None:
        base: QFont = option.font
        if rect.top() > 0:
            painter.fillRect(QRect(rect.left(), rect.top(), rect.width(), 6), QColor("#f6f6f6"))
        title_font = self._font(base, 11.5, bold=True)
        painter.setFont(title_font)
        painter.setPen(QColor(BLUE))
        metrics = QFontMetrics(title_font)
        text_rect = QRect(rect.left() + MARGIN, rect.top() + 10, rect.width() - 2 * MARGIN, 30)
        title = row.kind.label
        painter.drawText(text_rect, LEFT, title)
        # the count, as a pill after the title
        pill_font = self._font(base, 9, bold=True)
        count = format_count(row.count)
        pill_width = QFontMetrics(pill_font).horizontalAdvance(count) + 16
        x = rect.left() + MARGIN + metrics.horizontalAdvance(title) + 10
        pill = QRect(x, text_rect.center().y() - 10, pill_width, 20)
        fg, bg = OVERDUE if row.overdue else SOON
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(bg))
        painter.drawRoundedRect(pill, 10, 10)
        painter.setFont(pill_font)
        painter.setPen(QColor(fg))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, count)
        if row.overdue:
            painter.setFont(self._font(base, 9))
            painter.setPen(QColor(OVERDUE[0]))
            late = QRect(pill.right() + 10, pill.top(), 200, 20)
            painter.drawText(late, Qt.AlignmentFlag.AlignVCenter, "en retard")
        painter.setPen(QPen(QColor("#000091"), 2))
        y = rect.bottom() - 1
        painter.drawLine(rect.left() + MARGIN, y, rect.right() - MARGIN, y)

    def _paint_more(
        self, painter: QPainter, rect: QRect, row: Row, option: QStyleOptionViewItem
    ) -> None:
        font = self._font(option.font)
        font.setItalic(True)
        painter.setFont(font)
        painter.setPen(QColor(GREY))
        inner = rect.adjusted(MARGIN + DUE_WIDTH, 0, -MARGIN, 0)
        text = (
            f"… et {format_count(row.count)} autres, non affichées "
            f"({LINES_PER_KIND} lignes au plus par rubrique)"
        )
        painter.drawText(inner, LEFT, text)

    def _paint_line(
        self,
        painter: QPainter,
        rect: QRect,
        row: Row,
        option: QStyleOptionViewItem,
        today: date,
        own: str,
    ) -> None:
        item = row.item
        assert item is not None
        base: QFont = option.font
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        if selected:
            painter.fillRect(rect, QColor("#e3e3fd"))
            painter.fillRect(QRect(rect.left(), rect.top(), 4, rect.height()), QColor(BLUE))
        elif hovered:
            painter.fillRect(rect, QColor("#f5f5fe"))
        painter.setPen(QPen(QColor("#eeeeee"), 1))
        painter.drawLine(rect.left() + MARGIN, rect.bottom(), rect.right() - MARGIN, rect.bottom())
        # when: the pill, the date under it
        pill_font = self._font(base, 9, bold=True)
        due_text = _capitalised(relative_due(item, today))
        fg, bg = _due_colours(item, today)
        pill_width = min(QFontMetrics(pill_font).horizontalAdvance(due_text) + 18, DUE_WIDTH - 12)
        pill = QRect(rect.left() + MARGIN, rect.top() + 9, pill_width, 22)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(bg))
        painter.drawRoundedRect(pill, 11, 11)
        painter.setFont(pill_font)
        painter.setPen(QColor(fg))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, due_text)
        painter.setFont(self._font(base, 8.5))
        painter.setPen(QColor(GREY))
        painter.drawText(
            QRect(pill.left() + 2, pill.bottom() + 3, DUE_WIDTH, 16),
            TOP_LEFT,
            format_date(item.due),
        )
        # who, what
        referent = item.referent_name
        if referent and referent == own:
            referent = ""  # one's own people: the name would repeat on every line
        right_width = 210 if referent else 0
        left = rect.left() + MARGIN + DUE_WIDTH
        width = rect.width() - DUE_WIDTH - 2 * MARGIN - right_width - 12
        first = QRect(left, rect.top() + 8, width, 22)
        second = QRect(left, rect.top() + 31, width, 20)
        name_font = self._font(base, 10.5, bold=True)
        painter.setFont(name_font)
        painter.setPen(QColor("#161616"))
        metrics = QFontMetrics(name_font)
        if item.person_name:
            heading, detail = item.person_name, f"{item.title} — {item.detail}".strip(" —")
        else:
            heading, detail = item.title, item.detail
        heading = metrics.elidedText(heading, Qt.TextElideMode.ElideRight, width)
        painter.drawText(first, LEFT, heading)
        if item.file_number:
            used = metrics.horizontalAdvance(heading) + 10
            painter.setFont(self._font(base, 9))
            painter.setPen(QColor(GREY))
            number = QRect(first.left() + used, first.top(), max(width - used, 0), first.height())
            painter.drawText(
                number,
                LEFT,
                f"n° {item.file_number}",
            )
        detail_font = self._font(base, 9.5)
        painter.setFont(detail_font)
        painter.setPen(QColor("#3a3a3a"))
        detail = QFontMetrics(detail_font).elidedText(detail, Qt.TextElideMode.ElideRight, width)
        painter.drawText(second, LEFT, detail)
        if referent:
            painter.setFont(self._font(base, 8.5))
            painter.setPen(QColor(GREY))
            label = QRect(rect.right() - MARGIN - right_width, rect.top() + 10, right_width, 16)
            painter.drawText(label, RIGHT, "Référent")
            painter.setFont(self._font(base, 9.5))
            painter.setPen(QColor("#3a3a3a"))
            value = QRect(label.left(), label.bottom() + 2, right_width, 20)
            text = QFontMetrics(self._font(base, 9.5)).elidedText(
                referent, Qt.TextElideMode.ElideRight, right_width
            )
            painter.drawText(value, RIGHT, text)


class TodoListView(QListView):
    """The list: the arrows go from line to line, over the section headings."""

    def keyboardSearch(self, search: str) -> None:
        """Typed letters do not jump around (the rows start with a date in words)."""

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        model = self.model()
        if not isinstance(model, TodoModel) or model.rowCount() == 0:
            return super().moveCursor(action, modifiers)
        A = QAbstractItemView.CursorAction
        current = self.currentIndex().row()
        lines = [
            r for r in range(model.rowCount()) if (row := model.row_at(r)) and row.role == LINE
        ]
        if not lines:
            return QModelIndex()
        page = max(1, self.viewport().height() // LINE_HEIGHT)
        if action in (A.MoveHome,):
            target = lines[0]
        elif action in (A.MoveEnd,):
            target = lines[-1]
        elif action in (A.MoveDown, A.MoveNext, A.MoveRight):
            target = next(
                (r for r in lines if r > current), lines[-1] if current >= 0 else lines[0]
            )
        elif action in (A.MoveUp, A.MovePrevious, A.MoveLeft):
            target = next((r for r in reversed(lines) if r < current), lines[0])
        elif action == A.MovePageDown:
            after = [r for r in lines if r > current]
            target = after[min(page, len(after)) - 1] if after else lines[-1]
        elif action == A.MovePageUp:
            before = [r for r in lines if r < current]
            target = before[-min(page, len(before))] if before else lines[0]
        else:
            return super().moveCursor(action, modifiers)
        return model.index(target)


# -- tiles -----------------------------------------------------------------------------------


class TodoTile(QFrame):
    """A kind's count; clicking it goes to its section.

    Signals:
        clicked(): the tile was clicked.
    """

    clicked = Signal()

    def __init__(self, kind: TodoKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName("todoTile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(KIND_HELP[kind])
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.count_label = QLabel("0")
        self.count_label.setObjectName("tileCount")
        self.label = QLabel(SHORT_LABELS[kind])
        self.label.setObjectName("tileLabel")
        self.late_label = QLabel("")
        self.late_label.setObjectName("tileLate")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(0)
        layout.addWidget(self.count_label)
        layout.addWidget(self.label)
        layout.addWidget(self.late_label)
        self.setAccessibleName(SHORT_LABELS[kind])

    def set_counts(self, count: int, overdue: int, at_least: bool = False) -> None:
        """``overdue`` are late (``at_least``: every line read is, and there are more)."""
        self.count_label.setText(format_count(count))
        late = ""
        if overdue:
            late = f"dont {'au moins ' if at_least else ''}{format_count(overdue)} en retard"
        self.late_label.setText(late)
        state = "overdue" if late else ("some" if count else "none")
        if self.property("state") != state:
            self.setProperty("state", state)
            for widget in (self, self.count_label):
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        self.setAccessibleDescription(f"{format_count(count)} {late}".strip())

    @property
    def state(self) -> str:
        return str(self.property("state") or "none")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        inside = self.rect().contains(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and inside:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


# -- the page ------------------------------------------------------------------------------------


class TodoPage(QWidget):
    """*À traiter* (see the module's docstring for what it shows and its signals)."""

    open_person_requested = Signal(int, str, int)
    open_stage_requested = Signal(int)
    open_partner_requested = Signal(int)

    def __init__(
        self,
        todo: TodoActions,
        runner: TaskRunner,
        user: User,
        reference: Callable[[], ReferenceData],
        today: Callable[[], date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.todo = todo
        self.runner = runner
        self.user = user
        self._reference = reference
        self._today = today
        self.scope = TodoScope.mine(user.agent_id)
        self.listing: TodoList | None = None
        self.updated_at: datetime | None = None
        self._ticket = 0
        self._loading: TodoScope | None = None
        self._antenne_id: int | None = None
        self.setObjectName("todoPage")
        self.setStyleSheet(STYLE)

        self.title_label = QLabel()
        self.title_label.setObjectName("todoTitle")
        self.updated_label = QLabel()
        self.updated_label.setObjectName("todoUpdated")
        self.intro_label = QLabel()
        self.intro_label.setObjectName("todoIntro")

        self.mine_button = QPushButton("Mes dossiers")
        self.antenne_button = QToolButton()
        self.antenne_button.setText("Antenne ▾")
        self.antenne_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.antenne_menu = QMenu(self.antenne_button)
        self.antenne_menu.triggered.connect(self._on_antenne_menu_triggered)
        self.antenne_button.setMenu(self.antenne_menu)
        self.service_button = QPushButton("Tout le service")
        self.scope_group = QButtonGroup(self)
        self.scope_group.setExclusive(True)
        for button in (self.mine_button, self.antenne_button, self.service_button):
            button.setObjectName("scopeButton")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.scope_group.addButton(button)
        self.mine_button.setChecked(True)
        self.mine_button.clicked.connect(self._on_mine_button_clicked)
        self.service_button.clicked.connect(self._on_service_button_clicked)
        # one's own list only: no choice to show
        for button in (self.mine_button, self.antenne_button, self.service_button):
            button.setVisible(may_widen(user))
        self.refresh_button = QPushButton("Actualiser")
        self.refresh_button.setToolTip("Recalculer la liste (F5)")
        self.refresh_button.clicked.connect(self.refresh)

        scopes = QHBoxLayout()
        scopes.setSpacing(0)
        scopes.addWidget(self.mine_button)
        scopes.addWidget(self.antenne_button)
        scopes.addWidget(self.service_button)

        header = QHBoxLayout()
        header.addWidget(self.title_label)
        header.addStretch(1)
        header.addLayout(scopes)
        header.addSpacing(12)
        header.addWidget(self.refresh_button)
        subline = QHBoxLayout()
        subline.addWidget(self.intro_label)
        subline.addStretch(1)
        subline.addWidget(self.updated_label)

        self.tiles: dict[TodoKind, TodoTile] = {}
        self.tiles_layout = QHBoxLayout()
        self.tiles_layout.setSpacing(10)
        for kind in TodoKind:
            tile = TodoTile(kind)
            tile.clicked.connect(lambda kind=kind: self.go_to(kind))
            tile.hide()
            self.tiles[kind] = tile
            self.tiles_layout.addWidget(tile)

        self.model = TodoModel(self)
        self.list_view = TodoListView()
        self.list_view.setObjectName("todoList")
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(TodoDelegate(self.list_view))
        self.list_view.setUniformItemSizes(False)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setMouseTracking(True)
        self.list_view.setAccessibleName("Liste à traiter")
        self.list_view.activated.connect(self._on_list_view_activated)
        palette = self.list_view.palette()
        palette.setColor(QPalette.ColorRole.Highlight, QColor("#e3e3fd"))
        self.list_view.setPalette(palette)

        self.empty_widget = QFrame()
        self.empty_widget.setObjectName("todoEmpty")
        self.empty_title = QLabel(f"✓  {EMPTY_TEXT}")
        self.empty_title.setObjectName("emptyTitle")
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text = QLabel()
        self.empty_text.setObjectName("emptyText")
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text.setWordWrap(True)
        empty_layout = QVBoxLayout(self.empty_widget)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty_title)
        empty_layout.addWidget(self.empty_text)
        empty_layout.addStretch(2)

        self.message_label = QLabel("Calcul de la liste…")
        self.message_label.setObjectName("todoMessage")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.message_label)
        self.stack.addWidget(self.list_view)
        self.stack.addWidget(self.empty_widget)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addLayout(subline)
        layout.addLayout(self.tiles_layout)
        layout.addWidget(self.stack, 1)
        self.setFocusProxy(self.list_view)
        self.set_reference(reference())
        self._show_title()

    # -- public -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the list for the scope shown (off the GUI thread)."""
        scope = self.scope
        if self._loading == scope:
            return  # the same answer is on its way
        self._ticket += 1
        ticket = self._ticket
        self._loading = scope
        self.updated_label.setText("Mise à jour…")
        if self.listing is None:
            self.message_label.setText("Calcul de la liste…")
            self.stack.setCurrentWidget(self.message_label)
        self.runner.run(
            lambda: self.todo.todo(scope),
            lambda listing: self._on_loaded(ticket, listing),
            lambda error: self._on_failed(ticket, error),
        )

    def set_reference(self, reference: ReferenceData) -> None:
        """Antennes for the scope menu, and the user's own name (shown as *vous*)."""
        agent = reference.agent(self.user.agent_id)
        self.model.own_name = agent.display_name if agent is not None else ""
        self.antenne_menu.clear()
        for antenne in reference.antennes:
            if antenne.active and antenne.id is not None:
                action = self.antenne_menu.addAction(antenne.name)
                action.setData(antenne.id)
        if self._antenne_id is None and agent is not None:
            self._antenne_id = agent.antenne_id
        self.antenne_button.setEnabled(bool(self.antenne_menu.actions()))
        self._label_antenne(reference)
        self.list_view.viewport().update()

    def set_scope(self, scope: TodoScope) -> None:
        """Show another scope (the buttons follow) and recompute."""
        self.scope = scope
        button = {
            ScopeKind.MINE: self.mine_button,
            ScopeKind.ANTENNE: self.antenne_button,
            ScopeKind.SERVICE: self.service_button,
        }[scope.kind]
        button.setChecked(True)
        if scope.kind is ScopeKind.ANTENNE:
            self._antenne_id = scope.antenne_id
            self._label_antenne(self._reference())
        self.refresh()

    def go_to(self, kind: TodoKind) -> None:
        """Select the first line of a kind's section and bring it into view."""
        row = self.model.header_row(kind)
        if row is None:
            return
        header = self.model.index(row)
        self.list_view.scrollTo(header, QAbstractItemView.ScrollHint.PositionAtTop)
        first = self.model.index(row + 1)
        if first.isValid() and self.model.flags(first) & Qt.ItemFlag.ItemIsSelectable:
            self.list_view.setCurrentIndex(first)
        self.list_view.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """F5 recomputes (the list and the buttons leave it to the page)."""
        if event.key() == Qt.Key.Key_F5 and not event.modifiers():
            self.refresh()
            event.accept()
            return
        super().keyPressEvent(event)

    def current_item(self) -> TodoItem | None:
        item = self.list_view.currentIndex().data(ItemRole)
        return item if isinstance(item, TodoItem) else None

    def open_item(self, item: TodoItem) -> None:
        """Ask for what a line opens: the file's tab, the attendance grid, the conventions."""
        if item.person_id is not None and item.tab is not None:
            self.open_person_requested.emit(item.person_id, item.tab.value, item.ref_id or 0)
        elif item.stage_id is not None:
            self.open_stage_requested.emit(item.stage_id)
        elif item.partner_id is not None:
            self.open_partner_requested.emit(item.partner_id)

    # -- slots ------------------------------------------------------------------------------
    def _on_mine_button_clicked(self) -> None:
        self.set_scope(TodoScope.mine(self.user.agent_id))

    def _on_service_button_clicked(self) -> None:
        self.set_scope(TodoScope.service())

    def _on_antenne_menu_triggered(self, action: Any) -> None:
        antenne_id = action.data()
        if antenne_id is not None:
            self.set_scope(TodoScope.antenne(int(antenne_id)))

    def _on_list_view_activated(self, index: QModelIndex) -> None:
        item = index.data(ItemRole)
        if isinstance(item, TodoItem):
            self.open_item(item)

    def _on_loaded(self, ticket: int, listing: TodoList) -> None:
        if ticket != self._ticket:
            return  # overtaken by a later request (another scope)
        self._loading = None
        kept = self._key(self.current_item())
        self.listing = listing
        self.updated_at = datetime.now()
        self.model.set_list(listing)
        self._show_title()
        self.updated_label.setText(f"Mis à jour à {self.updated_at:%H:%M}")
        self._show_tiles(listing)
        if listing.total == 0:
            self.empty_text.setText(self._empty_sentence(listing))
            self.stack.setCurrentWidget(self.empty_widget)
            return
        self.stack.setCurrentWidget(self.list_view)
        self._restore(kept)

    def _on_failed(self, ticket: int, error: BaseException) -> None:
        if ticket != self._ticket:
            return
        self._loading = None
        self.updated_label.setText("")
        if isinstance(error, SpipError):
            message = error.message
        else:
            log.error("to-do list failed", exc_info=error)
            message = "La liste « À traiter » n'a pas pu être calculée. Réessayez (F5)."
        self.message_label.setText(message)
        self.stack.setCurrentWidget(self.message_label)

    # -- helpers ----------------------------------------------------------------------------
    def _show_title(self) -> None:
        day = self.listing.today if self.listing is not None else self._today()
        self.title_label.setText(f"À traiter — {long_day(day)}")
        self.intro_label.setText(self._scope_sentence())

    def _scope_sentence(self) -> str:
        scope = self.scope
        if scope.kind is ScopeKind.SERVICE:
            return "Tout le service : ce qui est dû, en retard ou arrive à échéance."
        if scope.kind is ScopeKind.ANTENNE:
            antenne = self._reference().antenne(scope.antenne_id)
            name = antenne.name if antenne is not None else "l'antenne"
            return f"{name} : ce qui est dû, en retard ou arrive à échéance."
        return (
            "Vos dossiers, vos démarches et vos rendez-vous : ce qui est dû, en retard "
            "ou arrive à échéance."
        )

    def _empty_sentence(self, listing: TodoList) -> str:
        whose = {
            ScopeKind.MINE: "pour vos dossiers",
            ScopeKind.ANTENNE: "pour l'antenne",
            ScopeKind.SERVICE: "pour le service",
        }[listing.scope.kind]
        return (
            f"Aucun rendez-vous, aucune relance, aucune échéance proche {whose}.\n"
            "La liste se recalcule à chaque visite (F5 pour l'actualiser)."
        )

    def _show_tiles(self, listing: TodoList) -> None:
        for kind, tile in self.tiles.items():
            if kind not in listing.totals:
                tile.hide()
                continue
            items = listing.of(kind)
            overdue = sum(1 for i in items if i.overdue)
            count = listing.count(kind)
            # the lines come oldest first: when every line read is late and there are
            # more, the number late is only known to be at least that
            tile.set_counts(count, overdue, at_least=overdue == len(items) < count)
            tile.show()

    def _label_antenne(self, reference: ReferenceData) -> None:
        antenne = reference.antenne(self._antenne_id)
        self.antenne_button.setText(f"{antenne.name} ▾" if antenne is not None else "Antenne ▾")

    @staticmethod
    def _key(item: TodoItem | None) -> tuple[object, ...] | None:
        if item is None:
            return None
        return (item.kind, item.ref_id, item.person_id, item.stage_id, item.partner_id)

    def _restore(self, key: tuple[object, ...] | None) -> None:
        """Keep the line selected across a refresh (else the first line)."""
        target = None
        for row in range(self.model.rowCount()):
            entry = self.model.row_at(row)
            if entry is None or entry.role != LINE:
                continue
            if target is None:
                target = row
            if key is not None and self._key(entry.item) == key:
                target = row
                break
        if target is not None:
            self.list_view.setCurrentIndex(self.model.index(target))
