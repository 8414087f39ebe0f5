"""The demonstration generator on a real SQLite file."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from spip_desktop.db.demo import populate
from spip_desktop.db.engine import create_engine_for
from spip_desktop.db.migrate import upgrade_to_head
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.dates import add_months
from spip_desktop.domain.enums import MeasureType, Regime
from spip_desktop.domain.model import MeasureDraft
from spip_desktop.domain.rules import key_dates
from spip_desktop.domain.text import fold

DAY = date(2026, 3, 12)
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MEASURE_DATES = (
    "decision_date",
    "referral_date",
    "probation_start",
    "probation_end",
    "sentence_end",
    "cancelled_on",
)


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
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "a.sqlite3"


@pytest.fixture(scope="module")
def demo_rows(demo_path: Path) -> list[tuple]:
    return generate(demo_path, 2500, 7)


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


def read(path: Path, sql: str) -> list[tuple]:
    """Rows of ``sql``, ISO dates read back as dates."""
    with sqlite3.connect(path) as db:
        rows = db.execute(sql).fetchall()
    return [
        tuple(date.fromisoformat(v) if isinstance(v, str) and ISO_DAY.match(v) else v for v in r)
        for r in rows
    ]


def test_about_one_measure_in_a_hundred_is_cancelled_weeks_after_its_decision(
    demo_rows: list[tuple], demo_path: Path
) -> None:
    measures = read(
        demo_path, "SELECT person_id, decision_date, cancelled_on FROM measure ORDER BY id"
    )
    cancelled = [m for m in measures if m[2] is not None]
    assert 0.004 * len(measures) < len(cancelled) < 0.02 * len(measures)
    for _, decided, cancelled_on in cancelled:
        assert decided + timedelta(days=14) <= cancelled_on <= decided + timedelta(days=56)
        assert cancelled_on <= DAY


def test_the_demo_projections_ignore_cancelled_measures(
    demo_rows: list[tuple], demo_path: Path
) -> None:
    people = {
        r[0]: r[1:]
        for r in read(
            demo_path, "SELECT id, main_measure_type, main_measure_end, sentence_end FROM person"
        )
    }
    drafts: dict[int, list[MeasureDraft]] = {}
    for person_id, kind, *dates in read(
        demo_path,
        "SELECT person_id, measure_type, decision_date, referral_date, probation_start,"
        " probation_end, sentence_end, cancelled_on FROM measure",
    ):
        drafts.setdefault(person_id, []).append(
            MeasureDraft(MeasureType(kind), **dict(zip(MEASURE_DATES, dates, strict=True)))
        )
    with_cancelled = [p for p, d in drafts.items() if any(m.cancelled_on for m in d)]
    assert len(with_cancelled) > 10
    changed = 0
    for person_id in with_cancelled:
        key = key_dates([m for m in drafts[person_id] if m.cancelled_on is None])
        kind = key.main_measure_type.value if key.main_measure_type else None
        assert people[person_id] == (kind, key.end_date, key.sentence_end), person_id
        everything = key_dates([replace(m, cancelled_on=None) for m in drafts[person_id]])
        changed += everything != key
    assert changed > 5  # files whose header the cancellation changed


def test_detainees_have_an_arrival_date_and_the_sas_placements_spread_over_months(
    demo_rows: list[tuple], demo_path: Path
) -> None:
    people = read(
        demo_path,
        "SELECT p.regime, e.kind, p.establishment_since, p.birth_date, p.closed_on"
        " FROM person p LEFT JOIN establishment e ON e.id = p.establishment_id",
    )
    sas_kinds = read(demo_path, "SELECT count(*) FROM establishment WHERE kind = 'sas'")
    assert sas_kinds[0][0] >= 1
    assert all(since is None for regime, _, since, _, _ in people if regime == "ouvert")
    detained = [p for p in people if p[0] == "ferme"]
    assert detained and all(
        kind is not None and since is not None for _, kind, since, _, _ in detained
    )
    for _, kind, since, born, closed_on in detained:
        until = closed_on or DAY
        months = 18 if kind == "sas" else 36
        assert add_months(until, -months) <= since <= until
        assert since > born
    placed = [since for _, kind, since, _, _ in detained if kind == "sas"]
    assert len(placed) > 20
    assert len({(d.year, d.month) for d in placed}) >= 8  # several months have placements


def test_the_demo_leaves_a_year_of_audit_trail_that_verifies(
    demo_rows: list[tuple], demo_path: Path
) -> None:
    """Four entries a person over the year before the day of generation (files opened,
    changed, printed), in time order and chained as the application chains them."""
    from spip_desktop.db.audit import verify
    from spip_desktop.db.demo_audit import PER_PERSON

    engine = create_engine_for(sqlite_file_url(demo_path))
    try:
        report = verify(engine)
        with engine.connect() as connection:
            people = connection.scalar(text("SELECT count(*) FROM person"))
            actions = {
                str(action): int(n)
                for action, n in connection.execute(
                    text("SELECT action, count(*) FROM audit_entry GROUP BY 1")
                )
            }
            first, last = connection.execute(text("SELECT min(at), max(at) FROM audit_entry")).one()
            ordered = connection.scalar(
                text(
                    "SELECT count(*) FROM audit_entry a JOIN audit_entry b ON b.id = a.id + 1 "
                    "WHERE b.at < a.at"
                )
            )
            unknown = connection.scalar(
                text(
                    "SELECT count(*) FROM audit_entry a LEFT JOIN person p ON p.id = a.person_id "
                    "WHERE p.id IS NULL"
                )
            )
    finally:
        engine.dispose()
    assert report.ok, report.message()
    assert sum(actions.values()) == PER_PERSON * people
    assert set(actions) == {"view", "update", "print"}
    assert actions["view"] > actions["update"] > 0 and actions["print"] > 0
    assert str(DAY - timedelta(days=366)) < str(first) and str(last) < str(DAY)
    assert ordered == 0 and unknown == 0
