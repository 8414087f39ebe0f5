"""Retention in the database: files due, purge, anonymisation, and everything held about a person.

Which tables hold a person's data is read from the SQLAlchemy metadata, never
listed by hand: the ``person`` table and every table with a foreign-key path to
it, directly (``measure.person_id``) or through other such tables
(``obligation.measure_id -> measure``). A table added by a later feature is
therefore exported by the right of access and deleted by a purge without
touching this module. The audit trail is apart: its ``person_id`` has no foreign
key because entries outlive a purge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ForeignKeyConstraint,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from ..domain import retention as rules
from ..domain.audit import AuditAction, changes_from_json
from ..domain.retention import RetentionCandidate
from .models import AuditEntryRow, Base, EnumText, MeasureRow, PersonRow, utcnow
from .repositories import PersonRepository

#: Ids per statement: well under every backend's limit on bound parameters.
CHUNK = 500
#: Audit columns that are the chain's machinery, not data about the person.
AUDIT_HIDDEN = frozenset({"prev_hash", "hash"})
_CERTIFICATE_RE = re.compile(rf"{rules.CERTIFICATE_PREFIX}-\d{{4}}-\d+")


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


# -- the tables holding person data ---------------------------------------------------


class PersonTables:
    """The tables holding person data, found by following foreign keys to ``person``.

    Attributes:
        root: the ``person`` table.
        tables: ``root`` first, then every linked table, parents before children.
        links: for each linked table, its foreign keys to other linked tables.
    """

    def __init__(self, metadata: MetaData = Base.metadata, root: str = "person") -> None:
        self.root: Table = metadata.tables[root]
        found: set[Table] = {self.root}
        ordered: list[Table] = [self.root]
        links: dict[Table, list[ForeignKeyConstraint]] = {}
        # sorted_tables puts every referred table before the tables referring to it,
        # so one pass decides each table after all of its parents.
        for table in metadata.sorted_tables:
            if table is self.root:
                continue
            into = [
                fk
                for fk in table.foreign_key_constraints
                if fk.referred_table in found and fk.referred_table is not table
            ]
            if into:
                found.add(table)
                ordered.append(table)
                links[table] = into
        self.tables: tuple[Table, ...] = tuple(ordered)
        self.links = links

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    @property
    def children(self) -> tuple[Table, ...]:
        """Every linked table but ``person`` itself."""
        return self.tables[1:]

    def parents(self, table: Table) -> list[Table]:
        return [fk.referred_table for fk in self.links.get(table, [])]

    def of(self, table: Table, person_ids: Sequence[int]) -> ColumnElement[bool]:
        """The rows of ``table`` that belong to one of ``person_ids`` (through any path)."""
        if table is self.root:
            (key,) = self.root.primary_key.columns
            return key.in_(list(person_ids))
        (root_key,) = self.root.primary_key.columns
        conditions: list[ColumnElement[bool]] = []
        for fk in self.links[table]:
            own = [element.parent for element in fk.elements]
            referred = [element.column for element in fk.elements]
            if len(own) == 1 and referred[0] is root_key:
                # person_id IN (ids): no need to read the person table for that
                conditions.append(own[0].in_(list(person_ids)))
                continue
            parent_rows = (
                select(*referred).where(self.of(fk.referred_table, person_ids)).correlate(None)
            )
            if len(own) == 1:
                conditions.append(own[0].in_(parent_rows))
            else:
                conditions.append(tuple_(*own).in_(parent_rows))
        return or_(*conditions)


def person_tables() -> PersonTables:
    """The linked tables of the application's own metadata."""
    return PersonTables(Base.metadata)


# -- files due ------------------------------------------------------------------------


