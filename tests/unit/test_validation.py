from dataclasses import replace
from datetime import date

import pytest

from spip_desktop.domain.enums import MeasureType, ObligationType, Regime
from spip_desktop.domain.model import MeasureDraft, ObligationDraft, PersonDraft
from spip_desktop.domain.validation import validate_measure, validate_person
from tests.conftest import person_draft

TODAY = date(2026, 3, 12)


def test_a_complete_draft_is_valid() -> None:
    result = validate_person(person_draft(), TODAY)
    assert result.ok
    assert result.warnings == []


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        ({"surname": "  "}, "surname", "Le nom est obligatoire."),
        ({"given_names": ""}, "given_names", "Au moins un prénom est obligatoire."),
        ({"file_number": ""}, "file_number", "Le numéro de dossier est obligatoire."),
        ({"birth_date": None}, "birth_date", "La date de naissance est obligatoire."),
        (
            {"birth_date": date(2026, 3, 13)},
            "birth_date",
            "La date de naissance ne peut pas être dans le futur.",
        ),
        ({"birth_date": date(1850, 1, 1)}, "birth_date", "antérieure à 1900"),
        (
            {"regime": Regime.MILIEU_FERME},
            "establishment_id",
            "En milieu fermé, indiquez l'établissement pénitentiaire.",
        ),
        ({"email": "jean@"}, "email", "L'adresse électronique n'est pas valide"),
        ({"phone": "appelez-moi"}, "phone", "Le numéro de téléphone ne contient que des chiffres"),
        ({"postal_code": "3300"}, "postal_code", "Le code postal compte 5 chiffres."),
        ({"surname": "X" * 101}, "surname", "Le nom ne peut pas dépasser 100 caractères."),
        ({"address": "x" * 251}, "address", "L'adresse ne peut pas dépasser 250 caractères."),
    ],
)
def test_each_bad_input_gets_its_sentence(changes: dict, field: str, sentence: str) -> None:
    result = validate_person(person_draft(**changes), TODAY)
    assert not result.ok
    assert sentence in result.errors[field]


def test_a_minor_gets_a_warning_not_an_error() -> None:
    result = validate_person(person_draft(birth_date=date(2009, 1, 1)), TODAY)
    assert result.ok
    assert "17 ans" in result.warnings[0]
    assert "majeures" in result.warnings[0]


def measure(**changes: object) -> MeasureDraft:
    base = MeasureDraft(
        measure_type=MeasureType.SURSIS_PROBATOIRE,
        decision_date=date(2025, 6, 1),
        final_date=date(2025, 6, 11),
        referral_date=date(2025, 7, 1),
        probation_start=date(2025, 7, 1),
        probation_end=date(2027, 7, 1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_coherent_measure_is_valid() -> None:
    assert validate_measure(measure(), TODAY).ok


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        ({"measure_type": None}, "measure_type", "Choisissez le type de mesure."),
        ({"decision_date": None}, "decision_date", "La date de la décision est obligatoire."),
        ({"decision_date": date(2026, 4, 1)}, "decision_date", "ne peut pas être dans le futur"),
        ({"final_date": date(2025, 5, 1)}, "final_date", "avant d'avoir été rendue"),
        ({"referral_date": date(2025, 5, 1)}, "referral_date", "ne peut pas précéder la décision"),
        (
            {"probation_end": date(2025, 1, 1)},
            "probation_end",
            "La fin du délai d'épreuve ne peut pas précéder son début.",
        ),
        (
            {"sentence_end": date(2025, 6, 30)},
            "sentence_end",
            "La fin de peine ne peut pas précéder le début de la mesure.",
        ),
        ({"court": "T" * 151}, "court", "La juridiction ne peut pas dépasser 150 caractères."),
        (
            {"obligations": (ObligationDraft(ObligationType.AUTRE, " "),)},
            "obligations",
            "Précisez le texte",
        ),
        (
            {
                "obligations": (
                    ObligationDraft(ObligationType.SOINS),
                    ObligationDraft(ObligationType.SOINS),
                )
            },
            "obligations",
            "figure deux fois",
        ),
    ],
)
def test_incoherent_measures_are_refused(changes: dict, field: str, sentence: str) -> None:
    result = validate_measure(measure(**changes), TODAY)
    assert sentence in result.errors[field]


def test_a_measure_cancelled_between_its_decision_and_today_is_valid() -> None:
    assert validate_measure(measure(cancelled_on=date(2025, 6, 1)), TODAY).ok
    assert validate_measure(measure(cancelled_on=TODAY), TODAY).ok
    undecided = validate_measure(measure(decision_date=None, cancelled_on=TODAY), TODAY)
    assert "cancelled_on" not in undecided.errors  # (the decision's own error is enough)


@pytest.mark.parametrize(
    ("cancelled_on", "sentence"),
    [
        (date(2026, 3, 13), "La date d'annulation ne peut pas être dans le futur."),
        (
            date(2025, 5, 31),
            "Une mesure ne peut pas être annulée avant la décision qui l'a prononcée.",
        ),
    ],
)
def test_an_impossible_cancellation_date_is_refused(cancelled_on: date, sentence: str) -> None:
    result = validate_measure(measure(cancelled_on=cancelled_on), TODAY)
    assert result.errors == {"cancelled_on": sentence}


def detainee(**changes: object) -> PersonDraft:
    return person_draft(regime=Regime.MILIEU_FERME, establishment_id=3, **changes)


def test_an_arrival_in_the_establishment_between_birth_and_today_is_valid() -> None:
    assert validate_person(detainee(establishment_since=date(2025, 11, 3)), TODAY).ok
    assert validate_person(detainee(establishment_since=TODAY), TODAY).ok
    assert validate_person(detainee(establishment_since=date(1980, 5, 17)), TODAY).ok
    assert validate_person(detainee(establishment_since=None), TODAY).ok


@pytest.mark.parametrize(
    ("draft", "sentence"),
    [
        (
            detainee(establishment_since=date(2026, 3, 13)),
            "La date d'arrivée dans l'établissement ne peut pas être dans le futur.",
        ),
        (
            detainee(establishment_since=date(1980, 5, 16)),
            "La date d'arrivée dans l'établissement ne peut pas précéder la date de naissance.",
        ),
        (
            person_draft(regime=Regime.MILIEU_FERME, establishment_since=date(2025, 1, 1)),
            "Choisissez l'établissement avant d'indiquer la date d'arrivée, ou effacez-la.",
        ),
        (
            person_draft(establishment_id=3, establishment_since=date(2025, 1, 1)),
            "En milieu ouvert, il n'y a pas de date d'arrivée dans un établissement : effacez-la.",
        ),
    ],
    ids=["future", "before-birth", "no-establishment", "milieu-ouvert"],
)
def test_an_impossible_arrival_date_is_refused(draft: PersonDraft, sentence: str) -> None:
    result = validate_person(draft, TODAY)
    assert result.errors["establishment_since"] == sentence


def test_legacy_measure_types_stay_readable_but_are_not_offered() -> None:
    assert MeasureType.SME.label.startswith("Sursis avec mise à l'épreuve")
    assert MeasureType.SME not in MeasureType.choices()
    assert MeasureType.SURSIS_PROBATOIRE in MeasureType.choices()
