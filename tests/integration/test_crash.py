"""Crash test: SIGKILL a writer at random moments; nothing it reported committed may be lost.

A child process (``crash_child.py``) writes through the services, as an officer would,
and prints a promise after every call that returned (so after its commit). Each round
starts a child on the same database file, kills it with SIGKILL at a random moment --
while it opens and migrates the file, or deep in its write loop -- and checks a copy of
what it left (the file and its WAL, exactly as the next start finds them):

- ``PRAGMA integrity_check`` is ``ok``, ``PRAGMA foreign_key_check`` is empty, the FTS5
  index agrees with the ``person`` table, and the schema is all or nothing;
- the audit chain verifies, and holds exactly one entry per committed call;
- every promise is kept: each person's file is exactly as the latest promise about it
  says (identity, closure, versions, measures and their obligations; a deleted measure is
  gone), nothing else exists, the stored key-date projection matches the measures. The
  one call in flight at the kill may have committed or not, but nothing in between.

Zero losses is the only pass. After the last round the application opens the file
normally and finds the same people.

Runs 50 kills by default (about 30 s on two cores). More, for a soak run::

    SPIP_CRASH_KILLS=500 .venv/bin/pytest tests/integration/test_crash.py

``SPIP_CRASH_SEED=n`` replays a run's random choices (shown in any failure; the kill
moments are wall-clock times, so a replay is close but not identical).

Most rounds fork the child from a server process that has done the imports already
(a round then costs milliseconds instead of a second of imports); every tenth round
starts a fresh interpreter instead. Linux only (SIGKILL, fork, pidfd).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import pytest

from spip_desktop.bootstrap import open_services
from spip_desktop.db.audit import verify
from spip_desktop.db.engine import create_engine_for
from spip_desktop.db.migrate import SCHEMA_HEAD
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain import rules
from spip_desktop.domain.enums import FileStatus, MeasureType
from spip_desktop.domain.model import MeasureDraft, PersonQuery
from spip_desktop.domain.security import Role, User
from spip_desktop.services.passwords import fast_passwords
from spip_desktop.settings import Settings

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(os, "pidfd_open"),
    reason="SIGKILL, fork and pidfd: Linux only",
)

ROOT = Path(__file__).resolve().parents[2]
CHILD = "tests.integration.crash_child"
KILLS = int(os.environ.get("SPIP_CRASH_KILLS", "50"))
COLD_EVERY = 10  # every tenth round starts a fresh interpreter instead of forking
STARTUP_SHARE = 0.2  # share of rounds killed while the child opens the database
WRITE_WINDOW = 1.0  # seconds: the write-loop kills fall in [0, WRITE_WINDOW) after READY
MIGRATION_WINDOW = 0.02  # seconds, doubled after each kill that found no migrated file
LINE_TIMEOUT = 60.0  # seconds without any line: the child hangs
EXIT_LINE = re.compile(r"EXIT (-?\d+)\n$")


# -- the child processes -----------------------------------------------------------------


class Lines:
    """A stream's lines, read by a thread into a queue (``None`` at end of file)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.queue: queue.Queue[bytes | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[bytes]) -> None:
        for line in iter(stream.readline, b""):
            self.queue.put(line)
        self.queue.put(None)

    def get(self, timeout: float) -> bytes | None:
        try:
            return self.queue.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            raise TimeoutError from None


class Run:
    """One child, forked by the server or started cold; its lines until it ended."""

    def __init__(self, pid: int, lines: Lines, proc: subprocess.Popen[bytes] | None) -> None:
        self.pid = pid
        self._lines = lines
        self._proc = proc
        self.exit_code: int | None = None
        self.torn = ""  # an incomplete last line (never a promise)
        self._pidfd: int | None = None
        if proc is None:
            with contextlib.suppress(ProcessLookupError):  # already gone: nothing to kill
                self._pidfd = os.pidfd_open(pid)

    def next_line(self, timeout: float) -> str | None:
        """The next whole line of the child; ``None`` once it has ended."""
        if self.exit_code is not None:
            return None
        raw = self._lines.get(timeout)
        if self._proc is not None:  # cold: end of file is the end of the child
            if raw is None or not raw.endswith(b"\n"):
                self.torn = (raw or b"").decode(errors="replace")
                self.exit_code = self._proc.wait()
                return None
            return raw.decode()
        if raw is None:
            raise AssertionError("the fork server stopped (see its standard error)")
        text = raw.decode(errors="replace")
        ended = EXIT_LINE.search(text)
        if ended:  # the server's report; anything before it is a torn line of the child
            self.torn = text[: ended.start()]
            self.exit_code = int(ended.group(1))
            return None
        return text

    def kill(self) -> None:
        """SIGKILL the child, never another process that got its pid."""
        with contextlib.suppress(ProcessLookupError):
            if self._proc is not None:
                self._proc.send_signal(signal.SIGKILL)
            elif self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    def close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        if self._proc is not None and self._proc.returncode is None:
            self._proc.wait(timeout=LINE_TIMEOUT)


class Children:
    """Starts children on one database: forked from a server, or fresh interpreters."""

    def __init__(self, db: Path, stderr: IO[bytes]) -> None:
        self.db = db
        self.stderr = stderr
        self.server: subprocess.Popen[bytes] | None = None
        self.server_lines: Lines | None = None

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", CHILD, *args]

    def start(self, seed: int, cold: bool) -> Run:
        if cold:
            proc = subprocess.Popen(
                self._command(str(self.db), str(seed)),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
            )
            assert proc.stdout is not None
            return Run(proc.pid, Lines(proc.stdout), proc)
        if self.server is None:
            self.server = subprocess.Popen(
                self._command("--serve", str(self.db)),
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
            )
            assert self.server.stdout is not None
            self.server_lines = Lines(self.server.stdout)
        assert self.server.stdin is not None and self.server_lines is not None
        self.server.stdin.write(f"RUN {seed}\n".encode())
        self.server.stdin.flush()
        first = self.server_lines.get(LINE_TIMEOUT)
        if first is None or not first.startswith(b"PID "):
            raise AssertionError(f"the fork server answered {first!r} (see its standard error)")
        return Run(int(first.split()[1]), self.server_lines, None)

    def close(self) -> None:
        if self.server is None:
            return
        assert self.server.stdin is not None
        self.server.stdin.close()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        self.server = None


# -- one round ---------------------------------------------------------------------------


@dataclass
class Round:
    number: int
    seed: int
    cold: bool
    phase: str  # "migration", "start-up" or "write loop"
    anchor: str  # the child's line the delay counts from: OPENING or READY
    delay: float
    lines: list[str] = field(default_factory=list)
    killed_after: float | None = None  # seconds since the child was started
    open_time: float | None = None  # seconds from OPENING to READY
    exit_code: int | None = None
    torn: str = ""
    landed: str = ""  # where the kill fell: "start-up" (before READY) or "write loop"

    def describe(self) -> str:
        how = "fresh interpreter" if self.cold else "forked child"
        when = (
            f"SIGKILL {self.killed_after:.3f} s after start, in the {self.landed}"
            if self.killed_after is not None
            else "never killed"
        )
        return (
            f"round {self.number} (child seed {self.seed}, {how}): planned kill in the "
            f"{self.phase}, {self.delay * 1000:.1f} ms after {self.anchor}; {when}; "
            f"{len(self.lines)} whole lines read, exit code {self.exit_code}"
            + (f", torn last line {self.torn[:80]!r}" if self.torn else "")
        )


def play(children: Children, rnd: Round) -> None:
    """Start the child, kill it at the planned moment, keep every whole line it wrote."""
    started = time.monotonic()
    run = children.start(rnd.seed, rnd.cold)
    anchor_at: float | None = None
    opening_at: float | None = None
    try:
        while True:
            if anchor_at is None:
                timeout = LINE_TIMEOUT
            else:
                timeout = anchor_at + rnd.delay - time.monotonic()
                if timeout <= 0:
                    break
            try:
                line = run.next_line(timeout)
            except TimeoutError:
                if anchor_at is None:
                    raise AssertionError(
                        f"{rnd.describe()}: no {rnd.anchor} within {LINE_TIMEOUT} s"
                    ) from None
                break
            if line is None:  # ended before the kill: by itself
                break
            now = time.monotonic()
            rnd.lines.append(line)
            if line == "OPENING\n":
                opening_at = now
            elif line == "READY\n" and opening_at is not None:
                rnd.open_time = now - opening_at
            if anchor_at is None and line == f"{rnd.anchor}\n":
                anchor_at = now
        if run.exit_code is None:
            run.kill()
            rnd.killed_after = time.monotonic() - started
            rnd.landed = "write loop" if "READY\n" in rnd.lines else "start-up"
        # Lines still in the pipe were written before the child died: promises too.
        while (line := run.next_line(LINE_TIMEOUT)) is not None:
            rnd.lines.append(line)
            if line == "READY\n" and opening_at is not None and rnd.open_time is None:
                rnd.open_time = 0.0  # read late: unknown
    finally:
        if run.exit_code is None:  # the test failed before the kill: leave nothing running
            run.kill()
        run.close()
    rnd.exit_code = run.exit_code
    rnd.torn = run.torn


