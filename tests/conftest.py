"""Shared fixtures. Qt runs offscreen; the user data directory is a temporary one."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the developer's real data directory (logs, backups, default base).
os.environ["SPIP_DATA_DIR"] = tempfile.mkdtemp(prefix="spip-tests-")
os.environ.pop("SPIP_DATABASE_URL", None)

import itertools
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

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


#: The wall-clock time of the tests' day: sessions before it have started, later ones not.
NOW = datetime(2026, 3, 12, 12, 0)


def fixed_now() -> datetime:
    return NOW


# -- database backends ------------------------------------------------------------------
#
# Every test that uses ``settings`` (so ``services``) depends on the ``backend`` fixture.
# Under tests/integration it runs twice, as ``[sqlite]`` (a fresh file) and as
# ``[postgresql]`` (a fresh database on the server named by SPIP_TEST_POSTGRES_URL, which
# `make test` starts with .ci/postgres); elsewhere (ui, e2e) on SQLite only.
#
# - ``@pytest.mark.sqlite_only("why")``: a test of SQLite's own machinery (FTS5 planner,
#   WAL, file corruption...) that uses ``services`` all the same. Tests that build their
#   database from a path (``db_path``, ``sqlite_file_url``) are SQLite tests already.
# - ``@pytest.mark.postgresql_only``: only the PostgreSQL variant.
# - Every PostgreSQL variant carries the ``postgresql`` marker: ``pytest -m postgresql``.
#
# Without SPIP_TEST_POSTGRES_URL the PostgreSQL variants are skipped, with the reason,
# except under CI=true, where they fail: CI must never pass without having run them.

POSTGRES_URL_VARIABLE = "SPIP_TEST_POSTGRES_URL"
BOTH_BACKENDS_UNDER = Path(__file__).parent / "integration"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): a services test of SQLite's own machinery"
    )
    config.addinivalue_line("markers", "postgresql_only: run on the PostgreSQL backend only")
    config.addinivalue_line(
        "markers", "postgresql: runs against the PostgreSQL test server (SPIP_TEST_POSTGRES_URL)"
    )


def _backends(definition: pytest.Function) -> list[str]:
    if definition.get_closest_marker("postgresql_only"):
        return ["postgresql"]
    if definition.get_closest_marker("sqlite_only"):
        return ["sqlite"]
    if definition.path.is_relative_to(BOTH_BACKENDS_UNDER):
        return ["sqlite", "postgresql"]
    return ["sqlite"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("postgresql_only") and not item.get_closest_marker("postgresql"):
            item.add_marker(pytest.mark.postgresql)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    backends = _backends(metafunc.definition)
    if backends == ["sqlite"]:
        return  # the fixture's default: test ids stay as they were
    metafunc.parametrize(
        "backend",
        [
            pytest.param(b, marks=[pytest.mark.postgresql] if b == "postgresql" else [])
            for b in backends
        ],
        indirect=True,
    )


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql`` (parametrised by :func:`pytest_generate_tests`)."""
    return str(getattr(request, "param", "sqlite"))


class PostgresServer:
    """The test server: one fresh database per test, cloned from a template.

    The template is upgraded to the newest schema once per session, so a test's
    database costs one ``CREATE DATABASE ... TEMPLATE`` (15 ms on .ci/postgres's
    in-memory server) instead of a migration. Needs PostgreSQL 13 or later.
    """

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self._admin: Engine = create_engine(
            self.url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=2
        )
        self._names = itertools.count(1)
        self._prefix = f"spip_t{os.getpid()}"
        self._template: str | None = None
        with self._admin.connect() as connection:
            version = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one())
        # PostgreSQL 15 copies a template WAL-logging each page unless told to copy files.
        self._strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""

    def url_of(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as connection:
            connection.exec_driver_sql(sql)

    def create_database(self, migrated: bool = True) -> str:
        """A new database (upgraded to head, or empty); returns its name."""
        name = f"{self._prefix}_{next(self._names)}"
        if migrated:
            template = self._migrated_template()
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{self._strategy}')
        else:
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return name

    def drop_database(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_template(self) -> None:
        self._migrated_template()

    def _migrated_template(self) -> str:
        if self._template is None:
            from spip_desktop.db.engine import create_engine_for
            from spip_desktop.db.migrate import upgrade_to_head

            name = f"{self._prefix}_template"
            self.drop_database(name)
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
            engine = create_engine_for(self.url_of(name))
            try:
                upgrade_to_head(engine, Path(tempfile.gettempdir()))
            finally:
                engine.dispose()  # a template must have no open connection
            self._template = name
        return self._template

    def close(self) -> None:
        if self._template is not None:
            self.drop_database(self._template)
        self._admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        why = (
            f"PostgreSQL variant: {POSTGRES_URL_VARIABLE} is not set "
            "(`make test` starts a throwaway server with .ci/postgres when PostgreSQL is "
            "installed; or point it at a server: postgresql+psycopg://user:pw@host/db, "
            "a role allowed to CREATE DATABASE)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}: CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(why)
    server = PostgresServer(url)
    server.create_template()  # now, before any test's monkeypatching of the migrations
    yield server
    server.close()


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a fresh database of the test's backend.

    SQLite: a file not created yet (``open_services`` creates and upgrades it).
    PostgreSQL: a copy of a template already at head, which ``open_services`` finds
    up to date; tests/integration/test_postgres.py upgrades empty ones itself.
    """
    if backend == "sqlite":
        yield sqlite_file_url(request.getfixturevalue("db_path"))
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    yield server.url_of(name)
    server.drop_database(name)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "spip.sqlite3"


@pytest.fixture
def settings(
    database_url: str, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Settings:
    explicit_file = request.getfixturevalue("db_path") if backend == "sqlite" else None
    return Settings(database_url, False, explicit_file, tmp_path / "data")


#: Who the ``services`` fixture signs in: every permission of the service's content.
MANAGER = User(1, "direction", "Diane DIRECTRICE", frozenset({Role.DPIP, Role.ADMIN}))


def open_test_services(settings: Settings, user: User | None = MANAGER) -> Services:
    """Services on a real file, signed in as ``user``, with cheap password hashing."""
    opened = open_services(settings, today=fixed_today, passwords=fast_passwords(), now=fixed_now)
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
