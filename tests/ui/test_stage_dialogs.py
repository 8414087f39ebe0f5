"""Stage dialogs as pure views: plan a stage, enrol a person, end an enrolment."""

from __future__ import annotations

from datetime import date, time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from spip_desktop.domain.partners import Partner, PartnerDraft, PartnerKind
from spip_desktop.domain.stages import (
    PRICE_CAP,
    ActionKind,
    Cadre,
    EndKind,
    EnrolmentDraft,
    OrganiserKind,
    Session,
    SessionDraft,
    Stage,
    StageDraft,
    StageType,
    StageTypeDraft,
)
from spip_desktop.ui.enrol_dialog import (
    EndEnrolmentDialog,
    EnrolDialog,
    PersonChoice,
    places_text,
)
from spip_desktop.ui.stage_dialog import (
    COL_DAY,
    COL_END,
    COL_LABEL,
    COL_MINUTES,
    COL_START,
    StageDialog,
    parse_time,
    read_price,
    sessions_summary,
)
from tests.ui.conftest import FakePrompter, type_text

TODAY = date(2026, 3, 12)
NBSP = "\u00a0"

ROUTE = StageType(
    1,
    1,
    StageTypeDraft(
        "Stage de sensibilisation à la sécurité routière",
        ActionKind.STAGE,
        12 * 60,
        250_00,
        "Centre agréé",
    ),
    official=True,
)
CITIZEN = StageType(
    2, 1, StageTypeDraft("Stage de citoyenneté", ActionKind.STAGE, 6 * 60, 0, "SPIP"), True
)
PPR = StageType(
    3,
    1,
    StageTypeDraft(
        "Programme de prévention de la récidive (PPR)", ActionKind.PPR, 18 * 60, 0, "SPIP"
    ),
    official=True,
)
SPORT = StageType(
    4, 1, StageTypeDraft("Action sportive", ActionKind.COLLECTIVE, 3 * 60, 0, "Club"), True
)
RETIRED = StageType(
    5, 2, StageTypeDraft("Atelier théâtre", ActionKind.COLLECTIVE, 2 * 60, 0), active=False
)
TYPES = (SPORT, ROUTE, PPR, RETIRED, CITIZEN)

ROAD_CENTRE = Partner(
    7,
    1,
    PartnerDraft(
        "Centre agréé Prévention Routière 33",
        PartnerKind.STAGE_PROVIDER,
        address="12 rue Ravez, 33000 Bordeaux",
    ),
)
TOWN_HALL = Partner(
    8,
    1,
    PartnerDraft(
        "Mairie de Talence", PartnerKind.LOCAL_AUTHORITY, address="Place Alcala, 33400 Talence"
    ),
)
CLOSED_CSAPA = Partner(9, 2, PartnerDraft("CSAPA Écoute", PartnerKind.HEALTH), active=False)
PARTNERS = (ROAD_CENTRE, TOWN_HALL, CLOSED_CSAPA)


# -- helpers ----------------------------------------------------------------------------


def stage_dialog(
    qtbot, draft: StageDraft | None = None, enrolled: int = 0, prompter=None
) -> StageDialog:
    dialog = StageDialog(
        draft or StageDraft(), TYPES, enrolled, prompter or FakePrompter(), partners=PARTNERS
    )
    qtbot.addWidget(dialog)
    return dialog


def choose_type(dialog: StageDialog, stage_type: StageType) -> None:
    index = dialog.type_combo.findData(stage_type.id)
    assert index >= 0
    dialog.type_combo.setCurrentIndex(index)


def set_row(dialog: StageDialog, row: int, day: str, start: str, end: str, label: str = "") -> None:
    while dialog.table.rowCount() <= row:
        dialog.add_session()
    for column, text in ((COL_DAY, day), (COL_START, start), (COL_END, end), (COL_LABEL, label)):
        dialog.table.item(row, column).setText(text)


def rules(dialog: StageDialog) -> str:
    return dialog.rules_label.text() if not dialog.rules_panel.isHidden() else ""


def stage(
    stage_id: int,
    days: list[date],
    capacity: int | None = 10,
    enrolled: int = 0,
    stage_type: StageType = ROUTE,
    title: str = "",
) -> Stage:
    sessions = tuple(
        Session(stage_id * 10 + n, stage_id, day, time(9), time(12)) for n, day in enumerate(days)
    )
    draft = StageDraft(type_id=stage_type.id, title=title, capacity=capacity)
    return Stage(stage_id, 1, draft, stage_type, sessions, enrolled)


