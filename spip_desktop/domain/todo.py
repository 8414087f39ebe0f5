"""The officer's to-do list (*À traiter*): what is due, computed from the data, never stored.

Each kind of alert has a window, stated here once; the services query what
falls in it for a scope (an agent's caseload, an antenne, the service). An
alert shows from the first day of its window: the rules are tested with a
frozen clock on that day and on the day before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from .dates import add_years
from .enums import LabelledEnum
from .rules import SAS_RELIQUAT_YEARS
from .timeline import FileTab

#: Rights obtained that lapse within this many days.
RIGHT_EXPIRY_DAYS = 30
#: Stage deadlines (6 months after the conviction became final) within this many days.
STAGE_DEADLINE_DAYS = 30
#: Sessions held within this many days whose attendance is still missing.
ATTENDANCE_DAYS = 7
#: Measures ending within this many days.
MEASURE_END_DAYS = 30
#: People who became SAS-eligible within this many days (and are not in a SAS).
SAS_NEW_DAYS = 30
#: Conventions expiring within this many days.
CONVENTION_DAYS = 90
#: Lines shown per kind of alert (the count says how many there are in all).
LINES_PER_KIND = 200


class TodoKind(LabelledEnum):
    """The kinds of alert, in the order the list shows them."""

    APPOINTMENT = ("rendez_vous", "Rendez-vous d'aujourd'hui et de demain")
    FOLLOW_UP = ("relance", "Relances de démarches")
    ATTENDANCE = ("presences", "Présences à saisir")
    STAGE_DEADLINE = ("delai_stage", "Stages à accomplir")
    MEASURE_END = ("fin_mesure", "Mesures qui prennent fin")
    RIGHT_EXPIRY = ("fin_droit", "Droits arrivant à échéance")
    SAS = ("sas", "Nouvellement éligibles SAS")
    CONVENTION = ("convention", "Conventions à renouveler")

    @property
    def tab(self) -> FileTab | None:
        """The tab of the person's file a line opens (``None``: not a person's file)."""
        return KIND_TABS[self]


T = TodoKind
KIND_TABS: dict[TodoKind, FileTab | None] = {
    T.APPOINTMENT: FileTab.JOURNAL,
    T.FOLLOW_UP: FileTab.RIGHTS,
    T.ATTENDANCE: None,  # the stage's attendance grid
    T.STAGE_DEADLINE: FileTab.STAGES,
    T.MEASURE_END: FileTab.MEASURES,
    T.RIGHT_EXPIRY: FileTab.RIGHTS,
    T.SAS: FileTab.IDENTITY,
    T.CONVENTION: None,  # the partner's conventions
}


class ScopeKind(Enum):
    MINE = "mine"
    ANTENNE = "antenne"
    SERVICE = "service"


@dataclass(frozen=True)
class TodoScope:
    """Whose alerts: an agent's (their caseload and what they hold), an antenne's, or all."""

    kind: ScopeKind = ScopeKind.MINE
    agent_id: int | None = None
    antenne_id: int | None = None

    @classmethod
    def mine(cls, agent_id: int | None) -> TodoScope:
        return cls(ScopeKind.MINE, agent_id=agent_id)

    @classmethod
    def antenne(cls, antenne_id: int) -> TodoScope:
        return cls(ScopeKind.ANTENNE, antenne_id=antenne_id)

    @classmethod
    def service(cls) -> TodoScope:
        return cls(ScopeKind.SERVICE)


@dataclass(frozen=True)
class TodoWindows:
    """The dates each rule compares with, for one day."""

    today: date
    tomorrow: date
    right_expiry_until: date
    stage_deadline_until: date
    attendance_since: date
    measure_end_until: date
    #: Detainees whose sentence ends before this date are SAS-eligible today...
    sas_eligible_before: date
    #: ... and were not yet ``SAS_NEW_DAYS`` ago when it ends on or after this one.
    sas_new_from: date
    convention_until: date

    @classmethod
    def on(cls, today: date) -> TodoWindows:
        return cls(
            today=today,
            tomorrow=today + timedelta(days=1),
            right_expiry_until=today + timedelta(days=RIGHT_EXPIRY_DAYS),
            stage_deadline_until=today + timedelta(days=STAGE_DEADLINE_DAYS),
            attendance_since=today - timedelta(days=ATTENDANCE_DAYS),
            measure_end_until=today + timedelta(days=MEASURE_END_DAYS),
            sas_eligible_before=add_years(today, SAS_RELIQUAT_YEARS),
            sas_new_from=add_years(today - timedelta(days=SAS_NEW_DAYS), SAS_RELIQUAT_YEARS),
            convention_until=today + timedelta(days=CONVENTION_DAYS),
        )


@dataclass(frozen=True)
class TodoItem:
    """One line of the list.

    ``person_id`` and ``tab`` say which file and tab it opens; a line about a stage
    session (``stage_id``) or a convention (``partner_id``) opens that instead.
    """

    kind: TodoKind
    due: date
    title: str
    detail: str = ""
    person_id: int | None = None
    person_name: str = ""
    file_number: str = ""
    referent_name: str = ""
    ref_id: int | None = None
    stage_id: int | None = None
    partner_id: int | None = None
    overdue: bool = False

    @property
    def tab(self) -> FileTab | None:
        return self.kind.tab


@dataclass(frozen=True)
class TodoList:
    """The alerts of one scope on one day, grouped by kind (each kind's first lines)."""

    today: date
    scope: TodoScope
    items: dict[TodoKind, tuple[TodoItem, ...]] = field(default_factory=dict)
    totals: dict[TodoKind, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    def of(self, kind: TodoKind) -> tuple[TodoItem, ...]:
        return self.items.get(kind, ())

    def count(self, kind: TodoKind) -> int:
        return self.totals.get(kind, 0)
