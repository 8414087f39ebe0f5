"""*À traiter*, access to rights, partners, journal and timeline in the real main window, on a
real SQLite file: the home screen, and each link opening the right file at the right tab."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from spip_desktop.bootstrap import Services
from spip_desktop.domain.journal import EntryKind, JournalDraft
from spip_desktop.domain.rights import StepDraft, StepKind
from spip_desktop.domain.security import Role, User
from spip_desktop.domain.timeline import FileTab, TimelineKind, TimelineQuery
from spip_desktop.ui.main_window import MainWindow
from tests.conftest import MANAGER, TODAY, Reference, fixed_today, person_draft


@pytest.fixture
def cpip(reference: Reference) -> User:
    return User(None, "elodie", "Élodie LEFÈVRE", frozenset({Role.CPIP}), reference.cpip.id)


@pytest.fixture
def person_id(services: Services, reference: Reference) -> int:
    file = services.persons.create(
        person_draft(
            surname="Lefèvre",
            given_names="Hélène",
            referent_id=reference.cpip.id,
            antenne_id=reference.antenne.id,
        )
    )
    return file.person.id


@pytest.fixture
def step_id(services: Services, person_id: int, reference: Reference) -> int:
    step = services.rights.open_step(
        person_id,
        StepDraft(
            kind=StepKind.C2S,
            agent_id=reference.cpip.id,
            opened_on=TODAY - timedelta(days=20),
            follow_up_on=TODAY,  # due today: on the to-do list
        ),
        "Besoin repéré en entretien.",
    )
    return step.id


@pytest.fixture
def entry_id(services: Services, person_id: int, reference: Reference) -> int:
    entry = services.journal.save_entry(
        person_id,
        None,
        0,
        JournalDraft(
            kind=EntryKind.INTERVIEW,
            day=TODAY + timedelta(days=1),
            at=time(10, 30),
            subject="Entretien de suivi",
            agent_id=reference.cpip.id,
        ),
    )
    return entry.id


@pytest.fixture
def shown_steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Stands in for the modal step dialog: keeps the ids of the steps it would show."""
    from spip_desktop.ui.step_dialog import StepDialog

    shown: list[int] = []

    def ask(cls, rights, runner, prompter, person_id, name, step, *rest):  # type: ignore[no-untyped-def]
        shown.append(step.id)

    monkeypatch.setattr(StepDialog, "ask", classmethod(ask))
    return shown


def make_window(qtbot, services: Services, user: User, prompter, runner) -> MainWindow:  # type: ignore[no-untyped-def]
    main = MainWindow(prompter, runner, demo=False, today=fixed_today)
    qtbot.addWidget(main)
    main.show()
    main.attach(services, user)
    return main


def sections(window: MainWindow) -> list[str]:
    return [window.nav_list.item(i).text() for i in range(window.nav_list.count())]


def test_a_cpip_opens_the_app_on_a_traiter(
    qtbot, services: Services, cpip: User, step_id: int, entry_id: int, prompter, runner
) -> None:
    window = make_window(qtbot, services, cpip, prompter, runner)

    assert sections(window)[0] == "À traiter"
    assert window.stack.currentWidget() is window.todo_page
    assert {"Accès aux droits", "Partenaires et conventions"} <= set(sections(window))


def test_a_line_of_a_traiter_opens_the_file_at_the_step(
    qtbot,
    services: Services,
    cpip: User,
    person_id: int,
    step_id: int,
    prompter,
    runner,
    shown_steps: list[int],
) -> None:
    window = make_window(qtbot, services, cpip, prompter, runner)
    assert window.todo_page is not None

    window.todo_page.open_person_requested.emit(person_id, FileTab.RIGHTS.value, step_id)

    page = window.file_tabs.currentWidget()
    assert window.stack.currentWidget() is window.file_tabs
    assert getattr(page, "person_id", None) == person_id
    assert page.tabs.currentWidget() is page.panels[FileTab.RIGHTS].widget
    assert shown_steps == [step_id]  # the step itself is opened


