"""The SQL of the journal of a file: notes, and appointments with their outcome."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.journal import JournalDraft, JournalEntry, Outcome
from . import models as m
from .repositories import checked

ENTRY_GONE = "Cette entrée du journal n'existe plus : elle a peut-être été supprimée."

_COLUMNS = (
    m.JournalEntryRow.id,
    m.JournalEntryRow.version,
    m.JournalEntryRow.person_id,
    m.JournalEntryRow.kind,
    m.JournalEntryRow.day,
    m.JournalEntryRow.at,
    m.JournalEntryRow.subject,
    m.JournalEntryRow.text,
    m.JournalEntryRow.place,
    m.JournalEntryRow.agent_id,
    m.JournalEntryRow.outcome,
    m.JournalEntryRow.author,
    m.JournalEntryRow.created_at,
    m.JournalEntryRow.updated_at,
    m.AgentRow.given_name,
    m.AgentRow.surname,
)


def _select() -> Any:
    return select(*_COLUMNS).outerjoin(m.AgentRow, m.AgentRow.id == m.JournalEntryRow.agent_id)


def _to_entry(row: Any) -> JournalEntry:
    (
        entry_id,
        version,
        person_id,
        kind,
        day,
        at,
        subject,
        text,
        place,
        agent_id,
        outcome,
        author,
        created_at,
        updated_at,
        given_name,
        surname,
    ) = row
    agent_name = f"{given_name or ''} {(surname or '').upper()}".strip()
    return JournalEntry(
        id=entry_id,
        version=version,
        person_id=person_id,
        draft=JournalDraft(
            kind=kind,
            day=day,
            at=at,
            subject=subject,
            text=text,
            place=place,
            agent_id=agent_id,
            outcome=outcome,
        ),
        author=author,
        created_at=created_at,
        updated_at=updated_at,
        agent_name=agent_name,
    )


def _order(entry: JournalEntry) -> tuple[date, time, int]:
    return (entry.draft.day or date.min, entry.draft.at or time.min, entry.id)


def _values(draft: JournalDraft) -> dict[str, Any]:
    return {
        "kind": draft.kind,
        "day": draft.day,
        "at": draft.at if draft.kind.is_appointment else None,
        "subject": draft.subject.strip(),
        "text": draft.text.strip(),
        "place": draft.place.strip(),
        "agent_id": draft.agent_id,
        "outcome": draft.outcome if draft.kind.is_appointment else None,
    }


class JournalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def entries(self, person_id: int) -> list[JournalEntry]:
        """A person's entries, newest first (``ix_journal_entry_person_day``)."""
        stmt = _select().where(m.JournalEntryRow.person_id == person_id)
        entries = [_to_entry(row) for row in self.session.execute(stmt).all()]
        # Sorted here: the databases disagree on where an empty time goes.
        entries.sort(
            key=lambda e: (e.draft.day or date.min, e.draft.at or time.min, e.id), reverse=True
        )
        return entries

    def get(self, entry_id: int) -> JournalEntry | None:
        row = self.session.execute(_select().where(m.JournalEntryRow.id == entry_id)).first()
        return None if row is None else _to_entry(row)

    def add(self, person_id: int, draft: JournalDraft, author: str) -> int:
        row = m.JournalEntryRow(person_id=person_id, author=author, **_values(draft))
        self.session.add(row)
        self.session.flush()
        return row.id

    def update(self, entry_id: int, version: int, draft: JournalDraft) -> None:
        row = checked(self.session.get(m.JournalEntryRow, entry_id), version, ENTRY_GONE)
        for name, value in _values(draft).items():
            setattr(row, name, value)
        self.session.flush()

    def set_outcome(self, entry_id: int, version: int, outcome: Outcome | None) -> None:
        row = checked(self.session.get(m.JournalEntryRow, entry_id), version, ENTRY_GONE)
        row.outcome = outcome
        self.session.flush()

    def delete(self, entry_id: int, version: int) -> None:
        row = checked(self.session.get(m.JournalEntryRow, entry_id), version, ENTRY_GONE)
        self.session.delete(row)
        self.session.flush()
