"""How long a person's chronology takes: ``TimelineService.timeline`` of a person with
2,000 events, on a copy of the 250,000-person demonstration base.

Usage (repository root, project virtualenv)::

    python bench/timeline_probe.py                    # the newest 250,000-person base in bench/data
    python bench/timeline_probe.py --base FILE        # another base (copied, never changed)
    python bench/timeline_probe.py --persons 20000    # no base at hand: one is generated

The base is copied into a temporary folder with SQLite's backup API and upgraded there.
One person is added with about 2,000 events from every source: changes of the file and
measures with obligations (through the services, which write the audit entries),
stages with enrolments, attendance (with corrections) and attestations (with
duplicatas) through the stage service, access-to-rights steps with their history and
journal entries written straight into the tables. The script prints p50 and p95 of the
service call (target: 100 ms), the same rows read by hand-written SQL as a baseline,
the PDF of the whole chronology (once), and ``EXPLAIN QUERY PLAN`` of every statement
the call runs. Nothing is asserted: the figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, percentile  # also: QT_QPA_PLATFORM=offscreen, SPIP_DATA_DIR

sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert

from spip_desktop.app import settle_long_lived_objects
from spip_desktop.bootstrap import Services, open_services
from spip_desktop.db import models as m
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.enums import MeasureType, ObligationType, Regime, Sex
from spip_desktop.domain.journal import EntryKind, Outcome
from spip_desktop.domain.model import MeasureDraft, ObligationDraft, PersonDraft
from spip_desktop.domain.rights import Actor, StepKind, StepStatus
from spip_desktop.domain.stages import (
    AttendanceChange,
    AttendanceCode,
    Cadre,
    EnrolmentDraft,
    SessionDraft,
    StageDraft,
)
from spip_desktop.domain.timeline import TimelineQuery
from spip_desktop.settings import Settings

FILE_NUMBER = "PROBE-CHRONO-0001"
TARGET_MS = 100.0
TODAY = date.today()


def find_base(persons: int) -> Path | None:
    data = ROOT / "bench" / "data"
    found = sorted(
        (p for p in data.glob(f"*-{persons}-*.sqlite3") if not p.name.startswith("audit")),
        key=lambda p: p.stat().st_mtime,
    )
    return found[-1] if found else None


def copy_base(source: Path, target: Path) -> None:
    """A consistent copy, even of a base another process has open."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def generate_base(target: Path, persons: int) -> None:
    command = [sys.executable, "-m", "spip_desktop", "--db", str(target), "demo"]
    subprocess.run([*command, "--persons", str(persons)], check=True, cwd=ROOT)


