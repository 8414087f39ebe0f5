"""Database URLs, without importing the database layer (kept light for start-up)."""

from __future__ import annotations

from pathlib import Path


def sqlite_file_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file (absolute paths give four slashes).

    ``%``, ``?`` and ``#`` are escaped: SQLAlchemy reads them as URL syntax, and a
    file named ``dossiers?.sqlite3`` would otherwise open ``dossiers``.
    """
    text = str(path).replace("%", "%25").replace("?", "%3F").replace("#", "%23")
    return f"sqlite+pysqlite:///{text}"
