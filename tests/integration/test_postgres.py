"""The shared server mode: what only PostgreSQL does, or does differently.

Every other integration test that uses ``services`` also runs on PostgreSQL (see
tests/conftest.py); these check the server's own side: concurrent workstations,
the append-only audit tables, the folded search through the trigram index, the
binary ordering of the folded keys, the French sentences of connection failures,
migrations and the demonstration data.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from spip_desktop.bootstrap import Services, open_services
from spip_desktop.db import maintenance, search
from spip_desktop.db.audit import verify
from spip_desktop.db.demo import populate
from spip_desktop.db.engine import classify_error, create_engine_for, describe
from spip_desktop.db.migrate import alembic_config, head_revision, upgrade_to_head
from spip_desktop.db.models import Base, PersonRow
from spip_desktop.db.search import Plan
from spip_desktop.db.unit_of_work import UnitOfWorkFactory
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.audit import AuditAction, AuditEvent
from spip_desktop.domain.errors import DatabaseUnavailable, EditConflict, InvalidInput
from spip_desktop.domain.model import PersonQuery
from spip_desktop.settings import Settings
from tests.conftest import MANAGER, PostgresServer, open_test_services, person_draft

pytestmark = pytest.mark.postgresql_only

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new database without any table (the other fixtures' are upgraded already)."""
    name = postgres_server.create_database(migrated=False)
    yield postgres_server.url_of(name)
    postgres_server.drop_database(name)


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = create_engine_for(empty_url)
    yield engine
    engine.dispose()


def names(services: Services, **query: object) -> list[str]:
    page = services.persons.list_page(PersonQuery(**query), 0, 100)  # type: ignore[arg-type]
    return [f"{r.surname} {r.given_names}" for r in page.rows]


def in_threads(*work: Callable[[], None]) -> None:
    """Run ``work`` side by side, started together; re-raise the first failure."""
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            barrier.wait(10)
            job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]


# -- concurrent workstations ------------------------------------------------------------


def test_two_workstations_appending_at_once_keep_one_valid_chain(
    services: Services, settings: Settings
) -> None:
    """The audit table is locked before its head is read: no two entries share a parent."""
    other = open_test_services(settings)  # a second workstation: its own engine and pool
    per_writer = 25

    def writer(opened: Services, prefix: str) -> Callable[[], None]:
        def work() -> None:
            for i in range(per_writer):
                opened.persons.create(
                    person_draft(surname=f"{prefix}{i}", file_number=f"{prefix}-{i}")
                )

        return work

    try:
        in_threads(writer(services, "A"), writer(other, "B"))
    finally:
        other.close()
    report = verify(services.engine)
    assert report.ok, report.message()
    assert report.checked >= 2 * per_writer
    with services.engine.connect() as connection:
        forks = connection.exec_driver_sql(
            "SELECT prev_hash, count(*) FROM audit_entry GROUP BY prev_hash HAVING count(*) > 1"
        ).all()
    assert forks == []  # two entries chained to one parent: two appenders read the same head
    assert services.persons.count(PersonQuery()) == 2 * per_writer


def test_a_concurrent_save_waits_then_is_an_edit_conflict(
    services: Services, settings: Settings
) -> None:
    """Workstation B saves the version A is saving: B waits for A's row lock, then is refused."""
    created = services.persons.create(person_draft())
    person_id, version = created.person.id, created.person.version
    other = open_test_services(settings)
    outcome: list[str] = []

    def save_on_b() -> None:
        try:
            other.persons.update(person_id, version, person_draft(city="Talence"))
            outcome.append("enregistré")
        except EditConflict:
            outcome.append("conflit")

    try:
        with UnitOfWorkFactory(services.engine)() as uow:
            uow.persons.update(person_id, version, person_draft(city="Pessac"))  # row locked
            thread = threading.Thread(target=save_on_b)
            thread.start()
            thread.join(0.5)
            assert thread.is_alive(), "B should wait for A's lock"
            uow.commit()
        thread.join(20)
    finally:
        other.close()
    assert outcome == ["conflit"]
    assert services.persons.get_file(person_id).person.draft.city == "Pessac"


