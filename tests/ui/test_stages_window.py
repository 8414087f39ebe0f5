"""Stages in the real main window, on a real SQLite file: plan, enrol, record attendance by
keyboard, correct it, preview attestations and sign-in sheets."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, time

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from spip_desktop.bootstrap import Services
from spip_desktop.domain.partners import PartnerDraft, PartnerKind
from spip_desktop.domain.stages import (
    AttendanceChange,
    AttendanceCode,
    Cadre,
    EnrolmentDraft,
    OrganiserKind,
    SessionDraft,
    Stage,
    StageDraft,
)
from spip_desktop.ui.main_window import MainWindow
from spip_desktop.ui.person_file_page import FileTab
from spip_desktop.ui.prompter import Choice
from spip_desktop.ui.stage_dialog import StageDialog
from spip_desktop.ui.stages_page import StagesPage
from tests.conftest import MANAGER, Reference, fixed_today, person_draft
from tests.ui.conftest import FakePrompter


def text_of(pdf: bytes) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


class Previews:
    """Stands in for the PDF preview dialog: keeps what would have been shown."""

    def __init__(self) -> None:
        self.shown: list[tuple[bytes, str, str]] = []

    def __call__(self, pdf: bytes, title: str, file_name: str) -> None:
        self.shown.append((pdf, title, file_name))


@pytest.fixture
def previews(monkeypatch: pytest.MonkeyPatch) -> Previews:
    shown = Previews()
    monkeypatch.setattr(MainWindow, "preview_pdf", lambda self, *args: shown(*args))
    return shown


@pytest.fixture
def stage(services: Services, reference: Reference) -> Stage:
    citizenship = next(t for t in services.stages.catalogue() if t.name == "Stage de citoyenneté")
    days = (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 20))  # two past days, one to come
    sessions = tuple(SessionDraft(day, time(9), time(12)) for day in days)
    stage = services.stages.save_stage(
        None,
        0,
        StageDraft(
            type_id=citizenship.id,
            title="Session de mars",
            venue="Mairie de Talence",
            facilitators="Paul VERLAINE",
            sessions=sessions,
        ),
    )
    for surname, number in (("Lefèvre", "2026-000001"), ("Martin", "2026-000002")):
        person = services.persons.create(
            person_draft(surname=surname, given_names="Élodie", file_number=number)
        ).person
        services.stages.enrol(
            EnrolmentDraft(stage.id, person.id, Cadre.COMPOSITION, "Parquet 26/42")
        )
    return stage


@pytest.fixture
def window(qtbot, services: Services, stage: Stage, prompter, runner, previews) -> MainWindow:
    main = MainWindow(prompter, runner, demo=False, today=fixed_today)
    qtbot.addWidget(main)
    main.show()
    main.activateWindow()  # shortcuts only reach the active window
    qtbot.waitUntil(main.isActiveWindow)
    main.attach(services, MANAGER)
    return main


def open_stages(window: MainWindow) -> StagesPage:
    window.show_section(window.SECTION_STAGES)
    page = window.stages_page
    assert page is not None
    page.stage_table.selectRow(0)
    assert page.detail is not None
    return page


def test_the_stages_section_lists_the_stage_and_its_people(window: MainWindow) -> None:
    assert "Stages et programmes" in [
        window.nav_list.item(i).text() for i in range(window.nav_list.count())
    ]
    page = open_stages(window)
    assert "Stage de citoyenneté — Session de mars" in page.title_label.text()
    names = [page.enrolment_model.record_at(r).enrolment.person.display_name for r in range(2)]
    assert names == ["LEFÈVRE Élodie", "MARTIN Élodie"]


def test_attendance_typed_on_the_keyboard_is_saved_in_one_go_and_a_correction_supersedes(
    window: MainWindow, services: Services, stage: Stage, qtbot
) -> None:
    page = open_stages(window)
    grid = page.grid
    grid.set_current_cell(0, 1)  # first person, first session
    grid.view.setFocus()
    QTest.keyClick(grid.view, Qt.Key.Key_P)  # present, moves down
    QTest.keyClick(grid.view, Qt.Key.Key_A)  # second person: absent
    QTest.keyClick(grid.view, Qt.Key.Key_Right)
    QTest.keyClick(grid.view, Qt.Key.Key_R)  # second person, second session: late
    assert page.is_dirty() and page.save_grid_button.isEnabled()
    QTest.keyClick(grid.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not page.is_dirty()
    current = services.stages.attendance_sheet(stage.id).current
    assert sorted(r.code for r in current.values()) == sorted(
        [AttendanceCode.PRESENT, AttendanceCode.UNEXCUSED, AttendanceCode.LATE]
    )
    # the absence turns out to be excused: the correction supersedes the first record
    grid.ask_reason = lambda prompt: "Certificat médical"
    grid.set_current_cell(1, 1)
    QTest.keyClick(grid.view, Qt.Key.Key_E)
    QTest.keyClick(grid.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    second = page.detail.lines[1].enrolment.id
    history = services.stages.attendance_history(second, stage.sessions[0].id)
    assert [r.code for r in history] == [AttendanceCode.UNEXCUSED, AttendanceCode.EXCUSED]
    assert history[1].supersedes_id == history[0].id


def test_a_session_to_come_refuses_attendance_in_the_grid(window: MainWindow) -> None:
    page = open_stages(window)
    page.grid.set_current_cell(0, 3)  # 20 March: not started on the 12th
    page.grid.view.setFocus()
    QTest.keyClick(page.grid.view, Qt.Key.Key_P)
    assert not page.is_dirty()
    assert "pas encore commencé" in page.grid.message_label.text()


def test_unsaved_attendance_survives_a_stage_change_refused_and_asks_before_sign_out(
    window: MainWindow, prompter: FakePrompter, services: Services
) -> None:
    page = open_stages(window)
    page.grid.set_current_cell(0, 1)
    page.grid.view.setFocus()
    QTest.keyClick(page.grid.view, Qt.Key.Key_P)
    prompter.answers.append(Choice.CANCEL)
    window.sign_out()
    assert window.user is not None and page.is_dirty()  # stayed, codes kept
    prompter.answers.append(Choice.SAVE)
    window.sign_out()
    assert window.user is None
    services.session.user = MANAGER
    assert len(services.stages.attendance_sheet(page.detail.stage.id).current) == 1


def test_an_attestation_and_a_sign_in_sheet_are_previewed(
    window: MainWindow, services: Services, stage: Stage, previews: Previews, monkeypatch
) -> None:
    page = open_stages(window)
    first = page.detail.lines[0].enrolment.id
    services.stages.save_attendance(
        stage.id, [AttendanceChange(first, stage.sessions[0].id, AttendanceCode.PRESENT)]
    )
    page.load_detail(stage.id)
    page.detail_tabs.setCurrentIndex(1)
    page.enrolment_table.selectRow(0)
    page.print_attestation()
    pdf, title, name = previews.shown[-1]
    assert title.startswith("Attestation SPIP-") and name.endswith("_LEFEVRE.pdf")
    assert "Attestation de présence" in text_of(pdf)
    assert page.register_model.rowCount() == 1
    monkeypatch.setattr(
        "spip_desktop.ui.stages_page.QInputDialog.getItem",
        lambda *args: ("Séance 1 : " + stage.sessions[0].describe(), True),
    )
    page.print_sign_in_sheet()
    pdf, title, name = previews.shown[-1]
    assert title == "Feuille d'émargement"
    assert "MARTIN" in text_of(pdf) and "LEFÈVRE" in text_of(pdf)


def test_planning_a_stage_through_the_dialog(
    window: MainWindow, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = open_stages(window)
    ppr = next(t for t in page.types if t.name.startswith("Programme"))
    planned = StageDraft(
        type_id=ppr.id,
        title="Groupe du jeudi",
        sessions=(SessionDraft(date(2026, 4, 2), time(14), time(16)),),
    )
    monkeypatch.setattr(StageDialog, "ask", classmethod(lambda cls, *a, **k: planned))
    page.plan_stage()
    assert page.detail is not None and page.detail.stage.draft.title == "Groupe du jeudi"
    assert [s.draft.title for s in services.stages.list_stages()].count("Groupe du jeudi") == 1


def test_a_stage_organised_by_a_partner_of_the_directory(
    window: MainWindow, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planning form offers the directory's active partners; a save the service refuses
    (a partner archived meanwhile) opens the form again with what was typed."""
    csapa = services.partners.save_partner(
        None, 0, PartnerDraft("CSAPA Bordeaux", PartnerKind.HEALTH)
    )
    closed = services.partners.save_partner(None, 0, PartnerDraft("Association fermée"))
    page = open_stages(window)
    citizenship = next(t for t in page.types if t.name == "Stage de citoyenneté")
    draft = StageDraft(
        type_id=citizenship.id,
        title="Session d'avril",
        organiser_kind=OrganiserKind.PARTNER,
        organiser_partner_id=closed.id,
        sessions=(SessionDraft(date(2026, 4, 2), time(9), time(12)),),
    )
    offered: list[list[str]] = []

    def ask(cls, shown, types, enrolled, prompter, parent=None, service_name="", partners=()):
        offered.append([p.name for p in partners])
        if len(offered) == 1:
            services.partners.set_archived(closed.id, closed.version, True)  # meanwhile
            return draft
        assert shown == draft  # what was typed comes back
        return replace(shown, organiser_partner_id=csapa.id)

    monkeypatch.setattr(StageDialog, "ask", classmethod(ask))
    page.plan_stage()
    assert offered == [["Association fermée", "CSAPA Bordeaux"], ["CSAPA Bordeaux"]]
    assert window.prompter.asked[-1][0] == "Stage non enregistré"
    assert "est archivé" in window.prompter.asked[-1][1]
    assert page.detail is not None
    assert page.detail.stage.draft.organiser_name == "CSAPA Bordeaux"
    assert "Organisateur : CSAPA Bordeaux" in page.facts_label.text()


