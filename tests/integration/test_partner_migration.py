"""Migration 0004 turns the organiser names typed on stages (0003) into partner records.

One partner per name once folded (case, accents, ligatures, punctuation and spaces
aside), kind *organisme de stage*; every stage organised by a partner points at its
record. Run on a SQLite file and on a PostgreSQL database, each filled at 0003.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from spip_desktop.db.engine import create_engine_for
from spip_desktop.db.migrate import alembic_config, head_revision, upgrade_to_head
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.partners import PartnerKind
from spip_desktop.domain.stages import OrganiserKind
from spip_desktop.settings import Settings
from tests.conftest import open_test_services

#: (organiser kind, organiser name typed in 0003, organiser_partner_id left by 0003)
STAGES = [
    ("partner", "CSAPA Bordeaux", None),
    ("partner", "csapa  bordeaux", None),
    ("spip", "", None),
    ("partner", " CSAPA BORDEAUX ", 42),  # a stray value: 0003 had no partner table
    ("partner", "Centre agréé Sécurité routière", None),
    ("partner", "CENTRE AGRÉÉ SÉCURITÉ ROUTIÈRE", None),
    ("partner", "Centre agree securite-routiere", None),
    ("partner", "L'Œuvre   d'insertion", None),
    ("partner", "l oeuvre d insertion", None),
    ("partner", "", None),  # a partner organiser nobody named: nothing to link
    ("spip", "Mairie de Talence", None),  # organised by the SPIP: the name is not a partner
]


@pytest.fixture
def engine_at_0003(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Engine, Settings]]:
    """A database upgraded to 0003 only (SQLite file or PostgreSQL database)."""
    if backend == "sqlite":
        path = tmp_path / "v3.sqlite3"
        url = sqlite_file_url(path)
        settings = Settings(url, False, path, tmp_path / "data")
        engine = create_engine_for(url)
        yield engine, settings
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


def fill_at_0003(engine: Engine) -> list[int]:
    """The 0003 schema and its stages; the stages' ids in the order of STAGES."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0003")
    stamp = datetime(2026, 1, 5, 10, 0)
    ids = []
    with engine.begin() as connection:
        type_id = connection.scalar(text("SELECT min(id) FROM stage_type"))
        for kind, name, stray in STAGES:
            ids.append(
                connection.execute(
                    text(
                        "INSERT INTO stage (type_id, title, organiser_kind, organiser_name, "
                        "organiser_partner_id, venue, facilitators, notes, "
                        "capacity_override_reason, version, created_at, updated_at) VALUES "
                        "(:type_id, '', :kind, :name, :stray, '', '', '', '', 1, :at, :at) "
                        "RETURNING id"
                    ),
                    {"type_id": type_id, "kind": kind, "name": name, "stray": stray, "at": stamp},
                ).scalar_one()
            )
    return ids


def test_typed_organisers_become_one_partner_per_folded_name(
    engine_at_0003: tuple[Engine, Settings], tmp_path: Path
) -> None:
    engine, settings = engine_at_0003
    stage_ids = fill_at_0003(engine)
    outcome = upgrade_to_head(engine, tmp_path / "sauvegardes")
    assert (outcome.from_revision, outcome.to_revision) == ("0003", head_revision())

    with engine.connect() as connection:
        partners = connection.execute(
            text("SELECT id, name, kind, active, sort_key, notes FROM partner ORDER BY id")
        ).all()
        links = {
            stage_id: partner_id
            for stage_id, partner_id in connection.execute(
                text("SELECT id, organiser_partner_id FROM stage")
            )
        }
    # The first name met (in stage order) is kept, its spaces tidied.
    assert [(p.name, p.kind, bool(p.active), p.sort_key) for p in partners] == [
        ("CSAPA Bordeaux", "stage", True, "csapa bordeaux"),
        ("Centre agréé Sécurité routière", "stage", True, "centre agree securite routiere"),
        ("L'Œuvre d'insertion", "stage", True, "l oeuvre d insertion"),
    ]
    assert all(p.notes for p in partners)
    csapa, centre, oeuvre = (p.id for p in partners)
    expected = [csapa, csapa, None, csapa, centre, centre, centre, oeuvre, oeuvre, None, None]
    assert [links[i] for i in stage_ids] == expected
    engine.dispose()

    # Through the services: the partners are in the directory, the stages name them.
    services = open_test_services(settings)
    try:
        directory = services.partners.partners()
        assert [(p.name, p.draft.kind) for p in directory] == [
            ("Centre agréé Sécurité routière", PartnerKind.STAGE_PROVIDER),
            ("CSAPA Bordeaux", PartnerKind.STAGE_PROVIDER),
            ("L'Œuvre d'insertion", PartnerKind.STAGE_PROVIDER),
        ]
        second = services.stages.get_stage(stage_ids[1]).draft
        assert second.organiser_kind is OrganiserKind.PARTNER
        assert (second.organiser_partner_id, second.organiser_name) == (csapa, "csapa  bordeaux")
        assert services.partners.partner_use(csapa).stages == 3
    finally:
        services.close()


