"""Signing in and out, the inactivity lock, and the administration of accounts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import update

from ..db import models as m
from ..db.models import utcnow
from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditAction, AuditEvent, diff
from ..domain.errors import DuplicateValue, InvalidInput, LoginRefused, NotFound, SpipError
from ..domain.security import (
    ACCOUNT_LOCKED,
    LOCK_AFTER_FAILURES,
    LOGIN_REFUSED,
    PASSWORD_MAX_LENGTH,
    Account,
    AccountDraft,
    Permission,
    Role,
    User,
    decode_roles,
    login_delay,
    normalise_login,
    validate_account,
    validate_password,
    wait_message,
)
from ..domain.validation import ValidationResult
from .base import Clock, Service, UnitOfWorkSource, UserSession
from .passwords import Passwords

Now = Callable[[], datetime]
#: Unknown logins tracked in memory (so that they are throttled like real ones).
UNKNOWN_LOGINS_TRACKED = 1000


class AccountService(Service):
    serves_pending_password = True  # changing it is what such a user must do

    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock,
        session: UserSession,
        passwords: Passwords,
        now: Now = utcnow,
    ) -> None:
        super().__init__(uow, today, session)
        self._passwords = passwords
        self._now = now
        self._unknown: dict[str, tuple[int, datetime]] = {}
        self._unknown_lock = threading.Lock()

    # -- first start -----------------------------------------------------------------
    def needs_first_admin(self) -> bool:
        """An empty database: the first start asks for the service's administrator."""
        with self._uow.reader() as uow:
            return uow.accounts.count() == 0

    def create_first_admin(self, draft: AccountDraft, password: str, confirmation: str) -> User:
        """Create the first account (always an administrator) and sign it in."""
        draft = replace(draft, login=normalise_login(draft.login), roles=draft.roles | {Role.ADMIN})
        self._validate(draft, password, confirmation)
        password_hash = self._passwords.hash(password)
        with self._uow() as uow:
            uow.accounts.lock()
            if uow.accounts.count() > 0:
                raise SpipError("Un administrateur a déjà été créé : connectez-vous.")
            account_id = uow.accounts.add(draft, password_hash, self._now())
            user = self._user_of(uow, account_id)
            uow.audit.record(self._account_event(AuditAction.CREATE, account_id, None, draft), user)
            uow.audit.record(AuditEvent(AuditAction.LOGIN, "account", account_id), user)
            uow.commit()
        self._session.user = user
        return user

    # -- signing in ------------------------------------------------------------------------
    def login(self, login: str, password: str) -> User:
        """Sign in; :class:`LoginRefused` says the same thing for any wrong login or password."""
        user = self._authenticate(normalise_login(login), password, AuditAction.LOGIN)
        self._session.user = user
        return user

    def unlock(self, password: str) -> User:
        """Unlock the inactivity lock: the signed-in user's password, throttled like a login."""
        current = self.user
        user = self._authenticate(current.login, password, AuditAction.UNLOCK)
        self._session.user = user
        return user

    def logout(self) -> None:
        user = self._session.user
        if user is None:
            return
        with self._uow() as uow:
            uow.audit.record(AuditEvent(AuditAction.LOGOUT, "account", user.account_id), user)
            uow.commit()
        self._session.user = None

    def _authenticate(self, login: str, password: str, action: AuditAction | None) -> User:
        """Check ``password`` for ``login`` with throttling and lockout; the user, or
        :class:`LoginRefused`. ``action`` is recorded on success (``None``: the caller
        records its own entry)."""
        with self._uow.reader() as uow:
            row = uow.accounts.row_by_login(login) if login else None
            snapshot = None if row is None else (row.id, row.password_hash, row.locked,
                                                 row.active, row.failed_attempts,
                                                 row.last_failed_at)  # fmt: skip
        if snapshot is None:
            self._refuse_unknown(login, password)
        account_id, stored_hash, locked, active, failures, last_failed = snapshot
        if locked:
            raise LoginRefused(ACCOUNT_LOCKED, locked=True)
        self._check_delay(failures, last_failed)
        if len(password) > PASSWORD_MAX_LENGTH:
            self._passwords.check(None, password[:PASSWORD_MAX_LENGTH])  # same time as a check
            matches = False
        else:
            matches = self._passwords.check(stored_hash, password)
        if not (matches and active):
            self._record_failure(account_id)
        with self._uow() as uow:
            values: dict[str, object] = {"failed_attempts": 0}
            if action is AuditAction.LOGIN:
                values["last_login_at"] = self._now()
            if self._passwords.needs_rehash(stored_hash):
                values["password_hash"] = self._passwords.hash(password)
            # Not if the account was locked meanwhile (parallel attempts elsewhere).
            reset = uow.session.execute(
                update(m.AccountRow)
                .where(m.AccountRow.id == account_id, m.AccountRow.locked.is_(False))
                .values(**values)
            )
            if reset.rowcount != 1:  # type: ignore[attr-defined]
                raise LoginRefused(ACCOUNT_LOCKED, locked=True)
            user = self._user_of(uow, account_id)
            if action is not None:
                uow.audit.record(AuditEvent(action, "account", account_id), user)
            uow.commit()
        return user

    def _check_delay(self, failures: int, last_failed: datetime | None) -> None:
        wait = login_delay(failures)
        if wait and last_failed is not None:
            remaining = (last_failed + timedelta(seconds=wait) - self._now()).total_seconds()
            if remaining > 0:
                seconds = max(1, round(remaining))
                raise LoginRefused(wait_message(seconds), retry_after=seconds)

    def _record_failure(self, account_id: int) -> NoReturn:
        """Count the failure in the database itself (``failed_attempts + 1``): attempts made
        in parallel, from several workstations, all count."""
        with self._uow() as uow:
            counter = m.AccountRow.failed_attempts
            failures = int(
                uow.session.execute(
                    update(m.AccountRow)
                    .where(m.AccountRow.id == account_id)
                    .values(
                        failed_attempts=counter + 1,
                        last_failed_at=self._now(),
                        locked=m.AccountRow.locked | (counter + 1 >= LOCK_AFTER_FAILURES),
                    )
                    .returning(m.AccountRow.failed_attempts)
                ).scalar_one()
            )
            locked = failures >= LOCK_AFTER_FAILURES
            row = uow.accounts.row(account_id)
            assert row is not None
            actor = User(account_id, row.login, row.display_name, frozenset())
            summary = "Compte verrouillé après 10 échecs" if locked else f"{failures} échec(s)"
            uow.audit.record(
                AuditEvent(AuditAction.LOGIN_FAILED, "account", account_id, summary=summary), actor
            )
            uow.commit()
        self._raise_refusal(failures, locked)

    def _refuse_unknown(self, login: str, password: str) -> NoReturn:
        """Spend the same time as a real check, and throttle the same way; always raises."""
        with self._unknown_lock:
            failures, last_failed = self._unknown.get(login, (0, None))
        if failures >= LOCK_AFTER_FAILURES:
            raise LoginRefused(ACCOUNT_LOCKED, locked=True)
        self._check_delay(failures, last_failed)
        self._passwords.check(None, password[:PASSWORD_MAX_LENGTH])
        failures += 1
        with self._unknown_lock:
            if len(self._unknown) >= UNKNOWN_LOGINS_TRACKED:
                self._unknown.pop(next(iter(self._unknown)))
            self._unknown[login] = (failures, self._now())
        with self._uow() as uow:
            actor = User(None, "inconnu", "Identifiant inconnu", frozenset())
            uow.audit.record(AuditEvent(AuditAction.LOGIN_FAILED, "account", None), actor)
            uow.commit()
        self._raise_refusal(failures, failures >= LOCK_AFTER_FAILURES)

    @staticmethod
    def _raise_refusal(failures: int, locked: bool) -> NoReturn:
        if locked:
            raise LoginRefused(ACCOUNT_LOCKED, locked=True)
        wait = login_delay(failures)
        if wait:
            raise LoginRefused(wait_message(wait), retry_after=wait)
        raise LoginRefused(LOGIN_REFUSED)

    def _user_of(self, uow: UnitOfWork, account_id: int) -> User:
        row = uow.accounts.row(account_id)
        if row is None:
            raise NotFound("Ce compte n'existe plus.")
        settings = uow.settings.load()
        return User(
            account_id=row.id,
            login=row.login,
            display_name=row.display_name,
            roles=decode_roles(row.roles),
            agent_id=row.agent_id,
            service_wide_read=settings.cpip_service_wide_read,
            must_change_password=row.must_change_password,
        )

    # -- one's own password ----------------------------------------------------------------
    def change_password(self, current: str, new: str, confirmation: str) -> None:
        user = self.user
        if user.account_id is None:
            raise SpipError("Ce compte n'a pas de mot de passe à changer.")
        try:  # throttled and counted like a sign-in: an open session is no free guessing
            self._authenticate(user.login, current, None)
        except LoginRefused as refused:
            result = ValidationResult()
            message = "Le mot de passe actuel n'est pas le bon."
            if refused.locked or refused.retry_after:
                message = refused.message.replace("Identifiant ou mot de passe incorrect. ", "")
            result.error("current_password", message)
            raise InvalidInput(result) from refused
        self._set_password(user.account_id, new, confirmation, must_change=False)
        if self._session.user is not None and self._session.user.account_id == user.account_id:
            self._session.user = replace(self._session.user, must_change_password=False)

    # -- administration ----------------------------------------------------------------------
    def accounts(self) -> list[Account]:
        self._require(Permission.ACCOUNTS)
        with self._uow.reader() as uow:
            return uow.accounts.all()

    def create_account(self, draft: AccountDraft, password: str, confirmation: str) -> Account:
        self._require(Permission.ACCOUNTS)
        draft = replace(draft, login=normalise_login(draft.login))
        self._validate(draft, password, confirmation)
        password_hash = self._passwords.hash(password)
        with self._uow() as uow:
            self._check_unique(uow, draft, None)
            account_id = uow.accounts.add(draft, password_hash, self._now())
            uow.session.execute(
                update(m.AccountRow)
                .where(m.AccountRow.id == account_id)
                .values(must_change_password=True)
            )
            self._audit(uow, self._account_event(AuditAction.CREATE, account_id, None, draft))
            uow.commit()
            account = uow.accounts.get(account_id)
        assert account is not None
        return account

    def update_account(self, account_id: int, version: int, draft: AccountDraft) -> Account:
        user = self._require(Permission.ACCOUNTS)
        draft = replace(draft, login=normalise_login(draft.login))
        result = validate_account(draft)
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            uow.accounts.lock()
            before = uow.accounts.get(account_id)
            if before is None:
                raise NotFound("Ce compte n'existe plus.")
            self._check_unique(uow, draft, account_id)
            uow.accounts.update(account_id, version, draft)
            self._keep_an_administrator(uow, user)
            self._audit(
                uow, self._account_event(AuditAction.UPDATE, account_id, before.draft, draft)
            )
            uow.commit()
            account = uow.accounts.get(account_id)
        assert account is not None
        return account

    def unlock_account(self, account_id: int) -> Account:
        """Lift the lock set after 10 failed sign-ins."""
        self._require(Permission.ACCOUNTS)
        with self._uow() as uow:
            before = uow.accounts.get(account_id)
            if before is None:
                raise NotFound("Ce compte n'existe plus.")
            uow.session.execute(
                update(m.AccountRow)
                .where(m.AccountRow.id == account_id)
                .values(locked=False, failed_attempts=0, last_failed_at=None)
            )
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.UPDATE,
                    "account",
                    account_id,
                    summary=f"Compte {before.draft.login} débloqué",
                    changes=diff({"locked": before.locked}, {"locked": False}),
                ),
            )
            uow.commit()
            account = uow.accounts.get(account_id)
        assert account is not None
        return account

    def reset_password(self, account_id: int, password: str, confirmation: str) -> None:
        """A temporary password, to be changed at the next sign-in."""
        self._require(Permission.ACCOUNTS)
        self._set_password(account_id, password, confirmation, must_change=True)

    def _set_password(
        self, account_id: int, new: str, confirmation: str, must_change: bool
    ) -> None:
        with self._uow.reader() as uow:
            row = uow.accounts.row(account_id)
            if row is None:
                raise NotFound("Ce compte n'existe plus.")
            login = row.login
        result = validate_password(new, login, confirmation)
        if not result.ok:
            raise InvalidInput(result)
        password_hash = self._passwords.hash(new)
        with self._uow() as uow:
            uow.session.execute(
                update(m.AccountRow)
                .where(m.AccountRow.id == account_id)
                .values(
                    password_hash=password_hash,
                    password_changed_at=self._now(),
                    must_change_password=must_change,
                    locked=False,
                    failed_attempts=0,
                )
            )
            summary = "Mot de passe réinitialisé" if must_change else "Mot de passe changé"
            self._audit(uow, AuditEvent(AuditAction.UPDATE, "account", account_id, summary=summary))
            uow.commit()

    def must_change_password(self) -> bool:
        user = self.user
        if user.must_change_password:
            return True
        if user.account_id is None:
            return False
        with self._uow.reader() as uow:
            row = uow.accounts.row(user.account_id)
            return bool(row and row.must_change_password)

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _validate(draft: AccountDraft, password: str, confirmation: str) -> None:
        result = validate_account(draft)
        for name, message in validate_password(password, draft.login, confirmation).errors.items():
            result.error(name, message)
        if not result.ok:
            raise InvalidInput(result)

    @staticmethod
    def _check_unique(uow: UnitOfWork, draft: AccountDraft, account_id: int | None) -> None:
        if uow.accounts.login_taken(draft.login, account_id):
            raise DuplicateValue("login", "Cet identifiant est déjà utilisé.")
        if draft.agent_id is not None and uow.accounts.agent_taken(draft.agent_id, account_id):
            raise DuplicateValue("agent_id", "Cet agent a déjà un compte.")

    @staticmethod
    def _keep_an_administrator(uow: UnitOfWork, user: User) -> None:
        admins = [a for a in uow.accounts.all() if a.draft.active and Role.ADMIN in a.draft.roles]
        if not admins and not user.system:
            raise SpipError(
                "Le service doit garder au moins un administrateur actif : "
                "donnez d'abord ce rôle à un autre compte."
            )

    @staticmethod
    def _account_event(
        action: AuditAction,
        account_id: int,
        before: AccountDraft | None,
        after: AccountDraft | None,
    ) -> AuditEvent:
        def values(draft: AccountDraft | None) -> dict[str, object] | None:
            if draft is None:
                return None
            return {
                "login": draft.login,
                "display_name": draft.display_name,
                "roles": sorted(role.value for role in draft.roles),
                "agent_id": draft.agent_id,
                "active": draft.active,
            }

        login = (after or before or AccountDraft("", "", frozenset())).login
        return AuditEvent(
            action,
            "account",
            account_id,
            None,
            f"Compte {login}",
            diff(values(before), values(after)),
        )
