"""Access-to-rights screens with fake services: the step dialog, the file's tab, the page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog

from spip_desktop.domain.enums import AgentRole, Regime
from spip_desktop.domain.errors import EditConflict, InvalidInput
from spip_desktop.domain.model import Agent, KeyDates, Person, PersonDraft, PersonFile
from spip_desktop.domain.model import ReferenceData as Reference
from spip_desktop.domain.partners import Contact, Partner, PartnerDraft, PartnerKind, PartnerQuery
from spip_desktop.domain.rights import (
    Actor,
    RightsDomain,
    Step,
    StepDraft,
    StepKind,
    StepLine,
    StepQuery,
    StepSort,
    StepStatus,
    StepUpdate,
    transition_error,
    validate_step,
)
from spip_desktop.domain.security import Role, User
from spip_desktop.domain.validation import ValidationResult
from spip_desktop.ui.person_rights_panel import PersonRightsPanel
from spip_desktop.ui.rights_page import PAGE_SIZE, RightsPage
from spip_desktop.ui.status_pill import STATUS_ROLE, StatusPill, text_colour
from spip_desktop.ui.step_dialog import StepDialog
from tests.ui.conftest import FakePrompter, type_text

S = StepStatus
TODAY = date(2026, 3, 12)
DPIP = User(1, "dpip", "Diane MARTIN", frozenset({Role.DPIP}), None)
CPIP = User(2, "cpip", "Élodie LEFÈVRE", frozenset({Role.CPIP}), 11)
AGENTS = (
    Agent(11, "Lefèvre", "Élodie", AgentRole.CPIP, 1),
    Agent(12, "Benali", "Samira", AgentRole.ASS, 1),
    Agent(13, "Ancien", "Paul", AgentRole.CPIP, 1, active=False),
)
REFERENCE = Reference(agents=AGENTS)
CPAM = Partner(
    5,
    1,
    PartnerDraft(
        "CPAM de la Gironde",
        PartnerKind.INSTITUTION,
        contacts=(Contact("Mme Roux", "conseillère", "05 56 00 00 01"),),
    ),
)
CAF = Partner(6, 1, PartnerDraft("CAF de la Gironde", PartnerKind.INSTITUTION))
OLD = Partner(7, 2, PartnerDraft("Association dissoute", PartnerKind.ASSOCIATION), active=False)
PARTNERS = (CPAM, CAF, OLD)


class FakeRights:
    """An in-memory rights service applying the domain's rules, as the real one does."""

    def __init__(self) -> None:
        self.steps: dict[int, Step] = {}
        self.calls: list[tuple[Any, ...]] = []
        self.fail_with: BaseException | None = None
        self.lines: list[StepLine] = []
        self.queries: list[tuple[StepQuery, int, int]] = []
        self.clock = datetime(2026, 3, 12, 9, 0)

    def _tick(self) -> datetime:
        self.clock += timedelta(minutes=7)
        return self.clock

    def _check(self, draft: StepDraft, status: StepStatus) -> None:
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        result = validate_step(draft, TODAY, status)
        if not result.ok:
            raise InvalidInput(result)

    def may_follow(self, referent_id: int | None) -> bool:
        return True

    def person_steps(self, person_id: int) -> tuple[Step, ...]:
        return tuple(s for s in self.steps.values() if s.person_id == person_id)

    def get_step(self, step_id: int) -> Step:
        return self.steps[step_id]

    def _row(
        self, step_id: int, status: S, previous: S | None, note: str, actor: Actor
    ) -> StepUpdate:
        return StepUpdate(
            len([u for s in self.steps.values() for u in s.history]) + 1,
            step_id,
            self._tick(),
            status,
            previous,
            note.strip(),
            "dpip",
            "Diane MARTIN",
            actor,
        )

    def open_step(self, person_id: int, draft: StepDraft, note: str = "") -> Step:
        self.calls.append(("open", person_id, draft, note))
        self._check(draft, S.TO_START)
        step_id = len(self.steps) + 1
        first = self._row(step_id, S.TO_START, None, note, draft.handled_by)
        step = Step(
            step_id, 1, person_id, draft, S.TO_START, first.at, first.at, "Diane MARTIN", (first,)
        )
        self.steps[step_id] = step
        return step

    def update_step(self, step_id: int, version: int, draft: StepDraft) -> Step:
        self.calls.append(("update", step_id, version, draft))
        step = self.steps[step_id]
        if version != step.version:
            raise EditConflict(step, "Samira BENALI", datetime(2026, 3, 12, 10, 0))
        self._check(draft, step.status)
        self.steps[step_id] = replace(step, draft=draft, version=version + 1)
        return self.steps[step_id]

    def change_status(
        self,
        step_id: int,
        version: int,
        status: StepStatus,
        note: str = "",
        actor: Actor | None = None,
        draft: StepDraft | None = None,
    ) -> Step:
        self.calls.append(("status", step_id, version, status, note, actor, draft))
        step = self.steps[step_id]
        if version != step.version:
            raise EditConflict(step, "Samira BENALI", datetime(2026, 3, 12, 10, 0))
        problem = transition_error(step.status, status)
        if problem:
            result = ValidationResult()
            result.error("status", problem)
            raise InvalidInput(result)
        new_draft = draft or step.draft
        self._check(new_draft, status)
        row = self._row(step_id, status, step.status, note, actor or new_draft.handled_by)
        self.steps[step_id] = replace(
            step,
            draft=new_draft,
            status=status,
            status_at=row.at if status is not step.status else step.status_at,
            version=version + 1,
            history=(*step.history, row),
        )
        return self.steps[step_id]

    def add_note(self, step_id: int, version: int, note: str, actor: Actor | None = None) -> Step:
        return self.change_status(step_id, version, self.steps[step_id].status, note, actor)

    def list_steps(
        self, query: StepQuery, offset: int = 0, limit: int = 200
    ) -> tuple[StepLine, ...]:
        self.queries.append((query, offset, limit))
        return tuple(self.lines[offset : offset + limit])

    def count_steps(self, query: StepQuery) -> int:
        return len(self.lines)