def add_person(services: Services) -> int:
    """A person with about 2,000 events from every source of the chronology."""
    services.sign_in_command_line("timeline probe: the person")
    persons = services.persons
    file = persons.create(
        PersonDraft(
            surname="Chronologie",
            given_names="Sonde",
            birth_date=date(1980, 5, 17),
            sex=Sex.MALE,
            file_number=FILE_NUMBER,
            regime=Regime.MILIEU_OUVERT,
        )
    )
    person_id = file.person.id
    draft, version = file.person.draft, file.person.version
    for n in range(150):  # changes to the file: real audit entries
        draft = replace(draft, phone=f"06 12 34 {n // 100:02d} {n % 100:02d}")
        version = persons.update(person_id, version, draft).person.version
    for n in range(4):
        decided = TODAY - timedelta(days=700 - 150 * n)
        persons.add_measure(
            person_id,
            MeasureDraft(
                measure_type=MeasureType.SURSIS_PROBATOIRE,
                court="Tribunal judiciaire de Bordeaux",
                decision_date=decided,
                referral_date=decided + timedelta(days=10),
                probation_start=decided,
                probation_end=decided + timedelta(days=730),
                obligations=(
                    ObligationDraft(ObligationType.SOINS),
                    ObligationDraft(ObligationType.ACTIVITE_FORMATION),
                    ObligationDraft(ObligationType.STAGE, "Stage de citoyenneté"),
                ),
            ),
        )
    stages = services.stages
    citizenship = next(t for t in stages.catalogue() if t.name == "Stage de citoyenneté")
    for n in range(12):  # 12 stages of 10 sessions: enrolments, attendance, attestations
        first = TODAY - timedelta(days=400 - 30 * n)
        stage = stages.save_stage(
            None,
            0,
            StageDraft(
                type_id=citizenship.id,
                title=f"Session sonde {n + 1}",
                venue="Maison de la justice et du droit",
                sessions=tuple(
                    SessionDraft(first + timedelta(days=d), clock(9), clock(12)) for d in range(10)
                ),
            ),
        )
        enrolment = stages.enrol(
            EnrolmentDraft(stage.id, person_id, Cadre.SURSIS_PROBATOIRE, "TJ 25/1", first)
        )
        stages.save_attendance(
            stage.id,
            [AttendanceChange(enrolment.id, s.id, AttendanceCode.PRESENT) for s in stage.sessions],
        )
        corrected = stage.sessions[0]
        record = stages.attendance_history(enrolment.id, corrected.id)[-1]
        stages.save_attendance(
            stage.id,
            [
                AttendanceChange(
                    enrolment.id, corrected.id, AttendanceCode.EXCUSED, "Certificat", record.id
                )
            ],
        )
        issued = stages.issue_attestation(enrolment.id)
        stages.reprint(issued.attestation_id)
    now = datetime.combine(TODAY, clock(9))
    with services.factory() as uow:
        session = uow.session
        path = (StepStatus.TO_START, StepStatus.IN_PROGRESS, StepStatus.FILED, StepStatus.OBTAINED)
        for n in range(100):  # 100 steps, 4 rows of history each
            opened = TODAY - timedelta(days=3 * n + 10)
            step = m.RightsStepRow(
                person_id=person_id,
                kind=StepKind.RSA,
                handled_by=Actor.SPIP,
                opened_on=opened,
                status=StepStatus.OBTAINED,
                status_at=datetime.combine(opened + timedelta(days=3), clock(11)),
                closed=True,
                outcome_on=opened + timedelta(days=3),
                created_by="Sonde",
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
                        note="Relance faite." if k == 2 else "",
                        author_login="sonde",
                        author="Sonde",
                        actor=Actor.SPIP,
                    )
                )
                previous = status
        rows = []
        for n in range(1_261):  # notes and appointments: 2,000 events in all
            appointment = n % 2 == 0
            rows.append(
                {
                    "person_id": person_id,
                    "kind": (EntryKind.INTERVIEW if appointment else EntryKind.NOTE).value,
                    "day": TODAY - timedelta(days=n),
                    "at": clock(10, 30) if appointment else None,
                    "subject": "Entretien de suivi" if appointment else "Note",
                    "text": "Point sur la situation, l'hébergement et l'emploi.",
                    "place": "Antenne",
                    "agent_id": None,
                    "outcome": Outcome.HONOURED.value if appointment else None,
                    "author": "Sonde",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(m.JournalEntryRow), rows)
        uow.commit()
    return person_id


class Statements:
    """The SQL and parameters of each statement run while the block is open."""

    def __init__(self, services: Services) -> None:
        self.engine = services.engine
        self.seen: list[tuple[str, Any]] = []

    def _record(self, conn: Any, cursor: Any, sql: str, params: Any, *_: Any) -> None:
        self.seen.append((sql, params))

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def plans(self, db: Path) -> list[tuple[str, list[str]]]:
        out = []
        with sqlite3.connect(db) as conn:
            for sql, params in self.seen:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
                out.append((" ".join(sql.split())[:110], [str(r[-1]) for r in rows]))
        return out


def timed(work: Any, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", type=Path, help="the base to copy (default: bench/data)")
    parser.add_argument("--persons", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="spip-timeline-probe-"))
    db = folder / "probe.sqlite3"
    source = args.base or find_base(args.persons)
    start = time.perf_counter()
    if source is not None:
        print(f"base : copie de {source}", file=sys.stderr)
        copy_base(source, db)
    else:
        print(f"base : génération de {args.persons} personnes", file=sys.stderr)
        generate_base(db, args.persons)
    services = open_services(Settings(sqlite_file_url(db), False, db, folder / "data"))
    try:
        with services.engine.connect() as connection:
            total_people = connection.exec_driver_sql("SELECT count(*) FROM person").scalar()
        print(f"base prête en {time.perf_counter() - start:.1f} s", file=sys.stderr)
        start = time.perf_counter()
        person_id = add_person(services)
        print(f"personne sonde créée en {time.perf_counter() - start:.1f} s", file=sys.stderr)
        services.sign_in_command_line("timeline probe: measure")
        query = TimelineQuery()
        timeline = services.timeline.timeline(person_id, query)
        for _ in range(5):  # warm: the page cache, as a running application has it
            services.timeline.timeline(person_id, query)
        settle_long_lived_objects()  # as the application does once its window is ready
        with Statements(services) as statements:
            services.timeline.timeline(person_id, query)
        service_ms = timed(lambda: services.timeline.timeline(person_id, query), args.repeat)
        filtered = TimelineQuery(start=TODAY - timedelta(days=90), end=TODAY)
        filtered_ms = timed(lambda: services.timeline.timeline(person_id, filtered), args.repeat)

        def raw() -> None:
            with sqlite3.connect(db) as conn:
                for sql in (
                    "SELECT * FROM measure WHERE person_id = ?",
                    "SELECT o.* FROM obligation o JOIN measure m ON m.id = o.measure_id "
                    "WHERE m.person_id = ?",
                    "SELECT * FROM enrolment WHERE person_id = ?",
                    "SELECT a.* FROM enrolment e JOIN attendance a ON a.enrolment_id = e.id "
                    "WHERE e.person_id = ?",
                    "SELECT a.* FROM enrolment e JOIN attestation a ON a.enrolment_id = e.id "
                    "WHERE e.person_id = ?",
                    "SELECT u.* FROM rights_step s JOIN rights_step_update u ON u.step_id = s.id "
                    "WHERE s.person_id = ?",
                    "SELECT * FROM journal_entry WHERE person_id = ?",
                    "SELECT * FROM audit_entry WHERE person_id = ?",
                ):
                    conn.execute(sql, (person_id,)).fetchall()

        raw_ms = timed(raw, args.repeat)
        start = time.perf_counter()
        pdf, _name = services.timeline.timeline_pdf(person_id, TimelineQuery(newest_first=False))
        pdf_s = time.perf_counter() - start
    finally:
        services.close()

    counts = timeline.count_by_kind()
    print(f"\n# Chronologie d'une personne — base de {total_people:,} personnes\n")
    print(
        f"Événements : {len(timeline.events):,} — "
        + ", ".join(f"{kind.label} {n}" for kind, n in counts.items())
    )
    print("\n| Scénario | p50 | p95 | moyenne | cible |")
    print("|---|---|---|---|---|")
    for name, samples, target in (
        ("service.timeline, tout (2 000 événements)", service_ms, f"≤ {TARGET_MS:.0f} ms"),
        ("service.timeline, les 90 derniers jours", filtered_ms, "—"),
        ("les mêmes lignes en SQL écrit à la main (référence)", raw_ms, "—"),
    ):
        print(
            f"| {name} | {percentile(samples, 0.5):.1f} ms | {percentile(samples, 0.95):.1f} ms "
            f"| {statistics.mean(samples):.1f} ms | {target} |"
        )
    print(f"\nPDF de toute la chronologie : {pdf_s:.2f} s, {len(pdf) / 1024:.0f} Ko.")
    print("\n## EXPLAIN QUERY PLAN\n")
    for sql, plan in statements.plans(db):
        print(f"- `{sql}…`")
        for line in plan:
            print(f"    - {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
