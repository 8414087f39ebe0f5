"""Lock after inactivity, without losing a keystroke.

:class:`InactivityWatcher` restarts a timer on any user input in the
application. :class:`ScreenLock` then lays an opaque cover over every visible
window — the main window and any open dialog — so no personal datum stays on
screen. Nothing underneath is closed, hidden or reset: a dialog's ``exec()``
keeps running and every form keeps its content, so unlocking returns to exactly
where the user was. The password form sits on the topmost window, the only one
that takes input while a modal dialog is open.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QVBoxLayout, QWidget

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class InactivityWatcher(QObject):
    """Emits ``idle`` after ``minutes`` without any keyboard, mouse or touch input.

    Signals:
        idle(): the delay passed with no input.
    """

    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        self.paused = True

    def set_minutes(self, minutes: int) -> None:
        self.timer.setInterval(minutes * 60_000)
        if self.timer.isActive():
            self.timer.start()

    def start(self) -> None:
        self.paused = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def stop(self) -> None:
        self.paused = True
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.paused and event.type() in INPUT_EVENTS:
            self.timer.start()  # restart: the user is here
        return False


class _Cover(QWidget):
    """An opaque panel over one window, resized with it."""

    def __init__(self, window: QWidget, form: QWidget | None) -> None:
        super().__init__(window)
        self.setObjectName("lockCover")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        if form is not None:
            row = QHBoxLayout()  # not an alignment flag: it would clip wrapped text
            row.addStretch(1)
            row.addWidget(form)
            row.addStretch(1)
            layout.addLayout(row)
        else:
            label = QLabel("Session verrouillée")
            label.setObjectName("lockLabel")
            layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
            self.raise_()
        elif event.type() == QEvent.Type.ChildAdded:
            QTimer.singleShot(0, self.raise_)  # stay above widgets added while locked
        return False


class ScreenLock(QObject):
    """Covers every visible window; the form to unlock goes on the topmost one.

    Signals:
        locked_changed(bool): the screen was locked (True) or unlocked (False).
    """

    locked_changed = Signal(bool)

    def __init__(self, main_window: QWidget, make_form: Callable[[], QWidget]) -> None:
        super().__init__(main_window)
        self.main_window = main_window
        self.make_form = make_form
        self.covers: list[_Cover] = []
        self.form: QWidget | None = None

    @property
    def locked(self) -> bool:
        return bool(self.covers)

    def lock(self) -> None:
        if self.locked:
            return
        top = QApplication.activeModalWidget() or self.main_window
        windows = [self.main_window] + [
            w
            for w in QApplication.topLevelWidgets()
            if w is not self.main_window and w.isVisible() and w.isWindow()
        ]
        self.form = self.make_form()
        for window in windows:
            self.covers.append(_Cover(window, self.form if window is top else None))
        self.form.setFocus()
        focus = self.form.findChild(QWidget, "unlockPasswordEdit")
        if focus is not None:
            focus.setFocus()
        self.locked_changed.emit(True)

    def unlock(self) -> None:
        for cover in self.covers:
            parent = cover.parentWidget()
            if parent is not None:
                parent.removeEventFilter(cover)
            cover.hide()
            cover.deleteLater()
        self.covers.clear()
        self.form = None
        self.locked_changed.emit(False)
