"""A person's chronology through the service, on a real database (SQLite and PostgreSQL):
every source appears with its kind, its tab and the record it opens; filters; who may
see what; the PDF and its audit entry."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date, datetime, time

import pytest
from pypdf import PdfReader

from spip_desktop.bootstrap import Services
from spip_desktop.db import models as m
from spip_desktop.domain.audit import AuditAction, AuditQuery
from spip_desktop.domain.enums import ClosureReason, MeasureType, ObligationType
from spip_desktop.domain.errors import InvalidInput, NotFound, PermissionDenied, SpipError
from spip_desktop.domain.journal import EntryKind, JournalDraft, Outcome
from spip_desktop.domain.model import MeasureDraft, ObligationDraft
from spip_desktop.domain.rights import Actor, StepKind, StepStatus
from spip_desktop.domain.security import Role
from spip_desktop.domain.stages import (
    AttendanceChange,
    AttendanceCode,
    Cadre,
    EnrolmentDraft,
    SessionDraft,
    StageDraft,
)
from spip_desktop.domain.timeline import FileTab, TimelineEvent, TimelineKind, TimelineQuery
from tests.conftest import Reference, person_draft, sign_in_as

K = TimelineKind


@dataclass(frozen=True)
class File:
    person_id: int
    measure_id: int
    enrolment_id: int
    step_id: int
    interview_id: int
    note_id: int


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def add_rights_step(services: Services, person_id: int) -> int:
    """An RSA step filed with the CAF, written straight into the tables (as the rights
    service would): opened on 1 February, in progress on the 5th, filed on the 20th."""
    with services.factory() as uow:
        partner = m.PartnerRow(
            name="CAF de la Gironde", kind="institution", sort_key="caf de la gironde"
        )
        uow.session.add(partner)
        uow.session.flush()
        step = m.RightsStepRow(
            person_id=person_id,
            kind=StepKind.RSA,
            partner_id=partner.id,
            handled_by=Actor.SPIP,
            opened_on=date(2026, 2, 1),
            status=StepStatus.FILED,
            status_at=datetime(2026, 2, 20, 11, 0),
            closed=False,
            created_by="Élodie LEFÈVRE",
        )
        uow.session.add(step)
        uow.session.flush()
        history = (
            (datetime(2026, 2, 1, 9, 0), StepStatus.TO_START, None, ""),
            (datetime(2026, 2, 5, 10, 0), StepStatus.IN_PROGRESS, StepStatus.TO_START, ""),
            (
                datetime(2026, 2, 20, 11, 0),
                StepStatus.FILED,
                StepStatus.IN_PROGRESS,
                "Déposé à l'accueil de la CAF.",
            ),
            (datetime(2026, 2, 21, 8, 0), StepStatus.FILED, StepStatus.FILED, "Relancé."),
        )
        for at, status, previous, note in history:
            uow.session.add(
                m.RightsStepUpdateRow(
                    step_id=step.id,
                    at=at,
                    status=status,
                    previous=previous,
                    note=note,
                    author_login="elefevre",
                    author="Élodie LEFÈVRE",
                    actor=Actor.SPIP,
                )
            )
        uow.commit()
        return step.id


@pytest.fixture
def file(services: Services, reference: Reference) -> File:
    """One file with something in every part of it."""
    persons = services.persons
    created = persons.create(
        person_draft(surname="Lefèvre", given_names="Hélène", referent_id=reference.cpip.id)
    )
    person_id = created.person.id
    persons.update(
        person_id,
        created.person.version,
        replace(created.person.draft, address="4 allée des Cœurs-Vaillants"),
    )
    added = persons.add_measure(
        person_id,
        MeasureDraft(
            measure_type=MeasureType.SURSIS_PROBATOIRE,
            court="Tribunal judiciaire de Bordeaux",
            decision_date=date(2026, 1, 10),
            referral_date=date(2026, 1, 20),
            probation_start=date(2026, 1, 10),
            probation_end=date(2028, 1, 9),
            jap_name="Mme Anne-Sophie MARTIN",
            obligations=(
                ObligationDraft(ObligationType.SOINS),
                ObligationDraft(ObligationType.STAGE, "Stage de citoyenneté"),
            ),
        ),
    )
    persons.get_file(person_id)  # a consultation: never a line of the chronology
    stages = services.stages
    citizenship = next(t for t in stages.catalogue() if t.name == "Stage de citoyenneté")
    stage = stages.save_stage(
        None,
        0,
        StageDraft(
            type_id=citizenship.id,
            title="Session de mars",
            venue="Mairie de Talence",
            sessions=tuple(
                SessionDraft(date(2026, 3, day), start, end)
                for day in (2, 3)
                for start, end in ((time(9), time(12)), (time(13, 30), time(16, 30)))
            ),
        ),
    )
    enrolment = stages.enrol(
        EnrolmentDraft(
            stage.id, person_id, Cadre.SURSIS_PROBATOIRE, "TJ Bordeaux 25/1234", date(2026, 1, 10)
        )
    )
    stages.save_attendance(
        stage.id,
        [AttendanceChange(enrolment.id, s.id, AttendanceCode.PRESENT) for s in stage.sessions],
    )
    first = stages.attendance_history(enrolment.id, stage.sessions[0].id)[-1]
    stages.save_attendance(
        stage.id,
        [
            AttendanceChange(
                enrolment.id, stage.sessions[0].id, AttendanceCode.EXCUSED, "Certificat", first.id
            )
        ],
    )
    issued = stages.issue_attestation(enrolment.id)
    stages.reprint(issued.attestation_id)
    step_id = add_rights_step(services, person_id)
    journal = services.journal
    note = journal.save_entry(
        person_id,
        None,
        0,
        JournalDraft(EntryKind.NOTE, date(2026, 3, 10), None, "Hébergement", "Reçu l'attestation."),
    )
    interview = journal.save_entry(
        person_id,
        None,
        0,
        JournalDraft(
            EntryKind.INTERVIEW,
            date(2026, 3, 11),
            time(14, 30),
            "Point sur l'emploi",
            agent_id=reference.cpip.id,
            outcome=Outcome.HONOURED,
        ),
    )
    return File(person_id, added.measures[0].id, enrolment.id, step_id, interview.id, note.id)


def of_kind(events: tuple[TimelineEvent, ...], kind: TimelineKind) -> list[TimelineEvent]:
    return [e for e in events if e.kind is kind]


def titles(events: list[TimelineEvent]) -> list[str]:
    return [e.title for e in events]


def test_every_source_with_its_tab_and_record(services: Services, file: File) -> None:
    timeline = services.timeline.timeline(file.person_id, TimelineQuery(newest_first=False))
    events = timeline.events
    assert timeline.person_name == "LEFÈVRE Hélène"
    assert timeline.query.kinds == frozenset()  # the direction sees every kind
    assert {e.kind for e in events} == set(TimelineKind)
    assert [e.sort_key for e in events] == sorted(e.sort_key for e in events)

    measures = of_kind(events, K.MEASURE)
    assert titles(measures) == [
        "Décision : Sursis probatoire",
        "Début du délai d'épreuve : Sursis probatoire",
        "Saisine du SPIP : Sursis probatoire",
        "Fin du délai d'épreuve : Sursis probatoire",
    ]
    assert measures[0].detail == "Tribunal judiciaire de Bordeaux — JAP : Mme Anne-Sophie MARTIN"
    obligations = of_kind(events, K.OBLIGATION)
    assert titles(obligations) == [
        "Obligation : Se soumettre à des mesures d'examen, de traitement ou de soins",
        "Obligation : Accomplir un stage",
    ]
    assert obligations[1].detail == "Stage de citoyenneté — Sursis probatoire"
    assert all(e.day == date(2026, 1, 10) for e in obligations)
    for event in measures + obligations:
        assert (event.tab, event.ref_id) == (FileTab.MEASURES, file.measure_id)

    stage = of_kind(events, K.STAGE)
    assert titles(stage) == ["Inscription : Stage de citoyenneté — Session de mars"]
    attendance = of_kind(events, K.ATTENDANCE)
    assert len(attendance) == 4  # the current record of each session
    corrected = attendance[0]
    assert corrected.title == "Absent excusé (correction) : Stage de citoyenneté — Session de mars"
    assert corrected.at == datetime(2026, 3, 2, 9, 0)
    assert "Certificat" in corrected.detail and "corrige « Présent »" in corrected.detail
    assert [e.title.split(" :")[0] for e in attendance[1:]] == ["Présent"] * 3
    attestations = of_kind(events, K.ATTESTATION)
    assert [e.title.split(" n°")[0] for e in attestations] == [
        "Attestation de présence",
        "Duplicata de l'attestation",
    ]
    for event in stage + attendance + attestations:
        assert (event.tab, event.ref_id) == (FileTab.STAGES, file.enrolment_id)

    rights = of_kind(events, K.RIGHTS)
    assert titles(rights) == [
        "CAF de la Gironde — Revenu de solidarité active (RSA) : démarche ouverte (À engager)",
        "CAF de la Gironde — Revenu de solidarité active (RSA) : À engager → En cours",
        "CAF de la Gironde — Revenu de solidarité active (RSA) : En cours → Dossier déposé",
        "CAF de la Gironde — Revenu de solidarité active (RSA) : note (Dossier déposé)",
    ]
    assert rights[2].detail == "Déposé à l'accueil de la CAF. — Élodie LEFÈVRE (SPIP)"
    assert rights[2].at == datetime(2026, 2, 20, 11, 0)
    assert {(e.tab, e.ref_id) for e in rights} == {(FileTab.RIGHTS, file.step_id)}

    journal = of_kind(events, K.JOURNAL)
    assert titles(journal) == ["Note : Hébergement", "Entretien : Point sur l'emploi (honoré)"]
    assert journal[1].when == "11/03/2026 14:30"
    assert journal[1].detail.startswith("avec Élodie LEFÈVRE")
    assert [(e.tab, e.ref_id) for e in journal] == [
        (FileTab.JOURNAL, file.note_id),
        (FileTab.JOURNAL, file.interview_id),
    ]

    changes = of_kind(events, K.FILE)
    assert titles(changes) == [
        "Création du dossier",
        "Modification de l'identité",
        "Mesure ajoutée : Sursis probatoire",
    ]
    assert changes[1].detail == "Champs modifiés : Adresse — par Diane DIRECTRICE"
    trail = services.audit.browse(AuditQuery(person_id=file.person_id), limit=1000)
    file_ids = {e.id for e in trail if e.object_type in ("person", "measure")}
    assert {e.tab for e in changes} == {FileTab.HISTORY}
    assert {e.ref_id for e in changes} <= file_ids
    assert any(e.action is AuditAction.VIEW for e in trail)  # left out of the chronology


def test_newest_first_by_default_and_filters(services: Services, file: File) -> None:
    service = services.timeline
    default = service.timeline(file.person_id, TimelineQuery())
    keys = [e.sort_key for e in default.events]
    assert keys == sorted(keys, reverse=True)
    assert default.events[-1].title == "Décision : Sursis probatoire"  # the oldest, last

    only = service.timeline(file.person_id, TimelineQuery(kinds=frozenset({K.JOURNAL, K.RIGHTS})))
    assert {e.kind for e in only.events} == {K.JOURNAL, K.RIGHTS}
    assert only.query.kinds == frozenset({K.JOURNAL, K.RIGHTS})

    march = service.timeline(
        file.person_id, TimelineQuery(start=date(2026, 3, 1), end=date(2026, 3, 11))
    )
    assert march.events
    assert all(date(2026, 3, 1) <= e.day <= date(2026, 3, 11) for e in march.events)
    assert {e.kind for e in march.events} >= {K.ATTENDANCE, K.JOURNAL}

    since = service.timeline(file.person_id, TimelineQuery(start=date(2027, 1, 1)))
    assert titles(list(since.events)) == ["Fin du délai d'épreuve : Sursis probatoire"]

    with pytest.raises(InvalidInput) as empty:
        service.timeline(
            file.person_id, TimelineQuery(start=date(2026, 3, 2), end=date(2026, 3, 1))
        )
    assert empty.value.result.errors["end"] == (
        "La période est vide : elle finit le 01/03/2026, avant de commencer le 02/03/2026."
    )


def test_each_role_sees_its_part_of_the_file(
    services: Services, reference: Reference, file: File
) -> None:
    service = services.timeline
    sign_in_as(services, Role.CPIP, agent_id=reference.cpip.id)
    assert {e.kind for e in service.timeline(file.person_id, TimelineQuery()).events} == set(K)

    sign_in_as(services, Role.CPIP, agent_id=reference.cpip2.id)
    with pytest.raises(PermissionDenied, match="portefeuille"):
        service.timeline(file.person_id, TimelineQuery())
    with pytest.raises(PermissionDenied):
        service.timeline_pdf(file.person_id, TimelineQuery())

    sign_in_as(services, Role.SECRETARIAT)
    secretariat = service.timeline(file.person_id, TimelineQuery())
    assert {e.kind for e in secretariat.events} == {K.STAGE, K.ATTENDANCE, K.ATTESTATION}
    assert secretariat.query.kinds == frozenset({K.STAGE, K.ATTENDANCE, K.ATTESTATION})
    asked = service.timeline(file.person_id, TimelineQuery(kinds=frozenset({K.JOURNAL})))
    assert asked.events == ()  # never more than the role shows, whatever the filter

    sign_in_as(services, Role.ASS)  # access to rights, and the stages as whoever prints
    assert {e.kind for e in service.timeline(file.person_id, TimelineQuery()).events} == {
        K.RIGHTS,
        K.STAGE,
        K.ATTENDANCE,
        K.ATTESTATION,
    }

    sign_in_as(services, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        service.timeline(file.person_id, TimelineQuery())


def test_the_pdf_is_audited_as_a_print(services: Services, file: File) -> None:
    pdf, name = services.timeline.timeline_pdf(
        file.person_id,
        TimelineQuery(start=date(2026, 1, 1), end=date(2026, 3, 31), newest_first=False),
    )
    assert name == "Chronologie_2026_000001_LEFEVRE.pdf"
    text = pdf_text(pdf)
    assert "Chronologie du suivi" in text
    assert "LEFÈVRE" in text and "Hélène" in text and "17/05/1980" in text
    assert "Sursis probatoire (fin le 09/01/2028)" in text
    assert "Élodie LEFÈVRE" in text  # the referent
    assert "du 01/01/2026 au 31/03/2026" in text
    assert text.index("Décision : Sursis probatoire") < text.index("Point sur l'emploi")
    printed = services.audit.browse(AuditQuery(object_type="timeline"))
    assert len(printed) == 1
    entry = printed[0]
    assert entry.action is AuditAction.PRINT and entry.person_id == file.person_id
    assert entry.summary.startswith("Chronologie du suivi — dossier n° 2026-000001 (du 01/01/2026")
    # the print is not a change to the file: it stays out of the chronology
    again = services.timeline.timeline(file.person_id, TimelineQuery(kinds=frozenset({K.FILE})))
    assert len(again.events) == 3


def test_a_long_chronology_is_laid_out_in_a_child_process(
    services: Services, file: File, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond CHILD_LAYOUT_EVENTS the layout leaves the process (ReportLab on a thread held
    the interpreter lock long enough to stall the window): same document either way."""
    from spip_desktop.services import rendering

    query = TimelineQuery(newest_first=False)
    here, _ = services.timeline.timeline_pdf(file.person_id, query)
    monkeypatch.setattr(rendering, "CHILD_LAYOUT_EVENTS", 1)
    started: list[object] = []
    real = rendering.ProcessPoolExecutor

    def watched(*args: object, **kwargs: object) -> object:
        started.append(kwargs.get("mp_context"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rendering, "ProcessPoolExecutor", watched)
    there, _ = services.timeline.timeline_pdf(file.person_id, query)

    assert len(started) == 1  # a child process did the layout
    assert pdf_text(there) == pdf_text(here)


def test_a_chronology_whose_layout_process_dies_prints_nothing(
    services: Services, file: File, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from spip_desktop.services import rendering

    class Dying:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def __enter__(self) -> Dying:
            raise BrokenProcessPool("killed")

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(rendering, "CHILD_LAYOUT_EVENTS", 1)
    monkeypatch.setattr(rendering, "ProcessPoolExecutor", Dying)
    with pytest.raises(SpipError) as refused:
        services.timeline.timeline_pdf(file.person_id, TimelineQuery())
    assert refused.value.message == rendering.TIMELINE_INTERRUPTED
    assert services.audit.browse(AuditQuery(object_type="timeline")) == []  # no print recorded


def test_closure_and_reopening(services: Services, file: File) -> None:
    persons = services.persons
    current = persons.get_file(file.person_id).person
    closed = persons.close(
        file.person_id, current.version, date(2026, 3, 12), ClosureReason.TRANSFERT
    )
    persons.reopen(file.person_id, closed.person.version)
    changes = services.timeline.timeline(
        file.person_id, TimelineQuery(kinds=frozenset({K.FILE}), newest_first=False)
    ).events
    assert [(e.title, e.detail.split(" — ")[0]) for e in changes[-2:]] == [
        ("Clôture du dossier", "Transfert vers un autre SPIP"),
        ("Réouverture du dossier", "par Diane DIRECTRICE"),
    ]


def test_a_person_by_file_number(services: Services, file: File) -> None:
    assert services.timeline.person_id_of(" 2026-000001 ") == file.person_id
    with pytest.raises(NotFound, match="Aucun dossier ne porte le numéro « 2099-1 »"):
        services.timeline.person_id_of("2099-1")
    with pytest.raises(NotFound):
        services.timeline.timeline(file.person_id + 1000, TimelineQuery())


def test_an_empty_file_has_an_empty_chronology_but_its_creation(
    services: Services, reference: Reference
) -> None:
    person = services.persons.create(person_draft(file_number="2026-000009")).person
    events = services.timeline.timeline(person.id, TimelineQuery()).events
    assert titles(list(events)) == ["Création du dossier"]
