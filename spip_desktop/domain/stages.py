"""Stages and collective programmes: catalogue, sessions, enrolment, attendance, completion.

One model serves the nine official stages (Code pénal 131-5-1), the *programmes de
prévention de la récidive* and the other collective actions:

- a :class:`StageType` is a catalogue entry (the official name, default hours and price);
- a :class:`Stage` is one *session de stage*: a type, an organiser, a venue and its dated
  :class:`Session` rows (a day, a start and an end time);
- an :class:`Enrolment` puts a person in a stage within a legal frame (:class:`Cadre`);
- an :class:`AttendanceRecord` is one outcome for one person at one session. A correction
  never overwrites: the new record *supersedes* the earlier one, which stays in the history.

Completion is computed (:func:`progress`), never typed. The legal rules (6 hours a day,
one month in all, within 6 months of the conviction becoming final, 450 € at most) apply
to stages; programmes and other actions have none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path

from .dates import add_months, format_date, plural

# The vocabulary lives in stage_terms (cheap to load); it is re-exported from here.
from .stage_terms import (
    MAX_STAGE_MINUTES_PER_DAY as MAX_STAGE_MINUTES_PER_DAY,
)
from .stage_terms import (
    MAX_STAGE_PRICE_CENTS as MAX_STAGE_PRICE_CENTS,
)
from .stage_terms import (
    MAX_STAGE_SPAN_MONTHS as MAX_STAGE_SPAN_MONTHS,
)
from .stage_terms import (
    STAGE_DEADLINE_MONTHS as STAGE_DEADLINE_MONTHS,
)
from .stage_terms import (
    STAGE_MAX_LENGTHS as STAGE_MAX_LENGTHS,
)
from .stage_terms import (
    ActionKind as ActionKind,
)
from .stage_terms import (
    AttendanceCode as AttendanceCode,
)
from .stage_terms import (
    AttestationKind as AttestationKind,
)
from .stage_terms import (
    Cadre as Cadre,
)
from .stage_terms import (
    EndKind as EndKind,
)
from .stage_terms import (
    EnrolmentStatus as EnrolmentStatus,
)
from .stage_terms import (
    OrganiserKind as OrganiserKind,
)
from .stage_terms import (
    Recipient as Recipient,
)
from .stage_terms import (
    StagePhase as StagePhase,
)
from .stage_terms import (
    format_minutes as format_minutes,
)
from .stage_terms import (
    format_price as format_price,
)
from .stage_terms import (
    format_time as format_time,
)
from .stage_terms import (
    minutes_between as minutes_between,
)
from .stage_terms import (
    parse_price as parse_price,
)
from .validation import ValidationResult

# -- catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class StageTypeDraft:
    name: str = ""
    kind: ActionKind = ActionKind.COLLECTIVE
    default_minutes: int = 0
    default_price_cents: int = 0
    usual_organiser: str = ""


@dataclass(frozen=True)
class StageType:
    id: int
    version: int
    draft: StageTypeDraft
    #: One of the nine official stages, the PPR or a built-in action: its name is fixed.
    official: bool = False
    active: bool = True

    @property
    def name(self) -> str:
        return self.draft.name

    @property
    def kind(self) -> ActionKind:
        return self.draft.kind


#: The built-in catalogue, in the order of the list published by the ministry. Default
#: hours and prices are starting points the service adjusts (*Catalogue* page); prices
#: stay within the legal cap. (Official names: domain.md, Code pénal R131-35 ff.)
OFFICIAL_CATALOGUE: tuple[StageTypeDraft, ...] = (
    StageTypeDraft("Stage de citoyenneté", ActionKind.STAGE, 12 * 60, 0, "SPIP"),
    StageTypeDraft(
        "Stage de sensibilisation à la sécurité routière",
        ActionKind.STAGE,
        12 * 60,
        250_00,
        "Centre agréé de sensibilisation à la sécurité routière",
    ),
    StageTypeDraft(
        "Stage de sensibilisation aux dangers de l'usage de produits stupéfiants",
        ActionKind.STAGE,
        12 * 60,
        200_00,
        "CSAPA",
    ),
    StageTypeDraft(
        "Stage de responsabilisation pour la prévention et la lutte contre les violences "
        "au sein du couple et sexistes",
        ActionKind.STAGE,
        12 * 60,
        150_00,
        "Association d'aide aux victimes",
    ),
    StageTypeDraft(
        "Stage de sensibilisation à la lutte contre l'achat d'actes sexuels",
        ActionKind.STAGE,
        6 * 60,
        150_00,
        "Association agréée",
    ),
    StageTypeDraft("Stage de responsabilité parentale", ActionKind.STAGE, 12 * 60, 100_00, "SPIP"),
    StageTypeDraft(
        "Stage de lutte contre le sexisme et de sensibilisation à l'égalité entre les femmes "
        "et les hommes",
        ActionKind.STAGE,
        6 * 60,
        100_00,
        "Association agréée",
    ),
    StageTypeDraft(
        "Stage de sensibilisation à la prévention et à la lutte contre la maltraitance animale",
        ActionKind.STAGE,
        6 * 60,
        100_00,
        "Association de protection animale",
    ),
    StageTypeDraft(
        "Stage de sensibilisation au respect des personnes dans l'espace numérique et à la "
        "prévention des infractions commises en ligne",
        ActionKind.STAGE,
        6 * 60,
        100_00,
        "Association agréée",
    ),
    StageTypeDraft(
        "Programme de prévention de la récidive (PPR)", ActionKind.PPR, 18 * 60, 0, "SPIP"
    ),
    StageTypeDraft("Action culturelle", ActionKind.COLLECTIVE, 3 * 60, 0, "Partenaire culturel"),
    StageTypeDraft("Action sportive", ActionKind.COLLECTIVE, 3 * 60, 0, "Partenaire sportif"),
    StageTypeDraft("Atelier accès aux droits", ActionKind.COLLECTIVE, 2 * 60, 0, "SPIP"),
)


def validate_stage_type(draft: StageTypeDraft) -> ValidationResult:
    result = ValidationResult()
    if not draft.name.strip():
        result.error("name", "Indiquez le nom de l'action.")
    elif len(draft.name) > STAGE_MAX_LENGTHS["type_name"]:
        result.error(
            "name", f"Le nom ne peut pas dépasser {STAGE_MAX_LENGTHS['type_name']} caractères."
        )
    if len(draft.usual_organiser) > STAGE_MAX_LENGTHS["usual_organiser"]:
        result.error(
            "usual_organiser",
            f"L'organisateur habituel ne peut pas dépasser "
            f"{STAGE_MAX_LENGTHS['usual_organiser']} caractères.",
        )
    if not 0 < draft.default_minutes <= 200 * 60:
        result.error("default_minutes", "La durée par défaut doit aller de 1 minute à 200 heures.")
    if draft.default_price_cents < 0:
        result.error("default_price_cents", "Le coût ne peut pas être négatif.")
    elif draft.kind is ActionKind.STAGE and draft.default_price_cents > MAX_STAGE_PRICE_CENTS:
        result.error("default_price_cents", PRICE_CAP)
    return result


PRICE_CAP = (
    "Le coût d'un stage ne peut pas dépasser 450 € "
    "(montant maximal de l'amende de 3e classe, art. 131-5-1 du code pénal)."
)


# -- stages and their sessions ----------------------------------------------------------


@dataclass(frozen=True)
class SessionDraft:
    """One dated session of a stage as the planning form edits it."""

    day: date | None = None
    start: time | None = None
    end: time | None = None
    label: str = ""
    #: The stored session this line edits (``None`` for a new one).
    id: int | None = None

    @property
    def complete(self) -> bool:
        return self.day is not None and self.start is not None and self.end is not None

    @property
    def minutes(self) -> int:
        if self.start is None or self.end is None:
            return 0
        return max(minutes_between(self.start, self.end), 0)


@dataclass(frozen=True)
class StageDraft:
    """Everything the planning form edits."""

    type_id: int | None = None
    title: str = ""
    organiser_kind: OrganiserKind = OrganiserKind.SPIP
    #: The name printed on the documents: the partner's name when the stage was saved.
    organiser_name: str = ""
    venue: str = ""
    capacity: int | None = 12
    price_cents: int | None = None
    #: Hours a participant must attend to validate; ``None``: every session's hours.
    required_minutes: int | None = None
    facilitators: str = ""
    notes: str = ""
    sessions: tuple[SessionDraft, ...] = ()
    #: Why the planner went over capacity (stage shrunk below its enrolments).
    capacity_override_reason: str = ""
    #: The partner organising the stage (``organiser_kind`` is a partner).
    organiser_partner_id: int | None = None
    #: The partner lending the premises, when one does (``venue`` then holds its address).
    venue_partner_id: int | None = None

    @property
    def total_minutes(self) -> int:
        return sum(s.minutes for s in self.sessions)

    @property
    def required(self) -> int:
        return self.required_minutes if self.required_minutes is not None else self.total_minutes

    def organiser_label(self, service_name: str = "SPIP") -> str:
        if self.organiser_kind is OrganiserKind.SPIP:
            return service_name
        return self.organiser_name.strip()


@dataclass(frozen=True)
class Session:
    """A stored session."""

    id: int
    stage_id: int
    day: date
    start: time
    end: time
    label: str = ""

    @property
    def minutes(self) -> int:
        return minutes_between(self.start, self.end)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.start)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.day, self.end)

    def has_started(self, now: datetime) -> bool:
        return self.starts_at <= now

    @property
    def heading(self) -> str:
        """``12/03`` + ``9 h–12 h``: a grid column's title."""
        return f"{self.day:%d/%m}\n{format_time(self.start)}–{format_time(self.end)}"

    def describe(self) -> str:
        """``12/03/2026, 9 h – 12 h``."""
        return f"{format_date(self.day)}, {format_time(self.start)} – {format_time(self.end)}"


