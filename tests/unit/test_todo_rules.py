"""The to-do list's windows (pure): the dates each alert compares with, for one day,
across month ends and leap years."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spip_desktop.domain.enums import Regime
from spip_desktop.domain.rules import is_sas_eligible
from spip_desktop.domain.stages import stage_deadline
from spip_desktop.domain.todo import (
    ATTENDANCE_DAYS,
    CONVENTION_DAYS,
    SAS_NEW_DAYS,
    TodoWindows,
)
from spip_desktop.services.todo import last_final_date, sas_eligible_since

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def test_the_windows_of_an_ordinary_day() -> None:
    w = TodoWindows.on(date(2026, 3, 12))
    assert w.today == date(2026, 3, 12)
    assert w.tomorrow == date(2026, 3, 13)
    assert w.right_expiry_until == date(2026, 4, 11)
    assert w.stage_deadline_until == date(2026, 4, 11)
    assert w.measure_end_until == date(2026, 4, 11)
    assert w.attendance_since == date(2026, 3, 5)
    assert w.convention_until == date(2026, 6, 10)
    assert w.sas_eligible_before == date(2028, 3, 12)
    assert w.sas_new_from == date(2028, 2, 10)  # two years after 10 February 2026


@pytest.mark.parametrize(
    ("today", "tomorrow", "since", "conventions"),
    [
        (date(2026, 12, 31), date(2027, 1, 1), date(2026, 12, 24), date(2027, 3, 31)),
        (date(2026, 2, 28), date(2026, 3, 1), date(2026, 2, 21), date(2026, 5, 29)),
        (date(2028, 2, 28), date(2028, 2, 29), date(2028, 2, 21), date(2028, 5, 28)),
        (date(2028, 3, 1), date(2028, 3, 2), date(2028, 2, 23), date(2028, 5, 30)),
    ],
)
def test_month_and_year_ends(today: date, tomorrow: date, since: date, conventions: date) -> None:
    w = TodoWindows.on(today)
    assert (w.tomorrow, w.attendance_since, w.convention_until) == (tomorrow, since, conventions)


def test_a_leap_day_two_years_on_is_the_last_day_of_february() -> None:
    w = TodoWindows.on(date(2028, 2, 29))
    assert w.sas_eligible_before == date(2030, 2, 28)
    # 30 January 2028, two years on
    assert w.sas_new_from == date(2030, 1, 30)
    assert TodoWindows.on(date(2026, 3, 30)).sas_new_from == date(2028, 2, 28)
    assert TodoWindows.on(date(2026, 3, 31)).sas_new_from == date(2028, 3, 1)


@given(days)
def test_windows_are_ordered(today: date) -> None:
    w = TodoWindows.on(today)
    assert w.attendance_since == today - timedelta(days=ATTENDANCE_DAYS)
    assert w.today < w.tomorrow <= w.right_expiry_until <= w.convention_until
    assert w.convention_until == today + timedelta(days=CONVENTION_DAYS)
    assert w.today < w.sas_new_from < w.sas_eligible_before


@given(days, st.integers(min_value=1, max_value=800))
def test_the_sas_window_is_who_became_eligible_in_the_last_30_days(
    today: date, days_left: int
) -> None:
    """A detainee is in the window exactly when eligible today and not 30 days ago."""
    sentence_end = today + timedelta(days=days_left)
    w = TodoWindows.on(today)
    in_window = w.sas_new_from <= sentence_end < w.sas_eligible_before
    eligible = is_sas_eligible(Regime.MILIEU_FERME, sentence_end, today)
    eligible_before = is_sas_eligible(
        Regime.MILIEU_FERME, sentence_end, today - timedelta(days=SAS_NEW_DAYS)
    )
    assert in_window == (eligible and not eligible_before)


@pytest.mark.parametrize(
    ("sentence_end", "since"),
    [
        (date(2028, 3, 12), date(2026, 3, 13)),
        (date(2028, 2, 29), date(2026, 3, 1)),  # leap day: no 29 February in 2026
        (date(2028, 2, 28), date(2026, 3, 1)),  # 28/02/2026 + 2 years = 28/02/2028, not after
        (date(2028, 3, 1), date(2026, 3, 2)),
        (date(2027, 12, 31), date(2026, 1, 1)),
        # 29/02/2028 + 2 years is 28/02/2030 (clamped), not after it
        (date(2030, 2, 28), date(2028, 3, 1)),
    ],
)
def test_the_day_a_detainee_becomes_sas_eligible(sentence_end: date, since: date) -> None:
    assert sas_eligible_since(sentence_end) == since


@given(st.dates(min_value=date(2002, 1, 1), max_value=date(2090, 12, 31)))
def test_sas_eligible_since_is_the_first_eligible_day(sentence_end: date) -> None:
    since = sas_eligible_since(sentence_end)
    assert is_sas_eligible(Regime.MILIEU_FERME, sentence_end, since)
    assert not is_sas_eligible(Regime.MILIEU_FERME, sentence_end, since - timedelta(days=1))


@pytest.mark.parametrize(
    ("until", "final"),
    [
        (date(2026, 4, 11), date(2025, 10, 11)),
        (date(2026, 8, 31), date(2026, 2, 28)),  # 28/02 + 6 months = 28/08; 01/03 → 01/09
        (date(2026, 2, 28), date(2025, 8, 31)),  # 29, 30, 31 August all reach 28 February
        (date(2028, 2, 29), date(2027, 8, 31)),
        (date(2026, 3, 1), date(2025, 9, 1)),
    ],
)
def test_the_last_final_date_whose_stage_deadline_fits(until: date, final: date) -> None:
    assert last_final_date(until) == final


@given(days)
def test_last_final_date_is_exact(until: date) -> None:
    final = last_final_date(until)
    deadline = stage_deadline(final)
    after = stage_deadline(final + timedelta(days=1))
    assert deadline is not None and after is not None
    assert deadline <= until < after
