"""Database URLs, without importing the database layer (kept light for start-up)."""

from __future__ import annotations

from pathlib import Path


def sqlite_file_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file (absolute paths give four slashes)."""
    return f"sqlite+pysqlite:///{path}"