@dataclass(frozen=True)
class Stage:
    """A stored stage with its sessions in date order."""

    id: int
    version: int
    draft: StageDraft
    stage_type: StageType
    sessions: tuple[Session, ...]
    enrolled: int = 0
    created_at: datetime | None = None

    @property
    def kind(self) -> ActionKind:
        return self.stage_type.kind

    @property
    def name(self) -> str:
        """The official name of the action."""
        return self.stage_type.name

    @property
    def display_title(self) -> str:
        """``Stage de citoyenneté — mars 2026 (Bordeaux)`` or the type's name alone."""
        title = self.draft.title.strip()
        return f"{self.name} — {title}" if title else self.name

    @property
    def first_day(self) -> date | None:
        return self.sessions[0].day if self.sessions else None

    @property
    def last_day(self) -> date | None:
        return self.sessions[-1].day if self.sessions else None

    @property
    def total_minutes(self) -> int:
        return sum(s.minutes for s in self.sessions)

    @property
    def required_minutes(self) -> int:
        required = self.draft.required_minutes
        return required if required is not None else self.total_minutes

    def phase(self, now: datetime) -> StagePhase:
        if not self.sessions or self.sessions[0].starts_at > now:
            return StagePhase.UPCOMING
        if self.sessions[-1].ends_at <= now:
            return StagePhase.DONE
        return StagePhase.RUNNING

    @property
    def places_left(self) -> int | None:
        capacity = self.draft.capacity
        return None if capacity is None else capacity - self.enrolled

    def session(self, session_id: int) -> Session | None:
        return next((s for s in self.sessions if s.id == session_id), None)


