"""Engine factory: the only place that knows which database backend is in use.

SQLite connections get WAL, ``synchronous=FULL``, foreign keys and a busy
timeout; writing transactions start with ``BEGIN IMMEDIATE`` so that two
writers never deadlock half way, while read-only work (``read_only_engine``)
starts a deferred transaction and never blocks a writer.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from ..domain.errors import DatabaseUnavailable

BUSY_TIMEOUT_MS = 5000
#: Page cache per connection (SQLite's default is 2 MB): the list's indexes stay in memory.
CACHE_KIB = 32 * 1024
_BEGIN_OPTION = "spip_begin"


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str | URL) -> Path | None:
    """The database file of a SQLite URL (``None`` for memory or other backends)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def create_engine_for(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url`` with this application's connection settings."""
    try:
        if not is_sqlite(url):
            return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as error:  # NoSuchModuleError is an ArgumentError
        raise DatabaseUnavailable(
            "bad_url",
            f"L'adresse de base de données « {url.rsplit('@', 1)[-1]} » n'est pas valide, "
            "ou le pilote qu'elle demande n'est pas installé.",
        ) from error
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def read_only_engine(engine: Engine) -> Engine:
    """The same pool, with transactions that only read (``BEGIN DEFERRED`` on SQLite)."""
    return engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})


def classify_error(error: BaseException, where: str) -> DatabaseUnavailable:
    """Turn a driver error into a sentence an officer understands."""
    text = str(getattr(error, "orig", None) or error).lower()
    if "locked" in text or "busy" in text:
        return DatabaseUnavailable(
            "locked",
            f"La base de données {where} est utilisée par un autre programme "
            "(une autre fenêtre de SPIP Desktop ?). Réessayez dans un instant.",
        )
    if "readonly" in text or "read-only" in text or "read only" in text:
        return DatabaseUnavailable(
            "read_only",
            f"La base de données {where} est en lecture seule : vérifiez les droits "
            "d'écriture sur le fichier et son dossier.",
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return DatabaseUnavailable(
            "corrupt",
            f"Le fichier {where} est endommagé ou n'est pas une base SPIP Desktop. "
            "Restaurez la dernière sauvegarde.",
        )
    if "unable to open" in text or "permission denied" in text or "access" in text:
        return DatabaseUnavailable(
            "unreadable",
            f"Impossible d'ouvrir la base de données {where} : le fichier est "
            "inaccessible (droits, disque ou chemin).",
        )
    return DatabaseUnavailable(
        "unavailable",
        f"La base de données {where} est inaccessible ({text.splitlines()[0][:120]}).",
    )


def describe(url: str) -> str:
    """How messages name a database: its file, or its server without password."""
    path = sqlite_path(url)
    if path is not None:
        return f"« {path} »"
    return f"« {make_url(url).render_as_string(hide_password=True)} »"


def probe(engine: Engine, write: bool = True) -> None:
    """Check that the database can be read (and written) now; raise a French error if not."""
    where = describe(engine.url.render_as_string(hide_password=False))
    path = sqlite_path(engine.url)
    if path is not None and path.is_dir():
        raise DatabaseUnavailable(
            "unreadable", f"{where} est un dossier, pas un fichier de base de données."
        )
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master" if path else "SELECT 1")
            connection.rollback()
            if write and path is not None:
                # Rewriting the header inside a rolled-back transaction proves the file
                # is writable (SQLite silently opens a read-only file read-only) and not
                # held by another writer.
                transaction = connection.begin()
                try:
                    (version,) = connection.exec_driver_sql("PRAGMA user_version").one()
                    connection.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
                finally:
                    transaction.rollback()
            elif write:
                with connection.begin():
                    pass
    except (DBAPIError, sqlite3.Error) as error:
        raise classify_error(error, where) from error