# -- what the children promised ----------------------------------------------------------


@dataclass
class Pending:
    """The call in flight at the kill: it may have committed or not."""

    op: str
    intent: dict[str, Any]
    where: str


@dataclass
class Model:
    """The database as the promises say it must be."""

    persons: dict[int, dict[str, Any]] = field(default_factory=dict)
    source: dict[int, str] = field(default_factory=dict)  # which promise, for messages
    refs: dict[tuple[str, str], int] = field(default_factory=dict)
    views: Counter[int] = field(default_factory=Counter)
    committed: int = 0  # calls known committed: one audit entry each
    promises: int = 0  # COMMITTED lines read
    in_flight_committed: int = 0  # calls in flight at a kill that turned out committed

    def apply(self, rnd: Round) -> tuple[Pending | None, list[str]]:
        """Take in a round's promises; return the call left in flight, and any anomaly."""
        problems: list[str] = []
        intent: dict[str, Any] | None = None
        intent_where = ""
        for number, line in enumerate(rnd.lines, 1):
            keyword, _, payload = line.rstrip("\n").partition(" ")
            where = f"round {rnd.number} line {number}"
            if keyword in ("OPENING", "READY"):
                continue
            if keyword not in ("INTENT", "COMMITTED"):
                problems.append(f"{where}: unexpected line {line!r}")
                continue
            data = json.loads(payload)
            if keyword == "INTENT":
                if intent is not None:
                    problems.append(f"{where}: a second INTENT before the first COMMITTED")
                intent, intent_where = data, where
                continue
            if intent is None or intent["op"] != data["op"]:
                problems.append(f"{where}: COMMITTED without its INTENT: {line!r}")
            elif "expect" in intent and not matches(data["person"], intent["expect"]):
                # The INTENT lines say what an uncommitted call may leave: they must be right.
                problems.append(
                    f"{where}: the service returned {data['person']} "
                    f"where the test expected {intent['expect']}"
                )
            intent = None
            self.promises += 1
            self.committed += 1
            if data["op"] == "ref":
                self.refs[(data["table"], data["name"])] = data["id"]
                continue
            person = data["person"]
            self.persons[person["id"]] = person
            self.source[person["id"]] = f"{where} ({data['op']})"
            if data["op"] == "view":
                self.views[person["id"]] += 1
        if intent is None:
            return None, problems
        return Pending(intent["op"], intent, f"{intent_where} (in flight at the kill)"), problems


