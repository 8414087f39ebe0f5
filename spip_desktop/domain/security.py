"""Who may do what: roles, the permission table, the password rule and login throttling.

The table below is the single statement of the access policy. The services
check it before every use case (and refuse with :class:`PermissionDenied`);
the interface reads the same table to hide what a role may not do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from .enums import LabelledEnum
from .validation import ValidationResult


class Role(LabelledEnum):
    CPIP = ("cpip", "CPIP")
    ASS = ("ass", "ASS")
    SECRETARIAT = ("secretariat", "Secrétariat")
    DPIP = ("dpip", "DPIP / direction")
    ADMIN = ("admin", "Administrateur")


class Permission(LabelledEnum):
    # People and their files
    PERSON_VIEW = ("person_view", "Voir l'identité et les dates des personnes suivies")
    PERSON_DETAILS = ("person_details", "Voir le dossier complet (mesures, obligations)")
    PERSON_CREATE = ("person_create", "Créer un dossier")
    PERSON_EDIT = ("person_edit", "Modifier l'identité")
    FILE_CLOSE = ("file_close", "Clôturer et rouvrir un dossier")
    MEASURE_EDIT = ("measure_edit", "Saisir et modifier les mesures")
    FILE_HISTORY = ("file_history", "Voir l'historique d'un dossier")
    JOURNAL = ("journal", "Lire et écrire le journal (notes, entretiens)")
    # Stages, attendance, printing (used from [3/6] on)
    ENROL = ("enrol", "Inscrire aux stages et programmes")
    ATTENDANCE = ("attendance", "Saisir les présences")
    PRINT = ("print", "Imprimer attestations et feuilles d'émargement")
    CATALOGUE = ("catalogue", "Gérer le catalogue des stages et actions collectives")
    # Access to rights (used from [4/6] on)
    RIGHTS = ("rights", "Suivre les démarches d'accès aux droits")
    PARTNERS = ("partners", "Gérer les partenaires et conventions")
    # Management
    SUMMARY = ("summary", "Consulter et exporter la synthèse mensuelle")
    REFERENCE = ("reference", "Gérer antennes, agents et établissements")
    SERVICE_SETTINGS = ("service_settings", "Paramétrer le service")
    SUBJECT_ACCESS = ("subject_access", "Éditer le relevé du droit d'accès")
    # Administration
    ACCOUNTS = ("accounts", "Gérer les comptes")
    AUDIT = ("audit", "Consulter le journal d'audit")
    BACKUPS = ("backups", "Sauvegarder et restaurer")
    RETENTION = ("retention", "Purger les dossiers échus")
    SECURITY_SETTINGS = ("security_settings", "Régler verrouillage et durées de conservation")


class Scope(Enum):
    """How far a granted permission reaches."""

    CASELOAD = "caseload"  # people whose referent is the user
    SERVICE = "service"  # everyone in the service


P = Permission
_CASELOAD, _SERVICE = Scope.CASELOAD, Scope.SERVICE

#: The access policy. A role not listing a permission does not have it.
PERMISSIONS: dict[Role, dict[Permission, Scope]] = {
    Role.CPIP: {
        P.PERSON_VIEW: _CASELOAD,
        P.PERSON_DETAILS: _CASELOAD,
        P.PERSON_CREATE: _SERVICE,
        P.PERSON_EDIT: _CASELOAD,
        P.FILE_CLOSE: _CASELOAD,
        P.MEASURE_EDIT: _CASELOAD,
        P.FILE_HISTORY: _CASELOAD,
        P.JOURNAL: _CASELOAD,
        P.ENROL: _CASELOAD,
        P.ATTENDANCE: _SERVICE,
        P.PRINT: _CASELOAD,
        P.RIGHTS: _CASELOAD,
    },
    Role.ASS: {
        P.PERSON_VIEW: _SERVICE,
        P.RIGHTS: _SERVICE,
        P.PRINT: _SERVICE,
    },
    Role.SECRETARIAT: {
        P.PERSON_VIEW: _SERVICE,
        P.PERSON_CREATE: _SERVICE,
        P.PERSON_EDIT: _SERVICE,
        P.ENROL: _SERVICE,
        P.ATTENDANCE: _SERVICE,
        P.PRINT: _SERVICE,
    },
    Role.DPIP: {
        P.PERSON_VIEW: _SERVICE,
        P.PERSON_DETAILS: _SERVICE,
        P.PERSON_CREATE: _SERVICE,
        P.PERSON_EDIT: _SERVICE,
        P.FILE_CLOSE: _SERVICE,
        P.MEASURE_EDIT: _SERVICE,
        P.FILE_HISTORY: _SERVICE,
        P.JOURNAL: _SERVICE,
        P.ENROL: _SERVICE,
        P.ATTENDANCE: _SERVICE,
        P.PRINT: _SERVICE,
        P.CATALOGUE: _SERVICE,
        P.RIGHTS: _SERVICE,
        P.PARTNERS: _SERVICE,
        P.SUMMARY: _SERVICE,
        P.REFERENCE: _SERVICE,
        P.SERVICE_SETTINGS: _SERVICE,
        P.SUBJECT_ACCESS: _SERVICE,
    },
    Role.ADMIN: {
        P.ACCOUNTS: _SERVICE,
        P.AUDIT: _SERVICE,
        P.BACKUPS: _SERVICE,
        P.RETENTION: _SERVICE,
        P.SECURITY_SETTINGS: _SERVICE,
        P.REFERENCE: _SERVICE,
    },
}

#: What a CPIP gains over the rest of the service when the service allows it:
#: identity and dates, read-only.
SERVICE_WIDE_READ: dict[Role, frozenset[Permission]] = {Role.CPIP: frozenset({P.PERSON_VIEW})}


@dataclass(frozen=True)
class User:
    """The person signed in (or the operating-system user running a command)."""

    account_id: int | None
    login: str
    display_name: str
    roles: frozenset[Role]
    agent_id: int | None = None
    #: The service lets CPIPs read identity and dates of the whole service.
    service_wide_read: bool = True
    #: A command-line run: recorded in the audit trail under the system user.
    system: bool = False
    #: An administrator reset the password: nothing but changing it until it is done.
    must_change_password: bool = False

    @classmethod
    def command_line(cls, os_user: str) -> User:
        """Whoever can run a command can already read the database file."""
        return cls(
            None,
            f"système:{os_user}",
            f"{os_user} (ligne de commande)",
            frozenset(Role),
            system=True,
        )

    @property
    def roles_label(self) -> str:
        return ", ".join(role.label for role in Role if role in self.roles)

    def scope(self, permission: Permission) -> Scope | None:
        """The widest scope any of the user's roles gives ``permission``."""
        scopes: set[Scope] = set()
        for role in self.roles:
            granted = PERMISSIONS[role].get(permission)
            if granted is not None:
                scopes.add(granted)
            if self.service_wide_read and permission in SERVICE_WIDE_READ.get(role, ()):
                scopes.add(Scope.SERVICE)
        if Scope.SERVICE in scopes:
            return Scope.SERVICE
        return Scope.CASELOAD if scopes else None

    def may(
        self, permission: Permission, referent_id: int | None = None, *, any_person: bool = False
    ) -> bool:
        """May the user do ``permission`` (on a person whose referent is ``referent_id``)?

        ``any_person`` asks whether the user may do it on at least someone (to show
        a page or a button at all).
        """
        scope = self.scope(permission)
        if scope is None:
            return False
        if scope is Scope.SERVICE or any_person:
            return True
        return self.agent_id is not None and referent_id == self.agent_id


