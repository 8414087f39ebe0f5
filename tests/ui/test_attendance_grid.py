"""The attendance grid: model, keyboard entry, refusals, pending changes, history dialog."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QInputDialog

from spip_desktop import resources
from spip_desktop.domain.stages import (
    ActionKind,
    AttendanceChange,
    AttendanceCode,
    AttendanceRecord,
    AttendanceSheet,
    Cadre,
    EndKind,
    Enrolment,
    EnrolmentEnd,
    PersonSummary,
    Session,
    Stage,
    StageDraft,
    StageType,
    StageTypeDraft,
    current_records,
)
from spip_desktop.ui.attendance_grid import (
    CODE_ROLE,
    HOURS_HEADER,
    LEGEND,
    NOT_STARTED_TOOLTIP,
    PENDING_BACKGROUND,
    PENDING_TOOLTIP,
    AttendanceGrid,
    AttendanceGridModel,
    AttendanceHistoryDialog,
)

NOW = datetime(2026, 3, 13, 15, 0)
STAGE_ID = 7
S1, S2, S3 = 11, 12, 13  # 12/03 and 13/03 are over; 20/03 is to come
DUPONT, MARTIN, BERNARD = 101, 102, 103  # BERNARD left on 12/03, after session 1
# Columns: 0 person, 1..3 sessions, 4 hours.
C1, C2, C3, HOURS = 1, 2, 3, 4

NBSP = "\u00a0"


def hours(text: str) -> str:
    return text.replace(" h", f"{NBSP}h")


def make_stage() -> Stage:
    stage_type = StageType(
        id=1,
        version=1,
        draft=StageTypeDraft("Stage de citoyenneté", ActionKind.STAGE, 12 * 60, 0, "SPIP"),
        official=True,
    )
    sessions = (
        Session(S1, STAGE_ID, date(2026, 3, 12), time(9), time(12), "Accueil"),
        Session(S2, STAGE_ID, date(2026, 3, 13), time(9), time(12)),
        Session(S3, STAGE_ID, date(2026, 3, 20), time(9), time(12)),
    )
    draft = StageDraft(type_id=1, title="mars 2026", required_minutes=6 * 60)
    return Stage(STAGE_ID, 1, draft, stage_type, sessions, enrolled=3)


def make_enrolment(enrolment_id: int, surname: str, given: str, end: EnrolmentEnd | None):
    person = PersonSummary(
        id=enrolment_id + 1000,
        surname=surname,
        given_names=given,
        file_number=f"2026-{enrolment_id}",
    )
    return Enrolment(
        id=enrolment_id,
        version=1,
        stage_id=STAGE_ID,
        person=person,
        cadre=Cadre.PEINE,
        decision_reference="",
        final_date=date(2026, 1, 5),
        enrolled_on=date(2026, 2, 1),
        end=end,
    )


def record(
    record_id: int,
    enrolment_id: int,
    session_id: int,
    code: AttendanceCode,
    reason: str = "",
    supersedes: int | None = None,
    at: datetime = datetime(2026, 3, 12, 12, 5),
) -> AttendanceRecord:
    return AttendanceRecord(
        record_id, enrolment_id, session_id, code, reason, "Claire ROUX", at, supersedes
    )


ALL_RECORDS = (
    record(501, DUPONT, S1, AttendanceCode.PRESENT),
    record(500, MARTIN, S1, AttendanceCode.UNEXCUSED),
    record(
        502,
        MARTIN,
        S1,
        AttendanceCode.EXCUSED,
        "Convocation au tribunal",
        supersedes=500,
        at=datetime(2026, 3, 12, 16, 40),
    ),
    record(503, BERNARD, S1, AttendanceCode.LATE),
)


def make_sheet(records: tuple[AttendanceRecord, ...] = ALL_RECORDS) -> AttendanceSheet:
    enrolments = (
        make_enrolment(DUPONT, "Dupont", "Jean", None),
        make_enrolment(MARTIN, "Martin", "Léa", None),
        make_enrolment(
            BERNARD,
            "Bernard",
            "Paul",
            EnrolmentEnd(EndKind.ABANDON, date(2026, 3, 12), "Déménagement"),
        ),
    )
    return AttendanceSheet(make_stage(), enrolments, current_records(records))


class FakeAsker:
    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str | None:
        self.prompts.append(prompt)
        return self.answer


@pytest.fixture
def model() -> AttendanceGridModel:
    grid_model = AttendanceGridModel()
    grid_model.load(make_sheet(), NOW)
    return grid_model


def make_grid(qtbot, answer: str | None = "Rendez-vous médical") -> AttendanceGrid:
    asker = FakeAsker(answer)
    grid = AttendanceGrid(ask_reason=asker)
    grid.asker = asker  # type: ignore[attr-defined]
    qtbot.addWidget(grid)
    grid.load(make_sheet(), NOW)
    grid.resize(900, 400)
    grid.show()
    qtbot.waitExposed(grid)
    grid.view.setFocus()
    return grid


def text(model: AttendanceGridModel, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, column), role)


# -- the model --------------------------------------------------------------------------


def test_model_passes_the_model_tester(qtmodeltester, model) -> None:
    qtmodeltester.check(model)
    qtmodeltester.check(model, force_py=True)
    assert model.set_code(0, C2, AttendanceCode.PRESENT) is None
    assert model.set_code(1, C2, AttendanceCode.EXCUSED, "Maladie") is None
    qtmodeltester.check(model)
    qtmodeltester.check(model, force_py=True)
    empty = AttendanceGridModel()
    qtmodeltester.check(empty, force_py=True)


def test_model_shows_people_sessions_and_hours(model) -> None:
    assert (model.rowCount(), model.columnCount()) == (3, 5)
    header = model.headerData(C1, Qt.Orientation.Horizontal)
    assert header == f"12/03\n9{NBSP}h–12{NBSP}h"
    assert "Accueil" in model.headerData(C1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert model.headerData(HOURS, Qt.Orientation.Horizontal) == HOURS_HEADER
    assert text(model, 0, 0) == "DUPONT Jean"
    assert text(model, 2, 0) == "BERNARD Paul (abandon)"
    assert "2026-101" in text(model, 0, 0, Qt.ItemDataRole.ToolTipRole)
    assert "Déménagement" in text(model, 2, 0, Qt.ItemDataRole.ToolTipRole)
    assert text(model, 2, 0, Qt.ItemDataRole.ForegroundRole) is not None
    assert isinstance(text(model, 0, 0, Qt.ItemDataRole.FontRole), QFont)
    # saved codes, colours and the excuse's reason
    assert text(model, 0, C1) == "Présent"
    assert text(model, 0, C1, CODE_ROLE) is AttendanceCode.PRESENT
    assert text(model, 1, C1) == "Excusé"
    assert "Convocation au tribunal" in text(model, 1, C1, Qt.ItemDataRole.ToolTipRole)
    assert text(model, 0, C1, Qt.ItemDataRole.BackgroundRole) is not None
    assert text(model, 0, C1, Qt.ItemDataRole.TextAlignmentRole) == Qt.AlignmentFlag.AlignCenter
    assert text(model, 0, C2) == "" and text(model, 0, C2, CODE_ROLE) is None
    # a session to come: a grey dash, not editable
    assert text(model, 0, C3) == "—"
    assert text(model, 0, C3, Qt.ItemDataRole.ToolTipRole) == NOT_STARTED_TOOLTIP
    assert not model.flags(model.index(0, C3)) & Qt.ItemFlag.ItemIsEditable
    assert model.flags(model.index(0, C2)) & Qt.ItemFlag.ItemIsEditable
    # after the withdrawal: closed, with the domain's sentence
    assert text(model, 2, C2) == "—"
    assert "a quitté le stage" in text(model, 2, C2, Qt.ItemDataRole.ToolTipRole)
    assert not model.flags(model.index(2, C2)) & Qt.ItemFlag.ItemIsEditable
    assert text(model, 0, HOURS) == hours("3 h / 6 h · En cours")
    assert text(model, 2, HOURS) == hours("3 h / 6 h · Abandon")


def test_pending_cells_are_marked_and_counted(model) -> None:
    assert not model.is_dirty()
    assert model.set_code(0, C2, AttendanceCode.LATE) is None
    index = model.index(0, C2)
    assert model.data(index) == "Retard"
    assert model.data(index, CODE_ROLE) is AttendanceCode.LATE
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) == PENDING_BACKGROUND
    assert model.data(index, Qt.ItemDataRole.FontRole).bold()
    assert PENDING_TOOLTIP in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert model.is_dirty() and model.pending_count() == 1
    model.discard_changes()
    assert not model.is_dirty() and model.data(index) == ""


def test_hours_column_updates_live_with_pending_changes(model) -> None:
    assert text(model, 1, HOURS) == f"0{NBSP}h / 6{NBSP}h · En cours"
    assert model.set_code(1, C2, AttendanceCode.PRESENT) is None
    assert text(model, 1, HOURS) == hours("3 h / 6 h · En cours")
    assert model.set_code(0, C2, AttendanceCode.PRESENT) is None
    assert text(model, 0, HOURS).startswith(hours("6 h / 6 h"))
    model.clear(1, C2)
    assert text(model, 1, HOURS).startswith(f"0{NBSP}h")


def test_set_code_refuses_a_session_to_come_and_a_withdrawn_person(model) -> None:
    message = model.set_code(0, C3, AttendanceCode.PRESENT)
    assert message is not None and "n'a pas encore commencé" in message
    message = model.set_code(2, C2, AttendanceCode.PRESENT)
    assert message is not None and "BERNARD Paul a quitté le stage le 12/03/2026" in message
    assert model.set_code(1, C2, AttendanceCode.EXCUSED) is not None  # no reason
    assert model.set_code(0, 0, AttendanceCode.PRESENT) is not None  # not a session
    assert model.pending_count() == 0
    # the withdrawal day itself is still open
    assert model.set_code(2, C1, AttendanceCode.PRESENT) is None


def test_same_code_as_saved_leaves_nothing_pending(model) -> None:
    assert model.set_code(0, C1, AttendanceCode.PRESENT) is None
    assert not model.is_dirty()
    assert model.set_code(0, C1, AttendanceCode.LATE) is None
    assert model.changes() == [AttendanceChange(DUPONT, S1, AttendanceCode.LATE, "", 501)]
    assert model.set_code(0, C1, AttendanceCode.PRESENT) is None
    assert not model.is_dirty()
    # an excuse with another reason is a change; the same reason is not
    assert model.set_code(1, C1, AttendanceCode.EXCUSED, "Convocation au tribunal ") is None
    assert not model.is_dirty()
    assert model.set_code(1, C1, AttendanceCode.EXCUSED, "Hospitalisation") is None
    assert model.changes() == [
        AttendanceChange(MARTIN, S1, AttendanceCode.EXCUSED, "Hospitalisation", 502)
    ]


def test_reload_keeps_pending_changes_unless_told(model) -> None:
    emitted: list[bool] = []
    model.pending_changed.connect(lambda: emitted.append(model.is_dirty()))
    model.set_code(0, C2, AttendanceCode.PRESENT)
    model.set_code(1, C2, AttendanceCode.LATE)
    model.load(make_sheet(), NOW)
    assert model.pending_count() == 2
    # someone saved MARTIN's late arrival meanwhile: that change is no longer pending
    saved = (*ALL_RECORDS, record(504, MARTIN, S2, AttendanceCode.LATE))
    model.load(make_sheet(saved), NOW)
    assert model.changes() == [AttendanceChange(DUPONT, S2, AttendanceCode.PRESENT, "", None)]
    model.load(make_sheet(saved), NOW, keep_pending=False)
    assert not model.is_dirty()
    assert emitted[-1] is False
    # another stage never inherits pending changes
    model.set_code(0, C2, AttendanceCode.LATE)
    other = make_sheet()
    other = replace(other, stage=replace(other.stage, id=STAGE_ID + 1))
    model.load(other, NOW)
    assert not model.is_dirty()


def test_set_data_accepts_codes_and_keys(model) -> None:
    assert model.setData(model.index(0, C2), AttendanceCode.LATE)
    assert model.setData(model.index(1, C2), "p")
    assert not model.setData(model.index(0, C3), "P")
    assert not model.setData(model.index(1, C2), "x")
    assert [c.code for c in model.changes()] == [AttendanceCode.LATE, AttendanceCode.PRESENT]
    assert model.setData(model.index(0, C2), None)
    assert model.pending_count() == 1


# -- the keyboard -----------------------------------------------------------------------


def test_first_load_places_the_cursor_on_the_latest_session(qtbot) -> None:
    grid = make_grid(qtbot)
    assert grid.current_cell() == (0, C2)
    assert grid.legend_label.text() == LEGEND


def test_typing_codes_fills_a_column_and_moves_down(qtbot) -> None:
    grid = make_grid(qtbot)
    view = grid.view
    grid.set_current_cell(0, C2)
    qtbot.keyClick(view, Qt.Key.Key_P)
    assert grid.model.code_at(0, C2) is AttendanceCode.PRESENT
    assert grid.current_cell() == (1, C2)
    qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)  # "R", upper case
    assert grid.model.code_at(1, C2) is AttendanceCode.LATE
    # BERNARD's cell below is closed (he left): the cursor does not go there
    assert grid.current_cell() == (1, C2)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert grid.current_cell() == (0, C1)
    qtbot.keyClick(view, Qt.Key.Key_A)
    assert grid.current_cell() == (1, C1)
    assert grid.model.changes() == [
        # a correction supersedes the saved record the user saw
        AttendanceChange(DUPONT, S1, AttendanceCode.UNEXCUSED, "", replaces_id=501),
        AttendanceChange(DUPONT, S2, AttendanceCode.PRESENT, "", replaces_id=None),
        AttendanceChange(MARTIN, S2, AttendanceCode.LATE, "", replaces_id=None),
    ]
    assert grid.pending_label.text() == "3 cases non enregistrées"
    assert grid.discard_button.isEnabled()


def test_a_code_applies_to_every_selected_cell(qtbot) -> None:
    grid = make_grid(qtbot)
    grid.set_current_cell(0, C2)
    selection = grid.view.selectionModel()
    selection.select(grid.model.index(1, C2), QItemSelectionModel.SelectionFlag.Select)
    qtbot.keyClick(grid.view, Qt.Key.Key_A)
    assert [c.code for c in grid.model.changes()] == [AttendanceCode.UNEXCUSED] * 2
    assert len(selection.selectedIndexes()) == 1


def test_e_asks_for_the_reason(qtbot) -> None:
    grid = make_grid(qtbot, answer="Rendez-vous médical")
    grid.set_current_cell(1, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_E)
    assert grid.asker.prompts == [  # type: ignore[attr-defined]
        f"Motif de l'absence de MARTIN Léa le 13/03/2026 (9{NBSP}h – 12{NBSP}h) :"
    ]
    assert grid.model.changes() == [
        AttendanceChange(MARTIN, S2, AttendanceCode.EXCUSED, "Rendez-vous médical", None)
    ]


def test_e_cancelled_sets_nothing(qtbot) -> None:
    grid = make_grid(qtbot, answer=None)
    grid.set_current_cell(0, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_E)
    assert len(grid.asker.prompts) == 1  # type: ignore[attr-defined]
    assert not grid.model.is_dirty()
    assert grid.current_cell() == (0, C2)


def test_e_with_an_empty_reason_is_refused(qtbot) -> None:
    grid = make_grid(qtbot, answer="  ")
    grid.set_current_cell(0, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_E)
    assert "indiquez le motif de l'absence excusée" in grid.message_label.text()
    assert not grid.model.is_dirty()


def test_e_on_a_closed_cell_does_not_ask(qtbot) -> None:
    grid = make_grid(qtbot)
    grid.set_current_cell(0, C3)
    qtbot.keyClick(grid.view, Qt.Key.Key_E)
    assert grid.asker.prompts == []  # type: ignore[attr-defined]
    assert "n'a pas encore commencé" in grid.message_label.text()


def test_default_reason_dialog_is_french(qtbot, monkeypatch) -> None:
    asked: list[tuple[str, str]] = []

    def fake_get_text(parent, title, label, *args, **kwargs):
        asked.append((title, label))
        return "Maladie", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(fake_get_text))
    grid = AttendanceGrid()
    qtbot.addWidget(grid)
    grid.load(make_sheet(), NOW)
    grid.set_current_cell(0, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_E)
    assert asked[0][0] == "Absence excusée"
    assert asked[0][1].startswith("Motif de l'absence de DUPONT Jean le 13/03/2026")
    assert grid.model.changes()[0].reason == "Maladie"


def test_a_session_to_come_refuses_in_the_message_line(qtbot) -> None:
    grid = make_grid(qtbot)
    refusals: list[str] = []
    grid.refused.connect(refusals.append)
    grid.set_current_cell(0, C3)
    qtbot.keyClick(grid.view, Qt.Key.Key_P)
    assert "n'a pas encore commencé" in grid.message_label.text()
    assert refusals == [grid.message_label.text()]
    assert not grid.model.is_dirty()
    assert grid.current_cell() == (0, C3)
    # the next successful key clears the message
    grid.set_current_cell(0, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_P)
    assert grid.message_label.text() == ""


def test_a_withdrawn_person_refuses_after_the_end_date(qtbot) -> None:
    grid = make_grid(qtbot)
    grid.set_current_cell(2, C2)
    with qtbot.waitSignal(grid.refused) as blocker:
        qtbot.keyClick(grid.view, Qt.Key.Key_A)
    assert "a quitté le stage" in blocker.args[0]
    assert "a quitté le stage" in grid.message_label.text()
    assert not grid.model.is_dirty()


def test_delete_drops_the_pending_change_and_dirty_follows(qtbot) -> None:
    grid = make_grid(qtbot)
    dirty: list[bool] = []
    grid.dirty_changed.connect(dirty.append)
    grid.set_current_cell(0, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_P)
    qtbot.keyClick(grid.view, Qt.Key.Key_Up)
    qtbot.keyClick(grid.view, Qt.Key.Key_Delete)
    assert not grid.model.is_dirty()
    assert dirty == [True, False]
    qtbot.keyClick(grid.view, Qt.Key.Key_R)
    grid.set_current_cell(0, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_Backspace)
    assert dirty == [True, False, True, False]
    assert grid.pending_label.text() == ""
    assert not grid.discard_button.isEnabled()
    # a saved record cannot be erased: the grid says how to correct it
    grid.set_current_cell(0, C1)
    qtbot.keyClick(grid.view, Qt.Key.Key_Delete)
    assert "ne s'efface pas" in grid.message_label.text()


def test_same_code_as_saved_by_keyboard_is_not_pending(qtbot) -> None:
    grid = make_grid(qtbot)
    grid.set_current_cell(0, C1)
    qtbot.keyClick(grid.view, Qt.Key.Key_P)
    assert not grid.model.is_dirty()
    assert grid.current_cell() == (1, C1)


def test_discard_button_drops_everything(qtbot) -> None:
    grid = make_grid(qtbot)
    dirty: list[bool] = []
    grid.dirty_changed.connect(dirty.append)
    grid.set_current_cell(0, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_P)
    qtbot.keyClick(grid.view, Qt.Key.Key_P)
    qtbot.mouseClick(grid.discard_button, Qt.MouseButton.LeftButton)
    assert not grid.model.is_dirty()
    assert dirty == [True, False]


def test_ctrl_s_requests_a_save(qtbot) -> None:
    grid = make_grid(qtbot)
    with qtbot.waitSignal(grid.save_requested, timeout=1000):
        qtbot.keyClick(grid.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_h_requests_the_history_of_a_saved_cell(qtbot) -> None:
    grid = make_grid(qtbot)
    grid.set_current_cell(1, C1)
    with qtbot.waitSignal(grid.history_requested) as blocker:
        qtbot.keyClick(grid.view, Qt.Key.Key_H)
    assert blocker.args == [MARTIN, S1]
    emitted: list[tuple[int, int]] = []
    grid.history_requested.connect(lambda e, s: emitted.append((e, s)))
    grid.set_current_cell(0, C2)  # nothing saved there
    qtbot.keyClick(grid.view, Qt.Key.Key_H)
    assert emitted == []
    assert "pas d'historique" in grid.message_label.text()


def test_context_menu_offers_the_history(qtbot) -> None:
    grid = make_grid(qtbot)
    grid.set_current_cell(0, C1)
    menu = grid.build_context_menu(grid.model.index(0, C1))
    history = next(a for a in menu.actions() if a.text().startswith("Historique de la cellule"))
    assert history.isEnabled()
    with qtbot.waitSignal(grid.history_requested) as blocker:
        history.trigger()
    assert blocker.args == [DUPONT, S1]
    empty = grid.build_context_menu(grid.model.index(0, C2))
    assert not next(a for a in empty.actions() if a.text().startswith("Historique")).isEnabled()
    late = next(a for a in menu.actions() if a.text().startswith("Retard"))
    late.trigger()
    assert grid.model.code_at(0, C1) is AttendanceCode.LATE


def test_all_present_fills_only_empty_open_cells_of_the_current_column(qtbot) -> None:
    grid = make_grid(qtbot)
    grid.model.set_code(0, C2, AttendanceCode.LATE)
    grid.set_current_cell(0, C2)
    qtbot.mouseClick(grid.all_present_button, Qt.MouseButton.LeftButton)
    assert grid.model.changes() == [
        AttendanceChange(DUPONT, S2, AttendanceCode.LATE),
        AttendanceChange(MARTIN, S2, AttendanceCode.PRESENT),
    ]
    assert grid.model.code_at(2, C2) is None  # BERNARD had left
    assert grid.focusWidget() is grid.view  # back to the keyboard
    # a column already entered: nothing to fill
    grid.set_current_cell(0, C1)
    assert grid.fill_present() == 0
    assert grid.model.pending_count() == 2
    # a session to come: refused
    grid.set_current_cell(0, C3)
    assert grid.fill_present() == 0
    assert "n'a pas encore commencé" in grid.message_label.text()


def test_grid_reload_keeps_the_cursor_and_pending_changes(qtbot) -> None:
    grid = make_grid(qtbot)
    grid.set_current_cell(1, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_P)
    grid.set_current_cell(1, C1)
    grid.load(make_sheet(), NOW)
    assert grid.current_cell() == (1, C1)
    assert grid.model.pending_count() == 1
    dirty: list[bool] = []
    grid.dirty_changed.connect(dirty.append)
    saved = (*ALL_RECORDS, record(504, MARTIN, S2, AttendanceCode.PRESENT))
    grid.load(make_sheet(saved), NOW, keep_pending=False)
    assert dirty == [False]
    assert grid.model.code_at(1, C2) is AttendanceCode.PRESENT


def test_grid_screenshot(qtbot) -> None:
    grid = make_grid(qtbot)
    grid.setStyleSheet(resources.stylesheet())
    grid.set_current_cell(0, C2)
    qtbot.keyClick(grid.view, Qt.Key.Key_P)
    qtbot.keyClick(grid.view, Qt.Key.Key_R)
    grid.set_current_cell(0, C3)
    qtbot.keyClick(grid.view, Qt.Key.Key_P)  # refused: the message line shows why
    grid.set_current_cell(1, C2)
    grid.resize(900, 400)
    grid.activateWindow()
    qtbot.waitUntil(grid.view.hasFocus, timeout=2000)
    assert grid.grab().save("/tmp/grid.png")


# -- the history dialog -----------------------------------------------------------------


def test_history_dialog_lists_superseded_and_current_records(qtbot) -> None:
    records = [r for r in ALL_RECORDS if (r.enrolment_id, r.session_id) == (MARTIN, S1)]
    dialog = AttendanceHistoryDialog("MARTIN Léa", "12/03/2026, 9 h – 12 h", records)
    qtbot.addWidget(dialog)
    model = dialog.model
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert titles == ["Saisi le", "Par", "Présence", "Motif", "État"]
    rows = [
        [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]
    assert rows == [
        ["12/03/2026 12:05", "Claire ROUX", "Absent non excusé", "—", "Remplacé"],
        [
            "12/03/2026 16:40",
            "Claire ROUX",
            "Absent excusé",
            "Convocation au tribunal",
            "En vigueur",
        ],
    ]
    dialog.resize(720, 320)
    dialog.grab().save("/tmp/grid_history.png")


def test_show_history_runs_the_dialog(qtbot, monkeypatch) -> None:
    shown: list[AttendanceHistoryDialog] = []

    def fake_exec(self) -> int:
        shown.append(self)
        return 0

    monkeypatch.setattr(AttendanceHistoryDialog, "exec", fake_exec)
    AttendanceHistoryDialog.show_history(None, "DUPONT Jean", "12/03/2026", ALL_RECORDS[:1])
    assert len(shown) == 1
    assert shown[0].model.rowCount() == 1
