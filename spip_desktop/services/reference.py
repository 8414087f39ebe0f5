"""The service's reference data: antennes, agents and establishments."""

from __future__ import annotations

from ..domain.errors import DuplicateValue, InvalidInput
from ..domain.model import Agent, Antenne, Establishment, ReferenceData
from ..domain.text import fold
from ..domain.validation import validate_agent, validate_named
from .base import Service


class ReferenceService(Service):
    def load(self) -> ReferenceData:
        """Every antenne, agent and establishment, in French alphabetical order."""
        with self._uow.reader() as uow:
            antennes = sorted(uow.reference.antennes(), key=lambda a: fold(a.name))
            establishments = sorted(uow.reference.establishments(), key=lambda e: fold(e.name))
            agents = uow.reference.agents()
        return ReferenceData(tuple(antennes), tuple(agents), tuple(establishments))

    def save_antenne(self, antenne: Antenne) -> Antenne:
        result = validate_named(antenne.name, antenne.code)
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            if uow.reference.name_taken("antenne", antenne.name, antenne.id):
                raise DuplicateValue("name", "Une antenne porte déjà ce nom.")
            row_id = uow.reference.save_antenne(antenne)
            uow.commit()
            saved = uow.reference.antenne(row_id)
        assert saved is not None
        return saved

    def save_establishment(self, establishment: Establishment) -> Establishment:
        result = validate_named(establishment.name)
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            if uow.reference.name_taken("establishment", establishment.name, establishment.id):
                raise DuplicateValue("name", "Un établissement porte déjà ce nom.")
            row_id = uow.reference.save_establishment(establishment)
            uow.commit()
            saved = uow.reference.establishment(row_id)
        assert saved is not None
        return saved

    def save_agent(self, agent: Agent) -> Agent:
        result = validate_agent(agent.surname, agent.given_name, agent.email)
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            row_id = uow.reference.save_agent(agent)
            uow.commit()
            saved = uow.reference.agent(row_id)
        assert saved is not None
        return saved
