"""Engine factory: the only place that knows which database backend is in use.

SQLite connections get WAL, ``synchronous=FULL``, foreign keys and a busy
timeout; writing transactions start with ``BEGIN IMMEDIATE`` so that two
writers never deadlock half way, while read-only work (``read_only_engine``)
starts a deferred transaction and never blocks a writer.

PostgreSQL connections (the shared server mode) run in ``READ COMMITTED``
whatever the server's default, which the audit trail's append relies on; they
give up connecting after :data:`CONNECT_TIMEOUT_S`, waiting for a lock after the
same busy timeout as SQLite, and a session left idle inside a transaction is
ended by the server so that it cannot hold the audit table's lock for ever.
"""

from __future__ import annotations

import sqlite3
from importlib.util import find_spec
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
#: How long to wait for a PostgreSQL server that does not answer (libpq waits for ever).
CONNECT_TIMEOUT_S = 10
#: A PostgreSQL session idle inside a transaction this long is ended by the server.
IDLE_IN_TRANSACTION_MS = 120_000
APPLICATION_NAME = "spip-desktop"


def _bad_url(url: str | URL) -> DatabaseUnavailable:
    shown = str(url).rsplit("@", 1)[-1]  # never the password
    return DatabaseUnavailable(
        "bad_url",
        f"L'adresse de base de données « {shown} » n'est pas valide, "
        "ou le pilote qu'elle demande n'est pas installé.",
    )


def parse_url(url: str | URL) -> URL:
    """The parsed URL, or :class:`DatabaseUnavailable` (``bad_url``) with a French sentence."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError, TypeError) as error:  # e.g. a port that is no number
        raise _bad_url(url) from error


def is_sqlite(url: str | URL) -> bool:
    return parse_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str | URL) -> Path | None:
    """The database file of a SQLite URL (``None`` for memory or other backends)."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def create_engine_for(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url`` with this application's connection settings."""
    try:
        if not is_sqlite(url):
            if parse_url(url).get_backend_name() == "postgresql":
                return _postgresql_engine(url, busy_timeout_ms)
            return create_engine(url, pool_pre_ping=True, hide_parameters=True)
        # hide_parameters: a logged driver error never shows a name or a password hash.
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout_ms / 1000}, hide_parameters=True
        )
    except (ArgumentError, ImportError, ValueError, TypeError) as error:
        # NoSuchModuleError is an ArgumentError; a driver argument that is not a
        # number or a boolean is a ValueError.
        raise _bad_url(url) from error

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


def _postgresql_engine(url: str, busy_timeout_ms: int) -> Engine:
    """An engine on a PostgreSQL server; settings in the URL's query win over these."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql" and find_spec("psycopg") is not None:
        # SQLAlchemy's default driver is psycopg2; SPIP Desktop installs psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if parsed.get_driver_name() in ("psycopg", "psycopg2"):  # libpq's keywords
        defaults = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": APPLICATION_NAME,
        }
        connect_args = {k: v for k, v in defaults.items() if k not in parsed.query}
    engine = create_engine(
        parsed,
        pool_pre_ping=True,
        # The audit trail reads its head after locking the table: each statement
        # must see what committed before it, not a snapshot from the transaction's start.
        isolation_level="READ COMMITTED",
        connect_args=connect_args,
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")
            cursor.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}")
        finally:
            cursor.close()
        dbapi_connection.commit()

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _without_nul(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> tuple[str, Any]:
        return statement, _nul_free(parameters)

    return engine


def _nul_free(value: Any) -> Any:
    """``value`` with NUL characters in its strings replaced by U+FFFD.

    PostgreSQL cannot store NUL in text (the driver refuses the whole statement),
    where SQLite keeps it: a pasted or hostile NUL would turn an ordinary search,
    sign-in or save into "database unavailable". Replaced, it matches nothing
    when looked up and shows where it was when stored.
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {k: _nul_free(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_nul_free(v) for v in value)
    return value


def read_only_engine(engine: Engine) -> Engine:
    """The same pool, with transactions that only read (``BEGIN DEFERRED`` on SQLite)."""
    return engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})