@dataclass(frozen=True)
class AccountDraft:
    """What the account form edits (the password is set apart)."""

    login: str
    display_name: str
    roles: frozenset[Role]
    agent_id: int | None = None
    active: bool = True


@dataclass(frozen=True)
class Account:
    id: int
    version: int
    draft: AccountDraft
    locked: bool = False
    failed_attempts: int = 0
    last_login_at: datetime | None = None
    must_change_password: bool = False

    @property
    def status_label(self) -> str:
        if not self.draft.active:
            return "Désactivé"
        return "Verrouillé" if self.locked else "Actif"


def validate_account(draft: AccountDraft) -> ValidationResult:
    result = validate_login(draft.login)
    if not draft.display_name.strip():
        result.error("display_name", "Indiquez le nom de la personne.")
    elif len(draft.display_name) > 200:
        result.error("display_name", "Le nom ne peut pas dépasser 200 caractères.")
    if not draft.roles:
        result.error("roles", "Choisissez au moins un rôle.")
    elif Role.CPIP in draft.roles and draft.agent_id is None:
        result.error(
            "agent_id",
            "Un compte CPIP doit être relié à sa fiche agent : "
            "c'est elle qui porte son portefeuille.",
        )
    return result


def encode_roles(roles: Iterable[Role]) -> str:
    return ",".join(role.value for role in Role if role in set(roles))


def decode_roles(text: str) -> frozenset[Role]:
    known = {role.value: role for role in Role}
    return frozenset(known[value] for value in text.split(",") if value in known)


def permissions_of(roles: Iterable[Role]) -> set[Permission]:
    """Every permission the roles give, whatever the scope."""
    return {permission for role in roles for permission in PERMISSIONS[role]}


