"""Dialogs as pure views: widgets <-> drafts, French errors, nothing lost on cancel."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from spip_desktop.domain.enums import AgentRole, MeasureType, ObligationType
from spip_desktop.domain.errors import DuplicateValue
from spip_desktop.domain.model import Agent, Antenne, MeasureDraft, ObligationDraft
from spip_desktop.domain.validation import validate_measure
from spip_desktop.ui.closure_dialog import ClosureDialog
from spip_desktop.ui.measure_dialog import MeasureDialog
from spip_desktop.ui.reference_page import AntenneDialog, ReferencePage
from tests.ui.conftest import FakePrompter, type_text

TODAY = date(2026, 3, 12)


def check(draft: MeasureDraft):
    return validate_measure(draft, TODAY)


def obligation_item(dialog: MeasureDialog, kind: ObligationType):
    for row in range(dialog.obligation_list.count()):
        item = dialog.obligation_list.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == kind:
            return item
    raise AssertionError(kind)


def test_the_measure_dialog_builds_the_draft_from_its_widgets(qtbot) -> None:
    dialog = MeasureDialog(MeasureDraft(), check, FakePrompter())
    qtbot.addWidget(dialog)
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(MeasureType.DDSE))
    type_text(dialog.court_edit, "Tribunal judiciaire de Libourne")
    type_text(dialog.dates["decision_date"].line_edit, "01/02/2026")
    type_text(dialog.dates["sentence_end"].line_edit, "01/08/2026")
    item = obligation_item(dialog, ObligationType.INTERDICTION_PARAITRE)
    item.setCheckState(Qt.CheckState.Checked)
    dialog.obligation_list.setCurrentItem(item)
    assert dialog.detail_edit.isEnabled()
    type_text(dialog.detail_edit, "Mérignac")
    dialog.other_edit.setPlainText("Remettre son passeport\n\n  ")
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft() == MeasureDraft(
        measure_type=MeasureType.DDSE,
        court="Tribunal judiciaire de Libourne",
        decision_date=date(2026, 2, 1),
        sentence_end=date(2026, 8, 1),
        obligations=(
            ObligationDraft(ObligationType.INTERDICTION_PARAITRE, "Mérignac"),
            ObligationDraft(ObligationType.AUTRE, "Remettre son passeport"),
        ),
    )


def test_an_incoherent_measure_stays_open_with_its_sentences(qtbot) -> None:
    dialog = MeasureDialog(MeasureDraft(), check, FakePrompter())
    qtbot.addWidget(dialog)
    type_text(dialog.dates["decision_date"].line_edit, "01/02/2026")
    type_text(dialog.dates["referral_date"].line_edit, "01/01/2026")
    type_text(dialog.dates["probation_end"].line_edit, "30/02/2027")
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.errors["measure_type"].text() == "Choisissez le type de mesure."
    assert "ne peut pas précéder la décision" in dialog.errors["referral_date"].text()
    assert "n'existe pas dans le calendrier" in dialog.errors["probation_end"].text()


def test_an_old_measure_type_stays_readable_in_the_dialog(qtbot) -> None:
    draft = MeasureDraft(MeasureType.SME, decision_date=date(2019, 5, 2))
    dialog = MeasureDialog(draft, check, FakePrompter())
    qtbot.addWidget(dialog)
    assert dialog.type_combo.currentText().startswith("Sursis avec mise à l'épreuve")
    assert dialog.draft() == draft
    assert not dialog.is_modified()


@pytest.mark.parametrize(("answer", "closed"), [(False, False), (True, True)])
def test_cancelling_a_modified_measure_asks_first(qtbot, answer: bool, closed: bool) -> None:
    prompter = FakePrompter()
    dialog = MeasureDialog(MeasureDraft(), check, prompter)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.court_edit, "TJ")
    prompter.answers.append(answer)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert prompter.asked[-1][0] == "Abandonner la saisie ?"
    assert dialog.isVisible() is not closed
    assert dialog.court_edit.text() == "TJ"


def test_a_closure_date_in_the_future_is_refused(qtbot) -> None:
    dialog = ClosureDialog("DUPONT Jean", TODAY)
    qtbot.addWidget(dialog)
    dialog.date_field.set_value(date(2026, 3, 13))
    dialog._on_buttons_accepted()
    assert "ne peut pas être postérieure" in dialog.date_error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.date_field.set_value(date(2026, 3, 1))
    dialog._on_buttons_accepted()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.closure().closed_on == date(2026, 3, 1)


class FakeReference:
    def __init__(self) -> None:
        self.saved: list[Antenne] = []

    def load(self):
        from spip_desktop.domain.model import ReferenceData

        return ReferenceData(tuple(self.saved), (Agent(1, "Zola", "Anne", AgentRole.CPIP),), ())

    def save_antenne(self, antenne: Antenne) -> Antenne:
        if antenne.name == "Antenne de Bordeaux":
            raise DuplicateValue("name", "Une antenne porte déjà ce nom.")
        saved = Antenne(len(self.saved) + 1, antenne.name, antenne.code)
        self.saved.append(saved)
        return saved

    def save_agent(self, agent: Agent) -> Agent:
        return agent

    def save_establishment(self, establishment):
        return establishment


def test_a_refused_reference_record_keeps_the_dialog_and_what_was_typed(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    actions = FakeReference()
    page = ReferencePage(actions, FakePrompter())
    qtbot.addWidget(page)
    answers = iter(["Antenne de Bordeaux", "Antenne de Blaye"])
    shown: list[str] = []

    def run(dialog: AntenneDialog) -> int:
        if shown:
            shown.append(dialog.errors["name"].text())
        dialog.name_edit.setText(next(answers, dialog.name_edit.text()))
        shown.append(dialog.name_edit.text())
        return QDialog.DialogCode.Accepted if len(shown) < 4 else QDialog.DialogCode.Rejected

    monkeypatch.setattr(AntenneDialog, "exec", run)
    changed: list[object] = []
    page.changed.connect(changed.append)
    page.antennes_tab.add_button.click()
    assert shown[:3] == [
        "Antenne de Bordeaux",
        "Une antenne porte déjà ce nom.",
        "Antenne de Blaye",
    ]
    assert [a.name for a in actions.saved] == ["Antenne de Blaye"]
    assert page.antennes_tab.model.record_at(0).name == "Antenne de Blaye"
    assert len(changed) == 1
