"""What [4/6 Rights and timeline] costs: the timeline, *À traiter*, the service-wide steps view.

Usage (repository root, project virtualenv)::

    python bench/rights.py            # the 250,000-person base of bench/run.py
    python bench/rights.py --quick    # 20,000 people

The base is the demonstration base of ``bench/run.py`` (generated once, then reused), whose
generator gives every person about 2.6 rights steps (3 to 4 history rows each), 2 notes
and 3 appointments. One person is given 2,000 timeline events on top (journal entries,
steps with their history, and changes of the file through the real service, which writes
their audit entries). Targets (issue [4/6]): the timeline of that person shown in at most
100 ms; *À traiter* for one CPIP in at most 100 ms and for the whole service in at most
500 ms; the service-wide steps view filtered in at most 100 ms.

Each scenario stands beside a baseline measured in the same run: the same rows read by
hand-written SQL through ``sqlite3`` (no application code). The GUI scenario (timeline)
measures the real ``TimelinePanel`` offscreen: from the reload to the repainted view.
``EXPLAIN QUERY PLAN`` of every statement a scenario runs is written beside the figures
(bench/results-rights.md).
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, ensure_database, machine, percentile  # also: offscreen, SPIP_DATA_DIR

sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select

from spip_desktop.bootstrap import Services, open_services
from spip_desktop.db import models as m
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.enums import AgentRole, Regime, Sex
from spip_desktop.domain.journal import EntryKind, Outcome
from spip_desktop.domain.model import PersonDraft
from spip_desktop.domain.rights import (
    Actor,
    RightsDomain,
    StepKind,
    StepQuery,
    StepSort,
    StepStatus,
)
from spip_desktop.domain.security import Role, User
from spip_desktop.domain.timeline import TimelineQuery
from spip_desktop.domain.todo import TodoScope
from spip_desktop.settings import Settings

TARGET_TIMELINE = 100.0  # ms
TARGET_TODO_CPIP = 100.0
TARGET_TODO_SERVICE = 500.0
TARGET_STEPS = 100.0
BENCH_FILE_NUMBER = "BENCH-CHRONO-2000"
EVENTS = 2000


@dataclass
class Result:
    scenario: str
    samples: list[float]
    baseline: str
    baseline_samples: list[float]
    target: float | None
    plans: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    @property
    def base50(self) -> float | None:
        return statistics.median(self.baseline_samples) if self.baseline_samples else None

    @property
    def ok(self) -> bool | None:
        return None if self.target is None else self.p95 <= self.target


def timed(work: Callable[[], Any], repeat: int) -> list[float]:
    work()  # warm: first use loads the modules and the page cache
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        out.append((time.perf_counter() - start) * 1000)
    return out


class StatementLog:
    """Every SQL statement (with its parameters) run while it is active."""

    def __init__(self, services: Services) -> None:
        self.engine = services.engine
        self.statements: list[tuple[str, Any]] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))

    def __enter__(self) -> StatementLog:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def plans(self, db: Path) -> list[str]:
        out: list[str] = []
        with sqlite3.connect(db) as raw:
            for statement, parameters in self.statements:
                rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
                first = " ".join(statement.split())
                out.append(first[:160] + ("…" if len(first) > 160 else ""))
                out.extend(f"    {detail}" for *_ids, detail in rows)
        return out


def sign_in(services: Services, role: Role, agent_role: AgentRole, pick: str = "first") -> User:
    """A user of ``role`` tied to an agent; ``busiest`` takes the CPIP with most people."""
    with services.factory.reader() as uow:
        session = uow.session
        if pick == "busiest":
            agent_id = session.execute(
                select(m.PersonRow.referent_id)
                .where(m.PersonRow.closed_on.is_(None), m.PersonRow.referent_id.is_not(None))
                .group_by(m.PersonRow.referent_id)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar_one()
        else:
            agent_id = session.scalars(
                select(m.AgentRow.id).where(m.AgentRow.role == agent_role).order_by(m.AgentRow.id)
            ).first()
    user = User(None, f"bench-{role.value}", f"Bench {role.label}", frozenset({role}), agent_id)
    services.session.user = user
    return user


def person_with_events(services: Services, today: date) -> int:
    """The person with 2,000 timeline events (created once in the reused base)."""
    with services.factory.reader() as uow:
        found = uow.session.scalars(
            select(m.PersonRow.id).where(m.PersonRow.file_number == BENCH_FILE_NUMBER)
        ).first()
    if found is not None:
        return int(found)
    services.sign_in_command_line("bench rights: timeline person")
    file = services.persons.create(
        PersonDraft(
            surname="Chronologie",
            given_names="Bench",
            birth_date=date(1980, 5, 17),
            sex=Sex.MALE,
            file_number=BENCH_FILE_NUMBER,
            regime=Regime.MILIEU_OUVERT,
        )
    )
    person_id = file.person.id
    # 200 changes of the file through the service: real audit entries.
    version = file.person.version
    draft = file.person.draft
    for n in range(200):
        draft = replace(draft, phone=f"06 12 34 {n // 100:02d} {n % 100:02d}")
        version = services.persons.update(person_id, version, draft).person.version
    now = datetime.combine(today, clock(9))
    with services.factory() as uow:
        session = uow.session
        journal = []
        for n in range(800):
            day = today - timedelta(days=n)
            appointment = n % 2 == 0
            journal.append(
                {
                    "person_id": person_id,
                    "kind": (EntryKind.INTERVIEW if appointment else EntryKind.NOTE).value,
                    "day": day,
                    "at": clock(10, 30) if appointment else None,
                    "subject": "Entretien de suivi" if appointment else "",
                    "text": "Point sur la situation." if not appointment else "",
                    "place": "",
                    "agent_id": None,
                    "outcome": Outcome.HONOURED.value if appointment else None,
                    "author": "Bench",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(m.JournalEntryRow), journal)
        path = [StepStatus.TO_START, StepStatus.IN_PROGRESS, StepStatus.FILED, StepStatus.OBTAINED]
        for n in range(250):
            opened = today - timedelta(days=3 * n + 10)
            step = m.RightsStepRow(
                person_id=person_id,
                kind=StepKind.RSA,
                handled_by=Actor.SPIP,
                opened_on=opened,
                status=StepStatus.OBTAINED,
                status_at=datetime.combine(opened + timedelta(days=3), clock(11)),
                closed=True,
                outcome_on=opened + timedelta(days=3),
                created_by="Bench",
            )
            session.add(step)
            session.flush()
            previous = None
            for k, status in enumerate(path):
                session.add(
                    m.RightsStepUpdateRow(
                        step_id=step.id,
                        at=datetime.combine(opened + timedelta(days=k), clock(11)),
                        status=status,
                        previous=previous,
                        note="",
                        author_login="bench",
                        author="Bench",
                        actor=Actor.SPIP,
                    )
                )
                previous = status
        uow.commit()
    return person_id


def bench_timeline(services: Services, db: Path, today: date, repeat: int) -> list[Result]:
    person_id = person_with_events(services, today)
    sign_in(services, Role.DPIP, AgentRole.DPIP)
    query = TimelineQuery()
    shown = services.timeline.timeline(person_id, query)
    with StatementLog(services) as log:
        services.timeline.timeline(person_id, query)
    service_ms = timed(lambda: services.timeline.timeline(person_id, query), repeat)

    def raw() -> int:
        with sqlite3.connect(db) as conn:
            n = 0
            for sql in (
                "SELECT day, at, kind, subject, outcome FROM journal_entry WHERE person_id = ?",
                "SELECT u.at, u.status, s.kind FROM rights_step_update u "
                "JOIN rights_step s ON s.id = u.step_id WHERE s.person_id = ?",
                "SELECT at, action, object_type, summary FROM audit_entry WHERE person_id = ?",
                "SELECT * FROM measure WHERE person_id = ?",
            ):
                n += len(conn.execute(sql, (person_id,)).fetchall())
            return n

    raw_ms = timed(raw, repeat)
    gui_ms = bench_timeline_gui(services, person_id, repeat)
    title = f"timeline of a person with {len(shown.events):,} events"
    return [
        Result(
            f"{title} (service)", service_ms, "the same rows, raw SQL", raw_ms, None, log.plans(db)
        ),
        Result(
            f"{title}: reload → repainted panel",
            gui_ms,
            "the same rows, raw SQL",
            raw_ms,
            TARGET_TIMELINE,
        ),
    ]


def bench_timeline_gui(services: Services, person_id: int, repeat: int) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from spip_desktop.ui.prompter import Prompter
    from spip_desktop.ui.tasks import TaskRunner
    from spip_desktop.ui.timeline_panel import TimelinePanel

    app = QApplication.instance() or QApplication([])

    def failed(error: BaseException) -> None:
        raise error

    runner = TaskRunner(failed)
    panel = TimelinePanel(services.timeline, runner, Prompter(), lambda *a: None)
    panel.resize(1200, 800)
    panel.show()
    panel.set_file(services.persons.get_file(person_id))
    out = []
    for n in range(repeat + 1):
        start = time.perf_counter()
        panel.reload()
        runner.wait()  # the query on the pool, then its callback fills the view
        app.processEvents()
        panel.repaint()
        if n:  # the first run is the warm-up
            out.append((time.perf_counter() - start) * 1000)
    panel.close()
    return out


def bench_todo(services: Services, db: Path, repeat: int) -> list[Result]:
    results = []
    user = sign_in(services, Role.CPIP, AgentRole.CPIP, pick="busiest")
    scope = TodoScope.mine(user.agent_id)
    with StatementLog(services) as log:
        mine = services.todo.todo(scope)
    cpip_ms = timed(lambda: services.todo.todo(scope), repeat)
    with sqlite3.connect(db) as conn:
        people = conn.execute(
            "SELECT count(*) FROM person WHERE referent_id = ? AND closed_on IS NULL",
            (user.agent_id,),
        ).fetchone()[0]

    def raw_mine() -> None:
        with sqlite3.connect(db) as conn:
            conn.execute(
                "SELECT s.id FROM rights_step s JOIN person p ON p.id = s.person_id "
                "WHERE p.referent_id = ? AND s.closed = 0 AND s.follow_up_on <= ?",
                (user.agent_id, date.today().isoformat()),
            ).fetchall()

    results.append(
        Result(
            f"À traiter, one CPIP ({people} open files, {mine.total} alerts)",
            cpip_ms,
            "raw SQL: that CPIP's follow-ups due",
            timed(raw_mine, repeat),
            TARGET_TODO_CPIP,
            log.plans(db),
        )
    )
    sign_in(services, Role.DPIP, AgentRole.DPIP)
    scope = TodoScope.service()
    with StatementLog(services) as log:
        everything = services.todo.todo(scope)
    service_ms = timed(lambda: services.todo.todo(scope), repeat)

    def raw_service() -> None:
        with sqlite3.connect(db) as conn:
            conn.execute(
                "SELECT count(*) FROM rights_step WHERE closed = 0 AND follow_up_on <= ?",
                (date.today().isoformat(),),
            ).fetchall()

    results.append(
        Result(
            f"À traiter, whole service ({everything.total:,} alerts)",
            service_ms,
            "raw SQL: count of follow-ups due",
            timed(raw_service, repeat),
            TARGET_TODO_SERVICE,
            log.plans(db),
        )
    )
    return results


def bench_steps(services: Services, db: Path, repeat: int) -> list[Result]:
    user = sign_in(services, Role.DPIP, AgentRole.DPIP)
    with services.factory.reader() as uow:
        partner = uow.session.scalars(
            select(m.RightsStepRow.partner_id)
            .where(m.RightsStepRow.partner_id.is_not(None))
            .group_by(m.RightsStepRow.partner_id)
            .order_by(func.count().desc())
        ).first()
        referent = uow.session.scalars(
            select(m.PersonRow.referent_id).where(m.PersonRow.referent_id.is_not(None))
        ).first()
    queries = {
        "open steps, by follow-up": StepQuery(),
        "domain CAF, open": StepQuery(domain=RightsDomain.CAF),
        "status pièces manquantes": StepQuery(status=StepStatus.MISSING_DOCUMENTS),
        "overdue": StepQuery(overdue=True),
        "one partner, open": StepQuery(partner_id=partner),
        "one referent, all statuses, by person": StepQuery(
            referent_id=referent, open_only=False, sort=StepSort.PERSON
        ),
        "all, by opening date, descending": StepQuery(
            open_only=False, sort=StepSort.OPENED, descending=True
        ),
    }
    samples: list[float] = []
    plans: list[str] = []
    for label, query in queries.items():
        with StatementLog(services) as log:
            services.rights.list_steps(query, 0, 200)
            services.rights.count_steps(query)
        plans.append(f"-- {label}")
        plans.extend(log.plans(db))
        samples += timed(
            lambda q=query: (services.rights.list_steps(q, 0, 200), services.rights.count_steps(q)),
            max(3, repeat // 3),
        )

    def raw() -> None:
        with sqlite3.connect(db) as conn:
            conn.execute(
                "SELECT s.*, p.surname FROM rights_step s JOIN person p ON p.id = s.person_id "
                "WHERE s.closed = 0 ORDER BY s.follow_up_on LIMIT 200"
            ).fetchall()

    del user
    return [
        Result(
            f"steps view, filtered: page of 200 + count ({len(queries)} filters)",
            samples,
            "raw SQL: first page of open steps",
            timed(raw, repeat),
            TARGET_STEPS,
            plans,
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 people")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    persons = 20_000 if args.quick else 250_000
    db, generated = ensure_database(persons, args.seed)
    today = date.today()
    gc.freeze()  # as the application does at start-up (spip_desktop/app.py)
    services = open_services(
        Settings(sqlite_file_url(db), data_directory=ROOT / "bench" / "data" / "tmp"),
        today=lambda: today,
    )
    try:
        with sqlite3.connect(db) as conn:
            counts = {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("person", "rights_step", "rights_step_update", "journal_entry")
            }
        results = [
            *bench_timeline(services, db, today, args.repeat),
            *bench_todo(services, db, args.repeat),
            *bench_steps(services, db, args.repeat),
        ]
    finally:
        services.close()
    lines = [
        f"# [4/6] Rights and timeline — {persons:,} people",
        "",
        f"Machine: {machine()}.  ",
        f"Command: `python bench/rights.py{' --quick' if args.quick else ''}` "
        f"({time.strftime('%Y-%m-%d %H:%M')}).  ",
        "Base: "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items())
        + (f" (generated in {generated:.0f} s)" if generated else "")
        + ".",
        "",
        "| Scenario | p50 | p95 | Baseline (p50) | Ratio | Target | Result |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        base = f"{r.baseline}: {r.base50:.1f} ms" if r.base50 is not None else "—"
        ratio = f"{r.p50 / r.base50:.1f}×" if r.base50 else "—"
        target = "—" if r.target is None else f"p95 ≤ {r.target:.0f} ms"
        verdict = "—" if r.ok is None else ("OK" if r.ok else "NOT MET")
        lines.append(
            f"| {r.scenario} | {r.p50:.1f} ms | {r.p95:.1f} ms | {base} | {ratio} | {target} "
            f"| {verdict} |"
        )
    lines += ["", "## Query plans (EXPLAIN QUERY PLAN)", ""]
    for r in results:
        if r.plans:
            lines += [f"### {r.scenario}", "", "```", *r.plans, "```", ""]
    text = "\n".join(lines) + "\n"
    print(text)
    name = "results-rights-quick.md" if args.quick else "results-rights.md"
    (ROOT / "bench" / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