# -- passwords -------------------------------------------------------------------

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
LOGIN_MAX_LENGTH = 64

PASSWORD_RULE = (
    f"Au moins {PASSWORD_MIN_LENGTH} caractères, avec des majuscules, des minuscules, "
    "des chiffres et des caractères spéciaux."
)


def password_checks(password: str) -> dict[str, bool]:
    """Each part of the rule (recommendation of the CNIL for a password used alone)."""
    return {
        f"Au moins {PASSWORD_MIN_LENGTH} caractères": len(password) >= PASSWORD_MIN_LENGTH,
        "Une majuscule": any(c.isupper() for c in password),
        "Une minuscule": any(c.islower() for c in password),
        "Un chiffre": any(c.isdigit() for c in password),
        "Un caractère spécial": any(not c.isalnum() and c.isprintable() for c in password),
    }


def validate_password(
    password: str, login: str = "", confirmation: str | None = None
) -> ValidationResult:
    result = ValidationResult()
    if len(password) > PASSWORD_MAX_LENGTH:
        result.error(
            "password", f"Le mot de passe ne peut pas dépasser {PASSWORD_MAX_LENGTH} caractères."
        )
    elif not all(password_checks(password).values()):
        result.error("password", f"Mot de passe trop faible. {PASSWORD_RULE}")
    elif login.strip() and login.strip().casefold() in password.casefold():
        result.error("password", "Le mot de passe ne doit pas contenir l'identifiant.")
    elif any(not c.isprintable() for c in password):
        result.error("password", "Le mot de passe contient un caractère invisible non autorisé.")
    if confirmation is not None and confirmation != password:
        result.error("password_confirmation", "Les deux mots de passe ne sont pas identiques.")
    return result


def normalise_login(login: str) -> str:
    """How logins are compared: trimmed, case-insensitive."""
    return login.strip().casefold()


def validate_login(login: str) -> ValidationResult:
    result = ValidationResult()
    value = login.strip()
    if not value:
        result.error("login", "Indiquez un identifiant.")
    elif len(value) > LOGIN_MAX_LENGTH:
        result.error("login", f"L'identifiant ne peut pas dépasser {LOGIN_MAX_LENGTH} caractères.")
    elif not all(c.isalnum() or c in "._-" for c in value):
        result.error(
            "login",
            "L'identifiant ne peut contenir que des lettres, des chiffres, le point, "
            "le tiret et le tiret bas.",
        )
    return result


# -- the demonstration database ---------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    """One account per role in the demonstration database, shown on its sign-in screen."""

    login: str
    password: str
    role: Role
    description: str


DEMO_ACCOUNTS = (
    DemoAccount("cpip.demo", "Cpip-Demo-2026!", Role.CPIP, "son portefeuille en entier"),
    DemoAccount("dpip.demo", "Dpip-Demo-2026!", Role.DPIP, "tout le service, la synthèse"),
    DemoAccount(
        "secretariat.demo", "Secretariat-Demo-2026!", Role.SECRETARIAT, "identités, inscriptions"
    ),
    DemoAccount("ass.demo", "Ass-Demo-2026!!", Role.ASS, "démarches d'accès aux droits"),
    DemoAccount("admin.demo", "Admin-Demo-2026!", Role.ADMIN, "comptes, sauvegardes, audit"),
)


# -- login throttling ------------------------------------------------------------

#: Consecutive failures after which an account is locked until an administrator lifts it.
LOCK_AFTER_FAILURES = 10
#: From this failure on, each new attempt must wait.
DELAY_FROM_FAILURE = 3
MAX_DELAY_SECONDS = 30

LOGIN_REFUSED = "Identifiant ou mot de passe incorrect."
ACCOUNT_LOCKED = (
    "Trop d'essais infructueux : ce compte est verrouillé. "
    "Demandez à un administrateur de le débloquer."
)


def login_delay(consecutive_failures: int) -> int:
    """Seconds to wait before the next attempt: 1, 2, 4, 8, 16, then 30 (from the 3rd failure)."""
    if consecutive_failures < DELAY_FROM_FAILURE:
        return 0
    return int(min(2 ** (consecutive_failures - DELAY_FROM_FAILURE), MAX_DELAY_SECONDS))


def wait_message(seconds: int) -> str:
    unit = "seconde" if seconds <= 1 else "secondes"
    return f"{LOGIN_REFUSED} Patientez {seconds} {unit} avant de réessayer."


# -- inactivity lock ---------------------------------------------------------------

LOCK_MINUTES_DEFAULT = 5
LOCK_MINUTES_RANGE = (1, 15)
