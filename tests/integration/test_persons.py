"""People and measures through the services, on a real SQLite file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from spip_desktop.bootstrap import Services
from spip_desktop.db import search
from spip_desktop.db.search import Plan
from spip_desktop.domain.enums import (
    ClosureReason,
    FileStatus,
    MeasureType,
    ObligationType,
    Regime,
)
from spip_desktop.domain.errors import DuplicateValue, EditConflict, InvalidInput, NotFound
from spip_desktop.domain.model import MeasureDraft, ObligationDraft, PersonQuery
from tests.conftest import Reference, person_draft

NAMES = [
    ("Martin", "Hélène", "2026-000101"),
    ("Durand", "François", "2026-000102"),
    ("Roux", "Lætitia", "2026-000103"),
    ("Cœur", "Paul", "2026-000104"),
    ("Petit", "Jean-Noël", "2026-000105"),
    ("L'Hôpital", "Marc", "2026-000106"),
    ("Zola", "Émile", "2026-000107"),
    ("Élie", "Anne", "2026-000108"),
]


def names(services: Services, **query: object) -> list[str]:
    page = services.persons.list_page(PersonQuery(**query))  # type: ignore[arg-type]
    return [f"{r.surname} {r.given_names}" for r in page.rows]


@pytest.fixture
def people(services: Services) -> dict[str, int]:
    ids = {}
    for surname, given, number in NAMES:
        file = services.persons.create(
            person_draft(surname=surname, given_names=given, file_number=number)
        )
        ids[surname] = file.person.id
    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("helene", "Martin Hélène"),
        ("francois", "Durand François"),
        ("laetitia", "Roux Lætitia"),
        ("coeur", "Cœur Paul"),
        ("jean noel", "Petit Jean-Noël"),
        ("l'hopital", "L'Hôpital Marc"),
        ("HÉLÈNE", "Martin Hélène"),
        ("lhop", None),
        ("2026-000105", "Petit Jean-Noël"),
        ("000107", "Zola Émile"),
        ("zol em", "Zola Émile"),
    ],
)
def test_search_ignores_accents_case_and_punctuation(
    services: Services, people: dict[str, int], query: str, expected: str | None
) -> None:
    found = names(services, text=query)
    if expected is None:
        assert found == []
    else:
        assert found == [expected]
        assert services.persons.count(PersonQuery(text=query)) == 1


def test_one_letter_queries_match_word_starts(services: Services, people: dict[str, int]) -> None:
    assert names(services, text="e") == ["Élie Anne", "Zola Émile"]


def test_the_list_sorts_names_the_french_way(services: Services, people: dict[str, int]) -> None:
    assert [n.split()[0] for n in names(services)] == [
        "Cœur",
        "Durand",
        "Élie",
        "L'Hôpital",
        "Martin",
        "Petit",
        "Roux",
        "Zola",
    ]
    assert names(services, descending=True)[0] == "Zola Émile"
    assert names(services, sort="given_names")[:2] == ["Élie Anne", "Zola Émile"]
    assert names(services, sort="file_number", descending=True)[0] == "Élie Anne"


def test_create_reads_back_the_whole_identity(services: Services, reference: Reference) -> None:
    draft = person_draft(
        surname="N'Diaye",
        usage_name="Lefèvre",
        given_names="Aïssatou, Marie",
        birth_place="Dakar",
        address="12 rue des Œillets",
        postal_code="33000",
        city="Bordeaux",
        phone="06 12 34 56 78",
        email="a.ndiaye@example.fr",
        appi_number="1234567890",
        ecrou_number="45678",
        regime=Regime.MILIEU_FERME,
        establishment_id=reference.prison.id,
        referent_id=reference.cpip.id,
        antenne_id=reference.antenne.id,
    )
    file = services.persons.create(draft)
    again = services.persons.get_file(file.person.id)
    assert again.person.draft == draft
    assert again.referent is not None and again.referent.surname == "Lefèvre"
    assert again.establishment is not None and again.establishment.name.startswith("Centre")
    assert again.person.version == 1
    assert again.person.created_at is not None


def test_a_duplicate_file_number_is_refused(services: Services, people: dict[str, int]) -> None:
    with pytest.raises(DuplicateValue) as caught:
        services.persons.create(person_draft(file_number="2026-000101"))
    assert caught.value.field == "file_number"
    assert "déjà attribué" in caught.value.message
    check = services.persons.check(person_draft(file_number="2026-000101"))
    assert "déjà attribué" in check.errors["file_number"]
    assert services.persons.count(PersonQuery()) == len(NAMES)


def test_invalid_input_saves_nothing(services: Services) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.persons.create(person_draft(surname="", birth_date=date(2030, 1, 1)))
    assert set(caught.value.result.errors) == {"surname", "birth_date"}
    assert services.persons.count(PersonQuery(status=FileStatus.ALL)) == 0


def test_a_stale_edit_is_refused_and_changes_nothing(
    services: Services, people: dict[str, int]
) -> None:
    person_id = people["Martin"]
    first = services.persons.get_file(person_id)
    services.persons.update(
        person_id,
        first.person.version,
        person_draft(surname="Martin", given_names="Hélène, Marie", file_number="2026-000101"),
    )
    with pytest.raises(EditConflict) as caught:
        services.persons.update(
            person_id,
            first.person.version,
            person_draft(surname="Martin", given_names="Hélène", file_number="2026-000999"),
        )
    conflict = caught.value
    assert "modifié par Diane DIRECTRICE le" in conflict.message
    assert conflict.changed_by == "Diane DIRECTRICE"
    assert conflict.current.person.draft.given_names == "Hélène, Marie"  # what to compare with
    current = services.persons.get_file(person_id)
    assert current.person.draft.given_names == "Hélène, Marie"
    assert current.person.version == first.person.version + 1


def test_update_changes_what_search_finds(services: Services, people: dict[str, int]) -> None:
    person_id = people["Roux"]
    file = services.persons.get_file(person_id)
    services.persons.update(
        person_id, file.person.version, replace(file.person.draft, usage_name="Béranger")
    )
    assert names(services, text="beranger") == ["Roux Lætitia"]


def test_closing_moves_a_file_out_of_the_active_list_and_reopening_back(
    services: Services, people: dict[str, int]
) -> None:
    person_id = people["Zola"]
    file = services.persons.get_file(person_id)
    closed = services.persons.close(
        person_id, file.person.version, date(2026, 3, 1), ClosureReason.FIN_DE_MESURE, "Fin SP"
    )
    assert closed.person.closed_on == date(2026, 3, 1)
    assert "Zola Émile" not in names(services)
    assert names(services, status=FileStatus.CLOSED) == ["Zola Émile"]
    assert "Zola Émile" in names(services, status=FileStatus.ALL)
    reopened = services.persons.reopen(person_id, closed.person.version)
    assert not reopened.person.is_closed
    assert "Zola Émile" in names(services)


def test_a_closure_in_the_future_is_refused(services: Services, people: dict[str, int]) -> None:
    file = services.persons.get_file(people["Zola"])
    with pytest.raises(InvalidInput, match="futur"):
        services.persons.close(
            file.person.id, file.person.version, date(2026, 4, 1), ClosureReason.AUTRE
        )


def sursis(**changes: object) -> MeasureDraft:
    base = MeasureDraft(
        measure_type=MeasureType.SURSIS_PROBATOIRE,
        court="Tribunal judiciaire de Bordeaux",
        decision_date=date(2025, 6, 1),
        final_date=date(2025, 6, 11),
        referral_date=date(2025, 7, 1),
        probation_start=date(2025, 7, 1),
        probation_end=date(2027, 7, 1),
        jap_name="Mme Besson",
        obligations=(
            ObligationDraft(ObligationType.SOINS),
            ObligationDraft(ObligationType.INTERDICTION_PARAITRE, "Mérignac"),
            ObligationDraft(ObligationType.AUTRE, "Remettre son passeport"),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_measures_with_obligations_round_trip_and_drive_the_list(
    services: Services, people: dict[str, int]
) -> None:
    person_id = people["Durand"]
    file = services.persons.add_measure(person_id, sursis())
    measure = file.measures[0]
    assert measure.draft == sursis()
    assert file.key_dates.main_measure_type is MeasureType.SURSIS_PROBATOIRE
    row = services.persons.list_page(PersonQuery(text="durand")).rows[0]
    assert row.main_measure_type is MeasureType.SURSIS_PROBATOIRE
    assert row.main_measure_end == date(2027, 7, 1)
    assert names(services, measure_type=MeasureType.SURSIS_PROBATOIRE) == ["Durand François"]

    edited = replace(sursis(), measure_type=MeasureType.TIG, obligations=())
    file = services.persons.update_measure(measure.id, measure.version, edited)
    assert file.measures[0].draft.obligations == ()
    assert names(services, measure_type=MeasureType.TIG) == ["Durand François"]
    assert names(services, measure_type=MeasureType.SURSIS_PROBATOIRE) == []
    with pytest.raises(EditConflict):
        services.persons.update_measure(measure.id, measure.version, sursis())

    file = services.persons.delete_measure(file.measures[0].id, file.measures[0].version)
    assert file.measures == ()
    assert names(services, measure_type=MeasureType.TIG) == []


def test_a_measure_edit_does_not_conflict_with_the_identity_form(
    services: Services, people: dict[str, int]
) -> None:
    file = services.persons.get_file(people["Petit"])
    services.persons.add_measure(file.person.id, sursis())
    # the identity form still holds the version it loaded: saving it must work
    saved = services.persons.update(
        file.person.id, file.person.version, replace(file.person.draft, city="Pessac")
    )
    assert saved.person.draft.city == "Pessac"


def test_an_incoherent_measure_is_refused(services: Services, people: dict[str, int]) -> None:
    with pytest.raises(InvalidInput):
        services.persons.add_measure(people["Petit"], sursis(probation_end=date(2024, 1, 1)))
    assert services.persons.get_file(people["Petit"]).measures == ()


def test_a_missing_file_is_a_french_error(services: Services) -> None:
    with pytest.raises(NotFound, match="n'existe plus"):
        services.persons.get_file(4242)


def test_filters_and_sas_eligibility(services: Services, reference: Reference) -> None:
    def detainee(surname: str, number: str, sentence_end: date, establishment: int) -> int:
        file = services.persons.create(
            person_draft(
                surname=surname,
                file_number=number,
                regime=Regime.MILIEU_FERME,
                establishment_id=establishment,
                referent_id=reference.cpip2.id,
            )
        )
        services.persons.add_measure(
            file.person.id,
            MeasureDraft(
                measure_type=MeasureType.EMPRISONNEMENT,
                decision_date=date(2025, 1, 1),
                sentence_end=sentence_end,
            ),
        )
        return file.person.id

    detainee("Soon", "F-1", date(2027, 1, 1), reference.prison.id)
    detainee("Later", "F-2", date(2029, 1, 1), reference.prison.id)
    detainee("Placed", "F-3", date(2026, 9, 1), reference.sas.id)
    services.persons.create(person_draft(surname="Outside", file_number="O-1"))

    assert names(services, sas_eligible_only=True) == ["Placed Jean", "Soon Jean"]
    assert names(services, regime=Regime.MILIEU_OUVERT) == ["Outside Jean"]
    assert names(services, referent_id=reference.cpip2.id) == [
        "Later Jean",
        "Placed Jean",
        "Soon Jean",
    ]
    rows = {r.surname: r for r in services.persons.list_page(PersonQuery()).rows}
    assert rows["Soon"].sas_eligible and not rows["Later"].sas_eligible
    assert rows["Soon"].referent_name == "Anne ZOLA"
    assert names(services, sort="sas")[:2] == ["Placed Jean", "Soon Jean"]
    assert names(services, sort="measure_end")[:3] == ["Placed Jean", "Soon Jean", "Later Jean"]
    assert names(services, sort="measure_end", descending=True)[-1] == "Outside Jean"


def test_pages_follow_each_other_without_gaps(services: Services) -> None:
    for i in range(45):
        services.persons.create(person_draft(surname=f"Nom{i:02d}", file_number=f"P-{i:03d}"))
    seen: list[int] = []
    offset = 0
    while True:
        page = services.persons.list_page(PersonQuery(), offset, 20)
        seen.extend(r.id for r in page.rows)
        offset += len(page.rows)
        if not page.has_more:
            break
    assert len(seen) == len(set(seen)) == 45
    assert services.persons.count(PersonQuery()) == 45


def test_suggested_file_numbers_follow_the_year(services: Services) -> None:
    assert services.persons.suggest_file_number() == "2026-000001"
    services.persons.create(person_draft(file_number="2026-000041"))
    assert services.persons.suggest_file_number() == "2026-000042"


@pytest.mark.parametrize("plan", list(Plan))
def test_every_search_plan_finds_the_same_people(
    services: Services, people: dict[str, int], plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner picks by selectivity; whichever it picks, the answer is the same."""
    monkeypatch.setattr(search, "choose_plan", lambda *args, **kwargs: plan)
    assert names(services, text="e") == ["Élie Anne", "Zola Émile"]
    assert names(services, text="jean noel") == ["Petit Jean-Noël"]
    assert names(services, text="2026-00010", sort="file_number", descending=True)[0] == "Élie Anne"
    assert len(names(services, text="2026-00010")) == len(NAMES)
    assert services.persons.count(PersonQuery(text="l'hopital")) == 1


