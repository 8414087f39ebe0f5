"""Cancelled measures and the arrival in the establishment (schema 0005), through the services.

A cancelled measure stays in the file but counts nowhere: the person's projections
(main measure, its end, the end of sentence, SAS eligibility) ignore it. The arrival
date of a detainee is kept with the file. Both reach the audit trail and the statement
of the right of access under their French names.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from spip_desktop.bootstrap import Services
from spip_desktop.domain.audit import AuditAction
from spip_desktop.domain.enums import MeasureType, Regime
from spip_desktop.domain.errors import InvalidInput
from spip_desktop.domain.model import MeasureDraft, PersonQuery
from spip_desktop.services.subject_access import column_label
from tests.conftest import Reference, person_draft
from tests.integration.test_subject_access import pdf_text, subject_access

PRISON = MeasureDraft(
    measure_type=MeasureType.EMPRISONNEMENT,
    decision_date=date(2025, 1, 6),
    referral_date=date(2025, 1, 20),
    sentence_end=date(2027, 1, 1),
)
PROBATION = MeasureDraft(
    measure_type=MeasureType.SURSIS_PROBATOIRE,
    decision_date=date(2024, 2, 1),
    referral_date=date(2024, 3, 1),
    probation_start=date(2024, 3, 1),
    probation_end=date(2029, 3, 1),
)


@pytest.fixture
def detainee(services: Services, reference: Reference) -> int:
    """A detainee with a prison sentence ending within two years (SAS-eligible) and a
    probation ending later, which is the main measure."""
    file = services.persons.create(
        person_draft(
            regime=Regime.MILIEU_FERME,
            establishment_id=reference.prison.id,
            establishment_since=date(2025, 2, 3),
        )
    )
    services.persons.add_measure(file.person.id, PRISON)
    services.persons.add_measure(file.person.id, PROBATION)
    return file.person.id


def list_row(services: Services, person_id: int) -> tuple[object, ...]:
    (row,) = [r for r in services.persons.list_page(PersonQuery()).rows if r.id == person_id]
    return row.main_measure_type, row.main_measure_end, row.sas_eligible


def test_a_cancelled_measure_leaves_the_projections_and_comes_back_once_restored(
    services: Services, detainee: int
) -> None:
    assert list_row(services, detainee) == (MeasureType.SURSIS_PROBATOIRE, date(2027, 1, 1), True)
    file = services.persons.get_file(detainee)
    prison = next(m for m in file.measures if m.measure_type is MeasureType.EMPRISONNEMENT)

    file = services.persons.update_measure(
        prison.id, prison.version, replace(PRISON, cancelled_on=date(2025, 2, 1))
    )
    cancelled = next(m for m in file.measures if m.id == prison.id)
    assert cancelled.draft.cancelled_on == date(2025, 2, 1)
    assert len(file.measures) == 2  # kept in the file
    assert file.key_dates.main_measure_type is MeasureType.SURSIS_PROBATOIRE
    assert file.key_dates.sentence_end is None  # the cancelled sentence ends nothing
    assert file.key_dates.end_date == date(2029, 3, 1)
    # No sentence left to serve: no longer SAS-eligible.
    assert list_row(services, detainee) == (MeasureType.SURSIS_PROBATOIRE, date(2029, 3, 1), False)
    assert services.persons.list_page(PersonQuery(sas_eligible_only=True)).rows == ()

    probation = next(m for m in file.measures if m.measure_type is MeasureType.SURSIS_PROBATOIRE)
    file = services.persons.update_measure(
        probation.id, probation.version, replace(PROBATION, cancelled_on=date(2024, 3, 15))
    )
    assert file.key_dates.main_measure_type is None
    assert list_row(services, detainee) == (None, None, False)
    assert (
        services.persons.list_page(PersonQuery(measure_type=MeasureType.SURSIS_PROBATOIRE)).rows
        == ()
    )

    prison = next(m for m in file.measures if m.id == prison.id)
    services.persons.update_measure(prison.id, prison.version, PRISON)
    assert list_row(services, detainee) == (MeasureType.EMPRISONNEMENT, date(2027, 1, 1), True)
    eligible = services.persons.list_page(PersonQuery(sas_eligible_only=True)).rows
    assert [r.id for r in eligible] == [detainee]


def test_the_cancellation_is_in_the_file_history(services: Services, detainee: int) -> None:
    file = services.persons.get_file(detainee)
    measure = file.measures[0]
    services.persons.update_measure(
        measure.id, measure.version, replace(measure.draft, cancelled_on=date(2026, 3, 1))
    )
    entry = services.persons.history(detainee)[0]
    assert entry.object_type == "measure" and entry.object_id == measure.id
    assert [(c.field, c.old, c.new) for c in entry.changes] == [
        ("cancelled_on", None, "2026-03-01")
    ]


@pytest.mark.parametrize(
    ("cancelled_on", "sentence"),
    [
        (date(2026, 3, 13), "ne peut pas être dans le futur"),
        (date(2025, 1, 5), "avant la décision"),
    ],
)
def test_an_impossible_cancellation_saves_nothing(
    services: Services, detainee: int, cancelled_on: date, sentence: str
) -> None:
    measure = next(
        m
        for m in services.persons.get_file(detainee).measures
        if m.measure_type is MeasureType.EMPRISONNEMENT
    )
    with pytest.raises(InvalidInput) as refused:
        services.persons.update_measure(
            measure.id, measure.version, replace(PRISON, cancelled_on=cancelled_on)
        )
    assert sentence in refused.value.result.errors["cancelled_on"]
    with pytest.raises(InvalidInput):
        services.persons.add_measure(detainee, replace(PRISON, cancelled_on=cancelled_on))
    file = services.persons.get_file(detainee)
    assert len(file.measures) == 2
    assert all(m.draft.cancelled_on is None for m in file.measures)


def test_the_arrival_in_the_establishment_is_kept_and_audited(
    services: Services, reference: Reference, detainee: int
) -> None:
    file = services.persons.get_file(detainee)
    assert file.person.draft.establishment_since == date(2025, 2, 3)
    moved = replace(
        file.person.draft, establishment_id=reference.sas.id, establishment_since=date(2026, 3, 2)
    )
    file = services.persons.update(detainee, file.person.version, moved)
    assert file.person.draft == moved
    assert file.establishment is not None and file.establishment.is_sas
    assert services.persons.get_file(detainee).person.draft.establishment_since == date(2026, 3, 2)
    (saved,) = [e for e in services.persons.history(detainee) if e.action is AuditAction.UPDATE]
    changes = {c.field: (c.old, c.new) for c in saved.changes}
    assert changes["establishment_since"] == ("2025-02-03", "2026-03-02")


def test_an_impossible_arrival_date_saves_nothing(services: Services, detainee: int) -> None:
    file = services.persons.get_file(detainee)
    with pytest.raises(InvalidInput) as refused:
        services.persons.update(
            detainee,
            file.person.version,
            replace(file.person.draft, establishment_since=date(2026, 3, 13)),
        )
    assert "dans le futur" in refused.value.result.errors["establishment_since"]
    with pytest.raises(InvalidInput):
        services.persons.create(
            person_draft(file_number="2026-000002", establishment_since=date(2025, 1, 1))
        )
    assert services.persons.get_file(detainee).person.draft.establishment_since == date(2025, 2, 3)
    assert services.persons.count(PersonQuery()) == 1


def test_the_statement_of_the_right_of_access_names_both_dates(
    services: Services, detainee: int
) -> None:
    measure = services.persons.get_file(detainee).measures[0]
    services.persons.update_measure(
        measure.id, measure.version, replace(measure.draft, cancelled_on=date(2026, 2, 27))
    )
    assert column_label("person", "establishment_since") == "Dans l'établissement depuis le"
    assert column_label("measure", "cancelled_on") == "Annulée le"
    pdf, text = subject_access(services).export(detainee)
    copy = json.loads(text)
    assert copy["person"]["establishment_since"] == "2025-02-03"
    assert {m["cancelled_on"] for m in copy["tables"]["measure"]} == {"2026-02-27", None}
    statement = pdf_text(pdf)
    assert "Dans l'établissement depuis le 03/02/2025" in statement
    assert "Annulée le" in statement and "27/02/2026" in statement
