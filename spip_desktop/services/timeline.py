"""A person's chronology (*chronologie*): every part of the file in one order, on screen
and as a PDF for a report to the JAP.

Each source is read with one indexed query by the person's id
(:class:`~spip_desktop.db.timeline.TimelineRepository`), turned into
:class:`~spip_desktop.domain.timeline.TimelineEvent` lines here, and merged by
:func:`~spip_desktop.domain.timeline.merge`. A user sees the kinds of events their
role shows on this file (measures need the file's details, the journal needs
:attr:`Permission.JOURNAL`...); a user who may see none is refused.

Times: the audit trail stores UTC (shown in local time here); attendance, attestations
and rights-step updates store the workstation's wall-clock time, as they are typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

from ..db.timeline import (
    AttendanceFact,
    AttestationFact,
    EnrolmentFact,
    FileChangeFact,
    JournalFact,
    MeasureFact,
    ObligationFact,
    RightsFact,
)
from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditAction, AuditEvent, changes_from_json
from ..domain.dates import format_date, plural
from ..domain.documents import PrintStamp
from ..domain.enums import ClosureReason
from ..domain.errors import InvalidInput, NotFound, PermissionDenied
from ..domain.journal import EntryKind, Outcome
from ..domain.labels import FIELD_NAMES
from ..domain.model import Person
from ..domain.rights import step_title
from ..domain.security import Permission, User
from ..domain.timeline import (
    Timeline,
    TimelineEvent,
    TimelineKind,
    TimelineQuery,
    merge,
    validate_query,
)
from .base import Clock, Service, UnitOfWorkSource, UserSession
from .documents import letterhead_of, local_now
from .files import safe_file_name

K = TimelineKind
PERSON_GONE = "Ce dossier n'existe plus : il a peut-être été supprimé."
OUTSIDE_CASELOAD = (
    "Ce dossier ne fait pas partie de votre portefeuille : "
    "votre rôle ne vous permet pas d'en voir la chronologie."
)
#: Longest detail a line shows (a long note is cut: its whole text is in the journal).
DETAIL_MAX = 400

#: Which permission on the person shows which kinds of events.
KIND_PERMISSIONS: dict[TimelineKind, tuple[Permission, ...]] = {
    K.MEASURE: (Permission.PERSON_DETAILS,),
    K.OBLIGATION: (Permission.PERSON_DETAILS,),
    K.STAGE: (Permission.PERSON_DETAILS, Permission.ENROL, Permission.PRINT),
    K.ATTENDANCE: (Permission.PERSON_DETAILS, Permission.ENROL, Permission.PRINT),
    K.ATTESTATION: (Permission.PERSON_DETAILS, Permission.ENROL, Permission.PRINT),
    K.RIGHTS: (Permission.RIGHTS,),
    K.JOURNAL: (Permission.JOURNAL,),
    K.FILE: (Permission.FILE_HISTORY,),
}

# Order of the events of one day (before their time, and of the same kind).
_SEQ_DECISION, _SEQ_OBLIGATION, _SEQ_REFERRAL, _SEQ_START = 0, 10, 40, 50
_SEQ_PROBATION_END, _SEQ_SENTENCE_END = 80, 90
_SEQ_ENROLMENT, _SEQ_END = 20, 95


def kinds_for(user: User, referent_id: int | None) -> frozenset[TimelineKind]:
    """The kinds of events ``user`` may see on a person with this referent."""
    return frozenset(
        kind
        for kind, permissions in KIND_PERMISSIONS.items()
        if any(user.may(p, referent_id) for p in permissions)
    )


def local_time(utc: datetime) -> datetime:
    """A UTC time of the audit trail as the workstation's wall-clock time (naive)."""
    return utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def _cut(text: str, limit: int = DETAIL_MAX) -> str:
    """One line of at most ``limit`` characters (a longer text ends with an ellipsis)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _join(*parts: str) -> str:
    return " — ".join(part for part in parts if part)


def _stage(type_name: str, title: str) -> str:
    """``Stage de citoyenneté — mars 2026 (Bordeaux)`` or the type's name alone."""
    return f"{type_name} — {title.strip()}" if title.strip() else type_name


# -- each source's lines -------------------------------------------------------------------


