"""The journal of a file: dated notes, and appointments (*entretien*, *convocation*,
*visite à domicile*) with their outcome (*honoré*, *non honoré*, *excusé*).

Reading and writing the journal takes :attr:`Permission.JOURNAL` on the person (a CPIP
on their caseload, the direction on the whole service). Every change is one
transaction with its audit entry (``journal_entry``, with the person's id), so the
file's history shows who wrote, changed or deleted what.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditAction, AuditEvent, diff
from ..domain.dates import format_date
from ..domain.errors import EditConflict, InvalidInput, NotFound, SpipError
from ..domain.journal import JournalDraft, JournalEntry, Outcome, validate_entry
from ..domain.model import Person
from ..domain.security import Permission
from ..domain.validation import ValidationResult
from .base import Clock, Service, UnitOfWorkSource, UserSession
from .documents import local_now

PERSON_GONE = "Ce dossier n'existe plus : il a peut-être été supprimé."
ENTRY_GONE = "Cette entrée du journal n'existe plus : elle a peut-être été supprimée."
ENTRY_CHANGED = (
    "Cette entrée du journal a été modifiée par quelqu'un d'autre depuis que vous l'avez "
    "ouverte. Le journal est rechargé : reprenez votre modification sur la version à jour."
)


def _values(draft: JournalDraft, agent_name: str = "") -> dict[str, Any]:
    """An entry's fields as the audit trail compares them."""
    values: dict[str, Any] = {
        "kind": draft.kind,
        "day": draft.day,
        "at": draft.at.strftime("%H:%M") if draft.at is not None else None,
        "subject": draft.subject.strip(),
        "text": draft.text.strip(),
        "place": draft.place.strip(),
        "agent_id": agent_name or draft.agent_id,
    }
    if draft.kind.is_appointment:
        values["outcome"] = draft.outcome
    return values


def _summary(draft: JournalDraft) -> str:
    """``Entretien du 12/03/2026 à 14:30`` or ``Note du 12/03/2026 : Point sur l'emploi``."""
    text = f"{draft.kind.label} du {format_date(draft.day)}"
    if draft.at is not None and draft.kind.is_appointment:
        text += f" à {draft.at:%H:%M}"
    if draft.subject.strip():
        text += f" : {draft.subject.strip()}"
    return text


class JournalService(Service):
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
        """The wall-clock time the rules use (an appointment past, a note not in the future)."""
        return self._now()

    def may_write(self, referent_id: int | None) -> bool:
        """May the user read and write the journal of a person with this referent?"""
        return self.user.may(Permission.JOURNAL, referent_id)

    # -- reading --------------------------------------------------------------------------
    def entries(self, person_id: int) -> tuple[JournalEntry, ...]:
        """The person's journal, newest first."""
        with self._uow.reader() as uow:
            self._person(uow, person_id)
            return tuple(uow.journal.entries(person_id))

    def get_entry(self, entry_id: int) -> JournalEntry:
        with self._uow.reader() as uow:
            entry = self._entry(uow, entry_id)
            self._person(uow, entry.person_id)
            return entry

    def check(self, draft: JournalDraft) -> ValidationResult:
        """The entry's rules, for the form to show as the user types."""
        return validate_entry(draft, self._now())

    # -- writing --------------------------------------------------------------------------
    def save_entry(
        self, person_id: int, entry_id: int | None, version: int, draft: JournalDraft
    ) -> JournalEntry:
        """Write a new entry (``entry_id`` ``None``) or change one read at ``version``."""
        result = validate_entry(draft, self._now())
        if not result.ok:
            raise InvalidInput(result)
        try:
            with self._uow() as uow:
                person = self._person(uow, person_id)
                agent_name = self._agent_name(uow, draft.agent_id)
                before = None
                if entry_id is not None:
                    before = self._entry(uow, entry_id)
                    if before.person_id != person_id:
                        raise NotFound(ENTRY_GONE)
                    uow.journal.update(entry_id, version, draft)
                    saved_id = entry_id
                else:
                    saved_id = uow.journal.add(person_id, draft, self.user.display_name)
                self._audit(
                    uow,
                    AuditEvent(
                        AuditAction.CREATE if before is None else AuditAction.UPDATE,
                        "journal_entry",
                        saved_id,
                        person.id,
                        _summary(draft),
                        diff(
                            None if before is None else _values(before.draft, before.agent_name),
                            _values(draft, agent_name),
                        ),
                    ),
                )
                uow.commit()
                return self._entry(uow, saved_id)
        except EditConflict as conflict:
            raise SpipError(ENTRY_CHANGED) from conflict

    def set_outcome(self, entry_id: int, version: int, outcome: Outcome | None) -> JournalEntry:
        """Record (or clear, with ``None``) the outcome of an appointment that has taken place."""
        now = self._now()
        try:
            with self._uow() as uow:
                entry = self._entry(uow, entry_id)
                self._person(uow, entry.person_id)
                if not entry.is_appointment:
                    raise SpipError("Une note n'a pas de suite : seuls les rendez-vous en ont.")
                start = entry.starts_at
                if outcome is not None and start is not None and start > now:
                    result = ValidationResult()
                    result.error(
                        "outcome",
                        "Le rendez-vous n'a pas encore eu lieu : sa suite (honoré, non honoré, "
                        "excusé) se saisit après.",
                    )
                    raise InvalidInput(result)
                uow.journal.set_outcome(entry_id, version, outcome)
                self._audit(
                    uow,
                    AuditEvent(
                        AuditAction.UPDATE,
                        "journal_entry",
                        entry_id,
                        entry.person_id,
                        f"Suite : {_summary(entry.draft)}",
                        diff({"outcome": entry.draft.outcome}, {"outcome": outcome}),
                    ),
                )
                uow.commit()
                return self._entry(uow, entry_id)
        except EditConflict as conflict:
            raise SpipError(ENTRY_CHANGED) from conflict

    def delete_entry(self, entry_id: int, version: int) -> None:
        """Delete an entry; its content stays in the audit trail."""
        try:
            with self._uow() as uow:
                entry = self._entry(uow, entry_id)
                self._person(uow, entry.person_id)
                uow.journal.delete(entry_id, version)
                self._audit(
                    uow,
                    AuditEvent(
                        AuditAction.DELETE,
                        "journal_entry",
                        entry_id,
                        entry.person_id,
                        _summary(entry.draft),
                        diff(_values(entry.draft, entry.agent_name), None),
                    ),
                )
                uow.commit()
        except EditConflict as conflict:
            raise SpipError(ENTRY_CHANGED) from conflict

    # -- helpers --------------------------------------------------------------------------
    def _person(self, uow: UnitOfWork, person_id: int) -> Person:
        """The person, if the user may read and write their journal."""
        person = uow.persons.get(person_id)
        if person is None:
            raise NotFound(PERSON_GONE)
        self._require_for(Permission.JOURNAL, person.draft.referent_id)
        return person

    @staticmethod
    def _entry(uow: UnitOfWork, entry_id: int) -> JournalEntry:
        entry = uow.journal.get(entry_id)
        if entry is None:
            raise NotFound(ENTRY_GONE)
        return entry

    @staticmethod
    def _agent_name(uow: UnitOfWork, agent_id: int | None) -> str:
        if agent_id is None:
            return ""
        agent = uow.reference.agent(agent_id)
        if agent is None:
            result = ValidationResult()
            result.error("agent_id", "Cet agent n'existe plus : choisissez-en un autre.")
            raise InvalidInput(result)
        return agent.display_name
