"""The SQL of stages: catalogue, stages and sessions, enrolments, attendance, attestations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..domain.stages import (
    AttendanceChange,
    AttendanceRecord,
    Enrolment,
    EnrolmentDraft,
    EnrolmentEnd,
    PersonSummary,
    SessionDraft,
    Stage,
    StageDraft,
    StageType,
    StageTypeDraft,
)
from ..domain.stages import (
    Session as StageSession,
)
from ..domain.text import fold
from . import models as m
from .repositories import checked

STAGE_GONE = "Ce stage n'existe plus : il a peut-être été supprimé."
ENROLMENT_GONE = "Cette inscription n'existe plus : elle a peut-être été annulée."


def _sequence_key(year: int) -> str:
    return f"attestation_sequence_{year}"


def _to_type(row: m.StageTypeRow) -> StageType:
    return StageType(
        id=row.id,
        version=row.version,
        draft=StageTypeDraft(
            name=row.name,
            kind=row.kind,
            default_minutes=row.default_minutes,
            default_price_cents=row.default_price_cents,
            usual_organiser=row.usual_organiser,
        ),
        official=row.official,
        active=row.active,
    )


def _to_session(row: m.StageSessionRow) -> StageSession:
    return StageSession(row.id, row.stage_id, row.day, row.start_time, row.end_time, row.label)


def _to_stage(row: m.StageRow, enrolled: int) -> Stage:
    ordered = sorted(row.sessions, key=lambda s: (s.day, s.start_time, s.id or 0))
    sessions = tuple(_to_session(s) for s in ordered)
    draft = StageDraft(
        type_id=row.type_id,
        title=row.title,
        organiser_kind=row.organiser_kind,
        organiser_name=row.organiser_name,
        venue=row.venue,
        capacity=row.capacity,
        price_cents=row.price_cents,
        required_minutes=row.required_minutes,
        facilitators=row.facilitators,
        notes=row.notes,
        sessions=tuple(SessionDraft(s.day, s.start, s.end, s.label, s.id) for s in sessions),
        capacity_override_reason=row.capacity_override_reason,
        organiser_partner_id=row.organiser_partner_id,
        venue_partner_id=row.venue_partner_id,
    )
    return Stage(
        id=row.id,
        version=row.version,
        draft=draft,
        stage_type=_to_type(row.stage_type),
        sessions=sessions,
        enrolled=enrolled,
        created_at=row.created_at,
    )


_PERSON_COLUMNS = (
    m.PersonRow.id,
    m.PersonRow.surname,
    m.PersonRow.given_names,
    m.PersonRow.birth_date,
    m.PersonRow.birth_place,
    m.PersonRow.file_number,
    m.PersonRow.referent_id,
    m.PersonRow.usage_name,
)


def _to_enrolment(row: m.EnrolmentRow, person: Any) -> Enrolment:
    end = (
        EnrolmentEnd(row.end_kind, row.end_day, row.end_reason)
        if row.end_kind is not None and row.end_day is not None
        else None
    )
    return Enrolment(
        id=row.id,
        version=row.version,
        stage_id=row.stage_id,
        person=PersonSummary(*person),
        cadre=row.cadre,
        decision_reference=row.decision_reference,
        final_date=row.final_date,
        enrolled_on=row.enrolled_on,
        end=end,
        capacity_override_reason=row.capacity_override_reason,
        enrolled_by=row.enrolled_by,
    )


def _to_record(row: m.AttendanceRow) -> AttendanceRecord:
    return AttendanceRecord(
        id=row.id,
        enrolment_id=row.enrolment_id,
        session_id=row.session_id,
        code=row.code,
        reason=row.reason,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        supersedes_id=row.supersedes_id,
    )


def _current() -> Any:
    """Attendance rows nobody superseded."""
    later = aliased(m.AttendanceRow)
    return ~exists().where(later.supersedes_id == m.AttendanceRow.id)


class StageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- catalogue --------------------------------------------------------------------
    def types(self, include_inactive: bool = True) -> list[StageType]:
        stmt = select(m.StageTypeRow).order_by(m.StageTypeRow.position, m.StageTypeRow.name)
        if not include_inactive:
            stmt = stmt.where(m.StageTypeRow.active.is_(True))
        return [_to_type(r) for r in self.session.scalars(stmt)]

    def type(self, type_id: int) -> StageType | None:
        row = self.session.get(m.StageTypeRow, type_id)
        return None if row is None else _to_type(row)

    def type_name_taken(self, name: str, exclude_id: int | None) -> bool:
        folded = fold(name)
        rows = self.session.execute(select(m.StageTypeRow.id, m.StageTypeRow.name)).all()
        return any(fold(n) == folded and i != exclude_id for i, n in rows)

    def save_type(
        self, type_id: int | None, version: int, draft: StageTypeDraft, active: bool
    ) -> int:
        if type_id is None:
            row = m.StageTypeRow(official=False, position=1000)
            self.session.add(row)
        else:
            row = checked(
                self.session.get(m.StageTypeRow, type_id), version, "Ce type n'existe plus."
            )
        if not row.official:
            row.name = draft.name.strip()
            row.kind = draft.kind
        row.default_minutes = draft.default_minutes
        row.default_price_cents = draft.default_price_cents
        row.usual_organiser = draft.usual_organiser.strip()
        row.active = active
        self.session.flush()
        return row.id

    # -- stages -----------------------------------------------------------------------
    def _stage_rows(self) -> Select[m.StageRow]:
        return select(m.StageRow).options(
            selectinload(m.StageRow.sessions), selectinload(m.StageRow.stage_type)
        )

    def _counts(self, stage_ids: Sequence[int]) -> dict[int, int]:
        """People enrolled and not withdrawn, per stage."""
        if not stage_ids:
            return {}
        rows = self.session.execute(
            select(m.EnrolmentRow.stage_id, func.count())
            .where(m.EnrolmentRow.stage_id.in_(list(stage_ids)), m.EnrolmentRow.end_kind.is_(None))
            .group_by(m.EnrolmentRow.stage_id)
        ).all()
        return {stage_id: count for stage_id, count in rows}

    def stages(
        self,
        since: date | None = None,
        until: date | None = None,
        type_id: int | None = None,
        limit: int = 1000,
    ) -> list[Stage]:
        """Stages whose dates meet [since, until], most recent first (undated ones too)."""
        stmt = self._stage_rows()
        if since is not None:
            stmt = stmt.where(or_(m.StageRow.last_day.is_(None), m.StageRow.last_day >= since))
        if until is not None:
            stmt = stmt.where(or_(m.StageRow.first_day.is_(None), m.StageRow.first_day <= until))
        if type_id is not None:
            stmt = stmt.where(m.StageRow.type_id == type_id)
        stmt = stmt.order_by(m.StageRow.first_day.desc(), m.StageRow.id.desc()).limit(limit)
        rows = self.session.scalars(stmt).all()
        counts = self._counts([r.id for r in rows])
        return [_to_stage(r, counts.get(r.id, 0)) for r in rows]

    def get(self, stage_id: int) -> Stage | None:
        row = self.session.scalars(self._stage_rows().where(m.StageRow.id == stage_id)).first()
        return None if row is None else _to_stage(row, self._counts([stage_id]).get(stage_id, 0))

    def lock(self, stage_id: int) -> None:
        """Serialise writers on one stage (capacity checks): bump nothing, take the row lock."""
        self.session.execute(
            select(m.StageRow.id).where(m.StageRow.id == stage_id).with_for_update()
        )

    def save(self, stage_id: int | None, version: int, draft: StageDraft) -> int:
        if stage_id is None:
            row = m.StageRow()
            self.session.add(row)
            existing: dict[int, m.StageSessionRow] = {}
        else:
            found = self.session.scalars(
                select(m.StageRow)
                .options(selectinload(m.StageRow.sessions))
                .where(m.StageRow.id == stage_id)
            ).first()
            row = checked(found, version, STAGE_GONE)
            existing = {s.id: s for s in row.sessions}
        assert draft.type_id is not None
        row.type_id = draft.type_id
        row.title = draft.title.strip()
        row.organiser_kind = draft.organiser_kind
        row.organiser_name = draft.organiser_name.strip()
        row.organiser_partner_id = draft.organiser_partner_id
        row.venue = draft.venue.strip()
        row.venue_partner_id = draft.venue_partner_id
        row.capacity = draft.capacity
        row.price_cents = draft.price_cents
        row.required_minutes = draft.required_minutes
        row.facilitators = draft.facilitators.strip()
        row.notes = draft.notes
        row.capacity_override_reason = draft.capacity_override_reason.strip()
        days = [s.day for s in draft.sessions if s.day is not None]
        row.first_day = min(days) if days else None
        row.last_day = max(days) if days else None
        sessions: list[m.StageSessionRow] = []
        for s in draft.sessions:
            assert s.day is not None and s.start is not None and s.end is not None
            target = existing.pop(s.id, None) if s.id is not None else None
            if target is None:
                target = m.StageSessionRow()
            target.day, target.start_time, target.end_time = s.day, s.start, s.end
            target.label = s.label.strip()
            sessions.append(target)
        row.sessions = sessions  # sessions left in ``existing`` are deleted (orphans)
        self.session.flush()
        return row.id

    def delete(self, stage_id: int, version: int) -> None:
        row = checked(self.session.get(m.StageRow, stage_id), version, STAGE_GONE)
        self.session.delete(row)
        self.session.flush()

    def sessions_with_attendance(self, session_ids: Iterable[int]) -> set[int]:
        ids = list(session_ids)
        if not ids:
            return set()
        rows = self.session.scalars(
            select(m.AttendanceRow.session_id).where(m.AttendanceRow.session_id.in_(ids)).distinct()
        )
        return set(rows)

    def stage_session(self, session_id: int) -> StageSession | None:
        row = self.session.get(m.StageSessionRow, session_id)
        return None if row is None else _to_session(row)

    # -- enrolments -------------------------------------------------------------------
    def _enrolments(self, *where: Any) -> list[Enrolment]:
        stmt = (
            select(m.EnrolmentRow, *_PERSON_COLUMNS)
            .join(m.PersonRow, m.PersonRow.id == m.EnrolmentRow.person_id)
            .where(*where)
            .order_by(m.PersonRow.sort_key, m.EnrolmentRow.id)
        )
        return [_to_enrolment(r[0], r[1:]) for r in self.session.execute(stmt).all()]

    def enrolments_of_stage(self, stage_id: int) -> list[Enrolment]:
        return self._enrolments(m.EnrolmentRow.stage_id == stage_id)

    def enrolments_of_person(self, person_id: int) -> list[Enrolment]:
        return self._enrolments(m.EnrolmentRow.person_id == person_id)

    def enrolment(self, enrolment_id: int) -> Enrolment | None:
        found = self._enrolments(m.EnrolmentRow.id == enrolment_id)
        return found[0] if found else None

    def is_enrolled(self, stage_id: int, person_id: int) -> bool:
        return (
            self.session.scalar(
                select(m.EnrolmentRow.id).where(
                    m.EnrolmentRow.stage_id == stage_id, m.EnrolmentRow.person_id == person_id
                )
            )
            is not None
        )

    def enrol(self, draft: EnrolmentDraft, today: date, by: str) -> int:
        assert draft.stage_id is not None and draft.person_id is not None
        assert draft.cadre is not None
        row = m.EnrolmentRow(
            stage_id=draft.stage_id,
            person_id=draft.person_id,
            cadre=draft.cadre,
            decision_reference=draft.decision_reference.strip(),
            final_date=draft.final_date,
            enrolled_on=today,
            enrolled_by=by,
            capacity_override_reason=draft.capacity_override_reason.strip(),
            end_reason="",
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def end(self, enrolment_id: int, version: int, end: EnrolmentEnd | None) -> None:
        row = checked(self.session.get(m.EnrolmentRow, enrolment_id), version, ENROLMENT_GONE)
        row.end_kind = None if end is None else end.kind
        row.end_day = None if end is None else end.day
        row.end_reason = "" if end is None else end.reason.strip()
        self.session.flush()

    def remove(self, enrolment_id: int, version: int) -> None:
        row = checked(self.session.get(m.EnrolmentRow, enrolment_id), version, ENROLMENT_GONE)
        self.session.delete(row)
        self.session.flush()

    # -- attendance -------------------------------------------------------------------
    def records(
        self, enrolment_ids: Sequence[int], current_only: bool = True
    ) -> list[AttendanceRecord]:
        if not enrolment_ids:
            return []
        stmt = select(m.AttendanceRow).where(m.AttendanceRow.enrolment_id.in_(list(enrolment_ids)))
        if current_only:
            stmt = stmt.where(_current())
        return [_to_record(r) for r in self.session.scalars(stmt.order_by(m.AttendanceRow.id))]

    def cell_history(self, enrolment_id: int, session_id: int) -> list[AttendanceRecord]:
        stmt = (
            select(m.AttendanceRow)
            .where(
                m.AttendanceRow.enrolment_id == enrolment_id,
                m.AttendanceRow.session_id == session_id,
            )
            .order_by(m.AttendanceRow.id)
        )
        return [_to_record(r) for r in self.session.scalars(stmt)]

    def has_records(self, enrolment_id: int) -> bool:
        return (
            self.session.scalar(
                select(m.AttendanceRow.id).where(m.AttendanceRow.enrolment_id == enrolment_id)
            )
            is not None
        )

    def add_records(
        self, changes: Sequence[AttendanceChange], at: datetime, login: str, name: str
    ) -> None:
        self.session.add_all(
            m.AttendanceRow(
                enrolment_id=c.enrolment_id,
                session_id=c.session_id,
                code=c.code,
                reason=c.reason.strip(),
                recorded_at=at,
                recorded_by_login=login,
                recorded_by=name,
                supersedes_id=c.replaces_id,
            )
            for c in changes
        )
        self.session.flush()

    # -- attestations -----------------------------------------------------------------
    def next_sequence(self, year: int) -> int:
        """The next number of ``year``: after the highest in the register and after the
        highest ever issued (kept in ``setting``: a purged file takes its register rows
        with it, and a number is never given twice)."""
        last = self.session.scalar(
            select(func.max(m.AttestationRow.sequence)).where(m.AttestationRow.year == year)
        )
        kept = self.session.get(m.SettingRow, _sequence_key(year))
        issued = int(kept.value) if kept is not None and kept.value.isdigit() else 0
        return max(last or 0, issued) + 1

    def remember_sequence(self, year: int, sequence: int) -> None:
        """Record the highest number issued in ``year`` (same transaction as the rows)."""
        key = _sequence_key(year)
        kept = self.session.get(m.SettingRow, key)
        if kept is None:
            self.session.add(m.SettingRow(key=key, value=str(sequence)))
        elif not kept.value.isdigit() or int(kept.value) < sequence:
            kept.value = str(sequence)
        self.session.flush()

    def add_attestation(
        self,
        number: str,
        year: int,
        sequence: int,
        enrolment_id: int,
        validated: bool,
        at: datetime,
        login: str,
        name: str,
        document: str,
    ) -> int:
        row = m.AttestationRow(
            number=number,
            year=year,
            sequence=sequence,
            enrolment_id=enrolment_id,
            validated=validated,
            issued_at=at,
            issued_by_login=login,
            issued_by=name,
            document=document,
        )
        self.session.add(row)
        self.session.flush()
        self.remember_sequence(year, sequence)
        return row.id

    def attestation(self, attestation_id: int) -> m.AttestationRow | None:
        return self.session.get(m.AttestationRow, attestation_id)

    def attestations(self, *where: Any) -> list[tuple[m.AttestationRow, int, int, int]]:
        """Register rows with (person id, stage id, copies printed), newest first."""
        copies = (
            select(func.count())
            .where(m.AttestationCopyRow.attestation_id == m.AttestationRow.id)
            .scalar_subquery()
        )
        stmt = (
            select(m.AttestationRow, m.EnrolmentRow.person_id, m.EnrolmentRow.stage_id, copies)
            .join(m.EnrolmentRow, m.EnrolmentRow.id == m.AttestationRow.enrolment_id)
            .where(*where)
            .order_by(m.AttestationRow.issued_at.desc(), m.AttestationRow.id.desc())
        )
        return [(r[0], r[1], r[2], r[3]) for r in self.session.execute(stmt).all()]

    def attestations_of_stage(self, stage_id: int) -> list[tuple[m.AttestationRow, int, int, int]]:
        return self.attestations(m.EnrolmentRow.stage_id == stage_id)

    def attestations_of_enrolment(
        self, enrolment_id: int
    ) -> list[tuple[m.AttestationRow, int, int, int]]:
        return self.attestations(m.AttestationRow.enrolment_id == enrolment_id)

    def attestations_of_person(
        self, person_id: int
    ) -> list[tuple[m.AttestationRow, int, int, int]]:
        return self.attestations(m.EnrolmentRow.person_id == person_id)

    def add_copy(self, attestation_id: int, at: datetime, login: str, name: str) -> None:
        self.session.add(
            m.AttestationCopyRow(
                attestation_id=attestation_id,
                printed_at=at,
                printed_by_login=login,
                printed_by=name,
            )
        )
        self.session.flush()

    def person_summaries(self, person_ids: Sequence[int]) -> dict[int, PersonSummary]:
        if not person_ids:
            return {}
        rows = self.session.execute(
            select(*_PERSON_COLUMNS).where(m.PersonRow.id.in_(list(person_ids)))
        ).all()
        return {r[0]: PersonSummary(*r) for r in rows}
