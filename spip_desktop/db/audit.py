"""The audit trail in the database: append in the action's transaction, read, verify, prune.

Appending reads the newest entry's hash and inserts the next entry in the same
transaction as the action it records. Writers must not interleave there: on
SQLite every writing transaction already holds the write lock (``BEGIN
IMMEDIATE``); on PostgreSQL the table is locked in ``SHARE ROW EXCLUSIVE`` mode
first, which serialises appenders but never blocks readers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select, delete, func, insert, select, text
from sqlalchemy.orm import Session

from ..domain.audit import (
    GENESIS,
    AuditAction,
    AuditEntry,
    AuditEvent,
    AuditQuery,
    ChainReport,
    ChainRow,
    changes_from_json,
    changes_to_json,
    entry_hash,
    verify_chain,
)
from ..domain.security import User
from .engine import read_only_engine
from .models import AuditAnchorRow, AuditEntryRow, utcnow

APPEND_ONLY_TABLES = ("audit_entry", "audit_anchor")
SUMMARY_MAX = 500
ACTIONS = {action.value: action for action in AuditAction}
VERIFY_BATCH = 20_000


class AuditRepository:
    """Audit entries seen from one unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._head: str | None = None  # known after this transaction's first append

    def record(self, event: AuditEvent, user: User) -> None:
        """Append ``event`` by ``user``, chained to the newest entry."""
        prev = self._head if self._head is not None else self._lock_and_read_head()
        at = utcnow()
        changes = changes_to_json(event.changes)
        summary = event.summary[:SUMMARY_MAX]
        digest = entry_hash(
            prev,
            at,
            user.login,
            user.display_name,
            event.action.value,
            event.object_type,
            event.object_id,
            event.person_id,
            summary,
            changes,
        )
        # One compiled Core INSERT, parameters apart: no ORM object, no compilation per
        # entry (a save's audit entry costs about 0.15 ms, see bench/README.md).
        self.session.connection().execute(
            _INSERT,
            dict(
                at=at,
                actor_login=user.login,
                actor_name=user.display_name,
                action=event.action.value,
                object_type=event.object_type,
                object_id=event.object_id,
                person_id=event.person_id,
                summary=summary,
                changes=changes,
                prev_hash=prev,
                hash=digest,
            ),
        )
        self._head = digest

    def _lock_and_read_head(self) -> str:
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # Read committed: the SELECT in head() runs after the lock is granted, so it
            # sees the entry of any appender that went first.
            connection.exec_driver_sql("LOCK TABLE audit_entry IN SHARE ROW EXCLUSIVE MODE")
        return head(connection)

    # -- reading --------------------------------------------------------------------
    def query(self, query: AuditQuery, offset: int = 0, limit: int = 200) -> list[AuditEntry]:
        """Newest first."""
        stmt = _filtered(select(AuditEntryRow), query)
        stmt = stmt.order_by(AuditEntryRow.id.desc()).offset(offset).limit(limit)
        return [_entry(row) for row in self.session.scalars(stmt)]

    def count(self, query: AuditQuery) -> int:
        stmt = _filtered(select(func.count()).select_from(AuditEntryRow), query)
        return int(self.session.scalar(stmt) or 0)

    def for_person(
        self, person_id: int, since: datetime | None = None, limit: int = 500
    ) -> list[AuditEntry]:
        """Entries about a person, newest first; ``since`` (the file's creation) leaves out
        those of an earlier, purged person whose id SQLite gave again."""
        stmt = select(AuditEntryRow).where(AuditEntryRow.person_id == person_id)
        if since is not None:
            stmt = stmt.where(AuditEntryRow.at >= since)
        stmt = stmt.order_by(AuditEntryRow.id.desc()).limit(limit)
        return [_entry(row) for row in self.session.scalars(stmt)]

    def last_change(self, object_type: str, object_id: int) -> AuditEntry | None:
        """The newest creation or change of an object (who saved it last, and when)."""
        stmt = (
            select(AuditEntryRow)
            .where(
                AuditEntryRow.object_type == object_type,
                AuditEntryRow.object_id == object_id,
                AuditEntryRow.action.in_([AuditAction.CREATE.value, AuditAction.UPDATE.value]),
            )
            .order_by(AuditEntryRow.id.desc())
            .limit(1)
        )
        row = self.session.scalars(stmt).first()
        return None if row is None else _entry(row)

    def actors(self) -> list[tuple[str, str]]:
        """Every (login, name) that appears in the trail, for the browser's filter."""
        stmt = (
            select(AuditEntryRow.actor_login, func.max(AuditEntryRow.actor_name))
            .group_by(AuditEntryRow.actor_login)
            .order_by(AuditEntryRow.actor_login)
        )
        return [(login, name) for login, name in self.session.execute(stmt)]


_S = TypeVar("_S", bound=Select[Any])


