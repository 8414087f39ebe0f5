"""The officer's to-do list (*À traiter*): what is due, computed from the data on each call.

Each kind of alert (:class:`~spip_desktop.domain.todo.TodoKind`) is one bounded query
(its first :data:`~spip_desktop.domain.todo.LINES_PER_KIND` lines and its count) in
one read-only transaction. Nothing is stored, and nothing is written to the audit
trail: this is the home screen, refreshed many times a day, and it changes nothing.

Who sees what:

- everyone with an agent record sees their own list (:meth:`TodoScope.mine`); each
  kind needs the permission that shows its content (rights steps for follow-ups and
  expiring rights, the journal for appointments, the full file for measures, stage
  deadlines and SAS eligibility, attendance for sessions); the conventions of the
  partners one is referent of are always one's own business;
- another agent's list, an antenne's and the whole service's need the service-wide
  scope of the full file or of the rights steps (direction; the ASS for the rights),
  and show the kinds the user sees service-wide.

A kind the user may not see is absent from :attr:`TodoList.totals` (a kind with
nothing due is there with 0): the page shows a tile for each kind present.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timedelta

from ..db.todo import (
    AppointmentLine,
    ConventionLine,
    DeadlineCandidate,
    DeadlineLine,
    MeasureEndLine,
    PersonRef,
    SasLine,
    SessionLine,
    StageEnrolment,
    StepLine,
    TodoRepository,
    counts_for,
)
from ..db.unit_of_work import UnitOfWork
from ..domain.dates import add_months, add_years, format_date, plural
from ..domain.enums import MeasureType
from ..domain.errors import PermissionDenied, SpipError
from ..domain.rights import Actor, step_title
from ..domain.rules import SAS_RELIQUAT_YEARS, reliquat
from ..domain.security import Permission, Scope, User
from ..domain.stages import (
    STAGE_DEADLINE_MONTHS,
    AttendanceRecord,
    EnrolmentStatus,
    format_time,
    progress,
    stage_deadline,
)
from ..domain.todo import (
    LINES_PER_KIND,
    ScopeKind,
    TodoItem,
    TodoKind,
    TodoList,
    TodoScope,
    TodoWindows,
)
from .base import Clock, Service, UnitOfWorkSource, UserSession
from .documents import local_now

#: The permission that shows each kind's content.
KIND_PERMISSIONS: dict[TodoKind, Permission] = {
    TodoKind.APPOINTMENT: Permission.JOURNAL,
    TodoKind.FOLLOW_UP: Permission.RIGHTS,
    TodoKind.ATTENDANCE: Permission.ATTENDANCE,
    TodoKind.STAGE_DEADLINE: Permission.PERSON_DETAILS,
    TodoKind.MEASURE_END: Permission.PERSON_DETAILS,
    TodoKind.RIGHT_EXPIRY: Permission.RIGHTS,
    TodoKind.SAS: Permission.PERSON_DETAILS,
    TodoKind.CONVENTION: Permission.PARTNERS,
}

#: Permissions whose service-wide scope opens the antenne's and the service's lists.
WIDE_PERMISSIONS = (Permission.PERSON_DETAILS, Permission.RIGHTS)

NO_AGENT = (
    "Votre compte n'est relié à aucune fiche agent : la liste « À traiter » présente le "
    "travail d'un agent (ses dossiers, ses démarches, ses rendez-vous). Demandez à un "
    "administrateur de relier votre compte à votre fiche agent."
)
WIDE_REFUSED = (
    "Votre rôle vous donne votre propre liste « À traiter » : celle d'une antenne ou de "
    "tout le service est réservée à la direction (et, pour les démarches d'accès aux droits, "
    "au service social)."
)
OTHER_AGENT_REFUSED = (
    "La liste « À traiter » d'un autre agent est réservée à la direction : votre rôle vous "
    "donne la vôtre."
)
NOTHING_TO_SEE = "Votre rôle ne donne accès à aucun élément de la liste « À traiter »."
NO_ANTENNE = "Choisissez l'antenne dont vous voulez voir la liste « À traiter »."


def may_widen(user: User) -> bool:
    """May ``user`` see an antenne's, another agent's or the whole service's list?"""
    return any(user.scope(p) is Scope.SERVICE for p in WIDE_PERMISSIONS)


