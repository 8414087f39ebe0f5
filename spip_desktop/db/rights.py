"""The SQL of access-to-rights steps (*démarches*) and their append-only history.

A step's history (``rights_step_update``) is only ever inserted: this repository has
no way to change or delete one of its rows, and the database refuses an UPDATE
(trigger of migration 0004). The step row keeps the latest status as a projection
(``status``, ``status_at``, ``closed``), rewritten in the same flush as the history
row it comes from.

The service-wide list runs in two steps, like the people's list: the ids of one page
first (a narrow query the indexes answer, see :meth:`RightsRepository.page_ids`),
then the rows of those ids only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, bindparam, false, func, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.visitors import InternalTraversal

from ..domain.rights import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Actor,
    Step,
    StepDraft,
    StepLine,
    StepQuery,
    StepSort,
    StepStatus,
    StepUpdate,
    kinds_of,
)
from . import models as m
from .repositories import checked

STEP_GONE = "Cette démarche n'existe plus : le dossier a peut-être été purgé."


@dataclass(frozen=True)
class PartnerState:
    """What the service checks about a partner chosen on a step."""

    id: int
    name: str
    active: bool


def _documents(text: str) -> tuple[str, ...]:
    return tuple(line for line in (part.strip() for part in text.splitlines()) if line)


def _draft(row: m.RightsStepRow) -> StepDraft:
    return StepDraft(
        kind=row.kind,
        other_label=row.other_label,
        partner_id=row.partner_id,
        handled_by=row.handled_by,
        agent_id=row.agent_id,
        partner_contact=row.partner_contact,
        opened_on=row.opened_on,
        follow_up_on=row.follow_up_on,
        documents=_documents(row.documents),
        outcome_on=row.outcome_on,
        expires_on=row.expires_on,
        notes=row.notes,
    )


def _to_update(row: m.RightsStepUpdateRow) -> StepUpdate:
    return StepUpdate(
        id=row.id,
        step_id=row.step_id,
        at=row.at,
        status=row.status,
        previous=row.previous,
        note=row.note,
        author_login=row.author_login,
        author=row.author,
        actor=row.actor,
    )


def _to_step(row: m.RightsStepRow, history: Sequence[StepUpdate] = ()) -> Step:
    return Step(
        id=row.id,
        version=row.version,
        person_id=row.person_id,
        draft=_draft(row),
        status=row.status,
        status_at=row.status_at,
        created_at=row.created_at,
        created_by=row.created_by,
        history=tuple(history),
    )


def _write_draft(row: m.RightsStepRow, draft: StepDraft) -> None:
    row.kind = draft.kind
    row.other_label = draft.other_label.strip()
    row.partner_id = draft.partner_id
    row.handled_by = draft.handled_by
    row.agent_id = draft.agent_id
    row.partner_contact = draft.partner_contact.strip()
    assert draft.opened_on is not None  # validated by the service
    row.opened_on = draft.opened_on
    row.follow_up_on = draft.follow_up_on
    row.documents = "\n".join(d.strip() for d in draft.documents if d.strip())
    row.outcome_on = draft.outcome_on
    row.expires_on = draft.expires_on
    row.notes = draft.notes.strip()


def _name(given: str | None, surname: str | None) -> str:
    """``Élodie LEFÈVRE``, as agents are named everywhere."""
    return f"{given or ''} {(surname or '').upper()}".strip()


class RightsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- one step -------------------------------------------------------------------------
    def get(self, step_id: int) -> Step | None:
        """The step with its whole history, oldest update first."""
        row = self.session.get(m.RightsStepRow, step_id)
        if row is None:
            return None
        return _to_step(row, self.history([step_id]).get(step_id, ()))

    def for_person(self, person_id: int) -> list[Step]:
        """A person's steps with their history: open ones first, the next follow-up first."""
        s = m.RightsStepRow
        rows = list(
            self.session.scalars(
                select(s)
                .where(s.person_id == person_id)
                .order_by(
                    s.closed,
                    s.follow_up_on.is_(None),
                    s.follow_up_on,
                    s.opened_on.desc(),
                    s.id.desc(),
                )
            )
        )
        history = self.history([r.id for r in rows])
        return [_to_step(r, history.get(r.id, ())) for r in rows]

    def history(self, step_ids: Sequence[int]) -> dict[int, list[StepUpdate]]:
        """The updates of these steps, each list in the order they were written."""
        if not step_ids:
            return {}
        u = m.RightsStepUpdateRow
        rows = self.session.scalars(
            select(u)
            .where(u.step_id.in_(bindparam("ids", expanding=True)))
            .order_by(u.step_id, u.at, u.id),
            {"ids": list(step_ids)},
        )
        found: dict[int, list[StepUpdate]] = {}
        for row in rows:
            found.setdefault(row.step_id, []).append(_to_update(row))
        return found

    def partner(self, partner_id: int) -> PartnerState | None:
        row = self.session.execute(
            select(m.PartnerRow.id, m.PartnerRow.name, m.PartnerRow.active).where(
                m.PartnerRow.id == partner_id
            )
        ).one_or_none()
        return None if row is None else PartnerState(row.id, row.name, row.active)

    # -- writing ----------------------------------------------------------------------------
    def add(
        self,
        person_id: int,
        draft: StepDraft,
        at: datetime,
        author_login: str,
        author: str,
        note: str = "",
    ) -> int:
        """Open a step *à engager*, with the first row of its history."""
        row = m.RightsStepRow(
            person_id=person_id,
            status=StepStatus.TO_START,
            status_at=at,
            closed=StepStatus.TO_START.closed,
            created_by=author,
        )
        _write_draft(row, draft)
        self.session.add(row)
        self.session.flush()
        self._append(
            row, StepStatus.TO_START, None, note, at, author_login, author, draft.handled_by
        )
        self.session.flush()
        return row.id

    def update(self, step_id: int, version: int, draft: StepDraft) -> None:
        """Change what the form edits (the status moves through :meth:`add_update` only)."""
        row = checked(self.session.get(m.RightsStepRow, step_id), version, STEP_GONE)
        _write_draft(row, draft)
        self.session.flush()

    def add_update(
        self,
        step_id: int,
        version: int,
        status: StepStatus,
        note: str,
        at: datetime,
        author_login: str,
        author: str,
        actor: Actor,
        draft: StepDraft | None = None,
    ) -> None:
        """Append a row to the history and project it (and ``draft``, if any) on the step.

        A row whose status is the current one is a note. The step's version moves on
        either way: whoever read the step before must read it again.
        """
        row = checked(self.session.get(m.RightsStepRow, step_id), version, STEP_GONE)
        previous = row.status
        if draft is not None:
            _write_draft(row, draft)
        if status is not previous:
            row.status = status
            row.status_at = at
            row.closed = status.closed
        row.updated_at = m.utcnow()  # a note changes no column, yet the step moved on
        self._append(row, status, previous, note, at, author_login, author, actor)
        self.session.flush()

    def _append(
        self,
        row: m.RightsStepRow,
        status: StepStatus,
        previous: StepStatus | None,
        note: str,
        at: datetime,
        author_login: str,
        author: str,
        actor: Actor,
    ) -> None:
        self.session.add(
            m.RightsStepUpdateRow(
                step_id=row.id,
                at=at,
                status=status,
                previous=previous,
                note=note.strip(),
                author_login=author_login,
                author=author,
                actor=actor,
            )
        )

    # -- the service-wide list -----------------------------------------------------------------
    @staticmethod
    def _filters(query: StepQuery, today: date) -> list[ColumnElement[bool]]:
        """The conditions on the step row, but for the status (see :func:`admitted`)."""
        s = m.RightsStepRow
        where: list[ColumnElement[bool]] = []
        if query.overdue:
            where.append(s.follow_up_on < today)
        if query.domain is not None:
            where.append(s.kind.in_(kinds_of(query.domain)))
        if query.partner_id is not None:
            where.append(s.partner_id == query.partner_id)
        if query.agent_id is not None:
            where.append(s.agent_id == query.agent_id)
        return where

    @staticmethod
    def _status_condition(
        statuses: Sequence[StepStatus], other_index: bool
    ) -> ColumnElement[bool] | None:
        """The statuses kept, as the ``closed`` or ``status`` index reads them; with
        ``other_index``, as a condition no index answers (see :class:`Unindexed`)."""
        s = m.RightsStepRow
        closed: Any = Unindexed(s.closed.expression) if other_index else s.closed
        status: Any = Unindexed(s.status.expression) if other_index else s.status
        if len(statuses) == 1:
            return cast(ColumnElement[bool], status == statuses[0])
        if set(statuses) == set(OPEN_STATUSES):
            return cast(ColumnElement[bool], closed == false())
        if set(statuses) == CLOSED_STATUSES:
            return cast(ColumnElement[bool], closed == true())
        return None  # every status

    @staticmethod
    def _other_index(query: StepQuery, counting: bool) -> bool:
        """Should the filters' own index lead rather than the status one?

        A caseload keeps a few hundred steps: read through its people, they are sorted at
        once, where walking the open steps in follow-up order to pick theirs reads them
        all (1 s on 750,000 steps when SQLite has no statistics, ``ANALYZE`` never run).
        A partner or an agent has its own index in follow-up order. A count has no order
        to keep: any other filter leads it.
        """
        if query.referent_id is not None:
            return True
        if query.partner_id is not None or query.agent_id is not None:
            # (partner_id | agent_id, closed, follow_up_on) serves both the filter and the
            # order: the status stays readable by that index.
            return False
        if not counting and query.sort is StepSort.PERSON:
            return True  # the people in name order lead, their steps follow
        return counting and (query.antenne_id is not None or query.domain is not None)

    def _base(
        self,
        query: StepQuery,
        today: date,
        statuses: Sequence[StepStatus],
        for_sort: bool = False,
        counting: bool = False,
    ) -> Select[Any]:
        s, p = m.RightsStepRow, m.PersonRow
        stmt = select(s.id).where(*self._filters(query, today))
        condition = self._status_condition(statuses, self._other_index(query, counting))
        if condition is not None:
            stmt = stmt.where(condition)
        if (
            query.referent_id is not None
            or (for_sort and query.sort is StepSort.PERSON)
            or (counting and query.antenne_id is not None)
        ):
            stmt = stmt.join(p, p.id == s.person_id)
            if query.referent_id is not None:
                stmt = stmt.where(p.referent_id == query.referent_id)
            if query.antenne_id is not None:
                stmt = stmt.where(p.antenne_id == query.antenne_id)
        elif query.antenne_id is not None:
            # An antenne keeps a quarter of the service: walking the steps in the page's
            # order and looking each person up stops after a page, where starting from
            # the antenne's people sorts all their steps (SQLite picks that with its
            # statistics: 200 ms on 750,000 steps, against 15 ms).
            antenne = select(p.antenne_id).where(p.id == s.person_id).scalar_subquery()
            stmt = stmt.where(antenne == query.antenne_id)
        return stmt

    def _segments(self, query: StepQuery, today: date) -> list[Select[Any]]:
        """The page's order as a series of queries, each walking an index in order.

        - *relance*: the dated steps by date, then the undated ones (last in either
          direction); without a status filter, the open steps come first, then the
          closed ones, so that each part walks ``(closed, follow_up_on)``;
        - *statut*: status by status in display order, each by next follow-up, on
          ``(status, follow_up_on)``;
        - the other sorts are one query.
        """
        s, p = m.RightsStepRow, m.PersonRow
        statuses = admitted(query)
        descending = query.descending
        ident = s.id.desc() if descending else s.id.asc()
        # Dated or not says nothing about a caseload: its own index leads then too.
        follow_up: Any = s.follow_up_on
        if self._other_index(query, counting=False):
            follow_up = Unindexed(s.follow_up_on.expression)

        def by_follow_up(stmt: Select[Any], reverse: bool) -> list[Select[Any]]:
            date_order = s.follow_up_on.desc() if reverse else s.follow_up_on.asc()
            return [
                stmt.where(follow_up.is_not(None)).order_by(date_order, ident),
                stmt.where(follow_up.is_(None)).order_by(ident),
            ]

        if query.sort is StepSort.FOLLOW_UP:
            groups = [statuses]
            if len(statuses) == len(StepStatus):
                groups = [OPEN_STATUSES, tuple(x for x in StepStatus if x in CLOSED_STATUSES)]
            return [
                segment
                for group in groups
                for segment in by_follow_up(self._base(query, today, group), descending)
            ]
        if query.sort is StepSort.STATUS:
            ordered = list(statuses)[::-1] if descending else list(statuses)
            return [
                segment
                for status in ordered
                for segment in by_follow_up(self._base(query, today, (status,)), False)
            ]
        keys: dict[StepSort, Any] = {
            StepSort.OPENED: s.opened_on,
            StepSort.PERSON: p.sort_key,
            StepSort.UPDATED: s.updated_at,
        }
        key = keys[query.sort]
        return [
            self._base(query, today, statuses, for_sort=True).order_by(
                key.desc() if descending else key.asc(), ident
            )
        ]

    def page_ids(self, query: StepQuery, offset: int, limit: int, today: date) -> list[int]:
        """The ids of one page, in the order asked (see :meth:`_segments`).

        Each part is read from the page's start on; a part the page starts beyond is
        counted (an index range) to know how far into the next one the page starts.
        """
        if not admitted(query):
            return []
        ids: list[int] = []
        for segment in self._segments(query, today):
            wanted = limit - len(ids)
            if wanted <= 0:
                break
            found = list(self.session.scalars(segment.offset(offset).limit(wanted)))
            if found:
                ids += found
                offset = 0
            elif offset:
                offset = max(offset - self._count(segment.order_by(None)), 0)
        return ids

    def count(self, query: StepQuery, today: date) -> int:
        statuses = admitted(query)
        if not statuses:
            return 0
        return self._count(self._base(query, today, statuses, counting=True))

    def _count(self, ids: Select[Any]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(ids.subquery())) or 0)

    def lines(self, step_ids: Sequence[int]) -> list[StepLine]:
        """The list's rows of these steps, in the order given."""
        if not step_ids:
            return []
        s, p = m.RightsStepRow, m.PersonRow
        referent = aliased(m.AgentRow)
        agent = aliased(m.AgentRow)
        partner = m.PartnerRow
        stmt = (
            select(
                s,
                p.surname,
                p.given_names,
                p.file_number,
                referent.given_name.label("referent_given"),
                referent.surname.label("referent_surname"),
                agent.given_name.label("agent_given"),
                agent.surname.label("agent_surname"),
                partner.name.label("partner_name"),
            )
            .join(p, p.id == s.person_id)
            .outerjoin(referent, referent.id == p.referent_id)
            .outerjoin(agent, agent.id == s.agent_id)
            .outerjoin(partner, partner.id == s.partner_id)
            .where(s.id.in_(bindparam("ids", expanding=True)))
        )
        by_id = {r[0].id: r for r in self.session.execute(stmt, {"ids": list(step_ids)})}
        lines = []
        for step_id in step_ids:
            r = by_id.get(step_id)
            if r is None:  # deleted between the two queries (a purge)
                continue
            lines.append(
                StepLine(
                    step=_to_step(r[0]),
                    person_name=f"{r.surname.upper()} {r.given_names}".strip(),
                    file_number=r.file_number,
                    referent_name=_name(r.referent_given, r.referent_surname),
                    partner_name=r.partner_name or "",
                    agent_name=_name(r.agent_given, r.agent_surname),
                )
            )
        return lines


class Unindexed(ColumnElement[Any]):
    """A column the SQLite planner may not use an index for (``+column``).

    SQLite without statistics (no ``ANALYZE`` yet) believes ``closed = 0`` as
    selective as a caseload: written ``+closed = 0``, it leaves the choice to the
    other conditions' indexes. Other databases read the column as it is.
    """

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(Unindexed)
def _unindexed(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


def admitted(query: StepQuery) -> tuple[StepStatus, ...]:
    """The statuses a query keeps, in display order (none: the filters contradict).

    A status filter says by itself whether the step is open: *ouvertes seulement*
    adds nothing to it; *en retard* keeps open steps only.
    """
    if query.status is not None:
        return () if query.overdue and query.status.closed else (query.status,)
    if query.open_only or query.overdue:
        return OPEN_STATUSES
    return tuple(StepStatus)
