"""Composition root shared by the command line and the window: open, migrate, wire.

Nothing else constructs the engine or the services.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from .db import backups
from .db.engine import create_engine_for, describe, probe, sqlite_path
from .db.filesystems import network_filesystem
from .db.migrate import UpgradeOutcome, upgrade_to_head
from .db.unit_of_work import UnitOfWorkFactory
from .domain.audit import AuditAction, AuditEvent
from .domain.backup_policy import BackupInfo
from .domain.errors import DatabaseUnavailable, SpipError
from .domain.security import User
from .services.accounts import AccountService
from .services.audit import AuditService
from .services.backups import SERVER_MODE, BackupService, known_revisions, restore_event
from .services.base import UserSession
from .services.documents import local_now
from .services.maintenance import MaintenanceService
from .services.passwords import Passwords
from .services.persons import PersonService
from .services.reference import ReferenceService
from .services.retention import RetentionService
from .services.settings import SettingsService
from .services.subject_access import SubjectAccessService
from .settings import DEMO_PERSONS, DEMO_SEED, Settings

if TYPE_CHECKING:
    from .services.journal import JournalService
    from .services.partners import PartnerService
    from .services.rights import RightsService
    from .services.stages import StageService
    from .services.summary import SummaryService
    from .services.timeline import TimelineService
    from .services.todo import TodoService

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the interface and the command line may call."""

    persons: PersonService
    reference: ReferenceService
    maintenance: MaintenanceService
    accounts: AccountService
    service_settings: SettingsService
    audit: AuditService
    backups: BackupService
    retention: RetentionService
    subject_access: SubjectAccessService
    session: UserSession
    factory: UnitOfWorkFactory
    engine: Engine
    settings: Settings
    upgrade: UpgradeOutcome
    today: Callable[[], date]
    now: Callable[[], datetime]

    @cached_property
    def stages(self) -> StageService:
        """Stages and programmes, loaded on first use: not before the sign-in form."""
        from .services.stages import StageService

        return StageService(self.factory, self.today, self.session, self.now)

    @cached_property
    def rights(self) -> RightsService:
        """Access-to-rights steps, loaded on first use."""
        from .services.rights import RightsService

        return RightsService(self.factory, self.today, self.session, self.now)

    @cached_property
    def partners(self) -> PartnerService:
        """Partners and conventions, loaded on first use."""
        from .services.partners import PartnerService

        return PartnerService(self.factory, self.today, self.session, self.now)

    @cached_property
    def journal(self) -> JournalService:
        """Notes and appointments, loaded on first use."""
        from .services.journal import JournalService

        return JournalService(self.factory, self.today, self.session, self.now)

    @cached_property
    def timeline(self) -> TimelineService:
        """A person's chronology (screen and PDF), loaded on first use."""
        from .services.timeline import TimelineService

        return TimelineService(self.factory, self.today, self.session, self.now)

    @cached_property
    def todo(self) -> TodoService:
        """The *À traiter* list, loaded on first use."""
        from .services.todo import TodoService

        return TodoService(self.factory, self.today, self.session, self.now)

    @cached_property
    def summary(self) -> SummaryService:
        """The monthly summary, its exports and register, loaded on first use."""
        from .services.summary import SummaryService

        return SummaryService(self.factory, self.today, self.session, self.now)

    @property
    def database_label(self) -> str:
        return describe(self.settings.database_url)

    def close(self) -> None:
        if self.engine.dialect.name == "sqlite":
            # SQLite's advice for long-lived bases: refresh the statistics the queries of
            # this session showed to be missing or stale, as the connection closes.
            try:
                with self.engine.connect() as connection:
                    # Sampled statistics: a few milliseconds even on a national-scale base.
                    connection.exec_driver_sql("PRAGMA analysis_limit = 400")
                    connection.exec_driver_sql("PRAGMA optimize")
            except DBAPIError as error:  # a read-only or vanished file: nothing to keep
                log.info("PRAGMA optimize skipped: %s", error)
        self.engine.dispose()

    def sign_in_command_line(self, command: str) -> User:
        """Act as the operating-system user, and record the command in the audit trail.

        A command needs no sign-in (whoever can run it can already read the database
        file); the trail says who ran it. A read-only database cannot record it.
        """
        user = User.command_line(getpass.getuser())
        self.session.user = user
        try:
            with self.factory() as uow:
                uow.audit.record(AuditEvent(AuditAction.COMMAND, "database", summary=command), user)
                uow.commit()
        except SpipError as error:
            log.warning("command %r not recorded in the audit trail: %s", command, error.message)
        return user


