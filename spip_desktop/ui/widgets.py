"""Small widgets shared by the forms: French date field, error labels, badges."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import TypeVar

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from ..domain.dates import DateParseError, format_date, parse_date
from ..domain.enums import LabelledEnum
from ..domain.validation import ValidationResult

FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)


class DateField(QWidget):
    """A date typed as ``jj/mm/aaaa`` (or picked from a calendar), possibly empty.

    Signals:
        changed(): the text changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line_edit = QLineEdit(self)
        self.line_edit.setPlaceholderText("jj/mm/aaaa")
        self.line_edit.setMaxLength(10)
        self.line_edit.setMinimumWidth(110)
        self.line_edit.textChanged.connect(self.changed)
        self.line_edit.editingFinished.connect(self._normalise)
        self.calendar_button = QToolButton(self)
        self.calendar_button.setText("▾")
        self.calendar_button.setToolTip("Choisir dans le calendrier")
        self.calendar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.calendar_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.calendar_button)
        self.calendar = QCalendarWidget(menu)
        self.calendar.setLocale(FRENCH)
        self.calendar.setGridVisible(True)
        self.calendar.clicked.connect(self._on_calendar_clicked)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._on_menu_about_to_show)
        self.calendar_button.setMenu(menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.line_edit)
        layout.addWidget(self.calendar_button)
        self.setFocusProxy(self.line_edit)

    def value(self) -> date | None:
        """The date typed; raises :class:`DateParseError` with a French sentence."""
        return parse_date(self.line_edit.text())

    def safe_value(self) -> date | None:
        try:
            return self.value()
        except DateParseError:
            return None

    def error(self) -> str | None:
        try:
            self.value()
        except DateParseError as error:
            return str(error)
        return None

    def set_value(self, value: date | None) -> None:
        self.line_edit.setText(format_date(value))

    def text(self) -> str:
        return self.line_edit.text()

    def _normalise(self) -> None:
        value = self.safe_value()
        if value is not None and self.line_edit.text() != format_date(value):
            self.line_edit.setText(format_date(value))

    def _on_menu_about_to_show(self) -> None:
        value = self.safe_value() or date.today()
        self.calendar.setSelectedDate(QDate(value.year, value.month, value.day))

    def _on_calendar_clicked(self, qdate: QDate) -> None:
        self.set_value(date(qdate.year(), qdate.month(), qdate.day()))
        menu = self.calendar_button.menu()
        if menu is not None:
            menu.hide()
        self.line_edit.setFocus()


class ErrorLabel(QLabel):
    """A red sentence under a field; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.hide()

    def show_message(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))


def field_with_error(field: QWidget) -> tuple[QWidget, ErrorLabel]:
    """Wrap a field with the error label that shows under it."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    label = ErrorLabel(box)
    layout.addWidget(label)
    return box, label


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Flag a field for the stylesheet (red border)."""
    target = widget.line_edit if isinstance(widget, DateField) else widget
    if target.property("invalid") != invalid:
        target.setProperty("invalid", invalid)
        target.style().unpolish(target)
        target.style().polish(target)


def fill_enum_combo(
    combo: QComboBox,
    members: list[LabelledEnum],
    empty: str | None = None,
) -> None:
    combo.clear()
    if empty is not None:
        combo.addItem(empty, None)
    for member in members:
        combo.addItem(member.label, member)


E = TypeVar("E", bound=LabelledEnum)


def enum_data(combo: QComboBox, enum_cls: type[E]) -> E | None:
    """The enum member of the current item (Qt hands string enums back as plain str)."""
    data = combo.currentData()
    if data is None:
        return None
    member = enum_cls._value2member_map_.get(str(data))
    return member if isinstance(member, enum_cls) else None


def select_data(combo: QComboBox, value: object) -> None:
    """Select the item whose data is ``value`` (the first item when absent)."""
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))


class Badge(QLabel):
    """A small coloured pill: ``kind`` picks the colour in the stylesheet."""

    def __init__(self, text: str, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("badge")
        self.setProperty("kind", kind)


class Card(QFrame):
    """A white panel with a border, as the stylesheet draws it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")


def page_heading(title: str, intro: str) -> tuple[QLabel, QLabel]:
    """A page's title and its explanatory sentence, styled by the stylesheet."""
    title_label = QLabel(title)
    title_label.setObjectName("pageTitle")
    intro_label = QLabel(intro)
    intro_label.setObjectName("pageIntro")
    intro_label.setWordWrap(True)
    return title_label, intro_label


def show_validation(
    result: ValidationResult,
    labels: Mapping[str, ErrorLabel],
    widgets: Mapping[str, QWidget],
    shown: Collection[str],
    warning_label: QLabel | None = None,
) -> None:
    """A form's validation on screen: each field's sentence under it and a red frame, for the
    fields in ``shown`` (touched, or all after a save attempt); warnings in ``warning_label``."""
    for name, label in labels.items():
        label.show_message(result.errors.get(name) if name in shown else None)
    for name, widget in widgets.items():
        set_invalid(widget, name in shown and name in result.errors)
    if warning_label is not None:
        warning_label.setText("\n".join(result.warnings))
        warning_label.setVisible(bool(result.warnings))
