"""Database health checks for ``spip-desktop check``."""

from __future__ import annotations

from sqlalchemy import Engine

from .migrate import current_revision, head_revision


def integrity_problems(engine: Engine) -> list[str]:
    """What SQLite's ``integrity_check`` reports (empty when sound)."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as connection:
        rows = [str(r[0]) for r in connection.exec_driver_sql("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def foreign_key_problems(engine: Engine) -> list[str]:
    """Rows that point at a missing parent row."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as connection:
        rows = list(connection.exec_driver_sql("PRAGMA foreign_key_check"))
    return [f"table {r[0]}, ligne {r[1]} : référence absente dans {r[2]}" for r in rows]


def migration_state(engine: Engine) -> tuple[str | None, str]:
    with engine.connect() as connection:
        return current_revision(connection), head_revision()
