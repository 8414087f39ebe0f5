"""The audit trail's vocabulary, its SHA-256 chain, and field-by-field differences.

Each entry holds the hash of the previous one; the hash covers every field of
the entry, so changing, removing or reordering an entry breaks the chain from
that entry on. :func:`verify_chain` names the first broken entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from hashlib import sha256
from typing import Any

from .enums import LabelledEnum

#: ``prev_hash`` of the very first entry.
GENESIS = "0" * 64


class AuditAction(LabelledEnum):
    CREATE = ("create", "Création")
    UPDATE = ("update", "Modification")
    DELETE = ("delete", "Suppression")
    VIEW = ("view", "Consultation")
    PRINT = ("print", "Impression")
    EXPORT = ("export", "Export")
    LOGIN = ("login", "Connexion")
    LOGIN_FAILED = ("login_failed", "Échec de connexion")
    LOGOUT = ("logout", "Déconnexion")
    UNLOCK = ("unlock", "Déverrouillage")
    BACKUP = ("backup", "Sauvegarde")
    RESTORE = ("restore", "Restauration")
    PURGE = ("purge", "Purge")
    ANONYMISE = ("anonymise", "Anonymisation")
    PRUNE = ("prune", "Élagage du journal")
    COMMAND = ("command", "Commande")


#: French names of the kinds of object an entry is about.
OBJECT_LABELS: dict[str, str] = {
    "person": "Dossier",
    "measure": "Mesure",
    "agent": "Agent",
    "antenne": "Antenne",
    "establishment": "Établissement",
    "account": "Compte",
    "settings": "Paramètres",
    "database": "Base de données",
    "audit": "Journal d'audit",
    "stage_type": "Type de stage",
    "stage": "Stage",
    "stage_session": "Séance",
    "enrolment": "Inscription",
    "attendance": "Présences",
    "attestation": "Attestation",
    "partner": "Partenaire",
    "convention": "Convention",
    "rights_step": "Démarche d'accès aux droits",
    "journal_entry": "Journal",
    "timeline": "Chronologie",
    "todo": "À traiter",
    "summary_export": "Synthèse mensuelle",
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class AuditEvent:
    """What a use case records; the unit of work adds who, when and the chain."""

    action: AuditAction
    object_type: str
    object_id: int | None = None
    person_id: int | None = None
    summary: str = ""
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime  # UTC, naive
    actor_login: str
    actor_name: str
    action: AuditAction
    object_type: str
    object_id: int | None
    person_id: int | None
    summary: str
    changes: tuple[FieldChange, ...]
    prev_hash: str
    hash: str

    @property
    def object_label(self) -> str:
        return OBJECT_LABELS.get(self.object_type, self.object_type)


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit trail browser."""

    since: date | None = None
    until: date | None = None
    actor_login: str = ""
    action: AuditAction | None = None
    object_type: str = ""
    person_id: int | None = None


# -- values --------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """A value as the audit trail stores it (dates in ISO form, enums by value)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [jsonable(item) for item in value]
    return str(value)


def diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[FieldChange, ...]:
    """Field-by-field changes; a creation has ``before=None``, a deletion ``after=None``.

    Empty values on both sides are not changes; unchanged fields are left out.
    """
    old_values = {k: jsonable(v) for k, v in (before or {}).items()}
    new_values = {k: jsonable(v) for k, v in (after or {}).items()}
    changes = []
    for name in dict.fromkeys([*old_values, *new_values]):
        old, new = old_values.get(name), new_values.get(name)
        if old == new or (old in (None, "", []) and new in (None, "", [])):
            continue
        changes.append(FieldChange(name, old, new))
    return tuple(changes)


def changes_to_json(changes: Iterable[FieldChange]) -> str:
    """Canonical JSON of the changes (the form that is hashed and stored)."""
    payload = [[c.field, jsonable(c.old), jsonable(c.new)] for c in changes]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload else ""


def changes_from_json(text: str) -> tuple[FieldChange, ...]:
    if not text:
        return ()
    return tuple(FieldChange(name, old, new) for name, old, new in json.loads(text))


# -- the chain -------------------------------------------------------------------------


def timestamp(at: datetime | str) -> str:
    """The hashed form of an entry's time: ISO, microseconds, no time zone (always UTC).

    SQLite hands the stored text back (``2026-03-12 09:30:00.123456``), which
    only differs by its separator; other databases hand back a datetime.
    """
    if isinstance(at, str):
        return at.replace(" ", "T", 1)
    return at.replace(tzinfo=None).isoformat(timespec="microseconds")


def entry_hash(
    prev_hash: str,
    at: datetime | str,
    actor_login: str,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: int | None,
    person_id: int | None,
    summary: str,
    changes_json: str,
) -> str:
    """SHA-256 over the previous hash and every field, each prefixed with its length.

    Length prefixes make the encoding unambiguous without the cost of JSON
    (``audit verify`` hashes a million entries in a few seconds).
    """
    when = timestamp(at)
    oid = "" if object_id is None else str(object_id)
    pid = "" if person_id is None else str(person_id)
    payload = (
        f"{len(prev_hash)}:{prev_hash}{len(when)}:{when}{len(actor_login)}:{actor_login}"
        f"{len(actor_name)}:{actor_name}{len(action)}:{action}{len(object_type)}:{object_type}"
        f"{len(oid)}:{oid}{len(pid)}:{pid}{len(summary)}:{summary}"
        f"{len(changes_json)}:{changes_json}"
    )
    return sha256(payload.encode("utf-8")).hexdigest()


#: A stored entry as :func:`verify_chain` reads it: id, then the arguments of
#: :func:`entry_hash` after ``prev_hash``, then the stored prev_hash and hash.
ChainRow = tuple[
    int, datetime | str, str, str, str, str, int | None, int | None, str, str, str, str
]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: str = ""
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.broken_id is None

    def message(self) -> str:
        if self.ok:
            entries = "entrée" if self.checked <= 1 else "entrées"
            return f"Journal d'audit intègre : {self.checked:,} {entries} vérifiées.".replace(
                ",", "\u202f"
            )
        return f"Journal d'audit altéré à partir de l'entrée n° {self.broken_id} : {self.reason}"


def verify_chain(rows: Iterable[ChainRow], start: str = GENESIS) -> ChainReport:
    """Check every link and every hash, in id order; stop at the first broken entry."""
    expected_prev = start
    checked = 0
    for row in rows:
        entry_id, at, login, name, action, otype, oid, pid, summary, changes, prev, stored = row
        if prev != expected_prev:
            return ChainReport(
                checked,
                entry_id,
                "le lien vers l'entrée précédente ne correspond pas "
                "(entrée supprimée, insérée ou déplacée).",
                expected_prev,
            )
        if entry_hash(prev, at, login, name, action, otype, oid, pid, summary, changes) != stored:
            return ChainReport(
                checked, entry_id, "son contenu a été modifié après son enregistrement.", prev
            )
        expected_prev = stored
        checked += 1
    return ChainReport(checked, head=expected_prev)