def _measure_ends(person_ids: Sequence[int] | None = None) -> Any:
    """Per person: latest measure end, whether a measure is open-ended, how many."""
    m = MeasureRow
    end = case(
        (m.sentence_end.is_(None), m.probation_end),
        (m.probation_end.is_(None), m.sentence_end),
        (m.sentence_end >= m.probation_end, m.sentence_end),
        else_=m.probation_end,
    )
    open_ended = case((and_(m.sentence_end.is_(None), m.probation_end.is_(None)), 1), else_=0)
    stmt = select(
        m.person_id.label("person_id"),
        func.max(end).label("last_end"),
        func.max(open_ended).label("open_ended"),
        func.count().label("measures"),
    ).where(m.cancelled_on.is_(None))  # a cancelled measure never ran: it sets no end
    stmt = stmt.group_by(m.person_id)
    if person_ids is not None:
        stmt = stmt.where(m.person_id.in_(list(person_ids)))
    return stmt.subquery("ends")


def _due_statement(today: date, years: int, person_ids: Sequence[int] | None) -> Any:
    p = PersonRow
    bound = rules.last_day_due(today, years)
    ends = _measure_ends(person_ids)
    anonymised = p.file_number == literal(rules.ANONYMOUS_PREFIX, String) + cast(p.id, String)
    stmt = (
        select(p.id, p.file_number, ends.c.last_end, p.closed_on, p.referent_id)
        .outerjoin(ends, ends.c.person_id == p.id)
        .where(
            or_(
                and_(ends.c.measures.is_(None), p.closed_on.is_not(None), p.closed_on <= bound),
                and_(ends.c.open_ended == 0, ends.c.last_end <= bound),
            ),
            ~anonymised,
        )
    )
    if person_ids is not None:
        stmt = stmt.where(p.id.in_(list(person_ids)))
    return stmt


def _candidate(row: Any, years: int) -> RetentionCandidate:
    start = row.last_end if row.last_end is not None else row.closed_on
    return RetentionCandidate(
        person_id=row.id,
        file_number=row.file_number,
        last_end=row.last_end,
        closed_on=row.closed_on,
        referent_id=row.referent_id,
        due_since=rules.due_on(start, years),
    )


def due(session: Session, today: date, years: int, limit: int) -> list[RetentionCandidate]:
    """Files due on ``today``, those due for longest first."""
    stmt = _due_statement(today, years, None)
    start = func.coalesce(stmt.selected_columns.last_end, PersonRow.closed_on)
    rows = session.execute(stmt.order_by(start, PersonRow.id).limit(limit))
    return [_candidate(row, years) for row in rows]


def count_due(session: Session, today: date, years: int) -> int:
    inner = _due_statement(today, years, None).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def due_among(
    session: Session, person_ids: Sequence[int], today: date, years: int
) -> dict[int, RetentionCandidate]:
    """Which of ``person_ids`` are due on ``today`` (checked again inside the transaction).

    The people's rows are locked first where the backend can (PostgreSQL): a measure
    being added to one of them commits before the check, or waits for the purge.
    SQLite's writing transactions hold the whole database already.
    """
    found: dict[int, RetentionCandidate] = {}
    for chunk in _chunks(person_ids):
        session.execute(select(PersonRow.id).where(PersonRow.id.in_(chunk)).with_for_update())
        for row in session.execute(_due_statement(today, years, chunk)):
            found[row.id] = _candidate(row, years)
    return found


def file_numbers(session: Session, person_ids: Sequence[int]) -> dict[int, str]:
    """The file numbers of those of ``person_ids`` that exist."""
    numbers: dict[int, str] = {}
    for chunk in _chunks(person_ids):
        stmt = select(PersonRow.id, PersonRow.file_number).where(PersonRow.id.in_(chunk))
        numbers.update({row.id: row.file_number for row in session.execute(stmt)})
    return numbers


# -- purge and anonymisation ------------------------------------------------------------


