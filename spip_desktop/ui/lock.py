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
from shiboken6 import Shiboken

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

    Seeing input takes an event filter on the whole application, and every event of every
    widget (hundreds of thousands when a file's tabs are built) would cross into Python
    through it. So the filter only waits for the next input: the first one restarts the
    timer and removes the filter, which comes back ``REARM_MS`` later. The delay is then
    measured from an input at most that long before the last one, a second in fifteen
    minutes, and the work that follows a click or a key runs without the filter.

    Signals:
        idle(): the delay passed with no input.
    """

    idle = Signal()
    REARM_MS = 1000

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        self.paused = True
        self._filtering = False
        self._rearm = QTimer(self)
        self._rearm.setSingleShot(True)
        self._rearm.setInterval(self.REARM_MS)
        self._rearm.timeout.connect(self._install)

    def set_minutes(self, minutes: int) -> None:
        self.timer.setInterval(minutes * 60_000)
        if self.timer.isActive():
            self.timer.start()

    def start(self) -> None:
        self.paused = False
        self._install()
        self.timer.start()

    def stop(self) -> None:
        self.paused = True
        self.timer.stop()
        self._rearm.stop()
        self._uninstall()

    def _install(self) -> None:
        app = QApplication.instance()
        if app is not None and not self.paused and not self._filtering:
            app.installEventFilter(self)
            self._filtering = True

    def _uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None and self._filtering:
            app.removeEventFilter(self)
        self._filtering = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.paused and event.type() in INPUT_EVENTS:
            self.timer.start()  # restart: the user is here
            self._uninstall()
            self._rearm.start()
        return False


#: What a locked screen swallows, unless it is meant for the unlock form.
_BLOCKED = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.ShortcutOverride,
        QEvent.Type.Shortcut,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.ContextMenu,
        QEvent.Type.TouchBegin,
    }
)


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
            QTimer.singleShot(
                0, self, self.raise_
            )  # above widgets added while locked (not if gone)
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
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._refocus()
        self.locked_changed.emit(True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """While locked, only the unlock form takes input.

        Covering is not enough: Tab would move the focus to a field under a cover, and
        keys, clicks and shortcuts (Ctrl+S, Ctrl+C…) would reach it. Those events are
        swallowed unless they are meant for the form; nothing underneath changes state.
        """
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            # Let Qt finish moving the focus (swallowing FocusIn corrupts its state), then
            # bring it back to the password field if it went under a cover.
            if self.form is not None and not self._inside_form(watched) and self._covered(watched):
                QTimer.singleShot(0, self, self._refocus)
            return False
        if kind not in _BLOCKED or self.form is None or self._inside_form(watched):
            return False
        if not self._covered(watched):
            return False  # another application window (none is opened while locked)
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # claimed here, so that no shortcut of the window fires
        return True

    def _covered(self, watched: QObject) -> bool:
        widget = watched if isinstance(watched, QWidget) else watched.parent()
        if not isinstance(widget, QWidget):
            return False
        window = widget.window()
        return any(
            Shiboken.isValid(cover) and cover.parentWidget() is window for cover in self.covers
        )

    def _inside_form(self, watched: QObject) -> bool:
        form = self.form
        widget = watched if isinstance(watched, QWidget) else watched.parent()
        while widget is not None:
            if widget is form:
                return True
            widget = widget.parent()
        return False

    def _refocus(self) -> None:
        if self.form is not None:
            field = self.form.findChild(QWidget, "unlockPasswordEdit")
            (field or self.form).setFocus()

    def unlock(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        for cover in self.covers:
            if not Shiboken.isValid(cover):  # its dialog closed (and was deleted) meanwhile
                continue
            parent = cover.parentWidget()
            if parent is not None:
                parent.removeEventFilter(cover)
            cover.hide()
            cover.deleteLater()
        self.covers.clear()
        self.form = None
        self.locked_changed.emit(False)
