"""Right of access: everything held about a person, from every table that holds person data."""

from __future__ import annotations

import io
import json
import zlib
from datetime import date, datetime, time
from enum import Enum
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, Table, Time, insert, select

from spip_desktop.bootstrap import Services
from spip_desktop.db.audit import verify
from spip_desktop.db.models import Base, EnumText
from spip_desktop.db.retention import person_tables
from spip_desktop.domain.audit import AuditAction, AuditQuery
from spip_desktop.domain.enums import MeasureType, ObligationType
from spip_desktop.domain.errors import NotFound, PermissionDenied
from spip_desktop.domain.model import MeasureDraft, ObligationDraft
from spip_desktop.domain.security import Role
from spip_desktop.domain.stages import SessionDraft, StageDraft
from spip_desktop.services.subject_access import SubjectAccessService
from tests.conftest import MANAGER, Reference, fixed_today, person_draft, sign_in_as

# -- helpers shared with test_retention ------------------------------------------------------


def linked_table_names() -> set[str]:
    """Tables with a foreign-key path to ``person``, found here independently of the code."""
    found = {"person"}
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.tables.values():
            if table.name not in found and any(
                fk.column.table.name in found for fk in table.foreign_keys
            ):
                found.add(table.name)
                changed = True
    return found


def _sample(table: Table, column: Any, tag: str) -> Any:
    kind = column.type
    if isinstance(kind, EnumText):
        return next(iter(kind.enum_cls))
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, DateTime):
        return datetime(2015, 6, 1, 9, 30)
    if isinstance(kind, Time):
        return time(9, 30)
    if isinstance(kind, Date):
        return date(2015, 6, 1)
    if isinstance(kind, Integer | Numeric):
        return zlib.crc32(f"{tag} {table.name}.{column.name}".encode()) % 10_000  # distinct
    text = f"Élément {tag} {table.name}.{column.name}"
    length = getattr(kind, "length", None)
    return text[:length] if length else text


