"""Migration 0005: cancelled measures, arrival in the establishment, the summaries' register.

A database filled at 0004 keeps every row; the new dates start empty; the register
(``summary_export``) refuses UPDATE in the database itself but allows DELETE; the
triggers of earlier revisions survive (no table was copied). The downgrade gives the
0004 schema back with its rows. Run on a SQLite file and on a PostgreSQL database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from spip_desktop.db.engine import create_engine_for
from spip_desktop.db.migrate import alembic_config, upgrade_to_head
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.model import PersonQuery
from spip_desktop.settings import Settings
from tests.conftest import open_test_services

STAMP = datetime(2026, 1, 5, 10, 0)

NEW_INDEXES = {
    "measure": {"ix_measure_referral_date"},
    "person": {"ix_person_establishment_since"},
    "enrolment": {"ix_enrolment_end_day"},
    "rights_step_update": {"ix_rights_step_update_status_at", "ix_rights_step_update_step_at"},
    "summary_export": {"ix_summary_export_month_scope", "ix_summary_export_generated_at"},
}

REGISTER_ROW = {
    "month": "2026-03",
    "scope_key": "antenne:3",
    "scope_label": "Antenne de Bordeaux",
    "format": "pdf",
    "file_name": "Synthese_2026-03_antenne-bordeaux.pdf",
    "sha256": "ab" * 32,
    "size_bytes": 48_213,
    "generated_at": STAMP,
    "author_login": "direction",
    "author": "Diane DIRECTRICE",
    "figures": "[]",
    "previous_figures": "[]",
    "document": "{}",
    "content": b"x\x9c\x03\x00\x00\x00\x00\x01",  # zlib of nothing
}


@pytest.fixture
def empty_engine(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Engine, Settings]]:
    """An empty database (SQLite file or PostgreSQL database), and its settings."""
    if backend == "sqlite":
        path = tmp_path / "v4.sqlite3"
        url = sqlite_file_url(path)
        engine = create_engine_for(url)
        yield engine, Settings(url, False, path, tmp_path / "data")
        engine.dispose()
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create_database(migrated=False)
    url = server.url_of(name)
    engine = create_engine_for(url)
    try:
        yield engine, Settings(url, False, None, tmp_path / "data")
    finally:
        engine.dispose()
        server.drop_database(name)


def fill_at_0004(engine: Engine) -> tuple[int, int]:
    """The 0004 schema, a detainee in a SAS and one measure: (person id, measure id)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0004")
    common = {"at": STAMP}
    with engine.begin() as connection:
        establishment = connection.execute(
            text(
                "INSERT INTO establishment (name, kind, city, active, version, created_at, "
                "updated_at) VALUES ('SAS de Gradignan', 'sas', 'Gradignan', :yes, 1, :at, :at) "
                "RETURNING id"
            ),
            {**common, "yes": True},
        ).scalar_one()
        person = connection.execute(
            text(
                "INSERT INTO person (file_number, surname, usage_name, given_names, birth_date, "
                "birth_place, address, postal_code, city, phone, email, appi_number, "
                "ecrou_number, regime, establishment_id, closure_note, sort_key, "
                "given_sort_key, search_text, main_measure_type, main_measure_end, "
                "sentence_end, version, created_at, updated_at) VALUES ('V4-1', 'Lefèvre', '', "
                "'Hélène', :born, '', '', '', '', '', '', '', '', 'ferme', :establishment, '', "
                "'lefevre\x1fhelene', 'helene\x1flefevre', 'lefevre helene v4 1', "
                "'emprisonnement', :end, :end, 1, :at, :at) RETURNING id"
            ),
            {
                **common,
                "born": date(1980, 5, 17),
                "establishment": establishment,
                "end": date(2027, 1, 1),
            },
        ).scalar_one()
        measure = connection.execute(
            text(
                "INSERT INTO measure (person_id, measure_type, court, decision_date, "
                "referral_date, sentence_end, jap_name, notes, version, created_at, updated_at) "
                "VALUES (:person, 'emprisonnement', 'Tribunal judiciaire de Bordeaux', :decided, "
                ":referred, :end, '', '', 1, :at, :at) RETURNING id"
            ),
            {
                **common,
                "person": person,
                "decided": date(2025, 1, 6),
                "referred": date(2025, 1, 20),
                "end": date(2027, 1, 1),
            },
        ).scalar_one()
    return person, measure


