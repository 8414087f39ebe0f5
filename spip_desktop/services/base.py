"""What every service needs: units of work, today's date, and who is signed in.

The pattern every use case follows (see the README's developer section)::

    def do_something(self, thing_id: int, ...) -> Result:
        user = self._require(Permission.SOMETHING)          # 1. may the user?
        with self._uow() as uow:                            # 2. one transaction
            ...                                             # 3. the change
            self._audit(uow, AuditEvent(AuditAction.UPDATE, "thing", thing_id,
                                        changes=diff(before, after)))  # 4. its trace
            uow.commit()                                    # 5. both, or neither

Checks that depend on the person (a CPIP's caseload) use
:meth:`Service._require_for`, given the person's referent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditEvent
from ..domain.errors import NotSignedIn, PermissionDenied
from ..domain.security import Permission, User


class UnitOfWorkSource(Protocol):
    def __call__(self) -> UnitOfWork: ...

    def reader(self) -> UnitOfWork: ...

    def accept_current_file(self) -> None: ...


Clock = Callable[[], date]


class UserSession:
    """Who is signed in, shared by every service of one process.

    Set by :class:`~spip_desktop.services.accounts.AccountService` at sign-in (or
    by the command line to the operating-system user), cleared at sign-out.
    """

    def __init__(self, user: User | None = None) -> None:
        self.user = user


class Service:
    #: Whether the service answers a user whose password must be changed first.
    serves_pending_password = False

    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock = date.today,
        session: UserSession | None = None,
    ) -> None:
        self._uow = uow
        self._today = today
        self._session = session if session is not None else UserSession()

    @property
    def user(self) -> User:
        """The signed-in user; :class:`NotSignedIn` when nobody is."""
        user = self._session.user
        if user is None:
            raise NotSignedIn()
        if user.must_change_password and not self.serves_pending_password:
            raise PermissionDenied(
                "Votre mot de passe a été réinitialisé : changez-le avant de continuer."
            )
        return user

    def _require(self, permission: Permission) -> User:
        """The user, if some role of theirs gives ``permission`` (on someone, at least)."""
        user = self.user
        if not user.may(permission, any_person=True):
            raise PermissionDenied()
        return user

    def _require_for(self, permission: Permission, referent_id: int | None) -> User:
        """The user, if they may do ``permission`` on a person with this referent."""
        user = self.user
        if not user.may(permission, referent_id):
            raise PermissionDenied(
                "Ce dossier ne fait pas partie de votre portefeuille : "
                "votre rôle ne vous permet pas de faire cela."
                if user.may(permission, any_person=True)
                else ""
            )
        return user

    def _audit(self, uow: UnitOfWork, event: AuditEvent) -> None:
        """Record ``event`` in the unit of work's transaction (commit writes both)."""
        uow.audit.record(event, self.user)
