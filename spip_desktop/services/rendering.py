"""Lay out large batches of attestations (and long chronologies) in a child process.

ReportLab is pure Python: laying out 500 attestations on a worker thread holds the
interpreter lock for seconds, and every repaint of the window (item delegates, models
written in Python) then waits for it; the benchmark measured stalls of more than a
second. A child process has an interpreter of its own: the GUI thread keeps its lock,
and the worker thread only waits on a pipe.

The child receives plain data (frozen dataclasses), sends back progress messages and
the PDF bytes, and stops at the next document when told to cancel. It is started with
``spawn`` (never ``fork``: the parent runs Qt and database threads).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection

from ..domain.documents import AttestationDocument, Letterhead, PrintStamp
from ..domain.errors import SpipError
from ..reports import TimelineReport, build_attestation, build_attestations, build_timeline
from ..reports.layout import Cancelled

log = logging.getLogger(__name__)

Batch = Sequence[tuple[AttestationDocument, bool]]
"""Attestations to lay out, each with whether it is a duplicata."""

CANCEL = "cancel"
INTERRUPTED = (
    "La production des attestations s'est interrompue avant la fin : aucune attestation "
    "n'a été délivrée. Recommencez ; si cela se reproduit, le journal technique en dit plus."
)


def _keep_going(connection: Connection, done: int) -> bool:
    """Report progress; ``False`` once the parent asked to cancel."""
    connection.send(("progress", done))
    return not (connection.poll() and connection.recv() == CANCEL)


def _child(connection: Connection) -> None:  # pragma: no cover - runs in the child process
    """Wait for the batch (the parent starts the process early, while it registers the
    numbers), lay it out, send the PDFs back."""
    try:
        batch, head, stamp, combined = connection.recv()
    except EOFError:  # the parent gave up before sending anything
        connection.close()
        return
    try:
        if combined:
            pdf = build_attestations(
                batch, head, stamp, progress=lambda done: _keep_going(connection, done)
            )
            connection.send(("part", pdf))
        else:
            for done, (document, duplicata) in enumerate(batch, start=1):
                connection.send(
                    ("part", build_attestation(document, head, stamp, duplicata=duplicata))
                )
                if not _keep_going(connection, done):
                    raise Cancelled()
        connection.send(("end", None))
    except Cancelled:
        connection.send(("cancelled", None))
    except BaseException as error:  # the parent logs it and tells the user
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


class BatchRenderer:
    """A child process that lays out one batch; start it early, it imports ReportLab while
    the caller registers the numbers. ``close()`` (or ``with``) always reaps it."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, theirs = context.Pipe()
        self._child = context.Process(target=_child, args=(theirs,), name="spip-attestations")
        self._child.daemon = True
        self._child.start()
        theirs.close()

    def __enter__(self) -> BatchRenderer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._pipe.close()
        self._child.join(timeout=10)
        if self._child.is_alive():
            self._child.kill()
            self._child.join()

    def render(
        self,
        batch: Batch,
        head: Letterhead,
        stamp: PrintStamp,
        combined: bool,
        on_part: Callable[[bytes], None],
        on_progress: Callable[[int, int], bool] | None = None,
    ) -> None:
        """Lay ``batch`` out in the child process.

        ``on_part`` receives each PDF as it arrives: the combined PDF once, or one PDF per
        attestation in order. ``on_progress(done, total)`` returning ``False`` cancels:
        :class:`Cancelled` is raised once the child has stopped. Errors of ``on_part``
        (a full disk) stop the child too (it finds the pipe closed).
        """
        mine = self._pipe
        try:
            mine.send((list(batch), head, stamp, combined))
        except OSError:
            log.error("the attestation process is gone (exit %s)", self._child.exitcode)
            raise SpipError(INTERRUPTED) from None
        total = len(batch)
        cancelled = False
        while True:
            try:
                kind, value = mine.recv()
            except EOFError:
                log.error(
                    "the attestation process ended without a word (exit %s)", self._child.exitcode
                )
                raise SpipError(INTERRUPTED) from None
            if kind == "progress":
                if not cancelled and on_progress is not None and not on_progress(value, total):
                    cancelled = True  # the child may have finished already: cancel all the same
                    with contextlib.suppress(OSError):
                        mine.send(CANCEL)
            elif kind == "part":
                if not cancelled:
                    on_part(value)
            elif kind == "end":
                if cancelled:
                    raise Cancelled()
                return
            elif kind == "cancelled":
                raise Cancelled()
            else:
                log.error("the attestation process failed: %s", value)
                raise SpipError(INTERRUPTED)


# -- the chronology of a person --------------------------------------------------------------

#: From this many events a chronology is laid out in a child process: 2,000 events take
#: ReportLab about two seconds, and on a worker thread that held the interpreter lock long
#: enough to stall the window's repaints by 200 ms. A short chronology (the usual case, a
#: few dozen events) is quicker laid out at once than a process is started.
CHILD_LAYOUT_EVENTS = 300
TIMELINE_INTERRUPTED = (
    "L'édition de la chronologie s'est interrompue avant la fin : rien n'a été imprimé. "
    "Recommencez ; si cela se reproduit, le journal technique en dit plus."
)


def _layout_timeline(report: TimelineReport, head: Letterhead, stamp: PrintStamp) -> bytes:
    """In the child process (module level: what ``spawn`` can find by name)."""
    return build_timeline(report, head, stamp)


def render_timeline(report: TimelineReport, head: Letterhead, stamp: PrintStamp) -> bytes:
    """The chronology's PDF: in a child process when it is long (see above)."""
    if len(report.timeline.events) < CHILD_LAYOUT_EVENTS:
        return build_timeline(report, head, stamp)
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(_layout_timeline, report, head, stamp).result()
    except BrokenProcessPool:
        log.error("the chronology process ended without its PDF")
        raise SpipError(TIMELINE_INTERRUPTED) from None