def test_a_lock_held_too_long_is_a_french_sentence(database_url: str) -> None:
    engine = create_engine_for(database_url, busy_timeout_ms=200)
    holder = create_engine(make_url(database_url))
    try:
        with holder.begin() as connection:
            connection.exec_driver_sql("LOCK TABLE audit_entry IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(DatabaseUnavailable) as caught, UnitOfWorkFactory(engine)() as uow:
                uow.audit.record(AuditEvent(AuditAction.COMMAND, "database", summary="x"), MANAGER)
                uow.commit()
    finally:
        holder.dispose()
        engine.dispose()
    assert caught.value.reason == "locked"
    assert "occupée par une autre opération" in caught.value.message


def test_a_serialization_failure_is_a_french_sentence(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('k', 'v0')")
        first = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        second = engine.connect()
        try:
            first.begin()
            first.exec_driver_sql("SELECT value FROM setting").all()  # the snapshot is taken
            with second.begin():
                second.exec_driver_sql("UPDATE setting SET value = 'v1'")
            with pytest.raises(DBAPIError) as caught:
                first.exec_driver_sql("UPDATE setting SET value = 'v2'")
            first.rollback()
        finally:
            first.close()
            second.close()
    finally:
        engine.dispose()
    error = classify_error(caught.value, describe(database_url))
    assert error.reason == "conflict"
    assert "rien n'a été enregistré. Réessayez." in error.message


# -- the audit trail's tables -----------------------------------------------------------


@pytest.mark.parametrize("table", ["audit_entry", "audit_anchor"])
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET at = at", "DELETE FROM {table}", "TRUNCATE {table}"],
    ids=["update", "delete", "truncate"],
)
def test_the_audit_tables_are_append_only(services: Services, table: str, statement: str) -> None:
    services.persons.create(person_draft())  # an audit entry
    with services.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO audit_anchor (first_kept_id, anchor_hash, at, pruned) "
            "VALUES (1, repeat('0', 64), now(), 0)"
        )
    with (
        pytest.raises(DBAPIError, match="append-only table: " + table),
        services.engine.begin() as c,
    ):
        c.exec_driver_sql(statement.format(table=table))
    with services.engine.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 1


# -- search and ordering ----------------------------------------------------------------

PEOPLE = [
    ("Cœur", "Paul"),
    ("Œuvray", "Lætitia"),
    ("Lefèvre", "Hélène"),
    ("L'Hôpital", "Zoé"),
    ("Müller", "Jean-Noël"),
    ("MARTIN", "Anaïs"),
]


@pytest.fixture
def people(services: Services) -> None:
    for i, (surname, given) in enumerate(PEOPLE):
        services.persons.create(
            person_draft(surname=surname, given_names=given, file_number=f"2026-00010{i}")
        )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("coeur", "Cœur Paul"),
        ("CŒUR", "Cœur Paul"),
        ("cœur", "Cœur Paul"),
        ("Coeur paul", "Cœur Paul"),
        ("oeuvray", "Œuvray Lætitia"),
        ("ŒUV", "Œuvray Lætitia"),
        ("laetitia", "Œuvray Lætitia"),
        ("LÆTITIA", "Œuvray Lætitia"),
        ("lefevre", "Lefèvre Hélène"),
        ("LEFÈVRE hél", "Lefèvre Hélène"),
        ("hopital", "L'Hôpital Zoé"),
        ("l'hôp", "L'Hôpital Zoé"),
        ("zoe", "L'Hôpital Zoé"),
        ("muller", "Müller Jean-Noël"),
        ("jean noel", "Müller Jean-Noël"),
        ("JEAN-NOËL", "Müller Jean-Noël"),
        ("anais martin", "MARTIN Anaïs"),
        ("2026-000103", "L'Hôpital Zoé"),
        ("uvray", None),  # words are matched from their start
        ("oeur", None),
    ],
)
def test_search_ignores_accents_case_and_ligatures(
    services: Services, people: None, query: str, expected: str | None
) -> None:
    assert names(services, text=query) == ([] if expected is None else [expected])
    assert services.persons.count(PersonQuery(text=query)) == (0 if expected is None else 1)


def test_the_search_can_use_the_trigram_index(services: Services, people: None) -> None:
    stmt = search.restrict(select(PersonRow.id), Plan.LIKE, ["coeur", "paul"], "postgresql")
    sql = str(stmt.compile(services.engine, compile_kwargs={"literal_binds": True}))
    with services.engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table otherwise
        plan = "\n".join(connection.execute(text(f"EXPLAIN {sql}")).scalars())
    assert search.TRIGRAM_INDEX in plan


def test_like_wildcards_in_a_term_are_literal(services: Services, people: None) -> None:
    def found(term: str) -> list[int]:
        stmt = search.restrict(select(PersonRow.id), Plan.LIKE, [term], "postgresql")
        with services.engine.connect() as connection:
            return list(connection.scalars(stmt))

    assert len(found("coe")) == 1
    assert found("c%") == found("c_eur") == found("coe\\") == []