def _reference_row(connection: Any, table: Table, tag: str) -> dict[str, Any]:
    """A row of a table that is not person data (a stage, a catalogue entry), made up."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key and column.autoincrement in (True, "auto"):
            continue
        if column.foreign_keys:
            target = next(iter(column.foreign_keys)).column
            if column.nullable:
                values[column.name] = None
                continue
            found = connection.execute(select(target).limit(1)).scalar()
            values[column.name] = (
                found
                if found is not None
                else _reference_row(connection, target.table, tag)[target.name]
            )
            continue
        values[column.name] = _sample(table, column, tag)
    result = connection.execute(insert(table).values(**values))
    for key_column, key in zip(
        table.primary_key.columns, result.inserted_primary_key or (), strict=True
    ):
        values[key_column.name] = key
    return values


def insert_linked_rows(services: Services, person_id: int, tag: str) -> dict[str, dict[str, Any]]:
    """One row in every table linked to ``person`` (Core inserts, every column filled).

    Returns each table's inserted values (with its primary key), by table name.
    """
    names = linked_table_names()
    inserted: dict[str, dict[str, Any]] = {}
    with services.engine.begin() as connection:
        person = Base.metadata.tables["person"]
        row = connection.execute(select(person).where(person.c.id == person_id)).mappings().one()
        inserted["person"] = dict(row)
        for table in Base.metadata.sorted_tables:
            if table.name not in names or table.name == "person":
                continue
            values: dict[str, Any] = {}
            for column in table.columns:
                generated = column.autoincrement in (True, "auto")
                if column.primary_key and generated and isinstance(column.type, Integer):
                    continue  # the database numbers it
                if column.foreign_keys:
                    target = next(iter(column.foreign_keys)).column
                    if target.table is table and column.nullable:
                        values[column.name] = None  # a link within the table (a correction)
                        continue
                    if target.table.name in inserted:
                        values[column.name] = inserted[target.table.name][target.name]
                        continue
                    existing = connection.execute(select(target).limit(1)).scalar()
                    if existing is None and not column.nullable:
                        existing = _reference_row(connection, target.table, tag)[target.name]
                    values[column.name] = existing
                    continue
                values[column.name] = _sample(table, column, tag)
            result = connection.execute(insert(table).values(**values))
            keys = result.inserted_primary_key or ()
            for key_column, key in zip(table.primary_key.columns, keys, strict=True):
                values[key_column.name] = key
            inserted[table.name] = values
    return inserted


def as_json(value: Any) -> Any:
    """A stored value as the export writes it."""
    if isinstance(value, datetime):
        return value.isoformat() + "+00:00"
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def pdf_text(pdf: bytes) -> str:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return " ".join(" ".join(pages).replace("\u00a0", " ").replace("\u202f", " ").split())


def subject_access(services: Services) -> SubjectAccessService:
    return SubjectAccessService(services.factory, fixed_today, services.session)


MEASURE = MeasureDraft(
    measure_type=MeasureType.SURSIS_PROBATOIRE,
    court="Tribunal judiciaire de Bordeaux",
    decision_date=date(2025, 1, 14),
    referral_date=date(2025, 2, 2),
    probation_start=date(2025, 1, 14),
    probation_end=date(2027, 1, 13),
    jap_name="Mme Anne-Sophie MARTIN",
    notes="Suivi hebdomadaire",
    obligations=(
        ObligationDraft(ObligationType.SOINS),
        ObligationDraft(ObligationType.CONTACT, "Mme Lætitia Roux"),
    ),
)


@pytest.fixture
def person_id(services: Services, reference: Reference) -> int:
    file = services.persons.create(
        person_draft(
            surname="Lefèvre",
            given_names="Hélène",
            birth_place="Saint-Étienne",
            address="4 allée des Cœurs-Vaillants",
            file_number="2025-000042",
            referent_id=reference.cpip.id,
            antenne_id=reference.antenne.id,
        )
    )
    services.persons.add_measure(file.person.id, MEASURE)
    services.persons.get_file(file.person.id)  # a consultation, recorded
    citizenship = services.stages.catalogue()[0]
    services.stages.save_stage(  # a stage to enrol in (the stage itself is not person data)
        None,
        0,
        StageDraft(
            type_id=citizenship.id, sessions=(SessionDraft(date(2025, 3, 3), time(9), time(12)),)
        ),
    )
    return file.person.id


# -- completeness ---------------------------------------------------------------------


def test_the_code_finds_every_table_linked_to_a_person() -> None:
    assert set(person_tables().names) == linked_table_names()
    assert {"person", "measure", "obligation"} <= linked_table_names()


def test_every_table_linked_to_a_person_is_exported_with_its_rows(
    services: Services, person_id: int
) -> None:
    """A table added by a later feature cannot be forgotten by the right of access."""
    rows = insert_linked_rows(services, person_id, "export")
    other = services.persons.create(person_draft(surname="Autre", file_number="2025-000099"))
    insert_linked_rows(services, other.person.id, "autre")

    _, text = subject_access(services).export(person_id)
    exported = json.loads(text)

    assert exported["person"]["id"] == person_id
    assert exported["person"]["surname"] == "Lefèvre"
    for name in linked_table_names() - {"person"}:
        assert name in exported["tables"], f"table {name} missing from the export"
        table = Base.metadata.tables[name]
        (key,) = table.primary_key.columns
        by_key = {row[key.name]: row for row in exported["tables"][name]}
        assert rows[name][key.name] in by_key, f"{name}: the person's row is missing"
        row = by_key[rows[name][key.name]]
        for column, value in rows[name].items():
            assert row[column] == as_json(value), f"{name}.{column}"
        assert not any("autre" in json.dumps(r, ensure_ascii=False) for r in by_key.values())
    # rows entered through the services are there too
    measures = exported["tables"]["measure"]
    assert [m["measure_type"] for m in measures].count("sursis_probatoire") >= 1
    details = [o["details"] for o in exported["tables"]["obligation"]]
    assert "Mme Lætitia Roux" in details


def test_the_json_copy_is_readable_utf8_with_iso_dates(services: Services, person_id: int) -> None:
    _, text = subject_access(services).export(person_id)

    assert "Hélène" in text and "\\u00e9" not in text  # ensure_ascii=False
    assert text.startswith("{\n  ")  # indented
    data = json.loads(text)
    assert set(data) >= {"person", "tables", "audit", "generated_at", "generated_by"}
    assert data["person"]["birth_date"] == "1980-05-17"
    assert data["person"]["regime"] == "ouvert"
    assert data["generated_by"] == "Diane DIRECTRICE"
    datetime.fromisoformat(data["generated_at"])
    datetime.fromisoformat(data["person"]["created_at"])
    assert data["references"]["agent"][str(data["person"]["referent_id"])] == "Élodie LEFÈVRE"
    measure = data["tables"]["measure"][0]
    assert measure["probation_end"] == "2027-01-13"
    assert measure["jap_name"] == "Mme Anne-Sophie MARTIN"


def test_the_audit_entries_about_the_person_are_exported_with_the_export_itself(
    services: Services, person_id: int
) -> None:
    services.persons.create(person_draft(surname="Autre", file_number="2025-000099"))

    _, text = subject_access(services).export(person_id)

    audit = json.loads(text)["audit"]
    actions = [entry["action"] for entry in audit]
    assert actions == ["create", "create", "view", "export"]  # person, measure, view, export
    assert all(entry["person_id"] == person_id for entry in audit)
    assert all("hash" not in entry and "prev_hash" not in entry for entry in audit)
    created = audit[0]
    assert {"field": "surname", "old": None, "new": "Lefèvre"} in created["changes"]
    # The export is in the audit trail, as an export about this person.
    entries = services.audit.browse(AuditQuery(action=AuditAction.EXPORT))
    assert [(e.person_id, e.object_type) for e in entries] == [(person_id, "person")]
    assert "2025-000042" in entries[0].summary
    assert verify(services.engine).ok


def test_the_pdf_statement_is_in_french(services: Services, person_id: int) -> None:
    pdf, _ = subject_access(services).export(person_id)
    text = pdf_text(pdf)

    assert "Relevé des données détenues" in text
    assert "Hélène LEFÈVRE — dossier 2025-000042" in text
    assert "2025-000042" in text
    assert "Sursis probatoire" in text  # the measure type's label, not its code
    assert "sursis_probatoire" not in text
    for title in ("Identité", "Mesures", "Obligations", "Historique des accès et modifications"):
        assert title in text
    assert "17/05/1980" in text  # dd/mm/yyyy
    assert "13/01/2027" in text
    assert "Élodie LEFÈVRE" in text  # the referent by name, not by id
    assert "Milieu ouvert" in text
    assert "Consultation" in text and "Export" in text
    assert "Se soumettre à des mesures d'examen" in text


def test_a_person_without_measures_gets_a_statement_with_empty_sections(
    services: Services,
) -> None:
    file = services.persons.create(person_draft(file_number="2025-000007"))

    pdf, text = subject_access(services).export(file.person.id)

    assert json.loads(text)["tables"]["measure"] == []
    assert "Aucune donnée." in pdf_text(pdf)


# -- who may ---------------------------------------------------------------------------


def test_an_administrator_without_dpip_cannot_export(services: Services, person_id: int) -> None:
    sign_in_as(services, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        subject_access(services).export(person_id)


@pytest.mark.parametrize("role", [Role.CPIP, Role.SECRETARIAT, Role.ASS])
def test_other_roles_cannot_export(
    services: Services, reference: Reference, person_id: int, role: Role
) -> None:
    sign_in_as(services, role, agent_id=reference.cpip.id)  # even the person's own CPIP
    with pytest.raises(PermissionDenied):
        subject_access(services).export(person_id)
    services.session.user = MANAGER
    assert services.audit.count(AuditQuery(action=AuditAction.EXPORT)) == 0


def test_an_unknown_person_is_not_found(services: Services) -> None:
    with pytest.raises(NotFound):
        subject_access(services).export(424242)
