"""Every item model passes Qt's model tester."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QModelIndex, Qt

from spip_desktop.domain.enums import AgentRole, MeasureType, Regime
from spip_desktop.domain.model import (
    Agent,
    Measure,
    MeasureDraft,
    PersonPage,
    PersonQuery,
    PersonRow,
)
from spip_desktop.ui.measure_model import measure_model
from spip_desktop.ui.person_list_model import COLUMNS, PAGE_SIZE, SAS_COLUMN, PersonListModel
from spip_desktop.ui.record_model import Column, RecordTableModel


def make_rows(count: int) -> list[PersonRow]:
    return [
        PersonRow(
            id=i,
            file_number=f"2026-{i:06d}",
            surname=f"Nom{i:03d}",
            usage_name="Lefèvre" if i % 7 == 0 else "",
            given_names="Hélène",
            birth_date=date(1980, 1, 1),
            regime=Regime.MILIEU_FERME if i % 2 else Regime.MILIEU_OUVERT,
            main_measure_type=MeasureType.DDSE if i % 3 else None,
            main_measure_end=date(2027, 1, 1) if i % 3 else None,
            referent_name="Élodie LEFÈVRE",
            closed=i % 5 == 0,
            sas_eligible=i % 4 == 1,
        )
        for i in range(count)
    ]


class FakePages:
    def __init__(self, rows: list[PersonRow]) -> None:
        self.rows = rows
        self.queries: list[PersonQuery] = []

    def load(self, query: PersonQuery, offset: int, limit: int) -> PersonPage:
        self.queries.append(query)
        rows = self.rows
        if query.text:
            rows = [r for r in rows if query.text in r.surname]
        chunk = rows[offset : offset + limit]
        return PersonPage(tuple(chunk), offset, offset + limit < len(rows))

    def count(self, query: PersonQuery) -> int:
        return len([r for r in self.rows if query.text in r.surname])


def test_person_list_model_passes_the_model_tester(qtmodeltester, runner) -> None:
    pages = FakePages(make_rows(450))
    model = PersonListModel(pages.load, pages.count, runner)
    model.set_query(PersonQuery())
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() >= PAGE_SIZE
    assert model.columnCount() == len(COLUMNS)


def test_person_list_model_pages_in_and_shows_french_values(qtbot, runner) -> None:
    pages = FakePages(make_rows(450))
    model = PersonListModel(pages.load, pages.count, runner)
    counts: list[int] = []
    model.count_changed.connect(counts.append)
    model.set_query(PersonQuery())
    assert model.rowCount() == PAGE_SIZE
    assert counts[-1] == 450
    fetched = 0
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        fetched += 1
    assert fetched == -(-450 // PAGE_SIZE) - 1
    assert model.rowCount() == 450
    assert not model.canFetchMore(QModelIndex())
    index = model.index(7, 0)
    assert index.data() == "NOM007 (LEFÈVRE)"
    assert model.index(1, 2).data() == "01/01/1980"
    assert model.index(1, SAS_COLUMN).data() == "Éligible SAS"
    assert model.index(0, 6).data() == "—"
    assert model.index(5, 0).data(Qt.ItemDataRole.ToolTipRole) == "Dossier clôturé"


def test_the_list_keeps_only_the_pages_last_shown_and_asks_again_for_the_others(
    monkeypatch, runner
) -> None:
    """Scrolling a whole service's list must not hold every line: pages shown long ago
    are dropped and fetched again, with today's rows, when the view comes back."""
    from spip_desktop.ui import person_list_model

    monkeypatch.setattr(person_list_model, "KEPT_PAGES", 3)
    pages = FakePages(make_rows(1000))
    model = PersonListModel(pages.load, pages.count, runner)
    model.set_query(PersonQuery())
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 1000
    assert len(model._pages) == 3  # the three last pages only
    assert model.person_at(999).surname == "Nom999"
    assert model.person_at(5) is None  # dropped
    asked = len(pages.queries)
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, last: changed.append((first.row(), last.row())))
    model.index(5, 0).data()  # the view shows it again: asked off the GUI thread
    assert len(pages.queries) == asked + 1
    assert changed == [(0, PAGE_SIZE - 1)]
    assert model.index(5, 0).data() == "NOM005"
    assert model.person_at(5).surname == "Nom005"
    assert model.row_of(5) == 5 and model.row_of(500) == -1
    assert len(model._pages) == 3
    pages.rows[5] = pages.rows[5]._replace(surname="Renommé")  # changed meanwhile
    for row in (300, 400, 600, 700):  # other pages push page 0 out again
        model.index(row, 0).data()
    model.index(5, 0).data()
    assert model.index(5, 0).data() == "RENOMMÉ"  # never an old copy


