"""The audit trail as the administrator sees it: browse, verify, prune."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine

from ..db import audit
from ..db.models import utcnow
from ..domain.audit import (
    AuditAction,
    AuditEntry,
    AuditEvent,
    AuditQuery,
    ChainReport,
    FieldChange,
)
from ..domain.dates import add_years
from ..domain.security import Permission, Scope
from .base import Clock, Service, UnitOfWorkSource, UserSession

PAGE_SIZE = 200


class AuditService(Service):
    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock,
        session: UserSession,
        engine: Engine,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(uow, today, session)
        self._engine = engine
        self._now = now

    def browse(
        self, query: AuditQuery, offset: int = 0, limit: int = PAGE_SIZE
    ) -> list[AuditEntry]:
        """Entries newest first, filtered."""
        user = self._require(Permission.AUDIT)
        with self._uow.reader() as uow:
            entries = uow.audit.query(query, offset, limit)
        if user.scope(Permission.PERSON_DETAILS) is Scope.SERVICE:
            return entries
        # An administrator who is not also DPIP learns which fields changed, not their
        # values: the trail must not be a back door into the files' content.
        return [replace(e, changes=tuple(FieldChange(c.field, None, None) for c in e.changes))
                for e in entries]  # fmt: skip

    def count(self, query: AuditQuery) -> int:
        self._require(Permission.AUDIT)
        with self._uow.reader() as uow:
            return uow.audit.count(query)

    def actors(self) -> list[tuple[str, str]]:
        self._require(Permission.AUDIT)
        with self._uow.reader() as uow:
            return uow.audit.actors()

    def verify(self) -> ChainReport:
        """Check the whole chain. Needs no sign-in: the report holds counts and ids only."""
        return audit.verify(self._engine)

    def prune(self) -> int:
        """Delete entries past their retention; the chain stays verifiable from its anchor."""
        self._require(Permission.RETENTION)
        with self._uow() as uow:
            years = uow.settings.load().audit_retention_years
            now = self._now()
            cutoff = datetime.combine(add_years(now.date(), -years), now.time())
            deleted, first_kept = audit.prune_before(uow.session, cutoff)
            if deleted:
                self._audit(
                    uow,
                    AuditEvent(
                        AuditAction.PRUNE,
                        "audit",
                        None,
                        None,
                        f"{deleted} entrées de plus de {years} ans supprimées "
                        f"(la chaîne reprend à l'entrée n° {first_kept})",
                    ),
                )
            uow.commit()
        return deleted
