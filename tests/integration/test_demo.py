"""The demonstration generator on a real SQLite file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from spip_desktop.db.demo import populate
from spip_desktop.db.engine import create_engine_for
from spip_desktop.db.migrate import upgrade_to_head
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.enums import MeasureType, Regime
from spip_desktop.domain.text import fold

DAY = date(2026, 3, 12)


def generate(path: Path, persons: int, seed: int) -> list[tuple]:
    engine = create_engine_for(sqlite_file_url(path))
    upgrade_to_head(engine, path.parent)
    populate(engine, persons, seed, DAY)
    with engine.connect() as connection:
        rows = list(
            connection.execute(
                text(
                    "SELECT p.file_number, p.surname, p.given_names, p.birth_date, p.regime,"
                    " m.measure_type, m.probation_end, m.sentence_end"
                    " FROM person p JOIN measure m ON m.person_id = p.id ORDER BY m.id"
                )
            )
        )
    engine.dispose()
    return rows


@pytest.fixture(scope="module")
def demo_rows(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    return generate(tmp_path_factory.mktemp("demo") / "a.sqlite3", 2500, 7)


def test_the_same_seed_gives_the_same_data(tmp_path: Path) -> None:
    first = generate(tmp_path / "a.sqlite3", 300, 11)
    second = generate(tmp_path / "b.sqlite3", 300, 11)
    other = generate(tmp_path / "c.sqlite3", 300, 12)
    assert first == second
    assert first != other


def test_demo_data_covers_what_officers_meet(demo_rows: list[tuple]) -> None:
    types = {MeasureType(r[5]) for r in demo_rows}
    offered = set(MeasureType.choices())
    assert offered <= types
    assert {Regime(r[4]) for r in demo_rows} == set(Regime)
    names = " ".join(f"{r[1]} {r[2]}" for r in demo_rows)
    for tricky in ("œ", "æ", "-", "'", "é", "ë"):
        assert tricky in names.lower(), tricky
    assert any(fold(r[1]).startswith("de ") for r in demo_rows)
    assert all(r[3] is not None for r in demo_rows)


def test_demo_has_sas_eligible_detainees(demo_rows: list[tuple]) -> None:
    from spip_desktop.domain.rules import is_sas_eligible

    eligible = [
        r
        for r in demo_rows
        if r[7] and is_sas_eligible(Regime(r[4]), date.fromisoformat(str(r[7])), DAY)
    ]
    assert len(eligible) > 20
