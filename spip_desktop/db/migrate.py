"""Bring a database to the schema this version expects, safely.

Before changing an existing SQLite file the database is copied with SQLite's
backup API; the upgrade then runs in one transaction over the application's
own connection, so it either completes or leaves the file untouched.

On a PostgreSQL server (DDL is transactional there too) backing up is the
server administrator's business; workstations starting a new version at the
same time take turns on an advisory lock, and the later ones find the work done.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..domain.backup_policy import BackupReason
from ..domain.errors import DatabaseUnavailable
from .backups import create_backup
from .engine import classify_error, describe, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

#: The newest revision in ``migrations/versions``. Knowing it without reading the
#: scripts lets a start on an up-to-date database skip importing alembic (about
#: 150 ms); ``tests/integration/test_migrations.py`` checks it against alembic.
SCHEMA_HEAD = "0005"
#: The key of the PostgreSQL advisory lock held while upgrading (any constant will do).
MIGRATION_LOCK_KEY = 0x5350_4950  # "SPIP"


def migrations_dir() -> Path:
    """Where the migration scripts are: inside the installed package, or the source tree."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "migrations", package.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("migrations directory not found")  # packaging error, not user input


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _stamped_revision(connection: Connection) -> str | None:
    """The revision recorded in the database, read without alembic (``None`` if none)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


@dataclass(frozen=True)
class UpgradeOutcome:
    from_revision: str | None
    to_revision: str
    backup: Path | None

    @property
    def changed(self) -> bool:
        return self.from_revision != self.to_revision


def _check_known(connection: Connection, where: str) -> str | None:
    """The database's revision; refuse databases from a newer version or of another kind."""
    revision = current_revision(connection)
    if revision is None:
        tables = set(inspect(connection).get_table_names())
        if tables and connection.dialect.name == "sqlite":
            raise DatabaseUnavailable(
                "foreign",
                f"Le fichier {where} contient déjà des tables qui ne sont pas celles de "
                "SPIP Desktop : choisissez un autre fichier.",
            )
        if tables:
            raise DatabaseUnavailable(
                "foreign",
                f"La base {where} contient déjà des tables qui ne sont pas celles de "
                "SPIP Desktop : indiquez une base vide, créée pour SPIP Desktop.",
            )
        return None
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if revision not in known:
        raise DatabaseUnavailable(
            "too_new",
            f"La base {where} a été créée ou mise à jour par une version plus récente "
            "de SPIP Desktop. Installez la dernière version de l'application pour l'ouvrir.",
        )
    return revision


def _set_foreign_keys(connection: Connection, enabled: bool) -> None:
    """SQLite's foreign keys, switched outside any transaction (inside one, the pragma is
    ignored): on the driver's connection, which runs in autocommit between transactions."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")


def _check_foreign_keys(connection: Connection, where: str) -> None:
    """After the upgrade, before its commit: every reference must still hold.

    SQLite applies a schema change that alembic cannot do in place (a foreign key added
    to a table) by copying the table and dropping the old one; with foreign keys on, the
    drop would cascade to the rows that point at it (a stage's sessions). The upgrade
    runs with them off, as SQLite's documentation asks, and this check replaces them.
    """
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
    if broken is not None:
        raise DatabaseUnavailable(
            "migration",
            f"La mise à niveau de la base {where} a été annulée : elle laisserait des "
            f"références rompues (table « {broken[0]} »). La base n'a pas été modifiée ; "
            "signalez-le à l'assistance avec le journal de l'application.",
        )


def upgrade_to_head(engine: Engine, backup_dir: Path) -> UpgradeOutcome:
    """Upgrade the database to the newest schema, backing it up first."""
    where = describe(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            if _stamped_revision(connection) == SCHEMA_HEAD:
                return UpgradeOutcome(SCHEMA_HEAD, SCHEMA_HEAD, None)  # the usual start
            current = _check_known(connection, where)
            connection.rollback()
        head = head_revision()
        if current == head:
            return UpgradeOutcome(current, head, None)
        backup = None
        path = sqlite_path(engine.url)
        if current is not None and path is not None:
            # The same checked, atomic backups as everywhere else (listed and restorable
            # from the Sauvegardes page): a crash here leaves no half-written copy.
            backup = create_backup(path, backup_dir, BackupReason.MIGRATION).path
            log.info("database backed up to %s before migration", backup)
        from alembic import command

        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                _set_foreign_keys(connection, False)
            try:
                with connection.begin():
                    if connection.dialect.name == "postgresql":
                        connection.exec_driver_sql(
                            f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
                        )
                        if _stamped_revision(connection) == head:  # another workstation did it
                            return UpgradeOutcome(head, head, None)
                    command.upgrade(alembic_config(connection), "head")
                    if sqlite:
                        _check_foreign_keys(connection, where)
            finally:
                if sqlite:
                    _set_foreign_keys(connection, True)
        log.info("database upgraded from %s to %s", current, head)
        return UpgradeOutcome(current, head, backup)
    except DBAPIError as error:
        raise classify_error(error, where) from error
    except sqlite3.Error as error:
        raise classify_error(error, where) from error