def triggers(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return set(connection.exec_driver_sql(sql).scalars())


def test_a_database_at_0004_keeps_its_rows_and_gains_the_new_facts_empty(
    empty_engine: tuple[Engine, Settings], tmp_path: Path
) -> None:
    engine, settings = empty_engine
    person_id, measure_id = fill_at_0004(engine)
    before = triggers(engine)
    outcome = upgrade_to_head(engine, tmp_path / "sauvegardes")
    assert (outcome.from_revision, outcome.to_revision) == ("0004", "0005")
    assert triggers(engine) == before | {"summary_export_no_update"}
    schema = inspect(engine)
    for table, names in NEW_INDEXES.items():
        assert names <= {i["name"] for i in schema.get_indexes(table)}, table
    engine.dispose()

    services = open_test_services(settings)
    try:
        file = services.persons.get_file(person_id)
        assert file.person.draft.surname == "Lefèvre"
        assert file.person.draft.establishment_since is None
        assert file.establishment is not None and file.establishment.is_sas
        (measure,) = file.measures
        assert measure.id == measure_id and measure.draft.cancelled_on is None
        assert file.key_dates.sentence_end == date(2027, 1, 1)
        assert services.persons.list_page(PersonQuery(text="lefevre")).rows[0].id == person_id
    finally:
        services.close()


def test_the_register_refuses_updates_and_allows_deletes(
    empty_engine: tuple[Engine, Settings], tmp_path: Path
) -> None:
    engine, _ = empty_engine
    upgrade_to_head(engine, tmp_path)
    columns = ", ".join(REGISTER_ROW)
    values = ", ".join(f":{name}" for name in REGISTER_ROW)
    with engine.begin() as connection:
        row_id = connection.execute(
            text(f"INSERT INTO summary_export ({columns}) VALUES ({values}) RETURNING id"),
            REGISTER_ROW,
        ).scalar_one()
    with (
        pytest.raises(DBAPIError, match="append-only table: summary_export"),
        engine.begin() as connection,
    ):
        connection.execute(
            text("UPDATE summary_export SET figures = '[1]' WHERE id = :id"), {"id": row_id}
        )
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT figures, size_bytes FROM summary_export")).one()
    assert tuple(kept) == ("[]", 48_213)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM summary_export WHERE id = :id"), {"id": row_id})
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM summary_export")).scalar() == 0


@pytest.mark.parametrize("column", ["month", "sha256", "document", "generated_at"])
def test_the_register_refuses_a_row_without_its_required_values(
    empty_engine: tuple[Engine, Settings], tmp_path: Path, column: str
) -> None:
    engine, _ = empty_engine
    upgrade_to_head(engine, tmp_path)
    row = {k: v for k, v in REGISTER_ROW.items() if k != column}
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(
            text(
                f"INSERT INTO summary_export ({', '.join(row)}) "
                f"VALUES ({', '.join(':' + k for k in row)})"
            ),
            row,
        )


def test_the_downgrade_gives_0004_back_with_its_rows(
    empty_engine: tuple[Engine, Settings], tmp_path: Path
) -> None:
    engine, settings = empty_engine
    person_id, measure_id = fill_at_0004(engine)
    at_0004 = triggers(engine)
    upgrade_to_head(engine, tmp_path)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE measure SET cancelled_on = :day WHERE id = :id"),
            {"day": date(2025, 2, 1), "id": measure_id},
        )
        command.downgrade(alembic_config(connection), "0004")
    schema = inspect(engine)
    assert "summary_export" not in schema.get_table_names()
    assert "cancelled_on" not in {c["name"] for c in schema.get_columns("measure")}
    assert "establishment_since" not in {c["name"] for c in schema.get_columns("person")}
    assert triggers(engine) == at_0004  # the person's search triggers too, on SQLite
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM measure")).scalar() == 1
    engine.dispose()

    services = open_test_services(settings)  # upgraded again on opening
    try:
        assert services.upgrade.from_revision == "0004"
        file = services.persons.get_file(person_id)
        assert [m.id for m in file.measures] == [measure_id]
        assert file.measures[0].draft.cancelled_on is None
        assert services.persons.list_page(PersonQuery(text="helene")).rows[0].id == person_id
    finally:
        services.close()
