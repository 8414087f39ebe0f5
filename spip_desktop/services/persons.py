"""People followed and their measures: list, file, create, edit, close, reopen."""

from __future__ import annotations

from datetime import date

from ..db.unit_of_work import UnitOfWork
from ..domain import rules
from ..domain.enums import ClosureReason
from ..domain.errors import DuplicateValue, InvalidInput, NotFound
from ..domain.model import (
    MeasureDraft,
    PersonDraft,
    PersonFile,
    PersonPage,
    PersonQuery,
)
from ..domain.validation import (
    MAX_LENGTHS,
    ValidationResult,
    validate_measure,
    validate_person,
)
from .base import Service

PAGE_SIZE = 100  # about four screens of rows; more come as the list scrolls
DUPLICATE_FILE_NUMBER = "Ce numéro de dossier est déjà attribué à une autre personne."


class PersonService(Service):
    # -- list --------------------------------------------------------------------
    def list_page(self, query: PersonQuery, offset: int = 0, limit: int = PAGE_SIZE) -> PersonPage:
        """One page of the *Personnes suivies* list.

        The total is a separate use case (:meth:`count`): the list can show its
        first page before the count of a broad search is known.
        """
        with self._uow.reader() as uow:
            rows = uow.persons.page(query, offset, limit + 1, self._today())
        return PersonPage(tuple(rows[:limit]), offset, len(rows) > limit)

    def count(self, query: PersonQuery) -> int:
        """How many people the filters and search keep."""
        with self._uow.reader() as uow:
            return uow.persons.count(query, self._today())

    # -- file --------------------------------------------------------------------
    def get_file(self, person_id: int) -> PersonFile:
        with self._uow.reader() as uow:
            return self._load_file(uow, person_id)

    def _load_file(self, uow: UnitOfWork, person_id: int) -> PersonFile:
        person = uow.persons.get(person_id)
        if person is None:
            raise NotFound("Ce dossier n'existe plus : il a peut-être été supprimé.")
        measures = uow.measures.for_person(person_id)
        d = person.draft
        return PersonFile(
            person=person,
            measures=tuple(measures),
            referent=uow.reference.agent(d.referent_id) if d.referent_id else None,
            antenne=uow.reference.antenne(d.antenne_id) if d.antenne_id else None,
            establishment=(
                uow.reference.establishment(d.establishment_id) if d.establishment_id else None
            ),
            key_dates=rules.key_dates(m.draft for m in measures),
        )

    def suggest_file_number(self) -> str:
        """The next free number of the year, ``AAAA-nnnnnn``."""
        prefix = f"{self._today().year}-"
        with self._uow.reader() as uow:
            highest = uow.persons.max_file_number(prefix)
        sequence = 1
        if highest and highest[len(prefix) :].isdigit():
            sequence = int(highest[len(prefix) :]) + 1
        return f"{prefix}{sequence:06d}"

    def check(self, draft: PersonDraft, person_id: int | None = None) -> ValidationResult:
        """Validate a draft as the save would, without saving (for live form feedback)."""
        result = validate_person(draft, self._today())
        if "file_number" not in result.errors and draft.file_number.strip():
            with self._uow.reader() as uow:
                owner = uow.persons.file_number_owner(draft.file_number)
            if owner is not None and owner != person_id:
                result.error("file_number", DUPLICATE_FILE_NUMBER)
        return result

    def create(self, draft: PersonDraft) -> PersonFile:
        result = validate_person(draft, self._today())
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            if uow.persons.file_number_owner(draft.file_number) is not None:
                raise DuplicateValue("file_number", DUPLICATE_FILE_NUMBER)
            person_id = uow.persons.add(draft)
            uow.commit()
            return self._load_file(uow, person_id)

    def update(self, person_id: int, version: int, draft: PersonDraft) -> PersonFile:
        result = validate_person(draft, self._today())
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            owner = uow.persons.file_number_owner(draft.file_number)
            if owner is not None and owner != person_id:
                raise DuplicateValue("file_number", DUPLICATE_FILE_NUMBER)
            uow.persons.update(person_id, version, draft)
            uow.commit()
            return self._load_file(uow, person_id)

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
        with self._uow() as uow:
            uow.persons.set_closure(person_id, version, closed_on, reason, note.strip())
            uow.commit()
            return self._load_file(uow, person_id)

    def reopen(self, person_id: int, version: int) -> PersonFile:
        with self._uow() as uow:
            uow.persons.set_closure(person_id, version, None, None, "")
            uow.commit()
            return self._load_file(uow, person_id)

    # -- measures ----------------------------------------------------------------
    def check_measure(self, draft: MeasureDraft) -> ValidationResult:
        return validate_measure(draft, self._today())

    def add_measure(self, person_id: int, draft: MeasureDraft) -> PersonFile:
        self._validate_measure(draft)
        with self._uow() as uow:
            if uow.persons.get(person_id) is None:
                raise NotFound("Ce dossier n'existe plus : il a peut-être été supprimé.")
            uow.measures.add(person_id, draft)
            self._refresh_key_dates(uow, person_id)
            uow.commit()
            return self._load_file(uow, person_id)

    def update_measure(self, measure_id: int, version: int, draft: MeasureDraft) -> PersonFile:
        self._validate_measure(draft)
        with self._uow() as uow:
            person_id = uow.measures.update(measure_id, version, draft)
            self._refresh_key_dates(uow, person_id)
            uow.commit()
            return self._load_file(uow, person_id)

    def delete_measure(self, measure_id: int, version: int) -> PersonFile:
        with self._uow() as uow:
            person_id = uow.measures.delete(measure_id, version)
            self._refresh_key_dates(uow, person_id)
            uow.commit()
            return self._load_file(uow, person_id)

    def _validate_measure(self, draft: MeasureDraft) -> None:
        result = validate_measure(draft, self._today())
        if not result.ok:
            raise InvalidInput(result)

    @staticmethod
    def _refresh_key_dates(uow: UnitOfWork, person_id: int) -> None:
        measures = uow.measures.for_person(person_id)
        uow.persons.set_key_dates(person_id, rules.key_dates(m.draft for m in measures))
