"""The journal's rules: what a note and an appointment need, and when an outcome is due."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from spip_desktop.domain.journal import (
    APPOINTMENT_KINDS,
    JOURNAL_MAX_LENGTHS,
    EntryKind,
    JournalDraft,
    JournalEntry,
    Outcome,
    validate_entry,
)

NOW = datetime(2026, 3, 12, 12, 0)
NOTE = JournalDraft(EntryKind.NOTE, date(2026, 3, 12), None, "Hébergement", "Appel du CHRS.")
INTERVIEW = JournalDraft(
    EntryKind.INTERVIEW, date(2026, 3, 12), time(11, 30), "Point emploi", agent_id=3
)


def entry(draft: JournalDraft) -> JournalEntry:
    return JournalEntry(1, 1, 1, draft, "Élodie LEFÈVRE", NOW, NOW)


def test_the_vocabulary_in_french() -> None:
    assert [k.label for k in EntryKind] == [
        "Note",
        "Entretien",
        "Convocation",
        "Visite à domicile",
    ]
    assert [o.label for o in Outcome] == ["Honoré", "Non honoré", "Excusé"]
    assert APPOINTMENT_KINDS == (EntryKind.INTERVIEW, EntryKind.SUMMONS, EntryKind.HOME_VISIT)
    assert not EntryKind.NOTE.is_appointment
    assert all(kind.is_appointment for kind in APPOINTMENT_KINDS)


def test_a_note_needs_a_date_and_a_text_and_no_outcome() -> None:
    assert validate_entry(NOTE, NOW).ok
    result = validate_entry(replace(NOTE, day=None, text=" \n "), NOW)
    assert result.errors == {"day": "La date est obligatoire.", "text": "La note est vide."}
    with_outcome = validate_entry(replace(NOTE, outcome=Outcome.HONOURED), NOW)
    assert with_outcome.errors["outcome"] == (
        "Une note n'a pas de suite : seuls les rendez-vous en ont."
    )


def test_a_note_is_never_dated_in_the_future() -> None:
    tomorrow = validate_entry(replace(NOTE, day=date(2026, 3, 13)), NOW)
    assert tomorrow.errors["day"] == "Une note ne peut pas être datée dans le futur."
    assert validate_entry(replace(NOTE, day=date(2020, 1, 1)), NOW).ok


@pytest.mark.parametrize("kind", APPOINTMENT_KINDS)
def test_an_appointment_needs_its_time_and_its_agent(kind: EntryKind) -> None:
    assert validate_entry(replace(INTERVIEW, kind=kind), NOW).ok
    result = validate_entry(replace(INTERVIEW, kind=kind, at=None, agent_id=None), NOW)
    assert result.errors == {
        "at": "Indiquez l'heure du rendez-vous.",
        "agent_id": "Indiquez l'agent qui tient le rendez-vous.",
    }
    # an appointment may have no text: its subject and time say enough
    assert validate_entry(replace(INTERVIEW, kind=kind, text="", subject=""), NOW).ok


def test_an_outcome_only_once_the_appointment_has_taken_place() -> None:
    past = replace(INTERVIEW, outcome=Outcome.MISSED)
    assert validate_entry(past, NOW).ok
    at_the_minute = replace(past, at=time(12, 0))
    assert validate_entry(at_the_minute, NOW).ok
    later = replace(past, at=time(12, 1))
    assert "n'a pas encore eu lieu" in validate_entry(later, NOW).errors["outcome"]
    # an appointment to come is fine without its outcome
    assert validate_entry(replace(later, outcome=None), NOW).ok


def test_texts_have_a_maximum_length() -> None:
    long = replace(
        NOTE,
        subject="x" * (JOURNAL_MAX_LENGTHS["subject"] + 1),
        text="é" * (JOURNAL_MAX_LENGTHS["text"] + 1),
        place="p" * (JOURNAL_MAX_LENGTHS["place"] + 1),
    )
    errors = validate_entry(long, NOW).errors
    assert errors["subject"] == "L'objet ne peut pas dépasser 200 caractères."
    assert errors["text"] == "Le texte ne peut pas dépasser 8000 caractères."
    assert errors["place"] == "Le lieu ne peut pas dépasser 200 caractères."
    exact = replace(NOTE, text="é" * JOURNAL_MAX_LENGTHS["text"])
    assert validate_entry(exact, NOW).ok


def test_a_past_appointment_without_outcome_awaits_one() -> None:
    past = entry(INTERVIEW)
    assert past.starts_at == datetime(2026, 3, 12, 11, 30)
    assert past.awaiting_outcome(NOW)
    assert not entry(replace(INTERVIEW, outcome=Outcome.EXCUSED)).awaiting_outcome(NOW)
    assert not entry(replace(INTERVIEW, at=time(15))).awaiting_outcome(NOW)
    assert not entry(NOTE).awaiting_outcome(NOW)
    assert entry(replace(INTERVIEW, day=None)).starts_at is None
