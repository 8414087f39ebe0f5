"""Stages and collective programmes: catalogue, planning, enrolment, attendance, documents.

Every use case checks the user's permission, runs in one transaction and leaves its
trace in the audit trail (see :mod:`spip_desktop.services.base`). Attestations are
issued into a register: the number is allocated in the same transaction as the
register row, and printing an attestation whose content has not changed gives the
registered document again, marked *DUPLICATA*.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditAction, AuditEvent, FieldChange, diff
from ..domain.dates import format_date, plural
from ..domain.documents import (
    AttendedSessionLine,
    AttestationDocument,
    PrintStamp,
    SignInLine,
    SignInSheet,
)
from ..domain.errors import DuplicateValue, InvalidInput, NotFound, PermissionDenied, SpipError
from ..domain.partners import Partner
from ..domain.security import Permission, User
from ..domain.service_settings import (
    DOCUMENT_DEFAULTS,
    ServiceSettings,
    missing_document_settings,
)
from ..domain.stages import (
    AttendanceChange,
    AttendanceRecord,
    AttendanceSheet,
    AttestationEntry,
    BatchOutcome,
    EndKind,
    Enrolment,
    EnrolmentDraft,
    EnrolmentEnd,
    EnrolmentLine,
    EnrolmentStatus,
    IssuedAttestation,
    OrganiserKind,
    PrintedSheet,
    Stage,
    StageDraft,
    StageQuery,
    StageType,
    StageTypeDraft,
    attestation_number,
    current_records,
    format_time,
    progress,
    validate_attendance,
    validate_end,
    validate_enrolment,
    validate_stage,
    validate_stage_type,
)
from ..domain.text import fold
from ..domain.validation import ValidationResult
from ..reports import build_attestation, build_sign_in_sheet
from .base import Clock, Service, UnitOfWorkSource, UserSession
from .documents import letterhead_of, local_now
from .files import discard, file_error, safe_file_name, write_part
from .rendering import BatchRenderer

log = logging.getLogger(__name__)


STAGE_GONE = "Ce stage n'existe plus : il a peut-être été supprimé."
ENROLMENT_GONE = "Cette inscription n'existe plus : elle a peut-être été annulée."
NOTHING_ATTENDED = (
    "{name} n'a suivi aucune séance de ce stage : il n'y a pas de présence à attester."
)
#: ``_issue`` finds the enrolment's latest attestation itself.
LOOK_UP = object()
#: Attempts at allocating an attestation number when another workstation took it first.
NUMBER_ATTEMPTS = 5


Progress = Callable[[int, int], bool]
"""``progress(done, total)``; returning ``False`` cancels the batch."""


def _stage_values(
    draft: StageDraft, types: dict[int, StageType], venues: dict[int, str] | None = None
) -> dict[str, Any]:
    values = dict(vars(draft))
    chosen = types.get(draft.type_id) if draft.type_id is not None else None
    values["type_id"] = chosen.name if chosen else draft.type_id
    # The organiser reads by its name (organiser_name), the venue's partner by its own.
    del values["organiser_partner_id"]
    venue_partner = draft.venue_partner_id
    values["venue_partner_id"] = (
        (venues or {}).get(venue_partner, venue_partner) if venue_partner is not None else None
    )
    values["sessions"] = [
        f"{format_date(s.day)} {format_time(s.start)}–{format_time(s.end)}"
        + (f" ({s.label})" if s.label else "")
        for s in draft.sessions
        if s.day and s.start and s.end
    ]
    return values


def _enrolment_values(enrolment: Enrolment | EnrolmentDraft) -> dict[str, Any]:
    return {
        "cadre": enrolment.cadre,
        "decision_reference": enrolment.decision_reference,
        "final_date": enrolment.final_date,
        "capacity_override_reason": enrolment.capacity_override_reason,
    }


class StageService(Service):
    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock = date.today,
        session: UserSession | None = None,
        now: Callable[[], datetime] = local_now,
    ) -> None:
        super().__init__(uow, today, session)
        self._now = now

    def now(self) -> datetime:
        """The wall-clock time the rules use (sessions started, phases)."""
        return self._now()

    # -- permissions --------------------------------------------------------------------
    def _require_stages(self) -> User:
        """Anyone who enrols, records attendance or prints sees the stages."""
        user = self.user
        if not any(
            user.may(p, any_person=True)
            for p in (Permission.ENROL, Permission.ATTENDANCE, Permission.PRINT)
        ):
            raise PermissionDenied()
        return user

    def _shown(self, enrolment: Enrolment) -> Enrolment:
        """The enrolment, its judicial details hidden from readers outside the caseload."""
        if self.may_see_person_stages(enrolment.person.referent_id):
            return enrolment
        return enrolment.hidden()

    def _printable(
        self, entries: Sequence[AttestationEntry], uow: UnitOfWork
    ) -> list[AttestationEntry]:
        """Register lines of the people the user may print for."""
        user = self.user
        referents = {
            p.id: p.referent_id
            for p in uow.stages.person_summaries(list({e.person_id for e in entries})).values()
        }
        return [e for e in entries if user.may(Permission.PRINT, referents.get(e.person_id))]

    def may_see_person_stages(self, referent_id: int | None) -> bool:
        user = self.user
        return any(
            user.may(p, referent_id)
            for p in (Permission.PERSON_DETAILS, Permission.ENROL, Permission.PRINT)
        )

    # -- catalogue ----------------------------------------------------------------------
    def catalogue(self, include_inactive: bool = False) -> tuple[StageType, ...]:
        self.user  # noqa: B018  (signed in: the catalogue holds nothing personal)
        with self._uow.reader() as uow:
            return tuple(uow.stages.types(include_inactive))

    def save_type(
        self, type_id: int | None, version: int, draft: StageTypeDraft, active: bool = True
    ) -> StageType:
        """Add a local type, or change an entry's defaults (official names stay as they are)."""
        self._require(Permission.CATALOGUE)
        result = validate_stage_type(draft)
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            before = uow.stages.type(type_id) if type_id is not None else None
            if type_id is not None and before is None:
                raise NotFound("Ce type n'existe plus.")
            if uow.stages.type_name_taken(draft.name, type_id) and not (before and before.official):
                raise DuplicateValue("name", "Une action du catalogue porte déjà ce nom.")
            new_id = uow.stages.save_type(type_id, version, draft, active)
            after = uow.stages.type(new_id)
            assert after is not None
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.CREATE if before is None else AuditAction.UPDATE,
                    "stage_type",
                    new_id,
                    summary=after.name,
                    changes=diff(
                        None if before is None else {**vars(before.draft), "active": before.active},
                        {**vars(after.draft), "active": after.active},
                    ),
                ),
            )
            uow.commit()
        return after

    # -- stages -------------------------------------------------------------------------
    def list_stages(self, query: StageQuery | None = None) -> tuple[Stage, ...]:
        """Stages, most recent first, filtered by phase, type and text."""
        self._require_stages()
        query = query or StageQuery()
        now = self._now()
        with self._uow.reader() as uow:
            stages = uow.stages.stages(type_id=query.type_id)
        words = fold(query.text).split()
        kept = []
        for stage in stages:
            if query.phase is not None and stage.phase(now) is not query.phase:
                continue
            haystack = fold(
                " ".join((stage.display_title, stage.draft.venue, stage.draft.organiser_name))
            )
            if all(word in haystack for word in words):
                kept.append(stage)
        return tuple(kept)

    def get_stage(self, stage_id: int) -> Stage:
        self._require_stages()
        with self._uow.reader() as uow:
            stage = uow.stages.get(stage_id)
        if stage is None:
            raise NotFound(STAGE_GONE)
        return stage

    def check_stage(self, draft: StageDraft, enrolled: int = 0) -> ValidationResult:
        """The planning rules, for the form to show as the user types."""
        self._require_stages()
        with self._uow.reader() as uow:
            chosen = uow.stages.type(draft.type_id) if draft.type_id is not None else None
        return validate_stage(draft, chosen.kind if chosen else None, enrolled)

    def partner_choices(self) -> tuple[Partner, ...]:
        """The active partners of the directory, to organise a stage or lend its venue."""
        self._require_stages()
        with self._uow.reader() as uow:
            return tuple(uow.partners.partners(include_archived=False))

    @staticmethod
    def _with_partners(
        uow: UnitOfWork, draft: StageDraft, before: Stage | None, result: ValidationResult
    ) -> StageDraft:
        """The draft with its organiser's name as the directory has it now.

        A partner must still exist; an archived one is refused unless the stage already
        had it (an old stage keeps its organiser and its venue).
        """
        old = before.draft if before is not None else StageDraft()
        chosen = {
            "organiser_partner_id": draft.organiser_partner_id
            if draft.organiser_kind is OrganiserKind.PARTNER
            else None,
            "venue_partner_id": draft.venue_partner_id,
        }
        names: dict[str, str] = {}
        for name, partner_id in chosen.items():
            if partner_id is None:
                continue
            partner = uow.partners.get(partner_id)
            what = "organisateur" if name == "organiser_partner_id" else "lieu d'accueil"
            if partner is None:
                result.error(
                    name,
                    f"Le partenaire choisi comme {what} n'existe plus : choisissez-en un autre.",
                )
            elif not partner.active and getattr(old, name) != partner_id:
                result.error(
                    name,
                    f"« {partner.name} » est archivé : il n'est plus proposé pour un nouveau "
                    "stage. Choisissez un partenaire actif de l'annuaire.",
                )
            else:
                names[name] = partner.name
        if draft.organiser_kind is OrganiserKind.SPIP:
            return replace(draft, organiser_partner_id=None, organiser_name="")
        organiser = names.get("organiser_partner_id")
        return draft if organiser is None else replace(draft, organiser_name=organiser)

    def save_stage(self, stage_id: int | None, version: int, draft: StageDraft) -> Stage:
        """Plan a stage, or change one; sessions keep their ids (and their attendance).

        A partner organiser is a record of the directory: its name is copied into the
        stage (what the documents print) at each save.
        """
        self._require(Permission.ENROL)
        now = self._now()
        with self._uow() as uow:
            types = {t.id: t for t in uow.stages.types()}
            chosen = types.get(draft.type_id) if draft.type_id is not None else None
            if draft.type_id is not None and chosen is None:
                raise NotFound("Ce type de stage n'existe plus.")
            if stage_id is not None:
                uow.stages.lock(stage_id)  # capacity and recorded sessions read as they are
            before = uow.stages.get(stage_id) if stage_id is not None else None
            if stage_id is not None and before is None:
                raise NotFound(STAGE_GONE)
            partner_problems = ValidationResult()
            draft = self._with_partners(uow, draft, before, partner_problems)
            result = validate_stage(
                draft, chosen.kind if chosen else None, before.enrolled if before else 0
            )
            for name, message in partner_problems.errors.items():
                result.errors[name] = message
            if before is not None:
                self._check_recorded_sessions(uow, before, draft, now, result)
            if not result.ok:
                raise InvalidInput(result)
            new_id = uow.stages.save(stage_id, version, draft)
            after = uow.stages.get(new_id)
            assert after is not None
            venues = uow.partners.names(
                [
                    s.draft.venue_partner_id
                    for s in (before, after)
                    if s is not None and s.draft.venue_partner_id is not None
                ]
            )
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.CREATE if before is None else AuditAction.UPDATE,
                    "stage",
                    new_id,
                    summary=after.display_title,
                    changes=diff(
                        None if before is None else _stage_values(before.draft, types, venues),
                        _stage_values(after.draft, types, venues),
                    ),
                ),
            )
            uow.commit()
        return after

    @staticmethod
    def _check_recorded_sessions(
        uow: UnitOfWork, before: Stage, draft: StageDraft, now: datetime, result: ValidationResult
    ) -> None:
        """A session with attendance cannot go, nor move to a time that has not come yet."""
        recorded = uow.stages.sessions_with_attendance(s.id for s in before.sessions)
        kept = {s.id: s for s in draft.sessions if s.id is not None}
        for session in before.sessions:
            if session.id not in recorded:
                continue
            edited = kept.get(session.id)
            if edited is None:
                result.error(
                    "sessions",
                    f"La séance du {session.describe()} a des présences saisies : "
                    "elle ne peut pas être supprimée.",
                )
            elif (
                edited.day is not None
                and edited.start is not None
                and datetime.combine(edited.day, edited.start) > now
            ):
                result.error(
                    "sessions",
                    f"La séance du {session.describe()} a des présences saisies : "
                    "elle ne peut pas être déplacée à une date à venir.",
                )

    def delete_stage(self, stage_id: int, version: int) -> None:
        """Delete a stage nobody is enrolled in (withdraw people first)."""
        self._require(Permission.ENROL)
        with self._uow() as uow:
            stage = uow.stages.get(stage_id)
            if stage is None:
                raise NotFound(STAGE_GONE)
            if uow.stages.enrolments_of_stage(stage_id):
                raise SpipError(
                    "Des personnes sont inscrites à ce stage : il ne peut pas être supprimé. "
                    "Annulez d'abord leurs inscriptions."
                )
            uow.stages.delete(stage_id, version)
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.DELETE,
                    "stage",
                    stage_id,
                    summary=stage.display_title,
                    changes=diff(
                        _stage_values(
                            stage.draft,
                            {stage.stage_type.id: stage.stage_type},
                            uow.partners.names(
                                [p] if (p := stage.draft.venue_partner_id) is not None else []
                            ),
                        ),
                        None,
                    ),
                ),
            )
            uow.commit()

    # -- enrolment ----------------------------------------------------------------------
    def check_enrolment(self, draft: EnrolmentDraft) -> ValidationResult:
        """The enrolment rules, for the form (deadline, duplicates, capacity)."""
        self._require(Permission.ENROL)
        with self._uow.reader() as uow:
            stage = uow.stages.get(draft.stage_id) if draft.stage_id is not None else None
            twice = (
                stage is not None
                and draft.person_id is not None
                and uow.stages.is_enrolled(stage.id, draft.person_id)
            )
        if stage is None:
            result = ValidationResult()
            result.error("stage_id", "Choisissez le stage.")
            return result
        return validate_enrolment(draft, stage, self._today(), twice)

    def enrol(self, draft: EnrolmentDraft) -> Enrolment:
        if draft.stage_id is None or draft.person_id is None:
            result = ValidationResult()
            result.error("person_id", "Choisissez la personne et le stage.")
            raise InvalidInput(result)
        with self._uow() as uow:
            person = uow.persons.get(draft.person_id)
            if person is None:
                raise NotFound("Ce dossier n'existe plus : il a peut-être été supprimé.")
            user = self._require_for(Permission.ENROL, person.draft.referent_id)
            uow.stages.lock(draft.stage_id)
            stage = uow.stages.get(draft.stage_id)
            if stage is None:
                raise NotFound(STAGE_GONE)
            twice = uow.stages.is_enrolled(stage.id, person.id)
            result = validate_enrolment(draft, stage, self._today(), twice)
            if not result.ok:
                raise InvalidInput(result)
            enrolment_id = uow.stages.enrol(draft, self._today(), user.display_name)
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.CREATE,
                    "enrolment",
                    enrolment_id,
                    person.id,
                    f"Inscription : {stage.display_title}",
                    diff(None, {"stage_id": stage.display_title, **_enrolment_values(draft)}),
                ),
            )
            uow.commit()
            enrolment = uow.stages.enrolment(enrolment_id)
        assert enrolment is not None
        return enrolment

    def _enrolment_for(
        self, uow: UnitOfWork, enrolment_id: int, permission: Permission
    ) -> tuple[Enrolment, Stage]:
        enrolment = uow.stages.enrolment(enrolment_id)
        if enrolment is None:
            raise NotFound(ENROLMENT_GONE)
        self._require_for(permission, enrolment.person.referent_id)
        stage = uow.stages.get(enrolment.stage_id)
        if stage is None:
            raise NotFound(STAGE_GONE)
        return enrolment, stage

    def end_enrolment(
        self, enrolment_id: int, version: int, kind: EndKind, day: date, reason: str
    ) -> Enrolment:
        """Record a withdrawal (*abandon*) or an exclusion, with its reason."""
        result = validate_end(kind, day, reason, self._today())
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            enrolment, stage = self._enrolment_for(uow, enrolment_id, Permission.ENROL)
            uow.stages.lock(stage.id)  # no attendance saved meanwhile after the end
            end = EnrolmentEnd(kind, day, reason.strip())
            uow.stages.end(enrolment_id, version, end)
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.UPDATE,
                    "enrolment",
                    enrolment_id,
                    enrolment.person.id,
                    f"{kind.label} : {stage.display_title}",
                    diff(
                        {"end_kind": None, "end_day": None, "end_reason": ""},
                        {"end_kind": kind, "end_day": day, "end_reason": end.reason},
                    ),
                ),
            )
            uow.commit()
            updated = uow.stages.enrolment(enrolment_id)
        assert updated is not None
        return updated

    def remove_enrolment(self, enrolment_id: int, version: int) -> None:
        """Cancel an enrolment made by mistake: only while nothing was recorded or issued."""
        with self._uow() as uow:
            enrolment, stage = self._enrolment_for(uow, enrolment_id, Permission.ENROL)
            uow.stages.lock(stage.id)  # an attendance save in flight commits first
            if uow.stages.has_records(enrolment_id):
                raise SpipError(
                    "Des présences sont saisies pour cette inscription : elle ne peut pas être "
                    "annulée. Enregistrez plutôt un abandon ou une exclusion."
                )
            uow.stages.remove(enrolment_id, version)
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.DELETE,
                    "enrolment",
                    enrolment_id,
                    enrolment.person.id,
                    f"Inscription annulée : {stage.display_title}",
                    diff({"stage_id": stage.display_title, **_enrolment_values(enrolment)}, None),
                ),
            )
            uow.commit()

    def stage_enrolments(self, stage_id: int) -> tuple[EnrolmentLine, ...]:
        """Everyone enrolled in a stage with their computed progress and attestations."""
        self._require_stages()
        now = self._now()
        with self._uow.reader() as uow:
            stage = uow.stages.get(stage_id)
            if stage is None:
                raise NotFound(STAGE_GONE)
            enrolments = uow.stages.enrolments_of_stage(stage_id)
            records = uow.stages.records([e.id for e in enrolments])
            register = self._printable(
                self._entries(uow, uow.stages.attestations_of_stage(stage_id)), uow
            )
        return tuple(
            EnrolmentLine(
                self._shown(e),
                stage,
                progress(e, stage, records, now),
                tuple(a for a in register if a.person_id == e.person.id),
            )
            for e in enrolments
        )

    def person_enrolments(self, person_id: int) -> tuple[EnrolmentLine, ...]:
        """A person's stages with status and hours, for their file."""
        now = self._now()
        with self._uow.reader() as uow:
            person = uow.persons.get(person_id)
            if person is None:
                raise NotFound("Ce dossier n'existe plus : il a peut-être été supprimé.")
            if not self.may_see_person_stages(person.draft.referent_id):
                raise PermissionDenied()
            enrolments = uow.stages.enrolments_of_person(person_id)
            stages = {e.stage_id: uow.stages.get(e.stage_id) for e in enrolments}
            records = uow.stages.records([e.id for e in enrolments])
            register = self._entries(uow, uow.stages.attestations_of_person(person_id))
        lines = []
        for e in enrolments:
            stage = stages[e.stage_id]
            assert stage is not None
            lines.append(
                EnrolmentLine(
                    e,
                    stage,
                    progress(e, stage, records, now),
                    tuple(a for a in register if a.stage_id == stage.id),
                )
            )
        return tuple(sorted(lines, key=lambda line: line.stage.first_day or date.min, reverse=True))

    # -- attendance ---------------------------------------------------------------------
    def attendance_sheet(self, stage_id: int) -> AttendanceSheet:
        """The grid's content: the stage, its people and the current records."""
        self._require_stages()
        with self._uow.reader() as uow:
            sheet = self._sheet(uow, stage_id)
        return replace(sheet, enrolments=tuple(self._shown(e) for e in sheet.enrolments))

    @staticmethod
    def _sheet(uow: UnitOfWork, stage_id: int) -> AttendanceSheet:
        stage = uow.stages.get(stage_id)
        if stage is None:
            raise NotFound(STAGE_GONE)
        enrolments = uow.stages.enrolments_of_stage(stage_id)
        records = uow.stages.records([e.id for e in enrolments])
        return AttendanceSheet(stage, tuple(enrolments), current_records(records))

    def save_attendance(
        self, stage_id: int, changes: Sequence[AttendanceChange]
    ) -> AttendanceSheet:
        """Record the grid's changes in one transaction; a correction supersedes the record
        it replaces, which stays in the history. All or nothing."""
        user = self._require(Permission.ATTENDANCE)
        now = self._now()
        with self._uow() as uow:
            uow.stages.lock(stage_id)
            sheet = self._sheet(uow, stage_id)
            enrolments = {e.id: e for e in sheet.enrolments}
            problems: list[str] = []
            for change in changes:
                session = sheet.stage.session(change.session_id)
                enrolment = enrolments.get(change.enrolment_id)
                problem = validate_attendance(change, session, enrolment, now)
                current = sheet.record(change.enrolment_id, change.session_id)
                if problem is None and (current.id if current else None) != change.replaces_id:
                    who = current.recorded_by if current else "un autre agent"
                    problem = (
                        f"{enrolment.person.display_name if enrolment else ''}, séance du "
                        f"{format_date(session.day) if session else ''} : la présence a été "
                        f"saisie entre-temps par {who}. Rechargez la grille pour la voir."
                    )
                if problem is not None:
                    problems.append(problem)
            if problems:
                result = ValidationResult()
                for index, problem in enumerate(problems):
                    result.error(f"cell{index}", problem)
                raise InvalidInput(result)
            effective = [
                c
                for c in changes
                if not (
                    (current := sheet.record(c.enrolment_id, c.session_id))
                    and current.code is c.code
                    and current.reason == c.reason.strip()
                )
            ]
            if not effective:
                return replace(sheet, enrolments=tuple(self._shown(e) for e in sheet.enrolments))
            uow.stages.add_records(effective, now, user.login, user.display_name)
            for enrolment_id in dict.fromkeys(c.enrolment_id for c in effective):
                enrolment = enrolments[enrolment_id]
                self._audit(
                    uow,
                    AuditEvent(
                        AuditAction.UPDATE,
                        "attendance",
                        enrolment_id,
                        enrolment.person.id,
                        f"Présences : {sheet.stage.display_title}",
                        tuple(
                            self._attendance_change(sheet, c)
                            for c in effective
                            if c.enrolment_id == enrolment_id
                        ),
                    ),
                )
            uow.commit()
            sheet = self._sheet(uow, stage_id)
        return replace(sheet, enrolments=tuple(self._shown(e) for e in sheet.enrolments))

    @staticmethod
    def _attendance_change(sheet: AttendanceSheet, change: AttendanceChange) -> FieldChange:
        session = sheet.stage.session(change.session_id)
        assert session is not None
        current = sheet.record(change.enrolment_id, change.session_id)

        def label(code: Any, reason: str) -> str:
            return f"{code.label} ({reason})" if reason else str(code.label)

        return FieldChange(
            f"Séance du {format_date(session.day)} {format_time(session.start)}",
            label(current.code, current.reason) if current else None,
            label(change.code, change.reason.strip()),
        )

    def attendance_history(
        self, enrolment_id: int, session_id: int
    ) -> tuple[AttendanceRecord, ...]:
        """Every record of one cell, superseded ones included, oldest first."""
        self._require_stages()
        with self._uow.reader() as uow:
            return tuple(uow.stages.cell_history(enrolment_id, session_id))

    # -- attestations -------------------------------------------------------------------
    def _entries(
        self, uow: UnitOfWork, rows: Sequence[tuple[Any, int, int, int]]
    ) -> list[AttestationEntry]:
        people = uow.stages.person_summaries(list({person_id for _, person_id, _, _ in rows}))
        titles: dict[int, str] = {}
        entries = []
        for row, person_id, stage_id, copies in rows:
            if stage_id not in titles:
                stage = uow.stages.get(stage_id)
                titles[stage_id] = stage.display_title if stage else ""
            person = people.get(person_id)
            entries.append(
                AttestationEntry(
                    id=row.id,
                    number=row.number,
                    person_id=person_id,
                    person_name=person.display_name if person else "",
                    stage_id=stage_id,
                    stage_title=titles[stage_id],
                    validated=row.validated,
                    issued_at=row.issued_at,
                    issued_by=row.issued_by,
                    copies=copies,
                )
            )
        return entries

    def register(self, stage_id: int | None = None) -> tuple[AttestationEntry, ...]:
        """The register of attestations issued (for one stage, or all)."""
        self._require(Permission.PRINT)
        with self._uow.reader() as uow:
            rows = (
                uow.stages.attestations_of_stage(stage_id)
                if stage_id is not None
                else uow.stages.attestations()
            )
            return tuple(self._printable(self._entries(uow, rows), uow))

    def _document(
        self,
        enrolment: Enrolment,
        stage: Stage,
        records: Sequence[AttendanceRecord],
        settings: ServiceSettings,
    ) -> AttestationDocument:
        """The attestation's content (number still empty), or a refusal."""
        now = self._now()
        state = progress(enrolment, stage, records, now)
        mine = {r.session_id: r for r in records if r.enrolment_id == enrolment.id}
        lines = tuple(
            AttendedSessionLine(s.day, s.start, s.end, mine[s.id].code.short_label, s.minutes)
            for s in stage.sessions
            if s.id in mine and mine[s.id].code.attended
        )
        if not lines:
            raise SpipError(NOTHING_ATTENDED.format(name=enrolment.person.display_name))
        assert stage.first_day is not None and stage.last_day is not None
        p = enrolment.person
        return AttestationDocument(
            number="",
            # "a suivi l'intégralité": validated AND present at every session (a service may
            # require fewer hours than the sessions last; the sentence must stay true)
            validated=state.status is EnrolmentStatus.VALIDE
            and state.attended_sessions == state.total_sessions,
            surname=p.surname,
            given_names=p.given_names,
            usage_name=p.usage_name,
            birth_date=p.birth_date,
            birth_place=p.birth_place,
            action_noun=stage.kind.noun,
            action_name=stage.name,
            cadre=enrolment.cadre.label,
            decision_reference=enrolment.decision_reference,
            recipient=enrolment.cadre.recipient.label,
            organiser=stage.draft.organiser_label(settings.service_name),
            venue=stage.draft.venue,
            first_day=stage.first_day,
            last_day=stage.last_day,
            sessions=lines,
            attended_minutes=state.attended_minutes,
            required_minutes=state.required_minutes,
            place=settings.signature_place.strip() or settings.city.strip(),
            signatory_name=settings.signatory_name.strip(),
            signatory_role=settings.signatory_role.strip() or DOCUMENT_DEFAULTS["signatory_role"],
            issued_on=self._today(),
        )

    @staticmethod
    def _notices(settings: ServiceSettings) -> tuple[str, ...]:
        missing = missing_document_settings(settings)
        if not missing:
            return ()
        return (
            "Paramètres du service incomplets (" + ", ".join(missing) + ") : le document "
            "porte des valeurs par défaut. Complétez-les dans Paramètres.",
        )

    def _stamp(self, user: User) -> PrintStamp:
        return PrintStamp(self._now(), user.display_name)

    def _issue(
        self,
        uow: UnitOfWork,
        user: User,
        enrolment: Enrolment,
        document: AttestationDocument,
        settings: ServiceSettings,
        sequence: int,
        previous: Any = LOOK_UP,
    ) -> tuple[int, AttestationDocument, bool]:
        """Register ``document`` under a new number, or find the same one already issued.

        ``previous`` is the enrolment's latest register row when the caller has it
        (``None``: there is none). Returns the register id, the document as printed,
        and whether it is a duplicata.
        """
        if previous is LOOK_UP:
            rows = uow.stages.attestations_of_enrolment(enrolment.id)  # newest first
            previous = rows[0][0] if rows else None
        if previous is not None:
            row = previous
            issued = AttestationDocument.from_json(row.document)
            if replace(issued, number="", issued_on=document.issued_on) == document:
                uow.stages.add_copy(row.id, self._now(), user.login, user.display_name)
                self._audit(
                    uow,
                    AuditEvent(
                        AuditAction.PRINT,
                        "attestation",
                        row.id,
                        enrolment.person.id,
                        f"Attestation {row.number} (duplicata)",
                    ),
                )
                return row.id, issued, True
        year = document.issued_on.year
        number = attestation_number(settings.service_code, year, sequence)
        numbered = replace(document, number=number)
        attestation_id = uow.stages.add_attestation(
            number,
            year,
            sequence,
            enrolment.id,
            numbered.validated,
            self._now(),
            user.login,
            user.display_name,
            numbered.to_json(),
        )
        self._audit(
            uow,
            AuditEvent(
                AuditAction.PRINT,
                "attestation",
                attestation_id,
                enrolment.person.id,
                f"Attestation {number} ({numbered.title.lower()})",
            ),
        )
        return attestation_id, numbered, False

    @staticmethod
    def _file_name(document: AttestationDocument, duplicata: bool = False) -> str:
        """``Attestation_SPIP-33-2026-00042_DUPONT.pdf`` (``…_DUPLICATA.pdf`` for a copy:
        a batch into the same folder never overwrites an original with its duplicata)."""
        copy = "_DUPLICATA" if duplicata else ""
        return f"Attestation_{document.number}_{safe_file_name(document.surname)}{copy}.pdf"

    def issue_attestation(self, enrolment_id: int) -> IssuedAttestation:
        """The attestation of one enrolment: a new number, or a duplicata when unchanged."""
        for attempt in range(NUMBER_ATTEMPTS):
            try:
                return self._issue_one(enrolment_id)
            except DuplicateValue:
                if attempt == NUMBER_ATTEMPTS - 1:
                    raise
                log.info("attestation number taken by another workstation: trying the next one")
        raise AssertionError("unreachable")

    def _issue_one(self, enrolment_id: int) -> IssuedAttestation:
        with self._uow() as uow:
            enrolment, stage = self._enrolment_for(uow, enrolment_id, Permission.PRINT)
            user = self.user
            settings = uow.settings.load()
            records = uow.stages.records([enrolment.id])
            document = self._document(enrolment, stage, records, settings)
            sequence = uow.stages.next_sequence(document.issued_on.year)
            attestation_id, printed, duplicata = self._issue(
                uow, user, enrolment, document, settings, sequence
            )
            pdf = build_attestation(
                printed, letterhead_of(settings), self._stamp(user), duplicata=duplicata
            )
            uow.commit()
        return IssuedAttestation(
            attestation_id,
            printed.number,
            pdf,
            duplicata,
            self._file_name(printed, duplicata),
            self._notices(settings),
        )

    def reprint(self, attestation_id: int) -> IssuedAttestation:
        """The registered attestation again, marked *DUPLICATA* (and the copy registered)."""
        with self._uow() as uow:
            row = uow.stages.attestation(attestation_id)
            if row is None:
                raise NotFound("Cette attestation n'existe plus.")
            enrolment, _stage = self._enrolment_for(uow, row.enrolment_id, Permission.PRINT)
            user = self.user
            settings = uow.settings.load()
            document = AttestationDocument.from_json(row.document)
            uow.stages.add_copy(row.id, self._now(), user.login, user.display_name)
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.PRINT,
                    "attestation",
                    row.id,
                    enrolment.person.id,
                    f"Attestation {row.number} (duplicata)",
                ),
            )
            pdf = build_attestation(
                document, letterhead_of(settings), self._stamp(user), duplicata=True
            )
            uow.commit()
        return IssuedAttestation(
            row.id,
            row.number,
            pdf,
            True,
            self._file_name(document, duplicata=True),
            self._notices(settings),
        )

    def issue_for_stage(
        self,
        stage_id: int,
        target: Path,
        combined: bool,
        on_progress: Progress | None = None,
    ) -> BatchOutcome:
        """Everyone's attestation for a stage (see :meth:`_issue_for_stage`), trying again
        when another workstation took one of the numbers meanwhile."""
        for attempt in range(NUMBER_ATTEMPTS):
            try:
                return self._issue_for_stage(stage_id, target, combined, on_progress)
            except DuplicateValue:
                if attempt == NUMBER_ATTEMPTS - 1:
                    raise
                log.info("attestation numbers taken by another workstation: trying again")
        raise AssertionError("unreachable")

    def _issue_for_stage(
        self,
        stage_id: int,
        target: Path,
        combined: bool,
        on_progress: Progress | None = None,
    ) -> BatchOutcome:
        """Everyone's attestation for a stage: one combined PDF (``target`` is the file) or
        one PDF per person (``target`` is a folder).

        All or nothing: the numbers are registered in the same transaction that writes the
        files (as ``.part`` files, renamed at the end); a full disk, an unwritable folder
        or a cancel leaves no file and no register entry behind.
        """
        self._require(Permission.PRINT)
        if not combined and not target.is_dir():
            raise SpipError(f"Le dossier « {target} » n'existe pas : choisissez-en un autre.")
        # The layout process starts now: it loads ReportLab while the numbers are registered.
        with BatchRenderer() as renderer, self._uow() as uow:
            user = self.user
            stage = uow.stages.get(stage_id)
            if stage is None:
                raise NotFound(STAGE_GONE)
            settings = uow.settings.load()
            enrolments = uow.stages.enrolments_of_stage(stage_id)
            records: dict[int, list[AttendanceRecord]] = {e.id: [] for e in enrolments}
            for record in uow.stages.records(list(records)):
                records[record.enrolment_id].append(record)
            latest: dict[int, Any] = {}
            for row, *_ in uow.stages.attestations_of_stage(stage_id):  # newest first
                latest.setdefault(row.enrolment_id, row)
            skipped: list[str] = []
            documents: list[tuple[Enrolment, AttestationDocument]] = []
            for enrolment in enrolments:
                name = enrolment.person.display_name
                if not user.may(Permission.PRINT, enrolment.person.referent_id):
                    skipped.append(f"{name} : hors de votre portefeuille")
                    continue
                try:
                    document = self._document(enrolment, stage, records[enrolment.id], settings)
                except SpipError:
                    skipped.append(f"{name} : aucune séance suivie")
                    continue
                documents.append((enrolment, document))
            if not documents:
                raise SpipError(
                    "Personne n'a suivi de séance de ce stage : il n'y a aucune attestation à "
                    "produire."
                )
            sequence = uow.stages.next_sequence(self._today().year)
            printed: list[tuple[AttestationDocument, bool]] = []
            for enrolment, document in documents:
                _id, doc, duplicata = self._issue(
                    uow, user, enrolment, document, settings, sequence, latest.get(enrolment.id)
                )
                if not duplicata:
                    sequence += 1
                printed.append((doc, duplicata))
            finals = (
                iter([target])
                if combined
                else iter(target / self._file_name(doc, duplicata) for doc, duplicata in printed)
            )
            parts: list[tuple[Path, Path]] = []
            try:
                renderer.render(
                    printed,
                    letterhead_of(settings),
                    self._stamp(user),
                    combined,
                    lambda pdf: parts.append(self._write_part(next(finals), pdf)),
                    on_progress,
                )
                uow.commit()
            except BaseException:
                for part, _final in parts:
                    discard(part)
                raise
        written = []
        for index, (part, final) in enumerate(parts):
            try:
                os.replace(part, final)
            except OSError as error:  # after the commit: the numbers are registered
                for leftover, _ in parts[index:]:
                    discard(leftover)
                raise SpipError(
                    f"Les attestations sont délivrées et inscrites au registre, mais "
                    f"« {final.name} » n'a pas pu être mis en place ({error.strerror or error}) : "
                    "réimprimez-les depuis le registre (duplicata)."
                ) from error
            written.append(final)
        duplicates = sum(1 for _, d in printed if d)
        return BatchOutcome(
            tuple(written),
            len(printed) - duplicates,
            duplicates,
            tuple(skipped),
            self._notices(settings),
        )

    @staticmethod
    def _write_part(final: Path, data: bytes) -> tuple[Path, Path]:
        try:
            return write_part(final, data), final
        except OSError as error:
            raise file_error(final, error) from error

    # -- sign-in sheets -----------------------------------------------------------------
    def sign_in_sheet(self, session_id: int) -> PrintedSheet:
        """The *feuille d'émargement* of one session, with the people enrolled."""
        user = self._require(Permission.PRINT)
        with self._uow() as uow:
            session = uow.stages.stage_session(session_id)
            if session is None:
                raise NotFound("Cette séance n'existe plus.")
            stage = uow.stages.get(session.stage_id)
            assert stage is not None
            settings = uow.settings.load()
            people = tuple(
                SignInLine(e.person.surname.upper(), e.person.given_names, e.person.birth_date)
                for e in uow.stages.enrolments_of_stage(stage.id)
                if e.end is None or e.end.day >= session.day
            )
            number = [s.id for s in stage.sessions].index(session.id) + 1
            sheet = SignInSheet(
                action_name=stage.name,
                stage_title=stage.draft.title,
                day=session.day,
                start=session.start,
                end=session.end,
                venue=stage.draft.venue,
                organiser=stage.draft.organiser_label(settings.service_name),
                facilitators=stage.draft.facilitators,
                session_number=number,
                session_count=len(stage.sessions),
                people=people,
                label=session.label,
            )
            pdf = build_sign_in_sheet(sheet, letterhead_of(settings), self._stamp(user))
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.PRINT,
                    "stage_session",
                    session.id,
                    summary=(
                        f"Feuille d'émargement : {stage.display_title}, séance du "
                        f"{format_date(session.day)} ({plural(len(people), 'personne')})"
                    ),
                ),
            )
            uow.commit()
        name = f"Emargement_{safe_file_name(stage.name)[:40]}_{session.day:%Y-%m-%d}.pdf"
        return PrintedSheet(pdf, name, self._notices(settings))
