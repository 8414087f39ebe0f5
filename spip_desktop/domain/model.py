"""Domain objects passed between the services and the interface.

Drafts are what a form edits; the other classes are read back from storage.
All are frozen: a change is a new object handed to a service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from .enums import (
    AgentRole,
    ClosureReason,
    EstablishmentKind,
    FileStatus,
    MeasureType,
    ObligationType,
    Regime,
    Sex,
)


@dataclass(frozen=True)
class Antenne:
    id: int | None
    name: str
    code: str = ""
    address: str = ""
    phone: str = ""
    active: bool = True
    version: int = 0


@dataclass(frozen=True)
class Agent:
    id: int | None
    surname: str
    given_name: str
    role: AgentRole
    antenne_id: int | None = None
    email: str = ""
    phone: str = ""
    active: bool = True
    version: int = 0

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.surname.upper()}".strip()


@dataclass(frozen=True)
class Establishment:
    id: int | None
    name: str
    kind: EstablishmentKind
    city: str = ""
    active: bool = True
    version: int = 0

    @property
    def is_sas(self) -> bool:
        return self.kind is EstablishmentKind.SAS


@dataclass(frozen=True)
class PersonDraft:
    """Everything the identity form edits."""

    surname: str = ""
    given_names: str = ""
    usage_name: str = ""
    birth_date: date | None = None
    birth_place: str = ""
    sex: Sex | None = None
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    file_number: str = ""
    appi_number: str = ""
    ecrou_number: str = ""
    regime: Regime = Regime.MILIEU_OUVERT
    establishment_id: int | None = None
    referent_id: int | None = None
    antenne_id: int | None = None
    #: When the person arrived in ``establishment_id`` (milieu fermé only).
    establishment_since: date | None = None


@dataclass(frozen=True)
class Person:
    id: int
    version: int
    draft: PersonDraft
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None
    closure_note: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def display_name(self) -> str:
        d = self.draft
        usage = f" (nom d'usage {d.usage_name.upper()})" if d.usage_name else ""
        return f"{d.surname.upper()} {d.given_names}{usage}".strip()


@dataclass(frozen=True)
class ObligationDraft:
    kind: ObligationType
    details: str = ""


@dataclass(frozen=True)
class MeasureDraft:
    """Everything the measure dialog edits."""

    measure_type: MeasureType | None = None
    court: str = ""
    decision_date: date | None = None
    final_date: date | None = None
    referral_date: date | None = None
    probation_start: date | None = None
    probation_end: date | None = None
    sentence_end: date | None = None
    jap_name: str = ""
    notes: str = ""
    obligations: tuple[ObligationDraft, ...] = ()
    #: A cancelled measure is kept for the record but counts nowhere (key dates, list,
    #: monthly summary).
    cancelled_on: date | None = None

    @property
    def cancelled(self) -> bool:
        return self.cancelled_on is not None


@dataclass(frozen=True)
class Measure:
    id: int
    person_id: int
    version: int
    draft: MeasureDraft

    @property
    def measure_type(self) -> MeasureType:
        assert self.draft.measure_type is not None
        return self.draft.measure_type


@dataclass(frozen=True)
class KeyDates:
    """The dates a file header shows, derived from the measures."""

    main_measure_type: MeasureType | None = None
    referral_date: date | None = None
    probation_start: date | None = None
    probation_end: date | None = None
    sentence_end: date | None = None

    @property
    def end_date(self) -> date | None:
        """The end of the main measure: its end of sentence, else its probation end."""
        return self.sentence_end or self.probation_end


@dataclass(frozen=True)
class PersonFile:
    """A person's whole file as the file page shows it."""

    person: Person
    measures: tuple[Measure, ...]
    referent: Agent | None
    antenne: Antenne | None
    establishment: Establishment | None
    key_dates: KeyDates
    #: The reader's role shows identity and dates only: ``measures`` is left empty.
    details_hidden: bool = False


class PersonRow(NamedTuple):
    """One line of the *Personnes suivies* list (a tuple: lists build hundreds at a time)."""

    id: int
    file_number: str
    surname: str
    usage_name: str
    given_names: str
    birth_date: date | None
    regime: Regime
    main_measure_type: MeasureType | None
    main_measure_end: date | None
    referent_name: str
    closed: bool
    sas_eligible: bool


SORT_KEYS = (
    "name",
    "given_names",
    "birth_date",
    "file_number",
    "regime",
    "measure",
    "measure_end",
    "referent",
    "sas",
)


@dataclass(frozen=True)
class PersonQuery:
    """What the list shows: search text, filters and order."""

    text: str = ""
    regime: Regime | None = None
    referent_id: int | None = None
    measure_type: MeasureType | None = None
    status: FileStatus = FileStatus.ACTIVE
    sas_eligible_only: bool = False
    sort: str = "name"
    descending: bool = False


@dataclass(frozen=True)
class PersonPage:
    """Rows ``offset`` to ``offset + len(rows)`` of the list; ``has_more`` when it goes on."""

    rows: tuple[PersonRow, ...]
    offset: int
    has_more: bool


@dataclass(frozen=True)
class ReferenceData:
    """The service's reference lists, for pickers and filters."""

    antennes: tuple[Antenne, ...] = ()
    agents: tuple[Agent, ...] = ()
    establishments: tuple[Establishment, ...] = ()

    def agent(self, agent_id: int | None) -> Agent | None:
        return next((a for a in self.agents if a.id == agent_id), None)

    def antenne(self, antenne_id: int | None) -> Antenne | None:
        return next((a for a in self.antennes if a.id == antenne_id), None)

    def establishment(self, establishment_id: int | None) -> Establishment | None:
        return next((e for e in self.establishments if e.id == establishment_id), None)


@dataclass(frozen=True)
class CheckReport:
    """Outcome of ``spip-desktop check``."""

    integrity: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    current_revision: str | None = None
    head_revision: str | None = None
    #: False on a server: the file check belongs to SQLite (PostgreSQL checks its own pages).
    integrity_checked: bool = True

    @property
    def migration_ok(self) -> bool:
        return self.current_revision == self.head_revision

    @property
    def ok(self) -> bool:
        return not self.integrity and not self.foreign_keys and self.migration_ok
