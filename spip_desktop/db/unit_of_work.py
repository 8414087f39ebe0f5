"""Unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ..domain.errors import DatabaseUnavailable, DuplicateValue, EditConflict, SpipError
from .accounts import AccountRepository, SettingsRepository
from .audit import AuditRepository
from .engine import classify_error, describe, read_only_engine, sqlite_path
from .repositories import MeasureRepository, PersonRepository, ReferenceRepository

if TYPE_CHECKING:
    from .journal import JournalRepository
    from .partners import PartnerRepository
    from .rights import RightsRepository
    from .stages import StageRepository
    from .summary import SummaryRepository
    from .timeline import TimelineRepository
    from .todo import TodoRepository


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back."""

    session: Session
    persons: PersonRepository
    measures: MeasureRepository
    reference: ReferenceRepository
    audit: AuditRepository
    accounts: AccountRepository
    settings: SettingsRepository

    def __init__(
        self, factory: sessionmaker[Session], where: str, guard: Callable[[], None] | None = None
    ) -> None:
        self._factory = factory
        self._where = where
        self._guard = guard

    def __enter__(self) -> UnitOfWork:
        if self._guard is not None:
            self._guard()
        self.session = self._factory()
        self.persons = PersonRepository(self.session)
        self.measures = MeasureRepository(self.session)
        self.reference = ReferenceRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.accounts = AccountRepository(self.session)
        self.settings = SettingsRepository(self.session)
        self._stages: StageRepository | None = None
        self._rights: RightsRepository | None = None
        self._partners: PartnerRepository | None = None
        self._journal: JournalRepository | None = None
        self._timeline: TimelineRepository | None = None
        self._todo: TodoRepository | None = None
        self._summary: SummaryRepository | None = None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
        if isinstance(exc, StaleDataError):
            raise EditConflict() from exc
        if isinstance(exc, IntegrityError):
            raise _integrity_error(exc) from exc
        if isinstance(exc, DBAPIError):
            raise classify_error(exc, self._where) from exc

    @property
    def stages(self) -> StageRepository:
        """The stage tables' SQL, loaded on first use (not at start-up)."""
        if self._stages is None:
            from .stages import StageRepository

            self._stages = StageRepository(self.session)
        return self._stages

    @property
    def rights(self) -> RightsRepository:
        """Access-to-rights steps and their history, loaded on first use."""
        if self._rights is None:
            from .rights import RightsRepository

            self._rights = RightsRepository(self.session)
        return self._rights

    @property
    def partners(self) -> PartnerRepository:
        """Partners and conventions, loaded on first use."""
        if self._partners is None:
            from .partners import PartnerRepository

            self._partners = PartnerRepository(self.session)
        return self._partners

    @property
    def journal(self) -> JournalRepository:
        """Notes and appointments of the files, loaded on first use."""
        if self._journal is None:
            from .journal import JournalRepository

            self._journal = JournalRepository(self.session)
        return self._journal

    @property
    def timeline(self) -> TimelineRepository:
        """The events of a person's chronology, loaded on first use."""
        if self._timeline is None:
            from .timeline import TimelineRepository

            self._timeline = TimelineRepository(self.session)
        return self._timeline

    @property
    def todo(self) -> TodoRepository:
        """The to-do list's queries, loaded on first use."""
        if self._todo is None:
            from .todo import TodoRepository

            self._todo = TodoRepository(self.session)
        return self._todo

    @property
    def summary(self) -> SummaryRepository:
        """The monthly summary's queries and its register, loaded on first use."""
        if self._summary is None:
            from .summary import SummaryRepository

            self._summary = SummaryRepository(self.session)
        return self._summary

    def commit(self) -> None:
        self.session.commit()


def _integrity_error(error: IntegrityError) -> SpipError:
    """A constraint the services did not check first (a concurrent writer got there)."""
    text = str(error.orig).lower()
    if "file_number" in text:
        return DuplicateValue(
            "file_number", "Ce numéro de dossier est déjà attribué à une autre personne."
        )
    if "unique" in text or "duplicate" in text:
        return DuplicateValue("", "Cette valeur existe déjà : choisissez-en une autre.")
    return SpipError(
        "L'enregistrement contredit une donnée liée (elle a peut-être été supprimée entre-temps)."
    )


class UnitOfWorkFactory:
    """Makes units of work on one engine: writers and (cheaper) readers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        where = describe(engine.url.render_as_string(hide_password=False))
        self._write = sessionmaker(engine, expire_on_commit=False)
        self._read = sessionmaker(read_only_engine(engine), expire_on_commit=False)
        self._where = where
        self._path = sqlite_path(engine.url)
        self._identity = _file_identity(self._path)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._write, self._where, self._check_same_file)

    def reader(self) -> UnitOfWork:
        """A unit of work for queries only: never takes the write lock."""
        return UnitOfWork(self._read, self._where, self._check_same_file)

    def _check_same_file(self) -> None:
        """Refuse to work on a SQLite file replaced since it was opened.

        Open connections still point at the old file: writes through them would
        land in a file that no longer has a name, and be lost. One ``stat`` per
        transaction guards against it.
        """
        if self._path is None or self._identity is None:
            return
        if _file_identity(self._path) != self._identity:
            raise DatabaseUnavailable(
                "swapped",
                f"Le fichier de la base {self._where} a été remplacé ou déplacé pendant que "
                "l'application était ouverte. Par sécurité, rien n'a été enregistré : "
                "fermez puis rouvrez l'application.",
            )

    def accept_current_file(self) -> None:
        """After a restore done by the application itself: the file is the new reference."""
        self.engine.dispose()
        self._identity = _file_identity(self._path)


def _file_identity(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino
