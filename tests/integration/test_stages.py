"""Stages through the services, on a real database (SQLite file and PostgreSQL server)."""

from __future__ import annotations

import errno
import io
import os
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest
from pypdf import PdfReader

from spip_desktop.bootstrap import Services
from spip_desktop.domain.audit import AuditAction, AuditQuery
from spip_desktop.domain.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    SpipError,
)
from spip_desktop.domain.security import Role
from spip_desktop.domain.service_settings import ServiceSettings
from spip_desktop.domain.stages import (
    ActionKind,
    AttendanceChange,
    AttendanceCode,
    Cadre,
    EndKind,
    EnrolmentDraft,
    EnrolmentStatus,
    SessionDraft,
    Stage,
    StageDraft,
    StagePhase,
    StageQuery,
    StageTypeDraft,
)
from spip_desktop.reports.layout import Cancelled
from spip_desktop.services import files as files_module
from tests.conftest import Reference, person_draft, sign_in_as

#: The nine official names, typed from the Code pénal (domain.md), not from the code.
OFFICIAL_NAMES = [
    "Stage de citoyenneté",
    "Stage de sensibilisation à la sécurité routière",
    "Stage de sensibilisation aux dangers de l'usage de produits stupéfiants",
    "Stage de responsabilisation pour la prévention et la lutte contre les violences au sein "
    "du couple et sexistes",
    "Stage de sensibilisation à la lutte contre l'achat d'actes sexuels",
    "Stage de responsabilité parentale",
    "Stage de lutte contre le sexisme et de sensibilisation à l'égalité entre les femmes et "
    "les hommes",
    "Stage de sensibilisation à la prévention et à la lutte contre la maltraitance animale",
    "Stage de sensibilisation au respect des personnes dans l'espace numérique et à la "
    "prévention des infractions commises en ligne",
]


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def type_id(services: Services, name: str) -> int:
    return next(t.id for t in services.stages.catalogue() if t.name == name)


