"""Right of access: everything held about one person, as a PDF statement and as JSON.

What is held is collected from the database's own description
(:class:`spip_desktop.db.retention.PersonTables`): the ``person`` row, every table
with a foreign-key path to it, and the audit entries about the person. A table
added later appears in both documents without touching this module; it is titled
and labelled here when known, by its own name otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from ..db import retention as store
from ..db.models import utcnow
from ..db.retention import PersonData
from ..domain.audit import OBJECT_LABELS, AuditAction, AuditEvent
from ..domain.dates import format_date
from ..domain.documents import AccessSection, PrintStamp, SubjectAccessReport
from ..domain.enums import LabelledEnum
from ..domain.errors import NotFound
from ..domain.labels import FIELD_NAMES
from ..domain.security import Permission
from ..reports import build_subject_access
from .base import Clock, Service, UnitOfWorkSource, UserSession
from .documents import letterhead_of
from .retention import local_time

#: French titles of the statement's sections, by table.
SECTION_TITLES: dict[str, str] = {
    "person": "Identité",
    "measure": "Mesures",
    "obligation": "Obligations",
    "audit": "Historique des accès et modifications",
}

_COMMON_LABELS = {"id": "N°", "created_at": "Créé le", "updated_at": "Modifié le"}

#: French labels of the columns, by table (columns of every table in ``_COMMON_LABELS``;
#: the field names shared with the audit trail come from :mod:`~spip_desktop.domain.labels`).
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "person": {
        **FIELD_NAMES,
        "main_measure_type": "Mesure principale",
        "main_measure_end": "Fin de la mesure principale",
    },
    "measure": {
        **FIELD_NAMES,
        "decision_date": "Décision",
        "final_date": "Définitive le",
        "referral_date": "Saisine du SPIP",
    },
    "obligation": {
        "measure_id": "Mesure n°",
        "kind": "Obligation",
        "details": "Précisions",
        "position": "Ordre",
    },
}

#: Left out of the PDF (the JSON keeps them): the row version, and the folded copies
#: of the names that search and sorting use.
PDF_HIDDEN = frozenset({"version", "sort_key", "given_sort_key", "search_text"})
#: The same, for one table only: the rank that orders a measure's obligations.
PDF_HIDDEN_IN = frozenset({("obligation", "position")})

AUDIT_COLUMNS = ("Date", "Agent", "Action", "Objet", "Détail", "Modifications")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ACTION_LABELS = {action.value: action.label for action in AuditAction}


def section_title(table: str) -> str:
    return SECTION_TITLES.get(table, table)


def column_label(table: str, column: str) -> str:
    return COLUMN_LABELS.get(table, {}).get(column) or _COMMON_LABELS.get(column, column)


# -- JSON ------------------------------------------------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, datetime):  # stored times are UTC without a zone
        zoned = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return zoned.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def to_json(data: PersonData, generated_at: datetime, generated_by: str) -> str:
    """The machine-readable copy: every column of every row, ISO dates, UTF-8 text."""
    payload = {
        "person": data.person,
        "tables": data.tables,
        "audit": data.audit,
        "references": data.references,
        "generated_at": generated_at,
        "generated_by": generated_by,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2, default=_json_default)


# -- PDF -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A stored value as the statement prints it (French dates, labels, Oui/Non)."""
    if value is None:
        return ""
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, datetime):
        return f"{local_time(value):%d/%m/%Y à %H:%M}"
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def _cell(data: PersonData, table: str, column: str, value: Any) -> str:
    target = data.foreign_keys.get(table, {}).get(column)
    if target is not None and value is not None:
        label = data.references.get(target, {}).get(value)
        if label:
            return label
    return _text(value)


def _identity(data: PersonData) -> AccessSection:
    rows = []
    for column, value in data.person.items():
        text = _cell(data, "person", column, value)
        if column in PDF_HIDDEN or column == "id" or not text:
            continue
        rows.append((column_label("person", column), text))
    return AccessSection(section_title("person"), ("Donnée", "Valeur"), tuple(rows))