def test_names_sort_byte_wise_whatever_the_servers_collation(services: Services) -> None:
    """Under a linguistic collation (fr_FR, ICU) the key separator would be ignored and
    Martine would come before Martin; the folded keys are compared byte by byte."""
    for i, (surname, given) in enumerate(
        [("Martine", "Anne"), ("Martin", "Zoé"), ("Martin", "Jean"), ("Émile", "Léa")]
    ):
        services.persons.create(
            person_draft(surname=surname, given_names=given, file_number=f"T-{i}")
        )
    assert names(services) == ["Émile Léa", "Martin Jean", "Martin Zoé", "Martine Anne"]
    assert names(services, descending=True)[0] == "Martine Anne"
    with services.engine.connect() as connection:
        collations = dict(
            connection.exec_driver_sql(
                "SELECT table_name || '.' || column_name, collation_name "
                "FROM information_schema.columns WHERE table_schema = 'public' "
                "AND column_name IN ('sort_key', 'given_sort_key', 'search_text', 'file_number')"
            ).all()
        )
    assert set(collations.values()) == {"C"}, collations


def test_a_nul_character_is_no_database_failure(services: Services, people: None) -> None:
    """PostgreSQL stores no NUL in text: a pasted one in a search matches nothing, and in a
    form it is refused in French before reaching the server (never a driver error)."""
    assert names(services, text="co\x00eur") == []
    with pytest.raises(InvalidInput, match="caractère invisible"):
        services.persons.create(person_draft(surname="Nul\x00Part", file_number="N-1"))


# -- connection failures ----------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FAILURES: dict[str, tuple[Callable[[PostgresServer], str], str, str]] = {
    "bad_url": (
        lambda server: "postgresql+pilote_inconnu://spip:secret-123@127.0.0.1/spip",
        "bad_url",
        "n'est pas valide",
    ),
    "refused": (
        lambda server: server.url.set(port=closed_port()).render_as_string(False),
        "unreachable",
        "ne répond pas",
    ),
    "unknown_host": (
        lambda server: server.url.set(host="serveur-spip.invalid").render_as_string(False),
        "unreachable",
        "introuvable",
    ),
    "wrong_password": (
        lambda server: server.url.set(password="secret-123").render_as_string(False),
        "auth_failed",
        "identifiant ou mot de passe incorrect",
    ),
    "unknown_role": (
        lambda server: server.url.set(username="inconnu", password="secret-123").render_as_string(
            False
        ),
        "auth_failed",
        "identifiant ou mot de passe incorrect",
    ),
    "missing_database": (
        lambda server: server.url_of("base_absente"),
        "missing",
        "n'existe pas sur le serveur",
    ),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_a_server_that_cannot_be_used_gets_a_french_sentence(
    postgres_server: PostgresServer, tmp_path: Path, case: str
) -> None:
    build, reason, words = FAILURES[case]
    url = build(postgres_server)
    with pytest.raises(DatabaseUnavailable) as caught:
        open_services(Settings(url, False, None, tmp_path))
    assert caught.value.reason == reason, caught.value.message
    assert words in caught.value.message
    assert "secret-123" not in caught.value.message
    if case != "bad_url":
        assert caught.value.message.count("***") <= 1


def test_a_database_without_rights_is_a_french_sentence(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """The server's ``postgres`` database belongs to the administrator: no CREATE there."""
    url = postgres_server.url_of("postgres")
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            allowed = connection.exec_driver_sql(
                "SELECT has_schema_privilege('public', 'CREATE')"
            ).scalar()
    finally:
        engine.dispose()
    if allowed:
        pytest.skip("the test role may create tables in the postgres database (a superuser?)")
    with pytest.raises(DatabaseUnavailable) as caught:
        open_services(Settings(url, False, None, tmp_path))
    assert caught.value.reason == "permission"
    assert "n'a pas les droits nécessaires" in caught.value.message


def test_a_read_only_database_is_refused_for_writing(empty_url: str, tmp_path: Path) -> None:
    engine = create_engine_for(empty_url)
    name = make_url(empty_url).database
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'
        )
    engine.dispose()
    with pytest.raises(DatabaseUnavailable) as caught:
        open_services(Settings(empty_url, False, None, tmp_path))
    assert caught.value.reason == "read_only"
    assert "n'accepte que la lecture" in caught.value.message


# -- migrations -------------------------------------------------------------------------


