"""Run slow work off the GUI thread and get the result back on it.

Every query over many rows, batch or export goes through :class:`TaskRunner`;
tests use :class:`ImmediateTaskRunner`, which runs the work at once.

The work runs on a :class:`concurrent.futures.ThreadPoolExecutor`, and the worker
threads never call Qt. A worker only files its outcome (the result or the
exception) under the task's ticket number, in a dictionary guarded by a lock. On
the GUI thread a :class:`QTimer` owned by the runner collects the filed outcomes
and calls the callbacks. So no signal, event or Python object crosses threads
through Qt: the handover is plain Python, whatever the PySide6 release does with
signals emitted from Python threads (``tests/ui/test_tasks.py`` stresses it). The
crash PySide6 6.12.0 showed there is not about threads, though: on CPython 3.11 it
mis-counts references on calls from any thread, which no design here can avoid
(see the binding test in that file).

The timer runs only while work is pending, every :data:`COLLECT_INTERVAL_MS`
milliseconds: an idle application is not woken up, and a finished task waits up to
that long for its callback (search-as-you-type does not notice). The outcomes
filed since the last look are delivered in ticket order; a slow task does not
hold back the quicker ones started after it. ``busy_changed`` is emitted on the
GUI thread only, when the runner goes from idle to busy and back.

:meth:`TaskRunner.run` is called on the GUI thread, like everything Qt.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]

#: How often the GUI thread looks for finished work while some is pending.
COLLECT_INTERVAL_MS = 2


class TaskRunner(QObject):
    """Runs callables on a small thread pool; callbacks run on the GUI thread.

    Signals:
        busy_changed(bool): work started, or all work finished (for a busy cursor).
    """

    busy_changed = Signal(bool)

    def __init__(self, on_error: ErrorCallback, max_threads: int = 2) -> None:
        super().__init__()
        self._on_error = on_error
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="spip")
        self._gui_thread = threading.get_ident()
        self._tickets = itertools.count(1)
        # GUI thread only: the callbacks of the work not delivered yet.
        self._pending: dict[int, tuple[Callback, ErrorCallback]] = {}
        self._busy = False
        # Shared with the workers, under the lock: what they finished, by ticket.
        self._lock = threading.Lock()
        self._filed = threading.Condition(self._lock)
        self._outcomes: dict[int, tuple[bool, Any]] = {}
        self._collector = QTimer(self)
        self._collector.setObjectName("taskCollector")
        self._collector.setInterval(COLLECT_INTERVAL_MS)
        self._collector.setTimerType(Qt.TimerType.PreciseTimer)
        self._collector.timeout.connect(self._collect)

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callback,
        on_error: ErrorCallback | None = None,
    ) -> None:
        if threading.get_ident() != self._gui_thread:
            raise RuntimeError("TaskRunner.run() must be called on the GUI thread")
        ticket = next(self._tickets)
        self._pending[ticket] = (on_done, on_error or self._on_error)
        self._set_busy(True)
        try:
            self._executor.submit(self._work, ticket, work)
        except BaseException:  # shut down: nothing will ever file this ticket
            del self._pending[ticket]
            if not self._pending:
                self._set_busy(False)
            raise

    def _work(self, ticket: int, work: Callable[[], Any]) -> None:
        """On a worker thread: no Qt here, only the filing under the lock."""
        try:
            outcome: tuple[bool, Any] = (True, work())
        except BaseException as error:  # handed to the caller's error handler
            outcome = (False, error)
        with self._filed:
            self._outcomes[ticket] = outcome
            self._filed.notify_all()

    def _set_busy(self, busy: bool) -> None:
        """GUI thread: the collecting timer runs exactly while the runner is busy."""
        if busy == self._busy:
            return
        self._busy = busy
        if busy:
            self._collector.start()
        else:
            self._collector.stop()
        self.busy_changed.emit(busy)

    def _ready(self) -> list[int]:
        with self._lock:
            return sorted(self._outcomes)

    @Slot()
    def _collect(self) -> None:
        """The timer's tick: deliver what the workers have filed, in ticket order."""
        for ticket in self._ready():
            self._deliver(ticket)

    def _deliver(self, ticket: int) -> None:
        with self._lock:
            outcome = self._outcomes.pop(ticket, None)
        if outcome is None:
            return  # already delivered, by a wait() inside an earlier callback
        on_done, on_error = self._pending.pop(ticket)
        ok, value = outcome
        try:
            if ok:
                on_done(value)
            else:
                on_error(value)
        finally:
            # A callback that ran more work keeps the runner busy: no False then True.
            if not self._pending:
                self._set_busy(False)

    def wait(self) -> None:
        """Finish queued work and deliver its results (tests, benchmarks and shutdown)."""
        while self._pending:
            with self._filed:
                while not self._outcomes:
                    self._filed.wait()
            for ticket in self._ready():
                self._deliver(ticket)

    def shutdown(self) -> None:
        """Run the work started, cancel the rest; their callbacks will never be called.

        The outcomes already filed are still delivered, by the timer or :meth:`wait`.
        """
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            cancelled = set(self._pending) - set(self._outcomes)
        for ticket in cancelled:
            del self._pending[ticket]
        if not self._pending:
            self._set_busy(False)


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
