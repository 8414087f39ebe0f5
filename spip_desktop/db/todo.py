"""The SQL of the *À traiter* list: one bounded query and one count per kind of alert.

Every query reads what falls in its window for one scope (an agent's caseload and
what the agent holds, an antenne, the whole service), through the indexes the
to-do list was given (see the models), and returns the first ``limit`` lines with
the total. Nothing here is stored: the list is computed on each refresh.

Scopes (:class:`~spip_desktop.domain.todo.TodoScope`):

- *mine*: people whose referent is the agent; plus the steps the agent handles,
  the appointments the agent holds, the conventions of the partners the agent is
  referent of, the sessions where the agent's people are enrolled;
- *antenne*: people of the antenne (sessions with people of the antenne; partners
  serving it, or serving the whole service);
- *service*: everyone.

A "mine" filter that spans two tables (the person's referent, or the step's agent)
is written as ``id IN (… UNION …)``: each branch runs on its own index, where an
``OR`` across tables would read everything.

Which index drives is decided here, not left to the statistics (a base that never ran
``ANALYZE`` has none, and the averages mislead on skewed columns): a condition that
must not drive names its column through :class:`unindexed` (SQLite's unary ``+``), and
the open files are :class:`likely` (PostgreSQL gets the bare conditions). The rule:
an alert's own window drives when it is narrow (30 days, two days of appointments), a
caseload drives the open-ended ones (follow-ups, stage deadlines), an antenne never
drives (a quarter of the service).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    join,
    or_,
    outerjoin,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FromClause, Join
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType, TypeEngine

from ..domain.enums import EstablishmentKind, MeasureType, ObligationType, Regime
from ..domain.journal import APPOINTMENT_KINDS, EntryKind
from ..domain.partners import ConventionStatus
from ..domain.rights import Actor, StepKind, StepStatus
from ..domain.stage_terms import ActionKind, AttendanceCode
from ..domain.stages import (
    AttendanceRecord,
    Enrolment,
    EnrolmentEnd,
    PersonSummary,
    Stage,
    StageDraft,
    StageType,
    StageTypeDraft,
)
from ..domain.stages import (
    Session as StageSession,
)
from ..domain.todo import ScopeKind, TodoScope
from . import models as m

AnySelect = Select[*tuple[Any, ...]]


class PersonRef(NamedTuple):
    """Whom a line is about, as the list shows them."""

    id: int
    name: str
    file_number: str
    referent: str


class StepLine(NamedTuple):
    person: PersonRef
    step_id: int
    kind: StepKind
    other_label: str
    status: StepStatus
    follow_up_on: date | None
    outcome_on: date | None
    expires_on: date | None
    handled_by: Actor
    partner: str


class AppointmentLine(NamedTuple):
    person: PersonRef
    entry_id: int
    kind: EntryKind
    day: date
    at: time | None
    subject: str
    place: str
    agent_id: int | None
    agent: str


class SessionLine(NamedTuple):
    session_id: int
    stage_id: int
    day: date
    start: time
    end: time
    stage_name: str
    stage_title: str
    missing: int
    enrolled: int


class DeadlineCandidate(NamedTuple):
    measure_id: int
    person_id: int
    final_date: date


@dataclass
class DeadlineCandidates:
    """The measures asking for a stage (see :meth:`TodoRepository.stage_deadline_candidates`)."""

    #: Whose person has an enrolment in a stage over: its computed status decides.
    finished: list[DeadlineCandidate]
    #: The first of the others (no such enrolment: not done), oldest first...
    pending: list[DeadlineCandidate]
    #: ... and how many others there are.
    pending_total: int


class DeadlineLine(NamedTuple):
    person: PersonRef
    measure_id: int
    measure_type: MeasureType
    final_date: date


class MeasureEndLine(NamedTuple):
    person: PersonRef
    measure_id: int
    measure_type: MeasureType
    sentence_end: date | None
    probation_end: date | None


class SasLine(NamedTuple):
    person: PersonRef
    sentence_end: date
    establishment: str


class ConventionLine(NamedTuple):
    convention_id: int
    partner_id: int
    partner: str
    title: str
    expires_on: date
    referent: str


class StageEnrolment(NamedTuple):
    """A person's enrolment in a stage (kind *stage*), with the stage's dates."""

    enrolment: Enrolment
    first_day: date | None
    last_day: date | None


class likely(FunctionElement[bool]):
    """A condition true for most rows: SQLite's ``likely(…)``, the bare condition elsewhere.

    SQLite's statistics give one average per index prefix: ``closed_on IS NULL`` looks
    as selective as any closing date (about 100 people each), while 9 people in 10 have
    an open file; the hint gives the planner the true odds. Untyped on purpose: a
    boolean would be compared with 1 on SQLite, and the planner only reads a bare call.
    """

    inherit_cache = True
    type = cast("TypeEngine[bool]", NullType())
    name = "likely"


@compiles(likely)
def _bare_condition(element: likely, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)})"


@compiles(likely, "sqlite")
def _likely_condition(element: likely, compiler: SQLCompiler, **kw: Any) -> str:
    return f"likely({compiler.process(element.clauses, **kw)})"


class unindexed(FunctionElement[Any]):
    """A column whose conditions only keep rows: another index drives the query.

    SQLite's unary ``+`` (the documented way to keep a term off the choice of index);
    the bare column elsewhere. It keeps the column's type, so values bind as usual.
    """

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _bare_column(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _plus_column(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def _same(column: Any) -> Any:
    return column


Columns = Callable[[Any], Any]
"""How a condition names its columns: as they are, or :class:`unindexed`."""


def _open_file() -> ColumnElement[bool]:
    """The person's file is open: most are (see :class:`likely`), never an index to read."""
    return likely(unindexed(_P.closed_on).is_(None))


