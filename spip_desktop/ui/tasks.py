"""Run slow work off the GUI thread and get the result back on it, by signal.

Every query over many rows, batch or export goes through :class:`TaskRunner`;
tests use :class:`ImmediateTaskRunner`, which runs the work at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives in the GUI thread; its signals carry the outcome back there."""

    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as error:  # delivered to the caller's error handler
            self._relay.failed.emit(error)
        else:
            self._relay.done.emit(result)


class TaskRunner(QObject):
    """Runs callables on a small thread pool.

    Signals:
        busy_changed(bool): work started or all work finished (for a busy cursor).
    """

    busy_changed = Signal(bool)

    def __init__(self, on_error: ErrorCallback, max_threads: int = 2) -> None:
        super().__init__()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._on_error = on_error
        self._relays: set[_Relay] = set()

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callback,
        on_error: ErrorCallback | None = None,
    ) -> None:
        relay = _Relay()
        self._relays.add(relay)
        if len(self._relays) == 1:
            self.busy_changed.emit(True)
        handle_error = on_error or self._on_error

        def finish() -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if not self._relays:
                self.busy_changed.emit(False)

        def done(result: Any) -> None:
            finish()
            on_done(result)

        def failed(error: BaseException) -> None:
            finish()
            handle_error(error)

        relay.done.connect(done)
        relay.failed.connect(failed)
        self._pool.start(_Job(work, relay))

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until queued work is done (tests and shutdown only)."""
        return self._pool.waitForDone(msecs)


class ImmediateTaskRunner(TaskRunner):
    """Runs the work synchronously: for tests, and for work that must finish first."""

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callback,
        on_error: ErrorCallback | None = None,
    ) -> None:
        try:
            result = work()
        except BaseException as error:
            (on_error or self._on_error)(error)
        else:
            on_done(result)
