"""Rules computed from the measures: key dates, reliquat, SAS eligibility."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .dates import add_months, add_years
from .enums import Regime
from .model import KeyDates, MeasureDraft

#: A SAS (décret 2022-339) takes convicted people with under two years left to serve.
SAS_RELIQUAT_YEARS = 2


def measure_end(measure: MeasureDraft) -> date | None:
    """When a measure ends: its end of sentence, else the end of its probation period."""
    return measure.sentence_end or measure.probation_end


def counted(measures: Iterable[MeasureDraft]) -> list[MeasureDraft]:
    """The measures that count: every one but the cancelled ones."""
    return [m for m in measures if not m.cancelled]


def main_measure(measures: Iterable[MeasureDraft]) -> MeasureDraft | None:
    """The measure that governs the follow-up: the one ending last.

    A measure with no end date yet (sentence being set) counts as ending last;
    among equals the most recently referred to the SPIP wins. A cancelled measure
    is never the main one.
    """
    best: MeasureDraft | None = None
    best_key: tuple[date, date] | None = None
    for measure in counted(measures):
        key = (measure_end(measure) or date.max, measure.referral_date or date.min)
        if best_key is None or key > best_key:
            best, best_key = measure, key
    return best


def key_dates(measures: Iterable[MeasureDraft]) -> KeyDates:
    """The dates shown in a file header, taken from the main measure (cancelled measures
    are left out: the end of sentence is the latest of the others')."""
    measures = counted(measures)
    main = main_measure(measures)
    if main is None:
        return KeyDates()
    sentence_ends = [m.sentence_end for m in measures if m.sentence_end]
    return KeyDates(
        main_measure_type=main.measure_type,
        referral_date=main.referral_date,
        probation_start=main.probation_start,
        probation_end=main.probation_end,
        sentence_end=max(sentence_ends) if sentence_ends else None,
    )


@dataclass(frozen=True)
class Reliquat:
    """Time left to serve on a given day, as the calendar counts it."""

    years: int
    months: int
    days: int
    total_days: int

    def __str__(self) -> str:
        parts = []
        if self.years:
            parts.append(f"{self.years} an{'s' if self.years > 1 else ''}")
        if self.months:
            parts.append(f"{self.months} mois")
        if self.days or not parts:
            parts.append(f"{self.days} jour{'s' if self.days > 1 else ''}")
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + " et " + parts[-1]


def reliquat(end: date | None, today: date) -> Reliquat | None:
    """Remaining time from ``today`` to ``end``; ``None`` when unknown or already reached."""
    if end is None or end <= today:
        return None
    # whole months first (as the calendar adds them), then the days left over
    months = (end.year - today.year) * 12 + end.month - today.month
    while months > 0 and add_months(today, months) > end:
        months -= 1
    days = (end - add_months(today, months)).days
    years, months = divmod(months, 12)
    return Reliquat(years, months, days, (end - today).days)


@dataclass(frozen=True)
class SasWindow:
    """End-of-sentence dates that make a detainee SAS-eligible on a given day.

    Computed once per day and reused for every row of a list.
    """

    low: date
    high: date

    @classmethod
    def on(cls, today: date) -> SasWindow:
        try:
            high = add_years(today, SAS_RELIQUAT_YEARS)
        except (ValueError, OverflowError):  # the calendar's last two years
            high = date.max
        return cls(today, high)

    @property
    def bounds(self) -> tuple[date, date]:
        return self.low, self.high

    def admits(self, regime: Regime, sentence_end: date | None) -> bool:
        """Milieu fermé and a reliquat under two years (décret 2022-339)."""
        return (
            regime is Regime.MILIEU_FERME
            and sentence_end is not None
            and self.low < sentence_end < self.high
        )


def is_sas_eligible(regime: Regime, sentence_end: date | None, today: date) -> bool:
    """Milieu fermé and a reliquat under two years (décret 2022-339)."""
    return SasWindow.on(today).admits(regime, sentence_end)