def _filtered(stmt: _S, query: AuditQuery) -> _S:
    if query.since is not None:
        stmt = stmt.where(AuditEntryRow.at >= datetime.combine(query.since, datetime.min.time()))
    if query.until is not None:
        stmt = stmt.where(AuditEntryRow.at <= datetime.combine(query.until, datetime.max.time()))
    if query.actor_login:
        stmt = stmt.where(AuditEntryRow.actor_login == query.actor_login)
    if query.action is not None:
        stmt = stmt.where(AuditEntryRow.action == query.action.value)
    if query.object_type:
        stmt = stmt.where(AuditEntryRow.object_type == query.object_type)
    if query.person_id is not None:
        stmt = stmt.where(AuditEntryRow.person_id == query.person_id)
    return stmt


def _entry(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_login=row.actor_login,
        actor_name=row.actor_name,
        action=ACTIONS[row.action],
        object_type=row.object_type,
        object_id=row.object_id,
        person_id=row.person_id,
        summary=row.summary,
        changes=changes_from_json(row.changes),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


# -- the chain as a whole -----------------------------------------------------------------


_INSERT = insert(AuditEntryRow)
_HEAD = text("SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1")


def head(connection: Connection) -> str:
    """The newest entry's hash (the anchor's, or the genesis value, when there is none)."""
    newest = connection.execute(_HEAD).scalar()
    return newest if newest is not None else _anchor(connection)[1]


def _anchor(connection: Connection) -> tuple[int, str]:
    """(first kept id, hash it links to) of the latest prune; (0, genesis) before any."""
    row = connection.execute(
        select(AuditAnchorRow.first_kept_id, AuditAnchorRow.anchor_hash)
        .order_by(AuditAnchorRow.id.desc())
        .limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


_CHAIN_SQL = text(
    "SELECT id, at, actor_login, actor_name, action, object_type, object_id, person_id, "
    "summary, changes, prev_hash, hash FROM audit_entry WHERE id > :last ORDER BY id LIMIT :size"
)


def _chain_rows(connection: Connection, after_id: int) -> Iterator[ChainRow]:
    """Every entry from ``after_id`` on, in id order, streamed in keyset batches.

    Plain SQL text: no type conversion per value (SQLite's timestamps stay text,
    which :func:`~spip_desktop.domain.audit.timestamp` hashes as is).
    """
    last = after_id - 1
    while True:
        batch = connection.execute(_CHAIN_SQL, {"last": last, "size": VERIFY_BATCH}).all()
        if not batch:
            return
        yield from batch
        last = batch[-1][0]


def verify(engine: Engine) -> ChainReport:
    """Check the whole chain from its anchor (read-only; safe beside running writers).

    A reading transaction (``BEGIN DEFERRED`` on SQLite): a million entries take seconds
    to hash, and the start-up check runs while the officer starts working; a writing
    transaction held the base's write lock all along, and the integrity check beside it
    failed on « database is locked » at 250,000 people (bench/README.md, [6/6]).
    """
    with read_only_engine(engine).connect() as connection:
        first_kept, anchor_hash = _anchor(connection)
        return verify_chain(_chain_rows(connection, first_kept), anchor_hash)


def prune_before(session: Session, cutoff: datetime) -> tuple[int, int]:
    """Delete entries older than ``cutoff`` and anchor the chain where they stop.

    Returns (entries deleted, first kept id). The append-only triggers are lifted
    for this transaction only: the DDL is transactional on both backends, so a
    failure leaves them in place. The caller records the prune in the chain.
    """
    connection = session.connection()
    last_pruned = connection.execute(
        select(func.max(AuditEntryRow.id)).where(AuditEntryRow.at < cutoff)
    ).scalar()
    if last_pruned is None:
        return 0, 0
    anchor_hash = connection.execute(
        select(AuditEntryRow.hash).where(AuditEntryRow.id == last_pruned)
    ).scalar_one()
    with _append_only_lifted(connection):
        deleted = connection.execute(
            delete(AuditEntryRow).where(AuditEntryRow.id <= last_pruned)
        ).rowcount
    connection.execute(
        insert(AuditAnchorRow).values(
            first_kept_id=last_pruned + 1, anchor_hash=anchor_hash, at=utcnow(), pruned=deleted
        )
    )
    return int(deleted), last_pruned + 1


@contextmanager
def _append_only_lifted(connection: Connection) -> Iterator[None]:
    """Let this transaction delete audit entries (the retention prune only)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER audit_entry_no_delete")
    elif dialect == "postgresql":
        connection.exec_driver_sql(
            "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"
        )
    yield
    if dialect == "sqlite":
        connection.exec_driver_sql(SQLITE_NO_DELETE)
    elif dialect == "postgresql":
        connection.exec_driver_sql("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")


SQLITE_NO_DELETE = """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN
        SELECT RAISE(ABORT, 'append-only table: audit_entry');
    END"""
