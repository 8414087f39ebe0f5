"""Access to rights (*accès aux droits*): the catalogue of steps, their statuses and rules.

A *démarche* is a catalogue item opened for one person. Its life is a dated,
append-only list of updates (:class:`StepUpdate`): a status change or a note, by
whom, acting for the SPIP or for the partner. The status moves only along
:data:`TRANSITIONS`; the step row keeps the latest status as a projection for
the lists, rewritten in the same transaction as the update it comes from.

*Pôle emploi* is called *France Travail* since 1 January 2024: new steps use
:attr:`StepKind.FRANCE_TRAVAIL`; steps recorded under the old name keep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from .dates import add_months, format_date
from .followup_terms import CLOSED_STATUSES as CLOSED_STATUSES
from .followup_terms import OPEN_STATUSES as OPEN_STATUSES
from .followup_terms import STATUS_COLOURS as STATUS_COLOURS
from .followup_terms import TRANSITIONS as TRANSITIONS
from .followup_terms import Actor as Actor
from .followup_terms import RightsDomain as RightsDomain
from .followup_terms import StepKind as StepKind
from .followup_terms import StepStatus as StepStatus
from .validation import ValidationResult, has_control_character

#: Longest text each field of a step accepts (the columns are sized from these).
RIGHTS_MAX_LENGTHS: dict[str, int] = {
    "other_label": 150,
    "partner_contact": 150,
    "documents": 2000,
    "notes": 2000,
    "update_note": 2000,
}


@dataclass(frozen=True)
class CatalogueItem:
    """What the catalogue says about a kind of step."""

    kind: StepKind
    domain: RightsDomain
    body: str
    #: How long the right usually lasts once obtained (months), when it lapses.
    validity_months: int | None = None
    #: The documents usually asked for, ticked as they come in.
    documents: tuple[str, ...] = ()


_ID = "Pièce d'identité ou titre de séjour"
_ADDRESS = "Justificatif de domicile ou attestation de domiciliation"
_INCOME = "Justificatifs de ressources (3 derniers mois)"
_RIB = "Relevé d'identité bancaire"
_RELEASE = "Certificat de présence ou billet de sortie"

#: The catalogue, in display order (domain by domain).
CATALOGUE: tuple[CatalogueItem, ...] = (
    CatalogueItem(
        StepKind.CNI,
        RightsDomain.IDENTITY,
        "Mairie",
        documents=(
            "Photo d'identité",
            "Acte de naissance",
            _ADDRESS,
            "Déclaration de perte ou de vol",
        ),
    ),
    CatalogueItem(
        StepKind.PASSPORT,
        RightsDomain.IDENTITY,
        "Mairie",
        documents=("Photo d'identité", "Acte de naissance", _ADDRESS, "Timbre fiscal"),
    ),
    CatalogueItem(
        StepKind.RESIDENCE_PERMIT,
        RightsDomain.IDENTITY,
        "Préfecture",
        12,
        ("Passeport", "Photo d'identité", _ADDRESS, "Timbre fiscal"),
    ),
    CatalogueItem(
        StepKind.DOMICILIATION,
        RightsDomain.DOMICILIATION,
        "CCAS / CIAS ou association agréée",
        12,
        (_ID,),
    ),
    CatalogueItem(
        StepKind.HEALTH_AFFILIATION,
        RightsDomain.HEALTH,
        "CPAM",
        documents=(_ID, _ADDRESS, _RIB, _RELEASE),
    ),
    CatalogueItem(
        StepKind.CARTE_VITALE, RightsDomain.HEALTH, "CPAM", documents=(_ID, "Photo d'identité")
    ),
    CatalogueItem(StepKind.C2S, RightsDomain.HEALTH, "CPAM", 12, (_ID, _ADDRESS, _INCOME)),
    CatalogueItem(StepKind.AME, RightsDomain.HEALTH, "CPAM", 12, (_ID, _ADDRESS, _INCOME)),
    CatalogueItem(
        StepKind.RSA, RightsDomain.CAF, "CAF (ou MSA)", documents=(_ID, _ADDRESS, _INCOME, _RIB)
    ),
    CatalogueItem(
        StepKind.PRIME_ACTIVITE,
        RightsDomain.CAF,
        "CAF (ou MSA)",
        documents=(_ID, _INCOME, "Bulletins de salaire", _RIB),
    ),
    CatalogueItem(
        StepKind.APL,
        RightsDomain.CAF,
        "CAF (ou MSA)",
        documents=(_ID, "Bail ou attestation de loyer", _INCOME, _RIB),
    ),
    CatalogueItem(
        StepKind.FRANCE_TRAVAIL,
        RightsDomain.EMPLOYMENT,
        "France Travail",
        documents=(_ID, "Carte Vitale ou attestation de droits", "Curriculum vitae", _RIB),
    ),
    CatalogueItem(
        StepKind.MISSION_LOCALE,
        RightsDomain.YOUTH,
        "Mission locale",
        documents=(_ID, _ADDRESS, "Curriculum vitae"),
    ),
    CatalogueItem(
        StepKind.BANK_ACCOUNT,
        RightsDomain.BANK,
        "Banque de France",
        documents=(_ID, _ADDRESS, "Lettre de refus d'ouverture de compte"),
    ),
    CatalogueItem(
        StepKind.SHELTER,
        RightsDomain.HOUSING,
        "SIAO (115), CHRS",
        documents=(_ID, _INCOME, "Évaluation sociale"),
    ),
    CatalogueItem(
        StepKind.HOUSING,
        RightsDomain.HOUSING,
        "Bailleur social, SIAO",
        documents=(_ID, _INCOME, "Avis d'imposition", "Numéro unique de demande"),
    ),
    CatalogueItem(
        StepKind.AAH,
        RightsDomain.DISABILITY,
        "MDPH",
        documents=(_ID, "Certificat médical", _ADDRESS),
    ),
    CatalogueItem(
        StepKind.RQTH,
        RightsDomain.DISABILITY,
        "MDPH",
        documents=(_ID, "Certificat médical", _ADDRESS),
    ),
    CatalogueItem(StepKind.OTHER, RightsDomain.OTHER, "Tout partenaire"),
    CatalogueItem(
        StepKind.POLE_EMPLOI,
        RightsDomain.EMPLOYMENT,
        "Pôle emploi (devenu France Travail)",
        documents=(_ID, "Curriculum vitae"),
    ),
)

_BY_KIND: dict[StepKind, CatalogueItem] = {item.kind: item for item in CATALOGUE}


def catalogue_item(kind: StepKind) -> CatalogueItem:
    return _BY_KIND[kind]


#: Domains whose steps reveal health (a disability claim, health cover for the poorest or
#: for foreigners without a permit): the Code pénitentiaire (R113-51) forbids selecting
#: people by such data, so the steps show in the lists but never serve as a filter.
SENSITIVE_DOMAINS = frozenset({RightsDomain.HEALTH, RightsDomain.DISABILITY})
FILTERABLE_DOMAINS = tuple(d for d in RightsDomain if d not in SENSITIVE_DOMAINS)
SENSITIVE_FILTER = (
    "Ce domaine touche à la santé : le code pénitentiaire (art. R113-51) interdit de "
    "sélectionner des personnes d'après de telles données. Les démarches restent visibles "
    "dans la liste complète et dans chaque dossier."
)


def kinds_of(domain: RightsDomain) -> tuple[StepKind, ...]:
    """The kinds a domain groups, for a filter (old labels included: old data is found too)."""
    return tuple(item.kind for item in CATALOGUE if item.domain is domain)


def _named(statuses: tuple[StepStatus, ...]) -> str:
    names = [f"« {s.label.lower()} »" for s in statuses]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " ou " + names[-1]


def transition_error(current: StepStatus, new: StepStatus) -> str | None:
    """The French sentence refusing ``current → new``, or ``None`` when it is allowed."""
    if new is current or new in current.allowed:
        return None
    if not current.allowed:
        return (
            f"La démarche est close (« {current.label.lower()} ») : son statut ne change plus. "
            "Pour renouveler le droit, ouvrez une nouvelle démarche."
        )
    return (
        f"Une démarche « {current.label.lower()} » ne peut pas passer à "
        f"« {new.label.lower()} ». Statuts possibles : {_named(current.allowed)}."
    )


#: How many days before its expiry a right obtained shows on the to-do list.
EXPIRY_NOTICE_DAYS = 30


@dataclass(frozen=True)
class StepDraft:
    """What the step form edits (the status moves through updates, not through the form)."""

    kind: StepKind = StepKind.FRANCE_TRAVAIL
    #: The step's name when ``kind`` is *autre*.
    other_label: str = ""
    partner_id: int | None = None
    #: Who acts: the SPIP (``agent_id``) or the partner (``partner_contact``).
    handled_by: Actor = Actor.SPIP
    agent_id: int | None = None
    partner_contact: str = ""
    opened_on: date | None = None
    follow_up_on: date | None = None
    #: The documents received so far, one per line (catalogue ones and any other).
    documents: tuple[str, ...] = ()
    outcome_on: date | None = None
    expires_on: date | None = None
    notes: str = ""

    @property
    def title(self) -> str:
        return step_title(self.kind, self.other_label)


def step_title(kind: StepKind, other_label: str = "") -> str:
    if kind is StepKind.OTHER and other_label.strip():
        return other_label.strip()
    return kind.label


def suggested_expiry(kind: StepKind, outcome_on: date | None) -> date | None:
    """When a right obtained on ``outcome_on`` usually lapses (the catalogue's validity)."""
    months = catalogue_item(kind).validity_months
    if months is None or outcome_on is None:
        return None
    return add_months(outcome_on, months)


@dataclass(frozen=True)
class StepUpdate:
    """One row of a step's history. Never changed once written."""

    id: int
    step_id: int
    at: datetime
    status: StepStatus
    #: The status before this update (``None`` on the opening row).
    previous: StepStatus | None
    note: str
    author_login: str
    author: str
    actor: Actor

    @property
    def is_status_change(self) -> bool:
        return self.previous is not self.status


@dataclass(frozen=True)
class Step:
    id: int
    version: int
    person_id: int
    draft: StepDraft
    status: StepStatus
    status_at: datetime
    created_at: datetime
    created_by: str
    history: tuple[StepUpdate, ...] = ()

    @property
    def title(self) -> str:
        return self.draft.title

    @property
    def domain(self) -> RightsDomain:
        return catalogue_item(self.draft.kind).domain

    @property
    def closed(self) -> bool:
        return self.status.closed

    def overdue(self, today: date) -> bool:
        """An open step whose follow-up date has passed."""
        return (
            not self.closed
            and self.draft.follow_up_on is not None
            and (self.draft.follow_up_on < today)
        )

    def follow_up_due(self, today: date) -> bool:
        """An open step to follow up today or earlier."""
        return (
            not self.closed
            and self.draft.follow_up_on is not None
            and (self.draft.follow_up_on <= today)
        )


#: Text fields where a line break is welcome.
_MULTILINE = frozenset({"notes", "update_note", "documents"})  # documents: one per line


def _check_text(result: ValidationResult, name: str, value: str, label: str) -> None:
    limit = RIGHTS_MAX_LENGTHS[name]
    if len(value) > limit:
        result.error(name, f"{label} ne peut pas dépasser {limit} caractères.")
    elif has_control_character(value, name in _MULTILINE):
        # The persons' rule: no keyboard types these, and PostgreSQL refuses NUL.
        result.error(name, f"{label} contient un caractère invisible non autorisé.")


def validate_step(
    draft: StepDraft, today: date, status: StepStatus | None = None
) -> ValidationResult:
    """The step form's rules. ``status`` is the step's current (or new) status."""
    result = ValidationResult()
    if draft.kind is StepKind.OTHER and not draft.other_label.strip():
        result.error("other_label", "Précisez l'intitulé de la démarche « autre ».")
    if draft.opened_on is None:
        result.error("opened_on", "La date d'ouverture est obligatoire.")
    elif draft.opened_on > today:
        result.error("opened_on", "La date d'ouverture ne peut pas être dans le futur.")
    if draft.handled_by is Actor.PARTNER and draft.partner_id is None:
        result.error("partner_id", "Choisissez le partenaire : c'est lui qui porte la démarche.")
    if (
        draft.follow_up_on is not None
        and draft.opened_on is not None
        and draft.follow_up_on < draft.opened_on
    ):
        result.error(
            "follow_up_on",
            f"La date de relance ({format_date(draft.follow_up_on)}) ne peut pas précéder "
            f"l'ouverture de la démarche ({format_date(draft.opened_on)}).",
        )
    if draft.outcome_on is not None:
        if draft.outcome_on > today:
            result.error("outcome_on", "La date de la décision ne peut pas être dans le futur.")
        elif draft.opened_on is not None and draft.outcome_on < draft.opened_on:
            result.error(
                "outcome_on",
                "La date de la décision ne peut pas précéder l'ouverture de la démarche.",
            )
    if draft.expires_on is not None:
        if draft.outcome_on is None:
            result.error(
                "expires_on",
                "Une date d'échéance suppose un droit obtenu : indiquez d'abord la date "
                "d'obtention.",
            )
        elif draft.expires_on <= draft.outcome_on:
            result.error(
                "expires_on",
                f"L'échéance du droit ({format_date(draft.expires_on)}) doit suivre la date "
                f"d'obtention ({format_date(draft.outcome_on)}).",
            )
    if status is StepStatus.OBTAINED and draft.outcome_on is None:
        result.error("outcome_on", "Indiquez la date à laquelle le droit a été obtenu.")
    if (
        draft.outcome_on is not None
        and status is not None
        and status
        not in (
            StepStatus.OBTAINED,
            StepStatus.REFUSED,
        )
    ):
        result.error(
            "outcome_on",
            "Une date de décision ne s'indique que pour une démarche obtenue ou refusée.",
        )
    _check_text(result, "other_label", draft.other_label, "L'intitulé")
    _check_text(result, "partner_contact", draft.partner_contact, "La personne à contacter")
    _check_text(result, "notes", draft.notes, "Les observations")
    _check_text(result, "documents", "\n".join(draft.documents), "La liste des pièces")
    if any(has_control_character(document) for document in draft.documents):
        result.error("documents", "Une pièce contient un caractère invisible non autorisé.")
    if (
        draft.follow_up_on is not None
        and status is not None
        and not status.closed
        and draft.follow_up_on < today
    ):
        result.warnings.append(
            f"La date de relance ({format_date(draft.follow_up_on)}) est déjà passée : "
            "la démarche apparaîtra en retard dans « À traiter »."
        )
    return result


def validate_note(note: str) -> ValidationResult:
    result = ValidationResult()
    _check_text(result, "update_note", note, "La note")
    return result


class StepSort(Enum):
    """How the service-wide view of steps is sorted."""

    FOLLOW_UP = "follow_up"
    OPENED = "opened"
    PERSON = "person"
    STATUS = "status"
    UPDATED = "updated"


@dataclass(frozen=True)
class StepQuery:
    """Filters of the service-wide view of steps (all combine)."""

    domain: RightsDomain | None = None
    status: StepStatus | None = None
    #: Only steps still open (the default view).
    open_only: bool = True
    partner_id: int | None = None
    #: The person's referent CPIP.
    referent_id: int | None = None
    #: The agent in charge of the step.
    agent_id: int | None = None
    antenne_id: int | None = None
    overdue: bool = False
    sort: StepSort = StepSort.FOLLOW_UP
    descending: bool = False


@dataclass(frozen=True)
class StepLine:
    """A row of the service-wide view: the step with whom it concerns."""

    step: Step
    person_name: str
    file_number: str
    referent_name: str
    partner_name: str
    agent_name: str
