"""Retention on a real database: files due, purge, anonymisation, certificate, audit."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from spip_desktop.bootstrap import Services
from spip_desktop.db.audit import verify
from spip_desktop.db.models import Base
from spip_desktop.domain.audit import AuditAction, AuditQuery
from spip_desktop.domain.documents import PurgeAction
from spip_desktop.domain.enums import ClosureReason, FileStatus, MeasureType, ObligationType
from spip_desktop.domain.errors import NotFound, PermissionDenied
from spip_desktop.domain.model import MeasureDraft, ObligationDraft, PersonQuery
from spip_desktop.domain.retention import NotDue
from spip_desktop.domain.security import Role
from spip_desktop.domain.text import fold
from spip_desktop.services.retention import RetentionService, record_label
from spip_desktop.services.subject_access import SubjectAccessService
from tests.conftest import MANAGER, Reference, fixed_today, person_draft, sign_in_as
from tests.integration.test_subject_access import insert_linked_rows, linked_table_names

# fixed_today() is 12/03/2026: with 5 years, files whose last measure ended on
# 11/03/2021 or before are due.
LAST_DAY_DUE = date(2021, 3, 11)


def retention(services: Services) -> RetentionService:
    return RetentionService(services.factory, fixed_today, services.session)


def measure(
    *,
    sentence_end: date | None = None,
    probation_end: date | None = None,
    decision: date = date(2012, 1, 10),
    kind: MeasureType = MeasureType.SURSIS_PROBATOIRE,
    notes: str = "",
) -> MeasureDraft:
    return MeasureDraft(
        measure_type=kind,
        court="Tribunal judiciaire de Bordeaux",
        decision_date=decision,
        referral_date=decision,
        probation_start=decision,
        probation_end=probation_end,
        sentence_end=sentence_end,
        jap_name="M. Marc JUGE",
        notes=notes,
        obligations=(
            ObligationDraft(ObligationType.SOINS),
            ObligationDraft(ObligationType.INTERDICTION_PARAITRE, "Quartier de la victime"),
        ),
    )


def add_person(
    services: Services,
    number: str,
    *measures: MeasureDraft,
    closed_on: date | None = None,
    surname: str = "Dupont",
    given_names: str = "Jean",
    **identity: Any,
) -> int:
    file = services.persons.create(
        person_draft(surname=surname, given_names=given_names, file_number=number, **identity)
    )
    for draft in measures:
        file = services.persons.add_measure(file.person.id, draft)
    if closed_on is not None:
        file = services.persons.close(
            file.person.id,
            file.person.version,
            closed_on,
            ClosureReason.FIN_DE_MESURE,
            f"Fin de suivi de {given_names} {surname}",
        )
    return file.person.id


def count(services: Services, sql: str, **params: Any) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(text(sql), params).scalar_one())


def rows_of(services: Services, table: str, column: str, value: Any) -> list[dict[str, Any]]:
    with services.engine.connect() as connection:
        result = connection.execute(
            text(f"SELECT * FROM {table} WHERE {column} = :value"), {"value": value}
        )
        return [dict(row) for row in result.mappings()]


def pdf_text(pdf: bytes) -> str:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return " ".join(" ".join(pages).replace("\u00a0", " ").replace("\u202f", " ").split())


# -- the review list ----------------------------------------------------------------------


@pytest.fixture
def people(services: Services, reference: Reference) -> dict[str, int]:
    """One person per case of the rule, named by the case."""
    ended = measure(probation_end=LAST_DAY_DUE)
    return {
        "ended_on_last_day_due": add_person(
            services, "2012-000001", ended, referent_id=reference.cpip.id
        ),
        "ended_a_day_later": add_person(
            services, "2012-000002", measure(probation_end=date(2021, 3, 12))
        ),
        "an_older_and_a_recent_measure": add_person(
            services,
            "2012-000003",
            measure(sentence_end=date(2015, 1, 1)),
            measure(probation_end=date(2024, 6, 30), decision=date(2020, 1, 6)),
        ),
        "an_open_ended_measure": add_person(
            services, "2012-000004", measure(sentence_end=date(2015, 1, 1)), measure()
        ),
        "closed_without_measure": add_person(services, "2012-000005", closed_on=date(2020, 1, 2)),
        "open_without_measure": add_person(services, "2012-000006"),
        "closed_recently_without_measure": add_person(
            services, "2012-000007", closed_on=date(2022, 5, 1)
        ),
        "probation_ends_after_the_sentence": add_person(
            services,
            "2012-000008",
            measure(sentence_end=date(2019, 1, 1), probation_end=date(2022, 1, 1)),
        ),
    }


def test_the_review_lists_due_files_by_number_and_dates_only(
    services: Services, reference: Reference, people: dict[str, int]
) -> None:
    due = retention(services).due()

    assert [c.file_number for c in due] == ["2012-000005", "2012-000001"]  # longest due first
    closed, ended = due
    assert closed.person_id == people["closed_without_measure"]
    assert (closed.last_end, closed.closed_on) == (None, date(2020, 1, 2))
    assert closed.due_since == date(2025, 1, 3)
    assert ended.person_id == people["ended_on_last_day_due"]
    assert (ended.last_end, ended.closed_on) == (LAST_DAY_DUE, None)
    assert ended.referent_id == reference.cpip.id
    assert ended.due_since == fixed_today()
    assert "Dupont" not in repr(due) and "Jean" not in repr(due)
    assert retention(services).count_due() == 2
    assert [c.file_number for c in retention(services).due(limit=1)] == ["2012-000005"]


def test_the_retention_period_is_the_services_setting(
    services: Services, people: dict[str, int]
) -> None:
    settings = services.service_settings.load()
    services.service_settings.save(replace(settings, retention_years=3))

    numbers = {c.file_number for c in retention(services).due()}

    # ended before 12/03/2023: now also the 2021, 2022 ends and the 2022 closure
    assert numbers == {
        "2012-000001",
        "2012-000002",
        "2012-000005",
        "2012-000007",
        "2012-000008",
    }


# -- purge ------------------------------------------------------------------------------------


def _keys(services: Services, rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        name: values[Base.metadata.tables[name].primary_key.columns[0].name]
        for name, values in rows.items()
    }


def test_purge_removes_every_row_of_every_person_table_and_nothing_else(
    services: Services,
) -> None:
    due_id = add_person(
        services, "2012-000001", measure(sentence_end=date(2014, 1, 1)), closed_on=date(2014, 2, 1)
    )
    kept_id = add_person(
        services, "2012-000002", measure(probation_end=date(2025, 1, 1)), surname="Martin"
    )
    due_rows = _keys(services, insert_linked_rows(services, due_id, "purge"))
    kept_rows = _keys(services, insert_linked_rows(services, kept_id, "garde"))
    due_measures = [r["id"] for r in rows_of(services, "measure", "person_id", due_id)]
    kept_measures = [r["id"] for r in rows_of(services, "measure", "person_id", kept_id)]
    before = {
        name: count(services, f"SELECT COUNT(*) FROM {name}") for name in linked_table_names()
    }
    audit_before = count(services, "SELECT COUNT(*) FROM audit_entry")

    cert = retention(services).purge([due_id])

    for name in linked_table_names():
        (key,) = Base.metadata.tables[name].primary_key.columns
        sql = f"SELECT COUNT(*) FROM {name} WHERE {key.name} = :key"
        assert count(services, sql, key=due_rows[name]) == 0, f"{name}: row left behind"
        assert count(services, sql, key=kept_rows[name]) == 1, f"{name}: other person's row"
    assert count(services, "SELECT COUNT(*) FROM person WHERE id = :i", i=due_id) == 0
    assert count(services, "SELECT COUNT(*) FROM measure WHERE person_id = :i", i=due_id) == 0
    for measure_id in due_measures:
        sql = "SELECT COUNT(*) FROM obligation WHERE measure_id = :m"
        assert count(services, sql, m=measure_id) == 0
    assert (
        sum(
            count(services, "SELECT COUNT(*) FROM obligation WHERE measure_id = :m", m=m)
            for m in kept_measures
        )
        == 3
    )  # two through the service, one inserted
    after = {name: count(services, f"SELECT COUNT(*) FROM {name}") for name in linked_table_names()}
    removed = {name: before[name] - after[name] for name in before}
    assert removed["person"] == 1
    assert removed["measure"] == len(due_measures) == 2
    assert removed["obligation"] == 3
    assert dict(cert.counts) == {
        "Personnes": 1,
        "Mesures": 2,
        "Obligations": 3,
        **{
            record_label(name): removed[name]
            for name in linked_table_names() - {"person", "measure", "obligation"}
        },
    }
    # nothing left for the search either
    found = services.persons.list_page(PersonQuery(text="Dupont", status=FileStatus.ALL))
    assert found.rows == ()
    # one entry per file, one for the run: the audit trail itself is never purged
    assert count(services, "SELECT COUNT(*) FROM audit_entry") == audit_before + 2


def test_the_certificate_names_files_by_number_and_never_a_name(
    services: Services, people: dict[str, int]
) -> None:
    settings = services.service_settings.load()
    services.service_settings.save(
        replace(
            settings,
            service_name="SPIP de la Gironde",
            address="13 rue Élisée-Reclus\n33000 Bordeaux",
            city="Bordeaux",
        )
    )
    service = retention(services)
    ids = [people["ended_on_last_day_due"], people["closed_without_measure"]]

    cert = service.purge(ids)

    assert cert.number == "PURGE-2026-0001"
    assert cert.action is PurgeAction.PURGE
    assert cert.file_numbers == ("2012-000001", "2012-000005")
    assert cert.retention_years == 5
    assert cert.cutoff == date(2021, 3, 12)
    assert cert.performed_by == MANAGER.display_name
    assert dict(cert.counts)["Personnes"] == 2
    assert dict(cert.counts)["Mesures"] == 1
    assert dict(cert.counts)["Obligations"] == 2
    text_ = pdf_text(service.certificate_pdf(cert))
    assert "Certificat de purge des données" in text_
    assert "PURGE-2026-0001" in text_
    assert "2012-000001" in text_ and "2012-000005" in text_
    assert "SPIP de la Gironde" in text_ and "13 rue Élisée-Reclus" in text_
    assert "Fait à Bordeaux" in text_
    assert "avant le 12 mars 2021" in text_
    for name in ("Dupont", "DUPONT", "Jean"):
        assert name not in text_
    # the next run takes the next number
    services.service_settings.save(replace(services.service_settings.load(), retention_years=3))
    again = service.anonymise([people["ended_a_day_later"]])
    assert again.number == "PURGE-2026-0002"


def test_purge_and_anonymise_are_recorded_by_file_number_and_the_chain_holds(
    services: Services, people: dict[str, int]
) -> None:
    service = retention(services)
    cert = service.purge([people["ended_on_last_day_due"]])
    anonymised = service.anonymise([people["closed_without_measure"]])

    purges = services.audit.browse(AuditQuery(action=AuditAction.PURGE))
    assert [(e.object_type, e.person_id) for e in reversed(purges)] == [
        ("person", people["ended_on_last_day_due"]),
        ("database", None),
    ]
    assert "2012-000001" in purges[1].summary and cert.number in purges[1].summary
    assert cert.number in purges[0].summary and "1 dossier" in purges[0].summary
    anonymisations = services.audit.browse(AuditQuery(action=AuditAction.ANONYMISE))
    assert [(e.object_type, e.person_id) for e in reversed(anonymisations)] == [
        ("person", people["closed_without_measure"]),
        ("database", None),
    ]
    assert "2012-000005" in anonymisations[1].summary
    assert anonymised.number in anonymisations[0].summary
    for entry in [*purges, *anonymisations]:
        assert "Dupont" not in entry.summary and "Jean" not in entry.summary
        assert entry.changes == ()
        assert entry.actor_login == MANAGER.login
    assert verify(services.engine).ok


# -- anonymisation ----------------------------------------------------------------------------


def test_anonymise_leaves_no_trace_of_the_name_and_keeps_the_statistics(
    services: Services, reference: Reference
) -> None:
    person_id = add_person(
        services,
        "2012-000042",
        measure(
            sentence_end=date(2016, 5, 31),
            kind=MeasureType.TIG,
            notes="Rencontré Jean Dupont avec sa sœur Lætitia",
        ),
        closed_on=date(2016, 6, 1),
        surname="Dupont-Lefèvre",
        given_names="Jean Lætitia",
        usage_name="Durandal",
        birth_place="Saint-Étienne",
        address="4 allée des Cœurs-Vaillants",
        postal_code="33000",
        city="Bordeaux",
        phone="0612345678",
        email="jean.dupont@example.org",
        appi_number="APPI-987654",
        ecrou_number="ECR-123456",
        referent_id=reference.cpip.id,
        antenne_id=reference.antenne.id,
    )
    other = add_person(services, "2012-000043", surname="Dupont", given_names="Paul")
    identifying = [
        "Dupont",
        "Jean",
        "Lefèvre",
        "Lætitia",
        "Durandal",
        "Saint-Étienne",
        "Cœurs",
        "0612345678",
        "example.org",
        "APPI-987654",
        "ECR-123456",
        "2012-000042",
        "1980-05-17",
        "M. Marc JUGE",
        "Quartier de la victime",
    ]
    identifying += [fold(word) for word in identifying]

    cert = retention(services).anonymise([person_id])

    person = rows_of(services, "person", "id", person_id)
    measures = rows_of(services, "measure", "person_id", person_id)
    obligations = [
        o for m in measures for o in rows_of(services, "obligation", "measure_id", m["id"])
    ]
    stored = json.dumps([person, measures, obligations], default=str, ensure_ascii=False)
    for word in identifying:
        assert word not in stored, word
    (row,) = person
    assert row["file_number"] == f"ANON-{person_id}"
    assert row["birth_date"] is None and row["sex"] is None
    assert row["closure_note"] == ""
    assert str(row["closed_on"]) == "2016-06-01"  # kept: flows of the monthly statistics
    assert (row["referent_id"], row["antenne_id"]) == (reference.cpip.id, reference.antenne.id)
    (kept,) = measures
    assert kept["measure_type"] == "tig"
    assert (str(kept["decision_date"]), str(kept["sentence_end"])) == ("2012-01-10", "2016-05-31")
    assert kept["court"] == kept["jap_name"] == kept["notes"] == ""
    assert sorted(o["kind"] for o in obligations) == ["interdiction_paraitre", "soins"]
    assert {o["details"] for o in obligations} == {""}
    assert dict(cert.counts) == {"Personnes": 1, "Mesures": 1, "Obligations": 2}
    assert cert.action is PurgeAction.ANONYMISATION
    assert cert.file_numbers == ("2012-000042",)

    # search: the old name and numbers find only the other Dupont; the new number finds it
    def found(query: str) -> list[int]:
        page = services.persons.list_page(PersonQuery(text=query, status=FileStatus.ALL))
        return [r.id for r in page.rows]

    assert found("Dupont") == [other]
    for query in ("Lætitia", "lefevre", "Durandal", "2012-000042", "APPI-987654", "ECR-123456"):
        assert found(query) == [], query
    assert found(f"ANON-{person_id}") == [person_id]
    # an anonymised file is no longer due, and cannot be processed twice
    assert person_id not in {c.person_id for c in retention(services).due()}
    with pytest.raises(NotDue):
        retention(services).anonymise([person_id])


def test_anonymise_keeps_other_tables_only_when_vetted(services: Services) -> None:
    """Rows of every linked table are either kept without free text or deleted."""
    person_id = add_person(
        services, "2012-000050", measure(sentence_end=date(2015, 1, 1)), closed_on=date(2015, 2, 1)
    )
    rows = insert_linked_rows(services, person_id, "vérifié")

    retention(services).anonymise([person_id])

    for name, values in rows.items():
        (key,) = Base.metadata.tables[name].primary_key.columns
        remaining = rows_of(services, name, key.name, values[key.name])
        stored = json.dumps(remaining, default=str, ensure_ascii=False)
        assert "vérifié" not in stored, f"{name} keeps free text of the person"


# -- refusals -----------------------------------------------------------------------------------


def test_a_file_not_due_is_refused_and_nothing_is_done(
    services: Services, people: dict[str, int]
) -> None:
    due_id = people["ended_on_last_day_due"]
    not_due = people["ended_a_day_later"]
    audit_before = count(services, "SELECT COUNT(*) FROM audit_entry")

    for run in (retention(services).purge, retention(services).anonymise):
        with pytest.raises(NotDue) as refused:
            run([due_id, not_due])
        assert refused.value.file_numbers == ("2012-000002",)
        assert "2012-000002" in refused.value.message

    assert count(services, "SELECT COUNT(*) FROM person WHERE id = :i", i=due_id) == 1
    assert rows_of(services, "person", "id", due_id)[0]["surname"] == "Dupont"
    assert count(services, "SELECT COUNT(*) FROM audit_entry") == audit_before


def test_a_file_gone_meanwhile_is_refused(services: Services, people: dict[str, int]) -> None:
    service = retention(services)
    service.purge([people["closed_without_measure"]])
    with pytest.raises(NotFound):
        service.purge([people["closed_without_measure"], people["ended_on_last_day_due"]])
    assert (
        count(
            services, "SELECT COUNT(*) FROM person WHERE id = :i", i=people["ended_on_last_day_due"]
        )
        == 1
    )


def test_a_file_that_became_due_is_checked_again_at_purge_time(
    services: Services, people: dict[str, int]
) -> None:
    """Someone adds a measure between the review and the purge: the file is refused."""
    person_id = people["ended_on_last_day_due"]
    assert person_id in {c.person_id for c in retention(services).due()}
    services.persons.add_measure(person_id, measure(probation_end=date(2027, 1, 1)))

    with pytest.raises(NotDue):
        retention(services).purge([person_id])


# -- who may ------------------------------------------------------------------------------------


def test_a_dpip_without_admin_cannot_review_purge_or_anonymise(
    services: Services, people: dict[str, int]
) -> None:
    sign_in_as(services, Role.DPIP)
    service = retention(services)
    with pytest.raises(PermissionDenied):
        service.due()
    with pytest.raises(PermissionDenied):
        service.purge([people["ended_on_last_day_due"]])
    with pytest.raises(PermissionDenied):
        service.anonymise([people["ended_on_last_day_due"]])
    sign_in_as(services, Role.ADMIN)
    assert len(service.due()) == 2


# -- a purged id given to someone new ---------------------------------------------------------


def test_a_new_person_never_inherits_the_audit_entries_of_a_purged_one(
    services: Services,
) -> None:
    old_id = add_person(services, "2012-000099", closed_on=date(2015, 1, 1), surname="Ancien")
    retention(services).purge([old_id])
    new = services.persons.create(person_draft(surname="Nouveau", file_number="2026-000001"))

    _, text_ = SubjectAccessService(services.factory, fixed_today, services.session).export(
        new.person.id
    )

    audit = json.loads(text_)["audit"]
    assert [entry["action"] for entry in audit] == ["create", "export"]
    assert "Ancien" not in text_ and "2012-000099" not in text_


def test_a_cancelled_measure_sets_no_end_of_retention(services: Services) -> None:
    from dataclasses import replace

    ran = measure(probation_end=date(2014, 6, 1))
    never_ran = replace(
        measure(probation_end=date(2031, 6, 1), decision=date(2013, 1, 10)),
        cancelled_on=date(2013, 2, 1),
    )
    person = add_person(services, "2012-000042", ran, never_ran)
    due = retention(services).due()
    assert [c.person_id for c in due] == [person]
    assert due[0].last_end == date(2014, 6, 1)
