"""Signing in, throttling and locking, account administration — on a real database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from spip_desktop.bootstrap import Services
from spip_desktop.domain.errors import InvalidInput, LoginRefused, PermissionDenied, SpipError
from spip_desktop.domain.model import PersonQuery
from spip_desktop.domain.security import (
    ACCOUNT_LOCKED,
    LOCK_AFTER_FAILURES,
    LOGIN_REFUSED,
    AccountDraft,
    Role,
)
from spip_desktop.services.accounts import AccountService
from tests.conftest import sign_in_as

PASSWORD = "Bordeaux-Gironde-33!"


class Clock:
    """A clock the test moves by hand (the login delays are in real seconds)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 12, 9, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(services: Services) -> Clock:
    clock = Clock()
    services.accounts._now = clock  # the service's injectable clock
    return clock


@pytest.fixture
def accounts(services: Services, clock: Clock) -> AccountService:
    services.session.user = None
    assert services.accounts.needs_first_admin()
    services.accounts.create_first_admin(
        AccountDraft("Admin", "Marc ADMIN", frozenset()), PASSWORD, PASSWORD
    )
    services.accounts.logout()
    return services.accounts


def test_the_first_administrator_is_created_once_and_signed_in(services: Services) -> None:
    services.session.user = None
    user = services.accounts.create_first_admin(
        AccountDraft("  Admin ", "Marc ADMIN", frozenset({Role.DPIP})), PASSWORD, PASSWORD
    )
    assert user.login == "admin" and user.roles == {Role.ADMIN, Role.DPIP}
    assert services.session.user == user
    assert not services.accounts.needs_first_admin()
    with pytest.raises(SpipError, match="déjà été créé"):
        services.accounts.create_first_admin(
            AccountDraft("autre", "Autre", frozenset()), PASSWORD, PASSWORD
        )


def test_a_weak_first_password_is_refused_and_creates_nothing(services: Services) -> None:
    services.session.user = None
    with pytest.raises(InvalidInput) as caught:
        services.accounts.create_first_admin(
            AccountDraft("admin", "Marc ADMIN", frozenset()), "motdepasse", "motdepasse"
        )
    assert "12 caractères" in caught.value.result.errors["password"]
    assert services.accounts.needs_first_admin()


def test_the_password_is_stored_as_an_argon2id_hash_only(
    services: Services, accounts: AccountService
) -> None:
    with services.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM account").scalar_one()
        dump = "".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM account"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in dump


def test_sign_in_works_with_any_case_of_the_login(accounts: AccountService) -> None:
    user = accounts.login(" ADMIN ", PASSWORD)
    assert user.login == "admin" and Role.ADMIN in user.roles


def test_an_unknown_login_and_a_wrong_password_get_the_same_answer(
    accounts: AccountService,
) -> None:
    with pytest.raises(LoginRefused) as unknown:
        accounts.login("personne", PASSWORD)
    with pytest.raises(LoginRefused) as wrong:
        accounts.login("admin", "Mauvais-mot-2026!")
    assert unknown.value.message == wrong.value.message == LOGIN_REFUSED


@pytest.mark.parametrize(
    "login", ["admin' OR '1'='1", "admin'; DROP TABLE account; --", "é" * 10_000, "\x00admin"]
)
def test_hostile_logins_are_just_wrong_logins(
    services: Services, accounts: AccountService, login: str
) -> None:
    with pytest.raises(LoginRefused, match="incorrect"):
        accounts.login(login, PASSWORD)
    assert accounts.login("admin", PASSWORD).login == "admin"  # the table is still there


def test_a_huge_password_is_refused_without_hashing_it(accounts: AccountService) -> None:
    with pytest.raises(LoginRefused, match="incorrect"):
        accounts.login("admin", "A" * 1_000_000)


def test_a_delay_grows_from_the_third_failure_then_the_account_locks_at_ten(
    accounts: AccountService, clock: Clock
) -> None:
    waits = []
    for _ in range(10):
        with pytest.raises(LoginRefused) as caught:
            accounts.login("admin", "Mauvais-mot-2026!")
        waits.append(caught.value.retry_after)
        clock.advance(60)
    assert waits[:2] == [0, 0]
    assert waits[2:9] == [1, 2, 4, 8, 16, 30, 30]
    assert caught.value.locked and caught.value.message == ACCOUNT_LOCKED
    with pytest.raises(LoginRefused, match="verrouillé"):  # even with the right password
        accounts.login("admin", PASSWORD)


def test_an_attempt_during_the_delay_is_refused_without_checking(
    accounts: AccountService, clock: Clock
) -> None:
    for _ in range(3):
        with pytest.raises(LoginRefused):
            accounts.login("admin", "Mauvais-mot-2026!")
    with pytest.raises(LoginRefused) as early:
        accounts.login("admin", PASSWORD)  # right password, but too soon
    assert early.value.retry_after == 1 and "Patientez 1 seconde" in early.value.message
    clock.advance(2)
    assert accounts.login("admin", PASSWORD).login == "admin"


def test_unknown_logins_are_throttled_and_locked_the_same_way(
    accounts: AccountService, clock: Clock
) -> None:
    answers = []
    for _ in range(10):
        with pytest.raises(LoginRefused) as caught:
            accounts.login("inconnu", "Mauvais-mot-2026!")
        answers.append((caught.value.retry_after, caught.value.locked))
        clock.advance(60)
    assert answers[2][0] == 1 and answers[-1] == (0, True)


