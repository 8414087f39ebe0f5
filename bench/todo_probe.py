"""*À traiter* on a large base: p50 / p95 per scope, per kind, and the query plans.

Usage (repository root, project virtualenv)::

    python bench/todo_probe.py                  # 250,000 people (base built once, reused)
    python bench/todo_probe.py --persons 20000  # a quicker base
    python bench/todo_probe.py --rounds 30 --plans

The base is the demonstration base (``spip-desktop demo``: people, measures, stages,
and, once its generator has them, rights steps and journal entries), then topped up
here with bulk inserts (``executemany``) of whatever the generator left empty: rights
steps, appointments, partners and conventions, sessions held in the last days with
attendance missing. The demo gives 24 CPIPs about 9,000 people each; a real CPIP
follows about 100. So the base also gets 2,200 more CPIPs, who take over every person
except the caseload of the first demo CPIP: "CPIP" below is a realistic caseload (the
median one), "CPIP, 9,000 people" the demo's heavy one.

Targets (issue [4/6]): one CPIP's list in at most 100 ms, the whole service's in at
most 500 ms. Timings are printed, never asserted by the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
os.environ.setdefault("SPIP_DATA_DIR", tempfile.mkdtemp(prefix="spip-bench-"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, func, insert, select, update  # noqa: E402

from spip_desktop.bootstrap import Services, open_services  # noqa: E402
from spip_desktop.db import models as m  # noqa: E402
from spip_desktop.db.migrate import SCHEMA_HEAD  # noqa: E402
from spip_desktop.db.models import utcnow  # noqa: E402
from spip_desktop.db_url import sqlite_file_url  # noqa: E402
from spip_desktop.domain.enums import AgentRole  # noqa: E402
from spip_desktop.domain.journal import EntryKind  # noqa: E402
from spip_desktop.domain.partners import (  # noqa: E402
    ConventionLevel,
    ConventionStatus,
    Milieu,
    PartnerKind,
)
from spip_desktop.domain.rights import Actor, StepKind, StepStatus  # noqa: E402
from spip_desktop.domain.security import Role, User  # noqa: E402
from spip_desktop.domain.todo import TodoKind, TodoList, TodoScope  # noqa: E402
from spip_desktop.settings import Settings  # noqa: E402

SEED = 2026
EXTRA_CPIPS = 2200


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# -- the base ----------------------------------------------------------------------------------


def build(persons: int, rebuild: bool) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"todo-{persons}-{SEED}-r{SCHEMA_HEAD}.sqlite3"
    if path.exists() and rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if path.exists():
        return path
    print(f"Base de {persons} personnes : génération (spip-desktop demo)…", flush=True)
    start = time.perf_counter()
    command = [sys.executable, "-m", "spip_desktop", "--db", str(path), "demo"]
    subprocess.run([*command, "--persons", str(persons), "--seed", str(SEED)], check=True, cwd=ROOT)
    print(f"  démo : {time.perf_counter() - start:.0f} s", flush=True)
    start = time.perf_counter()
    services = open_services(Settings(sqlite_file_url(path), data_directory=DATA / "tmp"))
    try:
        top_up(services.engine, date.today())
    finally:
        services.close()
    print(f"  compléments : {time.perf_counter() - start:.0f} s", flush=True)
    return path


def done_stages(db: Path) -> None:
    services = open_services(Settings(sqlite_file_url(db), data_directory=DATA / "tmp"))
    try:
        top_up_done_stages(services.engine, date.today())
    finally:
        services.close()


def _stamp() -> dict[str, Any]:
    now = utcnow()
    return {"version": 1, "created_at": now, "updated_at": now}


def _batches(rows: Iterator[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def top_up(engine: Engine, today: date) -> None:
    """Realistic caseloads, then whatever the demo generator left empty."""
    rnd = random.Random(SEED)
    with engine.begin() as c:
        count = lambda model: int(c.scalar(select(func.count()).select_from(model)) or 0)  # noqa: E731
        antennes = list(c.scalars(select(m.AntenneRow.id)))
        keep = c.scalar(
            select(m.AgentRow.id).where(m.AgentRow.role == AgentRole.CPIP).order_by(m.AgentRow.id)
        )
        first_new = int(c.scalar(select(func.max(m.AgentRow.id))) or 0) + 1
        c.execute(
            insert(m.AgentRow),
            [
                {
                    "id": first_new + i,
                    "surname": f"Agent{i:04d}",
                    "given_name": "Camille",
                    "role": AgentRole.CPIP.value,
                    "antenne_id": antennes[i % len(antennes)],
                    "email": "",
                    "phone": "",
                    "active": True,
                    "sort_key": f"agent{i:04d} camille",
                    **_stamp(),
                }
                for i in range(EXTRA_CPIPS)
            ],
        )
        c.execute(
            update(m.PersonRow)
            .where(m.PersonRow.referent_id != keep)
            .values(referent_id=first_new + m.PersonRow.id % EXTRA_CPIPS)
        )
        open_people = list(
            c.execute(
                select(m.PersonRow.id, m.PersonRow.referent_id).where(
                    m.PersonRow.closed_on.is_(None)
                )
            )
        )
        if count(m.PartnerRow) < 50:
            partners = [
                {
                    "name": f"Partenaire {i:03d}",
                    "kind": rnd.choice(list(PartnerKind)).value,
                    "themes": "",
                    "address": "",
                    "phone": "",
                    "email": "",
                    "referent_id": first_new + rnd.randrange(EXTRA_CPIPS),
                    "notes": "",
                    "active": True,
                    "sort_key": f"partenaire {i:03d}",
                    **_stamp(),
                }
                for i in range(300)
            ]
            c.execute(insert(m.PartnerRow), partners)
        partner_ids = list(c.scalars(select(m.PartnerRow.id)))
        if count(m.ConventionRow) < 50:
            c.execute(
                insert(m.ConventionRow),
                [
                    {
                        "partner_id": rnd.choice(partner_ids),
                        "level": ConventionLevel.LOCAL.value,
                        "title": f"Convention {i}",
                        "themes": "",
                        "milieu": Milieu.BOTH.value,
                        "signed_on": today - timedelta(days=rnd.randint(200, 1500)),
                        "expires_on": today + timedelta(days=rnd.randint(-400, 1100)),
                        "funding_source": "",
                        "status": rnd.choice(list(ConventionStatus)).value,
                        "notes": "",
                        **_stamp(),
                    }
                    for i in range(600)
                ],
            )
        if count(m.RightsStepRow) < len(open_people) // 10:
            for batch in _batches(_steps(rnd, open_people, partner_ids, today)):
                c.execute(insert(m.RightsStepRow), batch)
        if count(m.JournalEntryRow) < len(open_people) // 10:
            for batch in _batches(_appointments(rnd, open_people, today)):
                c.execute(insert(m.JournalEntryRow), batch)
        _recent_sessions(c, rnd, today)
        c.exec_driver_sql("ANALYZE")


def top_up_done_stages(engine: Engine, today: date) -> None:
    """Stages done: most people asked to do one have done it (the demo enrols few). Added
    once to a base already built (marked by the stages' title)."""
    with engine.begin() as c:
        if c.scalar(select(m.StageRow.id).where(m.StageRow.title == DONE_TITLE).limit(1)):
            return
        _done_stages(c, random.Random(SEED + 1), today)
        c.exec_driver_sql("ANALYZE")


def _steps(
    rnd: random.Random, people: list[Any], partners: list[int], today: date
) -> Iterator[dict[str, Any]]:
    kinds = [k for k in StepKind if k is not StepKind.POLE_EMPLOI]
    for person_id, referent_id in people:
        for _ in range(rnd.choice((0, 0, 1, 2, 3, 4))):
            status = rnd.choice(list(StepStatus))
            opened = today - timedelta(days=rnd.randint(1, 700))
            obtained = status is StepStatus.OBTAINED
            outcome = opened + timedelta(days=rnd.randint(10, 90)) if obtained else None
            yield {
                "person_id": person_id,
                "kind": rnd.choice(kinds).value,
                "other_label": "",
                "partner_id": rnd.choice(partners) if rnd.random() < 0.6 else None,
                "handled_by": Actor.SPIP.value,
                "agent_id": referent_id if rnd.random() < 0.5 else None,
                "partner_contact": "",
                "opened_on": opened,
                "follow_up_on": opened + timedelta(days=rnd.randint(7, 120)),
                "documents": "",
                "outcome_on": outcome,
                "expires_on": outcome + timedelta(days=365) if outcome else None,
                "notes": "",
                "status": status.value,
                "status_at": datetime.combine(opened, clock(10)),
                "closed": status.closed,
                "created_by": "bench",
                **_stamp(),
            }


def _appointments(rnd: random.Random, people: list[Any], today: date) -> Iterator[dict[str, Any]]:
    kinds = (EntryKind.INTERVIEW, EntryKind.SUMMONS, EntryKind.HOME_VISIT, EntryKind.NOTE)
    for person_id, referent_id in people:
        for _ in range(4):
            kind = rnd.choice(kinds)
            day = today + timedelta(days=rnd.randint(-180, 30))
            appointment = kind is not EntryKind.NOTE
            yield {
                "person_id": person_id,
                "kind": kind.value,
                "day": day,
                "at": clock(rnd.randint(9, 16), rnd.choice((0, 30))) if appointment else None,
                "subject": "Entretien de suivi" if appointment else "",
                "text": "" if appointment else "Note",
                "place": "",
                "agent_id": referent_id,
                "outcome": "honore" if appointment and day < today else None,
                "author": "bench",
                **_stamp(),
            }


DONE_TITLE = "Bench : stage fait"
#: People asked to do a stage who did it, and the share of them with an attestation.
DONE_PEOPLE = 10_000
ATTESTED = 0.3


def _done_stages(c: Any, rnd: random.Random, today: date) -> None:
    """Past stages (two sessions each, everyone present), enrolling ``DONE_PEOPLE`` people
    with a measure asking for a stage; some got their attestation."""
    mm, o = m.MeasureRow, m.ObligationRow
    wanted = select(o.measure_id).where(o.kind == "stage")
    rows = c.execute(
        select(mm.person_id, func.max(mm.final_date))
        .join(m.PersonRow, m.PersonRow.id == mm.person_id)
        .where(
            m.PersonRow.closed_on.is_(None),
            mm.final_date.is_not(None),
            (mm.measure_type == "peine_de_stage") | mm.id.in_(wanted),
        )
        .group_by(mm.person_id)
    ).all()
    rows = rnd.sample(rows, min(DONE_PEOPLE, len(rows)))
    stage_type = c.scalar(select(m.StageTypeRow.id).where(m.StageTypeRow.kind == "stage"))
    stages: list[tuple[int, list[int], date]] = []
    for _ in range(100):
        first = today - timedelta(days=rnd.randint(20, 400))
        stage_id = c.execute(
            insert(m.StageRow).values(
                type_id=stage_type,
                title=DONE_TITLE,
                organiser_kind="spip",
                first_day=first,
                last_day=first + timedelta(days=1),
                **_stamp(),
            )
        ).inserted_primary_key[0]
        sessions = [
            c.execute(
                insert(m.StageSessionRow).values(
                    stage_id=stage_id,
                    day=first + timedelta(days=d),
                    start_time=clock(9),
                    end_time=clock(15),
                    **_stamp(),
                )
            ).inserted_primary_key[0]
            for d in (0, 1)
        ]
        stages.append((stage_id, sessions, first))
    enrolments, attendance, attestations = [], [], []
    first_enrolment = int(c.scalar(select(func.coalesce(func.max(m.EnrolmentRow.id), 0)))) + 1
    for i, (person_id, final_date) in enumerate(rows):
        stage_id, sessions, first = rnd.choice(stages)
        enrolment_id = first_enrolment + i
        enrolments.append(
            {
                "id": enrolment_id,
                "stage_id": stage_id,
                "person_id": person_id,
                "cadre": "peine",
                "decision_reference": "",
                "final_date": final_date,
                "enrolled_on": first - timedelta(days=10),
                "enrolled_by": "bench",
                "capacity_override_reason": "",
                "end_reason": "",
                **_stamp(),
            }
        )
        attendance.extend(
            {
                "enrolment_id": enrolment_id,
                "session_id": session_id,
                "code": "present",
                "reason": "",
                "recorded_at": datetime.combine(first, clock(16)),
                "recorded_by_login": "bench",
                "recorded_by": "Bench",
            }
            for session_id in sessions
        )
        if rnd.random() < ATTESTED:
            attestations.append(
                {
                    "number": f"BENCH-{enrolment_id}",
                    "year": first.year,
                    "sequence": 900_000 + i,
                    "enrolment_id": enrolment_id,
                    "validated": True,
                    "issued_at": datetime.combine(first + timedelta(days=2), clock(10)),
                    "issued_by_login": "bench",
                    "issued_by": "Bench",
                    "document": "{}",
                }
            )
    for model, batch_rows in (
        (m.EnrolmentRow, enrolments),
        (m.AttendanceRow, attendance),
        (m.AttestationRow, attestations),
    ):
        for batch in _batches(iter(batch_rows)):
            c.execute(insert(model), batch)


def _recent_sessions(c: Any, rnd: random.Random, today: date) -> None:
    """Sessions held in the last days, some attendance not recorded yet."""
    held = c.scalar(
        select(func.count())
        .select_from(m.StageSessionRow)
        .where(m.StageSessionRow.day >= today - timedelta(days=7))
    )
    if held:
        return
    stage_type = c.scalar(select(m.StageTypeRow.id).order_by(m.StageTypeRow.id))
    people = list(c.scalars(select(m.PersonRow.id).where(m.PersonRow.closed_on.is_(None))))
    for n in range(20):
        day = today - timedelta(days=n % 8)
        stage_id = c.execute(
            insert(m.StageRow).values(
                type_id=stage_type,
                title=f"Bench {n}",
                organiser_kind="spip",
                first_day=day,
                last_day=day,
                **_stamp(),
            )
        ).inserted_primary_key[0]
        session_id = c.execute(
            insert(m.StageSessionRow).values(
                stage_id=stage_id, day=day, start_time=clock(9), end_time=clock(12), **_stamp()
            )
        ).inserted_primary_key[0]
        for person_id in rnd.sample(people, 12):
            enrolment_id = c.execute(
                insert(m.EnrolmentRow).values(
                    stage_id=stage_id,
                    person_id=person_id,
                    cadre="accompagnement",
                    enrolled_on=day - timedelta(days=20),
                    **_stamp(),
                )
            ).inserted_primary_key[0]
            if rnd.random() < 0.5:
                c.execute(
                    insert(m.AttendanceRow).values(
                        enrolment_id=enrolment_id,
                        session_id=session_id,
                        code="present",
                        recorded_at=datetime.combine(day, clock(12)),
                        recorded_by_login="bench",
                        recorded_by="Bench",
                    )
                )


#: Indexes the models do not have (yet), measured with --suggested-indexes.
SUGGESTED_INDEXES = (
    # stage deadlines of a wide scope: the measures asking for a stage, without a scan
    "CREATE INDEX ix_measure_type_final ON measure (measure_type, final_date)",
    "CREATE INDEX ix_obligation_kind ON obligation (kind, measure_id)",
    # follow-ups due: count them without reading each step's row
    "CREATE INDEX ix_rights_step_open_follow_up_person "
    "ON rights_step (closed, follow_up_on, person_id)",
)


def with_suggested_indexes(db: Path) -> Path:
    copy = db.with_name(db.stem + "-indexed.sqlite3")
    if not copy.exists():
        with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
            source.backup(target)
            for statement in SUGGESTED_INDEXES:
                target.execute(statement)
            target.execute("ANALYZE")
    return copy


def without_statistics(db: Path) -> Path:
    copy = db.with_name(db.stem + "-nostat.sqlite3")
    if not copy.exists():
        with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
            source.backup(target)
            target.execute("DROP TABLE IF EXISTS sqlite_stat1")
            target.execute("DROP TABLE IF EXISTS sqlite_stat4")
    return copy


# -- measuring ----------------------------------------------------------------------------


class StatementLog:
    """The SELECT statements (and parameters) run while active."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
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
                out.append("  " + " ".join(statement.split()))
                out.extend(f"      {detail}" for *_ids, detail in rows)
        return out


def timed(work: Callable[[], Any], rounds: int) -> list[float]:
    work()  # warm: modules, statement cache, page cache
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def agents(services: Services) -> tuple[int, int, int]:
    """(the median-caseload CPIP, the heaviest one, a DPIP agent)."""
    with services.factory.reader() as uow:
        s = uow.session
        loads = s.execute(
            select(m.PersonRow.referent_id, func.count())
            .where(m.PersonRow.closed_on.is_(None), m.PersonRow.referent_id.is_not(None))
            .group_by(m.PersonRow.referent_id)
            .order_by(func.count())
        ).all()
        dpip = s.scalar(select(m.AgentRow.id).where(m.AgentRow.role == AgentRole.DPIP))
    return loads[len(loads) // 2][0], loads[-1][0], int(dpip or loads[0][0])


def per_kind(services: Services, scope: TodoScope, rounds: int) -> dict[TodoKind, list[float]]:
    """Each kind's query alone (its lines and count), through the service's own code."""
    todo = services.todo
    from spip_desktop.domain.todo import TodoWindows

    out: dict[TodoKind, list[float]] = {}
    for kind in TodoKind:

        def one(kind: TodoKind = kind) -> None:
            with services.factory.reader() as uow:
                todo._kind(uow, kind, scope, TodoWindows.on(services.today()), services.now())

        out[kind] = timed(one, rounds)
    return out


def describe(listing: TodoList) -> str:
    return ", ".join(f"{k.value} {listing.count(k)}" for k in TodoKind if k in listing.totals)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=250_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true", help="regenerate the base")
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN QUERY PLAN")
    parser.add_argument(
        "--suggested-indexes",
        action="store_true",
        help="on a copy of the base, with the indexes the report suggests",
    )
    parser.add_argument(
        "--without-statistics",
        action="store_true",
        help="on a copy of the base without ANALYZE's statistics (a base never analysed)",
    )
    args = parser.parse_args()
    db = build(args.persons, args.rebuild)
    done_stages(db)  # bases built before it was added get it now
    if args.suggested_indexes:
        db = with_suggested_indexes(db)
    if args.without_statistics:
        db = without_statistics(db)
    services = open_services(Settings(sqlite_file_url(db), data_directory=DATA / "tmp"))
    try:
        median, heavy, dpip = agents(services)
        with services.factory.reader() as uow:
            people = uow.session.scalar(select(func.count()).select_from(m.PersonRow))
            load = {
                a: uow.session.scalar(
                    select(func.count()).where(
                        m.PersonRow.referent_id == a, m.PersonRow.closed_on.is_(None)
                    )
                )
                for a in (median, heavy)
            }
            antenne = uow.session.scalar(select(m.AntenneRow.id).order_by(m.AntenneRow.id))
        print(f"Base : {db.name}, {people} personnes, jour {date.today():%d/%m/%Y}")
        scenarios = [
            (f"CPIP ({load[median]} dossiers)", Role.CPIP, median, TodoScope.mine(median)),
            (f"CPIP ({load[heavy]} dossiers)", Role.CPIP, heavy, TodoScope.mine(heavy)),
            ("antenne", Role.DPIP, dpip, TodoScope.antenne(int(antenne or 0))),
            ("service", Role.DPIP, dpip, TodoScope.service()),
        ]
        targets = [100.0, 100.0, 500.0, 500.0]
        plans: list[str] = []
        for (label, role, agent, scope), target in zip(scenarios, targets, strict=True):
            services.session.user = User(None, "bench", "Bench", frozenset({role}), agent)
            with StatementLog(services.engine) as log:
                listing = services.todo.todo(scope)
            samples = timed(lambda scope=scope: services.todo.todo(scope), args.rounds)
            p50, p95 = statistics.median(samples), percentile(samples, 0.95)
            verdict = "OK" if p95 <= target else "AU-DELÀ"
            print(f"\n{label:28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   cible {target:.0f} ms")
            print(f"  {verdict} — {describe(listing)}")
            for kind, kind_samples in per_kind(services, scope, max(5, args.rounds // 2)).items():
                print(
                    f"    {kind.value:14} p50 {statistics.median(kind_samples):6.1f} ms"
                    f"   p95 {percentile(kind_samples, 0.95):6.1f} ms"
                )
            plans.append(f"-- {label}")
            plans.extend(log.plans(db))
        if args.plans:
            print("\nEXPLAIN QUERY PLAN")
            print("\n".join(plans))
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