def citizenship(services: Services, *days: date, **changes: object) -> StageDraft:
    """A citizenship stage, 9 h-12 h and 13 h 30-16 h 30 each day (6 h a day)."""
    sessions = tuple(
        SessionDraft(day, start, end)
        for day in days
        for start, end in ((time(9), time(12)), (time(13, 30), time(16, 30)))
    )
    draft = StageDraft(
        type_id=type_id(services, "Stage de citoyenneté"),
        title="Session de mars",
        venue="Mairie de Talence, salle du conseil",
        capacity=12,
        facilitators="Élodie LEFÈVRE",
        sessions=sessions,
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


@pytest.fixture
def settings_33(services: Services) -> None:
    services.service_settings.save(
        replace(
            services.service_settings.load(),
            service_name="SPIP de la Gironde",
            service_code="33",
            city="Bordeaux",
            address="1 rue de la Justice\n33000 Bordeaux",
            signatory_name="Anne MARTIN",
            signatory_role="La directrice fonctionnelle",
        )
    )


@pytest.fixture
def past_stage(services: Services) -> Stage:
    """Two days, both over on the tests' day (12 March 2026, noon)."""
    return services.stages.save_stage(
        None, 0, citizenship(services, date(2026, 3, 2), date(2026, 3, 3))
    )


def enrol(services: Services, stage: Stage, person_id: int, **changes: object) -> int:
    draft = EnrolmentDraft(
        stage_id=stage.id,
        person_id=person_id,
        cadre=Cadre.SURSIS_PROBATOIRE,
        decision_reference="TJ Bordeaux 25/1234",
        final_date=date(2026, 1, 10),
    )
    return services.stages.enrol(replace(draft, **changes)).id  # type: ignore[arg-type]


def person(
    services: Services, surname: str = "Lefèvre-d'Arc", number: str = "2026-000001", **kw: object
) -> int:
    return services.persons.create(
        person_draft(
            surname=surname, given_names="Élodie", file_number=number, birth_place="Lyon", **kw
        )
    ).person.id


def mark(
    services: Services, stage: Stage, enrolment_id: int, code: AttendanceCode, *sessions: int
) -> None:
    sheet = services.stages.attendance_sheet(stage.id)
    changes = []
    for index in sessions:
        session = stage.sessions[index]
        current = sheet.record(enrolment_id, session.id)
        changes.append(
            AttendanceChange(
                enrolment_id,
                session.id,
                code,
                "Certificat médical" if code is AttendanceCode.EXCUSED else "",
                current.id if current else None,
            )
        )
    services.stages.save_attendance(stage.id, changes)


def status(services: Services, stage: Stage, enrolment_id: int) -> EnrolmentStatus:
    line = next(
        x for x in services.stages.stage_enrolments(stage.id) if x.enrolment.id == enrolment_id
    )
    return line.progress.status


# -- catalogue ---------------------------------------------------------------------------


def test_the_catalogue_offers_the_nine_official_stages_the_ppr_and_collective_actions(
    services: Services,
) -> None:
    catalogue = services.stages.catalogue()
    stages = [t.name for t in catalogue if t.kind is ActionKind.STAGE]
    assert stages == OFFICIAL_NAMES
    assert [t.name for t in catalogue if t.kind is ActionKind.PPR] == [
        "Programme de prévention de la récidive (PPR)"
    ]
    others = {t.name for t in catalogue if t.kind is ActionKind.COLLECTIVE}
    assert {"Action culturelle", "Action sportive", "Atelier accès aux droits"} <= others
    assert all(t.official and t.draft.default_minutes > 0 for t in catalogue)
    assert all(t.draft.default_price_cents <= 450_00 for t in catalogue)


def test_a_dpip_adds_a_local_type_and_others_may_not(services: Services) -> None:
    added = services.stages.save_type(
        None, 0, StageTypeDraft("Atelier cuisine", ActionKind.COLLECTIVE, 180, 0, "CCAS")
    )
    assert not added.official
    assert "Atelier cuisine" in [t.name for t in services.stages.catalogue()]
    with pytest.raises(SpipError, match="porte déjà ce nom"):
        services.stages.save_type(
            None, 0, StageTypeDraft("atelier CUISINE", ActionKind.COLLECTIVE, 60)
        )
    sign_in_as(services, Role.CPIP, agent_id=1)
    with pytest.raises(PermissionDenied):
        services.stages.save_type(
            None, 0, StageTypeDraft("Atelier vélo", ActionKind.COLLECTIVE, 60)
        )


def test_an_official_name_cannot_be_renamed_but_its_defaults_can_change(services: Services) -> None:
    official = next(t for t in services.stages.catalogue() if t.name == OFFICIAL_NAMES[0])
    changed = services.stages.save_type(
        official.id,
        official.version,
        replace(official.draft, name="Stage de civisme", default_price_cents=80_00),
    )
    assert changed.name == OFFICIAL_NAMES[0]
    assert changed.draft.default_price_cents == 80_00


# -- planning ----------------------------------------------------------------------------


def test_a_planned_stage_keeps_its_sessions_in_order_and_is_audited(services: Services) -> None:
    draft = citizenship(services, date(2026, 3, 20), date(2026, 3, 19))
    stage = services.stages.save_stage(None, 0, draft)
    assert [s.day for s in stage.sessions] == [date(2026, 3, 19)] * 2 + [date(2026, 3, 20)] * 2
    assert stage.total_minutes == 12 * 60
    assert stage.phase(services.stages._now()) is StagePhase.UPCOMING
    entries = services.audit.browse(AuditQuery(object_type="stage"))
    assert entries[0].action is AuditAction.CREATE
    assert "Séances" in {services_field for services_field in _fields(entries[0])}


def _fields(entry: object) -> list[str]:
    from spip_desktop.domain.labels import FIELD_NAMES

    return [FIELD_NAMES.get(c.field, c.field) for c in entry.changes]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("sessions", "message"),
    [
        ((), "au moins une séance"),
        ((SessionDraft(date(2026, 4, 1), time(14), time(10)),), "doit suivre l'heure de début"),
        (
            (
                SessionDraft(date(2026, 4, 1), time(9), time(13)),
                SessionDraft(date(2026, 4, 1), time(14), time(17)),
            ),
            "6 heures par jour",
        ),
        (
            (
                SessionDraft(date(2026, 4, 1), time(9), time(12)),
                SessionDraft(date(2026, 5, 4), time(9), time(12)),
            ),
            "un mois",
        ),
        (
            (
                SessionDraft(date(2026, 4, 1), time(9), time(12)),
                SessionDraft(date(2026, 4, 1), time(11), time(13)),
            ),
            "se chevauchent",
        ),
    ],
)
def test_a_stage_breaking_a_rule_is_refused_and_nothing_is_written(
    services: Services, sessions: tuple[SessionDraft, ...], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        services.stages.save_stage(None, 0, citizenship(services, sessions=sessions))
    assert services.stages.list_stages() == ()


def test_a_programme_is_not_bound_by_the_stage_limits(services: Services) -> None:
    ppr = type_id(services, "Programme de prévention de la récidive (PPR)")
    weekly = tuple(
        SessionDraft(date(2026, 4, 1 + 7 * week), time(9), time(16)) for week in range(4)
    )
    stage = services.stages.save_stage(None, 0, StageDraft(type_id=ppr, sessions=weekly))
    assert stage.kind is ActionKind.PPR and len(stage.sessions) == 4


def test_a_price_over_the_legal_cap_is_refused_for_a_stage(services: Services) -> None:
    with pytest.raises(InvalidInput, match="450"):
        services.stages.save_stage(
            None, 0, citizenship(services, date(2026, 4, 1), price_cents=500_00)
        )


def test_a_session_with_attendance_can_neither_go_nor_move_to_the_future(
    services: Services, past_stage: Stage
) -> None:
    enrolment = enrol(services, past_stage, person(services))
    mark(services, past_stage, enrolment, AttendanceCode.PRESENT, 0)
    fewer = replace(past_stage.draft, sessions=past_stage.draft.sessions[1:])
    with pytest.raises(InvalidInput, match="ne peut pas être supprimée"):
        services.stages.save_stage(past_stage.id, past_stage.version, fewer)
    moved = list(past_stage.draft.sessions)
    moved[0] = replace(moved[0], day=date(2026, 3, 25))
    with pytest.raises(InvalidInput, match="date à venir"):
        services.stages.save_stage(
            past_stage.id, past_stage.version, replace(past_stage.draft, sessions=tuple(moved))
        )
    # the venue may change: session ids stay, and so does the attendance
    renamed = services.stages.save_stage(
        past_stage.id, past_stage.version, replace(past_stage.draft, venue="Salle Jean Moulin")
    )
    assert [s.id for s in renamed.sessions] == [s.id for s in past_stage.sessions]
    assert services.stages.attendance_sheet(past_stage.id).current


# -- enrolment ---------------------------------------------------------------------------


def test_enrolling_twice_in_the_same_stage_is_refused(
    services: Services, past_stage: Stage
) -> None:
    someone = person(services)
    enrol(services, past_stage, someone)
    with pytest.raises(InvalidInput, match="déjà inscrite"):
        enrol(services, past_stage, someone)


def test_the_deadline_is_six_months_after_the_final_conviction_and_a_late_stage_warns(
    services: Services,
) -> None:
    stage = services.stages.save_stage(None, 0, citizenship(services, date(2026, 9, 15)))
    draft = EnrolmentDraft(
        stage_id=stage.id,
        person_id=person(services),
        cadre=Cadre.PEINE,
        final_date=date(2026, 1, 31),
    )
    result = services.stages.check_enrolment(draft)
    assert result.ok
    assert any("31/07/2026" in w for w in result.warnings)
    enrolment = services.stages.enrol(draft)
    assert enrolment.deadline == date(2026, 7, 31)


def test_a_conviction_frame_needs_the_final_date(services: Services, past_stage: Stage) -> None:
    with pytest.raises(InvalidInput, match="devenue définitive"):
        enrol(services, past_stage, person(services), final_date=None)
    # an alternative to prosecution has no conviction, hence no deadline
    enrolment_id = enrol(
        services,
        past_stage,
        person(services, "Bravo", "2026-000002"),
        cadre=Cadre.ALTERNATIVE,
        final_date=None,
    )
    line = services.stages.stage_enrolments(past_stage.id)[0]
    assert line.enrolment.id == enrolment_id and line.enrolment.deadline is None


def test_a_full_stage_takes_one_more_person_only_with_a_reason(services: Services) -> None:
    stage = services.stages.save_stage(None, 0, citizenship(services, date(2026, 3, 2), capacity=1))
    enrol(services, stage, person(services, "Alpha", "2026-000010"))
    late = person(services, "Bravo", "2026-000011")
    with pytest.raises(InvalidInput, match="complet"):
        enrol(services, stage, late)
    enrol(services, stage, late, capacity_override_reason="Audience avancée par le JAP")
    assert services.stages.get_stage(stage.id).enrolled == 2


def test_a_cpip_enrols_only_their_own_caseload(
    services: Services, reference: Reference, past_stage: Stage
) -> None:
    mine = person(services, "Alpha", "2026-000010", referent_id=reference.cpip.id)
    theirs = person(services, "Bravo", "2026-000011", referent_id=reference.cpip2.id)
    sign_in_as(services, Role.CPIP, agent_id=reference.cpip.id)
    enrol(services, past_stage, mine)
    with pytest.raises(PermissionDenied, match="portefeuille"):
        enrol(services, past_stage, theirs)


def test_withdrawal_and_exclusion_need_a_reason_and_set_the_status(
    services: Services, past_stage: Stage
) -> None:
    enrolment_id = enrol(services, past_stage, person(services))
    version = services.stages.stage_enrolments(past_stage.id)[0].enrolment.version
    with pytest.raises(InvalidInput, match="motif"):
        services.stages.end_enrolment(enrolment_id, version, EndKind.EXCLU, date(2026, 3, 2), " ")
    services.stages.end_enrolment(
        enrolment_id, version, EndKind.EXCLU, date(2026, 3, 2), "Comportement violent"
    )
    assert status(services, past_stage, enrolment_id) is EnrolmentStatus.EXCLU


# -- attendance --------------------------------------------------------------------------


def test_a_correction_supersedes_the_earlier_record_and_keeps_it_in_the_history(
    services: Services, past_stage: Stage
) -> None:
    enrolment_id = enrol(services, past_stage, person(services))
    mark(services, past_stage, enrolment_id, AttendanceCode.UNEXCUSED, 0)
    mark(services, past_stage, enrolment_id, AttendanceCode.EXCUSED, 0)
    history = services.stages.attendance_history(enrolment_id, past_stage.sessions[0].id)
    assert [r.code for r in history] == [AttendanceCode.UNEXCUSED, AttendanceCode.EXCUSED]
    assert history[1].supersedes_id == history[0].id
    assert history[1].reason == "Certificat médical"
    current = services.stages.attendance_sheet(past_stage.id).current
    assert [r.code for r in current.values()] == [AttendanceCode.EXCUSED]
    audit = services.audit.browse(AuditQuery(object_type="attendance"))
    assert len(audit) == 2 and audit[0].changes[0].old == "Absent non excusé"


def test_attendance_for_a_session_not_started_is_refused(services: Services) -> None:
    stage = services.stages.save_stage(
        None,
        0,
        citizenship(services, date(2026, 3, 12)),  # 9 h-12 h over, 13 h 30 to come
    )
    enrolment_id = enrol(services, stage, person(services))
    mark(services, stage, enrolment_id, AttendanceCode.PRESENT, 0)
    with pytest.raises(InvalidInput, match="pas encore commencé"):
        mark(services, stage, enrolment_id, AttendanceCode.PRESENT, 1)


def test_attendance_for_someone_not_enrolled_in_the_stage_is_refused(
    services: Services, past_stage: Stage
) -> None:
    other = services.stages.save_stage(None, 0, citizenship(services, date(2026, 3, 5)))
    outsider = enrol(services, other, person(services))
    with pytest.raises(InvalidInput, match="pas inscrite"):
        services.stages.save_attendance(
            past_stage.id,
            [AttendanceChange(outsider, past_stage.sessions[0].id, AttendanceCode.PRESENT)],
        )


def test_a_grid_saves_all_or_nothing(services: Services, past_stage: Stage) -> None:
    first = enrol(services, past_stage, person(services, "Alpha", "2026-000010"))
    second = enrol(services, past_stage, person(services, "Bravo", "2026-000011"))
    changes = [
        AttendanceChange(first, past_stage.sessions[0].id, AttendanceCode.PRESENT),
        AttendanceChange(
            second, past_stage.sessions[0].id, AttendanceCode.EXCUSED, ""
        ),  # no reason
    ]
    with pytest.raises(InvalidInput, match="motif"):
        services.stages.save_attendance(past_stage.id, changes)
    assert not services.stages.attendance_sheet(past_stage.id).current


def test_a_cell_changed_by_someone_else_meanwhile_is_refused(
    services: Services, past_stage: Stage
) -> None:
    enrolment_id = enrol(services, past_stage, person(services))
    session = past_stage.sessions[0].id
    services.stages.save_attendance(
        past_stage.id, [AttendanceChange(enrolment_id, session, AttendanceCode.PRESENT)]
    )
    with pytest.raises(InvalidInput, match="entre-temps"):  # this user saw an empty cell
        services.stages.save_attendance(
            past_stage.id, [AttendanceChange(enrolment_id, session, AttendanceCode.LATE)]
        )


def test_completion_is_computed_from_the_hours_attended(
    services: Services, past_stage: Stage
) -> None:
    full = enrol(services, past_stage, person(services, "Alpha", "2026-000010"))
    partial = enrol(services, past_stage, person(services, "Bravo", "2026-000011"))
    waiting = enrol(services, past_stage, person(services, "Charlie", "2026-000012"))
    mark(services, past_stage, full, AttendanceCode.PRESENT, 0, 1, 2)
    mark(services, past_stage, full, AttendanceCode.LATE, 3)
    mark(services, past_stage, partial, AttendanceCode.PRESENT, 0, 1, 2)
    mark(services, past_stage, partial, AttendanceCode.UNEXCUSED, 3)
    mark(services, past_stage, waiting, AttendanceCode.PRESENT, 0)
    lines = {x.enrolment.id: x.progress for x in services.stages.stage_enrolments(past_stage.id)}
    assert lines[full].status is EnrolmentStatus.VALIDE
    assert lines[full].attended_minutes == 12 * 60
    assert lines[partial].status is EnrolmentStatus.NON_VALIDE
    assert lines[partial].attended_minutes == 9 * 60
    assert lines[waiting].status is EnrolmentStatus.EN_COURS


# -- attestations ------------------------------------------------------------------------


def test_a_validated_stage_gets_a_numbered_attestation_then_duplicates(
    services: Services, past_stage: Stage, settings_33: None
) -> None:
    enrolment_id = enrol(services, past_stage, person(services))
    mark(services, past_stage, enrolment_id, AttendanceCode.PRESENT, 0, 1, 2, 3)
    issued = services.stages.issue_attestation(enrolment_id)
    assert issued.number == "SPIP-33-2026-00001" and not issued.duplicata
    text = pdf_text(issued.pdf)
    assert "LEFÈVRE-D'ARC" in text and "Élodie" in text
    assert "Stage de citoyenneté" in text
    assert "l'intégralité" in text
    assert "SPIP-33-2026-00001" in text
    assert "DUPLICATA" not in text
    again = services.stages.issue_attestation(enrolment_id)
    assert again.duplicata and again.number == issued.number
    assert "DUPLICATA" in pdf_text(again.pdf)
    register = services.stages.register(past_stage.id)
    assert [(e.number, e.copies, e.validated) for e in register] == [(issued.number, 1, True)]
    prints = services.audit.browse(AuditQuery(action=AuditAction.PRINT))
    assert [e.summary for e in prints][:2] == [
        "Attestation SPIP-33-2026-00001 (duplicata)",
        "Attestation SPIP-33-2026-00001 (attestation de suivi)",
    ]


def test_an_incomplete_stage_gets_an_attestation_of_presence_only(
    services: Services, past_stage: Stage, settings_33: None
) -> None:
    enrolment_id = enrol(services, past_stage, person(services))
    mark(services, past_stage, enrolment_id, AttendanceCode.PRESENT, 0)
    mark(services, past_stage, enrolment_id, AttendanceCode.UNEXCUSED, 1, 2, 3)
    text = pdf_text(services.stages.issue_attestation(enrolment_id).pdf)
    assert "Attestation de présence" in text
    assert "intégralité" not in text
    assert "02/03/2026" in text


def test_new_attendance_gives_a_new_number_not_a_duplicata(
    services: Services, past_stage: Stage, settings_33: None
) -> None:
    enrolment_id = enrol(services, past_stage, person(services))
    mark(services, past_stage, enrolment_id, AttendanceCode.PRESENT, 0)
    first = services.stages.issue_attestation(enrolment_id)
    mark(services, past_stage, enrolment_id, AttendanceCode.PRESENT, 1, 2, 3)
    second = services.stages.issue_attestation(enrolment_id)
    assert (first.number, second.number) == ("SPIP-33-2026-00001", "SPIP-33-2026-00002")
    assert not second.duplicata
    reprint = services.stages.reprint(services.stages.register(past_stage.id)[-1].id)
    assert reprint.number == first.number and "DUPLICATA" in pdf_text(reprint.pdf)


def test_no_attestation_for_someone_who_attended_nothing(
    services: Services, past_stage: Stage
) -> None:
    enrolment_id = enrol(services, past_stage, person(services))
    mark(services, past_stage, enrolment_id, AttendanceCode.UNEXCUSED, 0)
    with pytest.raises(SpipError, match="aucune séance"):
        services.stages.issue_attestation(enrolment_id)
    assert services.stages.register() == ()


def test_missing_letterhead_settings_print_defaults_and_say_so(
    services: Services, past_stage: Stage
) -> None:
    enrolment_id = enrol(services, past_stage, person(services))
    mark(services, past_stage, enrolment_id, AttendanceCode.PRESENT, 0)
    issued = services.stages.issue_attestation(enrolment_id)
    assert issued.number == "SPIP-2026-00001"  # no service code yet
    assert issued.notices and "code du service" in issued.notices[0]
    assert ServiceSettings().service_name in pdf_text(issued.pdf)


def test_a_name_with_markup_characters_prints_as_typed(
    services: Services, past_stage: Stage
) -> None:
    odd = "<b>O'Brien & fils</b>" + "x" * 60
    enrolment_id = enrol(services, past_stage, person(services, odd))
    mark(services, past_stage, enrolment_id, AttendanceCode.PRESENT, 0)
    text = pdf_text(services.stages.issue_attestation(enrolment_id).pdf).replace(" ", "")
    assert odd.upper().replace(" ", "") in text


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder for the documents (the database lives in tmp_path)."""
    folder = tmp_path / "documents"
    folder.mkdir()
    return folder


def _three_people(services: Services, stage: Stage) -> list[int]:
    ids = [
        enrol(services, stage, person(services, name, f"2026-00002{i}"))
        for i, name in enumerate(["Alpha", "Bravo", "Charlie"])
    ]
    mark(services, stage, ids[0], AttendanceCode.PRESENT, 0, 1, 2, 3)
    mark(services, stage, ids[1], AttendanceCode.PRESENT, 0)
    mark(services, stage, ids[2], AttendanceCode.UNEXCUSED, 0)  # nothing to attest
    return ids


def test_a_batch_writes_one_pdf_per_person_into_a_folder(
    services: Services, past_stage: Stage, settings_33: None, out: Path
) -> None:
    _three_people(services, past_stage)
    seen: list[tuple[int, int]] = []
    outcome = services.stages.issue_for_stage(
        past_stage.id,
        out,
        combined=False,
        on_progress=lambda i, n: seen.append((i, n)) or True,
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "Attestation_SPIP-33-2026-00001_ALPHA.pdf",
        "Attestation_SPIP-33-2026-00002_BRAVO.pdf",
    ]
    assert outcome.issued == 2 and outcome.skipped == ("CHARLIE Élodie : aucune séance suivie",)
    assert seen == [(1, 2), (2, 2)]
    assert "intégralité" in pdf_text((out / outcome.written[0].name).read_bytes())


def test_a_combined_batch_is_one_file_with_every_number(
    services: Services, past_stage: Stage, settings_33: None, out: Path
) -> None:
    _three_people(services, past_stage)
    target = out / "attestations.pdf"
    services.stages.issue_for_stage(past_stage.id, target, combined=True)
    text = pdf_text(target.read_bytes())
    assert "SPIP-33-2026-00001" in text and "SPIP-33-2026-00002" in text
    assert [p.name for p in out.iterdir()] == ["attestations.pdf"]


def test_a_batch_into_an_unwritable_place_leaves_nothing_behind(
    services: Services, past_stage: Stage, out: Path
) -> None:
    _three_people(services, past_stage)
    blocker = out / "un-fichier"
    blocker.write_text("pas un dossier")
    with pytest.raises(SpipError, match="n'existe pas"):
        services.stages.issue_for_stage(past_stage.id, blocker / "sous-dossier", combined=False)
    with pytest.raises(SpipError, match="n'existe pas"):
        services.stages.issue_for_stage(past_stage.id, blocker / "a.pdf", combined=True)
    assert services.stages.register() == ()
    assert [p.name for p in out.iterdir()] == ["un-fichier"]


def test_a_full_disk_mid_batch_leaves_no_file_and_no_number(
    services: Services,
    past_stage: Stage,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _three_people(services, past_stage)
    calls = {"n": 0}

    def fsync_then_full(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files_module, "_fsync", fsync_then_full)
    with pytest.raises(SpipError, match="disque est plein"):
        services.stages.issue_for_stage(past_stage.id, out, combined=False)
    assert list(out.iterdir()) == []
    assert services.stages.register() == ()


def test_a_cancelled_batch_leaves_nothing(services: Services, past_stage: Stage, out: Path) -> None:
    _three_people(services, past_stage)
    with pytest.raises(Cancelled):
        services.stages.issue_for_stage(
            past_stage.id, out, combined=False, on_progress=lambda i, n: i < 1
        )
    assert list(out.iterdir()) == [] and services.stages.register() == ()


# -- sign-in sheets, the person's file --------------------------------------------------


def test_the_sign_in_sheet_lists_the_people_still_enrolled(
    services: Services, past_stage: Stage, settings_33: None
) -> None:
    enrol(services, past_stage, person(services, "Zébulon", "2026-000030"))
    gone = enrol(services, past_stage, person(services, "Alpha", "2026-000031"))
    version = next(
        x.enrolment.version
        for x in services.stages.stage_enrolments(past_stage.id)
        if x.enrolment.id == gone
    )
    services.stages.end_enrolment(gone, version, EndKind.ABANDON, date(2026, 3, 1), "Déménagement")
    sheet = services.stages.sign_in_sheet(past_stage.sessions[2].id)
    text = pdf_text(sheet.pdf)
    assert "ZÉBULON" in text and "ALPHA" not in text
    assert "Mairie de Talence" in text
    assert sheet.file_name.endswith("2026-03-03.pdf")
    prints = services.audit.browse(AuditQuery(object_type="stage_session"))
    assert prints and "Feuille d'émargement" in prints[0].summary


def test_the_person_file_lists_stages_with_status_and_hours(
    services: Services, past_stage: Stage
) -> None:
    someone = person(services)
    enrolment_id = enrol(services, past_stage, someone)
    mark(services, past_stage, enrolment_id, AttendanceCode.PRESENT, 0, 1)
    (line,) = services.stages.person_enrolments(someone)
    assert line.stage.id == past_stage.id
    assert line.progress.hours_text.replace("\u00a0", " ") == "6 h / 12 h"


def test_a_stage_with_people_enrolled_cannot_be_deleted(
    services: Services, past_stage: Stage
) -> None:
    enrolment_id = enrol(services, past_stage, person(services))
    with pytest.raises(SpipError, match="inscrites"):
        services.stages.delete_stage(past_stage.id, past_stage.version)
    version = services.stages.stage_enrolments(past_stage.id)[0].enrolment.version
    services.stages.remove_enrolment(enrolment_id, version)
    services.stages.delete_stage(past_stage.id, past_stage.version)
    with pytest.raises(NotFound):
        services.stages.get_stage(past_stage.id)


def test_the_list_filters_by_phase_and_text(services: Services, past_stage: Stage) -> None:
    upcoming = services.stages.save_stage(
        None, 0, citizenship(services, date(2026, 4, 2), title="Session d'avril", venue="Pessac")
    )
    assert services.stages.list_stages(StageQuery(phase=StagePhase.DONE)) == (
        services.stages.get_stage(past_stage.id),
    )
    assert [s.id for s in services.stages.list_stages(StageQuery(text="pessac avril"))] == [
        upcoming.id
    ]


# -- what the review found -----------------------------------------------------------------


def test_whole_stage_wording_needs_every_session_even_when_fewer_hours_are_required(
    services: Services, settings_33: None
) -> None:
    stage = services.stages.save_stage(
        None,
        0,
        citizenship(services, date(2026, 3, 2), date(2026, 3, 3), required_minutes=9 * 60),
    )
    enrolment_id = enrol(services, stage, person(services))
    mark(services, stage, enrolment_id, AttendanceCode.PRESENT, 0, 1, 2)
    mark(services, stage, enrolment_id, AttendanceCode.UNEXCUSED, 3)
    assert status(services, stage, enrolment_id) is EnrolmentStatus.VALIDE
    text = pdf_text(services.stages.issue_attestation(enrolment_id).pdf)
    assert "intégralité" not in text and "Attestation de présence" in text


def test_leaving_after_the_required_hours_still_validates_once_the_stage_is_over(
    services: Services,
) -> None:
    stage = services.stages.save_stage(
        None,
        0,
        citizenship(services, date(2026, 3, 2), date(2026, 3, 3), required_minutes=6 * 60),
    )
    enrolment_id = enrol(services, stage, person(services))
    mark(services, stage, enrolment_id, AttendanceCode.PRESENT, 0, 1)
    version = services.stages.stage_enrolments(stage.id)[0].enrolment.version
    services.stages.end_enrolment(
        enrolment_id, version, EndKind.ABANDON, date(2026, 3, 2), "Reprise d'un emploi"
    )
    assert status(services, stage, enrolment_id) is EnrolmentStatus.VALIDE


def test_a_second_batch_into_the_same_folder_keeps_the_originals(
    services: Services, past_stage: Stage, settings_33: None, out: Path
) -> None:
    _three_people(services, past_stage)
    services.stages.issue_for_stage(past_stage.id, out, combined=False)
    originals = {p.name: p.read_bytes() for p in out.iterdir()}
    again = services.stages.issue_for_stage(past_stage.id, out, combined=False)
    assert again.duplicates == 2 and again.issued == 0
    names = sorted(p.name for p in out.iterdir())
    assert [n for n in names if n.endswith("_DUPLICATA.pdf")] == [
        "Attestation_SPIP-33-2026-00001_ALPHA_DUPLICATA.pdf",
        "Attestation_SPIP-33-2026-00002_BRAVO_DUPLICATA.pdf",
    ]
    assert all((out / name).read_bytes() == data for name, data in originals.items())


def test_outside_the_caseload_the_judicial_details_are_hidden(
    services: Services, reference: Reference, past_stage: Stage
) -> None:
    mine = person(services, "Alpha", "2026-000010", referent_id=reference.cpip.id)
    theirs = person(services, "Bravo", "2026-000011", referent_id=reference.cpip2.id)
    enrol(services, past_stage, mine)
    theirs_enrolment = enrol(services, past_stage, theirs)
    mark(services, past_stage, theirs_enrolment, AttendanceCode.PRESENT, 0)
    services.stages.issue_attestation(theirs_enrolment)
    sign_in_as(services, Role.CPIP, agent_id=reference.cpip.id)
    lines = {x.enrolment.person.surname: x for x in services.stages.stage_enrolments(past_stage.id)}
    assert not lines["Alpha"].enrolment.details_hidden
    assert lines["Alpha"].enrolment.decision_reference == "TJ Bordeaux 25/1234"
    hidden = lines["Bravo"].enrolment
    assert hidden.details_hidden and hidden.decision_reference == "" and hidden.final_date is None
    assert hidden.person.birth_date is None
    assert lines["Bravo"].attestations == ()
    assert services.stages.register() == ()
    sheet = services.stages.attendance_sheet(past_stage.id)
    assert {e.person.surname: e.details_hidden for e in sheet.enrolments} == {
        "Alpha": False,
        "Bravo": True,
    }


def test_a_number_is_never_given_twice_even_after_a_purge(
    services: Services, past_stage: Stage, settings_33: None
) -> None:
    first = enrol(services, past_stage, person(services, "Alpha", "2026-000010"))
    second = enrol(services, past_stage, person(services, "Bravo", "2026-000011"))
    mark(services, past_stage, first, AttendanceCode.PRESENT, 0)
    mark(services, past_stage, second, AttendanceCode.PRESENT, 0)
    assert services.stages.issue_attestation(first).number == "SPIP-33-2026-00001"
    with services.engine.begin() as connection:  # what a purge of that file does
        connection.exec_driver_sql("DELETE FROM attestation")
    assert services.stages.issue_attestation(second).number == "SPIP-33-2026-00002"