def test_an_administrator_lifts_the_lock(
    services: Services, accounts: AccountService, clock: Clock
) -> None:
    admin = accounts.login("admin", PASSWORD)
    created = accounts.create_account(
        AccountDraft("secretariat1", "Sophie SECRÉTAIRE", frozenset({Role.SECRETARIAT})),
        "Secretariat-33-Bdx!",
        "Secretariat-33-Bdx!",
    )
    for _ in range(10):
        with pytest.raises(LoginRefused):
            accounts.login("secretariat1", "Mauvais-mot-2026!")
        clock.advance(60)
    services.session.user = admin
    assert next(a for a in accounts.accounts() if a.id == created.id).locked
    accounts.unlock_account(created.id)
    assert Role.SECRETARIAT in accounts.login("secretariat1", "Secretariat-33-Bdx!").roles


def test_only_administrators_manage_accounts(services: Services, accounts: AccountService) -> None:
    sign_in_as(services, Role.DPIP)
    with pytest.raises(PermissionDenied):
        accounts.accounts()
    with pytest.raises(PermissionDenied):
        accounts.create_account(AccountDraft("x", "X", frozenset({Role.ADMIN})), PASSWORD, PASSWORD)


def test_the_last_active_administrator_cannot_be_removed(
    services: Services, accounts: AccountService
) -> None:
    accounts.login("admin", PASSWORD)
    admin = accounts.accounts()[0]
    with pytest.raises(SpipError, match="au moins un administrateur"):
        accounts.update_account(
            admin.id, admin.version, AccountDraft("admin", "Marc ADMIN", frozenset({Role.DPIP}))
        )
    assert Role.ADMIN in accounts.accounts()[0].draft.roles


def test_a_reset_password_must_be_changed_at_next_sign_in(
    services: Services, accounts: AccountService
) -> None:
    accounts.login("admin", PASSWORD)
    created = accounts.create_account(
        AccountDraft("dpip1", "Denise DPIP", frozenset({Role.DPIP})), PASSWORD, PASSWORD
    )
    accounts.reset_password(created.id, "Temporaire-2026-xyz", "Temporaire-2026-xyz")
    accounts.login("dpip1", "Temporaire-2026-xyz")
    assert accounts.must_change_password()
    with pytest.raises(PermissionDenied, match="réinitialisé"):  # the services wait for it too
        services.persons.list_page(PersonQuery())
    with pytest.raises(InvalidInput, match="actuel"):
        accounts.change_password("faux", "Nouveau-Mot-2026!", "Nouveau-Mot-2026!")
    accounts.change_password("Temporaire-2026-xyz", "Nouveau-Mot-2026!", "Nouveau-Mot-2026!")
    assert not accounts.must_change_password()
    assert services.persons.list_page(PersonQuery()).rows == ()


def test_unlocking_the_screen_checks_the_signed_in_users_password(
    accounts: AccountService,
) -> None:
    accounts.login("admin", PASSWORD)
    with pytest.raises(LoginRefused):
        accounts.unlock("Mauvais-mot-2026!")
    assert accounts.unlock(PASSWORD).login == "admin"


def test_the_demo_database_has_one_working_account_per_role(services: Services) -> None:
    from spip_desktop.domain.security import DEMO_ACCOUNTS

    services.maintenance.generate_demo(60, 7)
    for demo in DEMO_ACCOUNTS:
        user = services.accounts.login(demo.login, demo.password)
        assert demo.role in user.roles
        if demo.role is Role.CPIP:
            assert user.agent_id is not None


def test_failures_made_in_parallel_all_count_and_lock_the_account(
    services: Services, accounts: AccountService
) -> None:
    """Several workstations guessing at once: the counter is incremented in the database."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> str:
        try:
            accounts.login("admin", "Mauvais-mot-2026!")
        except LoginRefused as refused:
            return refused.message
        return "signed in"

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(attempt, range(12)))
    assert "signed in" not in answers
    with services.engine.connect() as connection:
        failures, locked = connection.exec_driver_sql(
            "SELECT failed_attempts, locked FROM account WHERE login = 'admin'"
        ).one()
    # every attempt that reached the password check counted (the others waited their delay)
    checked = sum(not m.startswith(LOGIN_REFUSED + " Patientez") for m in answers)
    assert failures >= min(checked, LOCK_AFTER_FAILURES)
    if failures >= LOCK_AFTER_FAILURES:
        assert locked


def test_changing_ones_password_is_throttled_like_a_sign_in(
    accounts: AccountService, clock: Clock
) -> None:
    accounts.login("admin", PASSWORD)
    for _ in range(2):
        with pytest.raises(InvalidInput, match="actuel n'est pas le bon"):
            accounts.change_password("Mauvais-mot-2026!", "Nouveau-Mot-2026!", "Nouveau-Mot-2026!")
    with pytest.raises(InvalidInput) as third:
        accounts.change_password("Mauvais-mot-2026!", "Nouveau-Mot-2026!", "Nouveau-Mot-2026!")
    assert "Patientez" in third.value.result.errors["current_password"]
    with pytest.raises(InvalidInput, match="Patientez"):  # even the right one waits
        accounts.change_password(PASSWORD, "Nouveau-Mot-2026!", "Nouveau-Mot-2026!")
    clock.advance(5)
    accounts.change_password(PASSWORD, "Nouveau-Mot-2026!", "Nouveau-Mot-2026!")
    assert accounts.login("admin", "Nouveau-Mot-2026!").login == "admin"
