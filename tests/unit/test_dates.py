from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spip_desktop.domain.dates import (
    DateParseError,
    add_months,
    age_on,
    format_count,
    format_date,
    format_date_long,
    parse_date,
    plural,
)


def test_dates_are_written_the_french_way() -> None:
    assert format_date(date(2026, 3, 2)) == "02/03/2026"
    assert format_date(None, "—") == "—"
    assert format_date_long(date(2026, 3, 12)) == "12 mars 2026"
    assert format_date_long(date(2026, 8, 1)) == "1er août 2026"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/03/2026", date(2026, 3, 12)),
        ("1/2/1985", date(1985, 2, 1)),
        ("12.03.26", date(2026, 3, 12)),
        ("12032026", date(2026, 3, 12)),
        ("01/01/45", date(1945, 1, 1)),
        ("", None),
        ("   ", None),
    ],
)
def test_typed_dates_are_read(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_impossible_dates_get_a_french_sentence() -> None:
    with pytest.raises(DateParseError, match="n'existe pas"):
        parse_date("31/02/2026")
    with pytest.raises(DateParseError, match="jj/mm/aaaa"):
        parse_date("demain")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_format_then_parse_gives_the_same_date(value: date) -> None:
    assert parse_date(format_date(value)) == value


def test_calendar_arithmetic() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)
    assert age_on(date(2008, 3, 13), date(2026, 3, 12)) == 17
    assert age_on(date(2008, 3, 12), date(2026, 3, 12)) == 18


def test_numbers_and_plurals_follow_french_rules() -> None:
    assert format_count(250000) == "250\u202f000"
    assert plural(0, "personne") == "0 personne"
    assert plural(1, "personne") == "1 personne"
    assert plural(1500, "personne") == "1\u202f500 personnes"