def _session_span(session: SessionDraft) -> str:
    assert session.day is not None and session.start is not None and session.end is not None
    return f"de {format_time(session.start)} à {format_time(session.end)}"


def validate_stage(
    draft: StageDraft, kind: ActionKind | None, enrolled: int = 0
) -> ValidationResult:
    """Check a planned stage as the user types.

    Errors block the save: no type, no session, an incomplete or inverted session,
    overlapping sessions, and for a stage (not a programme or another action) the
    law's limits: more than 6 hours a day, more than one month in all, more than 450 €.
    A capacity below the people already enrolled is a warning the planner may
    override by giving a reason.
    """
    result = ValidationResult()
    if draft.type_id is None:
        result.error("type_id", "Choisissez le type de stage ou d'action.")
    _check_text(result, draft.title, "title", "Le libellé")
    _check_text(result, draft.venue, "venue", "Le lieu")
    _check_text(result, draft.facilitators, "facilitators", "Les intervenants")
    _check_text(result, draft.notes, "stage_notes", "Les observations", multiline=True)
    if draft.organiser_kind is OrganiserKind.PARTNER:
        if draft.organiser_partner_id is None:
            result.error(
                "organiser_partner_id",
                "Choisissez dans l'annuaire le partenaire qui organise le stage.",
            )
        _check_text(result, draft.organiser_name, "organiser_name", "Le nom de l'organisateur")
    if draft.capacity is not None and draft.capacity < 1:
        result.error("capacity", "La capacité doit être d'au moins une place.")
    if draft.price_cents is not None and draft.price_cents < 0:
        result.error("price_cents", "Le coût ne peut pas être négatif.")
    elif (
        kind is ActionKind.STAGE
        and draft.price_cents is not None
        and draft.price_cents > MAX_STAGE_PRICE_CENTS
    ):
        result.error("price_cents", PRICE_CAP)
    _check_sessions(result, draft, kind)
    if draft.required_minutes is not None:
        if draft.required_minutes <= 0:
            result.error("required_minutes", "Les heures requises doivent être positives.")
        elif result.ok and draft.required_minutes > draft.total_minutes:
            result.error(
                "required_minutes",
                f"Les heures requises ({format_minutes(draft.required_minutes)}) dépassent la "
                f"durée des séances ({format_minutes(draft.total_minutes)}) : "
                "personne ne pourrait valider.",
            )
    if draft.capacity is not None and 0 < draft.capacity < enrolled:
        places = plural(draft.capacity, "place")
        fact = f"{plural(enrolled, 'personne')} sont déjà inscrites pour {places}"
        if draft.capacity_override_reason.strip():
            result.warnings.append(f"{fact} (dépassement motivé).")
        else:
            result.error(
                "capacity_override_reason",
                f"{fact} : indiquez pourquoi la capacité est dépassée.",
            )
    return result


