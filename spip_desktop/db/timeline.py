"""The SQL of a person's chronology: one indexed query per source, by the person's id.

Each method reads one part of the file as plain tuples (no ORM objects: a chronology
of 2,000 events is read in a few milliseconds); the timeline service turns them into
:class:`~spip_desktop.domain.timeline.TimelineEvent` lines and merges them.

======================  ===================================================
source                  index
======================  ===================================================
measures                ``ix_measure_person_id``
obligations             ``ix_measure_person_id``, ``ix_obligation_measure_id``
enrolments              ``ix_enrolment_person_id``
attendance              ``ix_enrolment_person_id``, ``ix_attendance_cell``
attestations            ``ix_enrolment_person_id``, ``ix_attestation_enrolment_id``
duplicatas              ... and ``ix_attestation_copy_attestation_id``
rights-step updates     ``ix_rights_step_person``, ``ix_rights_step_update_step_id``
journal                 ``ix_journal_entry_person_day``
changes to the file     ``ix_audit_entry_person_id``
======================  ===================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any, NamedTuple

from sqlalchemy import DateTime, bindparam, exists, select, text
from sqlalchemy.orm import Session, aliased

from ..domain.enums import MeasureType, ObligationType
from ..domain.journal import EntryKind, Outcome
from ..domain.rights import Actor, StepKind, StepStatus
from ..domain.stage_terms import AttendanceCode, Cadre, EndKind
from . import models as m


class MeasureFact(NamedTuple):
    id: int
    measure_type: MeasureType
    court: str
    jap_name: str
    decision_date: date | None
    final_date: date | None
    referral_date: date | None
    probation_start: date | None
    probation_end: date | None
    sentence_end: date | None
    created_at: datetime


class ObligationFact(NamedTuple):
    id: int
    measure_id: int
    kind: ObligationType
    details: str
    position: int
    measure_type: MeasureType
    decision_date: date | None
    referral_date: date | None
    created_at: datetime


class EnrolmentFact(NamedTuple):
    id: int
    type_name: str
    stage_title: str
    cadre: Cadre
    decision_reference: str
    enrolled_on: date
    enrolled_by: str
    end_kind: EndKind | None
    end_day: date | None
    end_reason: str


class AttendanceFact(NamedTuple):
    id: int
    enrolment_id: int
    type_name: str
    stage_title: str
    day: date
    start: time
    end: time
    code: AttendanceCode
    reason: str
    recorded_at: datetime
    recorded_by: str
    #: The code of the record this one corrects (``None``: the first record of the cell).
    previous_code: AttendanceCode | None


class AttestationFact(NamedTuple):
    id: int
    enrolment_id: int
    number: str
    validated: bool
    type_name: str
    stage_title: str
    #: When the original was issued, or (for a duplicata) when the copy was printed.
    at: datetime
    by: str
    duplicata: bool


class RightsFact(NamedTuple):
    id: int
    step_id: int
    at: datetime
    status: StepStatus
    previous: StepStatus | None
    note: str
    author: str
    actor: Actor
    kind: StepKind
    other_label: str
    partner_name: str | None


class JournalFact(NamedTuple):
    id: int
    kind: EntryKind
    day: date
    at: time | None
    subject: str
    text: str
    place: str
    outcome: Outcome | None
    author: str
    agent_given_name: str | None
    agent_surname: str | None

    @property
    def agent_name(self) -> str:
        return f"{self.agent_given_name or ''} {(self.agent_surname or '').upper()}".strip()


class FileChangeFact(NamedTuple):
    id: int
    at: datetime  # UTC, naive (as the audit trail stores it)
    actor_name: str
    action: str
    object_type: str
    object_id: int | None
    summary: str
    changes: str


#: The audit entries that are changes to the file (not consultations nor prints).
FILE_OBJECTS = ("person", "measure")
FILE_ACTIONS = ("create", "update", "delete")

_FILE_CHANGES_SQLITE = (
    text(
        "SELECT id, at, actor_name, action, object_type, object_id, summary, changes "
        "FROM audit_entry INDEXED BY ix_audit_entry_person_id "
        "WHERE person_id = :person_id "
        f"AND object_type IN ({', '.join(repr(o) for o in FILE_OBJECTS)}) "
        f"AND action IN ({', '.join(repr(a) for a in FILE_ACTIONS)}) "
        "AND at >= :since"
    )
    .bindparams(bindparam("since", type_=DateTime()))
    .columns(at=DateTime())
)


class TimelineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _rows(self, stmt: Any) -> Sequence[Any]:
        """The rows of a Core statement, as tuples."""
        return self.session.execute(stmt).all()

    # -- measures and obligations --------------------------------------------------------
    def measures(self, person_id: int) -> list[MeasureFact]:
        r = m.MeasureRow
        stmt = select(
            r.id,
            r.measure_type,
            r.court,
            r.jap_name,
            r.decision_date,
            r.final_date,
            r.referral_date,
            r.probation_start,
            r.probation_end,
            r.sentence_end,
            r.created_at,
        ).where(r.person_id == person_id)
        return [MeasureFact(*row) for row in self._rows(stmt)]

    def obligations(self, person_id: int) -> list[ObligationFact]:
        o, r = m.ObligationRow, m.MeasureRow
        stmt = (
            select(
                o.id,
                o.measure_id,
                o.kind,
                o.details,
                o.position,
                r.measure_type,
                r.decision_date,
                r.referral_date,
                r.created_at,
            )
            .join(r, r.id == o.measure_id)
            .where(r.person_id == person_id)
        )
        return [ObligationFact(*row) for row in self._rows(stmt)]

    # -- stages -------------------------------------------------------------------------
    def enrolments(self, person_id: int) -> list[EnrolmentFact]:
        e, s, t = m.EnrolmentRow, m.StageRow, m.StageTypeRow
        stmt = (
            select(
                e.id,
                t.name,
                s.title,
                e.cadre,
                e.decision_reference,
                e.enrolled_on,
                e.enrolled_by,
                e.end_kind,
                e.end_day,
                e.end_reason,
            )
            .join(s, s.id == e.stage_id)
            .join(t, t.id == s.type_id)
            .where(e.person_id == person_id)
        )
        return [EnrolmentFact(*row) for row in self._rows(stmt)]

    def attendance(self, person_id: int) -> list[AttendanceFact]:
        """The current record of each session attended (corrections carry the code they
        replaced)."""
        e, a, session, s, t = (
            m.EnrolmentRow,
            m.AttendanceRow,
            m.StageSessionRow,
            m.StageRow,
            m.StageTypeRow,
        )
        previous = aliased(m.AttendanceRow)
        later = aliased(m.AttendanceRow)
        stmt = (
            select(
                a.id,
                a.enrolment_id,
                t.name,
                s.title,
                session.day,
                session.start_time,
                session.end_time,
                a.code,
                a.reason,
                a.recorded_at,
                a.recorded_by,
                previous.code,
            )
            .select_from(e)
            .join(a, a.enrolment_id == e.id)
            .join(session, session.id == a.session_id)
            .join(s, s.id == e.stage_id)
            .join(t, t.id == s.type_id)
            .outerjoin(previous, previous.id == a.supersedes_id)
            .where(e.person_id == person_id, ~exists().where(later.supersedes_id == a.id))
        )
        return [AttendanceFact(*row) for row in self._rows(stmt)]

    def attestations(self, person_id: int) -> list[AttestationFact]:
        """The attestations issued, then each duplicata printed."""
        e, a, c, s, t = (
            m.EnrolmentRow,
            m.AttestationRow,
            m.AttestationCopyRow,
            m.StageRow,
            m.StageTypeRow,
        )
        originals = (
            select(
                a.id,
                a.enrolment_id,
                a.number,
                a.validated,
                t.name,
                s.title,
                a.issued_at,
                a.issued_by,
            )
            .select_from(e)
            .join(a, a.enrolment_id == e.id)
            .join(s, s.id == e.stage_id)
            .join(t, t.id == s.type_id)
            .where(e.person_id == person_id)
        )
        copies = (
            select(
                a.id,
                a.enrolment_id,
                a.number,
                a.validated,
                t.name,
                s.title,
                c.printed_at,
                c.printed_by,
            )
            .select_from(e)
            .join(a, a.enrolment_id == e.id)
            .join(c, c.attestation_id == a.id)
            .join(s, s.id == e.stage_id)
            .join(t, t.id == s.type_id)
            .where(e.person_id == person_id)
        )
        facts = [AttestationFact._make((*row, False)) for row in self._rows(originals)]
        facts += [AttestationFact._make((*row, True)) for row in self._rows(copies)]
        return facts

    # -- access to rights ---------------------------------------------------------------
    def rights_updates(self, person_id: int) -> list[RightsFact]:
        u, step, p = m.RightsStepUpdateRow, m.RightsStepRow, m.PartnerRow
        stmt = (
            select(
                u.id,
                u.step_id,
                u.at,
                u.status,
                u.previous,
                u.note,
                u.author,
                u.actor,
                step.kind,
                step.other_label,
                p.name,
            )
            .select_from(step)
            .join(u, u.step_id == step.id)
            .outerjoin(p, p.id == step.partner_id)
            .where(step.person_id == person_id)
        )
        return [RightsFact(*row) for row in self._rows(stmt)]

    # -- journal and changes to the file ------------------------------------------------
    def journal(self, person_id: int) -> list[JournalFact]:
        j, a = m.JournalEntryRow, m.AgentRow
        stmt = (
            select(
                j.id,
                j.kind,
                j.day,
                j.at,
                j.subject,
                j.text,
                j.place,
                j.outcome,
                j.author,
                a.given_name,
                a.surname,
            )
            .outerjoin(a, a.id == j.agent_id)
            .where(j.person_id == person_id)
        )
        return [JournalFact(*row) for row in self._rows(stmt)]

    def file_changes(self, person_id: int, since: datetime | None) -> list[FileChangeFact]:
        """Creations, changes and deletions of the person's identity and measures;
        ``since`` (the file's creation) leaves out those of an earlier, purged person
        whose id the database gave again.

        On SQLite the person's index is named (``INDEXED BY``): statistics gathered while
        the trail was nearly empty (a demonstration base is analysed as it is generated)
        would otherwise make the planner read the whole trail.
        """
        since = since or datetime(1900, 1, 1)
        if self.session.get_bind().dialect.name == "sqlite":
            rows = self.session.execute(
                _FILE_CHANGES_SQLITE, {"person_id": person_id, "since": since}
            ).all()
            return [FileChangeFact(*row) for row in rows]
        x = m.AuditEntryRow
        stmt = select(
            x.id, x.at, x.actor_name, x.action, x.object_type, x.object_id, x.summary, x.changes
        ).where(
            x.person_id == person_id,
            x.object_type.in_(FILE_OBJECTS),
            x.action.in_(FILE_ACTIONS),
            x.at >= since,
        )
        return [FileChangeFact(*row) for row in self._rows(stmt)]

    # -- the person ---------------------------------------------------------------------
    def person_by_file_number(self, file_number: str) -> int | None:
        return self.session.scalar(
            select(m.PersonRow.id).where(m.PersonRow.file_number == file_number.strip())
        )