def visible_kinds(user: User, scope: TodoScope) -> tuple[TodoKind, ...]:
    """The kinds of alert ``user`` sees in ``scope`` (``scope.agent_id`` filled in).

    Raises :class:`PermissionDenied` with the French sentence when the scope is refused.
    """
    own = scope.kind is ScopeKind.MINE and scope.agent_id == user.agent_id
    if own:
        if user.agent_id is None:
            raise PermissionDenied(NO_AGENT)
        kinds = tuple(
            kind
            for kind in TodoKind
            if kind is TodoKind.CONVENTION or user.scope(KIND_PERMISSIONS[kind]) is not None
        )
    else:
        if not may_widen(user):
            raise PermissionDenied(
                OTHER_AGENT_REFUSED if scope.kind is ScopeKind.MINE else WIDE_REFUSED
            )
        kinds = tuple(
            kind for kind in TodoKind if user.scope(KIND_PERMISSIONS[kind]) is Scope.SERVICE
        )
    if not kinds:
        raise PermissionDenied(NOTHING_TO_SEE)
    return kinds


def sas_eligible_since(sentence_end: date) -> date:
    """The first day a detainee whose sentence ends on ``sentence_end`` is SAS-eligible:
    the first day whose date two years on falls after it (month ends clamp)."""
    day = add_years(sentence_end, -SAS_RELIQUAT_YEARS)
    while add_years(day, SAS_RELIQUAT_YEARS) <= sentence_end:
        day += timedelta(days=1)
    return day


def last_final_date(deadline_until: date) -> date:
    """The latest day a conviction may have become final with its stage deadline
    (6 months on, month ends clamped) falling on or before ``deadline_until``."""
    day = add_months(deadline_until, -STAGE_DEADLINE_MONTHS)
    while _deadline(day + timedelta(days=1)) <= deadline_until:  # 31 August → 28 February
        day += timedelta(days=1)
    return day


def _deadline(final: date) -> date:
    deadline = stage_deadline(final)
    assert deadline is not None
    return deadline


class TodoService(Service):
    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock = date.today,
        session: UserSession | None = None,
        now: Callable[[], datetime] = local_now,
    ) -> None:
        super().__init__(uow, today, session)
        self._now = now

    def todo(self, scope: TodoScope) -> TodoList:
        """The alerts of ``scope`` today, grouped by kind (first lines and counts).

        ``TodoScope.mine(None)`` is the signed-in agent's list.
        """
        user = self.user
        if scope.kind is ScopeKind.MINE and scope.agent_id is None:
            if user.agent_id is None:
                raise PermissionDenied(NO_AGENT)
            scope = TodoScope.mine(user.agent_id)
        if scope.kind is ScopeKind.ANTENNE and scope.antenne_id is None:
            raise SpipError(NO_ANTENNE)
        kinds = visible_kinds(user, scope)
        today = self._today()
        now = self._now()
        windows = TodoWindows.on(today)
        found: dict[TodoKind, tuple[list[TodoItem], int]] = {}
        # The stage deadlines (for a wide scope, a scan of the measures) are read on a
        # second connection beside the other kinds: the drivers release the interpreter
        # lock while the database works.
        beside = TodoKind.STAGE_DEADLINE
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="todo") as pool:
            later: Future[tuple[list[TodoItem], int]] | None = None
            if beside in kinds:
                later = pool.submit(self._read, beside, scope, windows, now)
            with self._uow.reader() as uow:
                for kind in kinds:
                    if kind is not beside:
                        found[kind] = self._kind(uow, kind, scope, windows, now)
            if later is not None:
                found[beside] = later.result()
        items = {kind: tuple(found[kind][0]) for kind in kinds}
        totals = {kind: found[kind][1] for kind in kinds}
        return TodoList(today, scope, items, totals)

    def _read(
        self, kind: TodoKind, scope: TodoScope, w: TodoWindows, now: datetime
    ) -> tuple[list[TodoItem], int]:
        """One kind in its own read-only transaction (on the caller's thread or another)."""
        with self._uow.reader() as uow:
            return self._kind(uow, kind, scope, w, now)

    def _kind(
        self, uow: UnitOfWork, kind: TodoKind, scope: TodoScope, w: TodoWindows, now: datetime
    ) -> tuple[list[TodoItem], int]:
        repo = uow.todo
        limit = LINES_PER_KIND
        user = self.user
        # What an agent holds outside their caseload (a step in their charge, an interview
        # for a colleague's person) is theirs to follow only when their role reaches the
        # whole service: a CPIP's caseload-bound rights could not open it.
        held_steps = user.scope(Permission.RIGHTS) is Scope.SERVICE
        held_appointments = user.scope(Permission.JOURNAL) is Scope.SERVICE
        if kind is TodoKind.APPOINTMENT:
            appointments, total = repo.appointments(
                scope, w.today, w.tomorrow, limit, held=held_appointments
            )
            return [_appointment(a, now, scope) for a in appointments], total
        if kind is TodoKind.FOLLOW_UP:
            steps, total = repo.follow_ups(scope, w.today, limit, held=held_steps)
            return [_follow_up(s, w.today) for s in steps], total
        if kind is TodoKind.RIGHT_EXPIRY:
            steps, total = repo.expiring_rights(
                scope, w.today, w.right_expiry_until, limit, held=held_steps
            )
            return [_expiry(s) for s in steps], total
        if kind is TodoKind.ATTENDANCE:
            sessions, total = repo.sessions_missing_attendance(
                scope, w.attendance_since, w.today, now.time(), limit
            )
            return [_attendance(s, w.today) for s in sessions], total
        if kind is TodoKind.STAGE_DEADLINE:
            return self._stage_deadlines(uow, scope, w, now)
        if kind is TodoKind.MEASURE_END:
            measures, total = repo.measure_ends(scope, w.today, w.measure_end_until, limit)
            return [_measure_end(x) for x in measures], total
        if kind is TodoKind.SAS:
            people, total = repo.newly_sas_eligible(
                scope, w.today, w.sas_new_from, w.sas_eligible_before, limit
            )
            return [_sas(x, w.today) for x in people], total
        conventions, total = repo.expiring_conventions(scope, w.today, w.convention_until, limit)
        return [_convention(c) for c in conventions], total

    @staticmethod
    def _stage_deadlines(
        uow: UnitOfWork, scope: TodoScope, w: TodoWindows, now: datetime
    ) -> tuple[list[TodoItem], int]:
        """Measures asking for a stage, deadline within the window or past, not done.

        Done means an enrolment in a stage (not for an earlier conviction) whose computed
        status is *validé*: only enrolments in stages already over can be, so only the
        people who have one are checked through :func:`progress`; the others are counted
        in SQL.
        """
        repo: TodoRepository = uow.todo
        final_until = last_final_date(w.stage_deadline_until)
        found = repo.stage_deadline_candidates(scope, final_until, w.today, LINES_PER_KIND)
        to_check = found.finished
        enrolments = _by_person(repo.stage_enrolments([c.person_id for c in to_check]))
        over = [
            e
            for mine in enrolments.values()
            for e in mine
            if e.last_day is not None and e.last_day <= w.today
        ]
        stages = repo.stages([e.enrolment.stage_id for e in over])
        records: dict[int, list[AttendanceRecord]] = {}
        for record in repo.current_records([e.enrolment.id for e in over]):
            records.setdefault(record.enrolment_id, []).append(record)
        statuses = {
            e.enrolment.id: progress(
                e.enrolment, stages[e.enrolment.stage_id], records.get(e.enrolment.id, ()), now
            ).status
            for e in over
        }

        def done(c: DeadlineCandidate) -> bool:
            return any(
                statuses.get(e.enrolment.id) is EnrolmentStatus.VALIDE
                and counts_for(e.enrolment.final_date, c.final_date)
                for e in enrolments.get(c.person_id, ())
            )

        failed = [c for c in to_check if not done(c)]
        shown = sorted([*found.pending, *failed], key=_oldest_first)[:LINES_PER_KIND]
        lines = repo.deadline_lines([c.measure_id for c in shown])
        missing = [c.person_id for c in shown if c.person_id not in enrolments]
        enrolments.update(_by_person(repo.stage_enrolments(missing)))
        items = [
            _stage_deadline(lines[c.measure_id], enrolments.get(c.person_id, ()), statuses, w.today)
            for c in shown
        ]
        return items, found.pending_total + len(failed)


