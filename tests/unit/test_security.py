"""The access policy, the password rule and login throttling (pure domain)."""

from __future__ import annotations

import pytest

from spip_desktop.domain.security import (
    DEMO_ACCOUNTS,
    LOCK_AFTER_FAILURES,
    PERMISSIONS,
    AccountDraft,
    Permission,
    Role,
    Scope,
    User,
    decode_roles,
    encode_roles,
    login_delay,
    password_checks,
    validate_account,
    validate_login,
    validate_password,
)

P = Permission
CPIP_AGENT = 7


def user(*roles: Role, agent_id: int | None = None, wide: bool = True) -> User:
    return User(1, "x", "X", frozenset(roles), agent_id, service_wide_read=wide)


# -- the permission table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (
            Role.CPIP,
            {P.PERSON_VIEW, P.PERSON_DETAILS, P.MEASURE_EDIT, P.JOURNAL, P.ENROL, P.RIGHTS},
            {P.ACCOUNTS, P.AUDIT, P.BACKUPS, P.SUMMARY, P.PARTNERS, P.SERVICE_SETTINGS},
        ),
        (Role.ASS, {P.PERSON_VIEW, P.RIGHTS}, {P.PERSON_DETAILS, P.MEASURE_EDIT, P.JOURNAL}),
        (
            Role.SECRETARIAT,
            {P.PERSON_VIEW, P.PERSON_CREATE, P.PERSON_EDIT, P.ENROL, P.ATTENDANCE, P.PRINT},
            {P.JOURNAL, P.PERSON_DETAILS, P.MEASURE_EDIT, P.ACCOUNTS},
        ),
        (
            Role.DPIP,
            {P.PERSON_DETAILS, P.SUMMARY, P.PARTNERS, P.SERVICE_SETTINGS, P.SUBJECT_ACCESS},
            {P.ACCOUNTS, P.BACKUPS, P.RETENTION, P.AUDIT},
        ),
        (
            Role.ADMIN,
            {P.ACCOUNTS, P.BACKUPS, P.RETENTION, P.AUDIT, P.SECURITY_SETTINGS},
            {P.PERSON_VIEW, P.PERSON_DETAILS, P.JOURNAL, P.SUMMARY},
        ),
    ],
)
def test_each_role_has_what_the_service_expects_and_nothing_of_the_rest(
    role: Role, allowed: set[Permission], refused: set[Permission]
) -> None:
    someone = user(role, agent_id=CPIP_AGENT, wide=False)
    assert all(someone.may(p, CPIP_AGENT) for p in allowed)
    assert not any(someone.may(p, CPIP_AGENT, any_person=True) for p in refused)


def test_a_cpip_has_their_caseload_in_full_and_the_rest_read_only_when_allowed() -> None:
    cpip = user(Role.CPIP, agent_id=CPIP_AGENT)
    assert cpip.may(P.PERSON_EDIT, CPIP_AGENT)
    assert cpip.may(P.PERSON_VIEW, 99)  # identity and dates of the whole service
    assert not cpip.may(P.PERSON_DETAILS, 99)
    assert not cpip.may(P.PERSON_EDIT, 99)
    assert not cpip.may(P.PERSON_EDIT, None)  # nobody's caseload is not theirs
    assert cpip.scope(P.PERSON_VIEW) is Scope.SERVICE


def test_a_service_that_forbids_it_keeps_cpips_to_their_caseload() -> None:
    cpip = user(Role.CPIP, agent_id=CPIP_AGENT, wide=False)
    assert cpip.scope(P.PERSON_VIEW) is Scope.CASELOAD
    assert not cpip.may(P.PERSON_VIEW, 99)
    assert cpip.may(P.PERSON_VIEW, CPIP_AGENT)


def test_a_cpip_without_an_agent_record_has_no_caseload() -> None:
    assert not user(Role.CPIP, wide=False).may(P.PERSON_VIEW, None)


def test_an_administrator_sees_files_only_when_also_dpip() -> None:
    assert not user(Role.ADMIN).may(P.PERSON_VIEW, any_person=True)
    both = user(Role.ADMIN, Role.DPIP)
    assert both.may(P.PERSON_DETAILS, 99) and both.may(P.ACCOUNTS)


def test_every_permission_belongs_to_some_role() -> None:
    granted = {p for table in PERMISSIONS.values() for p in table}
    assert granted == set(Permission)


def test_the_command_line_user_is_recorded_as_the_system_user() -> None:
    system = User.command_line("marie")
    assert system.system and system.login == "système:marie"
    assert all(system.may(p, any_person=True) for p in Permission)


# -- passwords and logins -----------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["court1!A", "toutenminuscule1!", "TOUTENMAJUSCULE1!", "SansChiffre!!!", "SansSymbole1234"],
)
def test_a_password_breaking_the_cnil_rule_is_refused_with_the_rule(password: str) -> None:
    result = validate_password(password)
    assert "12 caractères" in result.errors["password"]


def test_a_strong_password_passes_and_each_part_of_the_rule_is_reported() -> None:
    assert validate_password("Très-Bon-Mot-2026").ok
    checks = password_checks("abc")
    assert checks["Une minuscule"] and not checks["Une majuscule"]
    assert not checks["Au moins 12 caractères"]


def test_a_password_must_not_contain_the_login_nor_differ_from_its_confirmation() -> None:
    assert "identifiant" in validate_password("Xx-jdupont-2026!", "jdupont").errors["password"]
    result = validate_password("Très-Bon-Mot-2026", confirmation="Très-Bon-Mot-2027")
    assert "identiques" in result.errors["password_confirmation"]


def test_an_over_long_password_gets_a_sentence_not_an_error() -> None:
    assert "128" in validate_password("Aa1!" * 1000).errors["password"]


@pytest.mark.parametrize("login", ["' OR 1=1 --", "a" * 65, "", "   ", "jean dupont"])
def test_logins_are_plain_identifiers(login: str) -> None:
    assert not validate_login(login).ok


def test_a_cpip_account_must_be_tied_to_its_agent_record() -> None:
    draft = AccountDraft("e.lefevre", "Élodie LEFÈVRE", frozenset({Role.CPIP}))
    assert "fiche agent" in validate_account(draft).errors["agent_id"]


def test_roles_round_trip_through_their_stored_form() -> None:
    roles = frozenset({Role.DPIP, Role.ADMIN})
    assert encode_roles(roles) == "dpip,admin"
    assert decode_roles("dpip,admin,unknown") == roles


def test_demo_passwords_follow_the_rule_they_are_shown_beside() -> None:
    for account in DEMO_ACCOUNTS:
        assert validate_password(account.password, account.login).ok, account.login
    assert {a.role for a in DEMO_ACCOUNTS} == set(Role)


def test_the_delay_grows_from_the_third_failure_and_is_capped() -> None:
    delays = [login_delay(n) for n in range(LOCK_AFTER_FAILURES + 3)]
    assert delays[:3] == [0, 0, 0]  # two mistakes cost nothing
    assert delays[3:8] == [1, 2, 4, 8, 16]  # from the third on, each doubles
    assert max(delays) == 30
    assert delays == sorted(delays)
