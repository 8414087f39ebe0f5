"""Partners of the service and the conventions signed with them.

Partners are institutions (préfecture, CAF, CPAM, France Travail, missions
locales), local authorities, associations, health and housing bodies, stage
providers and TIG hosts. They carry rights steps, organise stages and lend
venues. A partner still used is archived, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .dates import format_date, plural
from .followup_terms import ConventionLevel as ConventionLevel
from .followup_terms import ConventionState as ConventionState
from .followup_terms import ConventionStatus as ConventionStatus
from .followup_terms import Milieu as Milieu
from .followup_terms import PartnerKind as PartnerKind
from .followup_terms import Theme as Theme
from .validation import ValidationResult, has_control_character

PARTNER_MAX_LENGTHS: dict[str, int] = {
    "name": 150,  # printed as a stage organiser (stage.organiser_name holds 150)
    "address": 250,
    "phone": 30,
    "email": 254,
    "notes": 2000,
    "contact_name": 150,
    "contact_role": 150,
    "title": 250,
    "funding_source": 100,
}

#: The largest convention funding, in cents (9 999 999,99 €): the column is a 32-bit
#: integer on PostgreSQL (at most 21 474 836,47 €), so a bigger amount, most often a slip
#: of the keyboard, is refused as such before it reaches the database.
FUNDING_MAX_CENTS = 9_999_999_99

#: How many days before its expiry a convention is flagged (and on the to-do list).
CONVENTION_NOTICE_DAYS = 90


@dataclass(frozen=True)
class Contact:
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class PartnerDraft:
    name: str = ""
    kind: PartnerKind = PartnerKind.ASSOCIATION
    themes: frozenset[Theme] = frozenset()
    #: The antennes the partner serves (none: the whole service).
    antenne_ids: frozenset[int] = frozenset()
    address: str = ""
    phone: str = ""
    email: str = ""
    #: The SPIP's referent for this partner.
    referent_id: int | None = None
    contacts: tuple[Contact, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Partner:
    id: int
    version: int
    draft: PartnerDraft
    active: bool = True

    @property
    def name(self) -> str:
        return self.draft.name


@dataclass(frozen=True)
class PartnerUse:
    """What still points at a partner (deleting it is refused; archiving is offered)."""

    steps: int = 0
    stages: int = 0
    conventions: int = 0

    @property
    def total(self) -> int:
        return self.steps + self.stages + self.conventions

    def describe(self) -> str:
        parts = []
        if self.steps:
            parts.append(
                plural(self.steps, "démarche d'accès aux droits", "démarches d'accès aux droits")
            )
        if self.stages:
            parts.append(plural(self.stages, "stage", "stages"))
        if self.conventions:
            parts.append(plural(self.conventions, "convention", "conventions"))
        return ", ".join(parts)


@dataclass(frozen=True)
class ConventionDraft:
    partner_id: int | None = None
    level: ConventionLevel = ConventionLevel.LOCAL
    title: str = ""
    themes: frozenset[Theme] = frozenset()
    milieu: Milieu = Milieu.BOTH
    signed_on: date | None = None
    expires_on: date | None = None
    funding_cents: int | None = None
    funding_source: str = ""
    status: ConventionStatus = ConventionStatus.DRAFT
    notes: str = ""


@dataclass(frozen=True)
class Convention:
    id: int
    version: int
    draft: ConventionDraft
    partner_name: str = ""

    def state(self, today: date) -> ConventionState:
        return convention_state(self.draft, today)


def convention_state(draft: ConventionDraft, today: date) -> ConventionState:
    if draft.status is ConventionStatus.DRAFT:
        return ConventionState.DRAFT
    if draft.status is ConventionStatus.TERMINATED:
        return ConventionState.TERMINATED
    if draft.expires_on is not None and draft.expires_on < today:
        return ConventionState.EXPIRED
    if draft.expires_on is not None and (draft.expires_on - today).days <= CONVENTION_NOTICE_DAYS:
        return ConventionState.EXPIRING
    return ConventionState.ACTIVE


@dataclass(frozen=True)
class PartnerQuery:
    text: str = ""
    kind: PartnerKind | None = None
    theme: Theme | None = None
    antenne_id: int | None = None
    include_archived: bool = False


@dataclass(frozen=True)
class ConventionQuery:
    partner_id: int | None = None
    states: frozenset[ConventionState] = field(default_factory=frozenset)


def _check_lengths(result: ValidationResult, values: dict[str, tuple[str, str]]) -> None:
    """Length limits, and no invisible control character (PostgreSQL refuses NUL)."""
    for name, (value, label) in values.items():
        limit = PARTNER_MAX_LENGTHS[name]
        if len(value) > limit:
            result.error(name, f"{label} ne peut pas dépasser {limit} caractères.")
        elif has_control_character(value, multiline=name == "notes"):
            result.error(name, f"{label} contient un caractère invisible : retirez-le.")


def validate_partner(draft: PartnerDraft) -> ValidationResult:
    result = ValidationResult()
    if not draft.name.strip():
        result.error("name", "Le nom du partenaire est obligatoire.")
    _check_lengths(
        result,
        {
            "name": (draft.name, "Le nom"),
            "address": (draft.address, "L'adresse"),
            "phone": (draft.phone, "Le téléphone"),
            "email": (draft.email, "L'adresse électronique"),
            "notes": (draft.notes, "Les observations"),
        },
    )
    if draft.email.strip() and ("@" not in draft.email or "." not in draft.email.split("@")[-1]):
        result.error("email", "L'adresse électronique n'est pas valide (exemple : nom@domaine.fr).")
    for index, contact in enumerate(draft.contacts, start=1):
        if not contact.name.strip():
            result.error("contacts", f"Le contact n° {index} n'a pas de nom.")
        elif any(
            has_control_character(v)
            for v in (contact.name, contact.role, contact.phone, contact.email)
        ):
            result.error("contacts", f"Le contact n° {index} contient un caractère invisible.")
        elif (
            len(contact.name) > PARTNER_MAX_LENGTHS["contact_name"]
            or len(contact.role) > PARTNER_MAX_LENGTHS["contact_role"]
        ):
            result.error("contacts", f"Le contact n° {index} a un nom ou une fonction trop long.")
        elif (
            len(contact.phone) > PARTNER_MAX_LENGTHS["phone"]
            or len(contact.email) > PARTNER_MAX_LENGTHS["email"]
        ):
            result.error(
                "contacts", f"Le contact n° {index} a un téléphone ou un courriel trop long."
            )
    return result


def validate_convention(draft: ConventionDraft) -> ValidationResult:
    result = ValidationResult()
    if draft.partner_id is None:
        result.error("partner_id", "Choisissez le partenaire de la convention.")
    if not draft.title.strip():
        result.error("title", "L'objet de la convention est obligatoire.")
    _check_lengths(
        result,
        {
            "title": (draft.title, "L'objet"),
            "funding_source": (draft.funding_source, "La source du financement"),
            "notes": (draft.notes, "Les observations"),
        },
    )
    if draft.status is ConventionStatus.SIGNED and draft.signed_on is None:
        result.error("signed_on", "Une convention signée a une date de signature.")
    if (
        draft.signed_on is not None
        and draft.expires_on is not None
        and draft.expires_on <= draft.signed_on
    ):
        result.error(
            "expires_on",
            f"La convention ne peut pas prendre fin ({format_date(draft.expires_on)}) "
            f"avant d'avoir commencé ({format_date(draft.signed_on)}).",
        )
    if draft.funding_cents is not None and draft.funding_cents < 0:
        result.error("funding_cents", "Le montant du financement ne peut pas être négatif.")
    elif draft.funding_cents is not None and draft.funding_cents > FUNDING_MAX_CENTS:
        result.error(
            "funding_cents",
            f"Le montant du financement dépasse {format_funding(FUNDING_MAX_CENTS)} : "
            "vérifiez le nombre de zéros.",
        )
    if draft.funding_cents and not draft.funding_source.strip():
        result.warnings.append("Indiquez la source du financement (par exemple FIPD).")
    return result


def format_funding(cents: int | None) -> str:
    """``12 500,00 €`` (French grouping and decimal comma); empty when there is none."""
    if cents is None:
        return ""
    euros, rest = divmod(cents, 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{grouped},{rest:02d}\u00a0€"
