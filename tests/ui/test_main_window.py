"""The real main window on a real SQLite file, driven like an officer would."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from spip_desktop.bootstrap import Services
from spip_desktop.domain.enums import MeasureType, ObligationType, Regime
from spip_desktop.domain.model import MeasureDraft, ObligationDraft, PersonQuery
from spip_desktop.ui.main_window import MainWindow
from spip_desktop.ui.measure_dialog import MeasureDialog
from spip_desktop.ui.person_file_page import PersonFilePage
from spip_desktop.ui.prompter import Choice
from tests.conftest import MANAGER, Reference, fixed_today, person_draft
from tests.ui.conftest import FakePrompter, type_text


@pytest.fixture
def window(qtbot, services: Services, reference: Reference, prompter, runner) -> MainWindow:
    main = MainWindow(prompter, runner, demo=False, today=fixed_today)
    qtbot.addWidget(main)
    main.show()
    main.attach(services, MANAGER)
    return main


def visible_names(window: MainWindow) -> list[str]:
    model = window.persons_model
    assert model is not None
    return [
        model.index(r, 0).data() + " " + model.index(r, 1).data() for r in range(model.rowCount())
    ]


def test_create_a_person_through_the_form_then_find_them_without_accents(
    qtbot,
    window: MainWindow,
    services: Services,
    reference: Reference,
) -> None:
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    page = window.file_tabs.currentWidget()
    assert isinstance(page, PersonFilePage)
    assert page.form.edits["file_number"].text() == "2026-000001"
    type_text(page.form.edits["surname"], "Lefèvre-Cœur")
    type_text(page.form.edits["given_names"], "Hélène, Lætitia")
    type_text(page.form.birth_date_field.line_edit, "17/05/1984")
    type_text(page.form.edits["city"], "Mérignac")
    page.form.referent_combo.setCurrentIndex(page.form.referent_combo.findData(reference.cpip.id))
    assert page.is_dirty()
    assert window.file_tabs.tabText(window.file_tabs.currentIndex()).startswith("●")
    QTest.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not page.is_dirty()
    assert page.person_id is not None
    assert page.header.name_label.text() == "LEFÈVRE-CŒUR Hélène, Lætitia"

    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    persons_page = window.persons_page
    assert persons_page is not None
    assert persons_page.search_edit.hasFocus()
    qtbot.keyClicks(persons_page.search_edit, "coeur helene")
    assert visible_names(window) == ["LEFÈVRE-CŒUR Hélène, Lætitia"]
    assert persons_page.count_label.text() == "1 personne"
    persons_page.search_edit.clear()
    qtbot.keyClicks(persons_page.search_edit, "laetitia")
    assert visible_names(window) == ["LEFÈVRE-CŒUR Hélène, Lætitia"]

    stored = services.persons.get_file(page.person_id)
    assert stored.person.draft.city == "Mérignac"
    assert stored.person.draft.birth_date == date(1984, 5, 17)
    assert stored.referent is not None and stored.referent.id == reference.cpip.id


def test_bad_input_shows_french_sentences_and_keeps_every_keystroke(
    qtbot,
    window: MainWindow,
    services: Services,
) -> None:
    page = window.new_file()
    assert page is not None
    type_text(page.form.edits["given_names"], "Noël")
    type_text(page.form.birth_date_field.line_edit, "31/02/1990")
    page.save_button.click()
    assert page.form.errors["surname"].text() == "Le nom est obligatoire."
    assert "n'existe pas dans le calendrier" in page.form.errors["birth_date"].text()
    assert page.form.edits["given_names"].text() == "Noël"
    assert services.persons.count(PersonQuery()) == 0

    services.persons.create(person_draft(file_number="2026-000777"))
    page.form.birth_date_field.set_value(date(1990, 2, 3))
    type_text(page.form.edits["surname"], "Bézier")
    page.form.edits["file_number"].setText("2026-000777")
    page.save_button.click()
    assert "déjà attribué" in page.form.errors["file_number"].text()
    assert page.is_dirty()
    assert page.form.edits["surname"].text() == "Bézier"


def test_a_minor_asks_for_confirmation(window: MainWindow, prompter: FakePrompter) -> None:
    page = window.new_file()
    assert page is not None
    page.form.set_draft(person_draft(birth_date=date(2010, 1, 1), file_number="2026-000001"))
    page.form.edits["city"].setText("Talence")
    prompter.answers.append(False)
    page.save_button.click()
    assert page.person_id is None
    assert "majeures" in prompter.asked[-1][1]
    assert page.form.warning_label.isVisible()
    prompter.answers.append(True)
    page.save_button.click()
    assert page.person_id is not None


def test_edit_a_measure_from_the_file(
    window: MainWindow,
    services: Services,
    monkeypatch,
) -> None:
    file = services.persons.create(person_draft(surname="Martin"))
    services.persons.add_measure(
        file.person.id,
        MeasureDraft(
            MeasureType.SURSIS_PROBATOIRE,
            decision_date=date(2025, 1, 10),
            probation_start=date(2025, 2, 1),
            probation_end=date(2027, 2, 1),
        ),
    )
    window.persons_model.refresh()
    page = window.open_file(file.person.id)
    assert page is not None
    assert page.header.measure_item.value_label.text() == "Sursis probatoire"
    assert page.header.reliquat_item.value_label.text().startswith("10 mois et 20 jours")

    def edit(cls, parent, draft, check, prompter):
        assert draft.measure_type is MeasureType.SURSIS_PROBATOIRE
        return replace(
            draft,
            probation_end=date(2028, 2, 1),
            obligations=(ObligationDraft(ObligationType.STAGE, "Stage de citoyenneté"),),
        )

    monkeypatch.setattr(MeasureDialog, "ask", classmethod(edit))
    page.tabs.setCurrentWidget(page.measures)
    page.measures.table.selectRow(0)
    page.measures.edit_button.click()
    assert page.header.probation_item.value_label.text() == "du 01/02/2025 au 01/02/2028"
    assert "Accomplir un stage : Stage de citoyenneté" in page.measures.obligations_label.text()
    stored = services.persons.get_file(file.person.id).measures[0]
    assert stored.draft.probation_end == date(2028, 2, 1)
    assert window.persons_model.person_at(0).main_measure_end == date(2028, 2, 1)


def test_a_failed_measure_save_reopens_the_dialog_with_what_was_typed(
    window: MainWindow,
    services: Services,
    prompter: FakePrompter,
    monkeypatch,
) -> None:
    file = services.persons.create(person_draft())
    page = window.open_file(file.person.id)
    assert page is not None
    typed = MeasureDraft(MeasureType.TIG, court="TJ de Libourne", decision_date=date(2025, 3, 1))
    shown: list[MeasureDraft] = []

    def ask(cls, parent, draft, check, prompter_):
        shown.append(draft)
        return typed if len(shown) == 1 else None

    monkeypatch.setattr(MeasureDialog, "ask", classmethod(ask))
    services.persons.close  # noqa: B018 - the service stays as is; the person disappears:
    with services.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM person WHERE id = ?", (file.person.id,))
    page.add_measure()
    assert prompter.asked[-1][0] == "Enregistrement de la mesure impossible"
    assert shown == [MeasureDraft(), typed]


def test_leaving_a_modified_file_asks_first(
    window: MainWindow,
    services: Services,
    prompter: FakePrompter,
) -> None:
    file = services.persons.create(person_draft(surname="Durand"))
    page = window.open_file(file.person.id)
    assert page is not None
    type_text(page.form.edits["usage_name"], "Béranger")

    # going back to the list keeps the draft
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.file_tabs.currentIndex() == 0
    assert window.open_file(file.person.id) is page
    assert page.form.edits["usage_name"].text() == "Béranger"

    # closing the tab asks; "Annuler" keeps everything
    prompter.answers.append(Choice.CANCEL)
    window.close_current_file()
    assert window.file_tabs.indexOf(page) > 0
    assert "modifications non enregistrées" in prompter.asked[-1][1]

    # closing the window asks too; "Annuler" keeps it open
    prompter.answers.append(Choice.CANCEL)
    assert not window.close()
    assert page.form.edits["usage_name"].text() == "Béranger"

    # "Enregistrer" saves and closes
    prompter.answers.append(Choice.SAVE)
    window.close_current_file()
    assert window.file_tabs.indexOf(page) == -1
    assert services.persons.get_file(file.person.id).person.draft.usage_name == "Béranger"


def test_discarding_closes_without_saving(
    window: MainWindow,
    services: Services,
    prompter: FakePrompter,
) -> None:
    file = services.persons.create(person_draft(surname="Roux"))
    page = window.open_file(file.person.id)
    assert page is not None
    type_text(page.form.edits["city"], "Pessac")
    prompter.answers.append(Choice.DISCARD)
    assert window.close()
    assert services.persons.get_file(file.person.id).person.draft.city == ""


def test_filters_and_enter_open_a_file(
    qtbot,
    window: MainWindow,
    services: Services,
    reference: Reference,
) -> None:
    services.persons.create(person_draft(surname="Ouvert", file_number="A-1"))
    services.persons.create(
        person_draft(
            surname="Fermé",
            file_number="A-2",
            regime=Regime.MILIEU_FERME,
            establishment_id=reference.prison.id,
        )
    )
    window.persons_model.refresh()
    persons_page = window.persons_page
    persons_page.regime_combo.setCurrentIndex(
        persons_page.regime_combo.findData(Regime.MILIEU_FERME)
    )
    assert visible_names(window) == ["FERMÉ Jean"]
    persons_page.table.setFocus()
    persons_page.table.selectRow(0)
    QTest.keyClick(persons_page.table, Qt.Key.Key_Return)
    page = window.file_tabs.currentWidget()
    assert isinstance(page, PersonFilePage)
    assert page.header.name_label.text() == "FERMÉ Jean"
    assert not page.is_dirty()  # a detainee's establishment reads back as it was stored
    assert page.form.draft().regime is Regime.MILIEU_FERME
    persons_page.reset_filters()
    assert len(visible_names(window)) == 2


def test_close_and_reopen_a_file(
    window: MainWindow,
    services: Services,
    prompter: FakePrompter,
    monkeypatch,
) -> None:
    from spip_desktop.domain.enums import ClosureReason
    from spip_desktop.ui.closure_dialog import Closure, ClosureDialog

    file = services.persons.create(person_draft(surname="Petit"))
    page = window.open_file(file.person.id)
    assert page is not None
    monkeypatch.setattr(
        ClosureDialog,
        "ask",
        classmethod(lambda cls, *a: Closure(date(2026, 3, 1), ClosureReason.TRANSFERT, "")),
    )
    page.closure_button.click()
    assert page.closure_button.text() == "Rouvrir le dossier"
    assert visible_names(window) == []
    prompter.answers.append(True)
    page.closure_button.click()
    assert page.closure_button.text() == "Clôturer le dossier…"
    assert visible_names(window) == ["PETIT Jean"]
