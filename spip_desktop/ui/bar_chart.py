"""A light horizontal bar chart drawn with QPainter: this month beside the previous one.

QtCharts is not part of the application's dependencies; the summary page needs only
a few bars per chart (measure types, stage types, attendance codes, outcomes), each
with its label on the left and its French-formatted value at the end of the bar. The
chart says the same in words for screen readers (its accessible description) and in
the tooltip of each line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ..domain.summary import Unit, Value, format_value

CURRENT_COLOUR = QColor("#000091")
PREVIOUS_COLOUR = QColor("#b1b1f9")
TEXT_COLOUR = QColor("#161616")
MUTED_COLOUR = QColor("#666666")
AXIS_COLOUR = QColor("#dddddd")

TITLE_HEIGHT = 24
LEGEND_HEIGHT = 22
ROW_HEIGHT = 34
BAR_HEIGHT = 12
PREVIOUS_HEIGHT = 7
GAP = 8
LABEL_MAX_SHARE = 0.42


@dataclass(frozen=True)
class Bar:
    """One category: its label and its two values (``None``: *sans objet*)."""

    label: str
    current: Value
    previous: Value = None


def _number(value: Value) -> float:
    if value is None:
        return 0.0
    return float(value)


class BarChart(QWidget):
    """Horizontal bars, two series (the month, the previous month) with a legend."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("barChart")
        self.title = ""
        self.series = ("", "")
        self.bars: tuple[Bar, ...] = ()
        self.unit = Unit.COUNT
        self.empty_text = "Aucune donnée sur ce mois."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(280)

    # -- data --------------------------------------------------------------------------
    def set_data(
        self,
        title: str,
        series: tuple[str, str],
        bars: Sequence[Bar],
        unit: Unit = Unit.COUNT,
        empty_text: str | None = None,
    ) -> None:
        self.title = title
        self.series = series
        self.bars = tuple(bars)
        self.unit = unit
        if empty_text is not None:
            self.empty_text = empty_text
        self.setAccessibleName(title)
        self.setAccessibleDescription(self.description())
        self.updateGeometry()
        self.update()

    def description(self) -> str:
        """The chart in words: « Sursis probatoire : 12 (février 2026 : 10) ; … »."""
        if not self.bars:
            return self.empty_text
        current, previous = self.series
        return " ; ".join(
            f"{bar.label} : {format_value(bar.current, self.unit)} "
            f"({previous} : {format_value(bar.previous, self.unit)})"
            for bar in self.bars
        ) + (f" — {current}" if current else "")

    # -- geometry ----------------------------------------------------------------------
    def _top(self) -> int:
        return TITLE_HEIGHT + LEGEND_HEIGHT + 6

    def sizeHint(self) -> QSize:
        rows = max(len(self.bars), 1)
        return QSize(420, self._top() + rows * ROW_HEIGHT + 6)

    def minimumSizeHint(self) -> QSize:
        return QSize(280, self.sizeHint().height())

    def hasHeightForWidth(self) -> bool:
        return False

    def row_at(self, point: QPoint) -> int:
        """The category under ``point`` (-1: none)."""
        if point.y() < self._top():
            return -1
        row = (point.y() - self._top()) // ROW_HEIGHT
        return row if 0 <= row < len(self.bars) else -1

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            row = self.row_at(event.pos())
            if row >= 0:
                bar = self.bars[row]
                current, previous = self.series
                QToolTip.showText(
                    event.globalPos(),
                    f"{bar.label}\n{current} : {format_value(bar.current, self.unit)}\n"
                    f"{previous} : {format_value(bar.previous, self.unit)}",
                    self,
                )
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    # -- painting ----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = QFont(self.font())
        width = self.width()
        title_font = QFont(base)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(TEXT_COLOUR)
        title_rect = QRect(0, 0, width, TITLE_HEIGHT)
        painter.drawText(
            title_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(title_font).elidedText(self.title, Qt.TextElideMode.ElideRight, width),
        )
        small = QFont(base)
        if small.pointSizeF() > 0:
            small.setPointSizeF(max(small.pointSizeF() - 1, 7))
        self._paint_legend(painter, small, TITLE_HEIGHT)
        top = self._top()
        if not self.bars:
            painter.setFont(base)
            painter.setPen(MUTED_COLOUR)
            painter.drawText(
                QRect(0, top, width, ROW_HEIGHT),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                self.empty_text,
            )
            painter.end()
            return
        metrics = QFontMetrics(base)
        bold = QFont(base)
        bold.setBold(True)
        bold_metrics = QFontMetrics(bold)
        small_metrics = QFontMetrics(small)
        label_width = min(
            max(metrics.horizontalAdvance(b.label) for b in self.bars) + GAP,
            int(width * LABEL_MAX_SHARE),
        )
        value_width = (
            max(
                max(
                    bold_metrics.horizontalAdvance(format_value(b.current, self.unit))
                    for b in self.bars
                ),
                max(
                    small_metrics.horizontalAdvance(format_value(b.previous, self.unit))
                    for b in self.bars
                ),
            )
            + GAP
        )
        left = label_width + GAP
        span = max(width - left - value_width, 20)
        top_value = max(max(_number(b.current), _number(b.previous)) for b in self.bars)
        painter.setPen(AXIS_COLOUR)
        painter.drawLine(left, top - 2, left, top + len(self.bars) * ROW_HEIGHT - 2)
        for row, bar in enumerate(self.bars):
            y = top + row * ROW_HEIGHT
            painter.setFont(base)
            painter.setPen(TEXT_COLOUR)
            painter.drawText(
                QRect(0, y, label_width, ROW_HEIGHT - 4),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_width),
            )
            bar_top = y + (ROW_HEIGHT - 4 - BAR_HEIGHT - PREVIOUS_HEIGHT - 2) // 2
            for value, colour, height, font, pen in (
                (bar.current, CURRENT_COLOUR, BAR_HEIGHT, bold, TEXT_COLOUR),
                (bar.previous, PREVIOUS_COLOUR, PREVIOUS_HEIGHT, small, MUTED_COLOUR),
            ):
                length = 0 if top_value <= 0 else round(_number(value) / top_value * span)
                if length > 0:
                    painter.fillRect(QRect(left + 1, bar_top, max(length, 2), height), colour)
                painter.setFont(font)
                painter.setPen(pen)
                painter.drawText(
                    QRect(left + 1 + length + 6, bar_top - 4, value_width + 6, height + 8),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    format_value(value, self.unit),
                )
                bar_top += height + 2
        painter.end()

    def _paint_legend(self, painter: QPainter, font: QFont, y: int) -> None:
        painter.setFont(font)
        metrics = QFontMetrics(font)
        x = 0
        for name, colour in zip(self.series, (CURRENT_COLOUR, PREVIOUS_COLOUR), strict=True):
            if not name:
                continue
            painter.fillRect(QRect(x, y + LEGEND_HEIGHT // 2 - 5, 10, 10), colour)
            x += 16
            painter.setPen(MUTED_COLOUR)
            painter.drawText(
                QRect(x, y, metrics.horizontalAdvance(name) + 4, LEGEND_HEIGHT),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                name,
            )
            x += metrics.horizontalAdvance(name) + 18
