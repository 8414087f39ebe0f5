"""The partner directory, the conventions and partners as stage organisers and venues,
through the services on a real database (SQLite file and PostgreSQL server)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, insert, select

from spip_desktop.bootstrap import Services
from spip_desktop.db import models as m
from spip_desktop.domain.audit import AuditAction, AuditQuery
from spip_desktop.domain.errors import (
    DuplicateValue,
    EditConflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SpipError,
)
from spip_desktop.domain.labels import FIELD_NAMES
from spip_desktop.domain.partners import (
    FUNDING_MAX_CENTS,
    Contact,
    ConventionDraft,
    ConventionLevel,
    ConventionQuery,
    ConventionState,
    ConventionStatus,
    Milieu,
    PartnerDraft,
    PartnerKind,
    PartnerQuery,
    Theme,
)
from spip_desktop.domain.rights import Actor, StepKind, StepStatus
from spip_desktop.domain.security import Role
from spip_desktop.domain.stages import (
    AttendanceChange,
    AttendanceCode,
    Cadre,
    EnrolmentDraft,
    OrganiserKind,
    SessionDraft,
    StageDraft,
)
from tests.conftest import TODAY, Reference, person_draft, sign_in_as


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def caf(reference: Reference, **changes: object) -> PartnerDraft:
    draft = PartnerDraft(
        name="CAF de la Gironde",
        kind=PartnerKind.INSTITUTION,
        themes=frozenset({Theme.RIGHTS, Theme.HOUSING}),
        antenne_ids=frozenset({reference.antenne.id or 0}),
        address="50 rue du Docteur Gabriel Péry, 33000 Bordeaux",
        phone="05 36 49 10 10",
        email="partenaires@caf-gironde.example",
        referent_id=reference.cpip.id,
        contacts=(
            Contact("Sophie GARNIER", "Chargée des partenariats", "05 36 49 10 11"),
            Contact("Marc DUBREUIL", "Conseiller RSA", email="m.dubreuil@caf-gironde.example"),
        ),
        notes="Permanence au SPIP le mardi matin.",
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def convention(partner_id: int, **changes: object) -> ConventionDraft:
    draft = ConventionDraft(
        partner_id=partner_id,
        level=ConventionLevel.LOCAL,
        title="Stages de citoyenneté : financement FIPD",
        themes=frozenset({Theme.PREVENTION}),
        milieu=Milieu.OUVERT,
        signed_on=date(2025, 4, 1),
        expires_on=date(2027, 3, 31),
        funding_cents=12_500_00,
        funding_source="FIPD",
        status=ConventionStatus.SIGNED,
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def citizenship_stage(services: Services, **changes: object) -> StageDraft:
    stage_type = next(t for t in services.stages.catalogue() if t.name == "Stage de citoyenneté")
    draft = StageDraft(
        type_id=stage_type.id,
        title="Session de mars",
        venue="Salle du conseil",
        sessions=(
            SessionDraft(date(2026, 3, 2), time(9), time(12)),
            SessionDraft(date(2026, 3, 2), time(13, 30), time(16, 30)),
        ),
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


# -- the directory ----------------------------------------------------------------------------


def test_a_partner_is_saved_with_its_contacts_themes_antennes_and_referent(
    services: Services, reference: Reference
) -> None:
    saved = services.partners.save_partner(None, 0, caf(reference))
    assert saved.draft == caf(reference)
    assert saved.active and saved.version == 1
    assert services.partners.get_partner(saved.id) == saved
    # The contacts keep their order; changing only them moves the version.
    reordered = replace(saved.draft, contacts=tuple(reversed(saved.draft.contacts)))
    again = services.partners.save_partner(saved.id, saved.version, reordered)
    assert [c.name for c in again.draft.contacts] == ["Marc DUBREUIL", "Sophie GARNIER"]
    assert again.version == saved.version + 1
    entries = services.audit.browse(AuditQuery(object_type="partner"))
    assert [e.action for e in entries] == [AuditAction.UPDATE, AuditAction.CREATE]
    update, create = entries
    assert [c.field for c in update.changes] == ["contacts"]
    created = {c.field: c.new for c in create.changes}
    assert created["kind"] == "Institution"
    assert created["themes"] == ["Accès aux droits", "Logement"]
    assert created["antenne_ids"] == ["Antenne de Bordeaux"]
    assert created["contacts"][0] == "Sophie GARNIER — Chargée des partenariats — 05 36 49 10 11"
    assert set(created) <= set(FIELD_NAMES)  # every field reads in French in the trail


def test_a_name_already_in_the_directory_is_refused_case_accents_and_spaces_aside(
    services: Services, reference: Reference
) -> None:
    services.partners.save_partner(None, 0, caf(reference))
    with pytest.raises(DuplicateValue) as caught:
        services.partners.save_partner(None, 0, caf(reference, name="  caf de  la GIRONDE "))
    assert caught.value.field == "name"
    assert caught.value.message.startswith(
        "Un partenaire porte déjà ce nom (« CAF de la Gironde ») : choisissez-le dans l'annuaire"
    )


def test_a_stale_version_is_an_edit_conflict(services: Services, reference: Reference) -> None:
    saved = services.partners.save_partner(None, 0, caf(reference))
    services.partners.save_partner(saved.id, saved.version, caf(reference, phone="05 36 49 00 01"))
    with pytest.raises(EditConflict) as caught:
        services.partners.save_partner(saved.id, saved.version, caf(reference, notes="Autre"))
    assert "modifiée par ailleurs" in caught.value.message
    with pytest.raises(EditConflict):
        services.partners.set_archived(saved.id, saved.version, True)
    assert services.partners.get_partner(saved.id).draft.notes == caf(reference).notes


def test_the_directory_filters_and_hides_archived_partners_unless_asked(
    services: Services, reference: Reference
) -> None:
    first = services.partners.save_partner(None, 0, caf(reference))
    services.partners.save_partner(
        None,
        0,
        PartnerDraft(
            "Mission locale du Libournais",
            PartnerKind.EMPLOYMENT,
            frozenset({Theme.EMPLOYMENT}),
            contacts=(Contact("Hélène Œuvray", "Conseillère"),),
        ),
    )
    gone = services.partners.save_partner(None, 0, PartnerDraft("Association Éteinte"))
    services.partners.set_archived(gone.id, gone.version, True)
    names = [p.name for p in services.partners.partners()]
    assert names == ["CAF de la Gironde", "Mission locale du Libournais"]  # folded order
    everyone = services.partners.partners(PartnerQuery(include_archived=True))
    assert everyone[0].name == "Association Éteinte"
    assert [p.name for p in services.partners.partners(PartnerQuery(text="oeuvray"))] == [
        "Mission locale du Libournais"
    ]
    assert [p.id for p in services.partners.partners(PartnerQuery(theme=Theme.HOUSING))] == [
        first.id
    ]


def test_deleting_a_partner_in_use_is_refused_and_archiving_offered(
    services: Services, reference: Reference
) -> None:
    partner = services.partners.save_partner(None, 0, caf(reference))
    services.stages.save_stage(
        None,
        0,
        citizenship_stage(
            services, organiser_kind=OrganiserKind.PARTNER, organiser_partner_id=partner.id
        ),
    )
    services.partners.save_convention(None, 0, convention(partner.id))
    person = services.persons.create(person_draft()).person
    with services.engine.begin() as connection:  # a rights step, as the rights screen makes it
        connection.execute(
            insert(m.RightsStepRow).values(
                person_id=person.id,
                kind=StepKind.RSA,
                partner_id=partner.id,
                handled_by=Actor.PARTNER,
                opened_on=TODAY,
                status=StepStatus.TO_START,
                status_at=datetime(2026, 3, 12, 9),
                version=1,
                created_at=datetime(2026, 3, 12, 9),
                updated_at=datetime(2026, 3, 12, 9),
            )
        )
    use = services.partners.partner_use(partner.id)
    assert (use.steps, use.stages, use.conventions) == (1, 1, 1)
    with pytest.raises(SpipError) as caught:
        services.partners.delete_partner(partner.id, partner.version)
    assert caught.value.message.startswith(
        "« CAF de la Gironde » ne peut pas être supprimé : il est encore rattaché à "
        "1 démarche d'accès aux droits, 1 stage, 1 convention."
    )
    archived = services.partners.set_archived(partner.id, partner.version, True)
    assert not archived.active
    assert services.partners.partners() == ()
    entry = services.audit.browse(AuditQuery(object_type="partner"))[0]
    assert entry.summary == "CAF de la Gironde (archivé)"
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("active", True, False)]


def test_a_partner_nothing_uses_is_deleted_with_its_contacts(
    services: Services, reference: Reference
) -> None:
    partner = services.partners.save_partner(None, 0, caf(reference))
    services.partners.delete_partner(partner.id, partner.version)
    with pytest.raises(NotFound):
        services.partners.get_partner(partner.id)
    with services.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(m.PartnerContactRow)) == 0
    deleted = services.audit.browse(AuditQuery(object_type="partner"))[0]
    assert deleted.action is AuditAction.DELETE and deleted.summary == "CAF de la Gironde"


# -- conventions --------------------------------------------------------------------------------


def test_conventions_are_saved_and_their_state_computed_today(
    services: Services, reference: Reference
) -> None:
    partner = services.partners.save_partner(None, 0, caf(reference))
    in_force = services.partners.save_convention(None, 0, convention(partner.id))
    soon = services.partners.save_convention(
        None, 0, convention(partner.id, title="CPAM", expires_on=TODAY + timedelta(days=45))
    )
    expired = services.partners.save_convention(
        None, 0, convention(partner.id, title="Ancienne", expires_on=TODAY - timedelta(days=1))
    )
    draft = services.partners.save_convention(
        None,
        0,
        convention(partner.id, title="Projet", status=ConventionStatus.DRAFT, signed_on=None),
    )
    assert in_force.partner_name == "CAF de la Gironde"
    assert {c.id: c.state(TODAY) for c in services.partners.conventions()} == {
        in_force.id: ConventionState.ACTIVE,
        soon.id: ConventionState.EXPIRING,
        expired.id: ConventionState.EXPIRED,
        draft.id: ConventionState.DRAFT,
    }
    flagged = services.partners.conventions(
        ConventionQuery(states=frozenset({ConventionState.EXPIRING}))
    )
    assert [c.id for c in flagged] == [soon.id]
    assert [c.id for c in services.partners.conventions()][:2] == [expired.id, soon.id]
    created = services.audit.browse(AuditQuery(object_type="convention"))[-1]
    values = {c.field: c.new for c in created.changes}
    assert values["funding_cents"] == "12\u202f500,00\u00a0€"
    assert values["partner_id"] == "CAF de la Gironde"
    assert values["level"] == "Locale"
    assert set(values) <= set(FIELD_NAMES)


def test_a_convention_ending_before_it_starts_is_refused(
    services: Services, reference: Reference
) -> None:
    partner = services.partners.save_partner(None, 0, caf(reference))
    with pytest.raises(InvalidInput) as caught:
        services.partners.save_convention(
            None, 0, convention(partner.id, expires_on=date(2025, 1, 1))
        )
    assert caught.value.result.errors["expires_on"] == (
        "La convention ne peut pas prendre fin (01/01/2025) avant d'avoir commencé (01/04/2025)."
    )
    assert services.partners.conventions() == ()


@pytest.mark.parametrize("cents", [FUNDING_MAX_CENTS + 1, 2_147_483_648, 99_999_999_99 + 1])
def test_a_funding_too_large_for_the_column_is_refused_in_french(
    services: Services, reference: Reference, cents: int
) -> None:
    partner = services.partners.save_partner(None, 0, caf(reference))
    with pytest.raises(InvalidInput) as caught:  # not « base inaccessible » on PostgreSQL
        services.partners.save_convention(None, 0, convention(partner.id, funding_cents=cents))
    assert caught.value.result.errors["funding_cents"] == (
        "Le montant du financement dépasse 9\u202f999\u202f999,99\u00a0€ : "
        "vérifiez le nombre de zéros."
    )
    assert services.partners.conventions() == ()
    largest = services.partners.save_convention(
        None, 0, convention(partner.id, funding_cents=FUNDING_MAX_CENTS)
    )
    assert services.partners.conventions()[0].draft.funding_cents == FUNDING_MAX_CENTS
    assert largest.draft.funding_cents == FUNDING_MAX_CENTS


def test_an_archived_partner_gets_no_new_convention_but_keeps_its_own(
    services: Services, reference: Reference
) -> None:
    partner = services.partners.save_partner(None, 0, caf(reference))
    kept = services.partners.save_convention(None, 0, convention(partner.id))
    services.partners.set_archived(partner.id, partner.version, True)
    with pytest.raises(InvalidInput) as caught:
        services.partners.save_convention(None, 0, convention(partner.id, title="Nouvelle"))
    assert "est archivé" in caught.value.result.errors["partner_id"]
    renewed = services.partners.save_convention(
        kept.id, kept.version, replace(kept.draft, expires_on=date(2029, 3, 31))
    )
    assert renewed.draft.expires_on == date(2029, 3, 31)
    services.partners.delete_convention(renewed.id, renewed.version)
    assert services.partners.conventions() == ()
    actions = [e.action for e in services.audit.browse(AuditQuery(object_type="convention"))]
    assert actions == [AuditAction.DELETE, AuditAction.UPDATE, AuditAction.CREATE]


# -- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CPIP, Role.ASS, Role.SECRETARIAT])
def test_the_directory_is_read_by_those_who_choose_partners_and_changed_by_the_direction(
    services: Services, reference: Reference, role: Role
) -> None:
    partner = services.partners.save_partner(None, 0, caf(reference))
    services.partners.save_convention(None, 0, convention(partner.id))
    sign_in_as(services, role, agent_id=reference.cpip.id)
    assert [p.name for p in services.partners.partners()] == ["CAF de la Gironde"]
    assert len(services.partners.conventions()) == 1
    assert services.partners.partner_use(partner.id).conventions == 1
    with pytest.raises(PermissionDenied):
        services.partners.save_partner(None, 0, caf(reference, name="Autre"))
    with pytest.raises(PermissionDenied):
        services.partners.set_archived(partner.id, partner.version, True)
    with pytest.raises(PermissionDenied):
        services.partners.delete_partner(partner.id, partner.version)
    with pytest.raises(PermissionDenied):
        services.partners.save_convention(None, 0, convention(partner.id))


def test_an_administrator_alone_does_not_read_the_directory(
    services: Services, reference: Reference
) -> None:
    sign_in_as(services, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.partners.partners()
    with pytest.raises(PermissionDenied):
        services.partners.conventions()


# -- partners as stage organisers and venues ------------------------------------------------


def test_a_stage_organised_by_a_partner_prints_the_partners_name(
    services: Services, reference: Reference
) -> None:
    partner = services.partners.save_partner(None, 0, caf(reference, name="CSAPA Bordeaux"))
    hall = services.partners.save_partner(
        None,
        0,
        PartnerDraft("Mairie de Talence", PartnerKind.LOCAL_AUTHORITY, address="33400 Talence"),
    )
    assert [p.name for p in services.stages.partner_choices()] == [
        "CSAPA Bordeaux",
        "Mairie de Talence",
    ]
    stage = services.stages.save_stage(
        None,
        0,
        citizenship_stage(
            services,
            organiser_kind=OrganiserKind.PARTNER,
            organiser_partner_id=partner.id,
            organiser_name="ce que le formulaire avait",
            venue_partner_id=hall.id,
            venue="Mairie de Talence, salle du conseil",
        ),
    )
    assert stage.draft.organiser_partner_id == partner.id
    assert stage.draft.organiser_name == "CSAPA Bordeaux"  # the directory's name, at save
    assert stage.draft.venue_partner_id == hall.id
    created = services.audit.browse(AuditQuery(object_type="stage"))[0]
    values = {c.field: c.new for c in created.changes}
    assert values["venue_partner_id"] == "Mairie de Talence"
    assert values["organiser_name"] == "CSAPA Bordeaux"
    person = services.persons.create(person_draft()).person
    enrolment = services.stages.enrol(
        EnrolmentDraft(stage.id, person.id, Cadre.COMPOSITION, "Parquet 26/42")
    )
    services.stages.save_attendance(
        stage.id,
        [AttendanceChange(enrolment.id, s.id, AttendanceCode.PRESENT) for s in stage.sessions],
    )
    assert "CSAPA Bordeaux" in pdf_text(services.stages.issue_attestation(enrolment.id).pdf)
    assert "CSAPA Bordeaux" in pdf_text(services.stages.sign_in_sheet(stage.sessions[0].id).pdf)
    # Renamed in the directory: the stage prints the new name once saved again.
    renamed = services.partners.save_partner(
        partner.id, partner.version, replace(partner.draft, name="CSAPA Bordeaux Métropole")
    )
    again = services.stages.save_stage(stage.id, stage.version, stage.draft)
    assert again.draft.organiser_name == renamed.name
    use = services.partners.partner_use(hall.id)
    assert (use.stages, use.steps, use.conventions) == (1, 0, 0)


def test_an_archived_partner_is_refused_for_a_new_stage_but_old_stages_keep_it(
    services: Services, reference: Reference
) -> None:
    partner = services.partners.save_partner(None, 0, caf(reference, name="CSAPA Bordeaux"))
    organised = citizenship_stage(
        services, organiser_kind=OrganiserKind.PARTNER, organiser_partner_id=partner.id
    )
    old = services.stages.save_stage(None, 0, organised)
    services.partners.set_archived(partner.id, partner.version, True)
    assert services.stages.partner_choices() == ()
    with pytest.raises(InvalidInput) as caught:
        services.stages.save_stage(None, 0, organised)
    assert caught.value.result.errors["organiser_partner_id"] == (
        "« CSAPA Bordeaux » est archivé : il n'est plus proposé pour un nouveau stage. "
        "Choisissez un partenaire actif de l'annuaire."
    )
    with pytest.raises(InvalidInput) as venue:
        services.stages.save_stage(
            None, 0, citizenship_stage(services, venue_partner_id=partner.id)
        )
    assert "est archivé" in venue.value.result.errors["venue_partner_id"]
    kept = services.stages.save_stage(old.id, old.version, replace(old.draft, capacity=8))
    assert kept.draft.organiser_name == "CSAPA Bordeaux"  # still shown by name


def test_a_partner_organiser_must_exist(services: Services, reference: Reference) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.stages.save_stage(
            None,
            0,
            citizenship_stage(
                services, organiser_kind=OrganiserKind.PARTNER, organiser_partner_id=999_999
            ),
        )
    assert caught.value.result.errors["organiser_partner_id"] == (
        "Le partenaire choisi comme organisateur n'existe plus : choisissez-en un autre."
    )
    spip = services.stages.save_stage(
        None,
        0,
        citizenship_stage(services, organiser_partner_id=999_999, organiser_name="reste"),
    )
    assert (spip.draft.organiser_partner_id, spip.draft.organiser_name) == (None, "")