def _oldest_first(c: DeadlineCandidate) -> tuple[date, int]:
    return c.final_date, c.measure_id


def _by_person(found: Iterable[StageEnrolment]) -> dict[int, list[StageEnrolment]]:
    result: dict[int, list[StageEnrolment]] = {}
    for e in found:
        result.setdefault(e.enrolment.person.id, []).append(e)
    return result


# -- the lines -------------------------------------------------------------------------------


def _about(
    person: PersonRef,
    kind: TodoKind,
    due: date,
    title: str,
    detail: str,
    ref_id: int | None = None,
    overdue: bool = False,
) -> TodoItem:
    """A line about a person: it opens their file."""
    return TodoItem(
        kind,
        due,
        title,
        detail,
        person_id=person.id,
        person_name=person.name,
        file_number=person.file_number,
        referent_name=person.referent,
        ref_id=ref_id,
        overdue=overdue,
    )


def _appointment(a: AppointmentLine, now: datetime, scope: TodoScope) -> TodoItem:
    title = a.kind.label
    if a.at is not None:
        title += f" à {format_time(a.at)}"
    if a.subject.strip():
        title += f" : {a.subject.strip()}"
    parts = []
    own = scope.kind is ScopeKind.MINE and a.agent_id == scope.agent_id
    if a.agent and not own and a.agent != a.person.referent:
        parts.append(f"avec {a.agent}")  # named when neither oneself nor the referent
    if a.place.strip():
        parts.append(a.place.strip())
    if a.at is not None and datetime.combine(a.day, a.at) <= now:
        parts.append("suite à saisir (honoré, non honoré, excusé)")
    detail = " — ".join(parts)
    return _about(a.person, TodoKind.APPOINTMENT, a.day, title, detail, a.entry_id)


