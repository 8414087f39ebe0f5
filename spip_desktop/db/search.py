"""Full-text search over people: SQLite FTS5 where available, folded LIKE elsewhere.

The text searched is ``person.search_text``, already folded by
:func:`spip_desktop.domain.text.search_document`, so the same query finds the
same people on every backend.  On SQLite an external-content FTS5 table,
kept in step by triggers (created by migration 0001), answers prefix queries
through its index. On PostgreSQL every query takes the LIKE plan, which a
trigram index on ``person.search_text`` (migration 0002, ``pg_trgm``) serves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    and_,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .models import PersonRow

FTS_TABLE = "person_fts"
_LIKE_SPECIAL = re.compile(r"[\\%_]")
#: PostgreSQL's trigram index on ``person.search_text`` (migration 0002).
TRIGRAM_INDEX = "ix_person_search_trgm"


def is_search_object(name: str | None) -> bool:
    """True for the search structures the models cannot describe and alembic must not manage:
    the FTS5 table and its shadow tables (SQLite), the trigram index (PostgreSQL)."""
    return bool(name) and (str(name).startswith(FTS_TABLE) or name == TRIGRAM_INDEX)


@contextmanager
def bulk_load(connection: Connection) -> Iterator[None]:
    """Suspend the per-row index triggers during a bulk insert, then rebuild once.

    Used only by the demonstration generator, on the connection's transaction:
    if the load fails, the triggers come back with the rollback.
    """
    if connection.dialect.name != "sqlite":
        yield
        if connection.dialect.name == "postgresql":
            # Fresh statistics, or the planner guesses on tables it believes empty.
            connection.exec_driver_sql("ANALYZE person, measure, obligation")
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
    # Fresh statistics let the query planner pick the list's indexes. Only the tables just
    # loaded: statistics taken of a near-empty table (the audit trail of a new base) would
    # stay, and make the planner scan it once it has grown.
    for loaded in ("person", "measure", "obligation"):
        connection.exec_driver_sql(f"ANALYZE {loaded}")
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


class Plan(Enum):
    """How to combine a full-text match with the list's filters and order."""

    LIKE = "like"  # backends without FTS5: word-prefix LIKE on the folded text
    #: Without FTS5, few matches: the LIKE matches gathered first (trigram index), then
    #: sorted. Walking the sort index instead reads every name before the first match:
    #: 200,000 rows for ``pet`` at 250,000 people, 240 ms on PostgreSQL.
    LIKE_SET = "like_set"
    JOIN = "join"  # few matches: read them all, sort them through the covering index
    IN = "in"  # many matches: walk the sort index, look each row up in the match set
    EXISTS = "exists"  # nearly everyone matches: walk the sort index, probe FTS per row


#: Below this many matches, reading and sorting them all is the quickest plan.
FEW_MATCHES = 12_000
#: Above this share of the people, probing row by row beats building the match set.
MOST_MATCHES = 0.5
#: How many of the first people the planner looks at to estimate a query's reach.
SAMPLE_ROWS = 5_000


_FTS = table(FTS_TABLE, column("rowid"))


def _match(terms: list[str]) -> TextClause:
    return text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=_fts_query(terms))


def estimate_matches(session: Session, terms: list[str]) -> tuple[int, int]:
    """``(estimated matches, people)``, from the share of matches among the first rows.

    Row ids do not follow names, so the first rows are a fair sample; FTS5 reads
    only the part of each word list below the bound, so this costs well under a
    millisecond even when everyone matches.
    """
    people = int(session.scalar(select(func.max(PersonRow.id))) or 0)
    counted = select(func.count()).select_from(_FTS).where(_match(terms))
    if people <= SAMPLE_ROWS:
        return int(session.scalar(counted) or 0), people
    hits = int(session.scalar(counted.where(_FTS.c.rowid <= SAMPLE_ROWS)) or 0)
    return hits * people // SAMPLE_ROWS, people


