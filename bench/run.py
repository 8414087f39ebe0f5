"""SPIP Desktop benchmarks: search, start-up and memory on a generated database.

Usage (from the repository root, in the project's virtualenv):

    python bench/run.py            # 250,000 people (database generated once, then reused)
    python bench/run.py --quick    # 20,000 people

Every figure is printed beside a baseline measured in the same run, as a ratio,
and the table is written to bench/results.md. Timings are never asserted by the
test suite: this script is where they are measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SPIP_DATA_DIR", tempfile.mkdtemp(prefix="spip-bench-"))
sys.path.insert(0, str(ROOT))

# What officers type: surnames, given names with accents typed without them, numbers.
TYPED = [
    "dupont",
    "martin",
    "helene",
    "francois",
    "laetitia",
    "coeur",
    "jean noel",
    "l'hopital",
    "lefevre",
    "petit",
    "2021-0001",
]


@dataclass
class Row:
    scenario: str
    p50: float
    p95: float
    unit: str
    baseline: str
    baseline_p50: float | None
    target: str
    ok: bool | None

    def ratio(self) -> str:
        if not self.baseline_p50:
            return "—"
        return f"{self.p50 / self.baseline_p50:.2f}×"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def schema_fingerprint() -> str:
    """A short digest of every table and index the models declare, and of the demo
    generator's code: a base made before a feature's tables lacks its demo rows, one made
    before an index was changed measures the old plans, and one made by an older generator
    holds other data."""
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.schema import CreateIndex, CreateTable

    from spip_desktop.db.models import Base

    dialect = sqlite_dialect.dialect()  # type: ignore[no-untyped-call]
    parts: list[str] = []
    for table in Base.metadata.sorted_tables:
        parts.append(str(CreateTable(table).compile(dialect=dialect)))
        parts += sorted(str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes)
    demo = sorted((ROOT / "spip_desktop" / "db").glob("demo*.py"))
    parts += [source.read_text(encoding="utf-8") for source in demo]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:8]


def ensure_database(persons: int, seed: int) -> tuple[Path, float | None]:
    from spip_desktop.db.migrate import SCHEMA_HEAD

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"bench-{persons}-{seed}-r{SCHEMA_HEAD}-{schema_fingerprint()}.sqlite3"
    if path.exists():
        return path, None
    command = [
        sys.executable,
        "-m",
        "spip_desktop",
        "--db",
        str(path),
        "demo",
        "--persons",
        str(persons),
        "--seed",
        str(seed),
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    return path, time.perf_counter() - start


def keystrokes() -> list[str]:
    """Every prefix an officer types on the way to each word."""
    return [word[:n] for word in TYPED for n in range(1, len(word) + 1)]


def bench_search_service(db: Path) -> tuple[list[float], list[float]]:
    from spip_desktop.app import settle_long_lived_objects
    from spip_desktop.bootstrap import open_services
    from spip_desktop.db_url import sqlite_file_url
    from spip_desktop.domain.model import PersonQuery
    from spip_desktop.domain.text import search_terms
    from spip_desktop.settings import Settings

    services = open_services(Settings(sqlite_file_url(db), data_directory=DATA / "tmp"))
    services.sign_in_command_line("bench search")  # sees the whole service, as a DPIP
    settle_long_lived_objects()  # as the application does once its window is ready
    raw = sqlite3.connect(db)
    service_ms: list[float] = []
    raw_ms: list[float] = []
    typed = keystrokes()
    for text in typed[:5]:  # warm the page cache as a running app would be
        services.persons.list_page(PersonQuery(text=text))
    for _ in range(3):
        for text in typed:
            start = time.perf_counter()
            services.persons.list_page(PersonQuery(text=text))
            service_ms.append((time.perf_counter() - start) * 1000)
            terms = search_terms(text)
            if not terms:
                continue
            match = " ".join(f'"{t}"*' for t in terms)
            start = time.perf_counter()
            raw.execute(
                "SELECT rowid FROM person_fts WHERE person_fts MATCH ? LIMIT 200", (match,)
            ).fetchall()
            raw_ms.append((time.perf_counter() - start) * 1000)
    raw.close()
    services.close()
    return service_ms, raw_ms


def bench_search_gui(db: Path) -> list[float]:
    """From the key press in the search box to the repainted list (real threads)."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from spip_desktop.app import make_application, settle_long_lived_objects
    from spip_desktop.bootstrap import open_services
    from spip_desktop.db_url import sqlite_file_url
    from spip_desktop.settings import Settings
    from spip_desktop.ui.main_window import MainWindow
    from spip_desktop.ui.prompter import Prompter
    from spip_desktop.ui.tasks import TaskRunner

    app = make_application([])
    services = open_services(Settings(sqlite_file_url(db), data_directory=DATA / "tmp"))
    window = MainWindow(Prompter(), TaskRunner(on_error=print))
    window.show()
    window.attach(services, services.sign_in_command_line("bench search gui"))
    settle_long_lived_objects()  # as the application does once its window is ready
    loaded = {"n": 0}
    assert window.persons_model is not None and window.persons_page is not None
    window.persons_model.page_loaded.connect(lambda: loaded.__setitem__("n", loaded["n"] + 1))
    deadline = time.perf_counter() + 30
    while loaded["n"] == 0 and time.perf_counter() < deadline:
        app.processEvents()
    page = window.persons_page
    samples: list[float] = []
    loop = QEventLoop()
    window.persons_model.page_loaded.connect(loop.quit)

    def wait_for_page() -> None:
        QTimer.singleShot(10_000, loop.quit)  # never hang the benchmark
        loop.exec()

    for word in TYPED * 2:
        if page.search_edit.text():
            page.search_edit.clear()
            wait_for_page()
        for char in word:
            # An officer types a key every 150 ms or so: the count of the previous
            # answer has finished by then. Wait for it, outside the measure.
            window.runner.wait()
            QApplication.processEvents()
            start = time.perf_counter()
            QTest.keyClick(page.search_edit, char if char != " " else Qt.Key.Key_Space)
            wait_for_page()  # sleeps in Qt's event loop until the page is in the model
            page.table.viewport().repaint()
            samples.append((time.perf_counter() - start) * 1000)
    window.runner.wait()
    services.close()
    return samples