def _step_detail(s: StepLine) -> str:
    detail = s.status.label
    if s.partner:
        detail += (
            f" — portée par {s.partner}" if s.handled_by is Actor.PARTNER else f" — {s.partner}"
        )
    return detail


def _follow_up(s: StepLine, today: date) -> TodoItem:
    assert s.follow_up_on is not None
    return _about(
        s.person,
        TodoKind.FOLLOW_UP,
        s.follow_up_on,
        f"Relancer : {step_title(s.kind, s.other_label)}",
        _step_detail(s),
        s.step_id,
        overdue=s.follow_up_on < today,
    )


def _expiry(s: StepLine) -> TodoItem:
    assert s.expires_on is not None
    obtained = f"obtenu le {format_date(s.outcome_on)}, " if s.outcome_on else ""
    return _about(
        s.person,
        TodoKind.RIGHT_EXPIRY,
        s.expires_on,
        f"À renouveler : {step_title(s.kind, s.other_label)}",
        f"Droit {obtained}échéance le {format_date(s.expires_on)}",
        s.step_id,
    )


def _attendance(s: SessionLine, today: date) -> TodoItem:
    title = f"{s.stage_name} — {s.stage_title}" if s.stage_title.strip() else s.stage_name
    missing = plural(s.missing, "présence")
    detail = (
        f"Séance du {format_date(s.day)}, {format_time(s.start)} – {format_time(s.end)} : "
        f"{missing} à saisir sur {plural(s.enrolled, 'inscrit')}"
    )
    return TodoItem(
        TodoKind.ATTENDANCE,
        s.day,
        title,
        detail,
        ref_id=s.session_id,
        stage_id=s.stage_id,
        overdue=s.day < today,
    )


def _stage_deadline(
    d: DeadlineLine,
    enrolments: Iterable[StageEnrolment],
    statuses: dict[int, EnrolmentStatus],
    today: date,
) -> TodoItem:
    deadline = _deadline(d.final_date)
    if d.measure_type is MeasureType.PEINE_DE_STAGE:
        title = "Peine de stage à accomplir"
    else:
        title = f"Stage à accomplir ({d.measure_type.short_label})"
    detail = (
        f"Condamnation définitive le {format_date(d.final_date)}, "
        f"date limite le {format_date(deadline)}"
    )
    counting = [e for e in enrolments if counts_for(e.enrolment.final_date, d.final_date)]
    current = [e for e in counting if e.enrolment.end is None]
    chosen = max(current or counting, key=lambda e: e.first_day or date.min, default=None)
    ref_id = None
    if chosen is None:
        detail += " — pas encore inscrit"
    else:
        ref_id = chosen.enrolment.id
        when = format_date(chosen.first_day, "(sans séance)")
        end = chosen.enrolment.end
        if end is not None:
            detail += f" — a quitté le stage du {when} ({end.kind.label.lower()})"
        elif statuses.get(chosen.enrolment.id) is EnrolmentStatus.NON_VALIDE:
            detail += f" — stage du {when} non validé"
        elif chosen.last_day is not None and chosen.last_day < today:
            detail += f" — stage du {when} : présences à compléter"
        else:
            detail += f" — inscrit au stage du {when}"
    return _about(
        d.person, TodoKind.STAGE_DEADLINE, deadline, title, detail, ref_id, deadline < today
    )


def _measure_end(x: MeasureEndLine) -> TodoItem:
    sentence, probation = x.sentence_end, x.probation_end
    if sentence is not None and (probation is None or sentence >= probation):
        end, what = sentence, "Fin de peine"
    else:
        assert probation is not None
        end, what = probation, "Fin du délai d'épreuve"
    return _about(
        x.person,
        TodoKind.MEASURE_END,
        end,
        x.measure_type.label,
        f"{what} le {format_date(end)}",
        x.measure_id,
    )


def _sas(x: SasLine, today: date) -> TodoItem:
    left = reliquat(x.sentence_end, today)
    detail = f"Fin de peine le {format_date(x.sentence_end)}"
    if left is not None:
        detail += f", reliquat de {left}"
    if x.establishment:
        detail += f" — {x.establishment}"
    return _about(
        x.person,
        TodoKind.SAS,
        sas_eligible_since(x.sentence_end),
        "Éligible à une structure d'accompagnement vers la sortie (SAS)",
        detail,
    )


def _convention(c: ConventionLine) -> TodoItem:
    return TodoItem(
        TodoKind.CONVENTION,
        c.expires_on,
        c.title,
        f"{c.partner} — expire le {format_date(c.expires_on)}",
        referent_name=c.referent,
        ref_id=c.convention_id,
        partner_id=c.partner_id,
    )
