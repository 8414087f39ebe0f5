"""What a backup of the database is, and which backups are worth keeping.

:class:`BackupInfo` describes one backup file (its sidecar holds the same
fields); :func:`backups_to_delete` is the retention rule, pure so that it is
tested without files.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from .enums import LabelledEnum


class BackupReason(LabelledEnum):
    """Why a backup was made; the value is part of the backup's file name."""

    EXIT = ("fermeture", "à la fermeture")
    PERIODIC = ("periodique", "périodique")
    MIGRATION = ("avant-migration", "avant une mise à jour")
    RESTORE = ("avant-restauration", "avant une restauration")
    MANUAL = ("manuelle", "manuelle")


@dataclass(frozen=True)
class BackupInfo:
    """One backup file and what it contains.

    ``created_at`` is timezone-aware (UTC); ``audit_head`` is the hash of the
    newest audit entry (``None`` without audit trail); ``schema_revision`` is the
    alembic revision of the copy.
    """

    path: Path
    created_at: datetime
    reason: BackupReason
    size_bytes: int
    person_count: int
    measure_count: int
    audit_entries: int
    audit_head: str | None
    schema_revision: str | None
    integrity_ok: bool

    def __post_init__(self) -> None:
        if self.created_at.utcoffset() is None:
            raise ValueError("BackupInfo.created_at must be timezone-aware")


def rotated(reason: BackupReason) -> bool:
    """Only the automatic backups rotate. Those made on purpose (by hand, before a
    migration, before a restore) stay until an administrator deletes them: the
    safety copy taken before a restore must outlive the exit backup of the same day."""
    return reason in (BackupReason.EXIT, BackupReason.PERIODIC)


def backups_to_delete(
    backups: Sequence[BackupInfo],
    now: datetime,
    *,
    daily: int = 7,
    weekly: int = 4,
    tz: tzinfo | None = None,
) -> list[BackupInfo]:
    """The backups that the retention rule "7 daily and 4 weekly" lets go, newest first.

    The rule, on the backups dated up to ``now`` (``now`` must be timezone-aware):

    - daily: among the calendar days that have backups (local dates in ``tz``,
      the computer's time zone when ``None``), the ``daily`` most recent ones each
      keep their newest backup. Days without backups do not count, so a holiday
      never costs a backup;
    - weekly: among the ISO weeks older than those days (weeks holding none of
      them), the ``weekly`` most recent ones each keep their newest backup;
    - the single newest backup is never deleted, whatever the counts;
    - everything else is returned for deletion.

    Backups dated after ``now`` (written while the clock was ahead) cannot be
    placed in time: they are never deleted and take no place in the counts.
    """
    if daily < 0 or weekly < 0:
        raise ValueError("daily and weekly must not be negative")
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    ordered = sorted(backups, key=lambda b: (b.created_at, str(b.path)), reverse=True)
    dated = [b for b in ordered if b.created_at <= now]
    kept_daily = _newest_per_period(dated, lambda b: _local_day(b, tz), daily)
    daily_weeks = {_iso_week(_local_day(b, tz)) for b in kept_daily}
    older = [b for b in dated if _iso_week(_local_day(b, tz)) not in daily_weeks]
    kept_weekly = _newest_per_period(older, lambda b: _iso_week(_local_day(b, tz)), weekly)
    kept = {id(b) for b in (*kept_daily, *kept_weekly, *ordered[:1])}
    return [b for b in dated if id(b) not in kept]


def _local_day(backup: BackupInfo, tz: tzinfo | None) -> date:
    return backup.created_at.astimezone(tz).date()


def _iso_week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return (iso.year, iso.week)


def _newest_per_period(
    newest_first: Sequence[BackupInfo],
    period_of: Callable[[BackupInfo], Hashable],
    count: int,
) -> list[BackupInfo]:
    """The first (newest) backup of each of the ``count`` first periods met."""
    kept: list[BackupInfo] = []
    seen: set[Hashable] = set()
    for backup in newest_first:
        if len(kept) == count:
            break
        period = period_of(backup)
        if period not in seen:
            seen.add(period)
            kept.append(backup)
    return kept
