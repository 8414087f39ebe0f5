"""Accounts and the service's settings in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.security import Account, AccountDraft, decode_roles, encode_roles
from ..domain.service_settings import ServiceSettings
from . import models as m
from .repositories import checked


def _to_account(row: m.AccountRow) -> Account:
    return Account(
        id=row.id,
        version=row.version,
        draft=AccountDraft(
            login=row.login,
            display_name=row.display_name,
            roles=decode_roles(row.roles),
            agent_id=row.agent_id,
            active=row.active,
        ),
        locked=row.locked,
        failed_attempts=row.failed_attempts,
        last_login_at=row.last_login_at,
        must_change_password=row.must_change_password,
    )


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self) -> None:
        """Serialise the transactions that decide on the set of accounts (the first
        administrator, the last one): SQLite's writers already are; PostgreSQL's are not."""
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("LOCK TABLE account IN SHARE ROW EXCLUSIVE MODE")

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(m.AccountRow)) or 0)

    def all(self) -> list[Account]:
        rows = self.session.scalars(select(m.AccountRow).order_by(m.AccountRow.login))
        return [_to_account(row) for row in rows]

    def get(self, account_id: int) -> Account | None:
        row = self.session.get(m.AccountRow, account_id)
        return None if row is None else _to_account(row)

    def row_by_login(self, login: str) -> m.AccountRow | None:
        """The row itself (with its hash and counters), for the login use case only."""
        return self.session.scalars(select(m.AccountRow).where(m.AccountRow.login == login)).first()

    def row(self, account_id: int) -> m.AccountRow | None:
        return self.session.get(m.AccountRow, account_id)

    def login_taken(self, login: str, except_id: int | None) -> bool:
        stmt = select(m.AccountRow.id).where(m.AccountRow.login == login)
        if except_id is not None:
            stmt = stmt.where(m.AccountRow.id != except_id)
        return self.session.scalar(stmt) is not None

    def agent_taken(self, agent_id: int, except_id: int | None) -> bool:
        stmt = select(m.AccountRow.id).where(m.AccountRow.agent_id == agent_id)
        if except_id is not None:
            stmt = stmt.where(m.AccountRow.id != except_id)
        return self.session.scalar(stmt) is not None

    def add(self, draft: AccountDraft, password_hash: str, now: datetime) -> int:
        row = m.AccountRow(
            login=draft.login,
            display_name=draft.display_name.strip(),
            roles=encode_roles(draft.roles),
            agent_id=draft.agent_id,
            active=draft.active,
            password_hash=password_hash,
            password_changed_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return int(row.id)

    def update(self, account_id: int, version: int, draft: AccountDraft) -> None:
        row = checked(
            self.session.get(m.AccountRow, account_id), version, "Ce compte n'existe plus."
        )
        row.login = draft.login
        row.display_name = draft.display_name.strip()
        row.roles = encode_roles(draft.roles)
        row.agent_id = draft.agent_id
        row.active = draft.active
        self.session.flush()


class SettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self) -> ServiceSettings:
        rows = self.session.execute(select(m.SettingRow.key, m.SettingRow.value)).all()
        return ServiceSettings.from_strings({key: value for key, value in rows})

    def save(self, settings: ServiceSettings) -> None:
        for key, value in settings.to_strings().items():
            row = self.session.get(m.SettingRow, key)
            if row is None:
                self.session.add(m.SettingRow(key=key, value=value))
            else:
                row.value = value
        self.session.flush()
