"""Partners and conventions: the rules, without Qt or a database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spip_desktop.domain.partners import (
    CONVENTION_NOTICE_DAYS,
    FUNDING_MAX_CENTS,
    Contact,
    ConventionDraft,
    ConventionState,
    ConventionStatus,
    Partner,
    PartnerDraft,
    PartnerKind,
    PartnerQuery,
    PartnerUse,
    Theme,
    convention_state,
    format_funding,
    validate_convention,
    validate_partner,
)
from spip_desktop.domain.stages import OrganiserKind, SessionDraft, StageDraft, validate_stage
from spip_desktop.services.partners import in_use_message, partner_matches

TODAY = date(2026, 3, 12)
NBSP, NNBSP = "\u00a0", "\u202f"


def signed(expires_in: int | None, **changes: object) -> ConventionDraft:
    values: dict[str, object] = {
        "partner_id": 1,
        "title": "Accès aux droits",
        "status": ConventionStatus.SIGNED,
        "signed_on": TODAY - timedelta(days=400),
        "expires_on": None if expires_in is None else TODAY + timedelta(days=expires_in),
    }
    values.update(changes)
    return ConventionDraft(**values)  # type: ignore[arg-type]


# -- the state of a convention -------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_in", "state"),
    [
        (None, ConventionState.ACTIVE),  # no expiry date: in force
        (365, ConventionState.ACTIVE),
        (CONVENTION_NOTICE_DAYS + 1, ConventionState.ACTIVE),
        (CONVENTION_NOTICE_DAYS, ConventionState.EXPIRING),  # 90 days: to renew
        (45, ConventionState.EXPIRING),
        (0, ConventionState.EXPIRING),  # its last day
        (-1, ConventionState.EXPIRED),
        (-400, ConventionState.EXPIRED),
    ],
)
def test_a_signed_convention_is_in_force_to_renew_or_expired(
    expires_in: int | None, state: ConventionState
) -> None:
    assert convention_state(signed(expires_in), TODAY) is state


def test_a_draft_or_a_terminated_convention_keeps_that_state_whatever_its_dates() -> None:
    assert convention_state(signed(-30, status=ConventionStatus.DRAFT), TODAY) is (
        ConventionState.DRAFT
    )
    assert convention_state(signed(30, status=ConventionStatus.TERMINATED), TODAY) is (
        ConventionState.TERMINATED
    )
    assert ConventionState.EXPIRING.label == "À renouveler"
    assert ConventionState.EXPIRED.label == "Expirée"


# -- convention input ----------------------------------------------------------------------


def test_a_convention_ending_before_it_starts_is_refused_in_french() -> None:
    draft = signed(None, signed_on=date(2026, 6, 1), expires_on=date(2026, 1, 1))
    result = validate_convention(draft)
    assert result.errors["expires_on"] == (
        "La convention ne peut pas prendre fin (01/01/2026) avant d'avoir commencé (01/06/2026)."
    )
    same_day = signed(None, signed_on=date(2026, 6, 1), expires_on=date(2026, 6, 1))
    assert "expires_on" in validate_convention(same_day).errors
    assert validate_convention(signed(None, expires_on=date(2026, 6, 2))).ok


def test_a_convention_names_its_partner_and_object_and_a_signed_one_its_date() -> None:
    result = validate_convention(ConventionDraft(status=ConventionStatus.SIGNED))
    assert result.errors == {
        "partner_id": "Choisissez le partenaire de la convention.",
        "title": "L'objet de la convention est obligatoire.",
        "signed_on": "Une convention signée a une date de signature.",
    }
    assert validate_convention(ConventionDraft(partner_id=3, title="Projet")).ok  # a draft


def test_funding_cannot_be_negative_and_its_source_is_asked_for() -> None:
    assert "funding_cents" in validate_convention(signed(100, funding_cents=-1)).errors
    result = validate_convention(signed(100, funding_cents=12_500_00))
    assert result.ok
    assert result.warnings == ["Indiquez la source du financement (par exemple FIPD)."]
    assert validate_convention(signed(100, funding_cents=1, funding_source="FIPD")).warnings == []


def test_a_funding_beyond_the_ceiling_is_refused_with_a_hint() -> None:
    assert validate_convention(signed(100, funding_cents=FUNDING_MAX_CENTS, funding_source="X")).ok
    for cents in (FUNDING_MAX_CENTS + 1, 2**31, 99_999_999_99 + 1, 10**30):
        result = validate_convention(signed(100, funding_cents=cents, funding_source="FIPD"))
        assert result.errors == {
            "funding_cents": f"Le montant du financement dépasse 9{NNBSP}999{NNBSP}999,99{NBSP}€ "
            ": vérifiez le nombre de zéros."
        }
    assert FUNDING_MAX_CENTS < 2**31  # fits the integer column of PostgreSQL


def test_funding_reads_the_french_way() -> None:
    assert format_funding(12_500_00) == f"12{NNBSP}500,00{NBSP}€"
    assert format_funding(8_000_50) == f"8{NNBSP}000,50{NBSP}€"
    assert format_funding(0) == f"0,00{NBSP}€"
    assert format_funding(None) == ""


# -- partner input ---------------------------------------------------------------------------


def test_a_partner_needs_a_name_a_valid_email_and_named_contacts() -> None:
    result = validate_partner(
        PartnerDraft(name="  ", email="accueil-caf", contacts=(Contact("Ana"), Contact(" ", "DG")))
    )
    assert result.errors == {
        "name": "Le nom du partenaire est obligatoire.",
        "email": "L'adresse électronique n'est pas valide (exemple : nom@domaine.fr).",
        "contacts": "Le contact n° 2 n'a pas de nom.",
    }
    assert validate_partner(PartnerDraft(name="CAF", email="partenaires@caf.fr")).ok


def test_invisible_characters_and_overlong_contacts_are_refused_before_the_database() -> None:
    result = validate_partner(
        PartnerDraft(
            name="CAF\x00",
            notes="Ligne 1\nLigne 2\tfin",  # line breaks and tabs are welcome in the notes
            contacts=(Contact("Ana", phone="0" * 31),),
        )
    )
    assert result.errors == {
        "name": "Le nom contient un caractère invisible : retirez-le.",
        "contacts": "Le contact n° 1 a un téléphone ou un courriel trop long.",
    }
    assert "title" in validate_convention(signed(None, title="Objet\x1b")).errors


def test_what_uses_a_partner_is_said_in_french() -> None:
    use = PartnerUse(steps=2, stages=1, conventions=3)
    assert use.total == 6
    assert use.describe() == "2 démarches d'accès aux droits, 1 stage, 3 conventions"
    message = in_use_message("CAF de la Gironde", PartnerUse(stages=1))
    assert message.startswith(
        "« CAF de la Gironde » ne peut pas être supprimé : il est encore rattaché à 1 stage."
    )
    assert "Archivez-le plutôt" in message
    assert PartnerUse().total == 0


# -- the directory's filters -------------------------------------------------------------------

CAF = Partner(
    1,
    1,
    PartnerDraft(
        "CAF de la Gironde",
        PartnerKind.INSTITUTION,
        frozenset({Theme.RIGHTS, Theme.HOUSING}),
        address="Rue du Docteur Gabriel Péry, 33000 Bordeaux",
        contacts=(Contact("Hélène Lefèvre", "Référente"),),
    ),
)
MISSION = Partner(
    2,
    1,
    PartnerDraft(
        "Mission locale du Libournais",
        PartnerKind.EMPLOYMENT,
        frozenset({Theme.EMPLOYMENT}),
        frozenset({7}),
    ),
)
GONE = Partner(3, 4, PartnerDraft("Association dissoute", PartnerKind.ASSOCIATION), active=False)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (PartnerQuery(), {1, 2}),
        (PartnerQuery(include_archived=True), {1, 2, 3}),
        (PartnerQuery(text="gironde caf"), {1}),
        (PartnerQuery(text="helene"), {1}),  # a contact, accents aside
        (PartnerQuery(text="PERY"), {1}),  # the address
        (PartnerQuery(text="logement"), {1}),  # a theme
        (PartnerQuery(kind=PartnerKind.EMPLOYMENT), {2}),
        (PartnerQuery(theme=Theme.EMPLOYMENT), {2}),
        (PartnerQuery(antenne_id=7), {1, 2}),  # the CAF serves the whole service
        (PartnerQuery(antenne_id=8), {1}),
    ],
)
def test_the_directory_filters(query: PartnerQuery, expected: set[int]) -> None:
    assert {p.id for p in (CAF, MISSION, GONE) if partner_matches(p, query)} == expected


# -- a stage's organiser is a partner record ----------------------------------------------------


def test_a_stage_organised_by_a_partner_names_it_from_the_directory() -> None:
    draft = StageDraft(
        type_id=1,
        organiser_kind=OrganiserKind.PARTNER,
        organiser_name="Texte libre",
        sessions=(SessionDraft(TODAY, None, None),),
    )
    result = validate_stage(draft, None)
    assert result.errors["organiser_partner_id"] == (
        "Choisissez dans l'annuaire le partenaire qui organise le stage."
    )
    chosen = validate_stage(StageDraft(**{**vars(draft), "organiser_partner_id": 4}), None)
    assert "organiser_partner_id" not in chosen.errors


def test_the_demo_names_partners_that_exist() -> None:
    from spip_desktop.db import demo_stages
    from spip_desktop.db.demo_partners import CONVENTIONS, PARTNERS, VENUE_PARTNERS

    names = {p.name for p in PARTNERS}
    assert len(names) == len(PARTNERS) >= 40
    assert {p.kind for p in PARTNERS} == set(PartnerKind)
    assert set(VENUE_PARTNERS.values()) <= names
    assert {c.partner for c in CONVENTIONS} <= names
    organisers = {o for entries in demo_stages._ORGANISERS.values() for o, _ in entries}
    organisers |= {o for entries in demo_stages._ACTIVITIES.values() for _, o, _ in entries}
    assert organisers - {""} <= names
