"""People followed and their measures: list, file, create, edit, close, reopen."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date
from typing import Any

from ..db.unit_of_work import UnitOfWork
from ..domain import rules
from ..domain.audit import AuditAction, AuditEntry, AuditEvent, diff
from ..domain.enums import ClosureReason
from ..domain.errors import DuplicateValue, EditConflict, InvalidInput, NotFound
from ..domain.model import (
    Measure,
    MeasureDraft,
    Person,
    PersonDraft,
    PersonFile,
    PersonPage,
    PersonQuery,
)
from ..domain.security import Permission, Scope
from ..domain.validation import (
    MAX_LENGTHS,
    ValidationResult,
    validate_measure,
    validate_person,
)
from .base import Service

PAGE_SIZE = 100  # about four screens of rows; more come as the list scrolls
DUPLICATE_FILE_NUMBER = "Ce numéro de dossier est déjà attribué à une autre personne."
GONE = "Ce dossier n'existe plus : il a peut-être été supprimé."


def _fields(draft: PersonDraft) -> dict[str, Any]:
    """A draft's fields by name (a shallow copy: cheaper than ``asdict`` on every save)."""
    return dict(vars(draft))


def _measure_values(draft: MeasureDraft) -> dict[str, Any]:
    """A measure's fields as the audit trail compares them (obligations as text lines)."""
    values = dict(vars(draft))
    values["obligations"] = [
        f"{o.kind.label} : {o.details}" if o.details else o.kind.label for o in draft.obligations
    ]
    return values


def _closure_values(person: Person) -> dict[str, Any]:
    return {
        "closed_on": person.closed_on,
        "closure_reason": person.closure_reason,
        "closure_note": person.closure_note,
    }