def purge(session: Session, person_ids: Sequence[int], tables: PersonTables) -> dict[str, int]:
    """Delete the people and every row linked to them; rows deleted per table.

    Children go first, so no foreign key depends on ``ON DELETE CASCADE`` being
    declared (or enforced) and every table's count is known.
    """
    counts = dict.fromkeys(tables.names, 0)
    for chunk in _chunks(person_ids):
        for table in reversed(tables.tables):
            result = session.execute(delete(table).where(tables.of(table, chunk)))
            counts[table.name] += int(result.rowcount)  # type: ignore[attr-defined]
    return counts


@dataclass
class AnonymisationCounts:
    """Rows anonymised (kept without what identifies) and rows deleted, per table."""

    anonymised: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)


def anonymise(
    session: Session, person_ids: Sequence[int], tables: PersonTables
) -> AnonymisationCounts:
    """Erase what identifies the people, keeping measure types and dates for statistics.

    Kept: the person's row (see :func:`spip_desktop.domain.retention.anonymous_draft`)
    and the tables of :data:`~spip_desktop.domain.retention.ANONYMISED_COLUMNS`, whose
    listed columns are emptied. Every other linked table is deleted, as is a listed
    table whose parent is not kept. Names are folded again through the person
    repository, so a search no longer finds the old name.
    """
    kept: list[Table] = []
    for table in tables.children:
        if table.name in rules.ANONYMISED_COLUMNS and all(
            parent is tables.root or parent in kept for parent in tables.parents(table)
        ):
            kept.append(table)
    dropped = [t for t in tables.children if t not in kept]
    counts = AnonymisationCounts(
        anonymised=dict.fromkeys([tables.root.name, *(t.name for t in kept)], 0),
        deleted=dict.fromkeys((t.name for t in dropped), 0),
    )
    people = PersonRepository(session)
    for chunk in _chunks(person_ids):
        for table in reversed(dropped):
            result = session.execute(delete(table).where(tables.of(table, chunk)))
            counts.deleted[table.name] += int(result.rowcount)  # type: ignore[attr-defined]
        for table in kept:
            values: dict[str, Any] = dict(rules.ANONYMISED_COLUMNS[table.name])
            if "version" in table.c:
                values["version"] = table.c.version + 1
            if "updated_at" in table.c:
                values["updated_at"] = utcnow()
            result = session.execute(update(table).where(tables.of(table, chunk)).values(**values))
            counts.anonymised[table.name] += int(result.rowcount)  # type: ignore[attr-defined]
        for person_id in chunk:
            person = people.get(person_id)
            if person is None:
                continue
            people.update(person_id, person.version, rules.anonymous_draft(person.draft, person_id))
            counts.anonymised[tables.root.name] += 1
        session.execute(
            update(PersonRow)
            .where(PersonRow.id.in_(chunk))
            .values(closure_note="")
            .execution_options(synchronize_session=False)
        )
    return counts


def certificate_numbers(session: Session, year: int) -> list[str]:
    """Certificate numbers of ``year`` already quoted in the audit trail.

    The current year's entries are never pruned (audit retention is at least a year).
    """
    stmt = select(AuditEntryRow.summary).where(
        AuditEntryRow.action.in_([AuditAction.PURGE.value, AuditAction.ANONYMISE.value]),
        AuditEntryRow.summary.like(f"%{rules.CERTIFICATE_PREFIX}-{year}-%"),
    )
    return [
        number for summary in session.scalars(stmt) for number in _CERTIFICATE_RE.findall(summary)
    ]


# -- everything held about one person ------------------------------------------------------


@dataclass(frozen=True)
class PersonData:
    """Everything the database holds about one person, as plain values.

    Attributes:
        person: the ``person`` row, column by column.
        tables: every linked table (even when empty), its rows in primary-key order.
        audit: the audit entries about the person, oldest first.
        references: labels of the rows outside the person's data that the rows point
            to (``{"agent": {3: "Élodie LEFÈVRE"}}``).
        foreign_keys: per table, the single-column foreign keys: column -> table.
        value_labels: per table and column of an enumeration, the label of each stored
            value (the audit trail's changes hold the values).
    """

    person: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]
    audit: list[dict[str, Any]]
    references: dict[str, dict[int, str]]
    foreign_keys: dict[str, dict[str, str]]
    value_labels: dict[str, dict[str, dict[str, str]]]


