"""Composition root shared by the command line and the window: open, migrate, wire.

Nothing else constructs the engine or the services.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from .db.engine import create_engine_for, describe, probe, sqlite_path
from .db.migrate import UpgradeOutcome, upgrade_to_head
from .db.unit_of_work import UnitOfWorkFactory
from .domain.audit import AuditAction, AuditEvent
from .domain.errors import DatabaseUnavailable, SpipError
from .domain.security import User
from .services.accounts import AccountService
from .services.audit import AuditService
from .services.base import UserSession
from .services.maintenance import MaintenanceService
from .services.passwords import Passwords
from .services.persons import PersonService
from .services.reference import ReferenceService
from .services.settings import SettingsService
from .settings import DEMO_PERSONS, DEMO_SEED, Settings

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
    session: UserSession
    factory: UnitOfWorkFactory
    engine: Engine
    settings: Settings
    upgrade: UpgradeOutcome

    @property
    def database_label(self) -> str:
        return describe(self.settings.database_url)

    def close(self) -> None:
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
) -> Services:
    """Open the database, upgrade it (backup first) and build the services.

    Raises :class:`DatabaseUnavailable` with a French sentence on any problem.
    """
    path = sqlite_path(settings.database_url)
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
        session=session,
        factory=factory,
        engine=engine,
        settings=settings,
        upgrade=outcome or UpgradeOutcome(None, "", None),
    )
    if settings.demo and services.maintenance.person_count() == 0:
        log.info("filling the demonstration database")
        services.maintenance.generate_demo(DEMO_PERSONS, DEMO_SEED)
    return services
