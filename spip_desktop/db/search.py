"""Full-text search over people: SQLite FTS5 where available, folded LIKE elsewhere.

The text searched is ``person.search_text``, already folded by
:func:`spip_desktop.domain.text.search_document`, so the same query finds the
same people on every backend.  On SQLite an external-content FTS5 table,
kept in step by triggers (created by migration 0001), answers prefix queries
through its index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select, and_, column, literal_column, select, table, text
from sqlalchemy.engine import Connection

from .models import PersonRow

FTS_TABLE = "person_fts"


def is_search_object(table_name: str | None) -> bool:
    """True for the FTS5 table and its shadow tables, which alembic must not manage."""
    return bool(table_name) and str(table_name).startswith(FTS_TABLE)


@contextmanager
def bulk_load(connection: Connection) -> Iterator[None]:
    """Suspend the per-row index triggers during a bulk insert, then rebuild once.

    Used only by the demonstration generator, on the connection's transaction:
    if the load fails, the triggers come back with the rollback.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    triggers = list(
        connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
            (f"{FTS_TABLE}%",),
        )
    )
    for name, _sql in triggers:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    # A large page cache keeps index pages in memory instead of spilling them to the WAL.
    (previous_cache,) = connection.exec_driver_sql("PRAGMA cache_size").one()
    connection.exec_driver_sql("PRAGMA cache_size = -262144")
    yield
    connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous_cache)}")
    # Fresh statistics let the query planner pick the list's indexes.
    connection.exec_driver_sql("ANALYZE")
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)
    rebuild_search_index(connection)


def rebuild_search_index(connection: Connection) -> None:
    """Re-read every person into the index (after a bulk load without triggers)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def _fts_query(terms: list[str]) -> str:
    # Terms are folded to [a-z0-9]+, so quoting them is enough to make them literal.
    return " ".join(f'"{term}"*' for term in terms)


#: Covering index that lets SQLite sort FTS matches without reading whole rows.
SEARCH_COVER_INDEX = "ix_person_search_cover"


def restrict(stmt: Select[Any], dialect_name: str, terms: list[str]) -> Select[Any]:
    """Keep the people whose names or numbers start with every term.

    On SQLite, two plans, chosen by how selective the query is:
    - a one-letter query matches a large share of the people: walking the
      list's sort index and probing the match set finds a page quickest;
    - a longer query matches few people: reading the matches and sorting them
      through a narrow covering index is quickest.
    Elsewhere, word-prefix matching on the folded text (a space starts each word).
    """
    if dialect_name != "sqlite":
        return stmt.where(
            and_(*((" " + PersonRow.search_text).like(f"% {term}%") for term in terms))
        )
    match = text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=_fts_query(terms))
    if max(len(term) for term in terms) < 2:
        matching: Select[Any] = (
            select(literal_column("rowid")).select_from(text(FTS_TABLE)).where(match)
        )
        return stmt.where(PersonRow.id.in_(matching))
    fts = table(FTS_TABLE, column("rowid"))
    return (
        stmt.join(fts, fts.c.rowid == PersonRow.id)
        .where(match)
        .with_hint(PersonRow, f"INDEXED BY {SEARCH_COVER_INDEX}", "sqlite")
    )
