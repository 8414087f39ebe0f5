"""Checks and demonstration data: use cases that work on the database as a whole."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine, func, select

from ..db import demo, maintenance
from ..db import models as m
from ..db.engine import classify_error, describe
from ..domain.errors import DatabaseUnavailable, SpipError
from ..domain.model import CheckReport
from .passwords import fast_passwords

log = logging.getLogger(__name__)


class MaintenanceService:
    def __init__(self, engine: Engine, today: Callable[[], date] = date.today) -> None:
        self._engine = engine
        self._today = today

    def check(self) -> CheckReport:
        """Integrity, foreign keys and migration state of the open database."""
        try:
            current, head = maintenance.migration_state(self._engine)
            return CheckReport(
                integrity=maintenance.integrity_problems(self._engine),
                foreign_keys=maintenance.foreign_key_problems(self._engine),
                current_revision=current,
                head_revision=head,
                integrity_checked=maintenance.integrity_check_applies(self._engine),
            )
        except Exception as error:  # driver errors become a French sentence
            if isinstance(error, SpipError):
                raise
            where = describe(self._engine.url.render_as_string(hide_password=False))
            raise classify_error(error, where) from error

    def quick_check(self) -> None:
        """``PRAGMA quick_check``: :class:`DatabaseUnavailable` (``corrupt``) when damaged.

        Run at every start. The window runs it while the sign-in form is already on
        screen (a 250,000-person base takes about half a second) and lets nobody in
        before it has passed.
        """
        problems = maintenance.quick_check_problems(self._engine)
        if problems:
            log.error("quick_check failed: %s", problems[:10])
            where = describe(self._engine.url.render_as_string(hide_password=False))
            raise DatabaseUnavailable(
                "corrupt",
                f"La base de données {where} est endommagée : elle n'a pas été ouverte, "
                "pour ne rien aggraver. Restaurez la dernière sauvegarde valable.",
            )

    def person_count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(m.PersonRow)) or 0)

    def generate_demo(
        self,
        persons: int,
        seed: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> demo.DemoSummary:
        """Fill the database with fictitious people; refused when it already holds people."""
        if persons < 1:
            raise SpipError("Indiquez un nombre de personnes supérieur à zéro.")
        if self.person_count() > 0:
            raise SpipError(
                "Cette base contient déjà des personnes : les données de démonstration "
                "ne s'ajoutent qu'à une base vide. Choisissez une autre base (--db ou "
                "--database-url)."
            )
        summary = demo.populate(self._engine, persons, seed, self._today(), progress)
        with self._engine.begin() as connection:
            if connection.scalar(select(func.count()).select_from(m.AccountRow)) == 0:
                # The demo passwords are published on the sign-in screen: a cheap hash
                # loses nothing, and the first sign-in upgrades it to the standard cost.
                demo.add_demo_accounts(connection, fast_passwords().hash)
            if connection.scalar(select(func.count()).select_from(m.SettingRow)) == 0:
                demo.add_demo_settings(connection)
        return summary