def test_a_page_asked_again_while_a_new_search_runs_is_the_shown_rows_page(
    monkeypatch,
) -> None:
    """Until a new search's first page arrives the old rows stay on screen: a page of
    them asked again is asked with their query, and a failure is said once."""
    from spip_desktop.ui import person_list_model
    from spip_desktop.ui.tasks import ImmediateTaskRunner

    monkeypatch.setattr(person_list_model, "KEPT_PAGES", 2)
    held: list = []
    hold = {"on": False}

    class Runner(ImmediateTaskRunner):
        def run(self, work, on_done, on_error=None):
            if hold["on"]:
                held.append((work, on_done, on_error))
            else:
                super().run(work, on_done, on_error)

    pages = FakePages(make_rows(500))
    model = PersonListModel(pages.load, pages.count, Runner(on_error=print))
    errors: list[BaseException] = []
    model.failed.connect(errors.append)
    model.set_query(PersonQuery())
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    hold["on"] = True
    model.set_query(PersonQuery(text="Nom4"))  # its answer is held back
    model.index(5, 0).data()  # page 0 was dropped: asked again, for the rows on screen
    assert len(held) == 2  # the new search's first page, then the page asked again
    work, on_done, _ = held[-1]
    on_done(work())
    assert pages.queries[-1].text == ""  # the shown rows' query, not "Nom4"
    assert model.index(5, 0).data() == "NOM005"
    assert model.rowCount() == 500

    def broken(query: PersonQuery, offset: int, limit: int) -> PersonPage:
        raise RuntimeError("server gone")

    model._load_page = broken
    model.index(150, 0).data()  # page 1, dropped too: asked, and it fails
    work, _, on_error = held[-1]
    with contextlib.suppress(RuntimeError):
        work()
    on_error(RuntimeError("server gone"))
    asked = len(held)
    for _ in range(3):  # the view repaints: the failed page is not asked again
        model.index(150, 0).data()
    assert len(held) == asked and len(errors) == 1


def test_a_page_delivered_twice_is_added_once(runner) -> None:
    pages = FakePages(make_rows(450))
    model = PersonListModel(pages.load, pages.count, runner)
    model.set_query(PersonQuery())
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    page = pages.load(PersonQuery(), PAGE_SIZE, PAGE_SIZE)
    model._on_more(model._generation, PAGE_SIZE, page)
    model._on_more(model._generation, PAGE_SIZE, page)  # a second answer for the same rows
    assert inserted == [(PAGE_SIZE, 2 * PAGE_SIZE - 1)]  # the view is told once
    assert model.rowCount() == 2 * PAGE_SIZE
    assert model.person_at(PAGE_SIZE).surname == f"Nom{PAGE_SIZE:03d}"


def test_sorting_asks_the_service_for_a_new_order(runner) -> None:
    pages = FakePages(make_rows(10))
    model = PersonListModel(pages.load, pages.count, runner)
    model.set_query(PersonQuery())
    model.sort(2, Qt.SortOrder.DescendingOrder)
    assert pages.queries[-1].sort == "birth_date"
    assert pages.queries[-1].descending


def test_an_answer_to_an_older_query_is_dropped(qtbot) -> None:
    from spip_desktop.ui.tasks import ImmediateTaskRunner

    delivered: list = []

    class DeferredRunner(ImmediateTaskRunner):
        def run(self, work, on_done, on_error=None):
            delivered.append((work, on_done))

    pages = FakePages(make_rows(30))
    model = PersonListModel(pages.load, pages.count, DeferredRunner(on_error=print))
    model.set_query(PersonQuery(text="Nom00"))
    model.set_query(PersonQuery(text="Nom01"))
    # the newer answer arrives first, then the older one: the older one is ignored
    for work, on_done in (delivered[1], delivered[0]):
        on_done(work())
    assert [model.person_at(i).surname for i in range(model.rowCount())] == [
        f"Nom01{i}" for i in range(10)
    ]


def test_measure_model_passes_the_model_tester(qtmodeltester) -> None:
    model = measure_model()
    draft = MeasureDraft(MeasureType.TIG, court="TJ de Bordeaux", decision_date=date(2025, 1, 2))
    model.set_records(
        (Measure(1, 1, 1, draft), Measure(2, 1, 1, replace(draft, measure_type=MeasureType.SME)))
    )
    qtmodeltester.check(model, force_py=True)
    assert model.index(0, 2).data() == "02/01/2025"
    assert model.index(1, 0).data().startswith("Sursis avec mise à l'épreuve")


def test_record_model_passes_the_model_tester(qtmodeltester) -> None:
    model: RecordTableModel[Agent] = RecordTableModel([Column("Nom", lambda a: a.surname)])
    model.set_records(
        [Agent(1, "Zola", "Anne", AgentRole.CPIP), Agent(2, "Élie", "Jo", AgentRole.ASS)]
    )
    qtmodeltester.check(model, force_py=True)
    assert model.index(1, 0).data() == "Élie"
