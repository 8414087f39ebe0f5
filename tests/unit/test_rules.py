from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from spip_desktop.domain.dates import add_months
from spip_desktop.domain.enums import MeasureType, Regime
from spip_desktop.domain.model import MeasureDraft
from spip_desktop.domain.rules import is_sas_eligible, key_dates, main_measure, reliquat

TODAY = date(2026, 3, 12)


def test_reliquat_counts_calendar_years_months_and_days() -> None:
    remaining = reliquat(date(2027, 5, 20), TODAY)
    assert remaining is not None
    assert (remaining.years, remaining.months, remaining.days) == (1, 2, 8)
    assert str(remaining) == "1 an, 2 mois et 8 jours"
    assert str(reliquat(date(2026, 3, 13), TODAY)) == "1 jour"
    assert str(reliquat(date(2028, 3, 12), TODAY)) == "2 ans"


def test_reliquat_borrows_the_length_of_the_previous_month() -> None:
    remaining = reliquat(date(2026, 4, 5), date(2026, 1, 31))
    assert remaining is not None
    assert (remaining.years, remaining.months, remaining.days) == (0, 2, 5)


def test_no_reliquat_once_the_end_is_reached_or_unknown() -> None:
    assert reliquat(TODAY, TODAY) is None
    assert reliquat(date(2020, 1, 1), TODAY) is None
    assert reliquat(None, TODAY) is None


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    st.integers(min_value=1, max_value=5000),
)
def test_reliquat_adds_back_up_to_the_end_date(today: date, days: int) -> None:
    end = date.fromordinal(today.toordinal() + days)
    remaining = reliquat(end, today)
    assert remaining is not None
    assert remaining.total_days == days
    rebuilt = add_months(today, remaining.years * 12 + remaining.months)
    assert date.fromordinal(rebuilt.toordinal() + remaining.days) == end


def test_sas_eligibility_needs_milieu_ferme_and_under_two_years_left() -> None:
    assert is_sas_eligible(Regime.MILIEU_FERME, date(2027, 3, 12), TODAY)
    assert is_sas_eligible(Regime.MILIEU_FERME, date(2028, 3, 11), TODAY)
    assert not is_sas_eligible(Regime.MILIEU_FERME, date(2028, 3, 12), TODAY)
    assert not is_sas_eligible(Regime.MILIEU_FERME, TODAY, TODAY)
    assert not is_sas_eligible(Regime.MILIEU_FERME, None, TODAY)
    assert not is_sas_eligible(Regime.MILIEU_OUVERT, date(2027, 3, 12), TODAY)


def test_the_main_measure_is_the_one_ending_last() -> None:
    early = MeasureDraft(MeasureType.TIG, probation_end=date(2026, 6, 1))
    late = MeasureDraft(MeasureType.SURSIS_PROBATOIRE, probation_end=date(2028, 1, 1))
    assert main_measure([early, late]) is late
    undated = MeasureDraft(MeasureType.DDSE, decision_date=date(2026, 1, 1))
    assert main_measure([early, late, undated]) is undated
    assert main_measure([]) is None


def test_key_dates_come_from_the_main_measure_and_the_latest_sentence_end() -> None:
    prison = MeasureDraft(
        MeasureType.EMPRISONNEMENT,
        referral_date=date(2025, 1, 10),
        sentence_end=date(2027, 1, 1),
    )
    probation = MeasureDraft(
        MeasureType.SURSIS_PROBATOIRE,
        referral_date=date(2024, 2, 1),
        probation_start=date(2024, 2, 1),
        probation_end=date(2026, 2, 1),
    )
    key = key_dates([probation, prison])
    assert key.main_measure_type is MeasureType.EMPRISONNEMENT
    assert key.referral_date == date(2025, 1, 10)
    assert key.sentence_end == date(2027, 1, 1)
    assert key.end_date == date(2027, 1, 1)
    assert key_dates([]).main_measure_type is None


def test_a_cancelled_measure_is_never_the_main_one_nor_in_the_key_dates() -> None:
    kept = MeasureDraft(
        MeasureType.SURSIS_PROBATOIRE,
        decision_date=date(2024, 1, 5),
        referral_date=date(2024, 2, 1),
        probation_end=date(2026, 2, 1),
    )
    cancelled = MeasureDraft(
        MeasureType.EMPRISONNEMENT,
        decision_date=date(2025, 1, 2),
        referral_date=date(2025, 1, 10),
        sentence_end=date(2029, 1, 1),
        cancelled_on=date(2025, 2, 1),
    )
    assert cancelled.cancelled and not kept.cancelled
    assert main_measure([cancelled, kept]) is kept
    key = key_dates([cancelled, kept])
    assert key.main_measure_type is MeasureType.SURSIS_PROBATOIRE
    assert key.referral_date == date(2024, 2, 1)
    assert key.sentence_end is None  # the cancelled sentence's end is no one's
    assert key.end_date == date(2026, 2, 1)
    # Without it the cancelled measure would win: it ends last.
    uncancelled = MeasureDraft(**{**vars(cancelled), "cancelled_on": None})
    assert main_measure([uncancelled, kept]) is uncancelled


def test_a_file_whose_measures_are_all_cancelled_has_no_key_dates() -> None:
    cancelled = MeasureDraft(
        MeasureType.TIG, decision_date=date(2025, 1, 2), cancelled_on=date(2025, 2, 1)
    )
    assert main_measure([cancelled]) is None
    assert key_dates([cancelled]) == key_dates([])
