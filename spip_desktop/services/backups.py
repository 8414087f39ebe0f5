"""Backups of the workstation's SQLite database: automatic, on demand, and restore.

Automatic backups (at exit, every 4 hours, before a migration or a restore)
need no role: they protect everyone's work. Listing, making one on demand and
restoring are for administrators, and each is recorded in the audit trail.
In the server mode PostgreSQL's own tools do this job (see the README).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from ..db import backups
from ..db.engine import sqlite_path
from ..db.migrate import alembic_config
from ..domain.audit import AuditAction, AuditEvent
from ..domain.backup_policy import BackupInfo, BackupReason
from ..domain.errors import SpipError
from ..domain.security import Permission
from .base import Clock, Service, UnitOfWorkSource, UserSession

#: Hours between two automatic backups while the application is open.
PERIODIC_HOURS = 4

SERVER_MODE = (
    "En mode serveur, les sauvegardes se font avec les outils de PostgreSQL "
    "(pg_dump, sauvegarde continue) sur le serveur : voir le guide d'installation."
)


def known_revisions() -> set[str]:
    """Every schema revision this version knows (a backup from a newer one is refused)."""
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


class BackupService(Service):
    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock,
        session: UserSession,
        engine: Engine,
        backup_dir: Path,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(uow, today, session)
        self._engine = engine
        self.backup_dir = backup_dir
        self._now = now

    @property
    def available(self) -> bool:
        """Backups apply to a SQLite file (not to a server database)."""
        return self._database() is not None

    def _database(self) -> Path | None:
        return sqlite_path(self._engine.url)

    def _live(self) -> Path:
        path = self._database()
        if path is None:
            raise SpipError(SERVER_MODE)
        return path

    # -- making backups -----------------------------------------------------------------
    def create_automatic(self, reason: BackupReason) -> BackupInfo | None:
        """An automatic backup (exit, periodic); ``None`` in the server mode."""
        if not self.available:
            return None
        return self._create(reason)

    def create(self) -> BackupInfo:
        """A backup on demand (administrators)."""
        self._require(Permission.BACKUPS)
        return self._create(BackupReason.MANUAL)

    def _create(self, reason: BackupReason) -> BackupInfo:
        info = backups.create_backup(self._live(), self.backup_dir, reason, now=self._now())
        backups.prune_backups(self.backup_dir, self._now())
        if self._session.user is not None:
            with self._uow() as uow:
                self._audit(
                    uow,
                    AuditEvent(
                        AuditAction.BACKUP,
                        "database",
                        summary=f"Sauvegarde {reason.label} : {info.path.name}",
                    ),
                )
                uow.commit()
        return info

    def export_to(self, target: Path) -> BackupInfo:
        """A backup written to a chosen file (``spip-desktop backup --out``), sidecar beside."""
        if target.exists():
            raise SpipError(f"Le fichier « {target} » existe déjà : choisissez un autre nom.")
        info = backups.create_backup(
            self._live(), target.parent, BackupReason.MANUAL, now=self._now()
        )
        try:
            info.path.replace(target)
            sidecar = Path(f"{info.path}.json")
            if sidecar.exists():
                sidecar.replace(Path(f"{target}.json"))
        except OSError as error:
            raise SpipError(
                f"La sauvegarde n'a pas pu être nommée « {target} » : {error}."
            ) from error
        return replace(info, path=target)

    # -- reading them -----------------------------------------------------------------------
    def list(self) -> list[BackupInfo]:
        self._require(Permission.BACKUPS)
        return backups.list_backups(self.backup_dir)

    def inspect(self, path: Path) -> BackupInfo:
        """What a chosen file holds, before restoring it (refuses what is not a backup)."""
        self._require(Permission.BACKUPS)
        return backups.inspect_backup(path, known_revisions())

    def latest_good(self) -> BackupInfo | None:
        """The newest sound backup (offered when the database turns out damaged)."""
        return backups.latest_good_backup(self.backup_dir)

    # -- restoring ------------------------------------------------------------------------------
    def restore(self, path: Path) -> BackupInfo | None:
        """Replace the database with a backup, after a safety backup of the current one.

        Returns the safety backup (``None`` when the current file could not be read).
        Every connection of this process is closed first; the caller reopens the
        session (accounts may differ in the restored base).
        """
        self._require(Permission.BACKUPS)
        live = self._live()
        self._engine.dispose()
        safety = backups.restore_backup(live, path, self.backup_dir, known_revisions())
        self._uow.accept_current_file()
        with self._uow() as uow:
            self._audit(uow, restore_event(path, safety))
            uow.commit()
        return safety


def restore_event(path: Path, safety: BackupInfo | None) -> AuditEvent:
    """The audit entry of a restore, written into the restored base."""
    summary = f"Base restaurée depuis {path.name}"
    if safety is not None:
        summary += f" (sauvegarde de sécurité : {safety.path.name})"
    return AuditEvent(AuditAction.RESTORE, "database", summary=summary)