def _check_sessions(result: ValidationResult, draft: StageDraft, kind: ActionKind | None) -> None:
    if not draft.sessions:
        result.error("sessions", "Ajoutez au moins une séance (date, heure de début et de fin).")
        return
    for number, session in enumerate(draft.sessions, start=1):
        if not session.complete:
            result.error(
                "sessions",
                f"Séance {number} : indiquez la date, l'heure de début et l'heure de fin.",
            )
            return
        assert session.start is not None and session.end is not None
        if session.end <= session.start:
            result.error(
                "sessions",
                f"Séance du {format_date(session.day)} : l'heure de fin "
                f"({format_time(session.end)}) doit suivre l'heure de début "
                f"({format_time(session.start)}).",
            )
            return
        _check_text(result, session.label, "session_label", f"Le thème de la séance {number}")
    ordered = sorted(draft.sessions, key=lambda s: (s.day, s.start))
    for before, after in pairwise(ordered):
        if before.day == after.day and after.start < before.end:  # type: ignore[operator]
            result.error(
                "sessions",
                f"Le {format_date(before.day)}, les séances {_session_span(before)} et "
                f"{_session_span(after)} se chevauchent.",
            )
            return
    if kind is not ActionKind.STAGE:
        return
    per_day: dict[date, int] = {}
    for session in ordered:
        assert session.day is not None
        per_day[session.day] = per_day.get(session.day, 0) + session.minutes
    for day, minutes in sorted(per_day.items()):
        if minutes > MAX_STAGE_MINUTES_PER_DAY:
            result.error(
                "sessions",
                f"Le {format_date(day)} compte {format_minutes(minutes)} de stage : un stage ne "
                "peut pas dépasser 6 heures par jour (art. 131-5-1 du code pénal).",
            )
            return
    first, last = ordered[0].day, ordered[-1].day
    assert first is not None and last is not None
    if last >= add_months(first, MAX_STAGE_SPAN_MONTHS):
        result.error(
            "sessions",
            f"Le stage s'étend du {format_date(first)} au {format_date(last)} : sa durée totale "
            "ne peut pas dépasser un mois (art. 131-5-1 du code pénal).",
        )


