"""Retention: review the files past their retention period, then purge or anonymise them.

The administrator reviews files by number and dates only (no name: reviewing
must not mean reading the content). Purge and anonymisation check again, inside
their own transaction, that every file asked for is still due; they record one
audit entry per file (its number, never a name) and one for the whole run, and
return the certificate that proves what was done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

from ..db import retention as store
from ..db.models import utcnow
from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditAction, AuditEvent
from ..domain.dates import plural
from ..domain.documents import Letterhead, PrintStamp, PurgeAction, PurgeCertificate
from ..domain.errors import NotFound
from ..domain.retention import (
    RECORD_LABELS,
    NotDue,
    RetentionCandidate,
    anonymous_file_number,
    certificate_number,
    cutoff,
    next_certificate_sequence,
)
from ..domain.security import Permission
from ..reports import build_purge_certificate
from .base import Clock, Service, UnitOfWorkSource, UserSession
from .documents import letterhead_of

#: How many files the review list shows at most by default.
DUE_PAGE = 500

_ACTIONS = {
    PurgeAction.PURGE: AuditAction.PURGE,
    PurgeAction.ANONYMISATION: AuditAction.ANONYMISE,
}


def local_time(utc: datetime) -> datetime:
    """A stored UTC time (naive) as the wall-clock time of this computer (naive)."""
    return utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def _known_first(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Counts in the order of :data:`RECORD_LABELS`, then tables added later."""
    known = list(RECORD_LABELS)
    order = sorted(counts, key=lambda n: known.index(n) if n in known else len(known))
    return [(name, counts[name]) for name in order]


def record_label(table: str) -> str:
    """The French plural name of a kind of record (the table's name when unknown)."""
    return RECORD_LABELS.get(table, table)


class RetentionService(Service):
    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock = date.today,
        session: UserSession | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(uow, today, session)
        self._now = now
        self._tables = store.person_tables()

    # -- review ------------------------------------------------------------------------
    def due(self, limit: int = DUE_PAGE) -> list[RetentionCandidate]:
        """Files past their retention period, due for longest first: numbers and dates only."""
        self._require(Permission.RETENTION)
        with self._uow.reader() as uow:
            years = uow.settings.load().retention_years
            return store.due(uow.session, self._today(), years, limit)

    def count_due(self) -> int:
        self._require(Permission.RETENTION)
        with self._uow.reader() as uow:
            years = uow.settings.load().retention_years
            return store.count_due(uow.session, self._today(), years)

    # -- processing --------------------------------------------------------------------
    def purge(self, person_ids: Iterable[int]) -> PurgeCertificate:
        """Delete the files and every record linked to them, for good.

        Raises:
            NotDue: a file is not (or no longer) due; nothing was done.
            NotFound: a file no longer exists; nothing was done.
        """
        return self._process(PurgeAction.PURGE, person_ids)

    def anonymise(self, person_ids: Iterable[int]) -> PurgeCertificate:
        """Erase what identifies the people; measure types and dates stay for statistics.

        Raises:
            NotDue: a file is not (or no longer) due; nothing was done.
            NotFound: a file no longer exists; nothing was done.
        """
        return self._process(PurgeAction.ANONYMISATION, person_ids)

    def _process(self, action: PurgeAction, person_ids: Iterable[int]) -> PurgeCertificate:
        user = self._require(Permission.RETENTION)
        ids = list(dict.fromkeys(person_ids))
        today = self._today()
        with self._uow() as uow:
            years = uow.settings.load().retention_years
            due = self._check_due(uow, ids, today, years)
            existing = store.certificate_numbers(uow.session, today.year)
            number = certificate_number(today.year, next_certificate_sequence(existing, today.year))
            performed_at = self._now()
            if action is PurgeAction.PURGE:
                purged = store.purge(uow.session, ids, self._tables)
                counts = [(record_label(t), n) for t, n in _known_first(purged)]
            else:
                result = store.anonymise(uow.session, ids, self._tables)
                counts = [(record_label(t), n) for t, n in _known_first(result.anonymised)]
                counts += [  # tables nobody vetted for keeping: their rows go
                    (f"{record_label(t)} (lignes supprimées)", n)
                    for t, n in _known_first(result.deleted)
                    if n
                ]
            for person_id in ids:
                self._audit(uow, self._file_event(action, due[person_id], number))
            self._audit(uow, self._run_event(action, number, len(ids), years, counts))
            uow.commit()
        return PurgeCertificate(
            number=number,
            action=action,
            retention_years=years,
            cutoff=cutoff(today, years),
            file_numbers=tuple(sorted(due[i].file_number for i in ids)),
            counts=tuple(counts),
            performed_at=local_time(performed_at),
            performed_by=user.display_name,
        )

    @staticmethod
    def _check_due(
        uow: UnitOfWork, ids: list[int], today: date, years: int
    ) -> dict[int, RetentionCandidate]:
        """The files, if every one is due now (read in the writing transaction)."""
        due = store.due_among(uow.session, ids, today, years)
        refused = [i for i in ids if i not in due]
        if refused:
            numbers = store.file_numbers(uow.session, refused)
            gone = [i for i in refused if i not in numbers]
            if gone:
                raise NotFound(
                    f"{plural(len(gone), 'dossier')} de la sélection "
                    + ("n'existe plus" if len(gone) == 1 else "n'existent plus")
                    + " : la liste a peut-être été traitée entre-temps. "
                    "Aucun dossier n'a été traité ; actualisez la liste."
                )
            raise NotDue(numbers[i] for i in refused)
        return due

    @staticmethod
    def _file_event(action: PurgeAction, candidate: RetentionCandidate, number: str) -> AuditEvent:
        if action is PurgeAction.PURGE:
            what = "supprimé définitivement"
        else:
            what = f"anonymisé (devenu {anonymous_file_number(candidate.person_id)})"
        return AuditEvent(
            _ACTIONS[action],
            "person",
            candidate.person_id,
            candidate.person_id,
            f"Dossier {candidate.file_number} {what} — certificat {number}",
        )

    @staticmethod
    def _run_event(
        action: PurgeAction,
        number: str,
        files: int,
        years: int,
        counts: list[tuple[str, int]],
    ) -> AuditEvent:
        detail = ", ".join(f"{label} : {count}" for label, count in counts)
        return AuditEvent(
            _ACTIONS[action],
            "database",
            summary=(
                f"Certificat {number} — {action.label} de {plural(files, 'dossier')} "
                f"échus (conservation {plural(years, 'an')}) — {detail}"
            ),
        )

    # -- the certificate ---------------------------------------------------------------
    def letterhead(self) -> Letterhead:
        """The service's letterhead (from the service's settings)."""
        with self._uow.reader() as uow:
            return letterhead_of(uow.settings.load())

    def certificate_pdf(
        self,
        cert: PurgeCertificate,
        letterhead: Letterhead | None = None,
        stamp: PrintStamp | None = None,
    ) -> bytes:
        """The certificate as a PDF; by default on the service's letterhead, printed now."""
        user = self._require(Permission.RETENTION)
        head = letterhead if letterhead is not None else self.letterhead()
        printed = (
            stamp if stamp is not None else PrintStamp(local_time(self._now()), user.display_name)
        )
        return build_purge_certificate(cert, head, printed)