def classify_error(error: BaseException, where: str) -> DatabaseUnavailable:
    """Turn a driver error into a sentence an officer understands."""
    orig = getattr(error, "orig", None) or error
    text = str(orig).lower()
    if type(orig).__module__.split(".")[0] in ("psycopg", "psycopg2"):
        classified = _classify_postgresql(orig, text, where)
        if classified is not None:
            return classified
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


#: SQLSTATE codes of PostgreSQL, by what the officer is told.
_PG_CONFLICT = {"40001", "40P01"}  # serialization failure, deadlock detected
_PG_LOCKED = {"55P03", "55006"}  # lock not available (lock_timeout), object in use
_PG_RESTARTING = {"57P01", "57P02", "57P03"}  # admin or crash shutdown, cannot connect now
# Failures to connect come as text: libpq's in the workstation's language, the server's
# in its lc_messages. The French ones are those of PostgreSQL 15's catalogues.
_PG_CONNECTION_LOST = (
    "server closed the connection",
    "la connexion au serveur a été coupée",
    "terminating connection",
    "arrêt des connexions",
    "connection is lost",
    "connection is closed",
    "consuming input failed",
    "ssl syscall error",
    "ssl connection has been closed",
)
_PG_UNREACHABLE = (
    "connection refused",
    "connexion refusée",
    "timeout expired",
    "le délai est dépassé",
    "connection timed out",
    "délai d'attente",
    "no route to host",
    "hôte cible",
    "network is unreachable",
    "réseau n'est pas accessible",
    "could not connect",
)
_PG_UNKNOWN_HOST = (
    "failed to resolve host",
    "could not translate host name",
    "n'a pas pu traduire le nom d'hôte",
    "n'a pas pu résoudre le nom de l'hôte",
    "name or service not known",
    "nom ou service inconnu",
    "nodename nor servname",
    "temporary failure in name resolution",
    "échec temporaire dans la résolution du nom",
)
_PG_AUTH_FAILED = (
    "password authentication failed",
    "authentification par mot de passe",
    "no password supplied",
    "aucun mot de passe",
    'role "',  # role "x" does not exist
    "rôle « ",
    "authentication failed",
    "authentification",
)
_PG_NOT_ALLOWED = ("pg_hba.conf", "not permitted to log in", "n'est pas autorisé à se connecter")
_PG_TOO_MANY = ("too many clients", "trop de clients", "too many connections")
_PG_RESTARTING_TEXT = (
    "is starting up",
    "is shutting down",
    "se lance",
    "s'arrête",
    "not yet accepting connections",
    "in recovery mode",
)


