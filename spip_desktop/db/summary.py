"""The monthly summary's queries: one aggregate statement per group of indicators.

Each method applies the rules of :mod:`spip_desktop.domain.summary` in SQL and
returns raw counts; the service assembles them into figures. The drill-down lists
(:meth:`SummaryRepository.members`) select the items with the *same* conditions as
the counts (each indicator's ``_where`` is shared), so a list always holds what its
number counts.

Stocks are taken on ``period.last`` (the month's last day, or today in the current
month); flows count what fell from ``period.first`` to ``period.last``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from ..domain.dates import format_date
from ..domain.enums import EstablishmentKind, LabelledEnum, MeasureType, Regime
from ..domain.errors import SpipError
from ..domain.followup_terms import (
    CLOSED_STATUSES,
    ConventionStatus,
    EntryKind,
    Outcome,
    RightsDomain,
    StepKind,
    StepStatus,
)
from ..domain.rights import catalogue_item, kinds_of
from ..domain.stage_terms import AttendanceCode, EnrolmentStatus, format_time
from ..domain.stages import progress
from ..domain.summary import (
    ATTESTATION_LABELS,
    CLOSED_LABELS,
    DRILL_LIMIT,
    ENROLMENT_END_LABELS,
    NO_OUTCOME,
    NO_REFERENT,
    DrillKind,
    DrillList,
    DrillRow,
    Figure,
    Indicator,
    Period,
    ScopeKind,
    SummaryScope,
    domain_label,
    expiry_window,
    figure_title,
    public_domain,
    sas_limit,
)
from ..domain.timeline import FileTab
from . import models as m
from .todo import (
    StageEnrolment,
    TodoRepository,
    _agent_name,
    _person_name,
    _stage_enrolment,
)

_P = m.PersonRow
_M = m.MeasureRow
AnySelect = Select[*tuple[Any, ...]]
_E = TypeVar("_E", bound=LabelledEnum)


def _member(kind: type[_E], value: str) -> _E:
    """The member of ``kind`` whose value is ``value`` (a breakdown key's second part)."""
    try:
        return cast(_E, kind._value2member_map_[value])
    except KeyError:
        raise SpipError(f"« {value} » ne désigne aucune ligne de ce chiffre.") from None


#: Statuses a step can be counted as reaching in the month.
CLOSING_STATUSES = (StepStatus.OBTAINED, StepStatus.REFUSED, StepStatus.ABANDONED)
APPOINTMENT_KINDS = tuple(k for k in EntryKind if k.is_appointment)


def people_of(person_id: Any, scope: SummaryScope) -> list[ColumnElement[bool]]:
    """Rows whose ``person_id`` is one of the scope's people (nothing for the service:
    no person is read)."""
    if scope.kind is ScopeKind.SERVICE:
        return []
    return [person_id.in_(select(_P.id).where(*person_scope(scope)).correlate(None))]


def person_scope(scope: SummaryScope, person: Any = _P) -> list[ColumnElement[bool]]:
    """People belong to a scope by their file's current antenne and referent."""
    if scope.kind is ScopeKind.ANTENNE:
        return [person.antenne_id == scope.target_id]
    if scope.kind is ScopeKind.REFERENT:
        return [person.referent_id == scope.target_id]
    return []


def measure_start(measure: Any = _M) -> ColumnElement[Any]:
    """:func:`~spip_desktop.domain.summary.measure_start` in SQL."""
    return func.coalesce(
        measure.referral_date, measure.probation_start, measure.final_date, measure.decision_date
    )


def measure_end(measure: Any = _M) -> ColumnElement[Any]:
    """A measure's own end: end of sentence, else of probation."""
    return func.coalesce(measure.sentence_end, measure.probation_end)


def measure_finish(end: Any = None) -> ColumnElement[Any]:
    """:func:`~spip_desktop.domain.summary.measure_finish` in SQL: the measure's ``end``,
    or its person's closing day when it comes first."""
    end = measure_end() if end is None else end
    return case(
        (and_(_P.closed_on.is_not(None), or_(end.is_(None), _P.closed_on < end)), _P.closed_on),
        else_=end,
    )


def active_on(day: date, start: Any = None, end: Any = None) -> ColumnElement[bool]:
    """:func:`~spip_desktop.domain.summary.measure_active_on` in SQL, on a measure's
    ``start`` and ``end`` (its columns by default; cancelled measures are left out by every
    query's ``WHERE``), its person joined."""
    start = measure_start() if start is None else start
    end = measure_end() if end is None else end
    return and_(
        start <= day,
        or_(end.is_(None), end >= day),
        or_(_P.closed_on.is_(None), _P.closed_on >= day),
    )


@dataclass(frozen=True)
class MeasureTypeCounts:
    """By measure type: people followed on the first / last day, measures started / ended."""

    first: dict[MeasureType, int]
    last: dict[MeasureType, int]
    started: dict[MeasureType, int]
    ended: dict[MeasureType, int]


@dataclass(frozen=True)
class PersonCounts:
    """People followed (section 1, but for the measure types).

    (regime, referent id) -> people, first / last day."""

    by_group_first: dict[tuple[Regime, int | None], int]
    by_group_last: dict[tuple[Regime, int | None], int]
    sas_eligible: int
    sas_placed: int


@dataclass(frozen=True)
class StageCounts:
    """Sessions, attendance and enrolment ends (section 2)."""

    sessions: dict[int, int]  # stage type id -> sessions
    attendance: dict[AttendanceCode, int]
    participants: int
    ends: dict[EnrolmentStatus, int]
    originals: int
    duplicates: int


@dataclass(frozen=True)
class RightsCounts:
    opened: dict[StepKind, int]
    closed: dict[StepStatus, int]
    closed_total: int
    open_last: int
    overdue_last: int
    obtained_days: list[int]


class SummaryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- section 1: people and measures ------------------------------------------------------
    def _followed(self, period: Period, scope: SummaryScope) -> tuple[Any, Any]:
        """The measures of the month with their start and end, joined to their person:
        (the source, its columns). Read from two covering indexes (``ix_measure_follow``
        then ``ix_person_summary``), person by person."""
        measures = (
            select(
                _M.person_id.label("person_id"),
                _M.measure_type.label("measure_type"),
                _M.sentence_end.label("sentence_end"),
                measure_start().label("start"),
                measure_end().label("end"),
            )
            .where(_M.cancelled_on.is_(None))
            .subquery("followed")
        )
        return measures.join(_P, _P.id == measures.c.person_id), measures.c

    def measure_type_counts(self, period: Period, scope: SummaryScope) -> MeasureTypeCounts:
        """By measure type: people followed on the first and on the last day (a person
        once per type), measures started and ended. Grouped by person and type first, in
        the index's order, then by type: no ``COUNT(DISTINCT)``."""
        first, last = period.first, period.last
        source, c = self._followed(period, scope)
        finish = measure_finish(c.end)
        per_type = (
            select(
                c.measure_type.label("kind"),
                func.max(case((active_on(first, c.start, c.end), 1), else_=0)).label("on_first"),
                func.max(case((active_on(last, c.start, c.end), 1), else_=0)).label("on_last"),
                func.sum(case((c.start.between(first, last), 1), else_=0)).label("started"),
                func.sum(case((finish.between(first, last), 1), else_=0)).label("ended"),
            )
            .select_from(source)
            .where(
                c.start.is_not(None),  # a measure without any start date is not counted
                or_(
                    and_(c.start <= last, or_(finish.is_(None), finish >= first)),
                    c.start.between(first, last),
                    finish.between(first, last),
                ),
                *person_scope(scope),
            )
            .group_by(c.person_id, c.measure_type)
            .subquery()
        )
        found: tuple[dict[MeasureType, int], ...] = ({}, {}, {}, {})
        for kind, *counts in self.session.execute(
            select(
                per_type.c.kind,
                func.sum(per_type.c.on_first),
                func.sum(per_type.c.on_last),
                func.sum(per_type.c.started),
                func.sum(per_type.c.ended),
            ).group_by(per_type.c.kind)
        ):
            for table, value in zip(found, counts, strict=True):
                table[kind] = int(value or 0)
        return MeasureTypeCounts(*found)

    def person_counts(self, period: Period, scope: SummaryScope) -> PersonCounts:
        """People followed on the first and last day by regime and referent, and the
        SAS-eligible ones: grouped by person (in the index's order), then by referent
        (the regime as conditional sums: a sort of a few thousand rows, not of everyone)."""
        first, last = period.first, period.last
        source, c = self._followed(period, scope)
        finish = measure_finish(c.end)
        per_person = (
            select(
                # one person per group: their regime and referent are each one value
                func.max(_P.regime).label("regime"),
                func.max(_P.referent_id).label("referent_id"),
                func.max(case((active_on(first, c.start, c.end), 1), else_=0)).label("on_first"),
                func.max(case((active_on(last, c.start, c.end), 1), else_=0)).label("on_last"),
                # the latest end of sentence among the measures active on the last day
                func.max(case((active_on(last, c.start, c.end), c.sentence_end))).label("latest"),
            )
            .select_from(source)
            .where(c.start <= last, or_(finish.is_(None), finish >= first), *person_scope(scope))
            .group_by(c.person_id)
            .subquery()
        )
        x = per_person.c
        eligible = and_(
            x.regime == Regime.MILIEU_FERME,
            x.on_last == 1,
            x.latest > last,
            x.latest < sas_limit(last),
        )

        def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
            return func.sum(case((condition, 1), else_=0))

        regimes = list(Regime)
        columns = [count(and_(x.regime == r, x.on_first == 1)) for r in regimes] + [
            count(and_(x.regime == r, x.on_last == 1)) for r in regimes
        ]
        group_first: dict[tuple[Regime, int | None], int] = {}
        group_last: dict[tuple[Regime, int | None], int] = {}
        sas_eligible = 0
        for referent, n_sas, *counts in self.session.execute(
            select(x.referent_id, count(eligible), *columns).group_by(x.referent_id)
        ):
            sas_eligible += int(n_sas or 0)
            for i, regime in enumerate(regimes):
                group_first[(regime, referent)] = int(counts[i] or 0)
                group_last[(regime, referent)] = int(counts[len(regimes) + i] or 0)
        return PersonCounts(
            group_first,
            group_last,
            sas_eligible,
            self._count(self._sas_placed(period, scope)),
        )

    def _sas_eligible(self, period: Period, scope: SummaryScope) -> AnySelect:
        """People in milieu fermé whose latest end of sentence among their measures active
        on the last day is after it and before it plus two years."""
        last = period.last
        latest = (
            select(_M.person_id.label("person_id"), func.max(_M.sentence_end).label("latest"))
            .select_from(_M.__table__.join(_P.__table__, _P.id == _M.person_id))
            .where(
                _P.regime == Regime.MILIEU_FERME,
                _M.cancelled_on.is_(None),
                active_on(last),
                *person_scope(scope),
            )
            .group_by(_M.person_id)
            .subquery()
        )
        return select(latest.c.person_id).where(
            latest.c.latest > last, latest.c.latest < sas_limit(last)
        )

    def _sas_placed(self, period: Period, scope: SummaryScope) -> AnySelect:
        e = m.EstablishmentRow
        return (
            select(_P.id)
            .join(e, e.id == _P.establishment_id)
            .where(
                e.kind == EstablishmentKind.SAS,
                _P.establishment_since.between(period.first, period.last),
                *person_scope(scope),
            )
        )

    def _count(self, stmt: AnySelect) -> int:
        return int(self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)

    # -- section 2: stages -------------------------------------------------------------------
    def _sessions(self, period: Period, scope: SummaryScope) -> list[ColumnElement[bool]]:
        ss, st = m.StageSessionRow, m.StageRow
        where: list[ColumnElement[bool]] = [ss.day.between(period.first, period.last)]
        if scope.kind is not ScopeKind.SERVICE:
            e = m.EnrolmentRow
            where.append(exists().where(e.stage_id == st.id, *people_of(e.person_id, scope)))
        return where

    def _current_attendance(self, period: Period, scope: SummaryScope) -> AnySelect:
        a, ss, e = m.AttendanceRow, m.StageSessionRow, m.EnrolmentRow
        later = aliased(m.AttendanceRow)
        return (
            select(a.id, a.code, e.person_id, a.session_id, a.enrolment_id)
            .join(ss, ss.id == a.session_id)
            .join(e, e.id == a.enrolment_id)
            .where(
                ss.day.between(period.first, period.last),
                ~exists().where(later.supersedes_id == a.id),
                *people_of(e.person_id, scope),
            )
        )

    def stage_counts(self, period: Period, scope: SummaryScope, now: datetime) -> StageCounts:
        ss, st = m.StageSessionRow, m.StageRow
        sessions = dict(
            self.session.execute(
                select(st.type_id, func.count(ss.id))
                .join(st, st.id == ss.stage_id)
                .where(*self._sessions(period, scope))
                .group_by(st.type_id)
            ).all()
        )
        current = self._current_attendance(period, scope).subquery()
        attendance = {
            code: int(n)
            for code, n in self.session.execute(
                select(current.c.code, func.count()).group_by(current.c.code)
            )
        }
        participants = int(
            self.session.scalar(
                select(func.count(distinct(current.c.person_id))).where(
                    current.c.code.in_((AttendanceCode.PRESENT, AttendanceCode.LATE))
                )
            )
            or 0
        )
        ends: dict[EnrolmentStatus, int] = {}
        for status, _ in self.enrolment_ends(period, scope, now):
            ends[status] = ends.get(status, 0) + 1
        return StageCounts(
            {int(k): int(v) for k, v in sessions.items()},
            attendance,
            participants,
            ends,
            self._count(self._originals(period, scope)),
            self._count(self._duplicates(period, scope)),
        )

    def enrolment_ends(
        self, period: Period, scope: SummaryScope, now: datetime
    ) -> list[tuple[EnrolmentStatus, StageEnrolment]]:
        """Enrolments validated in the period (their stage's last session in it, status
        *validé* by :func:`~spip_desktop.domain.stages.progress`), abandoned or excluded
        (their end in it and that status)."""
        e, st = m.EnrolmentRow, m.StageRow
        rows = self.session.execute(
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
                st.first_day,
                st.last_day,
            )
            .join(st, st.id == e.stage_id)
            .where(
                or_(
                    st.last_day.between(period.first, period.last),
                    e.end_day.between(period.first, period.last),
                ),
                *people_of(e.person_id, scope),
            )
        ).all()
        if not rows:
            return []
        found = [_stage_enrolment(r, r.first_day, r.last_day) for r in rows]
        todo = TodoRepository(self.session)
        stages = todo.stages([f.enrolment.stage_id for f in found])
        records: dict[int, list[Any]] = {}
        for record in todo.current_records([f.enrolment.id for f in found]):
            records.setdefault(record.enrolment_id, []).append(record)
        result: list[tuple[EnrolmentStatus, StageEnrolment]] = []
        for f in found:
            status = progress(
                f.enrolment, stages[f.enrolment.stage_id], records.get(f.enrolment.id, ()), now
            ).status
            end = f.enrolment.end
            if status is EnrolmentStatus.VALIDE:
                if f.last_day is not None and period.first <= f.last_day <= period.last:
                    result.append((status, f))
            elif (
                status in (EnrolmentStatus.ABANDON, EnrolmentStatus.EXCLU)
                and end is not None
                and period.first <= end.day <= period.last
            ):
                result.append((status, f))
        return result

    def _originals(self, period: Period, scope: SummaryScope) -> AnySelect:
        at, e = m.AttestationRow, m.EnrolmentRow
        return (
            select(at.id, e.person_id, at.issued_at.label("at"), at.number)
            .join(e, e.id == at.enrolment_id)
            .where(
                at.issued_at >= period.start,
                at.issued_at < period.end,
                *people_of(e.person_id, scope),
            )
        )

    def _duplicates(self, period: Period, scope: SummaryScope) -> AnySelect:
        c, at, e = m.AttestationCopyRow, m.AttestationRow, m.EnrolmentRow
        return (
            select(c.id, e.person_id, c.printed_at.label("at"), at.number)
            .join(at, at.id == c.attestation_id)
            .join(e, e.id == at.enrolment_id)
            .where(
                c.printed_at >= period.start,
                c.printed_at < period.end,
                *people_of(e.person_id, scope),
            )
        )

    # -- section 3: rights -------------------------------------------------------------------
    def _opened(self, period: Period, scope: SummaryScope) -> list[ColumnElement[bool]]:
        s = m.RightsStepRow
        return [s.opened_on.between(period.first, period.last), *people_of(s.person_id, scope)]

    def _reached(
        self,
        period: Period,
        scope: SummaryScope,
        statuses: Sequence[StepStatus],
        s: Any = m.RightsStepRow,
    ) -> list[ColumnElement[bool]]:
        """History rows (joined to their step ``s``) that moved a step to one of
        ``statuses`` during the period; a note (a row repeating the status) moves nothing."""
        u = m.RightsStepUpdateRow
        return [
            u.status.in_(statuses),
            u.at >= period.start,
            u.at < period.end,
            or_(u.previous.is_(None), u.previous != u.status),
            *people_of(s.person_id, scope),
        ]

    def _open_unchanged(self, period: Period, scope: SummaryScope) -> list[ColumnElement[bool]]:
        """Steps open today whose status has not changed since the end of the last day:
        open then as now."""
        s = m.RightsStepRow
        return [
            s.closed.is_(False),
            s.opened_on <= period.last,
            s.status_at < period.end,
            *people_of(s.person_id, scope),
        ]

    def _open_changed(self, period: Period, scope: SummaryScope) -> list[ColumnElement[bool]]:
        """Steps whose status changed after the last day and that were open at its end:
        the status of their latest history row by then (the last written among rows of
        the same time) is not a closed one; a step recorded later with an earlier
        opening date had no status yet: it was to be started.

        ``ix_rights_step_update_step_at`` (step, time, id, status) answers each step from
        the index alone, in the order asked."""
        s, u = m.RightsStepRow, m.RightsStepUpdateRow
        then = (
            select(u.status)
            .where(u.step_id == s.id, u.at < period.end)
            .order_by(u.at.desc(), u.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        return [
            s.status_at >= period.end,
            s.opened_on <= period.last,
            func.coalesce(then, literal(StepStatus.TO_START.value)).not_in(
                [st.value for st in CLOSED_STATUSES]
            ),
            *people_of(s.person_id, scope),
        ]

    def open_steps(self, period: Period, scope: SummaryScope) -> CompoundSelect[Any]:
        """The ids of the steps open at the end of the last day (for the lists)."""
        s = m.RightsStepRow
        return (
            select(s.id)
            .where(*self._open_unchanged(period, scope))
            .union_all(select(s.id).where(*self._open_changed(period, scope)))
        )

    def rights_counts(self, period: Period, scope: SummaryScope) -> RightsCounts:
        s, u = m.RightsStepRow, m.RightsStepUpdateRow
        opened = {
            kind: int(n)
            for kind, n in self.session.execute(
                select(s.kind, func.count()).where(*self._opened(period, scope)).group_by(s.kind)
            )
        }
        st = StepStatus
        # rows only (the index holds status, time, previous and step): a step once per
        # status reached and once in the total
        reached = u.__table__
        if scope.kind is not ScopeKind.SERVICE:
            reached = reached.join(s.__table__, s.id == u.step_id)
        per_step = (
            select(
                func.max(case((u.status == st.OBTAINED, 1), else_=0)).label("obtained"),
                func.max(case((u.status == st.REFUSED, 1), else_=0)).label("refused"),
                func.max(case((u.status == st.ABANDONED, 1), else_=0)).label("abandoned"),
            )
            .select_from(reached)
            .where(*self._reached(period, scope, CLOSING_STATUSES))
            .group_by(u.step_id)
            .subquery()
        )
        closed_total, obtained, refused, abandoned = self.session.execute(
            select(
                func.count(),
                func.sum(per_step.c.obtained),
                func.sum(per_step.c.refused),
                func.sum(per_step.c.abandoned),
            )
        ).one()
        closed = {
            st.OBTAINED: int(obtained or 0),
            st.REFUSED: int(refused or 0),
            st.ABANDONED: int(abandoned or 0),
        }
        delays = self.session.execute(
            select(s.opened_on, func.min(u.at))
            .select_from(u.__table__.join(s.__table__, s.id == u.step_id))
            .where(*self._reached(period, scope, (st.OBTAINED,)))
            .group_by(u.step_id, s.opened_on)
        ).all()
        days = [(at.date() - opened_on).days for opened_on, at in delays]
        overdue = case((s.follow_up_on < period.last, 1), else_=0)
        open_now, late_now = self.session.execute(
            select(func.count(), func.sum(overdue)).where(*self._open_unchanged(period, scope))
        ).one()
        open_then, late_then = self.session.execute(
            select(func.count(), func.sum(overdue)).where(*self._open_changed(period, scope))
        ).one()
        return RightsCounts(
            opened,
            closed,
            int(closed_total or 0),
            int(open_now or 0) + int(open_then or 0),
            int(late_now or 0) + int(late_then or 0),
            days,
        )

    # -- section 4: appointments ---------------------------------------------------------------
    def _appointments(self, period: Period, scope: SummaryScope) -> list[ColumnElement[bool]]:
        j = m.JournalEntryRow
        return [
            j.kind.in_(APPOINTMENT_KINDS),
            j.day.between(period.first, period.last),
            *people_of(j.person_id, scope),
        ]

    def appointment_counts(self, period: Period, scope: SummaryScope) -> dict[Outcome | None, int]:
        j = m.JournalEntryRow
        return {
            outcome: int(n)
            for outcome, n in self.session.execute(
                select(j.outcome, func.count())
                .where(*self._appointments(period, scope))
                .group_by(j.outcome)
            )
        }

    # -- section 5: conventions ----------------------------------------------------------------
    def _convention_scope(self, scope: SummaryScope) -> list[ColumnElement[bool]]:
        c, pa = m.ConventionRow, m.PartnerAntenneRow
        if scope.kind is ScopeKind.ANTENNE:
            served = exists().where(pa.partner_id == c.partner_id, pa.antenne_id == scope.target_id)
            serves_all = ~exists().where(pa.partner_id == c.partner_id)
            return [or_(served, serves_all)]
        if scope.kind is ScopeKind.REFERENT:
            p = aliased(m.PartnerRow, name="convention_partner")
            return [exists().where(p.id == c.partner_id, p.referent_id == scope.target_id)]
        return []

    def _conventions_active(self, period: Period, scope: SummaryScope) -> list[ColumnElement[bool]]:
        c = m.ConventionRow
        day = period.last
        return [
            c.status == ConventionStatus.SIGNED,
            or_(c.signed_on.is_(None), c.signed_on <= day),
            or_(c.expires_on.is_(None), c.expires_on >= day),
            *self._convention_scope(scope),
        ]

    def _conventions_expiring(
        self, window: tuple[date, date], scope: SummaryScope
    ) -> list[ColumnElement[bool]]:
        c = m.ConventionRow
        return [
            c.status == ConventionStatus.SIGNED,
            c.expires_on.between(*window),
            *self._convention_scope(scope),
        ]

    def convention_counts(
        self, period: Period, window: tuple[date, date], scope: SummaryScope
    ) -> tuple[int, int]:
        c = m.ConventionRow
        active = self.session.scalar(
            select(func.count(c.id)).where(*self._conventions_active(period, scope))
        )
        expiring = self.session.scalar(
            select(func.count(c.id)).where(*self._conventions_expiring(window, scope))
        )
        return int(active or 0), int(expiring or 0)

    # -- names ---------------------------------------------------------------------------------
    def stage_type_names(self, ids: Iterable[int]) -> dict[int, str]:
        t = m.StageTypeRow
        wanted = list(ids)
        if not wanted:
            return {}
        rows = self.session.execute(select(t.id, t.name).where(t.id.in_(wanted)))
        return {int(i): str(n) for i, n in rows}

    def agent_names(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """``{agent id: (« Prénom NOM », sort key)}`` of these agents (a caseload's lines)."""
        a = m.AgentRow
        found: dict[int, tuple[str, str]] = {}
        wanted = sorted(ids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for agent_id, given, surname, key in self.session.execute(
                select(a.id, a.given_name, a.surname, a.sort_key).where(a.id.in_(chunk))
            ):
                found[int(agent_id)] = (f"{given} {surname.upper()}".strip(), key)
        return found

    # -- the register --------------------------------------------------------------------------
    def record(self, **values: Any) -> int:
        row = m.SummaryExportRow(**values)
        self.session.add(row)
        self.session.flush()
        return int(row.id)

    def register(self) -> list[Any]:
        r = m.SummaryExportRow
        return list(self.session.scalars(select(r).order_by(r.generated_at.desc(), r.id.desc())))

    def register_entry(self, entry_id: int) -> Any:
        return self.session.get(m.SummaryExportRow, entry_id)

    # -- drill-down ----------------------------------------------------------------------------
    def _line_label(self, kind: str, value: str) -> str:
        """The label of a breakdown line (``kind:value``), as the summary prints it."""
        if not kind:
            return ""
        labelled: dict[str, Callable[[], str]] = {
            "regime": lambda: _member(Regime, value).label,
            "type": lambda: _member(MeasureType, value).label,
            "agent": lambda: (
                self.agent_names([int(value)]).get(int(value), ("?", ""))[0]
                if value
                else NO_REFERENT
            ),
            "stage_type": lambda: self.stage_type_names([int(value)]).get(int(value), value),
            "code": lambda: _member(AttendanceCode, value).label,
            "end": lambda: ENROLMENT_END_LABELS.get(value, value),
            "kind": lambda: ATTESTATION_LABELS.get(value, value),
            "domain": lambda: domain_label(_member(RightsDomain, value)),
            "status": lambda: CLOSED_LABELS.get(_member(StepStatus, value), value),
            "outcome": lambda: _member(Outcome, value).label if value else NO_OUTCOME,
        }
        try:
            return labelled[kind]()
        except (KeyError, ValueError):
            raise SpipError(f"« {kind}:{value} » ne désigne aucune ligne de ce chiffre.") from None

    def members(
        self,
        period: Period,
        scope: SummaryScope,
        indicator: Indicator,
        key: str,
        now: datetime,
        limit: int = DRILL_LIMIT,
    ) -> DrillList:
        """The items one figure counts, with the same conditions as its count."""
        kind, _, value = key.partition(":")
        title = figure_title(Figure(indicator, key, self._line_label(kind, value), None))
        I = Indicator  # noqa: E741
        if indicator is I.ENROLMENT_ENDS:
            return self._enrolment_members(period, scope, value, now, title, limit)
        stmt, columns, make = self._member_query(period, scope, indicator, kind, value)
        total = self._count(stmt)
        rows = tuple(make(r) for r in self.session.execute(stmt.limit(limit)))
        return DrillList(title, columns, rows, total)

    def _member_query(
        self, period: Period, scope: SummaryScope, indicator: Indicator, kind: str, value: str
    ) -> tuple[AnySelect, tuple[str, ...], Any]:
        I = Indicator  # noqa: E741
        drill = indicator.drill
        columns: tuple[str, ...]
        if drill is DrillKind.PERSONS:
            return self._person_members(period, scope, indicator, kind, value)
        if drill is DrillKind.MEASURES:
            start, finish = measure_start(), measure_finish()
            where = [_M.cancelled_on.is_(None), start.is_not(None), *person_scope(scope)]
            on = start if indicator is I.MEASURES_STARTED else finish
            where.append(on.between(period.first, period.last))
            if kind == "type":
                where.append(_M.measure_type == _member(MeasureType, value))
            stmt = (
                select(
                    *_PERSON_COLUMNS,
                    _M.id.label("measure_id"),
                    _M.measure_type,
                    start.label("start"),
                    finish.label("finish"),
                )
                .select_from(_referent_of(_M.__table__.join(_P.__table__, _P.id == _M.person_id)))
                .where(*where)
                .order_by(on, _P.sort_key, _M.id)
            )
            columns = ("N° de dossier", "Nom", "Mesure", "Début", "Fin")
            return (
                stmt,
                columns,
                lambda r: DrillRow(
                    (
                        r.file_number,
                        _person_name(r.surname, r.given_names),
                        r.measure_type.label,
                        format_date(r.start),
                        format_date(r.finish),
                    ),
                    r.person_id,
                    FileTab.MEASURES,
                    r.measure_id,
                ),
            )
        if drill is DrillKind.SESSIONS:
            ss, st, t = m.StageSessionRow, m.StageRow, m.StageTypeRow
            where = self._sessions(period, scope)
            if kind == "stage_type":
                where.append(st.type_id == int(value))
            stmt = (
                select(ss.id, ss.stage_id, ss.day, ss.start_time, ss.end_time, st.title, t.name)
                .join(st, st.id == ss.stage_id)
                .join(t, t.id == st.type_id)
                .where(*where)
                .order_by(ss.day, ss.start_time, ss.id)
            )
            columns = ("Date", "Horaire", "Stage", "Type de stage")
            return (
                stmt,
                columns,
                lambda r: DrillRow(
                    (
                        format_date(r.day),
                        f"{format_time(r.start_time)} – {format_time(r.end_time)}",
                        r.title or r.name,
                        r.name,
                    ),
                    stage_id=r.stage_id,
                    session_id=r.id,
                ),
            )
        if drill is DrillKind.ATTENDANCE:
            a, ss, e, st = m.AttendanceRow, m.StageSessionRow, m.EnrolmentRow, m.StageRow
            later = aliased(m.AttendanceRow)
            where = [
                ss.day.between(period.first, period.last),
                ~exists().where(later.supersedes_id == a.id),
                *person_scope(scope),
            ]
            if kind == "code":
                where.append(a.code == _member(AttendanceCode, value))
            stmt = (
                select(
                    *_PERSON_COLUMNS,
                    a.code,
                    ss.day,
                    ss.id.label("session_id"),
                    st.id.label("stage_id"),
                    st.title,
                )
                .select_from(
                    a.__table__.join(ss.__table__, ss.id == a.session_id)
                    .join(e.__table__, e.id == a.enrolment_id)
                    .join(st.__table__, st.id == ss.stage_id)
                    .join(_P.__table__, _P.id == e.person_id)
                    .outerjoin(_REFERENT_TABLE, _REFERENT_TABLE.c.id == _P.referent_id)
                )
                .where(*where)
                .order_by(ss.day, _P.sort_key, a.id)
            )
            columns = ("Séance du", "Stage", "N° de dossier", "Nom", "Émargement")
            return (
                stmt,
                columns,
                lambda r: DrillRow(
                    (
                        format_date(r.day),
                        r.title,
                        r.file_number,
                        _person_name(r.surname, r.given_names),
                        r.code.label,
                    ),
                    r.person_id,
                    FileTab.STAGES,
                    stage_id=r.stage_id,
                    session_id=r.session_id,
                ),
            )
        if drill is DrillKind.ATTESTATIONS:
            parts = []
            if value in ("", "original"):
                parts.append(
                    self._originals(period, scope).add_columns(literal("Original").label("nature"))
                )
            if value in ("", "duplicata"):
                parts.append(
                    self._duplicates(period, scope).add_columns(
                        literal("Duplicata").label("nature")
                    )
                )
            union = parts[0] if len(parts) == 1 else parts[0].union_all(parts[1])
            sub = union.subquery()
            stmt = (
                select(*_PERSON_COLUMNS, sub.c.at, sub.c.number, sub.c.nature)
                .select_from(_referent_of(sub.join(_P.__table__, _P.id == sub.c.person_id)))
                .order_by(sub.c.at, sub.c.number)
            )
            columns = ("Attestation n°", "Délivrée le", "N° de dossier", "Nom", "Nature")
            return (
                stmt,
                columns,
                lambda r: DrillRow(
                    (
                        r.number,
                        format_date(r.at.date()),
                        r.file_number,
                        _person_name(r.surname, r.given_names),
                        r.nature,
                    ),
                    r.person_id,
                    FileTab.STAGES,
                ),
            )
        if drill is DrillKind.STEPS:
            return self._step_members(period, scope, indicator, kind, value)
        if drill is DrillKind.APPOINTMENTS:
            j = m.JournalEntryRow
            where = self._appointments(period, scope)
            if kind == "outcome":
                where.append(
                    j.outcome.is_(None) if not value else j.outcome == _member(Outcome, value)
                )
            stmt = (
                select(*_PERSON_COLUMNS, j.id.label("entry_id"), j.day, j.kind, j.outcome)
                .select_from(_referent_of(j.__table__.join(_P.__table__, _P.id == j.person_id)))
                .where(*where)
                .order_by(j.day, _P.sort_key, j.id)
            )
            columns = ("Date", "N° de dossier", "Nom", "Nature", "Issue")
            return (
                stmt,
                columns,
                lambda r: DrillRow(
                    (
                        format_date(r.day),
                        r.file_number,
                        _person_name(r.surname, r.given_names),
                        r.kind.label,
                        r.outcome.label if r.outcome else "non renseignée",
                    ),
                    r.person_id,
                    FileTab.JOURNAL,
                    r.entry_id,
                ),
            )
        c, p = m.ConventionRow, m.PartnerRow
        if indicator is I.CONVENTIONS_ACTIVE:
            where = self._conventions_active(period, scope)
        else:
            where = self._conventions_expiring(expiry_window(period.month), scope)
        stmt = (
            select(c.id, c.partner_id, c.title, c.signed_on, c.expires_on, p.name)
            .join(p, p.id == c.partner_id)
            .where(*where)
            .order_by(c.expires_on, p.sort_key, c.id)
        )
        columns = ("Partenaire", "Convention", "Signée le", "Échéance")
        return (
            stmt,
            columns,
            lambda r: DrillRow(
                (r.name, r.title, format_date(r.signed_on), format_date(r.expires_on)),
                partner_id=r.partner_id,
            ),
        )

    def _person_members(
        self, period: Period, scope: SummaryScope, indicator: Indicator, kind: str, value: str
    ) -> tuple[AnySelect, tuple[str, ...], Any]:
        I = Indicator  # noqa: E741
        if indicator in (I.ACTIVE_FIRST, I.ACTIVE_LAST, I.CASELOAD):
            day = period.first if indicator is I.ACTIVE_FIRST else period.last
            where = [_M.cancelled_on.is_(None), active_on(day), *person_scope(scope)]
            if kind == "regime":
                where.append(_P.regime == _member(Regime, value))
            elif kind == "type":
                where.append(_M.measure_type == _member(MeasureType, value))
            elif kind == "agent":
                where.append(
                    _P.referent_id.is_(None) if not value else _P.referent_id == int(value)
                )
            ids = (
                select(_M.person_id)
                .select_from(_M.__table__.join(_P.__table__, _P.id == _M.person_id))
                .where(*where)
            )
        elif indicator is I.SAS_ELIGIBLE:
            ids = self._sas_eligible(period, scope)
        elif indicator is I.SAS_PLACED:
            ids = self._sas_placed(period, scope)
        else:  # participants
            current = self._current_attendance(period, scope).subquery()
            ids = select(current.c.person_id).where(
                current.c.code.in_((AttendanceCode.PRESENT, AttendanceCode.LATE))
            )
        stmt = (
            select(*_PERSON_COLUMNS, _P.regime, _P.main_measure_type)
            .select_from(_person_source())
            .where(_P.id.in_(ids.correlate(None)))
            .order_by(_P.sort_key, _P.id)
        )
        columns = ("N° de dossier", "Nom", "Régime", "Mesure principale", "Référent")
        tab = FileTab.MEASURES if indicator is not I.PARTICIPANTS else FileTab.STAGES
        return (
            stmt,
            columns,
            lambda r: DrillRow(
                (
                    r.file_number,
                    _person_name(r.surname, r.given_names),
                    r.regime.short_label,
                    r.main_measure_type.label if r.main_measure_type else "",
                    _agent_name(r.referent_given, r.referent_surname),
                ),
                r.person_id,
                tab,
            ),
        )

    def _step_members(
        self, period: Period, scope: SummaryScope, indicator: Indicator, kind: str, value: str
    ) -> tuple[AnySelect, tuple[str, ...], Any]:
        I = Indicator  # noqa: E741
        s, u = m.RightsStepRow, m.RightsStepUpdateRow
        if indicator is I.STEPS_OPENED:
            where = self._opened(period, scope)
            if kind == "domain":
                domain = _member(RightsDomain, value)
                kinds = [k for d in RightsDomain if public_domain(d) is domain for k in kinds_of(d)]
                where.append(s.kind.in_(kinds))
        elif indicator is I.STEPS_CLOSED:
            statuses = (_member(StepStatus, value),) if kind == "status" else CLOSING_STATUSES
            reached_steps = aliased(m.RightsStepRow, name="reached_step")
            closing = (
                select(u.step_id)
                .select_from(u.__table__.join(reached_steps, reached_steps.id == u.step_id))
                .where(*self._reached(period, scope, statuses, reached_steps))
            )
            where = [s.id.in_(closing.correlate(None))]
        else:
            where = [s.id.in_(self.open_steps(period, scope).subquery().select())]
            if indicator is I.STEPS_OVERDUE:
                where.append(s.follow_up_on < period.last)
        stmt = (
            select(
                *_PERSON_COLUMNS,
                s.id.label("step_id"),
                s.kind,
                s.other_label,
                s.opened_on,
                s.status,
                s.follow_up_on,
            )
            .select_from(_person_source().join(s.__table__, s.person_id == _P.id))
            .where(*where)
            .order_by(s.opened_on, _P.sort_key, s.id)
        )
        columns = ("N° de dossier", "Nom", "Démarche", "Ouverte le", "Statut actuel", "Relance")
        return (
            stmt,
            columns,
            lambda r: DrillRow(
                (
                    r.file_number,
                    _person_name(r.surname, r.given_names),
                    _step_label(r.kind, r.other_label),
                    format_date(r.opened_on),
                    r.status.label,
                    format_date(r.follow_up_on),
                ),
                r.person_id,
                FileTab.RIGHTS,
                r.step_id,
            ),
        )

    def _enrolment_members(
        self, period: Period, scope: SummaryScope, value: str, now: datetime, title: str, limit: int
    ) -> DrillList:
        wanted = {
            "valide": EnrolmentStatus.VALIDE,
            "abandon": EnrolmentStatus.ABANDON,
            "exclu": EnrolmentStatus.EXCLU,
        }
        found = [
            (status, f)
            for status, f in self.enrolment_ends(period, scope, now)
            if not value or wanted.get(value) is status
        ]
        people = {
            r.person_id: r
            for r in self.session.execute(
                select(*_PERSON_COLUMNS)
                .select_from(_person_source())
                .where(_P.id.in_({f.enrolment.person.id for _, f in found}))
            )
        }
        titles = dict(
            self.session.execute(
                select(m.StageRow.id, m.StageRow.title).where(
                    m.StageRow.id.in_({f.enrolment.stage_id for _, f in found})
                )
            ).all()
        )

        def day(item: tuple[EnrolmentStatus, StageEnrolment]) -> date:
            status, f = item
            end = f.enrolment.end
            if status is EnrolmentStatus.VALIDE or end is None:
                return f.last_day or date.min
            return end.day

        found.sort(key=lambda item: (day(item), item[1].enrolment.id))
        rows = []
        for status, f in found[:limit]:
            person = people[f.enrolment.person.id]
            rows.append(
                DrillRow(
                    (
                        person.file_number,
                        _person_name(person.surname, person.given_names),
                        titles.get(f.enrolment.stage_id, ""),
                        format_date(day((status, f))),
                        status.label,
                    ),
                    person.person_id,
                    FileTab.STAGES,
                    f.enrolment.id,
                    stage_id=f.enrolment.stage_id,
                )
            )
        columns = ("N° de dossier", "Nom", "Stage", "Le", "Issue")
        return DrillList(title, columns, tuple(rows), len(found))


_REFERENT_TABLE = m.AgentRow.__table__.alias("referent")
_PERSON_COLUMNS = (
    _P.id.label("person_id"),
    _P.file_number,
    _P.surname,
    _P.given_names,
    _P.sort_key,
    _REFERENT_TABLE.c.given_name.label("referent_given"),
    _REFERENT_TABLE.c.surname.label("referent_surname"),
)


def _person_source() -> Any:
    return _referent_of(_P.__table__)


def _referent_of(source: Any) -> Any:
    """``source`` (which holds the person) with the person's referent, for the lists."""
    return source.outerjoin(_REFERENT_TABLE, _REFERENT_TABLE.c.id == _P.referent_id)


#: What a summary's list shows of a step of a sensitive domain (health, disability): the
#: list must not single those people out (R113-51); the file shows the step itself.
UNDETAILED_STEP = "Autre démarche (domaine non détaillé)"


def _step_label(kind: StepKind, other_label: str) -> str:
    if public_domain(catalogue_item(kind).domain) is not catalogue_item(kind).domain:
        return UNDETAILED_STEP
    return other_label or kind.label
