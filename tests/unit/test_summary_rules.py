"""The monthly summary's rules as pure functions: period, activity, SAS, steps, figures."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spip_desktop.domain.enums import Regime
from spip_desktop.domain.errors import SpipError
from spip_desktop.domain.followup_terms import RightsDomain, StepStatus
from spip_desktop.domain.summary import (
    DEFINITIONS,
    ExportFormat,
    Figure,
    Indicator,
    Month,
    Period,
    Section,
    Summary,
    SummaryScope,
    Unit,
    attendance_rate,
    check_month,
    compare,
    convention_active_on,
    csv_number,
    decode_figures,
    default_file_name,
    differences,
    encode_values,
    expiry_window,
    format_change,
    format_value,
    is_partial,
    last_complete_month,
    measure_active_on,
    measure_finish,
    measure_start,
    median_days,
    public_domain,
    public_domains,
    sas_eligible_on,
    step_open_on,
)

I = Indicator  # noqa: E741
FEB = Month(2026, 2)


def test_a_month_runs_from_its_first_to_its_last_day() -> None:
    assert (FEB.first_day, FEB.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert Month(2024, 2).last_day == date(2024, 2, 29)
    assert Month(2026, 1).previous == Month(2025, 12)
    assert Month(2025, 12).next == Month(2026, 1)
    assert (FEB.label, FEB.title, FEB.iso) == ("février 2026", "Février 2026", "2026-02")
    assert (FEB.of_label, Month(2026, 10).of_label) == ("de février 2026", "d'octobre 2026")
    assert (Month(2026, 4).of_label, Month(2026, 8).of_label) == ("d'avril 2026", "d'août 2026")
    assert FEB.end == datetime(2026, 3, 1)


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-03", Month(2026, 3)), (" 2026-3 ", Month(2026, 3)), ("03/2026", Month(2026, 3))],
)
def test_a_month_is_read_as_typed(text: str, month: Month) -> None:
    assert Month.parse(text) == month


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "13/2026", "mars 2026", "2026", "26-03", ""]
)
def test_a_malformed_month_gets_a_french_sentence(text: str) -> None:
    with pytest.raises(SpipError) as error:
        Month.parse(text)
    assert "mois" in error.value.message


def test_a_future_month_is_refused_and_the_current_one_is_partial() -> None:
    today = date(2026, 3, 12)
    check_month(Month(2026, 3), today)
    with pytest.raises(SpipError, match="avril 2026 n'a pas encore commencé"):
        check_month(Month(2026, 4), today)
    assert is_partial(Month(2026, 3), today) and not is_partial(FEB, today)
    assert Period.of(Month(2026, 3), today).last == today
    assert Period.of(FEB, today).last == FEB.last_day
    assert last_complete_month(today) == FEB


def test_a_scope_names_what_it_counts() -> None:
    assert SummaryScope.service().key == "service"
    assert SummaryScope.antenne(3, "Antenne de Lille").description == "Antenne : Antenne de Lille"
    assert SummaryScope.referent(12).key == "referent:12"
    with pytest.raises(SpipError):
        SummaryScope(SummaryScope.antenne(1).kind, None)
    name = default_file_name(FEB, SummaryScope.antenne(3), ExportFormat.PDF)
    assert name == "synthese-2026-02-antenne-3.pdf"


def test_a_measure_starts_at_the_referral_and_ends_at_the_sentence_or_the_closure() -> None:
    assert measure_start(None, date(2025, 1, 2), date(2024, 12, 1)) == date(2025, 1, 2)
    assert measure_start(date(2025, 1, 5), date(2025, 1, 2)) == date(2025, 1, 5)
    assert measure_start(None, None, None, None) is None
    assert measure_finish(date(2027, 1, 1), date(2028, 1, 1)) == date(2027, 1, 1)
    assert measure_finish(None, date(2028, 1, 1), date(2026, 2, 10)) == date(2026, 2, 10)
    assert measure_finish(None, None, None) is None


def test_activity_includes_both_ends_and_excludes_cancelled_measures() -> None:
    start, end = date(2026, 2, 28), date(2026, 3, 1)
    assert not measure_active_on(date(2026, 2, 27), start, end)
    assert measure_active_on(start, start, end)  # starting on the day
    assert measure_active_on(end, start, end)  # ending on the day
    assert not measure_active_on(date(2026, 3, 2), start, end)
    assert measure_active_on(date(2030, 1, 1), start, None)
    assert not measure_active_on(start, start, end, cancelled=True)
    assert not measure_active_on(start, None, end)


def test_sas_eligibility_is_a_reliquat_under_two_years_in_milieu_ferme() -> None:
    day = date(2026, 2, 28)
    assert sas_eligible_on(day, Regime.MILIEU_FERME, date(2028, 2, 27))
    assert not sas_eligible_on(day, Regime.MILIEU_FERME, date(2028, 2, 28))  # two years
    assert not sas_eligible_on(day, Regime.MILIEU_FERME, day)  # released that day
    assert not sas_eligible_on(day, Regime.MILIEU_OUVERT, date(2027, 1, 1))
    assert not sas_eligible_on(day, Regime.MILIEU_FERME, None)


def test_a_step_is_open_at_the_end_of_a_day_by_its_last_status_then() -> None:
    day = date(2026, 2, 28)
    history = [
        (datetime(2026, 2, 3, 9), StepStatus.FILED),
        (datetime(2026, 2, 28, 17), StepStatus.OBTAINED),  # on the last day: closed then
        (datetime(2026, 3, 2, 9), StepStatus.OBTAINED),
    ]
    assert not step_open_on(day, date(2026, 2, 3), history)
    assert step_open_on(date(2026, 2, 27), date(2026, 2, 3), history)
    refused_then_appealed = [
        (datetime(2026, 2, 12, 9), StepStatus.REFUSED),
        (datetime(2026, 3, 2, 9), StepStatus.APPEAL),
    ]
    assert not step_open_on(day, date(2026, 1, 10), refused_then_appealed)
    assert step_open_on(day, date(2026, 2, 20), [(datetime(2026, 3, 3), StepStatus.TO_START)])
    assert not step_open_on(day, date(2026, 3, 1), [])  # opened after the day
    # two rows at the same time: the one written last counts
    same = datetime(2026, 2, 10, 9)
    assert not step_open_on(
        day, date(2026, 2, 1), [(same, StepStatus.FILED), (same, StepStatus.REFUSED)]
    )
    assert step_open_on(
        day, date(2026, 2, 1), [(same, StepStatus.REFUSED), (same, StepStatus.APPEAL)]
    )


def test_a_convention_is_active_when_signed_and_unexpired_that_day() -> None:
    day = date(2026, 2, 28)
    assert convention_active_on(day, True, date(2025, 1, 1), day)  # expires that day
    assert not convention_active_on(day, True, date(2025, 1, 1), date(2026, 2, 27))
    assert not convention_active_on(day, False, date(2025, 1, 1), None)
    assert not convention_active_on(day, True, date(2026, 3, 1), None)
    assert expiry_window(FEB) == (date(2026, 3, 1), date(2026, 5, 31))
    assert expiry_window(Month(2025, 11)) == (date(2025, 12, 1), date(2026, 2, 28))


def test_rates_and_medians_to_one_decimal_or_sans_objet() -> None:
    assert attendance_rate(3, 5) == Decimal("60.0")
    assert attendance_rate(2, 3) == Decimal("66.7")
    assert attendance_rate(0, 0) is None
    assert median_days([25]) == Decimal("25.0")
    assert median_days([3, 4]) == Decimal("3.5")
    assert median_days([]) is None


def test_health_and_disability_steps_are_never_shown_apart() -> None:
    assert public_domain(RightsDomain.HEALTH) is RightsDomain.OTHER
    assert public_domain(RightsDomain.DISABILITY) is RightsDomain.OTHER
    assert public_domain(RightsDomain.CAF) is RightsDomain.CAF
    shown = public_domains()
    assert RightsDomain.HEALTH not in shown and RightsDomain.DISABILITY not in shown
    assert RightsDomain.OTHER in shown


def test_every_indicator_has_a_section_and_a_definition() -> None:
    assert set(DEFINITIONS) == set(Indicator)
    assert {i.section for i in Indicator} == set(Section)
    assert I.ATTENDANCE_RATE.unit is Unit.PERCENT and I.ATTENDANCE_RATE.drill is None
    assert all("santé" not in i.label.lower() for i in Indicator)


def test_french_formats() -> None:
    assert format_value(1234) == "1\u202f234"
    assert format_value(Decimal("87.5"), Unit.PERCENT) == "87,5 %"
    assert format_value(None) == "sans objet"
    assert format_change(-1234) == "\u22121\u202f234"
    assert format_change(Decimal("2.5")) == "+2,5"
    assert format_change(0) == "0"
    assert format_change(None) == ""
    assert csv_number(Decimal("12.5")) == "12,5"
    assert csv_number(1234) == "1234"
    assert csv_number(None) == ""


def _summary(*figures: Figure, month: Month = FEB) -> Summary:
    return Summary(month, SummaryScope.service(), date(2026, 3, 12), figures)


def test_the_previous_month_and_the_differences_line_by_line() -> None:
    now = _summary(
        Figure(I.APPOINTMENTS, "", "", 4),
        Figure(I.APPOINTMENTS, "outcome:excuse", "Excusé", 1),
        Figure(I.ATTENDANCE_RATE, "", "", Decimal("60.0")),
    )
    before = _summary(Figure(I.APPOINTMENTS, "", "", 3), month=FEB.previous)
    changes = {c.figure.code: (c.previous, c.change) for c in compare(now, before)}
    assert changes == {
        "entretiens": (3, 1),
        "entretiens/outcome:excuse": (0, 1),  # a line the previous month did not have
        "taux_presence": (None, None),
    }
    sent = (
        Figure(I.APPOINTMENTS, "", "", 3),
        Figure(I.APPOINTMENTS, "outcome:honore", "Honoré", 2),
    )
    found = {d.code: (d.recorded, d.today) for d in differences(sent, now)}
    assert found == {
        "entretiens": (3, 4),
        "entretiens/outcome:excuse": (0, 1),
        "taux_presence": (None, Decimal("60.0")),
        "entretiens/outcome:honore": (2, 0),
    }
    assert differences(now.figures, now) == ()


values = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10**9),
    st.decimals(min_value=0, max_value=1000, places=1, allow_nan=False, allow_infinity=False),
)


@given(
    st.lists(st.tuples(st.sampled_from(list(Indicator)), st.text(max_size=20), values), max_size=30)
)
def test_the_register_gives_back_the_figures_it_was_given(
    lines: list[tuple[Indicator, str, int | Decimal | None]],
) -> None:
    figures = tuple(Figure(i, f"k:{n}" if n else "", n, v) for i, n, v in lines)
    summary = _summary(*figures)
    assert decode_figures(encode_values(summary)) == figures


def test_a_line_only_the_previous_month_had_follows_its_indicator_at_zero() -> None:
    now = _summary(
        Figure(I.SESSIONS, "", "", 2),
        Figure(I.SESSIONS, "stage_type:1", "Citoyenneté", 2),
        Figure(I.ATTENDANCE, "", "", 5),
    )
    before = _summary(
        Figure(I.SESSIONS, "", "", 5),
        Figure(I.SESSIONS, "stage_type:1", "Citoyenneté", 1),
        Figure(I.SESSIONS, "stage_type:2", "Sécurité routière", 4),
        month=FEB.previous,
    )
    lines = [(c.figure.code, c.figure.value, c.previous) for c in compare(now, before)]
    assert lines == [
        ("seances", 2, 5),
        ("seances/stage_type:1", 2, 1),
        ("seances/stage_type:2", 0, 4),  # so that the previous column adds up to 5
        ("emargements", 5, 0),
    ]
