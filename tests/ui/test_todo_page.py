"""The *À traiter* page with a fake service: sections with counts, tiles, scopes, the
keyboard, what each line opens, the empty and refused states."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from spip_desktop.domain.enums import AgentRole
from spip_desktop.domain.errors import PermissionDenied
from spip_desktop.domain.model import Agent, Antenne, ReferenceData
from spip_desktop.domain.security import Role, User
from spip_desktop.domain.todo import TodoItem, TodoKind, TodoList, TodoScope
from spip_desktop.ui.tasks import ImmediateTaskRunner
from spip_desktop.ui.todo_page import (
    EMPTY_TEXT,
    HEADER,
    LINE,
    MORE,
    TodoModel,
    TodoPage,
    relative_due,
)

K = TodoKind
TODAY = date(2026, 3, 12)
D = timedelta(days=1)
CPIP = User(3, "cpip", "Élodie LEFÈVRE", frozenset({Role.CPIP}), agent_id=7)
DPIP = User(4, "dpip", "Diane DIRECTRICE", frozenset({Role.DPIP}), agent_id=8)
REFERENCE = ReferenceData(
    antennes=(Antenne(1, "Antenne de Bordeaux", "BDX"), Antenne(2, "Antenne de Libourne")),
    agents=(
        Agent(7, "Lefèvre", "Élodie", AgentRole.CPIP, 1),
        Agent(8, "Directrice", "Diane", AgentRole.DPIP, 2),
    ),
)


def person_line(kind: TodoKind, due: date, person_id: int, ref_id: int, **kw: Any) -> TodoItem:
    values: dict[str, Any] = {
        "person_id": person_id,
        "person_name": f"PERSONNE{person_id} Jean",
        "file_number": f"2026-{person_id:06d}",
        "referent_name": "Élodie LEFÈVRE",
        "ref_id": ref_id,
    }
    values.update(kw)
    return TodoItem(kind, due, f"Quelque chose ({kind.value})", "Le détail", **values)


def full_list(scope: TodoScope) -> TodoList:
    items = {
        K.APPOINTMENT: (person_line(K.APPOINTMENT, TODAY, 11, 101),),
        K.FOLLOW_UP: (
            person_line(K.FOLLOW_UP, TODAY - 3 * D, 12, 201, overdue=True),
            person_line(K.FOLLOW_UP, TODAY, 13, 202),
        ),
        K.ATTENDANCE: (
            TodoItem(
                K.ATTENDANCE,
                TODAY - D,
                "Stage de citoyenneté",
                "3 à saisir",
                stage_id=5,
                ref_id=50,
                overdue=True,
            ),
        ),
        K.CONVENTION: (
            TodoItem(K.CONVENTION, TODAY + 60 * D, "Convention", "CAF", partner_id=9, ref_id=90),
        ),
        K.MEASURE_END: (),
    }
    totals = {
        K.APPOINTMENT: 1,
        K.FOLLOW_UP: 314,
        K.ATTENDANCE: 1,
        K.CONVENTION: 1,
        K.MEASURE_END: 0,
    }
    return TodoList(TODAY, scope, items, totals)


def empty_list(scope: TodoScope) -> TodoList:
    return TodoList(TODAY, scope, {k: () for k in K}, {k: 0 for k in K})


class FakeTodo:
    def __init__(self, answer: Callable[[TodoScope], TodoList] = full_list) -> None:
        self.answer = answer
        self.asked: list[TodoScope] = []

    def todo(self, scope: TodoScope) -> TodoList:
        self.asked.append(scope)
        return self.answer(scope)


def make_page(qtbot: QtBot, todo: FakeTodo, user: User = CPIP, runner: Any = None) -> TodoPage:
    page = TodoPage(
        todo,
        runner or ImmediateTaskRunner(on_error=pytest.fail),
        user,
        lambda: REFERENCE,
        lambda: TODAY,
    )
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    return page


def rows(page: TodoPage) -> list[tuple[str, TodoKind, int]]:
    out = []
    for r in range(page.model.rowCount()):
        row = page.model.row_at(r)
        assert row is not None
        out.append((row.role, row.kind, row.count))
    return out


def test_sections_with_their_counts_and_the_rest_counted(qtbot: QtBot) -> None:
    todo = FakeTodo()
    page = make_page(qtbot, todo)
    page.refresh()
    assert todo.asked == [TodoScope.mine(7)]
    assert page.title_label.text() == "À traiter — jeudi 12 mars 2026"
    assert page.updated_label.text().startswith("Mis à jour à ")
    assert page.stack.currentWidget() is page.list_view
    assert rows(page) == [
        (HEADER, K.APPOINTMENT, 1),
        (LINE, K.APPOINTMENT, 0),
        (HEADER, K.FOLLOW_UP, 314),
        (LINE, K.FOLLOW_UP, 0),
        (LINE, K.FOLLOW_UP, 0),
        (MORE, K.FOLLOW_UP, 312),
        (HEADER, K.ATTENDANCE, 1),
        (LINE, K.ATTENDANCE, 0),
        (HEADER, K.CONVENTION, 1),
        (LINE, K.CONVENTION, 0),
    ]
    texts = [page.model.index(r).data() for r in range(page.model.rowCount())]
    assert texts[2] == "Relances de démarches : 314"
    assert texts[3].startswith(
        "En retard de 3 jours (09/03/2026) — PERSONNE12 Jean (n° 2026-000012)"
    )
    assert texts[5] == "… et 312 autres"
    # the first line is selected, ready for Enter
    assert page.current_item() == full_list(TodoScope.mine(7)).of(K.APPOINTMENT)[0]


def test_tiles_count_each_kind_and_turn_red_when_something_is_late(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeTodo())
    page.refresh()
    tiles = page.tiles
    assert {k for k, t in tiles.items() if not t.isHidden()} == {
        K.APPOINTMENT,
        K.FOLLOW_UP,
        K.ATTENDANCE,
        K.CONVENTION,
        K.MEASURE_END,
    }
    assert tiles[K.FOLLOW_UP].count_label.text() == "314"
    assert tiles[K.FOLLOW_UP].state == "overdue"
    assert tiles[K.FOLLOW_UP].late_label.text() == "dont 1 en retard"
    assert tiles[K.ATTENDANCE].late_label.text() == "dont 1 en retard"
    assert tiles[K.APPOINTMENT].state == "some"
    assert tiles[K.MEASURE_END].state == "none"
    assert tiles[K.MEASURE_END].count_label.text() == "0"
    # a tile goes to its section
    qtbot.mouseClick(tiles[K.CONVENTION], Qt.MouseButton.LeftButton)
    assert page.current_item() is not None and page.current_item().kind is K.CONVENTION


def test_a_tile_says_at_least_when_every_line_read_is_late(qtbot: QtBot) -> None:
    late = tuple(person_line(K.FOLLOW_UP, TODAY - n * D, n, n, overdue=True) for n in (3, 2))
    todo = FakeTodo(lambda s: TodoList(TODAY, s, {K.FOLLOW_UP: late}, {K.FOLLOW_UP: 40}))
    page = make_page(qtbot, todo)
    page.refresh()
    assert page.tiles[K.FOLLOW_UP].late_label.text() == "dont au moins 2 en retard"


def test_the_arrows_go_over_the_headings_and_enter_opens_the_line(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeTodo())
    page.refresh()
    view = page.list_view
    view.setFocus()
    opened: list[tuple[str, tuple[Any, ...]]] = []
    page.open_person_requested.connect(lambda *a: opened.append(("person", a)))
    page.open_stage_requested.connect(lambda *a: opened.append(("stage", a)))
    page.open_partner_requested.connect(lambda *a: opened.append(("partner", a)))

    QTest.keyClick(view, Qt.Key.Key_Return)
    assert opened[-1] == ("person", (11, "journal", 101))
    QTest.keyClick(view, Qt.Key.Key_Down)  # over the heading of the follow-ups
    assert page.current_item() is not None and page.current_item().ref_id == 201
    QTest.keyClick(view, Qt.Key.Key_Enter)
    assert opened[-1] == ("person", (12, "rights", 201))
    QTest.keyClick(view, Qt.Key.Key_Down)
    QTest.keyClick(view, Qt.Key.Key_Down)  # over "… et 312 autres" and a heading
    QTest.keyClick(view, Qt.Key.Key_Return)
    assert opened[-1] == ("stage", (5,))
    QTest.keyClick(view, Qt.Key.Key_End)
    QTest.keyClick(view, Qt.Key.Key_Return)
    assert opened[-1] == ("partner", (9,))
    QTest.keyClick(view, Qt.Key.Key_Up)
    assert page.current_item() is not None and page.current_item().kind is K.ATTENDANCE
    QTest.keyClick(view, Qt.Key.Key_Home)
    assert page.current_item() is not None and page.current_item().ref_id == 101
    QTest.keyClick(view, Qt.Key.Key_Up)  # nothing above the first line
    assert page.current_item() is not None and page.current_item().ref_id == 101


def test_a_line_without_reference_opens_the_tab_with_zero(qtbot: QtBot) -> None:
    item = replace(person_line(K.SAS, TODAY - 2 * D, 21, 0), ref_id=None)
    todo = FakeTodo(lambda s: TodoList(TODAY, s, {K.SAS: (item,)}, {K.SAS: 1}))
    page = make_page(qtbot, todo)
    page.refresh()
    with qtbot.waitSignal(page.open_person_requested) as opened:
        QTest.keyClick(page.list_view, Qt.Key.Key_Return)
    assert opened.args == [21, "identity", 0]


def test_a_cpip_has_no_scope_choice(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeTodo())
    assert not page.mine_button.isVisible()
    assert not page.antenne_button.isVisible()
    assert not page.service_button.isVisible()


def test_the_direction_switches_scope(qtbot: QtBot) -> None:
    todo = FakeTodo()
    page = make_page(qtbot, todo, DPIP)
    page.refresh()
    assert page.antenne_button.isVisible() and page.service_button.isVisible()
    assert page.antenne_button.text() == "Antenne de Libourne ▾"  # the director's own
    qtbot.mouseClick(page.service_button, Qt.MouseButton.LeftButton)
    assert todo.asked[-1] == TodoScope.service()
    assert page.service_button.isChecked()
    assert page.intro_label.text().startswith("Tout le service")
    bordeaux = next(a for a in page.antenne_menu.actions() if a.text() == "Antenne de Bordeaux")
    bordeaux.trigger()
    assert todo.asked[-1] == TodoScope.antenne(1)
    assert page.antenne_button.isChecked()
    assert page.antenne_button.text() == "Antenne de Bordeaux ▾"
    qtbot.mouseClick(page.mine_button, Qt.MouseButton.LeftButton)
    assert todo.asked[-1] == TodoScope.mine(8)


def test_f5_and_the_button_recompute(qtbot: QtBot) -> None:
    todo = FakeTodo()
    page = make_page(qtbot, todo)
    page.refresh()
    page.list_view.setFocus()
    QTest.keyClick(page.list_view, Qt.Key.Key_F5)
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    assert len(todo.asked) == 3


def test_the_selected_line_stays_selected_after_a_refresh(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeTodo())
    page.refresh()
    page.go_to(K.ATTENDANCE)
    page.refresh()
    assert page.current_item() is not None and page.current_item().stage_id == 5


def test_nothing_to_do(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeTodo(empty_list))
    page.refresh()
    assert page.stack.currentWidget() is page.empty_widget
    assert EMPTY_TEXT in page.empty_title.text()
    assert EMPTY_TEXT == "Rien à traiter aujourd'hui…"
    assert "pour vos dossiers" in page.empty_text.text()
    assert all(t.count_label.text() == "0" for t in page.tiles.values())


def test_a_refusal_is_said_on_the_page(qtbot: QtBot) -> None:
    def refuse(scope: TodoScope) -> TodoList:
        raise PermissionDenied("Votre compte n'est relié à aucune fiche agent.")

    page = make_page(qtbot, FakeTodo(refuse))
    page.refresh()
    assert page.stack.currentWidget() is page.message_label
    assert page.message_label.text() == "Votre compte n'est relié à aucune fiche agent."


class DeferredRunner(ImmediateTaskRunner):
    """Keeps the work until the test delivers it, in any order."""

    def __init__(self) -> None:
        super().__init__(on_error=pytest.fail)
        self.pending: list[tuple[Any, Any]] = []

    def run(self, work: Any, on_done: Any, on_error: Any = None) -> None:
        self.pending.append((work, on_done))

    def deliver(self, index: int) -> None:
        work, on_done = self.pending.pop(index)
        on_done(work())


def test_an_answer_overtaken_by_another_scope_is_dropped(qtbot: QtBot) -> None:
    runner = DeferredRunner()
    todo = FakeTodo()
    page = make_page(qtbot, todo, DPIP, runner)
    page.refresh()
    assert page.stack.currentWidget() is page.message_label  # computing
    page.refresh()  # the same scope is already on its way
    assert len(runner.pending) == 1
    qtbot.mouseClick(page.service_button, Qt.MouseButton.LeftButton)
    runner.deliver(1)  # the service's answer first
    assert page.listing is not None and page.listing.scope == TodoScope.service()
    runner.deliver(0)  # the late answer for "mine" is dropped
    assert page.listing.scope == TodoScope.service()


def test_the_model_is_a_valid_qt_model(qtbot: QtBot, qtmodeltester: Any) -> None:
    model = TodoModel()
    model.set_list(full_list(TodoScope.mine(7)))
    qtmodeltester.check(model)


def test_the_page_paints(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeTodo(), DPIP)
    page.refresh()
    image = page.grab()
    assert not image.isNull()
    assert isinstance(page.focusProxy(), QWidget)


@pytest.mark.parametrize(
    ("due", "overdue", "text"),
    [
        (TODAY, False, "aujourd'hui"),
        (TODAY + D, False, "demain"),
        (TODAY + 12 * D, False, "dans 12 jours"),
        (TODAY - D, True, "en retard de 1 jour"),
        (TODAY - 3 * D, True, "en retard de 3 jours"),
        (TODAY - D, False, "depuis hier"),
        (TODAY - 5 * D, False, "depuis 5 jours"),
    ],
)
def test_when_in_words(due: date, overdue: bool, text: str) -> None:
    item = TodoItem(K.FOLLOW_UP, due, "t", overdue=overdue)
    assert relative_due(item, TODAY) == text