@pytest.mark.sqlite_only("the FTS5 planner: on PostgreSQL every plan is the LIKE plan")
def test_the_planner_follows_selectivity(services: Services) -> None:
    from spip_desktop.db.unit_of_work import UnitOfWorkFactory

    for i in range(30):
        services.persons.create(person_draft(surname=f"Martin{i}", file_number=f"M-{i:03d}"))
    services.persons.create(person_draft(surname="Zorro", file_number="Z-1"))
    with UnitOfWorkFactory(services.engine).reader() as uow:
        assert search.choose_plan(uow.session, ["zorro"]) is Plan.JOIN
        monkeypatch = pytest.MonkeyPatch()
        monkeypatch.setattr(search, "FEW_MATCHES", 5)
        try:
            assert search.choose_plan(uow.session, ["martin"]) is Plan.EXISTS
            assert search.choose_plan(uow.session, ["m"], count_only=True) is Plan.IN
            assert search.choose_plan(uow.session, ["jean", "m"]) is Plan.EXISTS
        finally:
            monkeypatch.undo()


@pytest.mark.postgresql_only
def test_without_fts_the_planner_gathers_few_matches_before_sorting(services: Services) -> None:
    """On PostgreSQL a rare name is gathered through the trigram index, then sorted;
    walking the name index would read every name before it. A common one walks."""
    from spip_desktop.db.unit_of_work import UnitOfWorkFactory

    for i in range(30):
        services.persons.create(person_draft(surname=f"Martin{i}", file_number=f"M-{i:03d}"))
    services.persons.create(person_draft(surname="Zorro", file_number="Z-1"))
    with UnitOfWorkFactory(services.engine).reader() as uow:
        assert search.choose_plan(uow.session, ["zorro"]) is Plan.LIKE_SET
        assert search.choose_plan(uow.session, ["zorro"], count_only=True) is Plan.LIKE
        monkeypatch = pytest.MonkeyPatch()
        monkeypatch.setattr(search, "FEW_MATCHES", 5)
        try:
            assert search.estimate_like_matches(uow.session, ["martin"]) == 30
            assert search.choose_plan(uow.session, ["martin"]) is Plan.LIKE
        finally:
            monkeypatch.undo()
    assert names(services, text="zorro") == ["Zorro Jean"]


def test_constraints_the_services_did_not_foresee_still_read_as_french(
    services: Services,
) -> None:
    """A concurrent writer may beat the duplicate check; the database's refusal is translated."""
    from spip_desktop.db.unit_of_work import UnitOfWorkFactory
    from spip_desktop.domain.errors import SpipError

    services.persons.create(person_draft(file_number="X-1"))
    with (
        pytest.raises(DuplicateValue, match="déjà attribué"),
        UnitOfWorkFactory(services.engine)() as uow,
    ):
        uow.persons.add(person_draft(file_number="X-1"))
    with (
        pytest.raises(SpipError, match="donnée liée") as caught,
        UnitOfWorkFactory(services.engine)() as uow,
    ):
        uow.persons.add(person_draft(file_number="X-2", referent_id=9999))
    assert not isinstance(caught.value, DuplicateValue)
