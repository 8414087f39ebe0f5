from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spip_desktop.domain.backup_policy import BackupInfo, BackupReason, backups_to_delete

NOW = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)


def backup(when: datetime) -> BackupInfo:
    return BackupInfo(
        path=Path(f"spip-{when:%Y%m%d-%H%M%S-%f}.sqlite3"),
        created_at=when,
        reason=BackupReason.EXIT,
        size_bytes=4096,
        person_count=1,
        measure_count=1,
        audit_entries=0,
        audit_head=None,
        schema_revision="0001",
        integrity_ok=True,
    )


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def kept_times(
    backups: Sequence[BackupInfo], now: datetime = NOW, **options: int
) -> list[datetime]:
    deleted = {id(b) for b in backups_to_delete(backups, now, tz=UTC, **options)}
    return sorted((b.created_at for b in backups if id(b) not in deleted), reverse=True)


def daily_backups(first: date, last: date, hours: Sequence[int] = (12,)) -> list[BackupInfo]:
    days = (last - first).days + 1
    return [backup(at(first + timedelta(d), h)) for d in range(days) for h in hours]


def test_labels_are_french_and_values_name_the_files() -> None:
    assert BackupReason.MIGRATION.value == "avant-migration"
    assert BackupReason.MIGRATION.label == "avant une mise à jour"
    assert BackupReason.EXIT.label == "à la fermeture"
    assert BackupReason("avant-restauration") is BackupReason.RESTORE


def test_a_backup_time_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        backup(datetime(2026, 3, 12, 12, 0))


def test_nothing_to_delete_without_backups() -> None:
    assert backups_to_delete([], NOW) == []


def test_only_the_newest_backup_of_each_day_is_kept() -> None:
    backups = daily_backups(date(2026, 3, 10), date(2026, 3, 12), hours=(8, 12, 17))
    assert kept_times(backups) == [
        at(date(2026, 3, 12), 17),
        at(date(2026, 3, 11), 17),
        at(date(2026, 3, 10), 17),
    ]
    assert len(backups_to_delete(backups, NOW, tz=UTC)) == 6


def test_seven_days_then_four_weeks_across_a_year_boundary() -> None:
    # One backup a day from Monday 17 November 2025 to Friday 9 January 2026.
    backups = daily_backups(date(2025, 11, 17), date(2026, 1, 9))
    now = at(date(2026, 1, 9), 20)
    assert kept_times(backups, now) == [
        # daily: the seven most recent days (Saturday 3 to Friday 9 January)
        *(at(date(2026, 1, d)) for d in range(9, 2, -1)),
        # ISO week 2026-W01 (29 December - 4 January) holds daily days: no weekly slot
        at(date(2025, 12, 28)),  # 2025-W52
        at(date(2025, 12, 21)),  # 2025-W51
        at(date(2025, 12, 14)),  # 2025-W50
        at(date(2025, 12, 7)),  # 2025-W49
    ]


def test_weeks_follow_iso_weeks_across_a_month_boundary() -> None:
    # Sunday 1 March 2026 closes ISO week 9, which began on Monday 23 February.
    backups = [
        backup(at(date(2026, 3, 12))),
        backup(at(date(2026, 3, 1))),
        backup(at(date(2026, 2, 23))),
        backup(at(date(2026, 2, 22))),
    ]
    assert kept_times(backups, daily=1, weekly=2) == [
        at(date(2026, 3, 12)),
        at(date(2026, 3, 1)),
        at(date(2026, 2, 22)),
    ]


def test_days_without_backups_do_not_use_a_daily_slot() -> None:
    backups = [
        backup(at(date(2026, 3, 12), 8)),
        backup(at(date(2026, 3, 12), 17)),
        backup(at(date(2026, 3, 9))),
        backup(at(date(2026, 3, 2))),
        backup(at(date(2026, 2, 20))),
    ]
    assert kept_times(backups, daily=3, weekly=1) == [
        at(date(2026, 3, 12), 17),
        at(date(2026, 3, 9)),
        at(date(2026, 3, 2)),
        at(date(2026, 2, 20)),
    ]


def test_weekly_slots_start_after_the_weeks_of_the_daily_days() -> None:
    # Backups on 2, 5, 9, 20 and 27 February, then every day from 3 to 12 March.
    sparse = [backup(at(date(2026, 2, d))) for d in (2, 5, 9, 20, 27)]
    recent = daily_backups(date(2026, 3, 3), date(2026, 3, 12))
    kept = kept_times(sparse + recent, daily=3, weekly=4)
    assert kept[:3] == [at(date(2026, 3, d)) for d in (12, 11, 10)]
    # weekly: weeks 10 (2-8 March), 9, 8 and 7 in turn
    assert kept[3:] == [
        at(date(2026, 3, 8)),
        at(date(2026, 2, 27)),
        at(date(2026, 2, 20)),
        at(date(2026, 2, 9)),
    ]


def test_old_backups_beyond_the_gap_are_still_kept_as_the_most_recent_days() -> None:
    backups = [backup(at(date(2025, 6, d))) for d in (1, 2, 3)]
    assert kept_times(backups) == [at(date(2025, 6, d)) for d in (3, 2, 1)]


def test_the_newest_backup_is_kept_even_with_zero_counts() -> None:
    backups = daily_backups(date(2026, 3, 1), date(2026, 3, 12))
    assert kept_times(backups, daily=0, weekly=0) == [at(date(2026, 3, 12))]


def test_days_are_local_dates() -> None:
    paris_winter = timezone(timedelta(hours=1))
    late = backup(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))  # 11 March, 00:30 in Paris
    next_day = backup(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    backups = [late, next_day]
    # Two days in UTC, one in Paris, where only the later backup of 11 March is kept.
    assert backups_to_delete(backups, NOW, daily=2, weekly=0, tz=UTC) == []
    assert backups_to_delete(backups, NOW, daily=2, weekly=0, tz=paris_winter) == [late]


def test_backups_dated_after_now_are_kept_and_take_no_slot() -> None:
    future = backup(at(date(2027, 1, 1)))
    backups = [future, *daily_backups(date(2026, 3, 10), date(2026, 3, 12))]
    assert kept_times(backups, daily=2, weekly=0) == [
        at(date(2027, 1, 1)),
        at(date(2026, 3, 12)),
        at(date(2026, 3, 11)),
    ]


def test_negative_counts_and_naive_now_are_refused() -> None:
    with pytest.raises(ValueError):
        backups_to_delete([], NOW, daily=-1)
    with pytest.raises(ValueError):
        backups_to_delete([], datetime(2026, 3, 12))


times = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 3, 12), timezones=st.just(UTC)
)


@given(
    st.lists(times, max_size=60),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=0, max_value=5),
)
def test_the_newest_is_kept_and_at_most_daily_plus_weekly_are(
    moments: list[datetime], daily: int, weekly: int
) -> None:
    backups = [backup(m) for m in moments]
    deleted = backups_to_delete(backups, NOW, daily=daily, weekly=weekly, tz=UTC)
    deleted_ids = {id(b) for b in deleted}
    kept = [b for b in backups if id(b) not in deleted_ids]
    assert len(deleted_ids) == len(deleted)
    assert all(any(b is d for b in backups) for d in deleted)
    if backups:
        newest = max(backups, key=lambda b: (b.created_at, str(b.path)))
        assert id(newest) not in deleted_ids
    assert len(kept) <= max(daily + weekly, 1)
    # each of the `daily` most recent days with backups still has one
    days = sorted({b.created_at.date() for b in backups}, reverse=True)[:daily]
    assert days == sorted({b.created_at.date() for b in kept}, reverse=True)[: len(days)]
