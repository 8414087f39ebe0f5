"""The service's settings: declared once here with their defaults and limits."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from .security import LOCK_MINUTES_DEFAULT, LOCK_MINUTES_RANGE
from .validation import ValidationResult

RETENTION_YEARS_RANGE = (1, 30)
AUDIT_RETENTION_YEARS_RANGE = (1, 10)
#: 500 KB of image, base64-encoded.
LOGO_MAX_BASE64 = 500 * 1024 * 4 // 3 + 4

#: What a document needs from the settings, and what is printed when it is missing.
DOCUMENT_DEFAULTS = {
    "service_code": "",
    "signatory_role": "Pour le directeur fonctionnel du service",
}


@dataclass(frozen=True)
class ServiceSettings:
    """Service-wide settings, stored in the database (one value per field)."""

    service_name: str = "Service pénitentiaire d'insertion et de probation"
    service_code: str = ""
    address: str = ""
    city: str = ""
    #: The service's logo for the letterhead: a PNG, base64-encoded (empty: none).
    logo_png: str = ""
    #: Who signs attestations, and as what (``"La directrice fonctionnelle"``).
    signatory_name: str = ""
    signatory_role: str = ""
    #: Where documents are signed (``Fait à …``); the city when empty.
    signature_place: str = ""
    #: CPIPs may read identity and dates of people outside their caseload.
    cpip_service_wide_read: bool = True
    #: Minutes without input before the window locks itself.
    lock_minutes: int = LOCK_MINUTES_DEFAULT
    #: Years a file is kept after the end of the person's last measure.
    retention_years: int = 5
    #: Years an audit entry is kept.
    audit_retention_years: int = 3

    def to_strings(self) -> dict[str, str]:
        return {f.name: _encode(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_strings(cls, values: dict[str, str]) -> ServiceSettings:
        """Stored values over the defaults; a value that no longer parses keeps its default."""
        settings = cls()
        changes: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in values:
                try:
                    changes[f.name] = _decode(type(getattr(settings, f.name)), values[f.name])
                except ValueError:
                    continue
        return replace(settings, **changes)


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _decode(kind: type, text: str) -> object:
    if kind is bool:
        return text == "1"
    if kind is int:
        return int(text)
    return text


def missing_document_settings(settings: ServiceSettings) -> list[str]:
    """French names of the letterhead settings still empty (documents print defaults)."""
    names = {
        "service_code": "le code du service",
        "address": "l'adresse",
        "city": "la commune",
        "signatory_name": "le nom du signataire",
        "signatory_role": "la qualité du signataire",
    }
    return [label for name, label in names.items() if not getattr(settings, name).strip()]


def validate_settings(settings: ServiceSettings) -> ValidationResult:
    result = ValidationResult()
    if not settings.service_name.strip():
        result.error("service_name", "Indiquez le nom du service.")
    elif len(settings.service_name) > 150:
        result.error("service_name", "Le nom du service ne peut pas dépasser 150 caractères.")
    for name, label, (low, high), unit in (
        ("lock_minutes", "Le délai de verrouillage", LOCK_MINUTES_RANGE, "minutes"),
        ("retention_years", "La durée de conservation des dossiers", RETENTION_YEARS_RANGE, "ans"),
        (
            "audit_retention_years",
            "La durée de conservation du journal d'audit",
            AUDIT_RETENTION_YEARS_RANGE,
            "ans",
        ),
    ):
        value = getattr(settings, name)
        if not low <= value <= high:
            result.error(name, f"{label} doit aller de {low} à {high} {unit}.")
    if len(settings.logo_png) > LOGO_MAX_BASE64:
        result.error(
            "logo_png", "Le logo est trop lourd : choisissez une image de moins de 500 Ko."
        )
    for name, limit in (
        ("service_code", 20),
        ("address", 250),
        ("city", 120),
        ("signatory_name", 150),
        ("signatory_role", 150),
        ("signature_place", 120),
    ):
        if len(getattr(settings, name)) > limit:
            result.error(name, f"Ce champ ne peut pas dépasser {limit} caractères.")
    return result
