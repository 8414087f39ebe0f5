"""The journal of a file: dated notes, and appointments with their outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from .followup_terms import APPOINTMENT_KINDS as APPOINTMENT_KINDS
from .followup_terms import EntryKind as EntryKind
from .followup_terms import Outcome as Outcome
from .validation import ValidationResult

JOURNAL_MAX_LENGTHS: dict[str, int] = {"subject": 200, "text": 8000, "place": 200}


@dataclass(frozen=True)
class JournalDraft:
    kind: EntryKind = EntryKind.NOTE
    day: date | None = None
    #: The appointment's time (notes have none).
    at: time | None = None
    subject: str = ""
    text: str = ""
    place: str = ""
    #: The agent who holds the appointment (or wrote the note).
    agent_id: int | None = None
    outcome: Outcome | None = None


@dataclass(frozen=True)
class JournalEntry:
    id: int
    version: int
    person_id: int
    draft: JournalDraft
    author: str
    created_at: datetime
    updated_at: datetime
    agent_name: str = ""

    @property
    def is_appointment(self) -> bool:
        return self.draft.kind.is_appointment

    @property
    def starts_at(self) -> datetime | None:
        if self.draft.day is None:
            return None
        return datetime.combine(self.draft.day, self.draft.at or time(0, 0))

    def awaiting_outcome(self, now: datetime) -> bool:
        """An appointment past its time whose outcome has not been recorded."""
        start = self.starts_at
        return (
            self.is_appointment
            and self.draft.outcome is None
            and start is not None
            and (start <= now)
        )


def validate_entry(draft: JournalDraft, now: datetime) -> ValidationResult:
    result = ValidationResult()
    if draft.day is None:
        result.error("day", "La date est obligatoire.")
    if draft.kind.is_appointment:
        if draft.at is None:
            result.error("at", "Indiquez l'heure du rendez-vous.")
        if draft.agent_id is None:
            result.error("agent_id", "Indiquez l'agent qui tient le rendez-vous.")
        if draft.outcome is not None and draft.day is not None:
            start = datetime.combine(draft.day, draft.at or time(0, 0))
            if start > now:
                result.error(
                    "outcome",
                    "Le rendez-vous n'a pas encore eu lieu : sa suite (honoré, non honoré, "
                    "excusé) se saisit après.",
                )
    else:
        if not draft.text.strip():
            result.error("text", "La note est vide.")
        if draft.outcome is not None:
            result.error("outcome", "Une note n'a pas de suite : seuls les rendez-vous en ont.")
        if draft.day is not None and draft.day > now.date():
            result.error("day", "Une note ne peut pas être datée dans le futur.")
    for name, value, label in (
        ("subject", draft.subject, "L'objet"),
        ("text", draft.text, "Le texte"),
        ("place", draft.place, "Le lieu"),
    ):
        limit = JOURNAL_MAX_LENGTHS[name]
        if len(value) > limit:
            result.error(name, f"{label} ne peut pas dépasser {limit} caractères.")
    return result