def measure_events(facts: Iterable[MeasureFact]) -> Iterator[TimelineEvent]:
    steps = (
        ("decision_date", "Décision", _SEQ_DECISION),
        ("referral_date", "Saisine du SPIP", _SEQ_REFERRAL),
        ("probation_start", "Début du délai d'épreuve", _SEQ_START),
        ("probation_end", "Fin du délai d'épreuve", _SEQ_PROBATION_END),
        ("sentence_end", "Fin de peine", _SEQ_SENTENCE_END),
    )
    for fact in facts:
        label = fact.measure_type.label
        shown = False
        for name, title, seq in steps:
            day = getattr(fact, name)
            if day is None:
                continue
            shown = True
            detail = ""
            if name == "decision_date":
                jap = f"JAP : {fact.jap_name.strip()}" if fact.jap_name.strip() else ""
                detail = _join(fact.court.strip(), jap)
            yield TimelineEvent(day, K.MEASURE, f"{title} : {label}", detail, None, fact.id, seq)
        if not shown:
            at = local_time(fact.created_at)
            title = f"Mesure enregistrée : {label}"
            yield TimelineEvent(at.date(), K.MEASURE, title, "", at, fact.id)


def obligation_events(facts: Iterable[ObligationFact]) -> Iterator[TimelineEvent]:
    for fact in facts:
        day = fact.decision_date or fact.referral_date or local_time(fact.created_at).date()
        yield TimelineEvent(
            day,
            K.OBLIGATION,
            f"Obligation : {fact.kind.label}",
            _join(_cut(fact.details), fact.measure_type.short_label),
            None,
            fact.measure_id,
            _SEQ_OBLIGATION + min(fact.position, 9),
        )


def enrolment_events(facts: Iterable[EnrolmentFact]) -> Iterator[TimelineEvent]:
    for fact in facts:
        stage = _stage(fact.type_name, fact.stage_title)
        reference = fact.decision_reference.strip()
        yield TimelineEvent(
            fact.enrolled_on,
            K.STAGE,
            f"Inscription : {stage}",
            _join(
                fact.cadre.short_label,
                f"décision {reference}" if reference else "",
                f"par {fact.enrolled_by}" if fact.enrolled_by else "",
            ),
            None,
            fact.id,
            _SEQ_ENROLMENT,
        )
        if fact.end_kind is not None and fact.end_day is not None:
            yield TimelineEvent(
                fact.end_day,
                K.STAGE,
                f"{fact.end_kind.label} : {stage}",
                _cut(fact.end_reason),
                None,
                fact.id,
                _SEQ_END,
            )


def attendance_events(facts: Iterable[AttendanceFact]) -> Iterator[TimelineEvent]:
    for fact in facts:
        stage = _stage(fact.type_name, fact.stage_title)
        corrected = fact.previous_code is not None
        title = f"{fact.code.label}{' (correction)' if corrected else ''} : {stage}"
        parts = [f"Séance de {fact.start:%H:%M} à {fact.end:%H:%M}", _cut(fact.reason)]
        if fact.previous_code is not None:
            parts.append(
                f"corrige « {fact.previous_code.label} », par {fact.recorded_by} le "
                f"{format_date(fact.recorded_at.date())} à {fact.recorded_at:%H:%M}"
            )
        yield TimelineEvent(
            fact.day,
            K.ATTENDANCE,
            title,
            _join(*parts),
            datetime.combine(fact.day, fact.start),
            fact.enrolment_id,
        )


def attestation_events(facts: Iterable[AttestationFact]) -> Iterator[TimelineEvent]:
    for fact in facts:
        stage = _stage(fact.type_name, fact.stage_title)
        if fact.duplicata:
            title = f"Duplicata de l'attestation n° {fact.number}"
        else:
            kind = "de suivi" if fact.validated else "de présence"
            title = f"Attestation {kind} n° {fact.number} délivrée"
        yield TimelineEvent(
            fact.at.date(),
            K.ATTESTATION,
            title,
            _join(stage, f"par {fact.by}" if fact.by else ""),
            fact.at,
            fact.enrolment_id,
        )


def rights_events(facts: Iterable[RightsFact]) -> Iterator[TimelineEvent]:
    for fact in facts:
        name = step_title(fact.kind, fact.other_label)
        if fact.partner_name:
            name = f"{fact.partner_name} — {name}"
        if fact.previous is None:
            title = f"{name} : démarche ouverte ({fact.status.label})"
        elif fact.previous is fact.status:
            title = f"{name} : note ({fact.status.label})"
        else:
            title = f"{name} : {fact.previous.label} → {fact.status.label}"
        by = f"{fact.author} ({fact.actor.label})" if fact.author else fact.actor.label
        yield TimelineEvent(
            fact.at.date(), K.RIGHTS, title, _join(_cut(fact.note), by), fact.at, fact.step_id
        )