def _classify_postgresql(orig: BaseException, text: str, where: str) -> DatabaseUnavailable | None:
    """The sentence for a PostgreSQL failure, by SQLSTATE when the server sent one.

    Failures to connect carry no SQLSTATE (libpq reports them as text, in the
    server's language): those are recognised in English and in French.
    """
    state = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    if state in _PG_CONFLICT:
        return DatabaseUnavailable(
            "conflict",
            "Quelqu'un d'autre enregistrait au même moment des changements sur les mêmes "
            f"données (base {where}) : rien n'a été enregistré. Réessayez.",
        )
    if state in _PG_LOCKED:
        return DatabaseUnavailable(
            "locked",
            f"La base de données {where} est occupée par une autre opération. "
            "Réessayez dans un instant.",
        )
    if state == "42501" or (state == "42000" and "permission" in text):
        return DatabaseUnavailable(
            "permission",
            f"Le compte de connexion à la base {where} n'a pas les droits nécessaires : "
            "l'administrateur de la base doit les lui accorder.",
        )
    if state == "25006":
        return DatabaseUnavailable(
            "read_only",
            f"La base de données {where} n'accepte que la lecture (serveur en lecture seule "
            "ou serveur de secours) : prévenez l'administrateur de la base.",
        )
    if state == "53300" or any(marker in text for marker in _PG_TOO_MANY):
        return DatabaseUnavailable(
            "server_busy",
            f"Le serveur de la base {where} a atteint son nombre maximal de connexions. "
            "Réessayez dans un instant ; si cela se répète, prévenez l'administrateur.",
        )
    if state in ("53100", "53200") or "no space left" in text:
        return DatabaseUnavailable(
            "disk_full",
            f"Le serveur de la base {where} manque d'espace disque ou de mémoire : rien n'a "
            "été enregistré. Prévenez l'administrateur de la base.",
        )
    if state in _PG_RESTARTING or any(marker in text for marker in _PG_RESTARTING_TEXT):
        return DatabaseUnavailable(
            "unreachable",
            f"Le serveur de la base {where} est en train de démarrer ou de s'arrêter. "
            "Réessayez dans quelques minutes ; si cela dure, prévenez l'administrateur.",
        )
    if (
        state == "3D000"
        or ("does not exist" in text and "database" in text)
        or ("n'existe pas" in text and "base de données" in text)
    ):
        return DatabaseUnavailable(
            "missing",
            f"La base {where} n'existe pas sur le serveur : vérifiez son nom dans l'adresse, "
            "ou demandez à l'administrateur de la créer.",
        )
    if state == "28P01" or (state == "28000" and "pg_hba" not in text):
        return _auth_failed(where)
    if any(marker in text for marker in _PG_NOT_ALLOWED):
        return DatabaseUnavailable(
            "not_allowed",
            f"Le serveur de la base {where} n'accepte pas les connexions de ce poste ou de ce "
            "compte : l'administrateur de la base doit les autoriser.",
        )
    if any(marker in text for marker in _PG_AUTH_FAILED):
        return _auth_failed(where)
    if any(marker in text for marker in _PG_UNKNOWN_HOST):
        return DatabaseUnavailable(
            "unreachable",
            f"Le serveur de la base {where} est introuvable : son nom est inconnu du réseau. "
            "Vérifiez l'adresse du serveur et la connexion réseau du poste.",
        )
    if any(marker in text for marker in _PG_UNREACHABLE):
        return DatabaseUnavailable(
            "unreachable",
            f"Le serveur de la base {where} ne répond pas. Vérifiez la connexion réseau du "
            "poste, puis l'adresse et le port du serveur ; s'ils sont justes, le serveur est "
            "peut-être arrêté : prévenez l'administrateur.",
        )
    if any(marker in text for marker in _PG_CONNECTION_LOST):
        return DatabaseUnavailable(
            "connection_lost",
            f"La connexion au serveur de la base {where} a été coupée. Vérifiez le réseau, "
            "puis réessayez : la dernière opération n'a peut-être pas été enregistrée.",
        )
    if state == "22001" or "value too long" in text or "valeur trop longue" in text:
        return DatabaseUnavailable(
            "too_long",
            f"Un texte est plus long que ce que la base {where} accepte : "
            "raccourcissez-le, puis enregistrez de nouveau.",
        )
    return None


def _auth_failed(where: str) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        "auth_failed",
        f"Le serveur de la base {where} a refusé la connexion : identifiant ou mot de passe "
        "incorrect. Vérifiez-les auprès de l'administrateur de la base.",
    )


def describe(url: str) -> str:
    """How messages name a database: its file, or its server without password."""
    try:
        path = sqlite_path(url)
        if path is not None:
            return f"« {path} »"
        return f"« {make_url(url).render_as_string(hide_password=True)} »"
    except DatabaseUnavailable:
        return "« adresse invalide »"


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
            elif write and engine.dialect.name == "postgresql":
                with connection.begin():
                    read_only = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
                if read_only == "on":  # a standby, or default_transaction_read_only
                    raise DatabaseUnavailable(
                        "read_only",
                        f"La base de données {where} n'accepte que la lecture (serveur en "
                        "lecture seule ou serveur de secours) : prévenez l'administrateur.",
                    )
            elif write:
                with connection.begin():
                    pass
    except (DBAPIError, sqlite3.Error) as error:
        raise classify_error(error, where) from error
