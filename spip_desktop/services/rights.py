"""Access-to-rights steps (*démarches d'accès aux droits*): open, follow, list.

A step's status moves only along the table of allowed transitions
(:data:`~spip_desktop.domain.rights.TRANSITIONS`). Each status change or note is a new
row of the step's history, never changed afterwards; the step row's status is
rewritten in the same transaction. Every use case checks the user's permission
(:attr:`Permission.RIGHTS`: a CPIP on their caseload, ASS and DPIP on the whole
service) and leaves its trace in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditAction, AuditEvent, diff
from ..domain.dates import format_date
from ..domain.errors import EditConflict, InvalidInput, NotFound, SpipError
from ..domain.model import Person
from ..domain.rights import (
    SENSITIVE_DOMAINS,
    SENSITIVE_FILTER,
    Actor,
    Step,
    StepDraft,
    StepKind,
    StepLine,
    StepQuery,
    StepStatus,
    transition_error,
    validate_note,
    validate_step,
)
from ..domain.security import Permission, Scope
from ..domain.validation import ValidationResult
from .base import Clock, Service, UnitOfWorkSource, UserSession
from .documents import local_now

PAGE_SIZE = 200
PERSON_GONE = "Ce dossier n'existe plus : il a peut-être été supprimé."
STEP_GONE = "Cette démarche n'existe plus : le dossier a peut-être été purgé."
POLE_EMPLOI_RETIRED = (
    "Pôle emploi s'appelle France Travail depuis le 1er janvier 2024 : "
    "choisissez « Inscription à France Travail »."
)
NOTHING_TO_RECORD = "Choisissez un nouveau statut ou écrivez une note."


def _status_line(before: StepStatus, after: StepStatus) -> str:
    """``À engager → En cours``: how the trail and the history name a status change."""
    return f"{before.label} → {after.label}"


class RightsService(Service):
    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock = date.today,
        session: UserSession | None = None,
        now: Callable[[], datetime] = local_now,
    ) -> None:
        super().__init__(uow, today, session)
        self._now = now

    # -- permissions -------------------------------------------------------------------------
    def may_follow(self, referent_id: int | None) -> bool:
        """May the user open and follow steps of a person with this referent?"""
        return self.user.may(Permission.RIGHTS, referent_id)

    @staticmethod
    def _person(uow: UnitOfWork, person_id: int) -> Person:
        person = uow.persons.get(person_id)
        if person is None:
            raise NotFound(PERSON_GONE)
        return person

    def _step(self, uow: UnitOfWork, step_id: int, reading: bool = False) -> tuple[Step, Person]:
        """The step and its person, if the user may follow (or, ``reading``, read) them."""
        step = uow.rights.get(step_id)
        if step is None:
            raise NotFound(STEP_GONE)
        person = self._person(uow, step.person_id)
        if reading:
            self._require_reader(person.draft.referent_id)
        else:
            self._require_for(Permission.RIGHTS, person.draft.referent_id)
        return step, person

    def _require_reader(self, referent_id: int | None) -> None:
        """Whoever follows the person's steps, or reads their whole file, reads their steps."""
        if not self.user.may(Permission.PERSON_DETAILS, referent_id):
            self._require_for(Permission.RIGHTS, referent_id)

    # -- reading -----------------------------------------------------------------------------
    def person_steps(self, person_id: int) -> tuple[Step, ...]:
        """A person's steps with their history: open ones first, next follow-up first.

        Who reads the whole file (``PERSON_DETAILS``) reads them too, without following them.
        """
        with self._uow.reader() as uow:
            person = self._person(uow, person_id)
            self._require_reader(person.draft.referent_id)
            return tuple(uow.rights.for_person(person_id))

    def get_step(self, step_id: int) -> Step:
        with self._uow.reader() as uow:
            step, _ = self._step(uow, step_id, reading=True)
        return step

    def list_steps(
        self, query: StepQuery, offset: int = 0, limit: int = PAGE_SIZE
    ) -> tuple[StepLine, ...]:
        """One page of the service-wide view (a CPIP sees their caseload's steps only)."""
        visible = self._visible(query)
        if visible is None:
            return ()
        today = self._today()
        with self._uow.reader() as uow:
            ids = uow.rights.page_ids(visible, offset, limit, today)
            return tuple(uow.rights.lines(ids))

    def count_steps(self, query: StepQuery) -> int:
        visible = self._visible(query)
        if visible is None:
            return 0
        with self._uow.reader() as uow:
            return uow.rights.count(visible, self._today())

    def _visible(self, query: StepQuery) -> StepQuery | None:
        """The query narrowed to the steps the user may see (``None``: none at all)."""
        user = self._require(Permission.RIGHTS)
        if query.domain in SENSITIVE_DOMAINS:
            raise SpipError(SENSITIVE_FILTER)
        if user.scope(Permission.RIGHTS) is Scope.SERVICE:
            return query
        if query.referent_id not in (None, user.agent_id):
            return None
        return replace(query, referent_id=user.agent_id if user.agent_id is not None else -1)

    # -- writing -----------------------------------------------------------------------------
    def open_step(self, person_id: int, draft: StepDraft, note: str = "") -> Step:
        """Open a step *à engager* for a person; the note starts its history."""
        self._check_note(note)
        with self._uow() as uow:
            person = self._person(uow, person_id)
            user = self._require_for(Permission.RIGHTS, person.draft.referent_id)
            self._validate(uow, draft, StepStatus.TO_START, None)
            step_id = uow.rights.add(
                person_id, draft, self._now(), user.login, user.display_name, note
            )
            after = self._values(uow, draft, StepStatus.TO_START)
            if note.strip():
                after["note"] = note.strip()
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.CREATE,
                    "rights_step",
                    step_id,
                    person_id,
                    f"{draft.title} : {StepStatus.TO_START.label}",
                    diff(None, after),
                ),
            )
            uow.commit()
            step = uow.rights.get(step_id)
        assert step is not None
        return step

    def update_step(self, step_id: int, version: int, draft: StepDraft) -> Step:
        """Change what the step form edits: partner, who acts, dates, documents, notes."""
        return self._record(step_id, version, draft, None, "", None)

    def change_status(
        self,
        step_id: int,
        version: int,
        status: StepStatus,
        note: str = "",
        actor: Actor | None = None,
        draft: StepDraft | None = None,
    ) -> Step:
        """Move the step to ``status`` (allowed by the transition table), with a note;
        ``draft`` saves the form's changes in the same transaction. The current status
        again with a note records the note alone."""
        return self._record(step_id, version, draft, status, note, actor)

    def add_note(self, step_id: int, version: int, note: str, actor: Actor | None = None) -> Step:
        """A dated note in the step's history; the status stays."""
        if not note.strip():
            result = ValidationResult()
            result.error("update_note", "Écrivez la note à ajouter à l'historique.")
            raise InvalidInput(result)
        return self._record(step_id, version, None, None, note, actor)

    def _record(
        self,
        step_id: int,
        version: int,
        draft: StepDraft | None,
        status: StepStatus | None,
        note: str,
        actor: Actor | None,
    ) -> Step:
        self._check_note(note)
        with self._conflicts_explained(step_id), self._uow() as uow:
            before, person = self._step(uow, step_id)
            user = self.user
            if before.version != version:
                raise EditConflict()
            new_status = before.status if status is None else status
            problem = transition_error(before.status, new_status)
            if problem is not None:
                result = ValidationResult()
                result.error("status", problem)
                raise InvalidInput(result)
            new_draft = before.draft if draft is None else draft
            if before.status is StepStatus.REFUSED and new_status is StepStatus.APPEAL:
                # The decision appealed stays in the history; the appeal's comes later.
                new_draft = replace(new_draft, outcome_on=None, expires_on=None)
            changed = new_draft != before.draft
            moved = new_status is not before.status
            if not (changed or moved or note.strip()):
                if status is not None:
                    result = ValidationResult()
                    result.error("status", NOTHING_TO_RECORD)
                    raise InvalidInput(result)
                return before  # nothing was changed: nothing to save
            self._validate(uow, new_draft, new_status, before.draft)
            if moved or note.strip():
                uow.rights.add_update(
                    step_id,
                    version,
                    new_status,
                    note,
                    self._now(),
                    user.login,
                    user.display_name,
                    actor or new_draft.handled_by,
                    new_draft if changed else None,
                )
            else:
                uow.rights.update(step_id, version, new_draft)
            old_values = self._values(uow, before.draft, before.status)
            new_values = self._values(uow, new_draft, new_status)
            if note.strip():
                new_values["note"] = note.strip()
            if moved:
                summary = f"{new_draft.title} : {_status_line(before.status, new_status)}"
            elif note.strip():
                summary = f"{new_draft.title} : note ajoutée ({before.status.label.lower()})"
            else:
                summary = f"{new_draft.title} : démarche modifiée"
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.UPDATE,
                    "rights_step",
                    step_id,
                    person.id,
                    summary,
                    diff(old_values, new_values),
                ),
            )
            uow.commit()
            after = uow.rights.get(step_id)
        assert after is not None
        return after

    # -- checks ------------------------------------------------------------------------------
    @staticmethod
    def _check_note(note: str) -> None:
        result = validate_note(note)
        if not result.ok:
            raise InvalidInput(result)

    def _validate(
        self, uow: UnitOfWork, draft: StepDraft, status: StepStatus, before: StepDraft | None
    ) -> None:
        """The domain's rules, plus what only the database knows (partner and agent)."""
        result = validate_step(draft, self._today(), status)
        if draft.kind is StepKind.POLE_EMPLOI and (
            before is None or before.kind is not StepKind.POLE_EMPLOI
        ):
            result.error("kind", POLE_EMPLOI_RETIRED)
        new_partner = before is None or before.partner_id != draft.partner_id
        if draft.partner_id is not None and new_partner:
            partner = uow.rights.partner(draft.partner_id)
            if partner is None:
                result.error("partner_id", "Ce partenaire n'existe plus : choisissez-en un autre.")
            elif not partner.active:
                result.error(
                    "partner_id",
                    f"Le partenaire « {partner.name} » est archivé : choisissez-en un autre.",
                )
        new_agent = before is None or before.agent_id != draft.agent_id
        if draft.agent_id is not None and new_agent:
            agent = uow.reference.agent(draft.agent_id)
            if agent is None:
                result.error("agent_id", "Cet agent n'existe plus : choisissez-en un autre.")
            elif not agent.active:
                result.error(
                    "agent_id",
                    f"{agent.display_name} n'est plus en fonction : choisissez un autre agent.",
                )
        if not result.ok:
            raise InvalidInput(result)

    @staticmethod
    def _values(uow: UnitOfWork, draft: StepDraft, status: StepStatus) -> dict[str, Any]:
        """A step as the audit trail compares it: names rather than ids, labels rather
        than codes."""
        partner = uow.rights.partner(draft.partner_id) if draft.partner_id is not None else None
        agent = uow.reference.agent(draft.agent_id) if draft.agent_id is not None else None
        return {
            "kind": draft.kind.label,
            "other_label": draft.other_label.strip(),
            "status": status.label,
            "partner_id": partner.name if partner else draft.partner_id,
            "handled_by": draft.handled_by.label,
            "agent_id": agent.display_name if agent else draft.agent_id,
            "partner_contact": draft.partner_contact.strip(),
            "opened_on": draft.opened_on,
            "follow_up_on": draft.follow_up_on,
            "documents": [d.strip() for d in draft.documents if d.strip()],
            "outcome_on": draft.outcome_on,
            "expires_on": draft.expires_on,
            "notes": draft.notes.strip(),
        }

    # -- conflicts ---------------------------------------------------------------------------
    @contextmanager
    def _conflicts_explained(self, step_id: int) -> Iterator[None]:
        """A step saved meanwhile: the conflict carries it as saved now, who and when."""
        try:
            yield
        except EditConflict as conflict:
            if conflict.current is not None:
                raise
            raise self._conflict(step_id) from conflict

    def _conflict(self, step_id: int) -> EditConflict:
        with self._uow.reader() as uow:
            current, _ = self._step(uow, step_id, reading=True)
            last = uow.audit.last_change("rights_step", step_id)
        who = last.actor_name if last is not None else ""
        when = last.at.replace(tzinfo=UTC).astimezone().replace(tzinfo=None) if last else None
        conflict = EditConflict(current, who, when)
        by = f" par {who}" if who else ""
        at = f" le {format_date(when.date())} à {when:%H:%M}" if when is not None else ""
        conflict.message = (
            f"Cette démarche a été modifiée{by}{at} depuis que vous l'avez ouverte. "
            "Vos saisies sont conservées et l'historique est à jour : vérifiez-le, puis "
            "enregistrez à nouveau si votre modification reste valable."
        )
        conflict.args = (conflict.message,)
        return conflict