# -- pure helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:30", time(9, 30)),
        ("09h30", time(9, 30)),
        ("9h", time(9)),
        ("930", time(9, 30)),
        ("1430", time(14, 30)),
        ("14", time(14)),
        ("14.05", time(14, 5)),
        (" 17 H 00 ", time(17)),
        ("", None),
    ],
)
def test_times_are_read_as_officers_type_them(text: str, expected: time | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25h", "9:75", "midi", "9h3", "12345"])
def test_an_unreadable_time_says_so_in_french(text: str) -> None:
    with pytest.raises(ValueError, match="heure"):
        parse_time(text)


def test_the_price_field_reads_back_what_it_shows() -> None:
    assert read_price("Gratuit") == 0
    assert read_price("250,00\u00a0€") == 250_00
    assert read_price("") is None


def test_the_totals_line_counts_sessions_hours_and_dates() -> None:
    sessions = (
        SessionDraft(date(2026, 3, 2), time(9), time(12, 30)),
        SessionDraft(date(2026, 3, 2), time(13, 30), time(16)),
        SessionDraft(date(2026, 3, 3), time(9), time(15)),
    )
    assert sessions_summary(sessions) == (
        f"3 séances · 12{NBSP}h au total · du 02/03/2026 au 03/03/2026"
    )
    assert sessions_summary(sessions[:1]) == f"1 séance · 3{NBSP}h{NBSP}30 au total · le 02/03/2026"
    assert sessions_summary(()) == "Aucune séance"


# -- planning a stage -------------------------------------------------------------------


def test_types_are_grouped_stages_first_and_retired_ones_left_out(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    combo = dialog.type_combo
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts == [
        "Choisir…",
        "STAGES (ART. 131-5-1 DU CODE PÉNAL)",
        ROUTE.name,
        CITIZEN.name,
        "PROGRAMMES DE PRÉVENTION DE LA RÉCIDIVE",
        PPR.name,
        "ACTIONS COLLECTIVES",
        SPORT.name,
    ]
    model = combo.model()
    heading = model.index(1, 0)
    assert not model.flags(heading) & Qt.ItemFlag.ItemIsEnabled
    assert dialog.windowTitle() == "Planifier un stage"


def test_a_stored_stage_keeps_its_retired_type(qtbot) -> None:
    draft = StageDraft(type_id=RETIRED.id, sessions=(SessionDraft(TODAY, time(9), time(11)),))
    dialog = stage_dialog(qtbot, draft)
    assert dialog.type_combo.currentText() == "Atelier théâtre (retiré)"
    assert dialog.draft() == draft
    assert dialog.windowTitle() == "Modifier le stage"


def test_the_stage_dialog_builds_the_draft_from_its_widgets(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    choose_type(dialog, ROUTE)
    dialog.title_edit.setText("Session de mars — Bordeaux")
    assert not dialog.partner_combo.isEnabled()
    dialog.partner_radio.setChecked(True)
    assert dialog.partner_combo.isEnabled()
    type_text(dialog.partner_combo.lineEdit(), "Centre agréé Prévention Routière 33")
    dialog.venue_edit.setText("Maison des associations, Bordeaux")
    dialog.facilitators_edit.setText("Mme Martin, M. Leroy")
    dialog.capacity_spin.setValue(14)
    dialog.price_edit.setText("180,5")
    dialog.price_edit.editingFinished.emit()
    assert dialog.price_edit.text() == f"180,50{NBSP}€"
    dialog.hours_spin.setValue(11)
    dialog.minutes_spin.setValue(30)
    dialog.notes_edit.setPlainText("Salle 2, accès PMR.")
    set_row(dialog, 0, "2/3/26", "9h", "12h30", "Accueil")
    set_row(dialog, 1, "02/03/2026", "1330", "16", "Vitesse")
    set_row(dialog, 2, "03/03/2026", "9:00", "15:00")
    assert dialog.table.item(0, COL_DAY).text() == "02/03/2026"
    assert dialog.table.item(1, COL_START).text() == "13:30"
    assert dialog.table.item(2, COL_MINUTES).text() == f"6{NBSP}h"
    assert dialog.totals_label.text() == (
        f"3 séances · 12{NBSP}h au total · du 02/03/2026 au 03/03/2026"
    )
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft() == StageDraft(
        type_id=ROUTE.id,
        title="Session de mars — Bordeaux",
        organiser_kind=OrganiserKind.PARTNER,
        organiser_name="Centre agréé Prévention Routière 33",
        organiser_partner_id=ROAD_CENTRE.id,
        venue="Maison des associations, Bordeaux",
        capacity=14,
        price_cents=180_50,
        required_minutes=11 * 60 + 30,
        facilitators="Mme Martin, M. Leroy",
        notes="Salle 2, accès PMR.",
        sessions=(
            SessionDraft(date(2026, 3, 2), time(9), time(12, 30), "Accueil"),
            SessionDraft(date(2026, 3, 2), time(13, 30), time(16), "Vitesse"),
            SessionDraft(date(2026, 3, 3), time(9), time(15)),
        ),
    )


def test_seven_hours_in_a_day_break_the_stage_rule_but_not_a_programme(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    choose_type(dialog, ROUTE)
    set_row(dialog, 0, "02/03/2026", "09:00", "12:00")
    set_row(dialog, 1, "02/03/2026", "13:00", "17:00")
    assert "compte 7\u00a0h de stage" in rules(dialog)
    assert "ne peut pas dépasser 6 heures par jour" in rules(dialog)
    assert not dialog.rules_reminder.isHidden()
    choose_type(dialog, PPR)
    assert rules(dialog) == ""
    assert "sessions" not in dialog.validation().errors
    assert dialog.rules_reminder.isHidden()


def test_a_stage_over_more_than_a_month_is_refused(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    choose_type(dialog, CITIZEN)
    set_row(dialog, 0, "02/03/2026", "09:00", "12:00")
    set_row(dialog, 1, "06/04/2026", "09:00", "12:00")
    assert "du 02/03/2026 au 06/04/2026" in rules(dialog)
    assert "ne peut pas dépasser un mois" in rules(dialog)


def test_overlapping_sessions_are_refused(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    choose_type(dialog, SPORT)
    set_row(dialog, 0, "02/03/2026", "09:00", "12:00")
    set_row(dialog, 1, "02/03/2026", "11:00", "13:00")
    assert rules(dialog) == (
        f"Le 02/03/2026, les séances de 9{NBSP}h à 12{NBSP}h et de 11{NBSP}h à 13{NBSP}h "
        "se chevauchent."
    )


def test_a_session_ending_before_it_starts_is_refused(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    choose_type(dialog, SPORT)
    set_row(dialog, 0, "02/03/2026", "14:00", "10:00")
    assert "l'heure de fin (10\u00a0h) doit suivre l'heure de début (14\u00a0h)" in rules(dialog)
    assert dialog.table.item(0, COL_MINUTES).text() == "—"


def test_an_unreadable_cell_turns_red_with_a_sentence(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    set_row(dialog, 0, "31/02/2026", "9h", "midi")
    text = rules(dialog)
    assert "Séance 1, date : Le 31/02/2026 n'existe pas dans le calendrier." in text
    assert "Séance 1, heure de fin : « midi » n'est pas une heure" in text
    day = dialog.table.item(0, COL_DAY)
    assert day.background().color().name() == "#ffe9e9"
    assert "n'existe pas" in day.toolTip()
    assert dialog.table.item(0, COL_START).background().style() == Qt.BrushStyle.NoBrush
    set_row(dialog, 0, "28/02/2026", "9h", "12h")
    assert dialog.table.item(0, COL_DAY).background().style() == Qt.BrushStyle.NoBrush


def test_no_session_keeps_the_dialog_open_with_every_sentence(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    assert dialog.errors["type_id"].isHidden()  # nothing shown before a touch
    assert dialog.rules_panel.isHidden()
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.errors["type_id"].text() == "Choisissez le type de stage ou d'action."
    assert rules(dialog) == "Ajoutez au moins une séance (date, heure de début et de fin)."


def test_a_blank_new_row_is_left_out_of_the_draft(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    dialog.add_session()
    assert dialog.table.rowCount() == 1
    assert dialog.draft().sessions == ()


def test_a_stage_price_over_450_euros_is_an_error_shown_live(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    choose_type(dialog, ROUTE)
    dialog.price_edit.setText("500")
    assert dialog.errors["price_cents"].text() == PRICE_CAP
    assert dialog.price_edit.property("invalid") is True
    choose_type(dialog, SPORT)  # the text the user typed stays; no cap for an action
    assert dialog.price_edit.text() == "500"
    assert dialog.errors["price_cents"].isHidden()
    dialog.price_edit.setText("douze")
    assert "n'est pas un montant en euros" in dialog.errors["price_cents"].text()


def test_choosing_a_type_fills_price_and_hours_only_when_empty(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    assert dialog.all_sessions_check.isChecked()
    choose_type(dialog, ROUTE)
    assert dialog.price_edit.text() == f"250,00{NBSP}€"
    assert dialog.draft().required_minutes == 12 * 60
    choose_type(dialog, PPR)  # what the dialog filled itself follows the type
    assert dialog.price_edit.text() == "Gratuit"
    assert dialog.draft().price_cents == 0
    assert dialog.draft().required_minutes == 18 * 60
    dialog.price_edit.setText("90")
    dialog.hours_spin.setValue(10)
    choose_type(dialog, ROUTE)  # what the user typed is never overwritten
    assert dialog.price_edit.text() == "90"
    assert dialog.draft().required_minutes == 10 * 60
    dialog.price_edit.clear()
    choose_type(dialog, CITIZEN)  # an emptied field is filled again
    assert dialog.price_edit.text() == "Gratuit"
    assert dialog.draft().required_minutes == 10 * 60


def test_editing_a_stored_stage_never_replaces_its_values(qtbot) -> None:
    draft = StageDraft(
        type_id=SPORT.id,
        price_cents=12_00,
        sessions=(SessionDraft(TODAY, time(9), time(11), id=4),),
    )
    dialog = stage_dialog(qtbot, draft)
    assert not dialog.is_modified()
    choose_type(dialog, ROUTE)
    assert dialog.draft().price_cents == 12_00
    assert dialog.draft().required_minutes is None


def test_editing_a_stored_stage_keeps_session_ids(qtbot) -> None:
    draft = StageDraft(
        type_id=ROUTE.id,
        capacity=12,
        price_cents=250_00,
        sessions=(
            SessionDraft(date(2026, 3, 2), time(9), time(12), "Accueil", id=31),
            SessionDraft(date(2026, 3, 3), time(9), time(12), "Bilan", id=32),
            SessionDraft(date(2026, 3, 4), time(9), time(12), "", id=33),
        ),
    )
    prompter = FakePrompter()
    dialog = stage_dialog(qtbot, draft, enrolled=5, prompter=prompter)
    assert dialog.draft() == draft
    dialog.table.item(1, COL_START).setText("9h30")
    dialog.table.setCurrentCell(0, COL_DAY)
    prompter.answers.append(True)
    dialog.delete_button.click()
    assert prompter.asked[-1][0] == "Supprimer la séance ?"
    assert "02/03/2026" in prompter.asked[-1][1]
    dialog.add_session()
    sessions = dialog.draft().sessions
    assert [s.id for s in sessions] == [32, 33, None]
    assert sessions[0] == SessionDraft(date(2026, 3, 3), time(9, 30), time(12), "Bilan", 32)
    assert sessions[2] == SessionDraft(date(2026, 3, 5), time(9), time(12))


def test_a_stored_session_stays_when_its_deletion_is_not_confirmed(qtbot) -> None:
    draft = StageDraft(type_id=SPORT.id, sessions=(SessionDraft(TODAY, time(9), time(11), id=7),))
    prompter = FakePrompter()
    dialog = stage_dialog(qtbot, draft, prompter=prompter)
    dialog.table.setCurrentCell(0, COL_LABEL)
    prompter.answers.append(False)
    dialog.delete_button.click()
    assert dialog.table.rowCount() == 1
    assert dialog.draft() == draft


def test_add_and_duplicate_follow_the_sessions_already_typed(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    assert not dialog.duplicate_button.isEnabled()
    dialog.add_session()
    assert [dialog.table.item(0, c).text() for c in (COL_DAY, COL_START, COL_END)] == ["", "", ""]
    set_row(dialog, 0, "02/03/2026", "13:30", "16:30", "Accueil")
    dialog.add_session()
    assert [dialog.table.item(1, c).text() for c in (COL_DAY, COL_START, COL_END)] == [
        "03/03/2026",
        "13:30",
        "16:30",
    ]
    assert dialog.table.currentRow() == 1
    dialog.table.setCurrentCell(0, COL_DAY)
    dialog.duplicate_button.click()
    assert dialog.table.rowCount() == 3
    copy = dialog.draft().sessions[1]
    assert copy == SessionDraft(date(2026, 3, 3), time(13, 30), time(16, 30), "Accueil")


def test_capacity_under_the_enrolled_needs_a_reason(qtbot) -> None:
    prompter = FakePrompter()
    dialog = stage_dialog(qtbot, enrolled=12, prompter=prompter)
    choose_type(dialog, ROUTE)
    set_row(dialog, 0, "02/03/2026", "09:00", "15:00")
    set_row(dialog, 1, "03/03/2026", "09:00", "15:00")
    assert dialog.override_box.isHidden()
    dialog.capacity_spin.setValue(10)
    assert not dialog.override_box.isHidden()
    assert dialog.errors["capacity_override_reason"].text() == (
        "12 personnes sont déjà inscrites pour 10 places : "
        "indiquez pourquoi la capacité est dépassée."
    )
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert prompter.asked == []
    dialog.override_edit.setText("Deux orientations en urgence du JAP")
    assert dialog.errors["capacity_override_reason"].isHidden()
    assert dialog.warning_label.text() == (
        "12 personnes sont déjà inscrites pour 10 places (dépassement motivé)."
    )
    prompter.answers.append(False)
    dialog.save_button.click()
    assert prompter.asked[-1][0] == "Enregistrer malgré l'avertissement ?"
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft().capacity_override_reason == "Deux orientations en urgence du JAP"
    dialog.capacity_spin.setValue(12)  # back within capacity: no reason kept
    assert dialog.override_box.isHidden()
    assert dialog.draft().capacity_override_reason == ""


def test_required_hours_follow_every_session_when_ticked(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    set_row(dialog, 0, "02/03/2026", "09:00", "12:30")
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(SPORT.id))  # via the index
    dialog.all_sessions_check.setChecked(True)
    assert dialog.draft().required_minutes is None
    assert not dialog.hours_spin.isEnabled()
    assert (dialog.hours_spin.value(), dialog.minutes_spin.value()) == (3, 30)
    dialog.all_sessions_check.setChecked(False)
    assert dialog.hours_spin.isEnabled()
    assert dialog.draft().required_minutes == 3 * 60 + 30
    dialog.hours_spin.setValue(5)
    assert "dépassent la durée des séances" in dialog.errors["required_minutes"].text()


def test_a_partner_organiser_is_chosen_in_the_directory(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    dialog.partner_radio.setChecked(True)
    error = dialog.errors["organiser_partner_id"]
    assert error.text() == "Choisissez dans l'annuaire le partenaire qui organise le stage."
    type_text(dialog.partner_combo.lineEdit(), "Association inconnue")
    assert dialog.draft().organiser_partner_id is None
    assert not error.isHidden()
    dialog.spip_radio.setChecked(True)
    assert error.isHidden()


def test_the_organiser_combo_filters_as_the_user_types_accents_aside(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    dialog.partner_radio.setChecked(True)
    names = [dialog.partner_combo.itemText(i) for i in range(dialog.partner_combo.count())]
    assert names == ["Centre agréé Prévention Routière 33", "Mairie de Talence"]  # no archived
    completer = dialog.partner_combo.completer()
    completer.setCompletionPrefix("prevention routiere")
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "Centre agréé Prévention Routière 33"
    completer.setCompletionPrefix("TALENCE")
    assert completer.currentCompletion() == "Mairie de Talence"
    dialog.partner_combo.setCurrentIndex(dialog.partner_combo.findData(TOWN_HALL.id))
    draft = dialog.draft()
    assert (draft.organiser_partner_id, draft.organiser_name) == (TOWN_HALL.id, "Mairie de Talence")
    assert dialog.errors["organiser_partner_id"].isHidden()


def test_an_archived_organiser_stays_shown_by_name_on_its_stage(qtbot) -> None:
    draft = StageDraft(
        type_id=ROUTE.id,
        organiser_kind=OrganiserKind.PARTNER,
        organiser_name="CSAPA Écoute",
        organiser_partner_id=CLOSED_CSAPA.id,
        sessions=(SessionDraft(TODAY, time(9), time(12)),),
    )
    dialog = stage_dialog(qtbot, draft)
    assert dialog.partner_combo.currentText() == "CSAPA Écoute (archivé)"
    assert dialog.draft() == draft
    assert not dialog.is_modified()


def test_a_venue_lent_by_a_partner_fills_its_address(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    combo = dialog.venue_partner_combo
    combo.setCurrentIndex(combo.findData(TOWN_HALL.id))
    assert dialog.venue_edit.text() == "Mairie de Talence, Place Alcala, 33400 Talence"
    dialog.venue_edit.setText("Mairie de Talence, salle du conseil")  # the room, typed after
    draft = dialog.draft()
    assert draft.venue_partner_id == TOWN_HALL.id
    assert draft.venue == "Mairie de Talence, salle du conseil"
    combo.setEditText("")  # the field emptied: no partner
    assert dialog.draft().venue_partner_id is None
    assert dialog.venue_edit.text() == "Mairie de Talence, salle du conseil"  # typed text kept


@pytest.mark.parametrize(("answer", "closed"), [(False, False), (True, True)])
def test_cancelling_a_modified_stage_asks_first(qtbot, answer: bool, closed: bool) -> None:
    prompter = FakePrompter()
    dialog = stage_dialog(qtbot, prompter=prompter)
    dialog.show()
    dialog.venue_edit.setText("Salle B")
    prompter.answers.append(answer)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert prompter.asked[-1][0] == "Abandonner la saisie ?"
    assert dialog.isVisible() is not closed


def test_ask_returns_none_on_cancel_and_the_draft_on_save(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StageDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert StageDialog.ask(StageDraft(), TYPES, 0, FakePrompter()) is None

    def save(self: StageDialog) -> int:
        choose_type(self, SPORT)
        set_row(self, 0, "02/03/2026", "14:00", "17:00")
        self.save_button.click()
        return self.result()

    monkeypatch.setattr(StageDialog, "exec", save)
    draft = StageDialog.ask(StageDraft(), TYPES, 0, FakePrompter(), service_name="SPIP 33")
    assert draft is not None
    assert draft.type_id == SPORT.id
    assert draft.sessions == (SessionDraft(date(2026, 3, 2), time(14), time(17)),)


def test_tab_skips_the_computed_duration(qtbot) -> None:
    dialog = stage_dialog(qtbot)
    dialog.show()
    set_row(dialog, 0, "02/03/2026", "09:00", "12:00")
    dialog.table.setFocus()
    dialog.table.setCurrentCell(0, COL_END)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Tab)
    assert dialog.table.currentColumn() == COL_LABEL


# -- enrolling a person -----------------------------------------------------------------

MARCH = stage(1, [date(2026, 3, 16), date(2026, 3, 17)], 10, 7, title="Session de mars")
APRIL_FULL = stage(2, [date(2026, 4, 13), date(2026, 4, 14)], 10, 10, title="Session d'avril")
RUNNING = stage(3, [date(2026, 3, 10), date(2026, 3, 24)], 12, 3, CITIZEN)
DONE = stage(4, [date(2026, 2, 2), date(2026, 2, 3)], 12, 3)
PROGRAMME = stage(5, [date(2026, 3, 20), date(2026, 5, 15)], None, 5, PPR, "Cycle printemps")
STAGES = (APRIL_FULL, DONE, PROGRAMME, MARCH, RUNNING)
PEOPLE = (
    PersonChoice(11, "DUPONT Jean — n° 2026-000123 — né le 12/03/1990"),
    PersonChoice(12, "DUPONT Marie — n° 2025-000981 — née le 03/07/1985"),
    PersonChoice(13, "DURAND Éric — n° 2024-000456 — né le 30/11/1978"),
)


def person_dialog(qtbot, prompter=None, enrolled: set[int] | None = None) -> EnrolDialog:
    dialog = EnrolDialog.for_person(
        "DUPONT Jean", 11, STAGES, TODAY, enrolled or {RUNNING.id}, prompter or FakePrompter()
    )
    qtbot.addWidget(dialog)
    return dialog


def stage_items(dialog: EnrolDialog) -> list[tuple[str, bool]]:
    assert dialog.stage_list is not None
    items = [dialog.stage_list.item(i) for i in range(dialog.stage_list.count())]
    return [(i.text(), bool(i.flags() & Qt.ItemFlag.ItemIsEnabled)) for i in items]


def test_places_left_read_as_officers_say_them() -> None:
    assert places_text(MARCH) == "3 places"
    assert places_text(APRIL_FULL) == "complet"
    assert places_text(stage(9, [TODAY], 5, 4)) == "1 place"
    assert places_text(PROGRAMME) == "places non limitées"


def test_from_a_file_upcoming_and_running_stages_are_listed(qtbot) -> None:
    dialog = person_dialog(qtbot)
    assert stage_items(dialog) == [
        (
            "Stage de citoyenneté (déjà inscrit)\n"
            "du 10/03/2026 au 24/03/2026 (en cours) · 9 places",
            False,
        ),
        (
            f"{ROUTE.name} — Session de mars\ndu 16/03/2026 au 17/03/2026 · 3 places",
            True,
        ),
        (
            f"{PPR.name} — Cycle printemps\ndu 20/03/2026 au 15/05/2026 · places non limitées",
            True,
        ),
        (f"{ROUTE.name} — Session d'avril\ndu 13/04/2026 au 14/04/2026 · complet", True),
    ]
    dialog.select_stage(RUNNING.id)  # already enrolled: cannot be chosen
    assert dialog.selected_stage() is None
    assert dialog.stage_list is not None
    dialog.stage_list.setCurrentRow(0)
    assert dialog.selected_stage() is None
    dialog.save_button.click()
    assert dialog.errors["stage_id"].text() == "Choisissez le stage ou l'action."
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_sursis_probatoire_without_final_date_is_an_error(qtbot) -> None:
    dialog = person_dialog(qtbot)
    dialog.select_stage(MARCH.id)
    assert dialog.final_date_label.text() == "Condamnation définitive le"
    dialog.cadre_combo.setCurrentIndex(dialog.cadre_combo.findData(Cadre.SURSIS_PROBATOIRE))
    assert dialog.final_date_label.text() == "Condamnation définitive le *"
    assert dialog.recipient_label.text() == (
        "Attestation adressée à : Le service pénitentiaire d'insertion et de probation, "
        "qui en informe le juge de l'application des peines"
    )
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert (
        dialog.errors["final_date"]
        .text()
        .startswith("Indiquez la date à laquelle la condamnation est devenue définitive")
    )
    dialog.final_date_field.line_edit.setText("15/01/2026")
    assert dialog.errors["final_date"].isHidden()
    dialog.reference_edit.setText("Jugement du 02/01/2026, parquet n° 26/001/042")
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft() == EnrolmentDraft(
        stage_id=MARCH.id,
        person_id=11,
        cadre=Cadre.SURSIS_PROBATOIRE,
        decision_reference="Jugement du 02/01/2026, parquet n° 26/001/042",
        final_date=date(2026, 1, 15),
    )


def test_the_deadline_line_and_its_warning_show_live(qtbot) -> None:
    prompter = FakePrompter()
    dialog = person_dialog(qtbot, prompter)
    dialog.cadre_combo.setCurrentIndex(dialog.cadre_combo.findData(Cadre.PEINE))
    dialog.final_date_field.set_value(date(2025, 10, 2))
    assert dialog.deadline_label.text() == (
        "Date limite pour accomplir le stage : 2 avril 2026 "
        "(6 mois après la condamnation définitive)"
    )
    dialog.final_date_field.set_value(date(2026, 3, 12))
    assert dialog.deadline_text().startswith(
        "Date limite pour accomplir le stage : 12 septembre 2026"
    )
    dialog.final_date_field.set_value(date(2025, 10, 2))
    dialog.select_stage(MARCH.id)
    assert dialog.warning_label.isHidden()
    dialog.select_stage(APRIL_FULL.id)
    assert dialog.warning_label.text().startswith(
        "Le stage se termine le 14/04/2026, après la date limite du 02/04/2026"
    )
    dialog.select_stage(PROGRAMME.id)  # a programme has no deadline
    assert dialog.deadline_label.isHidden()
    assert dialog.warning_label.isHidden()
    dialog.cadre_combo.setCurrentIndex(dialog.cadre_combo.findData(Cadre.ALTERNATIVE))
    dialog.select_stage(MARCH.id)
    assert dialog.deadline_label.isHidden()  # no conviction: no deadline
    assert dialog.recipient_label.text().startswith("Attestation adressée à : Monsieur ou Madame")


def test_a_full_stage_requires_a_reason(qtbot) -> None:
    prompter = FakePrompter()
    dialog = person_dialog(qtbot, prompter)
    dialog.cadre_combo.setCurrentIndex(dialog.cadre_combo.findData(Cadre.ACCOMPAGNEMENT))
    dialog.select_stage(MARCH.id)
    assert dialog.override_box.isHidden()
    dialog.select_stage(APRIL_FULL.id)
    assert not dialog.override_box.isHidden()
    dialog.save_button.click()
    assert dialog.errors["capacity_override_reason"].text() == (
        "Le stage est complet (10 places) : indiquez pourquoi vous inscrivez une personne de plus."
    )
    dialog.override_edit.setText("Demande expresse du JAP")
    assert dialog.warning_label.text() == (
        "Le stage est complet (10 places) : inscription en surnombre motivée."
    )
    prompter.answers.append(True)
    dialog.save_button.click()
    assert prompter.asked[-1][0] == "Inscrire malgré l'avertissement ?"
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft().capacity_override_reason == "Demande expresse du JAP"
    assert dialog.draft().stage_id == APRIL_FULL.id


def test_from_a_stage_the_person_is_searched(qtbot) -> None:
    asked: list[str] = []

    def search(text: str) -> list[PersonChoice]:
        asked.append(text)
        return [p for p in PEOPLE if text.casefold() in p.label.casefold()]

    dialog = EnrolDialog.for_stage(MARCH, search, TODAY, {12}, FakePrompter())
    qtbot.addWidget(dialog)
    assert dialog.search_edit is not None and dialog.result_list is not None
    dialog.search_edit.setText("d")
    assert asked == []
    assert "au moins 2 caractères" in (dialog.search_hint.text() if dialog.search_hint else "")
    dialog.search_edit.setText("dupont")
    assert asked == ["dupont"]
    texts = [dialog.result_list.item(i).text() for i in range(dialog.result_list.count())]
    assert texts == [PEOPLE[0].label, f"{PEOPLE[1].label} (déjà inscrit)"]
    dialog.result_list.setCurrentRow(1)  # already enrolled: cannot be chosen
    assert dialog.selected_person_id() is None
    dialog.result_list.setCurrentRow(0)
    assert dialog.selected_person_id() == 11
    dialog.search_edit.setText("dupont j")  # still listed: still chosen
    assert dialog.selected_person_id() == 11
    dialog.search_edit.setText("zz")
    assert dialog.selected_person_id() is None
    assert dialog.search_hint is not None
    assert dialog.search_hint.text() == "Aucune personne ne correspond à « zz »."
    dialog.save_button.click()
    assert dialog.errors["person_id"].text() == "Choisissez la personne à inscrire."
    dialog.search_edit.setText("durand")
    dialog.result_list.setCurrentRow(0)
    dialog.cadre_combo.setCurrentIndex(dialog.cadre_combo.findData(Cadre.COMPOSITION))
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft() == EnrolmentDraft(
        stage_id=MARCH.id, person_id=13, cadre=Cadre.COMPOSITION
    )


def test_arrow_down_goes_from_the_search_to_the_first_person_to_choose(qtbot) -> None:
    dialog = EnrolDialog.for_stage(MARCH, lambda _text: PEOPLE, TODAY, {11}, FakePrompter())
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.search_edit is not None
    dialog.search_edit.setText("du")
    dialog.search_edit.setFocus()
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Down)
    assert dialog.selected_person_id() == 12


def test_an_already_enrolled_person_is_refused_even_if_forced(qtbot) -> None:
    dialog = EnrolDialog.for_stage(MARCH, lambda _text: PEOPLE, TODAY, set(), FakePrompter())
    qtbot.addWidget(dialog)
    dialog._enrolled_person_ids.add(11)  # enrolled by a colleague meanwhile
    assert dialog.search_edit is not None and dialog.result_list is not None
    dialog.search_edit.setText("dupont")
    dialog.result_list.setCurrentRow(0)
    assert dialog.selected_person_id() is None


def test_the_enrol_seams_return_none_on_cancel(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EnrolDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    prompter = FakePrompter()
    assert EnrolDialog.ask_for_person("DUPONT Jean", 11, STAGES, TODAY, set(), prompter) is None
    assert EnrolDialog.ask_for_stage(MARCH, lambda _t: PEOPLE, TODAY, set(), prompter) is None

    def enrol(self: EnrolDialog) -> int:
        self.select_stage(MARCH.id)
        self.cadre_combo.setCurrentIndex(self.cadre_combo.findData(Cadre.ALTERNATIVE))
        self.save_button.click()
        return self.result()

    monkeypatch.setattr(EnrolDialog, "exec", enrol)
    assert EnrolDialog.ask_for_person(
        "DUPONT Jean", 11, STAGES, TODAY, set(), prompter
    ) == EnrolmentDraft(stage_id=MARCH.id, person_id=11, cadre=Cadre.ALTERNATIVE)


def test_enrol_dialog_needs_a_person_or_a_stage() -> None:
    with pytest.raises(ValueError):
        EnrolDialog(TODAY, FakePrompter())


# -- ending an enrolment ----------------------------------------------------------------


def end_dialog(qtbot, prompter=None) -> EndEnrolmentDialog:
    dialog = EndEnrolmentDialog(
        "DUPONT Jean", "Stage de citoyenneté — mars", TODAY, prompter or FakePrompter()
    )
    qtbot.addWidget(dialog)
    return dialog


def test_ending_without_a_reason_is_refused(qtbot) -> None:
    prompter = FakePrompter()
    dialog = end_dialog(qtbot, prompter)
    assert dialog.date_field.value() == TODAY
    dialog.exclusion_radio.setChecked(True)
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.errors["reason"].text() == "Indiquez le motif."
    assert prompter.asked == []
    dialog.reason_edit.setPlainText("   ")
    assert dialog.errors["reason"].text() == "Indiquez le motif."


def test_ending_needs_a_kind_and_a_past_day(qtbot) -> None:
    dialog = end_dialog(qtbot)
    dialog.reason_edit.setPlainText("Absences répétées")
    dialog.date_field.set_value(date(2026, 3, 13))
    dialog.save_button.click()
    assert dialog.errors["kind"].text() == "Choisissez abandon ou exclusion."
    assert dialog.errors["day"].text() == "La date ne peut pas être dans le futur."
    dialog.date_field.line_edit.setText("32/03/2026")
    assert "n'existe pas" in dialog.errors["day"].text()


def test_ending_confirms_then_returns_kind_day_and_reason(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(EndEnrolmentDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert EndEnrolmentDialog.ask("DUPONT Jean", "Stage", TODAY, FakePrompter()) is None
    prompter = FakePrompter()
    prompter.answers.extend([False, True])

    def end(self: EndEnrolmentDialog) -> int:
        self.exclusion_radio.setChecked(True)
        self.date_field.set_value(date(2026, 3, 10))
        self.reason_edit.setPlainText("Comportement violent envers un intervenant.\n")
        self.save_button.click()  # "Revenir à la saisie"
        assert self.result() != QDialog.DialogCode.Accepted
        self.save_button.click()
        return self.result()

    monkeypatch.setattr(EndEnrolmentDialog, "exec", end)
    outcome = EndEnrolmentDialog.ask("DUPONT Jean", "Stage de citoyenneté", TODAY, prompter)
    assert outcome == (
        EndKind.EXCLU,
        date(2026, 3, 10),
        "Comportement violent envers un intervenant.",
    )
    title, text = prompter.asked[-1]
    assert title == "Confirmer l'exclusion de DUPONT Jean ?"
    assert "« Stage de citoyenneté » prendra fin le 10/03/2026 (exclusion)" in text


def test_an_abandon_is_confirmed_as_such(qtbot) -> None:
    prompter = FakePrompter()
    dialog = end_dialog(qtbot, prompter)
    dialog.abandon_radio.setChecked(True)
    dialog.reason_edit.setPlainText("Déménagement hors du ressort")
    dialog.save_button.click()
    assert prompter.asked[-1][0] == "Confirmer l'abandon de DUPONT Jean ?"
    assert dialog.outcome() == (EndKind.ABANDON, TODAY, "Déménagement hors du ressort")


def test_the_person_search_runs_off_the_gui_thread_and_keeps_the_last_words(qtbot) -> None:
    import threading

    from spip_desktop.ui.tasks import TaskRunner

    threads: list[bool] = []
    release = threading.Event()

    def search(text: str) -> list[PersonChoice]:
        threads.append(threading.current_thread() is threading.main_thread())
        if text == "du":
            release.wait(5)  # an old, slow answer: it must not replace the newer one
        return [p for p in PEOPLE if text.casefold() in p.label.casefold()]

    runner = TaskRunner(on_error=lambda error: None)
    dialog = EnrolDialog.for_stage(MARCH, search, TODAY, set(), FakePrompter(), runner=runner)
    qtbot.addWidget(dialog)
    assert dialog.search_edit is not None and dialog.result_list is not None
    dialog.search_edit.setText("du")
    dialog.search_edit.setText("durand")
    qtbot.waitUntil(lambda: dialog.result_list.count() == 1)
    release.set()
    runner.wait()
    texts = [dialog.result_list.item(i).text() for i in range(dialog.result_list.count())]
    assert texts == [p.label for p in PEOPLE if "durand" in p.label.casefold()]
    assert threads == [False, False]
    runner.shutdown()
