"""The catalogue dialog: local actions, official defaults, French errors, deactivation."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QDialog

from spip_desktop.domain.errors import DuplicateValue, InvalidInput, PermissionDenied
from spip_desktop.domain.stages import (
    OFFICIAL_CATALOGUE,
    ActionKind,
    StageType,
    StageTypeDraft,
    validate_stage_type,
)
from spip_desktop.ui.catalogue_dialog import (
    COL_ACTIVE,
    COL_NAME,
    COL_ORIGIN,
    COL_PRICE,
    OFFICIAL_NOTE,
    CatalogueDialog,
)
from spip_desktop.ui.prompter import Choice
from tests.ui.conftest import FakePrompter, type_text

CITOYENNETE, ROUTIERE = OFFICIAL_CATALOGUE[0], OFFICIAL_CATALOGUE[1]


class FakeCatalogue:
    """A list of types; records every save; can be told to refuse the next one."""

    def __init__(self) -> None:
        self.types = [
            StageType(1, 1, CITOYENNETE, official=True),
            StageType(2, 1, ROUTIERE, official=True),
            StageType(
                3,
                4,
                StageTypeDraft("Atelier mobilité", ActionKind.COLLECTIVE, 150, 0, "Wimoov"),
                active=False,
            ),
        ]
        self.calls: list[tuple[int | None, int, StageTypeDraft, bool]] = []
        self.refuse: Exception | None = None

    def catalogue(self, include_inactive: bool = False) -> tuple[StageType, ...]:
        return tuple(t for t in self.types if include_inactive or t.active)

    def save_type(
        self, type_id: int | None, version: int, draft: StageTypeDraft, active: bool = True
    ) -> StageType:
        self.calls.append((type_id, version, draft, active))
        if self.refuse is not None:
            raise self.refuse
        result = validate_stage_type(draft)
        if not result.ok:
            raise InvalidInput(result)
        if type_id is None:
            saved = StageType(max(t.id for t in self.types) + 1, 1, draft, active=active)
            self.types.append(saved)
            return saved
        index = next(i for i, t in enumerate(self.types) if t.id == type_id)
        before = self.types[index]
        saved = replace(before, version=version + 1, draft=draft, active=active)
        self.types[index] = saved
        return saved


@pytest.fixture
def fake() -> FakeCatalogue:
    return FakeCatalogue()


def make_dialog(qtbot, fake: FakeCatalogue, prompter: FakePrompter) -> CatalogueDialog:
    dialog = CatalogueDialog(fake, prompter)
    qtbot.addWidget(dialog)
    return dialog


def cell(dialog: CatalogueDialog, row: int, column: int) -> str:
    item = dialog.table.item(row, column)
    assert item is not None
    return item.text()


def test_the_table_lists_every_type_in_the_order_returned(qtbot, fake, prompter) -> None:
    dialog = make_dialog(qtbot, fake, prompter)
    assert dialog.table.rowCount() == 3
    assert [cell(dialog, r, COL_NAME) for r in range(3)] == [t.name for t in fake.types]
    assert cell(dialog, 0, COL_ORIGIN) == "Officiel" and cell(dialog, 2, COL_ORIGIN) == "Local"
    assert cell(dialog, 1, COL_PRICE) == "250,00\u00a0€"
    assert [cell(dialog, r, COL_ACTIVE) for r in range(3)] == ["Oui", "Oui", "Non"]
    assert dialog.name_edit.text() == CITOYENNETE.name  # the first row is selected


def test_adding_a_local_action(qtbot, fake, prompter) -> None:
    dialog = make_dialog(qtbot, fake, prompter)
    dialog.new_button.click()
    assert dialog.form_box.title() == "Nouvelle action locale"
    assert not dialog.name_edit.isReadOnly() and dialog.official_note.isHidden()
    type_text(dialog.name_edit, "Groupe de parole « Éthique »")
    dialog.hours_spin.setValue(2)
    dialog.minutes_spin.setValue(30)
    dialog.price_edit.setText("12,5")
    type_text(dialog.organiser_edit, "Association Relais")
    dialog.save_button.click()
    assert fake.calls == [
        (
            None,
            0,
            StageTypeDraft(
                "Groupe de parole « Éthique »",
                ActionKind.COLLECTIVE,
                150,
                1250,
                "Association Relais",
            ),
            True,
        )
    ]
    assert dialog.saved
    assert dialog.table.rowCount() == 4
    assert dialog.table.currentRow() == 3
    assert cell(dialog, 3, COL_ORIGIN) == "Local"
    assert dialog.form_box.title() == "Action sélectionnée"
    assert dialog.error_label.isHidden()


def test_editing_the_price_of_an_official_stage(qtbot, fake, prompter) -> None:
    dialog = make_dialog(qtbot, fake, prompter)
    dialog.table.setCurrentCell(1, COL_NAME)
    assert dialog.name_edit.text() == ROUTIERE.name
    assert dialog.name_edit.isReadOnly()
    assert not dialog.official_note.isHidden() and dialog.official_note.text() == OFFICIAL_NOTE
    assert not dialog.kind_combo.isEnabled()
    assert dialog.price_edit.text() == "250,00"
    dialog.price_edit.setText("230 €")
    dialog.save_button.click()
    assert fake.calls == [(2, 1, replace(ROUTIERE, default_price_cents=230_00), True)]
    assert cell(dialog, 1, COL_PRICE) == "230,00\u00a0€"
    assert "enregistré" in dialog.status_label.text()


def test_an_unreadable_price_is_refused_before_any_call(qtbot, fake, prompter) -> None:
    dialog = make_dialog(qtbot, fake, prompter)
    dialog.price_edit.setText("douze euros")
    dialog.save_button.click()
    assert fake.calls == []
    assert not dialog.error_label.isHidden()
    assert "n'est pas un montant en euros" in dialog.error_label.text()
    assert dialog.price_edit.property("invalid") is True


def test_a_stage_above_the_legal_cap_is_refused_before_any_call(qtbot, fake, prompter) -> None:
    dialog = make_dialog(qtbot, fake, prompter)
    dialog.price_edit.setText("500")
    dialog.save_button.click()
    assert fake.calls == []
    assert "450 €" in dialog.error_label.text()


def test_a_duplicate_name_shows_the_services_sentence(qtbot, fake, prompter) -> None:
    dialog = make_dialog(qtbot, fake, prompter)
    dialog.new_button.click()
    type_text(dialog.name_edit, "Stage de citoyenneté")
    fake.refuse = DuplicateValue("name", "Une action du catalogue porte déjà ce nom.")
    dialog.save_button.click()
    assert len(fake.calls) == 1
    assert dialog.error_label.text() == "Une action du catalogue porte déjà ce nom."
    assert dialog.name_edit.property("invalid") is True
    assert not dialog.saved and dialog.table.rowCount() == 3


def test_a_refusal_of_the_role_is_shown(qtbot, fake, prompter) -> None:
    dialog = make_dialog(qtbot, fake, prompter)
    dialog.organiser_edit.setText("Mairie")
    fake.refuse = PermissionDenied()
    dialog.save_button.click()
    assert dialog.error_label.text() == "Votre rôle ne vous permet pas de faire cela."


def test_deactivating_and_reactivating_a_type(qtbot, fake, prompter) -> None:
    dialog = make_dialog(qtbot, fake, prompter)
    dialog.active_check.setChecked(False)
    dialog.save_button.click()
    assert fake.calls[-1][3] is False and not fake.types[0].active
    assert cell(dialog, 0, COL_ACTIVE) == "Non"
    dialog.table.setCurrentCell(2, COL_NAME)
    assert not dialog.active_check.isChecked()
    dialog.active_check.setChecked(True)
    dialog.save_button.click()
    assert fake.calls[-1][:2] == (3, 4) and fake.types[2].active
    assert cell(dialog, 2, COL_ACTIVE) == "Oui"


def test_unsaved_changes_are_asked_about(qtbot, fake, prompter) -> None:
    dialog = make_dialog(qtbot, fake, prompter)
    dialog.price_edit.setText("10")
    prompter.answers.append(Choice.CANCEL)
    dialog.table.setCurrentCell(1, COL_NAME)
    assert dialog.table.currentRow() == 0 and dialog.price_edit.text() == "10"
    prompter.answers.append(Choice.DISCARD)
    dialog.table.setCurrentCell(1, COL_NAME)
    assert dialog.name_edit.text() == ROUTIERE.name and fake.calls == []
    dialog.price_edit.setText("240")
    prompter.answers.append(Choice.SAVE)
    dialog.table.setCurrentCell(0, COL_NAME)
    assert fake.types[1].draft.default_price_cents == 240_00
    assert dialog.table.currentRow() == 0 and dialog.name_edit.text() == CITOYENNETE.name
    dialog.table.setCurrentCell(1, COL_NAME)
    dialog.organiser_edit.setText("CSAPA")
    prompter.answers.append(Choice.SAVE)
    dialog.close_button.click()
    assert fake.types[1].draft.usual_organiser == "CSAPA"
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.saved


def test_open_catalogue_says_whether_anything_was_saved(qtbot, fake, prompter, monkeypatch) -> None:
    monkeypatch.setattr(CatalogueDialog, "exec", lambda self: 0)
    assert CatalogueDialog.open_catalogue(fake, prompter) is False
