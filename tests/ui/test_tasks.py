"""The task runner: work off the GUI thread, results and errors back on it."""

from __future__ import annotations

import gc
import sys
import threading
import time

from PySide6.QtCore import QCoreApplication, QEvent

from spip_desktop.ui.tasks import TaskRunner


def settle() -> None:
    """Destroy what earlier tests left for deleteLater, so refcounts only reflect this test."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
        gc.collect()


def test_results_come_back_on_the_gui_thread_in_large_numbers(qtbot) -> None:
    """Thousands of results delivered from worker threads (a PySide6 release crashed here)."""
    errors: list[BaseException] = []
    runner = TaskRunner(on_error=errors.append)
    gui_thread = threading.get_ident()
    results: list[int] = []
    worker_threads: set[int] = set()
    callback_threads: set[int] = set()
    settle()
    none_before = sys.getrefcount(None)

    def work(value: int) -> int:
        worker_threads.add(threading.get_ident())
        return value * 2

    def done(value: int) -> None:
        callback_threads.add(threading.get_ident())
        results.append(value)

    total = 4000
    for i in range(total):
        runner.run(lambda i=i: work(i), done)
    qtbot.waitUntil(lambda: len(results) == total, timeout=120_000)  # a hang guard, not a timing
    runner.shutdown()
    assert sorted(results) == [2 * i for i in range(total)]
    assert callback_threads == {gui_thread}
    assert gui_thread not in worker_threads
    assert not errors
    settle()
    # PySide6 6.12.0 released None once per delivery: thousands, not a few dozen
    assert abs(sys.getrefcount(None) - none_before) < total // 4


def test_errors_reach_the_handler_and_busy_is_signalled(qtbot) -> None:
    errors: list[BaseException] = []
    runner = TaskRunner(on_error=errors.append)
    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)

    def fail() -> None:
        time.sleep(0.01)
        raise ValueError("boom")

    runner.run(fail, lambda _: None)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert isinstance(errors[0], ValueError)
    assert busy == [True, False]
    own: list[BaseException] = []
    runner.run(fail, lambda _: None, own.append)
    runner.wait()
    assert len(own) == 1 and len(errors) == 1
    runner.shutdown()
