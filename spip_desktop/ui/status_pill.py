"""A step's status drawn as a coloured pill: a widget, and a delegate for table cells.

The colour comes from the domain (:attr:`StepStatus.colour`, light); the text is a darker
shade of the same hue, so that every status reads in its own family of colour. Any
page may reuse both: a model gives the status value under :data:`STATUS_ROLE` (the
display text stays the label, for the tooltip, the accessibility and copying).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ..domain.rights import StepStatus

#: The model role holding the status value (``StepStatus.value``) of a pill cell.
STATUS_ROLE = int(Qt.ItemDataRole.UserRole) + 10

PADDING_X = 9
PADDING_Y = 2


def status_of(value: object) -> StepStatus | None:
    """A status from what a model role hands back (Qt turns string enums into ``str``)."""
    if isinstance(value, StepStatus):
        return value
    member = StepStatus._value2member_map_.get(str(value)) if value is not None else None
    return member if isinstance(member, StepStatus) else None


def text_colour(background: str) -> QColor:
    """The pill's text: the background's hue, dark enough to read (contrast above 4.5)."""
    colour = QColor(background)
    return QColor.fromHsl(max(colour.hslHue(), 0), min(colour.hslSaturation(), 160), 52)


def pill_font(base: QFont) -> QFont:
    font = QFont(base)
    if font.pointSizeF() > 0:
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
    font.setBold(True)
    return font


def pill_size(text: str, font: QFont) -> QSize:
    metrics = QFontMetrics(pill_font(font))
    return QSize(metrics.horizontalAdvance(text) + 2 * PADDING_X, metrics.height() + 2 * PADDING_Y)


def paint_pill(painter: QPainter, rect: QRectF, text: str, background: str, font: QFont) -> None:
    """A rounded pill in ``rect`` with ``text`` centred, in the status's colours."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(background).darker(112))
    painter.setBrush(QColor(background))
    radius = rect.height() / 2
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
    painter.setFont(pill_font(font))
    painter.setPen(text_colour(background))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


class StatusPill(QWidget):
    """One status as a pill (empty when no status is set)."""

    def __init__(self, status: StepStatus | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusPill")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._status: StepStatus | None = None
        self.set_status(status)

    @property
    def status(self) -> StepStatus | None:
        return self._status

    def set_status(self, status: StepStatus | None) -> None:
        self._status = status
        self.setAccessibleName(f"Statut : {status.label}" if status else "")
        self.setToolTip(status.label if status else "")
        self.updateGeometry()
        self.update()

    def text(self) -> str:
        return self._status.label if self._status else ""

    def sizeHint(self) -> QSize:
        if self._status is None:
            return QSize(0, 0)
        return pill_size(self._status.label, self.font())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._status is None:
            return
        painter = QPainter(self)
        size = pill_size(self._status.label, self.font())
        top = (self.height() - size.height()) / 2
        rect = QRectF(0, top, size.width(), size.height())
        paint_pill(painter, rect, self._status.label, self._status.colour, self.font())
        painter.end()


def paint_cell_background(
    delegate: QStyledItemDelegate,
    painter: QPainter,
    option: QStyleOptionViewItem,
    index: QModelIndex | QPersistentModelIndex,
) -> None:
    """The cell as the style draws it (selection, alternate rows), without its text:
    a delegate then draws its own content over it."""
    background = QStyleOptionViewItem(option)
    delegate.initStyleOption(background, index)
    background.text = ""
    widget = background.widget
    style = widget.style() if widget is not None else QApplication.style()
    style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)


class StatusPillDelegate(QStyledItemDelegate):
    """Paints the cell's status (:data:`STATUS_ROLE`) as a pill; other cells as usual."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        status = status_of(index.data(STATUS_ROLE))
        if status is None:
            super().paint(painter, option, index)
            return
        paint_cell_background(self, painter, option, index)
        size = pill_size(status.label, option.font)
        width = min(size.width(), option.rect.width() - 8)
        rect = QRectF(
            option.rect.x() + 6,
            option.rect.y() + (option.rect.height() - size.height()) / 2,
            width,
            size.height(),
        )
        paint_pill(painter, rect, status.label, status.colour, option.font)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        status = status_of(index.data(STATUS_ROLE))
        size = super().sizeHint(option, index)
        if status is None:
            return size
        pill = pill_size(status.label, option.font)
        return QSize(pill.width() + 14, max(size.height(), pill.height() + 8))