def test_the_steps_view_opens_the_file_at_its_rights_tab(
    qtbot,
    services: Services,
    cpip: User,
    person_id: int,
    step_id: int,
    prompter,
    runner,
    shown_steps: list[int],
) -> None:
    window = make_window(qtbot, services, cpip, prompter, runner)
    assert window.rights_page is not None
    window.show_section(window.SECTION_RIGHTS)
    assert window.stack.currentWidget() is window.rights_page

    window.rights_page.open_step_requested.emit(person_id, step_id)

    page = window.file_tabs.currentWidget()
    assert page.person_id == person_id
    assert page.tabs.currentWidget() is page.panels[FileTab.RIGHTS].widget
    assert shown_steps == [step_id]


def test_the_file_has_its_rights_journal_and_timeline_tabs_and_an_event_opens_its_tab(
    qtbot, services: Services, cpip: User, person_id: int, entry_id: int, prompter, runner
) -> None:
    window = make_window(qtbot, services, cpip, prompter, runner)
    page = window.open_file(person_id, FileTab.TIMELINE)
    assert page is not None
    labels = [page.tabs.tabText(i) for i in range(page.tabs.count()) if page.tabs.isTabVisible(i)]
    assert labels[:2] == ["Identité", "Mesures et obligations"]
    assert {"Accès aux droits", "Journal", "Chronologie"} <= set(labels)
    assert labels.index("Chronologie") < labels.index("Historique")
    timeline = page.panels[FileTab.TIMELINE].panel
    assert page.tabs.currentWidget() is page.panels[FileTab.TIMELINE].widget
    assert timeline.parentWidget() is page.tabs.currentWidget()  # mounted when shown

    event = next(
        e
        for e in services.timeline.timeline(person_id, TimelineQuery()).events
        if e.kind is TimelineKind.JOURNAL
    )
    timeline.open_requested.emit(event)  # type: ignore[attr-defined]

    assert page.tabs.currentWidget() is page.panels[FileTab.JOURNAL].widget


def test_a_manager_without_agent_has_no_home_list_but_every_section(
    qtbot, services: Services, reference: Reference, prompter, runner
) -> None:
    window = make_window(qtbot, services, MANAGER, prompter, runner)

    assert "Partenaires et conventions" in sections(window)
    assert "Accès aux droits" in sections(window)


def test_a_tab_the_role_may_not_see_is_not_opened(
    qtbot, services: Services, reference: Reference, person_id: int, prompter, runner
) -> None:
    secretary = User(None, "secr", "Secrétariat", frozenset({Role.SECRETARIAT}))
    window = make_window(qtbot, services, secretary, prompter, runner)
    page = window.open_file(person_id, FileTab.JOURNAL)
    assert page is not None
    assert page.tabs.currentWidget() is page.identity_scroll  # stayed on the identity
    assert page.tab_widget(FileTab.JOURNAL) is None


def test_a_measure_event_selects_the_measure_and_a_change_selects_its_history_line(
    qtbot, services: Services, cpip: User, person_id: int, prompter, runner
) -> None:
    from spip_desktop.domain.enums import MeasureType
    from spip_desktop.domain.model import MeasureDraft

    services.persons.add_measure(
        person_id,
        MeasureDraft(measure_type=MeasureType.TIG, decision_date=TODAY - timedelta(days=90)),
    )
    file = services.persons.add_measure(
        person_id,
        MeasureDraft(
            measure_type=MeasureType.SURSIS_PROBATOIRE, decision_date=TODAY - timedelta(days=30)
        ),
    )
    window = make_window(qtbot, services, cpip, prompter, runner)
    page = window.open_file(person_id, FileTab.TIMELINE)
    assert page is not None
    timeline = page.panels[FileTab.TIMELINE].panel
    events = services.timeline.timeline(person_id, TimelineQuery()).events
    second = next(x for x in file.measures if x.draft.measure_type is MeasureType.SURSIS_PROBATOIRE)
    measure_event = next(
        e for e in events if e.kind is TimelineKind.MEASURE and e.ref_id == second.id
    )

    timeline.open_requested.emit(measure_event)  # type: ignore[attr-defined]

    assert page.tabs.currentWidget() is page.measures
    row = page.measures.current_measure_row()
    assert page.measures.model.record_at(row).id == second.id

    change = next(e for e in events if e.kind is TimelineKind.FILE)
    page.tabs.setCurrentWidget(timeline)
    timeline.open_requested.emit(change)  # type: ignore[attr-defined]

    assert page.tabs.currentWidget() is page.history
    selected = page.history.table.selectionModel().selectedRows()
    assert [page.history.model.record_at(i.row()).id for i in selected] == [change.ref_id]
