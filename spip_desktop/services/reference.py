"""The service's reference data: antennes, agents and establishments."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditAction, AuditEvent, diff
from ..domain.errors import DuplicateValue, InvalidInput
from ..domain.model import Agent, Antenne, Establishment, ReferenceData
from ..domain.security import Permission
from ..domain.text import fold
from ..domain.validation import validate_agent, validate_named
from .base import Service


def _values(record: Antenne | Agent | Establishment | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {k: v for k, v in asdict(record).items() if k not in ("id", "version")}


class ReferenceService(Service):
    def load(self) -> ReferenceData:
        """Every antenne, agent and establishment, in French alphabetical order."""
        self.user  # noqa: B018 - signed in: any role reads the reference data
        with self._uow.reader() as uow:
            antennes = sorted(uow.reference.antennes(), key=lambda a: fold(a.name))
            establishments = sorted(uow.reference.establishments(), key=lambda e: fold(e.name))
            agents = uow.reference.agents()
        return ReferenceData(tuple(antennes), tuple(agents), tuple(establishments))

    def save_antenne(self, antenne: Antenne) -> Antenne:
        result = validate_named(antenne.name, antenne.code)
        if not result.ok:
            raise InvalidInput(result)
        self._require(Permission.REFERENCE)
        with self._uow() as uow:
            if uow.reference.name_taken("antenne", antenne.name, antenne.id):
                raise DuplicateValue("name", "Une antenne porte déjà ce nom.")
            before = uow.reference.antenne(antenne.id) if antenne.id else None
            row_id = uow.reference.save_antenne(antenne)
            saved = uow.reference.antenne(row_id)
            self._audit_record(uow, "antenne", row_id, before, saved, antenne.name)
            uow.commit()
        assert saved is not None
        return saved

    def save_establishment(self, establishment: Establishment) -> Establishment:
        result = validate_named(establishment.name)
        if not result.ok:
            raise InvalidInput(result)
        self._require(Permission.REFERENCE)
        with self._uow() as uow:
            if uow.reference.name_taken("establishment", establishment.name, establishment.id):
                raise DuplicateValue("name", "Un établissement porte déjà ce nom.")
            before = uow.reference.establishment(establishment.id) if establishment.id else None
            row_id = uow.reference.save_establishment(establishment)
            saved = uow.reference.establishment(row_id)
            self._audit_record(uow, "establishment", row_id, before, saved, establishment.name)
            uow.commit()
        assert saved is not None
        return saved

    def save_agent(self, agent: Agent) -> Agent:
        result = validate_agent(agent.surname, agent.given_name, agent.email)
        if not result.ok:
            raise InvalidInput(result)
        self._require(Permission.REFERENCE)
        with self._uow() as uow:
            before = uow.reference.agent(agent.id) if agent.id else None
            row_id = uow.reference.save_agent(agent)
            saved = uow.reference.agent(row_id)
            self._audit_record(uow, "agent", row_id, before, saved, agent.display_name)
            uow.commit()
        assert saved is not None
        return saved

    def _audit_record(
        self,
        uow: UnitOfWork,
        kind: str,
        row_id: int,
        before: Antenne | Agent | Establishment | None,
        after: Antenne | Agent | Establishment | None,
        name: str,
    ) -> None:
        action = AuditAction.CREATE if before is None else AuditAction.UPDATE
        self._audit(
            uow, AuditEvent(action, kind, row_id, None, name, diff(_values(before), _values(after)))
        )
