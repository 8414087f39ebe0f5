"""Unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ..domain.errors import DuplicateValue, EditConflict, SpipError
from .accounts import AccountRepository, SettingsRepository
from .audit import AuditRepository
from .engine import classify_error, describe, read_only_engine
from .repositories import MeasureRepository, PersonRepository, ReferenceRepository


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back."""

    session: Session
    persons: PersonRepository
    measures: MeasureRepository
    reference: ReferenceRepository
    audit: AuditRepository
    accounts: AccountRepository
    settings: SettingsRepository

    def __init__(self, factory: sessionmaker[Session], where: str) -> None:
        self._factory = factory
        self._where = where

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.persons = PersonRepository(self.session)
        self.measures = MeasureRepository(self.session)
        self.reference = ReferenceRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.accounts = AccountRepository(self.session)
        self.settings = SettingsRepository(self.session)
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

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._write, self._where)

    def reader(self) -> UnitOfWork:
        """A unit of work for queries only: never takes the write lock."""
        return UnitOfWork(self._read, self._where)
