"""Validation of what officers type, with the sentence each error shows.

Errors block the save; warnings are shown and the officer may go on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from .dates import age_on
from .enums import ObligationType, Regime
from .model import MeasureDraft, PersonDraft

ADULT_AGE = 18

#: Longest text each field accepts (the database columns are sized from these).
MAX_LENGTHS: dict[str, int] = {
    "surname": 100,
    "usage_name": 100,
    "given_names": 150,
    "birth_place": 120,
    "address": 250,
    "postal_code": 10,
    "city": 120,
    "phone": 30,
    "email": 254,
    "file_number": 30,
    "appi_number": 30,
    "ecrou_number": 30,
    "court": 150,
    "jap_name": 150,
    "notes": 4000,
    "obligation_details": 500,
    "name": 150,
    "code": 20,
}

FIELD_LABELS: dict[str, str] = {
    "surname": "Le nom",
    "usage_name": "Le nom d'usage",
    "given_names": "Les prénoms",
    "birth_place": "Le lieu de naissance",
    "address": "L'adresse",
    "postal_code": "Le code postal",
    "city": "La commune",
    "phone": "Le téléphone",
    "email": "L'adresse électronique",
    "file_number": "Le numéro de dossier",
    "appi_number": "Le numéro APPI",
    "ecrou_number": "Le numéro d'écrou",
    "court": "La juridiction",
    "jap_name": "Le nom du JAP",
    "notes": "Les observations",
    "name": "Le nom",
    "code": "Le code",
}

#: The person's free-text fields, in the order the identity form shows them.
PERSON_TEXT_FIELDS = (
    "surname",
    "usage_name",
    "given_names",
    "birth_place",
    "address",
    "postal_code",
    "city",
    "phone",
    "email",
    "file_number",
    "appi_number",
    "ecrou_number",
)

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_RE = re.compile(r"^\+?[0-9 .\-()]{6,}$")
_POSTAL_RE = re.compile(r"^\d{5}$")


@dataclass
class ValidationResult:
    """Field errors (blocking) and warnings (shown, not blocking)."""

    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, message)

    def summary(self) -> str:
        """All errors as one French paragraph."""
        return "\n".join(self.errors.values())


#: Fields typed over several lines: line breaks and tabs are welcome there.
MULTILINE_FIELDS = frozenset({"notes", "obligation_details"})


def has_control_character(value: str, multiline: bool = False) -> bool:
    """A control character (NUL, escape…) that no keyboard types on purpose."""
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in value)


def _check_lengths(result: ValidationResult, values: dict[str, str]) -> None:
    """Length limits, and no invisible control character (PostgreSQL refuses NUL)."""
    for name, value in values.items():
        limit = MAX_LENGTHS.get(name)
        label = FIELD_LABELS.get(name, "Ce champ")
        if limit is not None and len(value) > limit:
            result.error(name, f"{label} ne peut pas dépasser {limit} caractères.")
        elif not value.isprintable() and has_control_character(value, name in MULTILINE_FIELDS):
            result.error(name, f"{label} contient un caractère invisible non autorisé.")


def validate_person(draft: PersonDraft, today: date) -> ValidationResult:
    result = ValidationResult()
    if not draft.surname.strip():
        result.error("surname", "Le nom est obligatoire.")
    if not draft.given_names.strip():
        result.error("given_names", "Au moins un prénom est obligatoire.")
    if not draft.file_number.strip():
        result.error("file_number", "Le numéro de dossier est obligatoire.")
    if draft.birth_date is None:
        result.error("birth_date", "La date de naissance est obligatoire.")
    elif draft.birth_date > today:
        result.error("birth_date", "La date de naissance ne peut pas être dans le futur.")
    elif draft.birth_date.year < 1900:
        result.error("birth_date", "La date de naissance est antérieure à 1900 : vérifiez l'année.")
    elif age_on(draft.birth_date, today) < ADULT_AGE:
        result.warnings.append(
            f"Cette personne a {age_on(draft.birth_date, today)} ans : "
            "le SPIP ne suit que des personnes majeures. Vérifiez la date de naissance."
        )
    if draft.regime is Regime.MILIEU_FERME and draft.establishment_id is None:
        result.error(
            "establishment_id",
            "En milieu fermé, indiquez l'établissement pénitentiaire.",
        )
    _check_establishment_since(result, draft, today)
    if draft.email and not _EMAIL_RE.match(draft.email.strip()):
        result.error("email", "L'adresse électronique n'est pas valide (exemple : nom@domaine.fr).")
    if draft.phone and not _PHONE_RE.match(draft.phone.strip()):
        result.error(
            "phone",
            "Le numéro de téléphone ne contient que des chiffres (exemple : 06 12 34 56 78).",
        )
    if draft.postal_code and not _POSTAL_RE.match(draft.postal_code.strip()):
        result.error("postal_code", "Le code postal compte 5 chiffres.")
    _check_lengths(result, {name: getattr(draft, name) for name in PERSON_TEXT_FIELDS})
    return result


def _check_establishment_since(result: ValidationResult, draft: PersonDraft, today: date) -> None:
    """The arrival in the establishment: a detainee's, in the past, after the birth."""
    since = draft.establishment_since
    if since is None:
        return
    if draft.regime is not Regime.MILIEU_FERME:
        result.error(
            "establishment_since",
            "En milieu ouvert, il n'y a pas de date d'arrivée dans un établissement : effacez-la.",
        )
    elif draft.establishment_id is None:
        result.error(
            "establishment_since",
            "Choisissez l'établissement avant d'indiquer la date d'arrivée, ou effacez-la.",
        )
    elif since > today:
        result.error(
            "establishment_since",
            "La date d'arrivée dans l'établissement ne peut pas être dans le futur.",
        )
    elif draft.birth_date is not None and since < draft.birth_date:
        result.error(
            "establishment_since",
            "La date d'arrivée dans l'établissement ne peut pas précéder la date de naissance.",
        )


def validate_measure(draft: MeasureDraft, today: date) -> ValidationResult:
    result = ValidationResult()
    if draft.measure_type is None:
        result.error("measure_type", "Choisissez le type de mesure.")
    if draft.decision_date is None:
        result.error("decision_date", "La date de la décision est obligatoire.")
    elif draft.decision_date > today:
        result.error("decision_date", "La date de la décision ne peut pas être dans le futur.")
    else:
        if draft.final_date and draft.final_date < draft.decision_date:
            result.error(
                "final_date",
                "La décision ne peut pas devenir définitive avant d'avoir été rendue.",
            )
        if draft.referral_date and draft.referral_date < draft.decision_date:
            result.error(
                "referral_date",
                "La saisine du SPIP ne peut pas précéder la décision.",
            )
    if (
        draft.probation_start
        and draft.probation_end
        and draft.probation_end < draft.probation_start
    ):
        result.error(
            "probation_end",
            "La fin du délai d'épreuve ne peut pas précéder son début.",
        )
    start = draft.probation_start or draft.decision_date
    if draft.sentence_end and start and draft.sentence_end < start:
        result.error(
            "sentence_end",
            "La fin de peine ne peut pas précéder le début de la mesure.",
        )
    if draft.cancelled_on is not None:
        if draft.cancelled_on > today:
            result.error("cancelled_on", "La date d'annulation ne peut pas être dans le futur.")
        elif draft.decision_date is not None and draft.cancelled_on < draft.decision_date:
            result.error(
                "cancelled_on",
                "Une mesure ne peut pas être annulée avant la décision qui l'a prononcée.",
            )
    _check_lengths(
        result,
        {"court": draft.court, "jap_name": draft.jap_name, "notes": draft.notes},
    )
    for obligation in draft.obligations:
        if obligation.kind is ObligationType.AUTRE and not obligation.details.strip():
            result.error("obligations", "Précisez le texte de l'obligation « Autre ».")
        if len(obligation.details) > MAX_LENGTHS["obligation_details"]:
            result.error(
                "obligations",
                f"La précision d'une obligation ne peut pas dépasser "
                f"{MAX_LENGTHS['obligation_details']} caractères.",
            )
        elif has_control_character(obligation.details, multiline=True):
            result.error(
                "obligations",
                "La précision d'une obligation contient un caractère invisible non autorisé.",
            )
    kinds = [o.kind for o in draft.obligations if o.kind is not ObligationType.AUTRE]
    if len(kinds) != len(set(kinds)):
        result.error("obligations", "Une même obligation figure deux fois.")
    return result


def validate_named(name: str, code: str = "") -> ValidationResult:
    """Antennes, establishments: a name is required."""
    result = ValidationResult()
    if not name.strip():
        result.error("name", "Le nom est obligatoire.")
    _check_lengths(result, {"name": name, "code": code})
    return result


def validate_agent(surname: str, given_name: str, email: str) -> ValidationResult:
    result = ValidationResult()
    if not surname.strip():
        result.error("surname", "Le nom est obligatoire.")
    if not given_name.strip():
        result.error("given_name", "Le prénom est obligatoire.")
    if email and not _EMAIL_RE.match(email.strip()):
        result.error("email", "L'adresse électronique n'est pas valide (exemple : nom@domaine.fr).")
    _check_lengths(result, {"surname": surname, "email": email})
    return result