class PersonService(Service):
    # -- list --------------------------------------------------------------------
    def list_page(self, query: PersonQuery, offset: int = 0, limit: int = PAGE_SIZE) -> PersonPage:
        """One page of the *Personnes suivies* list.

        The total is a separate use case (:meth:`count`): the list can show its
        first page before the count of a broad search is known.
        """
        visible = self._visible(query)
        if visible is None:
            return PersonPage((), offset, False)
        with self._uow.reader() as uow:
            rows = uow.persons.page(visible, offset, limit + 1, self._today())
        return PersonPage(tuple(rows[:limit]), offset, len(rows) > limit)

    def count(self, query: PersonQuery) -> int:
        """How many people the filters and search keep."""
        visible = self._visible(query)
        if visible is None:
            return 0
        with self._uow.reader() as uow:
            return uow.persons.count(visible, self._today())

    def _visible(self, query: PersonQuery) -> PersonQuery | None:
        """The query narrowed to what the user may see (``None``: nothing at all)."""
        user = self._require(Permission.PERSON_VIEW)
        if user.scope(Permission.PERSON_VIEW) is Scope.SERVICE:
            return query
        if query.referent_id not in (None, user.agent_id):
            return None
        return replace(query, referent_id=user.agent_id if user.agent_id is not None else -1)

    # -- file --------------------------------------------------------------------
    def get_file(self, person_id: int) -> PersonFile:
        """Open a person's file; the opening is recorded in the audit trail."""
        with self._uow() as uow:
            person = self._person(uow, person_id)
            self._require_for(Permission.PERSON_VIEW, person.draft.referent_id)
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.VIEW,
                    "person",
                    person_id,
                    person_id,
                    f"n° {person.draft.file_number}",
                ),
            )
            uow.commit()
            return self._load_file(uow, person_id)

    def history(self, person_id: int) -> list[AuditEntry]:
        """The audit entries about this person's file, newest first."""
        with self._uow.reader() as uow:
            person = self._person(uow, person_id)
            self._require_for(Permission.FILE_HISTORY, person.draft.referent_id)
            return uow.audit.for_person(person_id, since=person.created_at)

    @staticmethod
    def _person(uow: UnitOfWork, person_id: int) -> Person:
        person = uow.persons.get(person_id)
        if person is None:
            raise NotFound(GONE)
        return person

    def _load_file(self, uow: UnitOfWork, person_id: int) -> PersonFile:
        person = self._person(uow, person_id)
        d = person.draft
        hidden = not self.user.may(Permission.PERSON_DETAILS, d.referent_id)
        all_measures = uow.measures.for_person(person_id)
        measures = () if hidden else tuple(all_measures)
        return PersonFile(
            person=person,
            measures=measures,
            referent=uow.reference.agent(d.referent_id) if d.referent_id else None,
            antenne=uow.reference.antenne(d.antenne_id) if d.antenne_id else None,
            establishment=(
                uow.reference.establishment(d.establishment_id) if d.establishment_id else None
            ),
            key_dates=rules.key_dates(m.draft for m in all_measures),
            details_hidden=hidden,
        )

    def suggest_file_number(self) -> str:
        """The next free number of the year, ``AAAA-nnnnnn``."""
        self._require(Permission.PERSON_CREATE)
        prefix = f"{self._today().year}-"
        with self._uow.reader() as uow:
            highest = uow.persons.max_file_number(prefix)
        sequence = 1
        if highest and highest[len(prefix) :].isdigit():
            sequence = int(highest[len(prefix) :]) + 1
        return f"{prefix}{sequence:06d}"

    def check(self, draft: PersonDraft, person_id: int | None = None) -> ValidationResult:
        """Validate a draft as the save would, without saving (for live form feedback)."""
        self._require(Permission.PERSON_VIEW)
        result = validate_person(draft, self._today())
        if "file_number" not in result.errors and draft.file_number.strip():
            with self._uow.reader() as uow:
                owner = uow.persons.file_number_owner(draft.file_number)
            if owner is not None and owner != person_id:
                result.error("file_number", DUPLICATE_FILE_NUMBER)
        return result

    def create(self, draft: PersonDraft) -> PersonFile:
        self._require(Permission.PERSON_CREATE)
        result = validate_person(draft, self._today())
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            if uow.persons.file_number_owner(draft.file_number) is not None:
                raise DuplicateValue("file_number", DUPLICATE_FILE_NUMBER)
            person_id = uow.persons.add(draft)
            self._audit_person(uow, AuditAction.CREATE, person_id, None, _fields(draft))
            uow.commit()
            return self._load_file(uow, person_id)

    def update(self, person_id: int, version: int, draft: PersonDraft) -> PersonFile:
        result = validate_person(draft, self._today())
        if not result.ok:
            raise InvalidInput(result)
        with self._conflicts_explained(person_id), self._uow() as uow:
            before = self._person(uow, person_id)
            self._require_for(Permission.PERSON_EDIT, before.draft.referent_id)
            if draft.referent_id != before.draft.referent_id:
                # Moving someone out of a caseload is a decision on the file, not identity.
                self._require_for(Permission.FILE_CLOSE, before.draft.referent_id)
            owner = uow.persons.file_number_owner(draft.file_number)
            if owner is not None and owner != person_id:
                raise DuplicateValue("file_number", DUPLICATE_FILE_NUMBER)
            uow.persons.update(person_id, version, draft)
            self._audit_person(
                uow, AuditAction.UPDATE, person_id, _fields(before.draft), _fields(draft)
            )
            uow.commit()
            return self._load_file(uow, person_id)

    def _audit_person(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        person_id: int,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        file_number: str = "",
    ) -> None:
        number = file_number or (after or before or {}).get("file_number", "")
        self._audit(
            uow,
            AuditEvent(action, "person", person_id, person_id, f"n° {number}", diff(before, after)),
        )

    @contextmanager
    def _conflicts_explained(self, person_id: int) -> Iterator[None]:
        """Turn a bare version conflict into one that says who changed the file, and when."""
        try:
            yield
        except EditConflict as conflict:
            if conflict.current is not None:
                raise
            raise self.conflict_details(person_id) from conflict

    def conflict_details(self, person_id: int) -> EditConflict:
        """The file as saved now, and who saved it last and when (for the conflict dialog)."""
        with self._uow.reader() as uow:
            person = self._person(uow, person_id)
            self._require_for(Permission.PERSON_VIEW, person.draft.referent_id)
            current = self._load_file(uow, person_id)
            last = uow.audit.last_change("person", person_id)
        if last is None:
            return EditConflict(current)
        local = last.at.replace(tzinfo=UTC).astimezone()
        return EditConflict(current, last.actor_name, local)

    def close(
        self,
        person_id: int,
        version: int,
        closed_on: date,
        reason: ClosureReason,
        note: str = "",
    ) -> PersonFile:
        """Close a file (*clôture*): it leaves the active list but stays readable."""
        result = ValidationResult()
        if closed_on > self._today():
            result.error("closed_on", "La date de clôture ne peut pas être dans le futur.")
        if len(note) > MAX_LENGTHS["notes"]:
            result.error(
                "closure_note",
                f"Le commentaire ne peut pas dépasser {MAX_LENGTHS['notes']} caractères.",
            )
        if not result.ok:
            raise InvalidInput(result)
        return self._set_closure(person_id, version, closed_on, reason, note.strip())

    def reopen(self, person_id: int, version: int) -> PersonFile:
        return self._set_closure(person_id, version, None, None, "")

    def _set_closure(
        self,
        person_id: int,
        version: int,
        closed_on: date | None,
        reason: ClosureReason | None,
        note: str,
    ) -> PersonFile:
        with self._conflicts_explained(person_id), self._uow() as uow:
            before = self._person(uow, person_id)
            self._require_for(Permission.FILE_CLOSE, before.draft.referent_id)
            uow.persons.set_closure(person_id, version, closed_on, reason, note)
            after = self._person(uow, person_id)
            self._audit_person(
                uow,
                AuditAction.UPDATE,
                person_id,
                _closure_values(before),
                _closure_values(after),
                before.draft.file_number,
            )
            uow.commit()
            return self._load_file(uow, person_id)

    # -- measures ----------------------------------------------------------------
    def check_measure(self, draft: MeasureDraft) -> ValidationResult:
        return validate_measure(draft, self._today())

    def add_measure(self, person_id: int, draft: MeasureDraft) -> PersonFile:
        self._validate_measure(draft)
        with self._uow() as uow:
            person = self._person(uow, person_id)
            self._require_for(Permission.MEASURE_EDIT, person.draft.referent_id)
            measure_id = uow.measures.add(person_id, draft)
            self._audit_measure(uow, AuditAction.CREATE, measure_id, person, None, draft)
            self._refresh_key_dates(uow, person_id)
            uow.commit()
            return self._load_file(uow, person_id)

    def update_measure(self, measure_id: int, version: int, draft: MeasureDraft) -> PersonFile:
        self._validate_measure(draft)
        with self._measure_conflicts_explained(measure_id), self._uow() as uow:
            before, person = self._measure(uow, measure_id)
            self._require_for(Permission.MEASURE_EDIT, person.draft.referent_id)
            uow.measures.update(measure_id, version, draft)
            self._audit_measure(uow, AuditAction.UPDATE, measure_id, person, before.draft, draft)
            self._refresh_key_dates(uow, person.id)
            uow.commit()
            return self._load_file(uow, person.id)

    def delete_measure(self, measure_id: int, version: int) -> PersonFile:
        with self._measure_conflicts_explained(measure_id), self._uow() as uow:
            before, person = self._measure(uow, measure_id)
            self._require_for(Permission.MEASURE_EDIT, person.draft.referent_id)
            uow.measures.delete(measure_id, version)
            self._audit_measure(uow, AuditAction.DELETE, measure_id, person, before.draft, None)
            self._refresh_key_dates(uow, person.id)
            uow.commit()
            return self._load_file(uow, person.id)

    @contextmanager
    def _measure_conflicts_explained(self, measure_id: int) -> Iterator[None]:
        """A measure saved meanwhile: the conflict carries it as saved, who and when."""
        try:
            yield
        except EditConflict as conflict:
            if conflict.current is not None:
                raise
            with self._uow.reader() as uow:
                current, person = self._measure(uow, measure_id)
                self._require_for(Permission.PERSON_DETAILS, person.draft.referent_id)
                last = uow.audit.last_change("measure", measure_id)
            if last is None:
                raise EditConflict(current) from conflict
            local = last.at.replace(tzinfo=UTC).astimezone()
            raise EditConflict(current, last.actor_name, local) from conflict

    def _measure(self, uow: UnitOfWork, measure_id: int) -> tuple[Measure, Person]:
        measure = uow.measures.get(measure_id)
        if measure is None:
            raise NotFound("Cette mesure n'existe plus : elle a peut-être été supprimée.")
        return measure, self._person(uow, measure.person_id)

    def _audit_measure(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        measure_id: int,
        person: Person,
        before: MeasureDraft | None,
        after: MeasureDraft | None,
    ) -> None:
        kind = (after or before or MeasureDraft()).measure_type
        label = kind.label if kind is not None else "Mesure"
        self._audit(
            uow,
            AuditEvent(
                action,
                "measure",
                measure_id,
                person.id,
                f"{label} — dossier {person.draft.file_number}",
                diff(
                    _measure_values(before) if before else None,
                    _measure_values(after) if after else None,
                ),
            ),
        )

    def _validate_measure(self, draft: MeasureDraft) -> None:
        result = validate_measure(draft, self._today())
        if not result.ok:
            raise InvalidInput(result)

    @staticmethod
    def _refresh_key_dates(uow: UnitOfWork, person_id: int) -> None:
        measures = uow.measures.for_person(person_id)
        uow.persons.set_key_dates(person_id, rules.key_dates(m.draft for m in measures))