def outcome_text(outcome: Outcome | None, kind: EntryKind, start: datetime, now: datetime) -> str:
    """``honoré``, ``non honoré``, ``excusé``, ``à venir`` or ``suite à renseigner``."""
    if outcome is not None:
        return outcome.label.lower()
    return "suite à renseigner" if kind.is_appointment and start <= now else "à venir"


def journal_events(facts: Iterable[JournalFact], now: datetime) -> Iterator[TimelineEvent]:
    for fact in facts:
        subject = fact.subject.strip()
        at = datetime.combine(fact.day, fact.at) if fact.at is not None else None
        if fact.kind.is_appointment:
            start = at or datetime.combine(fact.day, time.min)
            title = f"{fact.kind.label}{' : ' + subject if subject else ''}"
            title += f" ({outcome_text(fact.outcome, fact.kind, start, now)})"
            who = fact.agent_name or fact.author
            detail = _join(f"avec {who}" if who else "", fact.place.strip(), _cut(fact.text))
        else:
            title = f"Note : {subject}" if subject else "Note"
            detail = _join(_cut(fact.text), f"par {fact.author}" if fact.author else "")
        yield TimelineEvent(fact.day, K.JOURNAL, title, detail, at, fact.id)


def file_change_title(fact: FileChangeFact) -> tuple[str, str]:
    """The line's title and detail for a change to the identity or a measure."""
    changes = changes_from_json(fact.changes)
    what = fact.summary.split(" — dossier ")[0].strip() or "Mesure"
    if fact.object_type == "person":
        if fact.action == AuditAction.CREATE.value:
            return "Création du dossier", ""
        closure = next((c for c in changes if c.field == "closed_on"), None)
        if closure is not None:
            if closure.new:
                reason = next((c.new for c in changes if c.field == "closure_reason"), None)
                member = ClosureReason._value2member_map_.get(str(reason))
                return "Clôture du dossier", member.label if isinstance(
                    member, ClosureReason
                ) else ""
            return "Réouverture du dossier", ""
        if fact.action == AuditAction.DELETE.value:
            return "Suppression du dossier", ""
        return "Modification de l'identité", _fields_detail(changes)
    if fact.action == AuditAction.CREATE.value:
        return f"Mesure ajoutée : {what}", ""
    if fact.action == AuditAction.DELETE.value:
        return f"Mesure supprimée : {what}", ""
    return f"Mesure modifiée : {what}", _fields_detail(changes)


def _fields_detail(changes: Iterable[Any]) -> str:
    names = [FIELD_NAMES.get(c.field, c.field) for c in changes]
    return f"Champs modifiés : {', '.join(names)}" if names else ""


def file_events(facts: Iterable[FileChangeFact]) -> Iterator[TimelineEvent]:
    for fact in facts:
        at = local_time(fact.at)
        title, detail = file_change_title(fact)
        yield TimelineEvent(
            at.date(),
            K.FILE,
            title,
            _join(detail, f"par {fact.actor_name}" if fact.actor_name else ""),
            at,
            fact.id,
        )


# -- the service ------------------------------------------------------------------------------