def _check_text(
    result: ValidationResult, value: str, name: str, label: str, multiline: bool = False
) -> None:
    limit = STAGE_MAX_LENGTHS[name]
    if len(value) > limit:
        result.error(name, f"{label} : {limit} caractères au plus.")
        return
    allowed = "\n\r\t" if multiline else ""
    if any((ord(c) < 32 or ord(c) == 127) and c not in allowed for c in value):
        result.error(name, f"{label} : un caractère invisible n'est pas autorisé.")


# -- enrolment --------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentDraft:
    """Everything the enrolment form edits."""

    stage_id: int | None = None
    person_id: int | None = None
    cadre: Cadre | None = None
    decision_reference: str = ""
    #: The day the conviction became final (*date à laquelle la condamnation est définitive*).
    final_date: date | None = None
    #: Why the stage takes one more person than its capacity.
    capacity_override_reason: str = ""


def stage_deadline(final_date: date | None) -> date | None:
    """The last day to do a stage: 6 months after the conviction became final."""
    if final_date is None:
        return None
    return add_months(final_date, STAGE_DEADLINE_MONTHS)


@dataclass(frozen=True)
class EnrolmentEnd:
    """A withdrawal (*abandon*) or exclusion, with its reason."""

    kind: EndKind
    day: date
    reason: str


@dataclass(frozen=True)
class PersonSummary:
    """Who an enrolment is about, as stage pages show them."""

    id: int
    surname: str
    given_names: str
    birth_date: date | None = None
    birth_place: str = ""
    file_number: str = ""
    referent_id: int | None = None
    usage_name: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.surname.upper()} {self.given_names}".strip()


@dataclass(frozen=True)
class Enrolment:
    id: int
    version: int
    stage_id: int
    person: PersonSummary
    cadre: Cadre
    decision_reference: str
    final_date: date | None
    enrolled_on: date
    end: EnrolmentEnd | None = None
    capacity_override_reason: str = ""
    enrolled_by: str = ""
    #: The reader may see that this person is enrolled, not the judicial details
    #: (frame, decision, dates): someone outside their caseload. Pages show a dash.
    details_hidden: bool = False

    def hidden(self) -> Enrolment:
        """This enrolment as a reader outside the person's caseload may see it."""
        person = PersonSummary(
            self.person.id,
            self.person.surname,
            self.person.given_names,
            file_number=self.person.file_number,
            referent_id=self.person.referent_id,
            usage_name=self.person.usage_name,
        )
        return replace(
            self,
            person=person,
            decision_reference="",
            final_date=None,
            capacity_override_reason="",
            end=None if self.end is None else replace(self.end, reason=""),
            details_hidden=True,
        )

    @property
    def deadline(self) -> date | None:
        return stage_deadline(self.final_date) if self.cadre.follows_conviction else None

    @property
    def withdrawn(self) -> bool:
        return self.end is not None


def validate_enrolment(
    draft: EnrolmentDraft,
    stage: Stage,
    today: date,
    already_enrolled: bool = False,
) -> ValidationResult:
    """Check an enrolment: frame, decision, dates, duplicates, deadline and capacity."""
    result = ValidationResult()
    if draft.person_id is None:
        result.error("person_id", "Choisissez la personne à inscrire.")
    if already_enrolled:
        result.error("person_id", "Cette personne est déjà inscrite à ce stage.")
    if draft.cadre is None:
        result.error("cadre", "Indiquez le cadre de l'inscription.")
    _check_text(
        result, draft.decision_reference, "decision_reference", "La référence de la décision"
    )
    _check_text(result, draft.capacity_override_reason, "reason", "Le motif du dépassement")
    if draft.cadre is not None and draft.cadre.follows_conviction and draft.final_date is None:
        result.error(
            "final_date",
            "Indiquez la date à laquelle la condamnation est devenue définitive : "
            "le stage doit être fait dans les 6 mois qui suivent.",
        )
    if draft.final_date is not None and draft.final_date > today:
        result.error("final_date", "La date définitive ne peut pas être dans le futur.")
    deadline = stage_deadline(draft.final_date)
    if (
        draft.cadre is not None
        and draft.cadre.follows_conviction
        and deadline is not None
        and stage.kind is ActionKind.STAGE
        and stage.last_day is not None
        and stage.last_day > deadline
        and "final_date" not in result.errors
    ):
        result.warnings.append(
            f"Le stage se termine le {format_date(stage.last_day)}, après la date limite du "
            f"{format_date(deadline)} (6 mois après la condamnation définitive)."
        )
    left = stage.places_left
    if left is not None and left <= 0:
        message = f"Le stage est complet ({stage.draft.capacity} places)"
        if draft.capacity_override_reason.strip():
            result.warnings.append(f"{message} : inscription en surnombre motivée.")
        else:
            result.error(
                "capacity_override_reason",
                f"{message} : indiquez pourquoi vous inscrivez une personne de plus.",
            )
    return result