def test_a_base_without_partner_organisers_gets_an_empty_directory(
    engine_at_0003: tuple[Engine, Settings], tmp_path: Path
) -> None:
    engine, _settings = engine_at_0003
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0003")
    upgrade_to_head(engine, tmp_path / "sauvegardes")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM partner")) == 0


def test_the_stages_sessions_enrolments_and_attendance_survive_the_upgrade(
    engine_at_0003: tuple[Engine, Settings], tmp_path: Path
) -> None:
    """Adding the partner foreign keys makes SQLite copy the stage table and drop the old
    one: with foreign keys on during the upgrade, that drop would delete the sessions (and
    with enrolments pointing at it, refuse to migrate at all)."""
    engine, _settings = engine_at_0003
    stage_ids = fill_at_0003(engine)
    stamp = datetime(2026, 1, 5, 10, 0)
    row = {"version": 1, "created_at": stamp, "updated_at": stamp}
    with engine.begin() as connection:
        person = connection.execute(
            text(
                "INSERT INTO person (file_number, surname, usage_name, given_names, "
                "birth_place, address, postal_code, city, phone, email, appi_number, "
                "ecrou_number, regime, closure_note, sort_key, given_sort_key, search_text, "
                "version, created_at, updated_at) VALUES ('2026-000001', 'Lefèvre', '', "
                "'Hélène', '', '', '', '', '', '', '', '', 'ouvert', '', 'lefevre', "
                "'helene lefevre', '', :version, :created_at, :updated_at) RETURNING id"
            ),
            row,
        ).scalar_one()
        session_ids = [
            connection.execute(
                text(
                    "INSERT INTO stage_session (stage_id, day, start_time, end_time, label, "
                    "version, created_at, updated_at) VALUES (:stage, :day, '09:00:00.000000', "
                    "'12:00:00.000000', '', :version, :created_at, :updated_at) RETURNING id"
                ),
                {"stage": stage_id, "day": f"2026-01-{10 + i:02d}", **row},
            ).scalar_one()
            for i, stage_id in enumerate(stage_ids[:3])
        ]
        enrolment = connection.execute(
            text(
                "INSERT INTO enrolment (stage_id, person_id, cadre, decision_reference, "
                "enrolled_on, enrolled_by, capacity_override_reason, end_reason, version, "
                "created_at, updated_at) VALUES (:stage, :person, 'peine', 'TJ 26/1', "
                "'2026-01-02', 'Diane', '', '', :version, :created_at, :updated_at) "
                "RETURNING id"
            ),
            {"stage": stage_ids[0], "person": person, **row},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO attendance (enrolment_id, session_id, code, reason, recorded_at, "
                "recorded_by_login, recorded_by) VALUES (:enrolment, :session, 'present', '', "
                ":at, 'diane', 'Diane')"
            ),
            {"enrolment": enrolment, "session": session_ids[0], "at": stamp},
        )

    upgrade_to_head(engine, tmp_path / "sauvegardes")

    with engine.connect() as connection:
        counts = [
            connection.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("stage", "stage_session", "enrolment", "attendance")
        ]
        sessions = (
            connection.execute(text("SELECT stage_id FROM stage_session ORDER BY id"))
            .scalars()
            .all()
        )
    assert counts == [len(stage_ids), 3, 1, 1]
    assert sessions == stage_ids[:3]
