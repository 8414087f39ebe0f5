"""What [5/6 Monthly summary] costs: the figures of a month, the PDF export, the month switch.

Usage (repository root, project virtualenv)::

    python bench/summary.py            # the 250,000-person base of bench/run.py
    python bench/summary.py --quick    # 20,000 people

The base is the demonstration base of ``bench/run.py`` (named after the schema head,
generated once, then reused). The month is the last complete one (the one usually
sent). Targets (issue [5/6]):

a. every indicator of one month, through ``SummaryService.month_summary`` (the single
   month the page's ``summary`` computes twice, with the month before), for the whole
   service, the busiest antenne and the busiest CPIP: at most 1 s, and at most 1.5 times
   the hand-written SQL script of ``bench/summary_reference.py`` (the same figures, one
   plain statement after the other, no application code) timed in the same run,
   interleaved with it. The pair ``summary`` (month and previous month) is timed too;
b. the PDF export, ``SummaryService.export`` (figures, layout, file, register): at most 3 s;
c. the real ``SummaryPage`` offscreen, with the real task runner: a 10 ms heartbeat timer
   on the GUI thread while the user steps back ten months with ◀ (each time waiting for
   the figures), no gap over 100 ms.

The statements the service runs for one month are captured (engine events) and timed one
by one; the slowest are written to bench/results-summary.md with their
``EXPLAIN QUERY PLAN``.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import itertools
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, ensure_database, machine, percentile  # also: offscreen, SPIP_DATA_DIR

sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text

from bench.summary_reference import Value, reference_figures
from spip_desktop.bootstrap import Services, open_services
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.summary import ExportFormat, Month, SummaryScope
from spip_desktop.settings import Settings

TARGET_MONTH = 1000.0  # ms, one month's figures
TARGET_RATIO = 1.5  # against the hand-written SQL
TARGET_PDF = 3000.0  # ms
TARGET_STALL = 100.0  # ms, longest heartbeat gap
HEARTBEAT_MS = 10
SWITCHES = 10


@dataclass
class Result:
    scenario: str
    samples: list[float]
    baseline: str = ""
    baseline_samples: list[float] = field(default_factory=list)
    target: str = "—"
    ok: bool | None = None
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return float(percentile(self.samples, 0.95))

    @property
    def base50(self) -> float | None:
        return statistics.median(self.baseline_samples) if self.baseline_samples else None


def fmt(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"


def clocked(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


class StatementTimes:
    """Every SELECT the engine runs while active, with its parameters and duration."""

    def __init__(self, services: Services) -> None:
        self.engine = services.engine
        self.statements: list[tuple[str, Any, float]] = []
        self._started: dict[int, float] = {}  # by cursor: statements may run side by side

    def _before(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        took = (time.perf_counter() - self._started.pop(id(cursor))) * 1000
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters, took))

    def __enter__(self) -> StatementTimes:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def slowest(self, db: Path, count: int) -> list[str]:
        """The ``count`` slowest statements, each with its duration and query plan."""
        out: list[str] = []
        ordered = sorted(self.statements, key=lambda s: s[2], reverse=True)[:count]
        with sqlite3.connect(db) as raw:
            for statement, parameters, took in ordered:
                rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
                flat = " ".join(statement.split())
                out.append(f"-- {took:.1f} ms: {flat[:300]}{'…' if len(flat) > 300 else ''}")
                out.extend(f"    {detail}" for *_ids, detail in rows)
                out.append("")
        return out


def busiest(services: Services, column: str) -> int:
    with services.engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    f"SELECT {column} FROM person WHERE {column} IS NOT NULL "
                    f"GROUP BY {column} ORDER BY COUNT(*) DESC, {column} LIMIT 1"
                )
            ).scalar_one()
        )


def scope_people(services: Services, scope: SummaryScope) -> int:
    column = {"antenne": "antenne_id", "referent": "referent_id"}.get(scope.kind.value)
    sql = "SELECT COUNT(*) FROM person"
    if column:
        sql += f" WHERE {column} = {int(scope.target_id or 0)}"
    with services.engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


def reference(
    services: Services, month: Month, scope: SummaryScope, today: date
) -> dict[str, Value]:
    with services.engine.connect() as connection:
        return reference_figures(connection, month, scope, today)


def bench_month(
    services: Services, db: Path, month: Month, today: date, repeat: int
) -> tuple[list[Result], list[str]]:
    scopes = [
        ("whole service", SummaryScope.service()),
        ("busiest antenne", SummaryScope.antenne(busiest(services, "antenne_id"))),
        ("busiest CPIP", SummaryScope.referent(busiest(services, "referent_id"))),
    ]
    results: list[Result] = []
    plans: list[str] = []
    for label, scope in scopes:
        people = scope_people(services, scope)
        start = time.perf_counter()
        shown = services.summary.month_summary(month, scope)  # warm: modules, page cache
        # Fewer rounds when one takes seconds (p95 of 5 rounds is their maximum).
        rounds = repeat if time.perf_counter() - start < 2 else min(repeat, 5)
        expected = reference(services, month, scope, today)
        got = {f.code: f.value for f in shown.figures}
        differing = sorted(
            code
            for code in set(got) | set(expected)
            if got.get(code, 0 if "/" in code else None)
            != expected.get(code, 0 if "/" in code else None)
        )
        with StatementTimes(services) as log:
            logged = clocked(partial(services.summary.month_summary, month, scope))
        in_sql = sum(took for *_, took in log.statements)
        plans += [f"### {label} ({scope.key}), {len(log.statements)} statements", "", "```"]
        plans += log.slowest(db, 3)
        plans += ["```", ""]
        service_ms: list[float] = []
        reference_ms: list[float] = []
        pair_ms: list[float] = []
        for _ in range(rounds):  # interleaved: both see the same machine
            service_ms.append(clocked(partial(services.summary.month_summary, month, scope)))
            reference_ms.append(clocked(partial(reference, services, month, scope, today)))
        for _ in range(max(3, rounds // 3)):
            pair_ms.append(clocked(partial(services.summary.summary, month, scope)))
        p95 = percentile(service_ms, 0.95)
        ratio = statistics.median(service_ms) / statistics.median(reference_ms)
        note = (
            "same figures as the reference"
            if not differing
            else f"{len(differing)} lines differ from the reference: {', '.join(differing[:6])}"
        )
        note += (
            f"; one run logged: {fmt(logged)} wall, its {len(log.statements)} statements "
            f"{fmt(in_sql)} in all (some run side by side)"
        )
        results.append(
            Result(
                f"a. {month}, {label} ({people:,} people): one month, `month_summary`",
                service_ms,
                "hand-written SQL script",
                reference_ms,
                f"p95 ≤ {TARGET_MONTH:.0f} ms and ≤ {TARGET_RATIO}× the script",
                p95 <= TARGET_MONTH and ratio <= TARGET_RATIO,
                note,
            )
        )
        results.append(
            Result(
                f"a'. {month} and {month.previous}, {label}: `summary` (what the page asks)",
                pair_ms,
                "hand-written SQL script, one month",
                reference_ms,
            )
        )
    return results, plans


def bench_pdf(services: Services, month: Month, work: Path, repeat: int) -> Result:
    scope = SummaryScope.service()
    samples = []
    size = 0
    for n in range(repeat + 1):
        out = work / f"synthese-{n}.pdf"
        took = clocked(partial(services.summary.export, month, scope, ExportFormat.PDF, out))
        size = out.stat().st_size
        out.unlink()
        if n:  # the first one is the warm-up (fonts, ReportLab)
            samples.append(took)
    return Result(
        f"b. PDF export, {month}, whole service ({size / 1024:.0f} KB, registered)",
        samples,
        target=f"p95 ≤ {TARGET_PDF / 1000:.0f} s",
        ok=percentile(samples, 0.95) <= TARGET_PDF,
    )


class Heartbeat:
    """A 10 ms timer on the GUI thread; every tick's time kept."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self.timer.start()

    def gaps(self, start: float, end: float) -> list[float]:
        """Milliseconds between consecutive ticks over [start, end] (the ticks around it
        included)."""
        before = [t for t in self.ticks if t < start][-1:]
        inside = [t for t in self.ticks if start <= t <= end]
        after = [t for t in self.ticks if t > end][:1]
        marks = before + inside + after
        return [(b - a) * 1000 for a, b in itertools.pairwise(marks)]

    def worst(self, start: float, end: float) -> tuple[float, float]:
        """The longest gap between ticks over [start, end]: (its first tick, its last)."""
        marks = [t for t in self.ticks if start <= t <= end]
        return max(itertools.pairwise(marks), key=lambda pair: pair[1] - pair[0])