def test_closing_a_file_deletes_the_panels_it_never_showed(
    window: MainWindow, services: Services, stage: Stage
) -> None:
    """Panels wait hidden until their tab shows; closing the file deletes them with it (a
    panel holds the person's file: none may outlive the tab)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from shiboken6 import Shiboken

    person_id = services.stages.stage_enrolments(stage.id)[0].enrolment.person.id
    file_page = window.open_file(person_id)
    assert file_page is not None
    unshown = [a.panel for a in file_page.panels.values()]
    assert unshown and all(Shiboken.isValid(p) for p in unshown)
    window.close_current_file()
    for _ in range(2):  # the page, then the panels it leaves
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not any(Shiboken.isValid(p) for p in unshown)


def test_the_person_file_shows_their_stages(
    window: MainWindow, services: Services, stage: Stage
) -> None:
    person_id = services.stages.stage_enrolments(stage.id)[0].enrolment.person.id
    file_page = window.open_file(person_id)
    assert file_page is not None and file_page.stages_panel is not None
    panel = file_page.stages_panel
    holder = file_page.panels[FileTab.STAGES].widget
    assert panel.parentWidget() is None  # out of the page (unstyled) until its tab shows
    assert file_page.show_tab(FileTab.STAGES)
    assert panel.parentWidget() is holder
    assert panel.model.rowCount() == 1
    assert panel.model.record_at(0).stage.id == stage.id
    panel.table.selectRow(0)
    panel._on_show_button_clicked()
    assert window.stack.currentWidget() is window.stages_page
