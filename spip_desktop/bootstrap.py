"""Composition root shared by the command line and the window: open, migrate, wire.

Nothing else constructs the engine or the services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from .db.engine import create_engine_for, describe, probe, sqlite_path
from .db.migrate import UpgradeOutcome, upgrade_to_head
from .db.unit_of_work import UnitOfWorkFactory
from .domain.errors import DatabaseUnavailable
from .services.maintenance import MaintenanceService
from .services.persons import PersonService
from .services.reference import ReferenceService
from .settings import DEMO_PERSONS, DEMO_SEED, Settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the interface and the command line may call."""

    persons: PersonService
    reference: ReferenceService
    maintenance: MaintenanceService
    engine: Engine
    settings: Settings
    upgrade: UpgradeOutcome

    @property
    def database_label(self) -> str:
        return describe(self.settings.database_url)

    def close(self) -> None:
        self.engine.dispose()


def open_services(
    settings: Settings,
    today: Callable[[], date] = date.today,
    migrate: bool = True,
    writable: bool = True,
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
    services = Services(
        persons=PersonService(factory, today),
        reference=ReferenceService(factory, today),
        maintenance=MaintenanceService(engine, today),
        engine=engine,
        settings=settings,
        upgrade=outcome or UpgradeOutcome(None, "", None),
    )
    if settings.demo and services.maintenance.person_count() == 0:
        log.info("filling the demonstration database")
        services.maintenance.generate_demo(DEMO_PERSONS, DEMO_SEED)
    return services