def validate_end(
    kind: EndKind | None, day: date | None, reason: str, today: date
) -> ValidationResult:
    result = ValidationResult()
    if kind is None:
        result.error("kind", "Choisissez abandon ou exclusion.")
    if day is None:
        result.error("day", "Indiquez la date.")
    elif day > today:
        result.error("day", "La date ne peut pas être dans le futur.")
    if not reason.strip():
        result.error("reason", "Indiquez le motif.")
    _check_text(result, reason, "reason", "Le motif", multiline=True)
    return result


# -- attendance -------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRecord:
    """One outcome, as recorded; a later record for the same cell supersedes it."""

    id: int
    enrolment_id: int
    session_id: int
    code: AttendanceCode
    reason: str
    recorded_by: str
    recorded_at: datetime
    supersedes_id: int | None = None


@dataclass(frozen=True)
class AttendanceChange:
    """A cell the grid changed: the new code, and the record it replaces (if any)."""

    enrolment_id: int
    session_id: int
    code: AttendanceCode
    reason: str = ""
    #: The current record the user saw; the save refuses if someone replaced it since.
    replaces_id: int | None = None


Cell = tuple[int, int]
"""(enrolment id, session id)."""


@dataclass(frozen=True)
class AttendanceSheet:
    """Everything the attendance grid shows: people × sessions and the current records."""

    stage: Stage
    enrolments: tuple[Enrolment, ...]
    current: Mapping[Cell, AttendanceRecord]

    def record(self, enrolment_id: int, session_id: int) -> AttendanceRecord | None:
        return self.current.get((enrolment_id, session_id))


def validate_attendance(
    change: AttendanceChange,
    session: Session | None,
    enrolment: Enrolment | None,
    now: datetime,
) -> str | None:
    """Why this change cannot be recorded (a French sentence), or ``None``."""
    if session is None:
        return "Cette séance n'existe plus."
    if enrolment is None or enrolment.stage_id != session.stage_id:
        return "Cette personne n'est pas inscrite à ce stage : sa présence ne peut pas être saisie."
    who = enrolment.person.display_name
    if not session.has_started(now):
        return (
            f"La séance du {session.describe()} n'a pas encore commencé : "
            "la présence ne peut pas être saisie à l'avance."
        )
    if enrolment.end is not None and session.day > enrolment.end.day:
        return (
            f"{who} a quitté le stage le {format_date(enrolment.end.day)} "
            f"({enrolment.end.kind.label.lower()}) : pas de présence après cette date."
        )
    if change.code is AttendanceCode.EXCUSED and not change.reason.strip():
        return (
            f"{who}, séance du {format_date(session.day)} : indiquez le motif de l'absence excusée."
        )
    if len(change.reason) > STAGE_MAX_LENGTHS["reason"]:
        return f"Le motif ne peut pas dépasser {STAGE_MAX_LENGTHS['reason']} caractères."
    return None


# -- completion -------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where one enrolment stands, computed from the sessions and the current records."""

    status: EnrolmentStatus
    attended_minutes: int
    required_minutes: int
    recorded_sessions: int
    total_sessions: int
    attended_sessions: int

    @property
    def hours_text(self) -> str:
        """``9 h / 12 h``."""
        return f"{format_minutes(self.attended_minutes)} / {format_minutes(self.required_minutes)}"