def test_an_empty_database_upgrades_to_head_without_drift(engine: Engine, tmp_path: Path) -> None:
    outcome = upgrade_to_head(engine, tmp_path)
    assert (outcome.from_revision, outcome.to_revision, outcome.backup) == (
        None,
        head_revision(),
        None,
    )
    inspector = inspect(engine)
    assert set(Base.metadata.tables) <= set(inspector.get_table_names())
    assert search.TRIGRAM_INDEX in {i["name"] for i in inspector.get_indexes("person")}
    with engine.begin() as connection:
        command.check(alembic_config(connection))  # raises AutogenerateDiffsDetected
    assert not upgrade_to_head(engine, tmp_path).changed


def test_alembic_check_on_the_command_line(empty_url: str, tmp_path: Path) -> None:
    """What a developer runs before writing a migration: ``alembic check``, on PostgreSQL."""
    engine = create_engine_for(empty_url)
    upgrade_to_head(engine, tmp_path)
    engine.dispose()
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "migrations/alembic.ini", "check"],
        cwd=ROOT,
        env={"SPIP_DATABASE_URL": empty_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def test_downgrade_to_nothing_and_back(engine: Engine, tmp_path: Path) -> None:
    upgrade_to_head(engine, tmp_path)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    with engine.connect() as connection:
        assert (
            connection.exec_driver_sql(
                "SELECT count(*) FROM pg_proc WHERE proname = 'spip_append_only'"
            ).scalar()
            == 0
        )
    with engine.begin() as connection:  # (the application refuses a base with tables)
        command.upgrade(alembic_config(connection), "head")
        command.check(alembic_config(connection))


def test_workstations_starting_together_upgrade_once(empty_url: str, tmp_path: Path) -> None:
    engines = [create_engine_for(empty_url) for _ in range(3)]
    outcomes = []
    try:
        in_threads(
            *(
                (lambda e=e: outcomes.append(upgrade_to_head(e, tmp_path)))  # type: ignore[misc]
                for e in engines
            )
        )
    finally:
        for e in engines:
            e.dispose()
    assert len(outcomes) == 3
    assert {o.to_revision for o in outcomes} == {head_revision()}
    assert sum(o.from_revision is None for o in outcomes) >= 1


def test_a_failing_upgrade_leaves_the_database_empty(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_upgrade = command.upgrade

    def upgrade_then_fail(config: object, revision: str) -> None:
        real_upgrade(config, revision)  # type: ignore[arg-type]
        raise DBAPIError("ALTER TABLE", None, psycopg.OperationalError("connection is lost"))

    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    with pytest.raises(DatabaseUnavailable) as caught:
        upgrade_to_head(engine, tmp_path)
    assert caught.value.reason == "connection_lost"
    assert inspect(engine).get_table_names() == []


def test_a_database_holding_other_tables_is_refused(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE recettes (nom text)")
    with pytest.raises(DatabaseUnavailable) as caught:
        upgrade_to_head(engine, tmp_path)
    assert caught.value.reason == "foreign"
    assert caught.value.message.startswith("La base ")
    assert set(inspect(engine).get_table_names()) == {"recettes"}


# -- demonstration data and checks -----------------------------------------------------


def test_demo_data_are_those_of_sqlite_and_new_people_follow(
    services: Services, tmp_path: Path
) -> None:
    services.maintenance.generate_demo(300, 11)
    sqlite_engine = create_engine_for(sqlite_file_url(tmp_path / "demo.sqlite3"))
    try:
        upgrade_to_head(sqlite_engine, tmp_path)
        populate(sqlite_engine, 300, 11, date(2026, 3, 12))
        query = (
            "SELECT p.id, p.file_number, p.surname, p.given_names, p.birth_date, p.sort_key,"
            " p.search_text, m.id, m.measure_type, m.probation_end, count(o.id)"
            " FROM person p JOIN measure m ON m.person_id = p.id"
            " LEFT JOIN obligation o ON o.measure_id = m.id"
            " GROUP BY p.id, p.file_number, p.surname, p.given_names, p.birth_date, p.sort_key,"
            " p.search_text, m.id, m.measure_type, m.probation_end ORDER BY m.id"
        )
        with sqlite_engine.connect() as lite, services.engine.connect() as pg:
            expected = [tuple(str(v) for v in r) for r in lite.exec_driver_sql(query)]
            got = [tuple(str(v) for v in r) for r in pg.exec_driver_sql(query)]
    finally:
        sqlite_engine.dispose()
    assert got == expected
    # the sequences moved past the ids the generator chose
    created = services.persons.create(person_draft(file_number="APRES-DEMO"))
    assert created.person.id == 301
    # the demo's audit trail verifies, and the application's next entry chains after it
    report = services.audit.verify()
    assert report.ok, report.message()
    assert report.checked > 4 * 300
    assert services.persons.count(PersonQuery()) > 0
    assert names(services, text="apres demo") == ["Dupont Jean"]


def test_the_check_command_on_a_server(services: Services) -> None:
    report = services.maintenance.check()
    assert report.ok
    assert not maintenance.integrity_check_applies(services.engine)


def test_the_check_finds_rows_that_point_nowhere(services: Services) -> None:
    file = services.persons.create(person_draft())
    with services.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE person DROP CONSTRAINT fk_person_referent_id_agent")
        connection.exec_driver_sql(
            f"UPDATE person SET referent_id = 999 WHERE id = {file.person.id}"
        )
        connection.exec_driver_sql(
            "ALTER TABLE person ADD CONSTRAINT fk_person_referent_id_agent "
            "FOREIGN KEY (referent_id) REFERENCES agent (id) NOT VALID"
        )
    report = services.maintenance.check()
    assert not report.ok
    assert report.foreign_keys == [
        "table person : contrainte fk_person_referent_id_agent jamais vérifiée",
        f"table person, ligne {file.person.id} : référence absente dans agent",
    ]


def test_a_url_without_driver_uses_psycopg(database_url: str, tmp_path: Path) -> None:
    """``postgresql://`` is what administrators write; SQLAlchemy would pick psycopg2."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    opened = open_test_services(Settings(url, False, None, tmp_path))
    try:
        assert opened.engine.dialect.driver == "psycopg"
        assert opened.persons.count(PersonQuery()) == 0
    finally:
        opened.close()


#: What libpq (in the workstation's language) and the server (in its own) say, English
#: and French (PostgreSQL 15's catalogues), when a connection cannot be made.
CONNECTION_MESSAGES = [
    (
        'connection to server at "db", port 5432 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?",
        "unreachable",
    ),
    (
        "la connexion au serveur sur « db » (10.0.0.5), port 5432 a échoué : "
        "Connexion refusée\n\tLe serveur est-il actif sur cet hôte ?",
        "unreachable",
    ),
    ('connection to server at "db", port 5432 failed: timeout expired', "unreachable"),
    (
        "la connexion au serveur sur « db », port 5432 a échoué : le délai est dépassé",
        "unreachable",
    ),
    ("failed to resolve host 'db': [Errno -2] Name or service not known", "unreachable"),
    ("n'a pas pu traduire le nom d'hôte « db » en adresse : Nom ou service inconnu", "unreachable"),
    (
        'connection to server at "db", port 5432 failed: FATAL:  '
        'password authentication failed for user "spip"',
        "auth_failed",
    ),
    (
        "la connexion au serveur sur « db », port 5432 a échoué : FATAL:  "
        "authentification par mot de passe échouée pour l'utilisateur  « spip »",
        "auth_failed",
    ),
    ('FATAL:  role "spip" does not exist', "auth_failed"),
    ("FATAL:  le rôle « spip » n'existe pas", "auth_failed"),
    ('FATAL:  database "spip" does not exist', "missing"),
    ("FATAL:  la base de données « spip » n'existe pas", "missing"),
    (
        'FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "spip", database "spip", '
        "no encryption",
        "not_allowed",
    ),
    ("FATAL:  aucune entrée dans pg_hba.conf pour l'hôte « 10.0.0.9 »", "not_allowed"),
    ("FATAL:  sorry, too many clients already", "server_busy"),
    ("FATAL:  désolé, trop de clients sont déjà connectés", "server_busy"),
    ("FATAL:  the database system is starting up", "unreachable"),
    ("FATAL:  le système de bases de données se lance", "unreachable"),
    ("consuming input failed: server closed the connection unexpectedly", "connection_lost"),
    ("la connexion au serveur a été coupée de façon inattendue", "connection_lost"),
]


@pytest.mark.parametrize(("message", "reason"), CONNECTION_MESSAGES)
def test_connection_failures_in_either_language(message: str, reason: str) -> None:
    where = "« postgresql+psycopg://spip:***@db/spip »"
    error = DBAPIError("SELECT 1", None, psycopg.OperationalError(message))
    classified = classify_error(error, where)
    assert classified.reason == reason, classified.message
    assert where in classified.message
    assert "inaccessible (" not in classified.message  # not the catch-all sentence