def _value_labels(tables: PersonTables) -> dict[str, dict[str, dict[str, str]]]:
    labels: dict[str, dict[str, dict[str, str]]] = {}
    for table in tables.tables:
        for column in table.columns:
            if isinstance(column.type, EnumText):
                members = column.type.enum_cls
                labels.setdefault(table.name, {})[column.name] = {
                    str(member.value): member.label for member in members
                }
    return labels


def _row_label(table: Table, row: Any) -> str:
    columns = table.c
    if "given_name" in columns and "surname" in columns:
        return f"{row.given_name} {str(row.surname).upper()}".strip()
    for name in ("name", "display_name", "label"):
        if name in columns:
            return str(getattr(row, name))
    return ""


def _references(
    session: Session, tables: PersonTables, rows: dict[Table, list[dict[str, Any]]]
) -> dict[str, dict[int, str]]:
    wanted: dict[Table, set[Any]] = {}
    for table, table_rows in rows.items():
        for fk in table.foreign_key_constraints:
            target = fk.referred_table
            if target in tables.tables or len(fk.elements) != 1:
                continue
            column = fk.elements[0].parent.name
            ids = {r[column] for r in table_rows if r[column] is not None}
            if ids:
                wanted.setdefault(target, set()).update(ids)
    labels: dict[str, dict[int, str]] = {}
    for target, ids in wanted.items():
        keys = list(target.primary_key.columns)
        if len(keys) != 1:
            continue
        found = session.execute(select(target).where(keys[0].in_(sorted(ids))))
        for row in found:
            label = _row_label(target, row)
            if label:
                labels.setdefault(target.name, {})[getattr(row, keys[0].name)] = label
    return labels


def _audit_rows(session: Session, person_id: int) -> list[dict[str, Any]]:
    """Entries about the person: those after the last purge of an earlier holder of the id.

    A backend may give a purged person's id to someone created later; the purge's own
    entry marks where the earlier holder's entries stop.
    """
    a = AuditEntryRow
    previous_holder_end = session.scalar(
        select(func.max(a.id)).where(
            a.person_id == person_id,
            a.object_type == "person",
            a.action == AuditAction.PURGE.value,
        )
    )
    stmt = select(a.__table__).where(a.person_id == person_id)
    if previous_holder_end is not None:
        stmt = stmt.where(a.id > previous_holder_end)
    entries = []
    for row in session.execute(stmt.order_by(a.id)).mappings():
        entry = {k: v for k, v in row.items() if k not in AUDIT_HIDDEN}
        entry["changes"] = [
            {"field": c.field, "old": c.old, "new": c.new}
            for c in changes_from_json(row["changes"])
        ]
        entries.append(entry)
    return entries


def collect(session: Session, person_id: int, tables: PersonTables) -> PersonData | None:
    """Everything held about ``person_id``; ``None`` if there is no such person."""
    rows: dict[Table, list[dict[str, Any]]] = {}
    for table in tables.tables:
        stmt = select(table).where(tables.of(table, [person_id]))
        stmt = stmt.order_by(*table.primary_key.columns)
        rows[table] = [dict(r) for r in session.execute(stmt).mappings()]
    if not rows[tables.root]:
        return None
    return PersonData(
        person=rows[tables.root][0],
        tables={t.name: rows[t] for t in tables.children},
        audit=_audit_rows(session, person_id),
        references=_references(session, tables, rows),
        foreign_keys={
            t.name: {
                fk.elements[0].parent.name: fk.referred_table.name
                for fk in t.foreign_key_constraints
                if len(fk.elements) == 1
            }
            for t in tables.tables
        },
        value_labels=_value_labels(tables),
    )
