"""Database health checks for ``spip-desktop check``.

On SQLite the file itself is checked (``integrity_check``, ``foreign_key_check``).
On a PostgreSQL server the storage is the server's business (its administrator
checks it, with ``pg_amcheck`` for instance, which needs rights the application
does not have): :func:`integrity_check_applies` says so, and
:func:`integrity_problems` has nothing to report. Foreign keys are checked on
every backend: PostgreSQL enforces them, but a constraint left ``NOT VALID`` or
rows loaded with the triggers off would let orphans in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, ForeignKeyConstraint, Table, and_, select
from sqlalchemy.exc import DBAPIError

from .engine import read_only_engine
from .migrate import current_revision, head_revision
from .models import Base

#: Orphan rows listed per foreign key, at most.
ORPHANS_SHOWN = 100


def integrity_check_applies(engine: Engine) -> bool:
    """True when :func:`integrity_problems` checks something (SQLite files only)."""
    return engine.dialect.name == "sqlite"


def quick_check_problems(engine: Engine) -> list[str]:
    """What ``PRAGMA quick_check`` reports (empty when sound; nothing to check on a server).

    A file so damaged that the check itself fails reports the driver's error.
    """
    if not integrity_check_applies(engine):
        return []
    try:
        # A reading transaction: the check runs beside the start-up's other work.
        with read_only_engine(engine).connect() as connection:
            rows = [str(r[0]) for r in connection.exec_driver_sql("PRAGMA quick_check")]
            connection.rollback()
    except DBAPIError as error:
        return [str(error.orig)]
    return [] if rows == ["ok"] else rows


def integrity_problems(engine: Engine) -> list[str]:
    """What SQLite's ``integrity_check`` reports (empty when sound, or not applicable)."""
    if not integrity_check_applies(engine):
        return []
    with engine.connect() as connection:
        rows = [str(r[0]) for r in connection.exec_driver_sql("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def foreign_key_problems(engine: Engine) -> list[str]:
    """Rows that point at a missing parent row."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            rows = list(connection.exec_driver_sql("PRAGMA foreign_key_check"))
        return [f"table {r[0]}, ligne {r[1]} : référence absente dans {r[2]}" for r in rows]
    problems: list[str] = []
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            unchecked = connection.exec_driver_sql(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE contype = 'f' AND NOT convalidated ORDER BY 1, 2"
            )
            problems += [f"table {t} : contrainte {c} jamais vérifiée" for t, c in unchecked]
        for table in Base.metadata.sorted_tables:
            for constraint in table.foreign_key_constraints:
                problems += _orphans(connection, table, constraint)
    return problems


def _orphans(connection: Connection, table: Table, constraint: ForeignKeyConstraint) -> list[str]:
    """The rows of ``table`` whose ``constraint`` points at no row (by an outer join)."""
    parent: Any = constraint.referred_table
    if parent is table:  # a link within the table (a superseded attendance record)
        parent = table.alias("referred")
    pairs = [(element.parent, parent.c[element.column.name]) for element in constraint.elements]
    joined = table.outerjoin(parent, and_(*(child == referred for child, referred in pairs)))
    stmt = (
        select(table.c.id if "id" in table.c else pairs[0][0])
        .select_from(joined)
        .where(*(child.is_not(None) for child, _ in pairs))
        .where(*(referred.is_(None) for _, referred in pairs))
        .limit(ORPHANS_SHOWN)
    )
    return [
        f"table {table.name}, ligne {row_id} : référence absente dans "
        f"{constraint.referred_table.name}"
        for row_id in connection.scalars(stmt)
    ]


def migration_state(engine: Engine) -> tuple[str | None, str]:
    with engine.connect() as connection:
        return current_revision(connection), head_revision()