def _table_section(data: PersonData, table: str, rows: Sequence[dict[str, Any]]) -> AccessSection:
    """One linked table: the columns that hold something, the link to the person left out."""
    links = data.foreign_keys.get(table, {})
    columns = [
        c
        for c in (rows[0] if rows else {"id": None})
        if c not in PDF_HIDDEN and (table, c) not in PDF_HIDDEN_IN and links.get(c) != "person"
    ]
    columns.sort(key=lambda c: c != "id")  # the record's number first
    cells = [[_cell(data, table, c, row[c]) for c in columns] for row in rows]
    filled = [i for i, c in enumerate(columns) if c == "id" or any(line[i] for line in cells)]
    return AccessSection(
        section_title(table),
        tuple(column_label(table, columns[i]) for i in filled),
        tuple(tuple(line[i] for i in filled) for line in cells),
    )


def _change_value(value: Any, labels: dict[str, str]) -> str:
    if value in (None, "", []):
        return "(vide)"
    if isinstance(value, list):
        return " ; ".join(_change_value(v, labels) for v in value)
    if isinstance(value, str) and value in labels:
        return labels[value]
    if isinstance(value, str) and _ISO_DATE.match(value):
        return format_date(date.fromisoformat(value))
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    return str(value)


def _id_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _changes(data: PersonData, object_type: str, changes: Sequence[dict[str, Any]]) -> str:
    """``Nom : Dupont → Durand``, one line per field, values as the statement prints them."""
    lines = []
    targets = data.foreign_keys.get(object_type, {})
    for change in changes:
        labels = dict(data.value_labels.get(object_type, {}).get(change["field"], {}))
        target = targets.get(change["field"])
        if target is not None:  # an id: the name of what it points to, when known
            references = data.references.get(target, {})
            for value in (change["old"], change["new"]):
                if isinstance(value, int) and value in references:
                    labels[str(value)] = references[value]
            change = {**change, **{k: _id_text(change[k]) for k in ("old", "new")}}
        old, new = (_change_value(change[k], labels) for k in ("old", "new"))
        lines.append(f"{column_label(object_type, change['field'])} : {old} → {new}")
    return "\n".join(lines)


def _audit_section(data: PersonData) -> AccessSection:
    rows = []
    for entry in data.audit:
        kind = str(entry["object_type"])
        what = OBJECT_LABELS.get(kind, kind)
        if entry.get("object_id") is not None:
            what += f" n° {entry['object_id']}"
        rows.append(
            (
                _text(entry["at"]),
                str(entry["actor_name"]),
                _ACTION_LABELS.get(str(entry["action"]), str(entry["action"])),
                what,
                str(entry["summary"]),
                _changes(data, kind, entry["changes"]),
            )
        )
    return AccessSection(section_title("audit"), AUDIT_COLUMNS, tuple(rows))


def person_label(person: dict[str, Any]) -> str:
    name = f"{person.get('given_names') or ''} {str(person.get('surname') or '').upper()}"
    return f"{name.strip()} — dossier {person.get('file_number', '')}"


def to_report(data: PersonData) -> SubjectAccessReport:
    """The statement's sections: identity, each linked table, then the audit entries."""
    sections = [_identity(data)]
    known = list(SECTION_TITLES)
    names = sorted(data.tables, key=lambda n: known.index(n) if n in known else len(known))
    sections += [_table_section(data, name, data.tables[name]) for name in names]
    sections.append(_audit_section(data))
    return SubjectAccessReport(person_label(data.person), tuple(sections))


# -- the use case ------------------------------------------------------------------------


class SubjectAccessService(Service):
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

    def export(self, person_id: int) -> tuple[bytes, str]:
        """Everything held about one person: the PDF statement and the JSON copy.

        The export is recorded in the audit trail first, so it lists itself.
        """
        self._require(Permission.SUBJECT_ACCESS)
        with self._uow() as uow:
            person = uow.persons.get(person_id)
            if person is None:
                raise NotFound("Ce dossier n'existe plus : il a peut-être été supprimé.")
            user = self._require_for(Permission.SUBJECT_ACCESS, person.draft.referent_id)
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.EXPORT,
                    "person",
                    person_id,
                    person_id,
                    f"Relevé du droit d'accès — dossier {person.draft.file_number}",
                ),
            )
            data = store.collect(uow.session, person_id, self._tables)
            settings = uow.settings.load()
            uow.commit()
        assert data is not None  # the person was read in the same transaction
        generated_at = self._now()
        text = to_json(data, generated_at, user.display_name)
        pdf = build_subject_access(
            to_report(data),
            letterhead_of(settings),
            PrintStamp(local_time(generated_at), user.display_name),
        )
        return pdf, text