class FakePartners:
    """Only what the screens call: the directory."""

    def __init__(self) -> None:
        self.queries: list[PartnerQuery | None] = []

    def partners(self, query: PartnerQuery | None = None) -> tuple[Partner, ...]:
        self.queries.append(query)
        return PARTNERS


@pytest.fixture
def rights() -> FakeRights:
    return FakeRights()


def make_dialog(
    qtbot: Any,
    rights: FakeRights,
    runner: Any,
    prompter: FakePrompter,
    step: Step | None = None,
    user: User = DPIP,
    read_only: bool = False,
) -> StepDialog:
    dialog = StepDialog(
        rights,  # type: ignore[arg-type]
        runner,
        prompter,
        7,
        "DUPONT Jean · dossier n° 2026-000001",
        step,
        PARTNERS,
        AGENTS,
        user,
        TODAY,
        read_only,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def c2s(**changes: Any) -> StepDraft:
    values: dict[str, Any] = {
        "kind": StepKind.C2S,
        "opened_on": date(2026, 3, 2),
        "partner_id": CPAM.id,
        "follow_up_on": date(2026, 3, 20),
    }
    values.update(changes)
    return StepDraft(**values)


# -- the step dialog ---------------------------------------------------------------------------


def test_a_step_is_opened_with_the_keyboard(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    dialog = make_dialog(qtbot, rights, runner, prompter)
    assert dialog.title_label.text() == "Nouvelle démarche"
    assert dialog.pill.status is S.TO_START
    assert not dialog.status_buttons  # a new step starts "à engager", nothing else
    assert dialog.opened_edit.text() == "12/03/2026"
    assert dialog.agent_combo.currentData() is None  # a DPIP has no agent record
    dialog.kind_combo.setFocus()
    qtbot.keyClicks(dialog.kind_combo, "Compl")
    assert dialog.selected_kind() is StepKind.C2S
    assert "CPAM" in dialog.kind_hint.text() and "12 mois" in dialog.kind_hint.text()
    usual = [dialog.documents_list.item(i).text() for i in range(dialog.documents_list.count())]
    assert usual[0] == "Pièce d'identité ou titre de séjour" and len(usual) == 3
    dialog.partner_combo.setFocus()
    qtbot.keyClicks(dialog.partner_combo, "CPAM")
    assert dialog.partner_combo.currentData() == CPAM.id
    assert "Association dissoute" not in [
        dialog.partner_combo.itemText(i) for i in range(dialog.partner_combo.count())
    ]
    assert dialog.contact_combo.itemText(0).startswith("Mme Roux (conseillère)")
    qtbot.keyClicks(dialog.follow_up_edit.line_edit, "20/03/2026")
    dialog.documents_list.setFocus()
    dialog.documents_list.setCurrentRow(0)
    qtbot.keyClick(dialog.documents_list, Qt.Key.Key_Space)
    type_text(dialog.other_document_edit, "Attestation d'hébergement")
    qtbot.keyClick(dialog.other_document_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and not rights.calls  # Enter there adds the line, no more
    type_text(dialog.note_edit, "Demande faite en entretien")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.result() == QDialog.DialogCode.Accepted
    _, person_id, draft, note = rights.calls[-1]
    assert person_id == 7 and note == "Demande faite en entretien"
    assert draft.kind is StepKind.C2S and draft.partner_id == CPAM.id
    assert draft.follow_up_on == date(2026, 3, 20) and draft.opened_on == TODAY
    assert draft.documents == ("Pièce d'identité ou titre de séjour", "Attestation d'hébergement")
    assert dialog.saved is not None and dialog.saved.status is S.TO_START


def follow(
    qtbot: Any,
    rights: FakeRights,
    runner: Any,
    prompter: FakePrompter,
    step_id: int,
    status: StepStatus,
    note: str,
) -> StepDialog:
    """Open the step as saved, click the new status, type the note."""
    dialog = make_dialog(qtbot, rights, runner, prompter, rights.get_step(step_id))
    button = dialog.status_buttons[status]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dialog.chosen_status() is status and button.text().startswith("✓")
    if note:
        type_text(dialog.note_edit, note)
    return dialog


def test_from_a_engager_to_obtenu_with_the_history_shown(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    step = rights.open_step(7, c2s(), "Pas de couverture depuis la sortie")
    for status, note in (
        (S.IN_PROGRESS, "Formulaire rempli en entretien"),
        (S.FILED, "Dossier déposé à l'accueil"),
    ):
        dialog = follow(qtbot, rights, runner, prompter, step.id, status, note)
        # Only the statuses the table allows next are offered.
        assert set(dialog.status_buttons) == set(rights.get_step(step.id).status.allowed)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert rights.get_step(step.id).status is status

    dialog = follow(qtbot, rights, runner, prompter, step.id, S.OBTAINED, "")
    assert dialog.outcome_edit.isEnabled()
    assert dialog.focusWidget() is dialog.outcome_edit.line_edit
    assert "Obtenu le" in dialog._outcome_form.labelForField(dialog.outcome_box).text()
    qtbot.keyClicks(dialog.outcome_edit.line_edit, "11/03/2026")
    type_text(dialog.note_edit, "Droits ouverts")
    assert dialog.expiry_edit.text() == "11/03/2027"  # the usual 12 months, proposed
    assert "12 mois" in dialog.expiry_hint.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    call = rights.calls[-1]
    assert call[3] is S.OBTAINED and call[6].outcome_on == date(2026, 3, 11)
    assert call[6].expires_on == date(2027, 3, 11)

    done = make_dialog(qtbot, rights, runner, prompter, rights.get_step(step.id))
    assert done.pill.status is S.OBTAINED
    assert not done.status_buttons and "close" in done.status_hint.text()
    lines = [line.text() for line in done.history_view.lines]
    assert len(lines) == 4
    assert [line.pill.status for line in done.history_view.lines] == [
        S.OBTAINED,
        S.FILED,
        S.IN_PROGRESS,
        S.TO_START,
    ]
    assert lines[0].startswith("12/03/2026 09:28 — Obtenu — Diane MARTIN")
    assert lines[0].endswith("Droits ouverts")
    assert "depuis « Dossier déposé »" in done.history_view.lines[0].who_label.text()
    assert lines[-1].endswith("Pas de couverture depuis la sortie")


def test_the_user_expiry_is_kept_and_refusal_has_no_expiry(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    step = rights.open_step(7, c2s())
    step = rights.change_status(step.id, step.version, S.IN_PROGRESS)
    step = rights.change_status(step.id, step.version, S.FILED)
    dialog = follow(qtbot, rights, runner, prompter, step.id, S.OBTAINED, "")
    qtbot.keyClicks(dialog.expiry_edit.line_edit, "30/06/2026")
    qtbot.keyClicks(dialog.outcome_edit.line_edit, "10/03/2026")
    assert dialog.expiry_edit.text() == "30/06/2026"
    qtbot.mouseClick(dialog.status_buttons[S.REFUSED], Qt.MouseButton.LeftButton)
    assert not dialog.expiry_edit.isEnabled()
    assert dialog.draft().expires_on is None and dialog.draft().outcome_on == date(2026, 3, 10)


def test_errors_show_as_the_user_types(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    dialog = make_dialog(qtbot, rights, runner, prompter)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(StepKind.OTHER.value))
    assert dialog.other_edit.isVisible() and dialog.focusWidget() is dialog.other_edit
    assert "« autre »" in dialog.errors["other_label"].text()
    qtbot.keyClicks(dialog.follow_up_edit.line_edit, "01/03/2026")
    assert "ne peut pas précéder l'ouverture" in dialog.errors["follow_up_on"].text()
    assert dialog.follow_up_edit.line_edit.property("invalid") is True
    qtbot.mouseClick(dialog.partner_radio, Qt.MouseButton.LeftButton)
    assert "partenaire" in dialog.errors["partner_id"].text()
    assert dialog.actor_partner_radio.isChecked()  # who carries it acts first
    # Saving shows every error and keeps the dialog open; nothing reaches the service.
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and not rights.calls
    type_text(dialog.other_edit, "Échange du permis de conduire")
    assert not dialog.errors["other_label"].isVisible()
    dialog.follow_up_edit.line_edit.setText("12/04/2026")
    dialog.partner_combo.setCurrentIndex(dialog.partner_combo.findData(CAF.id))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert rights.calls[-1][2].other_label == "Échange du permis de conduire"


def test_a_refusal_by_the_service_keeps_the_dialog_and_what_was_typed(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    step = rights.open_step(7, c2s())
    dialog = follow(qtbot, rights, runner, prompter, step.id, S.IN_PROGRESS, "Appel à la CPAM")
    # Meanwhile the table moved on (another workstation): the service refuses.
    result = ValidationResult()
    result.error("status", transition_error(S.OBTAINED, S.IN_PROGRESS) or "")
    rights.fail_with = InvalidInput(result)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.saved is None
    assert "nouvelle démarche" in dialog.errors["status"].text()
    assert dialog.note() == "Appel à la CPAM"


def test_a_step_moved_on_meanwhile_refreshes_the_history_and_keeps_what_was_typed(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    step = rights.open_step(7, c2s())
    dialog = follow(qtbot, rights, runner, prompter, step.id, S.IN_PROGRESS, "Ma note")
    dialog.follow_up_edit.line_edit.setText("25/03/2026")
    rights.change_status(step.id, step.version, S.ABANDONED, "Par une collègue")  # meanwhile
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.saved is None
    assert dialog.message_label.objectName() == "conflictMessage"
    message = dialog.message_label.text()
    assert message.startswith("Modifié entre-temps par Samira BENALI le 12/03/2026 à 10:00 : ")
    assert "Statut" in message and "Vos modifications sont conservées" in message
    assert dialog.pill.status is S.ABANDONED and len(dialog.history_view.lines) == 2
    assert not dialog.status_buttons  # closed now: nothing to choose any more
    assert dialog.note() == "Ma note" and dialog.follow_up_edit.text() == "25/03/2026"


def test_a_second_save_after_a_conflict_keeps_the_colleagues_changes(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    step = rights.open_step(7, c2s())
    dialog = make_dialog(qtbot, rights, runner, prompter, rights.get_step(step.id))
    type_text(dialog.notes_edit, "Attestation de droits demandée")  # the user: the notes only
    # Meanwhile a colleague moves the follow-up date and names the contact.
    theirs = replace(step.draft, follow_up_on=date(2026, 4, 2), partner_contact="Mme Roux")
    rights.update_step(step.id, step.version, theirs)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.saved is None
    message = dialog.message_label.text()
    assert dialog.message_label.objectName() == "conflictMessage"
    assert "Samira BENALI" in message and "Relance le, Interlocuteur." in message
    assert "Observations" not in message and "à vérifier" not in message
    # The form shows the colleague's values, and the user's own change.
    assert dialog.follow_up_edit.text() == "02/04/2026"
    assert dialog.contact_combo.currentText() == "Mme Roux"
    assert dialog.notes_edit.toPlainText() == "Attestation de droits demandée"
    assert dialog.is_modified()  # against the version saved now: the notes

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert rights.calls[-1][:3] == ("update", step.id, 2)
    saved = rights.get_step(step.id).draft
    assert saved == replace(theirs, notes="Attestation de droits demandée")


def test_a_field_changed_on_both_sides_keeps_the_users_value_to_check(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    step = rights.open_step(7, c2s())
    dialog = make_dialog(qtbot, rights, runner, prompter, rights.get_step(step.id))
    dialog.follow_up_edit.line_edit.setText("25/03/2026")
    theirs = replace(step.draft, follow_up_on=date(2026, 4, 2), partner_contact="Mme Roux")
    rights.update_step(step.id, step.version, theirs)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    message = dialog.message_label.text()
    assert "Interlocuteur, Relance le (à vérifier)." in message
    assert "c'est votre saisie qui est gardée" in message
    assert dialog.follow_up_edit.text() == "25/03/2026"  # the user's
    assert dialog.contact_combo.currentText() == "Mme Roux"  # the colleague's

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert rights.get_step(step.id).draft == replace(theirs, follow_up_on=date(2026, 3, 25))


def test_a_conflict_without_the_step_reads_it_again(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    step = rights.open_step(7, c2s())
    dialog = make_dialog(qtbot, rights, runner, prompter, rights.get_step(step.id))
    dialog.notes_edit.setPlainText("Relancé par courrier")
    # Saved elsewhere; the conflict arrives bare (as from the database layer).
    rights.steps[step.id] = replace(step, draft=replace(step.draft, partner_contact="M. Petit"))
    rights.fail_with = EditConflict()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    assert "par une autre personne : Interlocuteur." in dialog.message_label.text()
    assert dialog.contact_combo.currentText() == "M. Petit"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = rights.get_step(step.id).draft
    assert saved.partner_contact == "M. Petit" and saved.notes == "Relancé par courrier"


def test_on_the_real_service_a_save_after_a_conflict_undoes_nothing(
    qtbot: Any, services: Any, runner: Any, prompter: FakePrompter
) -> None:
    from tests.conftest import TODAY as SERVICE_TODAY
    from tests.conftest import person_draft

    partners = services.partners
    cpam = partners.save_partner(
        None,
        0,
        PartnerDraft(
            "CPAM de la Gironde", PartnerKind.INSTITUTION, contacts=(Contact("Mme Roux"),)
        ),
    )
    person_id = services.persons.create(person_draft()).person.id
    rights = services.rights
    step = rights.open_step(person_id, c2s(partner_id=cpam.id))
    dialog = StepDialog(
        rights,
        runner,
        prompter,
        person_id,
        "DUPONT Jean",
        step,
        (cpam,),
        (),
        DPIP,
        SERVICE_TODAY,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.notes_edit.setPlainText("Attestation demandée")
    dialog.other_document_edit.setText("Relevé d'identité bancaire")
    dialog.add_other_document()
    # A colleague, meanwhile (the service writes no history row for a form edit).
    theirs = replace(step.draft, follow_up_on=date(2026, 4, 2), partner_contact="Mme Roux")
    rights.update_step(step.id, step.version, theirs)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.saved is None
    message = dialog.message_label.text()
    assert message.startswith("Modifié entre-temps par Diane DIRECTRICE le ")
    assert ": Relance le, Interlocuteur." in message
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = rights.get_step(step.id).draft
    assert saved.follow_up_on == date(2026, 4, 2) and saved.partner_contact == "Mme Roux"
    assert saved.notes == "Attestation demandée"
    assert saved.documents == ("Relevé d'identité bancaire",)


def test_escape_asks_before_dropping_a_note(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    step = rights.open_step(7, c2s())
    dialog = make_dialog(qtbot, rights, runner, prompter, step)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and not prompter.asked  # nothing typed: closes at once
    dialog = make_dialog(qtbot, rights, runner, prompter, step)
    type_text(dialog.note_edit, "Brouillon")
    prompter.answers.append(False)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and prompter.asked[-1][0] == "Abandonner la saisie ?"


def test_a_reader_sees_the_step_without_changing_it(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    step = rights.open_step(7, c2s(), "Ouverture")
    dialog = make_dialog(qtbot, rights, runner, prompter, step, CPIP, read_only=True)
    assert not dialog.save_button.isVisible() and dialog.cancel_button.text() == "Fermer"
    assert not dialog.kind_combo.isEnabled() and not dialog.note_edit.isVisible()
    assert "Lecture seule" in dialog.status_hint.text()
    assert len(dialog.history_view.lines) == 1


def test_an_old_pole_emploi_step_keeps_its_label(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    new = make_dialog(qtbot, rights, runner, prompter)
    assert new.kind_combo.findData(StepKind.POLE_EMPLOI.value) == -1
    assert new.kind_combo.findData(StepKind.FRANCE_TRAVAIL.value) >= 0
    old = rights.open_step(7, c2s(kind=StepKind.POLE_EMPLOI, partner_id=None))
    dialog = make_dialog(qtbot, rights, runner, prompter, old)
    assert dialog.selected_kind() is StepKind.POLE_EMPLOI
    assert "Pôle emploi" in dialog.title_label.text()


# -- the pill ---------------------------------------------------------------------------------


def contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        channels = [
            v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
            for v in (c.redF(), c.greenF(), c.blueF())
        ]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("status", list(StepStatus), ids=lambda s: s.value)
def test_every_pill_reads_well(qtbot: Any, status: StepStatus) -> None:
    assert contrast(text_colour(status.colour), QColor(status.colour)) >= 4.5
    pill = StatusPill(status)
    qtbot.addWidget(pill)
    assert pill.sizeHint().width() > 40 and pill.accessibleName() == f"Statut : {status.label}"
    assert not pill.grab().isNull()


# -- the file's tab ----------------------------------------------------------------------------


def person_file(referent_id: int | None = 11) -> PersonFile:
    draft = PersonDraft(
        surname="Dupont",
        given_names="Jean",
        file_number="2026-000001",
        regime=Regime.MILIEU_OUVERT,
        referent_id=referent_id,
    )
    return PersonFile(Person(7, 1, draft), (), None, None, None, KeyDates())


def make_panel(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter, user: User = DPIP
) -> PersonRightsPanel:
    panel = PersonRightsPanel(
        rights,  # type: ignore[arg-type]
        FakePartners(),  # type: ignore[arg-type]
        runner,
        prompter,
        lambda: REFERENCE,
        user,
        lambda: TODAY,
    )
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_the_tab_lists_the_steps_with_pills_and_late_follow_ups(
    qtbot: Any, qtmodeltester: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    late = rights.open_step(7, c2s(follow_up_on=date(2026, 3, 5), opened_on=date(2026, 3, 1)))
    rights.open_step(7, c2s(kind=StepKind.RSA, partner_id=CAF.id))
    rights.open_step(8, c2s())  # someone else's
    panel = make_panel(qtbot, rights, runner, prompter)
    panel.set_file(person_file())
    panel.reload()
    model = panel.model
    assert model.rowCount() == 2
    qtmodeltester.check(model)
    row = panel._row_of(late.id)
    cells = [model.index(row, c).data() for c in range(model.columnCount())]
    assert cells[:5] == [
        "Complémentaire santé solidaire (C2S)",
        "Assurance maladie",
        "CPAM de la Gironde",
        "À engager",
        "05/03/2026 · en retard",
    ]
    assert model.index(row, 4).data(Qt.ItemDataRole.ForegroundRole) == QColor("#ce0500")
    assert model.index(row, 3).data(STATUS_ROLE) == S.TO_START.value
    assert panel.message_label.text() == "2 démarches : 2 ouvertes — 1 relance en retard."
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == [
        "Démarche",
        "Domaine",
        "Partenaire",
        "Statut",
        "Relance",
        "Échéance du droit",
        "Dernière mise à jour",
    ]


def test_new_and_open_go_through_the_dialog_and_tell_the_file(
    qtbot: Any,
    rights: FakeRights,
    runner: Any,
    prompter: FakePrompter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    step = rights.open_step(7, c2s())
    shown: list[tuple[Step | None, bool]] = []

    def ask(*args: Any) -> Step | None:
        shown.append((args[5], args[10]))
        if args[5] is None:
            return None  # cancelled
        current = rights.get_step(step.id)
        return rights.change_status(current.id, current.version, S.IN_PROGRESS)

    monkeypatch.setattr(StepDialog, "ask", staticmethod(ask))
    panel = make_panel(qtbot, rights, runner, prompter)
    panel.set_file(person_file())
    panel.reload()
    changed: list[bool] = []
    panel.changed.connect(lambda: changed.append(True))
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    assert shown[-1] == (None, False) and not changed  # cancelled: nothing to tell
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert shown[-1][0] == step and changed == [True]
    assert panel.model.record_at(0).status is S.IN_PROGRESS  # reloaded
    panel.show_step(step.id)
    assert shown[-1][0].id == step.id and shown[-1][0].status is S.IN_PROGRESS
    assert len(shown) == 3 and changed == [True, True]


def test_the_tab_is_read_only_outside_the_caseload(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    panel = make_panel(qtbot, rights, runner, prompter, CPIP)
    panel.set_file(person_file(referent_id=99))
    assert not panel.new_button.isVisible() and "lecture seule" in panel.open_button.toolTip()
    panel.set_file(person_file(referent_id=11))
    assert panel.new_button.isVisible() and panel.open_button.text() == "Ouvrir…"
    assert panel.new_button.text() == "Nouvelle démarche…"


# -- the service-wide page ---------------------------------------------------------------------


def line(
    number: int, status: StepStatus = S.IN_PROGRESS, follow_up: date | None = None
) -> StepLine:
    draft = c2s(follow_up_on=follow_up or date(2026, 3, 20))
    step = Step(
        number, 1, 100 + number, draft, status, datetime(2026, 3, 2), datetime(2026, 3, 2), ""
    )
    return StepLine(step, f"NOM{number} Prénom", f"2026-{number:06d}", "Élodie LEFÈVRE", "CPAM", "")


def make_page(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter, user: User = DPIP
) -> RightsPage:
    page = RightsPage(
        rights,  # type: ignore[arg-type]
        FakePartners(),  # type: ignore[arg-type]
        runner,
        prompter,
        lambda: Reference(agents=AGENTS),
        user,
        lambda: TODAY,
    )
    qtbot.addWidget(page)
    page.resize(1220, 700)
    page.show()
    return page


def test_the_page_filters_combine_into_one_query(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    rights.lines = [line(1, follow_up=date(2026, 3, 2)), line(2)]
    page = make_page(qtbot, rights, runner, prompter)
    page.refresh()
    assert page.count_label.text() == "2 démarches"
    assert rights.queries[-1][0] == StepQuery()
    assert page.partner_combo.findText("Association dissoute (archivé)") == 1
    # health data never select people (R113-51): those domains are not offered
    assert page.domain_combo.findData(RightsDomain.HEALTH.value) == -1
    assert page.domain_combo.findData(RightsDomain.DISABILITY.value) == -1
    page.domain_combo.setCurrentIndex(page.domain_combo.findData(RightsDomain.CAF.value))
    page.partner_combo.setCurrentIndex(page.partner_combo.findData(CPAM.id))
    page.referent_combo.setCurrentIndex(page.referent_combo.findData(11))
    page.agent_combo.setCurrentIndex(page.agent_combo.findData(12))
    qtbot.mouseClick(page.overdue_check, Qt.MouseButton.LeftButton)
    query = rights.queries[-1][0]
    assert (query.domain, query.partner_id, query.referent_id, query.agent_id, query.overdue) == (
        RightsDomain.CAF,
        CPAM.id,
        11,
        12,
        True,
    )
    assert not page.open_check.isEnabled()  # "en retard" concerns open steps only
    qtbot.mouseClick(page.overdue_check, Qt.MouseButton.LeftButton)
    page.status_combo.setCurrentIndex(page.status_combo.findData(S.OBTAINED.value))
    assert rights.queries[-1][0].status is S.OBTAINED and not page.open_check.isEnabled()
    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    assert rights.queries[-1][0] == StepQuery()
    # The referent's list leaves out agents gone, the agent's list too.
    assert page.referent_combo.findData(13) == -1


def test_the_page_shows_pills_late_dates_and_opens_on_enter(
    qtbot: Any, qtmodeltester: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    rights.lines = [line(1, follow_up=date(2026, 3, 2)), line(2, S.OBTAINED)]
    page = make_page(qtbot, rights, runner, prompter)
    page.refresh()
    model = page.model
    qtmodeltester.check(model)
    assert model.index(0, 0).data() == "NOM1 Prénom\nn° 2026-000001"
    assert model.index(0, 6).data() == "02/03/2026\nen retard"
    assert model.index(0, 6).data(Qt.ItemDataRole.ForegroundRole) == QColor("#ce0500")
    assert model.index(1, 3).data(STATUS_ROLE) == S.OBTAINED.value
    assert not page.table.grab().isNull()  # the pills paint
    opened: list[tuple[int, int]] = []
    page.open_step_requested.connect(lambda p, s: opened.append((p, s)))
    page.table.setFocus()
    page.table.setCurrentIndex(model.index(1, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    rect = page.table.visualRect(model.index(0, 1))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [(102, 2), (101, 1)]


def test_the_page_loads_further_pages_as_it_scrolls_and_sorts_by_header(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    rights.lines = [line(n) for n in range(1, 251)]
    page = make_page(qtbot, rights, runner, prompter)
    page.refresh()
    assert page.model.rowCount() == PAGE_SIZE
    assert page.count_label.text() == "250 démarches"
    while page.model.canFetchMore(page.table.rootIndex()):
        page.model.fetchMore(page.table.rootIndex())
    assert page.model.rowCount() == 250
    assert [offset for _, offset, _ in rights.queries] == [0, 100, 200]
    page.table.horizontalHeader().sectionClicked.emit(0)
    page.model.sort(0, Qt.SortOrder.DescendingOrder)
    assert rights.queries[-1][0].sort is StepSort.PERSON and rights.queries[-1][0].descending
    before = len(rights.queries)
    page.model.sort(2, Qt.SortOrder.AscendingOrder)  # the domain is not a sort key
    assert len(rights.queries) == before


def test_a_cpip_page_is_their_caseload(
    qtbot: Any, rights: FakeRights, runner: Any, prompter: FakePrompter
) -> None:
    page = make_page(qtbot, rights, runner, prompter, CPIP)
    assert not page.referent_combo.isEnabled()
    assert page.referent_combo.itemText(0) == "Mon portefeuille"
    assert "de votre portefeuille" in page.findChild(type(page.count_label), "pageIntro").text()
