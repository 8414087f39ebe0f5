"""When a file falls due for purge, and what anonymisation keeps of a person."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spip_desktop.domain.enums import Regime, Sex
from spip_desktop.domain.model import PersonDraft
from spip_desktop.domain.retention import (
    NotDue,
    RetentionCandidate,
    anonymous_draft,
    certificate_number,
    cutoff,
    due_on,
    is_due,
    last_day_due,
    measure_end,
    next_certificate_sequence,
    retention_start,
)

D = date


# -- when a measure ends, when a file's period starts ---------------------------------


@pytest.mark.parametrize(
    ("sentence_end", "probation_end", "expected"),
    [
        (D(2020, 1, 1), None, D(2020, 1, 1)),
        (None, D(2020, 1, 1), D(2020, 1, 1)),
        (D(2020, 1, 1), D(2021, 6, 30), D(2021, 6, 30)),  # the later of the two
        (D(2022, 1, 1), D(2021, 6, 30), D(2022, 1, 1)),
        (None, None, None),
    ],
)
def test_a_measure_ends_on_the_later_of_its_end_dates(
    sentence_end: date | None, probation_end: date | None, expected: date | None
) -> None:
    assert measure_end(sentence_end, probation_end) == expected


def test_the_period_runs_from_the_end_of_the_last_measure() -> None:
    measures = [(D(2015, 3, 1), None), (None, D(2019, 8, 31)), (D(2017, 1, 1), D(2016, 1, 1))]
    assert retention_start(measures, closed_on=D(2023, 1, 1)) == D(2019, 8, 31)


def test_an_open_ended_measure_keeps_the_file_whatever_the_others() -> None:
    measures = [(D(2010, 1, 1), None), (None, None)]
    assert retention_start(measures, closed_on=D(2011, 1, 1)) is None
    assert not is_due(retention_start(measures, D(2011, 1, 1)), D(2040, 1, 1), 5)


def test_without_measure_the_period_runs_from_the_closing_of_the_file() -> None:
    assert retention_start([], closed_on=D(2019, 4, 2)) == D(2019, 4, 2)
    assert retention_start([], closed_on=None) is None  # still open: never due
    assert not is_due(None, D(2099, 1, 1), 5)


# -- "more than N years ago" -------------------------------------------------------------


def test_a_file_is_kept_through_the_anniversary_and_due_the_day_after() -> None:
    end = D(2021, 3, 12)
    assert due_on(end, 5) == D(2026, 3, 13)
    assert not is_due(end, D(2026, 3, 12), 5)
    assert is_due(end, D(2026, 3, 13), 5)
    assert is_due(D(2021, 3, 11), D(2026, 3, 12), 5)


@pytest.mark.parametrize(
    ("end", "years", "first_due_day"),
    [
        (D(2020, 2, 29), 5, D(2025, 3, 1)),  # 29 February counts as 28 February
        (D(2020, 2, 29), 4, D(2024, 3, 1)),  # leap year to leap year: the same day
        (D(2019, 2, 28), 5, D(2024, 2, 29)),  # a leap day may be the first day due
        (D(2020, 12, 31), 1, D(2022, 1, 1)),  # over the new year
    ],
)
def test_leap_years(end: date, years: int, first_due_day: date) -> None:
    assert due_on(end, years) == first_due_day
    assert not is_due(end, first_due_day - timedelta(days=1), years)
    assert is_due(end, first_due_day, years)


def test_the_database_bound_agrees_with_the_rule_on_every_day() -> None:
    """``start <= last_day_due(today)`` (what the query compares) iff ``is_due``."""
    for years in (1, 4, 5, 30):
        today = D(2023, 1, 1)
        while today < D(2029, 1, 1):
            bound = last_day_due(today, years)
            for offset in range(-3, 4):
                start = bound + timedelta(days=offset)
                assert is_due(start, today, years) is (start <= bound), (years, today, start)
            assert cutoff(today, years) == bound + timedelta(days=1)
            today += timedelta(days=1)


def test_the_bound_on_the_test_day() -> None:
    assert last_day_due(D(2026, 3, 12), 5) == D(2021, 3, 11)
    assert last_day_due(D(2024, 2, 29), 5) == D(2019, 2, 28)
    assert last_day_due(D(2025, 3, 1), 5) == D(2020, 2, 29)


# -- what is shown and kept ---------------------------------------------------------------


def test_a_candidate_says_what_its_period_ran_from() -> None:
    with_measure = RetentionCandidate(1, "2016-000001", D(2020, 1, 31), None, 3, D(2025, 2, 1))
    assert with_measure.basis_label == "Fin de la dernière mesure le 31/01/2020"
    without = RetentionCandidate(2, "2016-000002", None, D(2019, 5, 6), None, D(2024, 5, 7))
    assert without.basis_label == "Dossier sans mesure clôturé le 06/05/2019"


def test_anonymisation_keeps_what_statistics_need_and_nothing_that_identifies() -> None:
    draft = PersonDraft(
        surname="Dupont",
        given_names="Jean",
        usage_name="Martin",
        birth_date=D(1980, 5, 17),
        birth_place="Bordeaux",
        sex=Sex.MALE,
        address="4 rue des Lilas",
        postal_code="33000",
        city="Bordeaux",
        phone="0612345678",
        email="jean@example.org",
        file_number="2016-000042",
        appi_number="APPI123",
        ecrou_number="E456",
        regime=Regime.MILIEU_FERME,
        establishment_id=2,
        referent_id=3,
        antenne_id=4,
    )
    anonymous = anonymous_draft(draft, 42)
    assert anonymous == PersonDraft(
        surname="Anonymisé",
        file_number="ANON-42",
        regime=Regime.MILIEU_FERME,
        establishment_id=2,
        referent_id=3,
        antenne_id=4,
    )


def test_certificate_numbers_follow_on_within_the_year() -> None:
    assert certificate_number(2026, 1) == "PURGE-2026-0001"
    existing = ["PURGE-2026-0001", "PURGE-2026-0007", "PURGE-2025-0042", "ANON-12"]
    assert next_certificate_sequence(existing, 2026) == 8
    assert next_certificate_sequence(existing, 2027) == 1
    assert next_certificate_sequence([], 2026) == 1


def test_the_refusal_names_the_files_by_number() -> None:
    error = NotDue(["2024-000001", "2024-000002"])
    assert "2024-000001, 2024-000002" in error.message
    assert "Aucun dossier n'a été traité" in error.message
    many = NotDue([f"2024-{n:06d}" for n in range(12)])
    assert "et 2 autres" in many.message