def _agent_name(given: str | None, surname: str | None) -> str:
    return f"{given} {surname.upper()}" if surname else ""


def _person_name(surname: str, given_names: str) -> str:
    return f"{surname.upper()} {given_names}".strip()


_P = m.PersonRow
_REFERENT = aliased(m.AgentRow, name="referent")
_PERSON_COLUMNS = (
    _P.id.label("person_id"),
    _P.surname.label("person_surname"),
    _P.given_names.label("person_given_names"),
    _P.file_number.label("person_file_number"),
    _REFERENT.given_name.label("referent_given"),
    _REFERENT.surname.label("referent_surname"),
)


def _person_ref(row: Any) -> PersonRef:
    return PersonRef(
        row.person_id,
        _person_name(row.person_surname, row.person_given_names),
        row.person_file_number,
        _agent_name(row.referent_given, row.referent_surname),
    )


def _referent_of(source: Join) -> Join:
    """``source`` (which names the person) with the person's referent."""
    return source.outerjoin(_REFERENT, _REFERENT.id == _P.referent_id)


def _person_scope(
    scope: TodoScope, person: Any = _P, narrow: bool = False
) -> list[ColumnElement[bool]]:
    """The people of the scope (the caseload, the antenne, or everyone).

    ``narrow``: the alert's window is narrow; its index, not the caseload's, drives.
    """
    if scope.kind is ScopeKind.MINE:
        referent = unindexed(person.referent_id) if narrow else person.referent_id
        return [referent == scope.agent_id]
    if scope.kind is ScopeKind.ANTENNE:
        # a quarter of the service: the alert's own window is always narrower
        return [unindexed(person.antenne_id) == scope.antenne_id]
    return []


def later_end(measure: Any = m.MeasureRow) -> ColumnElement[Any]:
    """The later of a measure's end of sentence and end of probation (either may be empty)."""
    return case(
        (measure.sentence_end.is_(None), measure.probation_end),
        (measure.probation_end.is_(None), measure.sentence_end),
        (measure.sentence_end > measure.probation_end, measure.sentence_end),
        else_=measure.probation_end,
    )


class TodoRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _page(
        self,
        rows: AnySelect,
        source: FromClause,
        where: Sequence[ColumnElement[bool]],
        order: Sequence[Any],
        limit: int,
    ) -> tuple[list[Any], int]:
        """The first ``limit`` rows in ``order``, and how many there are in all.

        ``rows`` selects what the lines show from ``source`` and the tables it adds
        (outer joins for names); the count reads ``source`` alone, and is skipped when
        the page is the whole answer.
        """
        found = list(self.session.execute(rows.where(*where).order_by(*order).limit(limit)))
        if len(found) < limit:
            return found, len(found)
        counted = select(func.count()).select_from(source).where(*where)
        return found, int(self.session.scalar(counted) or 0)

    # -- rights steps -------------------------------------------------------------------
    def _steps(
        self,
        scope: TodoScope,
        window: Callable[[Columns], list[ColumnElement[bool]]],
        order: Sequence[Any],
        limit: int,
        narrow: bool = False,
        held: bool = True,
    ) -> tuple[list[StepLine], int]:
        """Steps in ``window`` (its conditions, naming the columns through the function
        given) for the scope; ``narrow``: the window's index drives even for a caseload;
        ``held``: an agent's list also has the steps they are in charge of outside their
        caseload (for users who may follow those)."""
        s = m.RightsStepRow
        partner = m.PartnerRow
        if scope.kind is ScopeKind.MINE:
            agent = scope.agent_id
            by: Columns = _same
            if narrow:  # the window's index drives, the caseload and the agent keep rows
                kept, by = window(_same), unindexed
            else:  # the caseload's and the agent's indexes drive, the window keeps rows
                kept = window(unindexed)
            caseload = (
                select(s.id)
                .join(_P, _P.id == s.person_id)
                .where(by(_P.referent_id) == agent, *kept)
            )
            mine = (
                union(caseload, select(s.id).where(by(s.agent_id) == agent, *kept))
                if held
                else caseload
            )
            where = [s.id.in_(mine), _open_file()]
        else:
            where = [*window(_same), _open_file(), *_person_scope(scope)]
        source = join(s, _P, _P.id == s.person_id)
        stmt = select(
            *_PERSON_COLUMNS,
            s.id,
            s.kind,
            s.other_label,
            s.status,
            s.follow_up_on,
            s.outcome_on,
            s.expires_on,
            s.handled_by,
            partner.name.label("partner_name"),
        ).select_from(_referent_of(source).outerjoin(partner, partner.id == s.partner_id))
        rows, total = self._page(stmt, source, where, order, limit)
        return [
            StepLine(
                _person_ref(r),
                r.id,
                r.kind,
                r.other_label,
                r.status,
                r.follow_up_on,
                r.outcome_on,
                r.expires_on,
                r.handled_by,
                r.partner_name or "",
            )
            for r in rows
        ], total

    def follow_ups(
        self, scope: TodoScope, today: date, limit: int, held: bool = True
    ) -> tuple[list[StepLine], int]:
        """Open steps whose follow-up date is today or past (oldest first)."""
        s = m.RightsStepRow

        def window(c: Columns) -> list[ColumnElement[bool]]:
            return [c(s.closed) == false(), c(s.follow_up_on) <= today]

        return self._steps(scope, window, (s.follow_up_on, s.id), limit, held=held)

    def expiring_rights(
        self, scope: TodoScope, today: date, until: date, limit: int, held: bool = True
    ) -> tuple[list[StepLine], int]:
        """Rights obtained that lapse between ``today`` and ``until`` (soonest first)."""
        s = m.RightsStepRow

        def window(c: Columns) -> list[ColumnElement[bool]]:
            return [
                c(s.closed) == true(),
                c(s.expires_on) >= today,
                c(s.expires_on) <= until,
                c(s.status) == StepStatus.OBTAINED,
            ]

        return self._steps(scope, window, (s.expires_on, s.id), limit, narrow=True, held=held)

    # -- journal ------------------------------------------------------------------------
    def appointments(
        self, scope: TodoScope, first: date, last: date, limit: int, held: bool = True
    ) -> tuple[list[AppointmentLine], int]:
        """Appointments from ``first`` to ``last`` whose outcome is not recorded yet
        (``held``: also those the agent holds for people outside their caseload)."""
        j = m.JournalEntryRow
        holder = aliased(m.AgentRow, name="holder")
        window = [j.day >= first, j.day <= last, j.kind.in_(APPOINTMENT_KINDS)]
        where = [j.outcome.is_(None), _open_file()]
        if scope.kind is ScopeKind.MINE:
            # (agent_id, day) and (person_id, day) serve each branch; the window is in both
            agent = scope.agent_id
            caseload = (
                select(j.id).join(_P, _P.id == j.person_id).where(_P.referent_id == agent, *window)
            )
            mine = (
                union(select(j.id).where(j.agent_id == agent, *window), caseload)
                if held
                else caseload
            )
            where.append(j.id.in_(mine))
        else:
            where += [*window, *_person_scope(scope)]
        source = join(j, _P, _P.id == j.person_id)
        stmt = select(
            *_PERSON_COLUMNS,
            j.id,
            j.kind,
            j.day,
            j.at,
            j.subject,
            j.place,
            j.agent_id,
            holder.given_name.label("holder_given"),
            holder.surname.label("holder_surname"),
        ).select_from(_referent_of(source).outerjoin(holder, holder.id == j.agent_id))
        rows, total = self._page(stmt, source, where, (j.day, j.at, j.id), limit)
        return [
            AppointmentLine(
                _person_ref(r),
                r.id,
                r.kind,
                r.day,
                r.at,
                r.subject,
                r.place,
                r.agent_id,
                _agent_name(r.holder_given, r.holder_surname),
            )
            for r in rows
        ], total

    # -- attendance ---------------------------------------------------------------------
    def sessions_missing_attendance(
        self, scope: TodoScope, since: date, today: date, now: time, limit: int
    ) -> tuple[list[SessionLine], int]:
        """Sessions held from ``since`` to now with at least one attendance not recorded,
        for the people still in the stage on the session's day; one line per session."""
        ss, e, a = m.StageSessionRow, m.EnrolmentRow, m.AttendanceRow
        stage, stage_type = m.StageRow, m.StageTypeRow
        in_stage = and_(e.stage_id == ss.stage_id, or_(e.end_day.is_(None), e.end_day >= ss.day))
        enrolled = (
            select(func.count()).select_from(e).where(in_stage).correlate(ss).scalar_subquery()
        )
        recorded = exists().where(a.enrolment_id == e.id, a.session_id == ss.id).correlate(e, ss)
        missing = (
            select(func.count())
            .select_from(e)
            .where(in_stage, ~recorded)
            .correlate(ss)
            .scalar_subquery()
        )
        where: list[ColumnElement[bool]] = [
            ss.day >= since,
            ss.day <= today,
            or_(ss.day < today, ss.start_time <= now),
            missing > 0,
        ]
        scope_people = _person_scope(scope)
        if scope_people:
            where.append(
                exists()
                .where(e.stage_id == ss.stage_id, _P.id == e.person_id, *scope_people)
                .correlate(ss)
            )
        source = join(ss, stage, stage.id == ss.stage_id).join(
            stage_type, stage_type.id == stage.type_id
        )
        stmt = select(
            ss.id,
            ss.stage_id,
            ss.day,
            ss.start_time,
            ss.end_time,
            stage_type.name.label("stage_name"),
            stage.title,
            missing.label("missing"),
            enrolled.label("enrolled"),
        ).select_from(source)
        rows, total = self._page(stmt, source, where, (ss.day, ss.start_time, ss.id), limit)
        return [
            SessionLine(
                r.id,
                r.stage_id,
                r.day,
                r.start_time,
                r.end_time,
                r.stage_name,
                r.title,
                int(r.missing),
                int(r.enrolled),
            )
            for r in rows
        ], total

    # -- stage deadlines ----------------------------------------------------------------
    def stage_deadline_candidates(
        self, scope: TodoScope, final_until: date, today: date, limit: int
    ) -> DeadlineCandidates:
        """Measures still running that ask for a stage (a *peine de stage*, or an
        obligation to do one), whose conviction became final on or before
        ``final_until``, of people still followed.

        Left out: those whose person holds a validated attestation of a stage that counts
        for the measure (done, as the register says), or attended every session of such a
        stage, over (done: validated whatever the hours required). *Finished* are those whose person
        has an enrolment that counts in a stage over by ``today``: its computed status
        says whether it is done; all of them are read. Of the others, not done for sure,
        only the first ``limit`` (oldest first) and their number: one statement, sorted
        finished first, whose reading stops there.
        """
        mm, o = m.MeasureRow, m.ObligationRow
        e, st, kind = m.EnrolmentRow, m.StageRow, m.StageTypeRow
        if scope.kind is ScopeKind.MINE:
            # a caseload: a few hundred measures, each looks up its own obligations
            wanted: ColumnElement[bool] = or_(
                mm.measure_type == MeasureType.PEINE_DE_STAGE,
                exists().where(o.measure_id == mm.id, o.kind == ObligationType.STAGE),
            )
        else:
            # many measures: the ones asking for a stage are listed once, through the
            # indexes (measure_type, final_date) and (kind, measure_id) where they exist
            listed = aliased(m.MeasureRow)
            wanted = mm.id.in_(
                union_all(
                    select(listed.id).where(
                        listed.measure_type == MeasureType.PEINE_DE_STAGE,
                        listed.final_date <= final_until,
                    ),
                    select(o.measure_id).where(o.kind == ObligationType.STAGE),
                )
            )
        counting = and_(e.person_id == mm.person_id, kind.kind == ActionKind.STAGE, _counts_for(mm))
        stages = join(e, st, st.id == e.stage_id).join(kind, kind.id == st.type_id)
        certified = exists(
            select(e.id)
            .select_from(stages.join(m.AttestationRow, m.AttestationRow.enrolment_id == e.id))
            .where(counting, m.AttestationRow.validated == true())
            .correlate(mm)
        )
        # Every session of a stage over attended (present or late, as currently recorded):
        # validated whatever the hours required, so done without computing its status.
        ss, a, later = m.StageSessionRow, m.AttendanceRow, aliased(m.AttendanceRow)
        attended = (
            exists()
            .where(
                a.enrolment_id == e.id,
                a.session_id == ss.id,
                a.code.in_([c for c in AttendanceCode if c.attended]),
                ~exists().where(later.supersedes_id == a.id).correlate(a),
            )
            .correlate(e, ss)
        )
        missed = exists().where(ss.stage_id == e.stage_id, ~attended).correlate(e)
        held = exists().where(ss.stage_id == e.stage_id).correlate(e)
        attended_all = exists(
            select(e.id)
            .select_from(stages)
            .where(counting, st.last_day < today, held, ~missed)
            .correlate(mm)
        )
        finished = exists(
            select(e.id).select_from(stages).where(counting, st.last_day <= today).correlate(mm)
        )
        end = later_end(mm)
        finished_column = finished.label("finished")
        stmt = (
            select(
                mm.id,
                mm.person_id,
                mm.final_date,
                finished_column,
                func.count().over().label("total"),
            )
            .select_from(join(mm, _P, _P.id == mm.person_id))
            .where(
                mm.final_date.is_not(None),
                mm.final_date <= final_until,
                mm.cancelled_on.is_(None),  # a cancelled measure asks for nothing
                _open_file(),
                wanted,
                or_(end.is_(None), end >= today),
                *_person_scope(scope),
                ~certified,
                ~attended_all,
            )
            .order_by(finished_column.desc(), mm.final_date, mm.id)
        )
        found = DeadlineCandidates([], [], 0)
        total = 0
        # through the connection: the session's results read every row before the first
        result = self.session.connection().execute(stmt)
        try:
            for r in result:
                total = int(r.total)
                candidate = DeadlineCandidate(r.id, r.person_id, r.final_date)
                if r.finished:
                    found.finished.append(candidate)
                elif len(found.pending) < limit:
                    found.pending.append(candidate)
                else:
                    break
        finally:
            result.close()
        found.pending_total = total - len(found.finished)
        return found

    def deadline_lines(self, measure_ids: Sequence[int]) -> dict[int, DeadlineLine]:
        """What the lines of these measures show (whom they concern), by measure id."""
        mm = m.MeasureRow
        found: dict[int, DeadlineLine] = {}
        source = _referent_of(join(mm, _P, _P.id == mm.person_id))
        for chunk in _chunks(list(measure_ids)):
            stmt = (
                select(*_PERSON_COLUMNS, mm.id, mm.measure_type, mm.final_date)
                .select_from(source)
                .where(mm.id.in_(chunk))
            )
            for r in self.session.execute(stmt):
                found[r.id] = DeadlineLine(_person_ref(r), r.id, r.measure_type, r.final_date)
        return found

    def stage_enrolments(self, person_ids: Sequence[int]) -> list[StageEnrolment]:
        """The enrolments of these people in stages (kind *stage*, not programmes).

        Read by person, then their stages by id: a join would let the planner walk
        every stage of the catalogue's kind to probe each person.
        """
        e, st = m.EnrolmentRow, m.StageRow
        rows: list[Any] = []
        for chunk in _chunks(list(dict.fromkeys(person_ids))):
            rows.extend(
                self.session.execute(
                    select(
                        e.id,
                        e.version,
                        e.stage_id,
                        e.person_id,
                        e.cadre,
                        e.final_date,
                        e.enrolled_on,
                        e.end_kind,
                        e.end_day,
                    ).where(e.person_id.in_(chunk))
                )
            )
        stages: dict[int, Any] = {}
        for chunk in _chunks(list({r.stage_id for r in rows})):
            stmt = (
                select(st.id, st.first_day, st.last_day)
                .join(m.StageTypeRow, m.StageTypeRow.id == st.type_id)
                .where(st.id.in_(chunk), m.StageTypeRow.kind == ActionKind.STAGE)
            )
            stages.update((r.id, r) for r in self.session.execute(stmt))
        return [
            _stage_enrolment(r, stages[r.stage_id].first_day, stages[r.stage_id].last_day)
            for r in rows
            if r.stage_id in stages
        ]

    def stages(self, stage_ids: Sequence[int]) -> dict[int, Stage]:
        """Stages with their sessions, as :func:`~spip_desktop.domain.stages.progress`
        needs them (the catalogue entry is reduced to its name and kind)."""
        ss = m.StageSessionRow
        sessions: dict[int, list[StageSession]] = {}
        stage_rows: list[Any] = []
        for chunk in _chunks(list(dict.fromkeys(stage_ids))):
            stage_rows.extend(
                self.session.execute(
                    select(
                        m.StageRow.id,
                        m.StageRow.version,
                        m.StageRow.type_id,
                        m.StageRow.required_minutes,
                        m.StageTypeRow.name,
                        m.StageTypeRow.kind,
                    )
                    .join(m.StageTypeRow, m.StageTypeRow.id == m.StageRow.type_id)
                    .where(m.StageRow.id.in_(chunk))
                )
            )
            for r in self.session.execute(
                select(ss.id, ss.stage_id, ss.day, ss.start_time, ss.end_time).where(
                    ss.stage_id.in_(chunk)
                )
            ):
                sessions.setdefault(r.stage_id, []).append(
                    StageSession(r.id, r.stage_id, r.day, r.start_time, r.end_time)
                )
        return {
            r.id: Stage(
                id=r.id,
                version=r.version,
                draft=StageDraft(type_id=r.type_id, required_minutes=r.required_minutes),
                stage_type=StageType(r.type_id, 0, StageTypeDraft(r.name, r.kind)),
                sessions=tuple(
                    sorted(sessions.get(r.id, []), key=lambda s: (s.day, s.start, s.id))
                ),
            )
            for r in stage_rows
        }

    def current_records(self, enrolment_ids: Sequence[int]) -> list[AttendanceRecord]:
        """The attendance records of these enrolments nobody superseded."""
        a = m.AttendanceRow
        later = aliased(m.AttendanceRow)
        found: list[AttendanceRecord] = []
        for chunk in _chunks(list(dict.fromkeys(enrolment_ids))):
            stmt = select(
                a.id, a.enrolment_id, a.session_id, a.code, a.recorded_at, a.supersedes_id
            ).where(a.enrolment_id.in_(chunk), ~exists().where(later.supersedes_id == a.id))
            found.extend(
                AttendanceRecord(
                    r.id,
                    r.enrolment_id,
                    r.session_id,
                    r.code,
                    "",
                    "",
                    r.recorded_at,
                    r.supersedes_id,
                )
                for r in self.session.execute(stmt)
            )
        return found

    # -- measures -----------------------------------------------------------------------
    def measure_ends(
        self, scope: TodoScope, first: date, last: date, limit: int
    ) -> tuple[list[MeasureEndLine], int]:
        """Measures whose end (the later of end of sentence and end of probation) falls
        from ``first`` to ``last``, of people still followed."""
        mm = m.MeasureRow
        end = later_end(mm)
        where = [
            # each branch runs on its own index; the later end then decides
            or_(mm.sentence_end.between(first, last), mm.probation_end.between(first, last)),
            end >= first,
            end <= last,
            mm.cancelled_on.is_(None),
            _open_file(),
            *_person_scope(scope, narrow=True),
        ]
        source = join(mm, _P, _P.id == mm.person_id)
        stmt = select(
            *_PERSON_COLUMNS, mm.id, mm.measure_type, mm.sentence_end, mm.probation_end
        ).select_from(_referent_of(source))
        rows, total = self._page(stmt, source, where, (end, mm.id), limit)
        return [
            MeasureEndLine(_person_ref(r), r.id, r.measure_type, r.sentence_end, r.probation_end)
            for r in rows
        ], total

    def newly_sas_eligible(
        self, scope: TodoScope, today: date, new_from: date, before: date, limit: int
    ) -> tuple[list[SasLine], int]:
        """Detainees whose end of sentence falls in [``new_from``, ``before``) (after
        ``today``), not in a SAS already."""
        est = m.EstablishmentRow
        where = [
            _P.regime == Regime.MILIEU_FERME,
            _P.sentence_end >= new_from,
            _P.sentence_end < before,
            _P.sentence_end > today,
            _open_file(),
            or_(_P.establishment_id.is_(None), est.kind != EstablishmentKind.SAS),
            *_person_scope(scope, narrow=True),
        ]
        source = outerjoin(_P, est, est.id == _P.establishment_id)
        stmt = select(*_PERSON_COLUMNS, _P.sentence_end, est.name.label("establishment"))
        stmt = stmt.select_from(_referent_of(source))
        rows, total = self._page(stmt, source, where, (_P.sentence_end, _P.id), limit)
        return [SasLine(_person_ref(r), r.sentence_end, r.establishment or "") for r in rows], total

    # -- conventions --------------------------------------------------------------------
    def expiring_conventions(
        self, scope: TodoScope, today: date, until: date, limit: int
    ) -> tuple[list[ConventionLine], int]:
        """Signed conventions of active partners expiring from ``today`` to ``until``."""
        c, pa, served = m.ConventionRow, m.PartnerRow, m.PartnerAntenneRow
        referent = aliased(m.AgentRow, name="partner_referent")
        where: list[ColumnElement[bool]] = [
            c.status == ConventionStatus.SIGNED,
            c.expires_on >= today,
            c.expires_on <= until,
            pa.active == true(),
        ]
        if scope.kind is ScopeKind.MINE:
            where.append(pa.referent_id == scope.agent_id)
        elif scope.kind is ScopeKind.ANTENNE:
            # partners serving the antenne, or the whole service (no antenne listed)
            where.append(
                or_(
                    exists().where(
                        served.partner_id == pa.id, served.antenne_id == scope.antenne_id
                    ),
                    ~exists().where(served.partner_id == pa.id),
                )
            )
        source = join(c, pa, pa.id == c.partner_id)
        stmt = select(
            c.id,
            c.partner_id,
            pa.name.label("partner_name"),
            c.title,
            c.expires_on,
            referent.given_name,
            referent.surname,
        ).select_from(source.outerjoin(referent, referent.id == pa.referent_id))
        rows, total = self._page(stmt, source, where, (c.expires_on, c.id), limit)
        return [
            ConventionLine(
                r.id,
                r.partner_id,
                r.partner_name,
                r.title,
                r.expires_on,
                _agent_name(r.given_name, r.surname),
            )
            for r in rows
        ], total


def _counts_for(measure: Any) -> ColumnElement[bool]:
    """An enrolment counts for a measure unless it served an earlier conviction."""
    e = m.EnrolmentRow
    return or_(e.final_date.is_(None), e.final_date >= measure.final_date)


def counts_for(enrolment_final: date | None, measure_final: date) -> bool:
    """:func:`_counts_for` in Python, for the enrolments read back."""
    return enrolment_final is None or enrolment_final >= measure_final


def _stage_enrolment(r: Any, first_day: date | None, last_day: date | None) -> StageEnrolment:
    end = EnrolmentEnd(r.end_kind, r.end_day, "") if r.end_kind and r.end_day else None
    enrolment = Enrolment(
        id=r.id,
        version=r.version,
        stage_id=r.stage_id,
        person=PersonSummary(r.person_id, "", ""),
        cadre=r.cadre,
        decision_reference="",
        final_date=r.final_date,
        enrolled_on=r.enrolled_on,
        end=end,
    )
    return StageEnrolment(enrolment, first_day, last_day)


def _chunks(values: list[int], size: int = 500) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