def overlapping(gap: tuple[float, float], spans: list[tuple[float, float]]) -> float:
    """Milliseconds of ``spans`` that fall inside ``gap``."""
    return sum(max(0.0, min(b, gap[1]) - max(a, gap[0])) for a, b in spans) * 1000


def bench_gui(services: Services) -> list[Result]:
    """The real SummaryPage, offscreen: ◀ ten times, each time until the figures are shown."""
    from PySide6.QtCore import QEventLoop, QTimer

    from spip_desktop.app import make_application, settle_long_lived_objects
    from spip_desktop.ui.prompter import Prompter
    from spip_desktop.ui.summary_page import SummaryPage
    from spip_desktop.ui.tasks import TaskRunner

    class Runner(TaskRunner):
        """The real TaskRunner, counting what is still to come back (to know when idle)."""

        outstanding = 0
        callbacks: ClassVar[list[tuple[float, float]]] = []  # GUI thread: (start, end)

        def run(self, work, on_done, on_error=None):  # type: ignore[no-untyped-def]
            self.outstanding += 1
            fail = on_error or self._on_error

            def done(value: object) -> None:
                began = time.perf_counter()
                try:
                    on_done(value)
                finally:
                    self.callbacks.append((began, time.perf_counter()))
                    self.outstanding -= 1

            def failed(error: BaseException) -> None:
                try:
                    fail(error)
                finally:
                    self.outstanding -= 1

            super().run(work, done, failed)

    errors: list[str] = []

    class BenchPrompter(Prompter):
        def error(self, title: str, text: str) -> None:
            errors.append(f"{title}: {text}")

        def inform(self, title: str, text: str) -> None:
            errors.append(f"{title}: {text}")

    def spin(until: Callable[[], bool], timeout: float = 600) -> None:
        """Sleep in Qt's event loop until ``until()`` (polled every 5 ms)."""
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(5)

        def check() -> None:
            if until():
                loop.quit()

        poll.timeout.connect(check)
        poll.start()
        QTimer.singleShot(int(timeout * 1000), loop.quit)
        loop.exec()
        poll.stop()
        if not until():
            raise TimeoutError("the page did not show the figures")

    def pause(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(round(seconds * 1000), loop.quit)
        loop.exec()

    make_application([])
    runner = Runner(on_error=lambda e: errors.append(f"task failed: {e!r}"))
    page = SummaryPage(services.summary, runner, BenchPrompter())
    page.resize(1380, 900)
    page.show()  # the first show loads the day, the scopes and the register, then computes
    spin(lambda: runner.outstanding == 0 and page.selected_month() is not None)
    pause(0.3)
    spin(lambda: runner.outstanding == 0)
    settle_long_lived_objects()  # as the application does once its window is ready
    beat = Heartbeat()
    idle_start = time.perf_counter()
    pause(1.0)
    idle = beat.gaps(idle_start + 0.05, time.perf_counter())
    waits: list[float] = []
    gaps: list[float] = []
    clicks: list[tuple[float, float]] = []
    repaints: list[float] = []  # a full repaint of the page, once its figures are shown
    months = []
    collections: list[tuple[float, float]] = []  # garbage collections, any thread
    generations: list[int] = []
    began: list[float] = []

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began.append(time.perf_counter())
        elif began:
            collections.append((began.pop(), time.perf_counter()))
            generations.append(info["generation"])

    gc.callbacks.append(collected)
    first = time.perf_counter()
    runner.callbacks.clear()
    for _ in range(SWITCHES):
        start = time.perf_counter()
        page.go_previous()
        clicks.append((start, time.perf_counter()))
        spin(lambda: runner.outstanding == 0)
        end = time.perf_counter()
        waits.append((end - start) * 1000)
        gaps += beat.gaps(start, end)
        months.append(page.selected_month())
        pause(0.1)  # the user reads the figures
        repaints.append(clocked(page.repaint))
    last = time.perf_counter()
    gc.callbacks.remove(collected)
    page.close()
    worst = max(gaps)
    gap = beat.worst(first, last)
    longest_callback = max((b - a) * 1000 for a, b in runner.callbacks)
    longest_click = max((b - a) * 1000 for a, b in clicks)
    click = max(c for c in clicks if c[0] <= gap[0])
    longest_gc, longest_generation = max(
        (((b - a) * 1000, g) for (a, b), g in zip(collections, generations, strict=True)),
        default=(0.0, 0),
    )
    full = sum(1 for g in generations if g == 2)
    delivered = min((a for a, _ in runner.callbacks if a >= click[0]), default=last)
    phase = "before" if gap[1] <= delivered else "after"
    where = (
        f"longest gap from +{(gap[0] - click[0]) * 1000:.0f} ms after a click, {phase} its "
        f"result was delivered (+{(delivered - click[0]) * 1000:.0f} ms); "
        f"{overlapping(gap, runner.callbacks):.0f} ms of it in the page's result callbacks "
        f"(GUI thread), {overlapping(gap, clicks):.0f} ms in the click handler, "
        f"{overlapping(gap, collections):.0f} ms in garbage collections (longest: "
        f"{longest_gc:.0f} ms, generation {longest_generation}; {full} full collections in "
        "all). Longest "
        f"result callback {longest_callback:.0f} ms, click handler {longest_click:.0f} ms, "
        f"full repaint of the page p50 {statistics.median(repaints):.0f} ms, max "
        f"{max(repaints):.0f} ms"
    )
    shown = f"{months[0]} back to {months[-1]}" if months else ""
    if errors:
        shown += "; the page said: " + " | ".join(errors[:3])
    return [
        Result(
            f"c. GUI: ◀ {SWITCHES} times ({shown}), click → figures shown",
            waits,
            note="each switch computes the month and the one before on the task runner",
        ),
        Result(
            f"c. GUI: heartbeat gap (10 ms timer) during those switches, max {fmt(worst)}",
            gaps,
            "heartbeat, event loop idle",
            idle,
            f"max ≤ {TARGET_STALL:.0f} ms",
            worst <= TARGET_STALL,
            where,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 people")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=15, help="rounds per figure (5 if slow)")
    parser.add_argument(
        "--only",
        choices=("month", "pdf", "gui"),
        action="append",
        help="run these scenarios only (printed, not written to the results file)",
    )
    args = parser.parse_args()
    # Bytecode ahead of time, as an installed package (and `make`) has it.
    compileall.compile_dir(ROOT / "spip_desktop", quiet=1)
    persons = 20_000 if args.quick else 250_000
    db, generated = ensure_database(persons, args.seed)
    today = date.today()
    month = Month.of(today).previous
    work = Path(tempfile.mkdtemp(prefix="spip-bench-summary-"))
    gc.freeze()  # as the application does at start-up (spip_desktop/app.py)
    services = open_services(
        Settings(sqlite_file_url(db), data_directory=ROOT / "bench" / "data" / "tmp"),
        today=lambda: today,
    )
    services.sign_in_command_line("bench summary")
    try:
        with sqlite3.connect(db) as conn:
            counts = {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in (
                    "person",
                    "measure",
                    "rights_step",
                    "rights_step_update",
                    "journal_entry",
                    "stage_session",
                    "attendance",
                )
            }
        only = set(args.only or ("month", "pdf", "gui"))
        results: list[Result] = []
        plans: list[str] = []
        if "month" in only:
            results, plans = bench_month(services, db, month, today, args.repeat)
        if "pdf" in only:
            results.append(bench_pdf(services, month, work, 3))
        if "gui" in only:
            results += bench_gui(services)
    finally:
        services.close()
    lines = [
        f"# [5/6] Monthly summary — {persons:,} people",
        "",
        f"Machine: {machine()}.  ",
        f"Command: `python bench/summary.py{' --quick' if args.quick else ''}` "
        f"({time.strftime('%Y-%m-%d %H:%M')}).  ",
        "Base: "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items())
        + (f" (generated in {generated:.0f} s)" if generated else "")
        + ".",
        "",
        "| Scenario | p50 | p95 | Baseline (p50) | Ratio | Target | Result | Note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        base = f"{r.baseline}: {fmt(r.base50)}" if r.base50 is not None else "—"
        ratio = f"{r.p50 / r.base50:.2f}×" if r.base50 else "—"
        verdict = "—" if r.ok is None else ("OK" if r.ok else "**NOT MET**")
        lines.append(
            f"| {r.scenario} | {fmt(r.p50)} | {fmt(r.p95)} | {base} | {ratio} | {r.target} "
            f"| {verdict} | {r.note} |"
        )
    lines += [
        "",
        "## The service's slowest statements for one month (EXPLAIN QUERY PLAN)",
        "",
        *plans,
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.only:
        name = "results-summary-quick.md" if args.quick else "results-summary.md"
        (ROOT / "bench" / name).write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
