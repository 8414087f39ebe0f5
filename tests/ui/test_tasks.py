"""The task runner: work off the GUI thread, results and errors back on it."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time

from PySide6.QtCore import QCoreApplication, QEvent, QTimer

from spip_desktop.ui.tasks import TaskRunner


def settle() -> None:
    """Destroy what earlier tests left for deleteLater, so refcounts only reflect this test."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
        gc.collect()


def shared_refcounts() -> tuple[int, int, int]:
    """Those of None, True and False (constant from CPython 3.12, where they are immortal)."""
    return sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)


def collecting(runner: TaskRunner) -> bool:
    """Whether the runner's timer is running (it must not while the runner is idle)."""
    timers = runner.findChildren(QTimer)
    assert timers, "the runner collects finished work with a timer of its own"
    return any(timer.isActive() for timer in timers)


def test_results_come_back_on_the_gui_thread_in_large_numbers(qtbot) -> None:
    """Thousands of results delivered from worker threads (a PySide6 release crashed here)."""
    errors: list[BaseException] = []
    runner = TaskRunner(on_error=errors.append)
    gui_thread = threading.get_ident()
    results: list[int] = []
    worker_threads: set[int] = set()
    callback_threads: set[int] = set()
    settle()
    before = shared_refcounts()

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
    assert not collecting(runner)
    settle()
    # PySide6 6.12.0 (CPython 3.11) released True once per emit: thousands, not a few dozen
    drift = [after - earlier for after, earlier in zip(shared_refcounts(), before, strict=True)]
    assert all(abs(change) < total // 4 for change in drift), f"None, True, False: {drift}"


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


def test_callbacks_and_busy_run_on_the_gui_thread_in_ticket_order(qtbot) -> None:
    """Work finishing in reverse order is still handed back in the order it was started."""
    errors: list[BaseException] = []
    total = 6
    runner = TaskRunner(on_error=errors.append, max_threads=total)
    gui_thread = threading.get_ident()
    seen: list[tuple[str, object, int]] = []
    runner.busy_changed.connect(lambda busy: seen.append(("busy", busy, threading.get_ident())))
    go = [threading.Event() for _ in range(total)]
    finished: list[int] = []

    def work(i: int) -> int:
        assert go[i].wait(10)
        finished.append(i)
        return i

    for i in range(total):
        runner.run(lambda i=i: work(i), lambda i: seen.append(("done", i, threading.get_ident())))
    # The GUI thread runs no event loop until all the work is filed: one collection takes it all.
    for i in reversed(range(total)):
        go[i].set()
        deadline = time.monotonic() + 10
        while True:
            with runner._lock:  # filed, not merely returned
                if len(runner._outcomes) == total - i:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.001)
    assert finished == list(reversed(range(total)))
    assert seen == [("busy", True, gui_thread)]
    qtbot.waitUntil(lambda: len(seen) == total + 2, timeout=5000)
    assert seen == [
        ("busy", True, gui_thread),
        *(("done", i, gui_thread) for i in range(total)),
        ("busy", False, gui_thread),
    ]
    assert not errors
    runner.shutdown()


def test_an_idle_runner_has_no_active_timer(qtbot) -> None:
    """The collecting timer runs only while work is pending: an idle app is not woken up."""
    errors: list[BaseException] = []
    runner = TaskRunner(on_error=errors.append)
    assert not collecting(runner)
    gate = threading.Event()
    results: list[object] = []
    runner.run(lambda: gate.wait(10), results.append)
    assert collecting(runner)
    gate.set()
    qtbot.waitUntil(lambda: results == [True], timeout=5000)
    assert not collecting(runner)
    runner.run(lambda: "waited", results.append)
    runner.wait()
    assert results == [True, "waited"]
    assert not collecting(runner)
    assert not errors
    runner.shutdown()


def test_work_started_by_a_callback_keeps_the_runner_busy(qtbot) -> None:
    """A chain of tasks is one busy period, not a flicker of False then True."""
    errors: list[BaseException] = []
    runner = TaskRunner(on_error=errors.append)
    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)
    results: list[int] = []

    def first(value: int) -> None:
        results.append(value)
        runner.run(lambda: 2, results.append)

    runner.run(lambda: 1, first)
    qtbot.waitUntil(lambda: results == [1, 2], timeout=5000)
    assert busy == [True, False]
    assert not collecting(runner)
    assert not errors
    runner.shutdown()


def test_shutdown_cancels_queued_work_and_stops_collecting(qtbot) -> None:
    errors: list[BaseException] = []
    runner = TaskRunner(on_error=errors.append, max_threads=1)
    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)
    started, gate = threading.Event(), threading.Event()
    results: list[str] = []

    def running() -> str:
        started.set()
        assert gate.wait(10)
        return "ran"

    runner.run(running, results.append)
    runner.run(lambda: "cancelled", results.append)
    assert started.wait(10)
    releaser = threading.Timer(0.05, gate.set)  # shutdown() waits for the running work
    releaser.start()
    runner.shutdown()
    releaser.join()
    runner.wait()  # delivers what ran; the cancelled work is no longer waited for
    assert results == ["ran"]
    assert busy == [True, False]
    assert not collecting(runner)
    assert not errors


# Run in a child interpreter: on the broken binding it dies, which must not take pytest along.
BINDING_PROBE = """
from PySide6.QtCore import QObject, Signal

class Emitter(QObject):
    ping = Signal(int)

emitter = Emitter()
emitter.ping.connect(lambda value: None)
for _ in range(20_000):
    emitter.setObjectName("x")  # a C++ void: returns None
    emitter.ping.emit(1)  # returns True
print("survived")
"""


def test_the_qt_binding_keeps_the_reference_counts_of_none_and_booleans() -> None:
    """Guards the PySide6 pin: 6.12.0 on CPython 3.11 aborts here, on any thread.

    It releases a reference to None on each call of a C++ void method, and to True on
    each signal emission, until the interpreter deallocates one of them and aborts.
    No task-runner design avoids that: every setText() does it. From CPython 3.12 those
    objects are immortal and this passes.
    """
    child = subprocess.run(
        [sys.executable, "-c", BINDING_PROBE], capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0 and "survived" in child.stdout, (
        f"exit {child.returncode}: {child.stderr[-600:]}"
    )
