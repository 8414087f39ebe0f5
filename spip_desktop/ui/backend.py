"""What the interface needs from the services, as protocols (faked in tests).

Kept apart from the pages so that the main window can be built, and painted,
before the pages' modules are imported.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from ..domain.enums import ClosureReason
from ..domain.model import (
    Agent,
    Antenne,
    Establishment,
    MeasureDraft,
    PersonDraft,
    PersonFile,
    PersonPage,
    PersonQuery,
    ReferenceData,
)
from ..domain.validation import ValidationResult


class PersonActions(Protocol):
    """What the page needs from the person service (faked in tests)."""

    def get_file(self, person_id: int) -> PersonFile: ...
    def check(self, draft: PersonDraft, person_id: int | None = None) -> ValidationResult: ...
    def create(self, draft: PersonDraft) -> PersonFile: ...
    def update(self, person_id: int, version: int, draft: PersonDraft) -> PersonFile: ...
    def close(
        self, person_id: int, version: int, closed_on: date, reason: ClosureReason, note: str = ""
    ) -> PersonFile: ...
    def reopen(self, person_id: int, version: int) -> PersonFile: ...
    def check_measure(self, draft: MeasureDraft) -> ValidationResult: ...
    def add_measure(self, person_id: int, draft: MeasureDraft) -> PersonFile: ...
    def update_measure(self, measure_id: int, version: int, draft: MeasureDraft) -> PersonFile: ...
    def delete_measure(self, measure_id: int, version: int) -> PersonFile: ...


class ReferenceActions(Protocol):
    def load(self) -> ReferenceData: ...
    def save_antenne(self, antenne: Antenne) -> Antenne: ...
    def save_agent(self, agent: Agent) -> Agent: ...
    def save_establishment(self, establishment: Establishment) -> Establishment: ...


class PersonBackend(PersonActions, Protocol):
    def list_page(self, query: PersonQuery, offset: int = 0, limit: int = 200) -> PersonPage: ...
    def count(self, query: PersonQuery) -> int: ...
    def suggest_file_number(self) -> str: ...


class Backend(Protocol):
    """What the window needs once the database is open."""

    persons: PersonBackend
    reference: ReferenceActions

    @property
    def database_label(self) -> str: ...
