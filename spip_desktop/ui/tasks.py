"""Run slow work off the GUI thread and get the result back on it, by signal.

Every query over many rows, batch or export goes through :class:`TaskRunner`;
tests use :class:`ImmediateTaskRunner`, which runs the work at once.

The work runs on a :class:`concurrent.futures.ThreadPoolExecutor`. Results never
travel inside a Qt signal: the worker files them under a ticket number and
emits only that number, which a queued connection carries to the GUI thread,
so no Python object crosses threads through Qt. ``tests/ui/test_tasks.py``
stresses this path (PySide6 6.12.0 corrupts reference counts there and is
excluded in ``pyproject.toml``).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class TaskRunner(QObject):
    """Runs callables on a small thread pool; callbacks run on the GUI thread.

    Signals:
        busy_changed(bool): work started, or all work finished (for a busy cursor).
    """

    busy_changed = Signal(bool)
    _finished = Signal(int)

    def __init__(self, on_error: ErrorCallback, max_threads: int = 2) -> None:
        super().__init__()
        self._on_error = on_error
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="spip")
        self._lock = threading.Lock()
        self._tickets = itertools.count(1)
        self._pending: dict[int, tuple[Callback, ErrorCallback]] = {}
        self._outcomes: dict[int, tuple[bool, Any]] = {}
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callback,
        on_error: ErrorCallback | None = None,
    ) -> None:
        ticket = next(self._tickets)
        with self._lock:
            self._pending[ticket] = (on_done, on_error or self._on_error)
            first = len(self._pending) == 1
        if first:
            self.busy_changed.emit(True)
        self._executor.submit(self._work, ticket, work)

    def _work(self, ticket: int, work: Callable[[], Any]) -> None:
        try:
            outcome: tuple[bool, Any] = (True, work())
        except BaseException as error:  # handed to the caller's error handler
            outcome = (False, error)
        with self._lock:
            self._outcomes[ticket] = outcome
        self._finished.emit(ticket)

    @Slot(int)
    def _deliver(self, ticket: int) -> None:
        with self._lock:
            if ticket not in self._outcomes:
                return  # already delivered by wait()
            on_done, on_error = self._pending.pop(ticket)
            ok, value = self._outcomes.pop(ticket)
            idle = not self._pending
        try:
            if ok:
                on_done(value)
            else:
                on_error(value)
        finally:
            if idle:
                self.busy_changed.emit(False)

    def wait(self) -> None:
        """Finish queued work and deliver its results (tests, benchmarks and shutdown)."""
        while True:
            with self._lock:
                if not self._pending:
                    return
                waiting = set(self._pending) - set(self._outcomes)
            if waiting:
                threading.Event().wait(0.005)
            else:
                for ticket in sorted(self._outcomes):
                    self._deliver(ticket)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class ImmediateTaskRunner(TaskRunner):
    """Runs the work synchronously: for tests."""

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