class TimelineService(Service):
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
        return self._now()

    def person_id_of(self, file_number: str) -> int:
        """The id of the person with this file number (the command line names people so)."""
        self.user  # noqa: B018  (signed in)
        with self._uow.reader() as uow:
            person_id = uow.timeline.person_by_file_number(file_number)
        if person_id is None:
            raise NotFound(f"Aucun dossier ne porte le numéro « {file_number.strip()} ».")
        return person_id

    def kinds(self, person_id: int) -> frozenset[TimelineKind]:
        """The kinds of events the user may see in this person's chronology."""
        with self._uow.reader() as uow:
            person = self._person(uow, person_id)
        return kinds_for(self.user, person.draft.referent_id)

    def timeline(self, person_id: int, query: TimelineQuery) -> Timeline:
        """The person's events that ``query`` admits, in its order.

        The returned timeline's query names the kinds actually shown (empty: all):
        those asked for that the user's role shows on this file.
        """
        self._check(query)
        with self._uow.reader() as uow:
            person = self._person(uow, person_id)
            return self._timeline(uow, person, query)

    def timeline_pdf(self, person_id: int, query: TimelineQuery) -> tuple[bytes, str]:
        """The chronology as a PDF with the service's letterhead, and its file name.

        The file is read in one read transaction and laid out outside any transaction
        (2,000 events take a second or two: no writer waits for it); the print is then
        recorded in the audit trail (``timeline``, with the person's id). A print that
        cannot be recorded is not handed out.
        """
        from ..reports import TimelineReport
        from .rendering import render_timeline

        self._check(query)
        user = self.user
        with self._uow.reader() as uow:
            person = self._person(uow, person_id)
            timeline = self._timeline(uow, person, query)
            settings = uow.settings.load()
            draft = person.draft
            referent = uow.reference.agent(draft.referent_id) if draft.referent_id else None
            main = ""
            if K.MEASURE in kinds_for(user, draft.referent_id):
                main = self._main_measure(uow, person_id)
        period = period_label(timeline.query)
        report = TimelineReport(
            timeline=timeline,
            surname=draft.surname,
            given_names=draft.given_names,
            usage_name=draft.usage_name,
            birth_date=draft.birth_date,
            file_number=draft.file_number,
            main_measure=main,
            referent=referent.display_name if referent else "",
            period=period,
            kinds=kinds_label(timeline.query),
            oldest_first=not timeline.query.newest_first,
        )
        stamp = PrintStamp(self._now(), user.display_name)
        pdf = render_timeline(report, letterhead_of(settings), stamp)
        with self._uow() as uow:
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.PRINT,
                    "timeline",
                    person.id,
                    person.id,
                    f"Chronologie du suivi — dossier n° {draft.file_number} "
                    f"({period}, {plural(len(timeline.events), 'événement')})",
                ),
            )
            uow.commit()
        number, surname = safe_file_name(draft.file_number), safe_file_name(draft.surname)
        return pdf, f"Chronologie_{number}_{surname}.pdf"

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _check(query: TimelineQuery) -> None:
        result = validate_query(query)
        if not result.ok:
            raise InvalidInput(result)

    def _person(self, uow: UnitOfWork, person_id: int) -> Person:
        person = uow.persons.get(person_id)
        if person is None:
            raise NotFound(PERSON_GONE)
        user = self.user
        if not kinds_for(user, person.draft.referent_id):
            elsewhere = any(
                user.may(p, any_person=True) for ps in KIND_PERMISSIONS.values() for p in ps
            )
            raise PermissionDenied(OUTSIDE_CASELOAD if elsewhere else "")
        return person

    def _timeline(self, uow: UnitOfWork, person: Person, query: TimelineQuery) -> Timeline:
        allowed = kinds_for(self.user, person.draft.referent_id)
        wanted = (query.kinds or frozenset(TimelineKind)) & allowed
        repo = uow.timeline
        person_id = person.id
        now = self._now()
        sources: list[Iterable[TimelineEvent]] = []
        if K.MEASURE in wanted:
            sources.append(measure_events(repo.measures(person_id)))
        if K.OBLIGATION in wanted:
            sources.append(obligation_events(repo.obligations(person_id)))
        if K.STAGE in wanted:
            sources.append(enrolment_events(repo.enrolments(person_id)))
        if K.ATTENDANCE in wanted:
            sources.append(attendance_events(repo.attendance(person_id)))
        if K.ATTESTATION in wanted:
            sources.append(attestation_events(repo.attestations(person_id)))
        if K.RIGHTS in wanted:
            sources.append(rights_events(repo.rights_updates(person_id)))
        if K.JOURNAL in wanted:
            sources.append(journal_events(repo.journal(person_id), now))
        if K.FILE in wanted:
            sources.append(file_events(repo.file_changes(person_id, person.created_at)))
        shown = replace(query, kinds=frozenset() if wanted == set(TimelineKind) else wanted)
        return Timeline(
            person_id=person_id,
            person_name=person.display_name,
            file_number=person.draft.file_number,
            query=shown,
            events=tuple(merge(sources, shown)),
        )

    @staticmethod
    def _main_measure(uow: UnitOfWork, person_id: int) -> str:
        """``Sursis probatoire (fin le 13/01/2028)``: the measure that ends last."""
        from ..domain import rules

        measures = uow.measures.for_person(person_id)
        key = rules.key_dates(m.draft for m in measures)
        if key.main_measure_type is None:
            return ""
        end = key.end_date
        return key.main_measure_type.label + (f" (fin le {format_date(end)})" if end else "")


def period_label(query: TimelineQuery) -> str:
    """``du 01/01/2026 au 31/03/2026``, ``depuis le …``, ``jusqu'au …`` or ``toute la période``."""
    if query.start and query.end:
        return f"du {format_date(query.start)} au {format_date(query.end)}"
    if query.start:
        return f"depuis le {format_date(query.start)}"
    if query.end:
        return f"jusqu'au {format_date(query.end)}"
    return "toute la période"


def kinds_label(query: TimelineQuery) -> str:
    """``toutes`` or the French names of the kinds, in the vocabulary's order."""
    if not query.kinds:
        return "toutes"
    return ", ".join(kind.label for kind in TimelineKind if kind in query.kinds)