BARE_WINDOW = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
    marks = {}
    class First(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and "painted" not in marks:
                marks["painted"] = 0.0
                QTimer.singleShot(0, done)  # the app measures the same way
            return False
    def done():
        marks["painted"] = time.time()
        app.quit()
    app = QApplication([])
    first = First()
    app.installEventFilter(first)
    window = QMainWindow()
    window.setCentralWidget(QLabel("SPIP"))
    window.resize(1380, 860)
    window.show()
    app.exec()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            marks["rss_kib"] = int(line.split()[1])
    Path(sys.argv[1]).write_text(json.dumps(marks))
    """
)


def bench_startup(db: Path, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {
        "bare": [],
        "painted": [],
        "ready": [],
        "rss": [],
        "bare_rss": [],
    }
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.json"
        script = Path(tmp) / "bare.py"
        script.write_text(BARE_WINDOW)
        for _ in range(runs):
            start = time.time()
            subprocess.run(
                [sys.executable, str(script), str(probe)], check=True, env=env, timeout=120
            )
            marks = json.loads(probe.read_text())
            out["bare"].append((marks["painted"] - start) * 1000)
            out["bare_rss"].append(marks["rss_kib"] / 1024)
            start = time.time()
            subprocess.run(
                [sys.executable, "-m", "spip_desktop", "--db", str(db)],
                check=True,
                env={**env, "SPIP_STARTUP_PROBE": str(probe)},
                timeout=120,  # a start that asks a question (an error) never ends
            )
            marks = json.loads(probe.read_text())
            out["painted"].append((marks["painted"] - start) * 1000)
            out["ready"].append((marks["ready"] - start) * 1000)
            out["rss"].append(marks["rss_kib"] / 1024)
    return out


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 people")
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=5, help="start-up runs")
    args = parser.parse_args()
    persons = args.persons or (20_000 if args.quick else 250_000)

    db, generated = ensure_database(persons, args.seed)
    rows: list[Row] = []
    if generated is not None:
        rows.append(
            Row(
                f"demo: generate {persons:,} people",
                generated * 1000,
                generated * 1000,
                "ms",
                "—",
                None,
                "≤ 60 s at 250,000",
                generated <= 60,
            )
        )
    service_ms, raw_ms = bench_search_service(db)
    raw50 = statistics.median(raw_ms)
    rows.append(
        Row(
            "search, keystroke → rows (service layer)",
            statistics.median(service_ms),
            percentile(service_ms, 0.95),
            "ms",
            "raw FTS5 query (sqlite3)",
            raw50,
            "p95 ≤ 16 ms",
            percentile(service_ms, 0.95) <= 16,
        )
    )
    gui_ms = bench_search_gui(db)
    rows.append(
        Row(
            "search, keystroke → repainted list (Qt, offscreen)",
            statistics.median(gui_ms),
            percentile(gui_ms, 0.95),
            "ms",
            "raw FTS5 query (sqlite3)",
            raw50,
            "p95 ≤ 50 ms",
            percentile(gui_ms, 0.95) <= 50,
        )
    )
    start = bench_startup(db, args.runs)
    bare = statistics.median(start["bare"])
    painted = statistics.median(start["painted"])
    rows.append(
        Row(
            "start: process start → window painted",
            painted,
            percentile(start["painted"], 0.95),
            "ms",
            "bare PySide6 QMainWindow",
            bare,
            "≤ 2× baseline",
            painted <= 2 * bare,
        )
    )
    ready = statistics.median(start["ready"])
    rows.append(
        Row(
            "start: process start → sign-in form usable (base open)",
            ready,
            percentile(start["ready"], 0.95),
            "ms",
            "bare PySide6 QMainWindow",
            bare,
            "≤ 1,000 ms",
            ready <= 1000,
        )
    )
    rss = statistics.median(start["rss"])
    rows.append(
        Row(
            "memory: resident with the list open",
            rss,
            max(start["rss"]),
            "MB",
            "bare PySide6 QMainWindow",
            statistics.median(start["bare_rss"]),
            "≤ 300 MB",
            rss <= 300,
        )
    )

    lines = [
        f"# Benchmark results — {persons:,} people",
        "",
        f"Machine: {machine()}.  ",
        f"Command: `python bench/run.py{' --quick' if args.quick else ''}` "
        f"({time.strftime('%Y-%m-%d %H:%M')}).",
        "",
        "| Scenario | p50 | p95 | Baseline (p50) | Ratio | Target | Result |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        base = f"{row.baseline}: {row.baseline_p50:.1f} {row.unit}" if row.baseline_p50 else "—"
        verdict = "—" if row.ok is None else ("OK" if row.ok else "NOT MET")
        lines.append(
            f"| {row.scenario} | {row.p50:.1f} {row.unit} | {row.p95:.1f} {row.unit} | "
            f"{base} | {row.ratio()} | {row.target} | {verdict} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    name = "results-run-quick.md" if args.quick else "results-run.md"  # results.md: the suite
    (ROOT / "bench" / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