def progress(
    enrolment: Enrolment,
    stage: Stage,
    current: Mapping[Cell, AttendanceRecord] | Iterable[AttendanceRecord],
    now: datetime,
) -> Progress:
    """Compute an enrolment's status: *inscrit* → *en cours* → *validé* / *non validé*,
    or *abandon* / *exclu* when it was ended.

    - hours attended: the sessions whose current record is *présent* or *retard*;
    - *validé* once every session is over and recorded and the hours reach the
      required hours; *non validé* when they do not;
    - *en cours* from the first session on (or as soon as anything is recorded);
    - someone who ended the stage (abandon, exclusion) after reaching the required hours
      is *validé* once the stage is over; otherwise the end decides.
    """
    records = _records_of(enrolment.id, current)
    attended = [s for s in stage.sessions if (r := records.get(s.id)) and r.code.attended]
    minutes = sum(s.minutes for s in attended)
    required = stage.required_minutes
    recorded = sum(1 for s in stage.sessions if s.id in records)
    total = len(stage.sessions)
    over = bool(stage.sessions) and stage.sessions[-1].ends_at <= now
    if enrolment.end is not None:
        reached = minutes >= required > 0
        status = EnrolmentStatus.VALIDE if reached and over else enrolment.end.kind.status
    elif total and recorded == total and over:
        status = EnrolmentStatus.VALIDE if minutes >= required else EnrolmentStatus.NON_VALIDE
    elif recorded or (stage.sessions and stage.sessions[0].has_started(now)):
        status = EnrolmentStatus.EN_COURS
    else:
        status = EnrolmentStatus.INSCRIT
    return Progress(status, minutes, required, recorded, total, len(attended))


def _records_of(
    enrolment_id: int, current: Mapping[Cell, AttendanceRecord] | Iterable[AttendanceRecord]
) -> dict[int, AttendanceRecord]:
    values = current.values() if isinstance(current, Mapping) else current
    return {r.session_id: r for r in values if r.enrolment_id == enrolment_id}


def current_records(records: Sequence[AttendanceRecord]) -> dict[Cell, AttendanceRecord]:
    """The records nobody superseded, by cell (the history keeps all of them)."""
    superseded = {r.supersedes_id for r in records if r.supersedes_id is not None}
    return {(r.enrolment_id, r.session_id): r for r in records if r.id not in superseded}


def attestation_kind(status: EnrolmentStatus) -> AttestationKind:
    """A validated stage gets the *attestation de suivi*; anyone else one of presence."""
    return AttestationKind.SUIVI if status is EnrolmentStatus.VALIDE else AttestationKind.PRESENCE


def attestation_number(service_code: str, year: int, sequence: int) -> str:
    """``SPIP-33-2026-00042``; ``SPIP-2026-00042`` when the service has no code yet."""
    code = "".join(c for c in service_code.strip().upper() if c.isalnum() or c == "-")
    middle = f"{code}-" if code else ""
    return f"SPIP-{middle}{year}-{sequence:05d}"


def deadline_soon(deadline: date | None, today: date, within_days: int = 30) -> bool:
    return deadline is not None and today <= deadline <= today + timedelta(days=within_days)


# -- what the pages show ----------------------------------------------------------------


@dataclass(frozen=True)
class AttestationEntry:
    """One line of the register of attestations issued."""

    id: int
    number: str
    person_id: int
    person_name: str
    stage_id: int
    stage_title: str
    validated: bool
    issued_at: datetime
    issued_by: str
    copies: int = 0

    @property
    def kind(self) -> AttestationKind:
        return AttestationKind.SUIVI if self.validated else AttestationKind.PRESENCE


@dataclass(frozen=True)
class EnrolmentLine:
    """An enrolment with its stage, computed progress and attestations issued."""

    enrolment: Enrolment
    stage: Stage
    progress: Progress
    attestations: tuple[AttestationEntry, ...] = ()


@dataclass(frozen=True)
class StageQuery:
    """The stage list's filters."""

    phase: StagePhase | None = None
    type_id: int | None = None
    text: str = ""


@dataclass(frozen=True)
class IssuedAttestation:
    """A printed attestation: its number, the PDF, and whether it is a duplicata."""

    attestation_id: int
    number: str
    pdf: bytes
    duplicata: bool
    file_name: str
    #: Sentences to show (e.g. the letterhead settings that are still missing).
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch of attestations produced."""

    written: tuple[Path, ...]
    issued: int
    duplicates: int
    #: People left out, with why (no session attended, outside the caseload).
    skipped: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrintedSheet:
    pdf: bytes
    file_name: str
    notices: tuple[str, ...] = ()