def matches(observed: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Equal, where an expected ``id`` of ``None`` and a measure keyed ``new`` are wildcards."""
    if expected["id"] is not None and observed["id"] != expected["id"]:
        return False
    skip = {"id", "measures"}
    if any(observed.get(k) != v for k, v in expected.items() if k not in skip):
        return False
    if set(observed) - set(expected):
        return False
    wanted = dict(expected["measures"])
    new = wanted.pop("new", None)
    got = dict(observed["measures"])
    if any(got.pop(key, None) != value for key, value in wanted.items()):
        return False
    if new is None:
        return not got
    return len(got) == 1 and next(iter(got.values())) == new


# -- reading the database ----------------------------------------------------------------


def _rows(db: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]]:
    return db.execute(sql).fetchall()


#: The columns of ``person`` a promise states (as ``crash_child.person_state`` names them).
PERSON_COLUMNS = (
    "id",
    "version",
    "file_number",
    "surname",
    "given_names",
    "address",
    "postal_code",
    "city",
    "regime",
    "establishment_id",
    "referent_id",
    "antenne_id",
    "closed_on",
    "closure_reason",
    "closure_note",
)
#: The stored projection of the main measure, which must agree with the measures.
PROJECTION = "main_measure_type, main_measure_end, sentence_end"


def read_state(db: sqlite3.Connection) -> dict[str, Any]:
    """Everything the promises speak of, read with plain SQL."""
    obligations: dict[int, list[list[str]]] = {}
    for measure_id, kind, details in _rows(
        db, "SELECT measure_id, kind, details FROM obligation ORDER BY measure_id, position, id"
    ):
        obligations.setdefault(measure_id, []).append([kind, details])
    measures: dict[int, dict[str, dict[str, Any]]] = {}
    drafts: dict[int, list[MeasureDraft]] = {}
    for row in _rows(
        db,
        "SELECT id, person_id, version, measure_type, court, decision_date, referral_date, "
        "probation_end, sentence_end, notes FROM measure ORDER BY decision_date DESC, id DESC",
    ):
        mid, pid, version, kind, court, decision, referral, p_end, s_end, notes = row
        measures.setdefault(pid, {})[str(mid)] = {
            "version": version,
            "type": kind,
            "court": court,
            "decision_date": decision,
            "referral_date": referral,
            "probation_end": p_end,
            "sentence_end": s_end,
            "notes": notes,
            "obligations": obligations.get(mid, []),
        }
        drafts.setdefault(pid, []).append(
            MeasureDraft(
                measure_type=MeasureType(kind),
                decision_date=_date(decision),
                referral_date=_date(referral),
                probation_end=_date(p_end),
                sentence_end=_date(s_end),
            )
        )
    persons: dict[int, dict[str, Any]] = {}
    projections: dict[int, tuple[Any, ...]] = {}
    for row in _rows(db, f"SELECT {', '.join(PERSON_COLUMNS)}, {PROJECTION} FROM person"):
        values = dict(zip(PERSON_COLUMNS, row, strict=False))
        persons[row[0]] = {**values, "measures": measures.get(row[0], {})}
        projections[row[0]] = tuple(row[len(PERSON_COLUMNS) :])
    refs = {}
    for table, column in (("antenne", "name"), ("agent", "surname"), ("establishment", "name")):
        for row_id, name in _rows(db, f"SELECT id, {column} FROM {table}"):
            refs[(table, name)] = row_id
    return {
        "persons": persons,
        "projections": projections,
        "drafts": drafts,
        "refs": refs,
        "orphan_measures": set(measures) - set(persons),
        "views": Counter(
            dict(
                _rows(
                    db,
                    "SELECT person_id, count(*) FROM audit_entry "
                    "WHERE action = 'view' GROUP BY person_id",
                )
            )
        ),
        "audit_entries": _rows(db, "SELECT count(*) FROM audit_entry")[0][0],
    }


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# -- the checks --------------------------------------------------------------------------


def check(path: Path, model: Model, pending: Pending | None) -> list[str]:
    """Problems found in the database at ``path`` (resolves ``pending`` into ``model``)."""
    problems: list[str] = []
    db = sqlite3.connect(path, isolation_level=None)
    try:
        integrity = [row[0] for row in _rows(db, "PRAGMA integrity_check")]
        if integrity != ["ok"]:
            return [f"PRAGMA integrity_check: {integrity[:10]}"]
        foreign = _rows(db, "PRAGMA foreign_key_check")
        if foreign:
            problems.append(f"PRAGMA foreign_key_check: {foreign[:10]}")
        tables = {row[0] for row in _rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            # Killed during the first migration: it must have left nothing at all.
            if tables:
                problems.append(f"half-migrated database without alembic_version: {tables}")
            if model.committed or pending is not None:
                problems.append("the schema is gone, with the promises it held")
            return problems
        revision = _rows(db, "SELECT version_num FROM alembic_version")
        if revision != [(SCHEMA_HEAD,)]:
            problems.append(f"alembic_version is {revision}, not [{SCHEMA_HEAD!r}]")
        try:
            db.execute("INSERT INTO person_fts(person_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as error:
            problems.append(f"FTS5 index disagrees with the person table: {error}")
        state = read_state(db)
    finally:
        db.close()
    engine = create_engine_for(sqlite_file_url(path))
    try:
        report = verify(engine)
    finally:
        engine.dispose()
    if not report.ok:
        problems.append(f"audit chain: {report.message()}")
    problems += resolve(model, pending, state)
    problems += compare(model, state, report.checked)
    return problems


def resolve(model: Model, pending: Pending | None, state: dict[str, Any]) -> list[str]:
    """Did the call in flight commit? Either way is fine; something else is not."""
    if pending is None:
        return []
    intent, persons = pending.intent, state["persons"]
    committed = False
    if pending.op == "ref":
        key = (intent["table"], intent["name"])
        if key in state["refs"] and key not in model.refs:
            model.refs[key] = state["refs"][key]
            committed = True
    elif pending.op == "view":
        pid = intent["person_id"]
        seen, promised = state["views"][pid], model.views[pid]
        if seen == promised + 1:
            model.views[pid] += 1
            committed = True
        elif seen != promised:
            return [f"{pending.where}: {seen} views of person {pid} recorded, {promised} promised"]
    elif pending.op == "create":
        number = intent["expect"]["file_number"]
        found = [p for p in persons.values() if p["file_number"] == number]
        if found:
            if not matches(found[0], intent["expect"]) or found[0]["id"] in model.persons:
                return [
                    f"{pending.where}: person {number} is {found[0]}, expected {intent['expect']}"
                ]
            committed = True
    else:
        pid = intent["expect"]["id"]
        observed = persons.get(pid)
        if observed is None:
            return [f"{pending.where}: person {pid} is gone ({pending.op} in flight)"]
        if not matches(observed, model.persons[pid]):
            if not matches(observed, intent["expect"]):
                return [
                    f"{pending.where}: person {pid} is neither as promised before the "
                    f"{pending.op} nor as it would leave it:\n  found    {observed}\n"
                    f"  promised {model.persons[pid]}\n  intended {intent['expect']}"
                ]
            committed = True
    if committed:
        model.committed += 1
        model.in_flight_committed += 1
        if pending.op not in ("ref", "view"):
            expect = intent["expect"]
            observed = (
                persons[expect["id"]]
                if expect["id"] is not None
                else next(p for p in persons.values() if p["file_number"] == expect["file_number"])
            )
            model.persons[observed["id"]] = observed
            model.source[observed["id"]] = pending.where
    return []


def compare(model: Model, state: dict[str, Any], audit_checked: int) -> list[str]:
    """The database holds exactly what was promised: nothing lost, nothing invented."""
    problems: list[str] = []
    persons = state["persons"]
    for pid, expected in model.persons.items():
        observed = persons.get(pid)
        if observed is None:
            problems.append(f"LOST: person {pid} promised by {model.source[pid]} is missing")
        elif observed != expected:
            lost = {k: (v, observed.get(k)) for k, v in expected.items() if observed.get(k) != v}
            problems.append(
                f"LOST: person {pid} differs from {model.source[pid]} "
                f"(field: (promised, found)): {lost}"
            )
    for pid in persons.keys() - model.persons.keys():
        problems.append(f"person {pid} exists but was never promised: {persons[pid]}")
    if state["orphan_measures"]:
        problems.append(f"measures of people who do not exist: {state['orphan_measures']}")
    if state["refs"] != model.refs:
        problems.append(f"reference data {state['refs']} but promised {model.refs}")
    views = +state["views"]
    if views != +model.views:
        diff = {
            p: (model.views[p], views[p])
            for p in views.keys() | model.views.keys()
            if views[p] != model.views[p]
        }
        problems.append(f"views per person (promised, recorded) differ: {diff}")
    if state["audit_entries"] != model.committed:
        problems.append(
            f"audit trail holds {state['audit_entries']} entries for {model.committed} "
            "committed calls (one each)"
        )
    if audit_checked != state["audit_entries"]:
        problems.append(f"audit verify checked {audit_checked} of {state['audit_entries']}")
    for pid, stored in state["projections"].items():
        kd = rules.key_dates(state["drafts"].get(pid, []))
        derived = (
            None if kd.main_measure_type is None else kd.main_measure_type.value,
            _iso(kd.end_date),
            _iso(kd.sentence_end),
        )
        if stored != derived:
            problems.append(f"person {pid}: stored key dates {stored}, measures give {derived}")
    return problems


def check_copy(db: Path, work: Path, model: Model, pending: Pending | None) -> list[str]:
    """Check a copy of the file and its WAL: the original stays as the crash left it."""
    copy = work / "check.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    if not db.exists():
        return [] if model.committed == 0 and pending is None else ["the database is gone"]
    shutil.copyfile(db, copy)
    wal = Path(f"{db}-wal")
    if wal.exists():
        shutil.copyfile(wal, f"{copy}-wal")
    return check(copy, model, pending)


# -- the test ----------------------------------------------------------------------------


def plan(
    rng: random.Random, number: int, migrated: bool, attempts: int, open_times: list[float]
) -> tuple[str, str, float]:
    """(phase, anchor, delay) of a round's kill."""
    if not migrated:
        return "migration", "OPENING", rng.uniform(0, MIGRATION_WINDOW * 2**attempts)
    if rng.random() < STARTUP_SHARE:
        typical = sorted(open_times)[len(open_times) // 2] if open_times else 0.05
        return "start-up", "OPENING", rng.uniform(0, 1.5 * typical)
    return "write loop", "READY", rng.uniform(0, WRITE_WINDOW)


def test_no_committed_write_is_lost_when_the_process_is_killed(tmp_path: Path) -> None:
    seed = int(os.environ.get("SPIP_CRASH_SEED", random.randrange(1, 1_000_000)))
    rng = random.Random(seed)
    db = tmp_path / "crash.sqlite3"
    replay = f"replay: SPIP_CRASH_SEED={seed} SPIP_CRASH_KILLS={KILLS}; database kept in {db}"
    model = Model()
    phases: Counter[str] = Counter()
    open_times: list[float] = []
    migrated, attempts = False, 0
    started = time.monotonic()
    stderr_path = tmp_path / "children-stderr.txt"
    with stderr_path.open("ab") as stderr:
        children = Children(db, stderr)
        try:
            for number in range(1, KILLS + 1):
                phase, anchor, delay = plan(rng, number, migrated, attempts, open_times)
                cold = number % COLD_EVERY == 1
                rnd = Round(number, seed * 10_000 + number, cold, phase, anchor, delay)
                stderr.flush()
                offset = stderr_path.stat().st_size
                play(children, rnd)
                if rnd.exit_code != -signal.SIGKILL:
                    stderr.flush()
                    with stderr_path.open("rb") as log:
                        log.seek(offset)
                        output = log.read().decode(errors="replace")
                    pytest.fail(
                        f"the child died by itself: {rnd.describe()}\n{replay}\n"
                        f"its standard error:\n{output[-6000:]}"
                    )
                first_start = phase == "migration" and rnd.landed == "start-up"
                phases["first migration" if first_start else rnd.landed] += 1
                if "READY\n" in rnd.lines:
                    migrated = True
                    if rnd.open_time:
                        open_times.append(rnd.open_time)
                elif not migrated:
                    attempts += 1
                pending, problems = model.apply(rnd)
                problems += check_copy(db, tmp_path, model, pending)
                if problems:
                    shown = "\n".join(f"- {p}" for p in problems[:20])
                    more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
                    pytest.fail(f"{rnd.describe()}\n{replay}\n{shown}{more}")
        finally:
            children.close()

    # The original file, as the application finds it after the last crash.
    services = open_services(
        Settings(sqlite_file_url(db), False, db, tmp_path / "data"), passwords=fast_passwords()
    )
    try:
        services.session.user = User(None, "check", "Vérification", frozenset({Role.DPIP}))
        report = services.audit.verify()
        assert report.ok, report.message()
        assert report.checked == model.committed
        everyone = PersonQuery(status=FileStatus.ALL)
        assert services.persons.count(everyone) == len(model.persons)
        for pid in rng.sample(sorted(model.persons), min(20, len(model.persons))):
            number = model.persons[pid]["file_number"]
            rows = services.persons.list_page(PersonQuery(text=number, status=FileStatus.ALL))
            assert [row.id for row in rows.rows] == [pid], f"search for {number}"
    finally:
        services.close()
    problems = check(db, model, None)
    assert not problems, f"after the last round:\n{replay}\n" + "\n".join(problems)
    assert phases["write loop"] > 0 and phases["start-up"] + phases["first migration"] > 0, phases
    print(
        f"\ncrash test: seed {seed}, {KILLS} kills ({dict(phases)}) in "
        f"{time.monotonic() - started:.1f} s; {model.promises} promises checked, "
        f"{model.in_flight_committed} calls in flight committed; final file: "
        f"{len(model.persons)} people, {model.committed} audit entries"
    )