def open_services(
    settings: Settings,
    today: Callable[[], date] = date.today,
    migrate: bool = True,
    writable: bool = True,
    passwords: Passwords | None = None,
    check_first: bool = True,
    now: Callable[[], datetime] | None = None,
) -> Services:
    """Open the database, upgrade it (backup first) and build the services.

    ``check_first=False`` leaves ``quick_check`` to the caller (the window runs it
    beside the sign-in form; ``check`` runs the full integrity check itself); an
    upgrade still backs the file up first, and that backup is integrity-checked.
    Raises :class:`DatabaseUnavailable` with a French sentence on any problem.
    """
    path = sqlite_path(settings.database_url)
    if path is not None:
        _refuse_network_share(path)
    if path is not None and not path.parent.exists():
        if settings.explicit_file is not None:
            raise DatabaseUnavailable(
                "missing",
                f"Le dossier « {path.parent} » n'existe pas : vérifiez le chemin de la base.",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine_for(settings.database_url)
    try:
        probe(engine, write=writable)
        if path is not None and check_first:
            MaintenanceService(engine, today).quick_check()
        outcome = upgrade_to_head(engine, settings.backup_dir) if migrate else None
    except BaseException:
        engine.dispose()
        raise
    factory = UnitOfWorkFactory(engine)
    session = UserSession()
    services = Services(
        persons=PersonService(factory, today, session),
        reference=ReferenceService(factory, today, session),
        maintenance=MaintenanceService(engine, today),
        accounts=AccountService(factory, today, session, passwords or Passwords()),
        service_settings=SettingsService(factory, today, session),
        audit=AuditService(factory, today, session, engine),
        backups=BackupService(factory, today, session, engine, settings.backup_dir),
        retention=RetentionService(factory, today, session),
        subject_access=SubjectAccessService(factory, today, session),
        session=session,
        factory=factory,
        engine=engine,
        settings=settings,
        upgrade=outcome or UpgradeOutcome(None, "", None),
        today=today,
        now=now or _now_on(today),
    )
    if settings.demo and services.maintenance.person_count() == 0:
        log.info("filling the demonstration database")
        services.maintenance.generate_demo(DEMO_PERSONS, DEMO_SEED)
    return services


def _now_on(today: Callable[[], date]) -> Callable[[], datetime]:
    """The wall-clock time on the day ``today`` gives (a fixed day in tests)."""

    def now() -> datetime:
        return datetime.combine(today(), local_now().time())

    return now


def restore_database(settings: Settings, backup: Path) -> tuple[Services, BackupInfo | None]:
    """Replace the SQLite base with ``backup`` (checked first; the current base is backed
    up first, or set aside when damaged), then open it; the restore goes into its trail.

    Works on a damaged base, which :func:`open_services` refuses to open.
    """
    live = sqlite_path(settings.database_url)
    if live is None:
        raise SpipError(SERVER_MODE)
    _refuse_network_share(live)
    safety = backups.restore_backup(live, backup, settings.backup_dir, known_revisions())
    services = open_services(settings)
    user = services.sign_in_command_line(f"restore {backup}")
    with services.factory() as uow:
        uow.audit.record(restore_event(backup, safety), user)
        uow.commit()
    return services, safety


def _refuse_network_share(path: Path) -> None:
    """SQLite's WAL mode corrupts a file shared over the network: point to the server mode."""
    kind = network_filesystem(path.parent if not path.exists() else path)
    if kind is not None:
        raise DatabaseUnavailable(
            "network_share",
            f"La base « {path} » est sur un partage réseau ({kind}). Une base SQLite ne doit "
            "pas être ouverte à travers le réseau : plusieurs postes l'abîmeraient. Pour "
            "travailler à plusieurs, installez le mode serveur (PostgreSQL) décrit dans le "
            "guide, ou copiez la base sur ce poste.",
        )
