"""« Annulée le » in the measure dialog and the measures table; « Dans l'établissement
depuis le » in the identity form (schema 0005)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from spip_desktop.bootstrap import Services
from spip_desktop.domain.enums import EstablishmentKind, MeasureType, Regime
from spip_desktop.domain.model import (
    Establishment,
    Measure,
    MeasureDraft,
    PersonDraft,
    ReferenceData,
)
from spip_desktop.domain.validation import validate_measure, validate_person
from spip_desktop.ui.main_window import MainWindow
from spip_desktop.ui.measure_dialog import CANCELLED_TOOLTIP, MeasureDialog
from spip_desktop.ui.measure_model import measure_model
from spip_desktop.ui.person_form import PersonForm
from spip_desktop.ui.record_model import INACTIVE_COLOR
from tests.conftest import MANAGER, Reference, fixed_today, person_draft
from tests.ui.conftest import FakePrompter, type_text

TODAY = date(2026, 3, 12)
DRAFT = MeasureDraft(
    MeasureType.SURSIS_PROBATOIRE,
    court="TJ de Bordeaux",
    decision_date=date(2026, 1, 5),
    probation_end=date(2028, 1, 5),
)


def check(draft: MeasureDraft):
    return validate_measure(draft, TODAY)


# -- the measure dialog ------------------------------------------------------------------


def test_the_cancellation_date_round_trips_through_the_measure_dialog(qtbot) -> None:
    stored = replace(DRAFT, cancelled_on=date(2026, 2, 2))
    dialog = MeasureDialog(stored, check, FakePrompter())
    qtbot.addWidget(dialog)
    field = dialog.dates["cancelled_on"]
    assert field.text() == "02/02/2026"
    assert dialog.draft() == stored and not dialog.is_modified()
    assert field.toolTip() == CANCELLED_TOOLTIP == field.line_edit.toolTip()
    assert CANCELLED_TOOLTIP == "Une mesure annulée n'est comptée dans aucun indicateur."

    field.line_edit.clear()
    assert dialog.draft() == DRAFT and dialog.is_modified()
    type_text(field.line_edit, "10/03/2026")
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft() == replace(DRAFT, cancelled_on=date(2026, 3, 10))


def test_an_impossible_cancellation_keeps_the_measure_dialog_open(qtbot) -> None:
    dialog = MeasureDialog(DRAFT, check, FakePrompter())
    qtbot.addWidget(dialog)
    field = dialog.dates["cancelled_on"]
    type_text(field.line_edit, "04/01/2026")
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "avant la décision" in dialog.errors["cancelled_on"].text()
    assert field.line_edit.property("invalid") is True
    field.line_edit.clear()
    type_text(field.line_edit, "31/02/2026")
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "n'existe pas dans le calendrier" in dialog.errors["cancelled_on"].text()


# -- the measures table ------------------------------------------------------------------


def test_a_cancelled_measure_reads_as_such_and_greyed_in_the_table(qtmodeltester) -> None:
    model = measure_model()
    model.set_records(
        (Measure(1, 1, 1, DRAFT), Measure(2, 1, 1, replace(DRAFT, cancelled_on=TODAY)))
    )
    qtmodeltester.check(model, force_py=True)
    assert model.index(0, 0).data() == "Sursis probatoire"
    assert model.index(1, 0).data() == "Sursis probatoire (annulée le 12/03/2026)"
    assert model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole).endswith("(annulée le 12/03/2026)")
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    for column in range(model.columnCount()):
        assert model.index(1, column).data(Qt.ItemDataRole.ForegroundRole) == INACTIVE_COLOR


# -- the identity form -------------------------------------------------------------------

REFERENCE = ReferenceData(
    establishments=(
        Establishment(
            1, "Centre pénitentiaire de Gradignan", EstablishmentKind.CENTRE_PENITENTIAIRE
        ),
        Establishment(2, "SAS de Gradignan", EstablishmentKind.SAS),
    )
)
DETAINEE = person_draft(
    regime=Regime.MILIEU_FERME, establishment_id=1, establishment_since=date(2025, 4, 1)
)


def form_with(qtbot, draft: PersonDraft) -> PersonForm:
    form = PersonForm()
    qtbot.addWidget(form)
    form.set_reference(REFERENCE)
    form.set_draft(draft)
    return form


def pick(form: PersonForm, establishment_id: int | None) -> None:
    form.establishment_combo.setCurrentIndex(form.establishment_combo.findData(establishment_id))


def test_the_arrival_date_round_trips_through_the_identity_form(qtbot) -> None:
    form = form_with(qtbot, DETAINEE)
    field = form.establishment_since_field
    assert field.text() == "01/04/2025" and field.isEnabled()
    assert form.draft() == DETAINEE
    field.line_edit.clear()
    type_text(field.line_edit, "15/02/2026")
    assert form.draft() == replace(DETAINEE, establishment_since=date(2026, 2, 15))


def test_the_arrival_date_belongs_to_milieu_ferme(qtbot) -> None:
    form = form_with(qtbot, DETAINEE)
    form.regime_combo.setCurrentIndex(form.regime_combo.findData(Regime.MILIEU_OUVERT))
    assert not form.establishment_since_field.isEnabled()
    assert not form.establishment_combo.isEnabled()
    draft = form.draft()
    assert draft.establishment_id is None and draft.establishment_since is None
    form.regime_combo.setCurrentIndex(form.regime_combo.findData(Regime.MILIEU_FERME))
    assert form.draft() == DETAINEE  # kept in the widgets meanwhile


def test_another_establishment_clears_the_arrival_date_of_the_previous_one(qtbot) -> None:
    form = form_with(qtbot, DETAINEE)
    changes: list[None] = []
    form.changed.connect(lambda: changes.append(None))
    pick(form, 2)
    assert form.establishment_since_field.text() == ""
    assert form.draft() == replace(DETAINEE, establishment_id=2, establishment_since=None)
    assert changes
    pick(form, 1)  # back to the file's establishment: its date comes back
    assert form.draft() == DETAINEE
    pick(form, 2)
    type_text(form.establishment_since_field.line_edit, "01/03/2026")
    pick(form, 1)  # a date typed for the new one is the officer's: it stays
    assert form.establishment_since_field.text() == "01/03/2026"


def test_a_wrong_arrival_date_is_shown_on_its_field(qtbot) -> None:
    form = form_with(qtbot, replace(DETAINEE, establishment_since=None))
    field = form.establishment_since_field
    type_text(field.line_edit, "30/02/2026")
    assert form.date_error() is not None and "n'existe pas dans le calendrier" in form.date_error()
    form.show_all_errors()
    result = validate_person(form.draft(), TODAY)
    form.show_result(result)
    assert "n'existe pas dans le calendrier" in form.errors["establishment_since"].text()
    assert form.first_error_widget(result) is field
    assert field.line_edit.property("invalid") is True

    field.line_edit.clear()
    type_text(field.line_edit, "13/03/2026")
    result = validate_person(form.draft(), TODAY)
    form.show_result(result)
    assert form.errors["establishment_since"].text() == (
        "La date d'arrivée dans l'établissement ne peut pas être dans le futur."
    )
    pick(form, None)
    form.show_result(validate_person(form.draft(), TODAY))
    assert "Choisissez l'établissement" in form.errors["establishment_since"].text()


def test_an_unreadable_arrival_date_in_milieu_ouvert_is_no_error(qtbot) -> None:
    form = form_with(qtbot, DETAINEE)
    form.establishment_since_field.line_edit.setText("n'importe quoi")
    assert form.date_error() is not None
    form.regime_combo.setCurrentIndex(form.regime_combo.findData(Regime.MILIEU_OUVERT))
    assert form.date_error() is None  # the field is disabled: nothing is saved from it


def test_a_read_only_form_does_not_edit_the_arrival_date(qtbot) -> None:
    form = form_with(qtbot, DETAINEE)
    form.set_read_only(True)
    assert form.establishment_since_field.line_edit.isReadOnly()
    assert not form.establishment_since_field.calendar_button.isEnabled()


# -- through the real window -------------------------------------------------------------


def test_an_officer_records_the_arrival_in_the_sas(
    qtbot, services: Services, reference: Reference, prompter: FakePrompter, runner
) -> None:
    file = services.persons.create(
        person_draft(regime=Regime.MILIEU_FERME, establishment_id=reference.prison.id)
    )
    window = MainWindow(prompter, runner, demo=False, today=fixed_today)
    qtbot.addWidget(window)
    window.show()
    window.attach(services, MANAGER)
    page = window.open_file(file.person.id)
    assert page is not None and not page.is_dirty()
    pick(page.form, reference.sas.id)
    type_text(page.form.establishment_since_field.line_edit, "02/03/2026")
    assert page.is_dirty()
    page.save_button.click()
    assert not page.is_dirty()
    stored = services.persons.get_file(file.person.id).person.draft
    assert (stored.establishment_id, stored.establishment_since) == (
        reference.sas.id,
        date(2026, 3, 2),
    )