def has_fts(session: Session) -> bool:
    """True where the FTS5 index exists (SQLite); elsewhere only :attr:`Plan.LIKE` works."""
    return session.get_bind().dialect.name == "sqlite"


def estimate_like_matches(session: Session, terms: list[str]) -> int:
    """The matches to expect without FTS5: those among the first rows, scaled (the
    primary key's range reads ``SAMPLE_ROWS`` rows: a millisecond or two)."""
    dialect = session.get_bind().dialect.name
    people = int(session.scalar(select(func.count()).select_from(PersonRow)) or 0)
    matching = and_(*(_word_prefix(term, dialect) for term in terms))
    if people <= SAMPLE_ROWS:
        return int(session.scalar(select(func.count()).where(matching)) or 0)
    # The rows of the sample that still exist (files purged leave gaps among the first ids).
    sampled, hits = session.execute(
        select(func.count(), func.count(case((matching, 1)))).where(PersonRow.id <= SAMPLE_ROWS)
    ).one()
    return int(hits or 0) * people // max(int(sampled or 0), 1)


def choose_plan(session: Session, terms: list[str], count_only: bool = False) -> Plan:
    """Pick the plan from the estimated number of matches (see :class:`Plan`)."""
    if not has_fts(session):
        if count_only:
            return Plan.LIKE  # no order to keep: the trigram index answers at once
        few = estimate_like_matches(session, terms) < FEW_MATCHES
        return Plan.LIKE_SET if few else Plan.LIKE
    estimate, people = estimate_matches(session, terms)
    if estimate < FEW_MATCHES:
        return Plan.JOIN
    if not count_only and estimate >= people * MOST_MATCHES:
        return Plan.EXISTS
    return Plan.IN


def _word_prefix(term: str, dialect: str) -> ColumnElement[bool]:
    """``search_text`` has a word starting with ``term``.

    Terms are folded (:func:`spip_desktop.domain.text.search_terms`): no case to fold
    (PostgreSQL's LIKE is case-sensitive, the stored text is folded) and, being
    ``[a-z0-9]+``, no wildcard either; PostgreSQL's default escape character guards
    against any all the same. There the column itself is compared, never an
    expression of it, so that the trigram index answers both patterns.
    """
    if dialect == "postgresql":
        literal = _LIKE_SPECIAL.sub(r"\\\g<0>", term)
        return or_(
            PersonRow.search_text.like(f"{literal}%"), PersonRow.search_text.like(f"% {literal}%")
        )
    return (" " + PersonRow.search_text).like(f"% {term}%")


def restrict(
    stmt: Select[Any], plan: Plan, terms: list[str], dialect: str = "sqlite"
) -> Select[Any]:
    """Keep the people whose names or numbers start with every term, by ``plan``.

    ``dialect`` is the backend's name: without FTS5 (not SQLite) every plan is the
    LIKE plan.
    """
    if plan is Plan.LIKE_SET:
        matches = (
            select(PersonRow.id.label("match_id"))
            .where(*(_word_prefix(term, dialect) for term in terms))
            .cte("search_matches")
            .prefix_with("MATERIALIZED")  # gathered once, not walked in the list's order
        )
        return stmt.join(matches, matches.c.match_id == PersonRow.id)
    if plan is Plan.LIKE or dialect != "sqlite":
        return stmt.where(and_(*(_word_prefix(term, dialect) for term in terms)))
    if plan is Plan.JOIN:
        return (
            stmt.join(_FTS, _FTS.c.rowid == PersonRow.id)
            .where(_match(terms))
            .with_hint(PersonRow, f"INDEXED BY {SEARCH_COVER_INDEX}", "sqlite")
        )
    if plan is Plan.IN:
        matching: Select[Any] = select(_FTS.c.rowid).where(_match(terms))
        return stmt.where(PersonRow.id.in_(matching))
    probe: Select[Any] = (
        select(literal_column("1"))
        .select_from(_FTS)
        .where(_FTS.c.rowid == PersonRow.id, _match(terms))
    )
    return stmt.where(probe.exists())
