"""Shared fixtures. Qt runs offscreen; the user data directory is a temporary one."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the developer's real data directory (logs, backups, default base).
os.environ["SPIP_DATA_DIR"] = tempfile.mkdtemp(prefix="spip-tests-")
os.environ.pop("SPIP_DATABASE_URL", None)

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from spip_desktop.bootstrap import Services, open_services
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.enums import AgentRole, EstablishmentKind, Regime, Sex
from spip_desktop.domain.model import (
    Agent,
    Antenne,
    Establishment,
    PersonDraft,
)
from spip_desktop.domain.security import Role, User
from spip_desktop.services.passwords import fast_passwords
from spip_desktop.settings import Settings

TODAY = date(2026, 3, 12)


def fixed_today() -> date:
    return TODAY


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "spip.sqlite3"


@pytest.fixture
def settings(db_path: Path, tmp_path: Path) -> Settings:
    return Settings(sqlite_file_url(db_path), False, db_path, tmp_path / "data")


#: Who the ``services`` fixture signs in: every permission of the service's content.
MANAGER = User(1, "direction", "Diane DIRECTRICE", frozenset({Role.DPIP, Role.ADMIN}))


def open_test_services(settings: Settings, user: User | None = MANAGER) -> Services:
    """Services on a real file, signed in as ``user``, with cheap password hashing."""
    opened = open_services(settings, today=fixed_today, passwords=fast_passwords())
    opened.session.user = user
    return opened


def sign_in_as(services: Services, *roles: Role, agent_id: int | None = None) -> User:
    """Act as someone with ``roles`` (and, for a CPIP, the caseload of ``agent_id``)."""
    login = "test-" + "-".join(r.value for r in roles)
    user = User(None, login, "Test", frozenset(roles), agent_id)
    services.session.user = user
    return user


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    opened = open_test_services(settings)
    yield opened
    opened.close()


class Reference:
    """Ids of a small service's reference data."""

    def __init__(self, services: Services) -> None:
        ref = services.reference
        self.antenne = ref.save_antenne(Antenne(None, "Antenne de Bordeaux", "BDX"))
        self.cpip = ref.save_agent(
            Agent(None, "Lefèvre", "Élodie", AgentRole.CPIP, self.antenne.id)
        )
        self.cpip2 = ref.save_agent(Agent(None, "Zola", "Anne", AgentRole.CPIP, self.antenne.id))
        self.prison = ref.save_establishment(
            Establishment(
                None, "Centre pénitentiaire de Gradignan", EstablishmentKind.CENTRE_PENITENTIAIRE
            )
        )
        self.sas = ref.save_establishment(
            Establishment(None, "SAS de Gradignan", EstablishmentKind.SAS)
        )


@pytest.fixture
def reference(services: Services) -> Reference:
    return Reference(services)


def person_draft(**changes: object) -> PersonDraft:
    values: dict[str, object] = {
        "surname": "Dupont",
        "given_names": "Jean",
        "birth_date": date(1980, 5, 17),
        "sex": Sex.MALE,
        "file_number": "2026-000001",
        "regime": Regime.MILIEU_OUVERT,
    }
    values.update(changes)
    return PersonDraft(**values)  # type: ignore[arg-type]
