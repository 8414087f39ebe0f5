"""The chronology (*chronologie*) of a person: everything that happened, in one order.

Events come from every part of the file (measures, obligations, stages and each
attendance, attestations, rights steps, the journal, changes to the file). The
services read them; :func:`merge` orders and filters them. Each event names the
tab of the file (:class:`FileTab`) and the record that open it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum

from .dates import format_date
from .enums import LabelledEnum
from .validation import ValidationResult


class FileTab(Enum):
    """The tabs of a person's file, as other screens name them to open one."""

    IDENTITY = "identity"
    MEASURES = "measures"
    STAGES = "stages"
    RIGHTS = "rights"
    JOURNAL = "journal"
    TIMELINE = "timeline"
    HISTORY = "history"


class TimelineKind(LabelledEnum):
    MEASURE = ("mesure", "Mesures")
    OBLIGATION = ("obligation", "Obligations")
    STAGE = ("stage", "Stages")
    ATTENDANCE = ("presence", "Présences")
    ATTESTATION = ("attestation", "Attestations")
    RIGHTS = ("droits", "Accès aux droits")
    JOURNAL = ("journal", "Journal")
    FILE = ("dossier", "Modifications du dossier")

    @property
    def tab(self) -> FileTab:
        return KIND_TABS[self]


K = TimelineKind
KIND_TABS: dict[TimelineKind, FileTab] = {
    K.MEASURE: FileTab.MEASURES,
    K.OBLIGATION: FileTab.MEASURES,
    K.STAGE: FileTab.STAGES,
    K.ATTENDANCE: FileTab.STAGES,
    K.ATTESTATION: FileTab.STAGES,
    K.RIGHTS: FileTab.RIGHTS,
    K.JOURNAL: FileTab.JOURNAL,
    K.FILE: FileTab.HISTORY,
}


@dataclass(frozen=True)
class TimelineEvent:
    """One line of the chronology.

    ``at`` orders events of the same day (``None``: the day itself, before the
    timed events of that day); ``ref_id`` is the record the line opens (a measure,
    an enrolment, a step, a journal entry, an audit entry...).
    """

    day: date
    kind: TimelineKind
    title: str
    detail: str = ""
    at: datetime | None = None
    ref_id: int | None = None
    #: Order among events of the same instant (stable across runs).
    seq: int = 0

    @property
    def tab(self) -> FileTab:
        return self.kind.tab

    @property
    def sort_key(self) -> tuple[date, datetime, int, str, int]:
        moment = self.at if self.at is not None else datetime.combine(self.day, time.min)
        return (self.day, moment, self.seq, self.kind.value, self.ref_id or 0)

    @property
    def when(self) -> str:
        """``12/03/2026`` or ``12/03/2026 14:30``."""
        text = format_date(self.day)
        if self.at is not None and self.at.time() != time.min:
            text += f" {self.at:%H:%M}"
        return text


@dataclass(frozen=True)
class TimelineQuery:
    """Which events to show: kinds (empty: all) and a period (either end open)."""

    kinds: frozenset[TimelineKind] = field(default_factory=frozenset)
    start: date | None = None
    end: date | None = None
    newest_first: bool = True

    def admits(self, event: TimelineEvent) -> bool:
        if self.kinds and event.kind not in self.kinds:
            return False
        if self.start is not None and event.day < self.start:
            return False
        return not (self.end is not None and event.day > self.end)


def validate_query(query: TimelineQuery) -> ValidationResult:
    result = ValidationResult()
    if query.start is not None and query.end is not None and query.end < query.start:
        result.error(
            "end",
            f"La période est vide : elle finit le {format_date(query.end)}, avant de "
            f"commencer le {format_date(query.start)}.",
        )
    return result


def merge(
    sources: Iterable[Iterable[TimelineEvent]], query: TimelineQuery | None = None
) -> list[TimelineEvent]:
    """All events of ``sources`` that ``query`` admits, in chronological order
    (newest first unless the query says otherwise)."""
    query = query or TimelineQuery()
    events = [event for source in sources for event in source if query.admits(event)]
    events.sort(key=lambda e: e.sort_key, reverse=query.newest_first)
    return events


@dataclass(frozen=True)
class Timeline:
    """A person's chronology as shown or printed."""

    person_id: int
    person_name: str
    file_number: str
    query: TimelineQuery
    events: tuple[TimelineEvent, ...]

    def count_by_kind(self) -> dict[TimelineKind, int]:
        counts: dict[TimelineKind, int] = {}
        for event in self.events:
            counts[event.kind] = counts.get(event.kind, 0) + 1
        return counts
