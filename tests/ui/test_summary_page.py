"""The *Synthèse mensuelle* page with a fake service: months and scopes, the tables in French,
banners, drill-down, export (progress, cancel, refusal), the register and its comparison, the
late answers dropped; then the real window on real services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QTableView, QWidget
from pytestqt.qtbot import QtBot

from spip_desktop.domain.errors import PermissionDenied, SpipError
from spip_desktop.domain.summary import (
    Difference,
    DrillList,
    DrillRow,
    ExportCancelled,
    ExportFormat,
    Figure,
    Indicator,
    Month,
    ScopeKind,
    Section,
    SentCheck,
    SentSummary,
    Summary,
    SummaryScope,
    check_month,
    differences,
)
from spip_desktop.domain.timeline import FileTab
from spip_desktop.ui.bar_chart import Bar, BarChart
from spip_desktop.ui.summary_dialogs import (
    NO_DIFFERENCE,
    DrillDialog,
    SentCheckDialog,
    sort_key,
)
from spip_desktop.ui.summary_page import (
    COL_CHANGE,
    COL_CURRENT,
    COL_DETAIL,
    COL_INDICATOR,
    COL_PREVIOUS,
    COMPUTING,
    EMPTY_BANNER,
    SectionCard,
    SummaryPage,
)
from spip_desktop.ui.tasks import ImmediateTaskRunner
from tests.ui.conftest import FakePrompter

I = Indicator  # noqa: E741
TODAY = date(2026, 3, 12)
SERVICE = SummaryScope.service()
BORDEAUX = SummaryScope.antenne(1, "Antenne de Bordeaux")
LIBOURNE = SummaryScope.antenne(2, "Antenne de Libourne")
LEFEVRE = SummaryScope.referent(7, "LEFÈVRE Élodie")
SCOPES = (SERVICE, BORDEAUX, LIBOURNE, LEFEVRE)

MEASURE_TYPES = (
    ("sursis_probatoire", "Sursis probatoire", 612),
    ("sursis_probatoire_renforce", "Sursis probatoire (suivi renforcé)", 48),
    ("tig", "Travail d'intérêt général (TIG)", 173),
    ("ddse", "Détention à domicile sous surveillance électronique (DDSE)", 96),
    ("lc", "Libération conditionnelle (LC)", 41),
    ("semi_liberte", "Semi-liberté", 18),
    ("placement_exterieur", "Placement à l'extérieur", 9),
    ("lsc", "Libération sous contrainte", 22),
    ("ssj", "Suivi socio-judiciaire", 57),
    ("controle_judiciaire", "Contrôle judiciaire", 64),
    ("peine_de_stage", "Peine de stage", 12),
    ("ajournement_probation", "Ajournement avec probation", 0),
    ("emprisonnement", "Peine d'emprisonnement (détention)", 236),
    ("contrainte_penale", "Contrainte pénale (ancien régime)", 0),
)
AGENTS = (
    (11, "BERNARD Julien", 84),
    (12, "DURAND Sophie", 91),
    (7, "LEFÈVRE Élodie", 77),
    (14, "MARTIN Karim", 88),
    (15, "PETIT Camille", 69),
    (16, "ROUX Nadia", 95),
    ("", "Sans référent", 12),
)
STAGE_TYPES = (
    (1, "Stage de citoyenneté", 12),
    (2, "Sensibilisation à la sécurité routière", 8),
    (3, "Programme de prévention de la récidive (PPR)", 14),
    (4, "Stage de responsabilisation (violences conjugales)", 6),
    (5, "Atelier recherche d'emploi", 6),
)


def _scaled(value: int, factor: float) -> int:
    return round(value * factor)


def make_summary(
    month: Month, scope: SummaryScope = SERVICE, computed_on: date = TODAY, factor: float = 1.0
) -> Summary:
    """Every indicator of a realistic month (``factor`` moves the numbers)."""

    def n(value: int) -> int:
        return _scaled(value, factor)

    figures: list[Figure] = []

    def lines(indicator: Indicator, kind: str, parts: tuple[tuple[Any, str, int], ...]) -> None:
        figures.append(Figure(indicator, "", "", sum(n(v) for _, _, v in parts)))
        figures.extend(Figure(indicator, f"{kind}:{k}", label, n(v)) for k, label, v in parts)

    for indicator, shift in ((I.ACTIVE_FIRST, 0.98), (I.ACTIVE_LAST, 1.0)):
        types = tuple((k, label, round(v * shift)) for k, label, v in MEASURE_TYPES)
        figures.append(Figure(indicator, "", "", n(round(1248 * shift))))
        figures.append(Figure(indicator, "regime:ouvert", "Milieu ouvert", n(round(1012 * shift))))
        figures.append(Figure(indicator, "regime:ferme", "Milieu fermé", n(round(236 * shift))))
        figures.extend(Figure(indicator, f"type:{k}", label, n(v)) for k, label, v in types)
    lines(I.MEASURES_STARTED, "type", tuple((k, lab, v // 12) for k, lab, v in MEASURE_TYPES))
    lines(I.MEASURES_ENDED, "type", tuple((k, lab, v // 15) for k, lab, v in MEASURE_TYPES))
    figures.extend(Figure(I.CASELOAD, f"agent:{a}", name, n(v)) for a, name, v in AGENTS)
    figures.append(Figure(I.SAS_ELIGIBLE, "", "", n(31)))
    figures.append(Figure(I.SAS_PLACED, "", "", n(4)))
    lines(I.SESSIONS, "stage_type", STAGE_TYPES)
    lines(
        I.ATTENDANCE,
        "code",
        (
            ("present", "Présent", 318),
            ("late", "Retard", 22),
            ("excused", "Absent excusé", 41),
            ("unexcused", "Absent non excusé", 31),
        ),
    )
    figures.append(Figure(I.ATTENDANCE_RATE, "", "", Decimal("82.5") if factor == 1 else None))
    figures.append(Figure(I.PARTICIPANTS, "", "", n(187)))
    lines(
        I.ENROLMENT_ENDS,
        "end",
        (("valide", "Validées", 44), ("abandon", "Abandons", 9), ("exclu", "Exclusions", 5)),
    )
    lines(I.ATTESTATIONS, "kind", (("original", "Originaux", 44), ("duplicata", "Duplicatas", 3)))
    lines(
        I.STEPS_OPENED,
        "domain",
        (
            ("identite", "Papiers d'identité", 18),
            ("domiciliation", "Domiciliation", 9),
            ("caf", "Prestations CAF", 14),
            ("emploi", "Emploi", 21),
            ("jeunes", "Mission locale", 6),
            ("banque", "Compte bancaire", 4),
            ("logement", "Logement et hébergement", 15),
            ("autre", "Autres démarches", 9),
        ),
    )
    lines(
        I.STEPS_CLOSED,
        "status",
        (("obtenu", "Obtenues", 52), ("refuse", "Refusées", 11), ("abandonne", "Abandonnées", 8)),
    )
    figures.append(Figure(I.STEPS_OPEN, "", "", n(214)))
    figures.append(Figure(I.STEPS_OVERDUE, "", "", n(37)))
    figures.append(Figure(I.OBTAINED_DAYS, "", "", Decimal("23.5") if factor == 1 else None))
    lines(
        I.APPOINTMENTS,
        "outcome",
        (
            ("honore", "Honoré", 1102),
            ("non_honore", "Non honoré", 143),
            ("excuse", "Excusé", 87),
            ("", "Issue non renseignée", 54),
        ),
    )
    figures.append(Figure(I.CONVENTIONS_ACTIVE, "", "", n(42)))
    figures.append(Figure(I.CONVENTIONS_EXPIRING, "", "", n(5)))
    return Summary(month, scope, computed_on, tuple(figures))


def zero_summary(month: Month, scope: SummaryScope = SERVICE) -> Summary:
    full = make_summary(month, scope)
    return replace(
        full,
        figures=tuple(
            replace(f, value=None if f.indicator.unit.value != "nombre" else 0)
            for f in full.figures
        ),
    )


SENT_AT = datetime(2026, 3, 3, 10, 12)


def sent_summary(
    sent_id: int, month: Month, scope: SummaryScope = SERVICE, fmt: ExportFormat = ExportFormat.PDF
) -> SentSummary:
    return SentSummary(
        id=sent_id,
        month=month,
        scope=scope,
        format=fmt,
        file_name=f"synthese-{month.iso}-{scope.key.replace(':', '-')}{fmt.suffix}",
        sha256=f"{sent_id:02d}a3f9c2b7e1d4" + "0" * 50,
        size=48_213,
        generated_at=SENT_AT.replace(minute=12 + sent_id),
        author="Diane DIRECTRICE",
        figures=make_summary(month, scope).figures,
        computed_on=SENT_AT.date(),
    )


DRILL = DrillList(
    "Personnes suivies le dernier jour du mois — Milieu fermé",
    ("Personne", "N° de dossier", "Référent", "Début"),
    (
        DrillRow(("MARTIN Paul", "2024-000012", "DURAND Sophie", "03/01/2025"), person_id=12),
        DrillRow(
            ("ABADIE Jean", "2023-000007", "LEFÈVRE Élodie", "15/11/2024"),
            person_id=7,
            tab=FileTab.MEASURES,
            ref_id=70,
        ),
        DrillRow(("ZOLA Émile", "2025-000101", "ROUX Nadia", "28/02/2026"), person_id=101),
    ),
    3,
)


class FakeSummary:
    """Answers from hand-made summaries; records every call."""

    def __init__(self, today: date = TODAY) -> None:
        self._today = today
        self.calls: list[tuple[Any, ...]] = []
        self.sent: list[SentSummary] = [
            sent_summary(2, Month(2026, 2)),
            sent_summary(1, Month(2026, 1), BORDEAUX, ExportFormat.XLSX),
        ]
        self.answer: Callable[[Month, SummaryScope], tuple[Summary, Summary]] = self.realistic
        self.drill_answer: Callable[[], DrillList] = lambda: DRILL
        #: Called at 30 % and 80 % with the progress callback; ``False`` stops the export.
        self.on_progress: Callable[[], None] = lambda: None
        self.export_error: SpipError | None = None
        self.check_answer: SentCheck | None = None
        self.reproduce_error: SpipError | None = None

    def realistic(self, month: Month, scope: SummaryScope) -> tuple[Summary, Summary]:
        return (
            make_summary(month, scope, self._today),
            make_summary(month.previous, scope, self._today, factor=0.94),
        )

    def today(self) -> date:
        return self._today

    def scope_choices(self) -> tuple[SummaryScope, ...]:
        return SCOPES

    def summary(self, month: Month, scope: SummaryScope) -> tuple[Summary, Summary]:
        self.calls.append(("summary", month, scope))
        check_month(month, self._today)
        return self.answer(month, scope)

    def drill(self, month: Month, scope: SummaryScope, indicator: Indicator, key: str) -> DrillList:
        self.calls.append(("drill", month, scope, indicator, key))
        return self.drill_answer()

    def export(
        self,
        month: Month,
        scope: SummaryScope,
        fmt: ExportFormat,
        out: Path,
        progress: Callable[[int], bool] | None = None,
    ) -> SentSummary:
        self.calls.append(("export", month, scope, fmt, out))
        if self.export_error is not None:
            raise self.export_error
        for percent in (30, 80):
            self.on_progress()
            if progress is not None and not progress(percent):
                raise ExportCancelled()
        out.write_bytes(b"%PDF-1.4 synthese")
        sent = replace(
            sent_summary(len(self.sent) + 1, month, scope, fmt),
            file_name=out.name,
            sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        )
        self.sent.insert(0, sent)
        return sent

    def register(self) -> tuple[SentSummary, ...]:
        self.calls.append(("register",))
        return tuple(self.sent)

    def check(self, sent_id: int) -> SentCheck:
        self.calls.append(("check", sent_id))
        if self.check_answer is not None:
            return self.check_answer
        sent = next(s for s in self.sent if s.id == sent_id)
        today = make_summary(sent.month, sent.scope)
        return SentCheck(sent, today, differences(sent.figures, today))

    def reproduce(self, sent_id: int, out: Path) -> SentSummary:
        self.calls.append(("reproduce", sent_id, out))
        if self.reproduce_error is not None:
            raise self.reproduce_error
        out.write_bytes(b"%PDF-1.4 synthese")
        return next(s for s in self.sent if s.id == sent_id)


class DeferredRunner(ImmediateTaskRunner):
    """Keeps the work until the test delivers it, in any order."""

    def __init__(self) -> None:
        super().__init__(on_error=pytest.fail)
        self.pending: list[tuple[Any, Any, Any]] = []

    def run(self, work: Any, on_done: Any, on_error: Any = None) -> None:
        self.pending.append((work, on_done, on_error))

    def deliver(self, index: int) -> None:
        work, on_done, on_error = self.pending.pop(index)
        try:
            result = work()
        except Exception as error:
            on_error(error)
        else:
            on_done(result)


def make_page(
    qtbot: QtBot,
    fake: FakeSummary,
    prompter: FakePrompter | None = None,
    runner: Any = None,
    width: int = 1200,
) -> SummaryPage:
    page = SummaryPage(
        fake,
        runner or ImmediateTaskRunner(on_error=pytest.fail),
        prompter or FakePrompter(),
    )
    qtbot.addWidget(page)
    page.resize(width, 800)
    page.show()  # the first show loads the page
    return page


def card(page: SummaryPage, section: Section) -> SectionCard:
    return page.cards[section]


def row_of(page: SummaryPage, section: Section, indicator: Indicator, key: str = "") -> int:
    model = card(page, section).model
    for row, line in enumerate(model.lines):
        if line.indicator is indicator and line.key == key:
            return row
    raise AssertionError(f"no line {indicator}/{key}")


def cells(page: SummaryPage, section: Section, row: int) -> list[str]:
    model = card(page, section).model
    return [str(model.index(row, c).data() or "") for c in range(model.columnCount())]


def headers(page: SummaryPage, section: Section) -> list[str]:
    model = card(page, section).model
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def double_click_row(table: QTableView, row: int, column: int = 0) -> None:
    index = table.model().index(row, column)
    table.scrollTo(index)
    point = table.visualRect(index).center()
    # as a real double-click: a press and release, then the double-click event
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)
    QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)


# -- months, scopes and the tables ---------------------------------------------------------------


def test_opens_on_the_last_complete_month_with_the_service_and_the_previous_month(
    qtbot: QtBot,
) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)

    assert page.month_combo.currentText() == "Février 2026"
    assert page.month_combo.itemText(0) == "Mars 2026"  # the current month heads the list
    assert page.month_combo.count() == 37
    assert page.month_combo.itemText(36) == "Mars 2023"
    assert fake.calls[-1] == ("summary", Month(2026, 2), SERVICE)
    assert headers(page, Section.PERSONS) == [
        "Indicateur",
        "Détail",
        "Février 2026",
        "Janvier 2026",
        "Évolution",
    ]
    assert page.heading_label.text() == "Février 2026 — Tout le service"
    assert page.stack.currentWidget() is page.scroll_area
    assert not page.computing_label.isVisible()
    # the key figures, with their change over the month
    people, *_, rate, _steps, _appointments = page.tiles
    assert (people.value_label.text(), people.change_label.text()) == (
        "1\u202f248",
        "+75 sur un mois",
    )
    assert people.change_label.toolTip() == "janvier 2026 : 1\u202f173"
    assert (rate.value_label.text(), rate.change_label.text()) == ("82,5 %", "non comparable")


def test_the_tables_show_french_values_of_both_months_and_the_change(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeSummary())

    total = row_of(page, Section.PERSONS, I.ACTIVE_LAST)
    assert cells(page, Section.PERSONS, total) == [
        "Personnes suivies le dernier jour du mois",
        "",
        "1\u202f248",
        "1\u202f173",  # 1 248 x 0.94
        "+75",
    ]
    model = card(page, Section.PERSONS).model
    assert model.index(total, COL_INDICATOR).data(Qt.ItemDataRole.FontRole).bold()
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    for column in (COL_CURRENT, COL_PREVIOUS, COL_CHANGE):
        assert model.index(total, column).data(Qt.ItemDataRole.TextAlignmentRole) == right
    closed = row_of(page, Section.PERSONS, I.ACTIVE_LAST, "regime:ferme")
    assert cells(page, Section.PERSONS, closed) == ["", "Milieu fermé", "236", "222", "+14"]
    # the rate and the median in French, « sans objet » when there was nothing to compute
    rate = row_of(page, Section.STAGES, I.ATTENDANCE_RATE)
    assert cells(page, Section.STAGES, rate)[2:] == ["82,5 %", "sans objet", ""]
    median = row_of(page, Section.RIGHTS, I.OBTAINED_DAYS)
    assert cells(page, Section.RIGHTS, median)[2:] == ["23,5", "sans objet", ""]
    # « dont relance dépassée » reads as a part of the steps in progress
    overdue = row_of(page, Section.RIGHTS, I.STEPS_OVERDUE)
    assert cells(page, Section.RIGHTS, overdue)[:2] == ["", "dont relance dépassée"]
    # the caseload has no total: its label heads the agents' lines
    heading = row_of(page, Section.PERSONS, I.CASELOAD)
    assert cells(page, Section.PERSONS, heading)[:3] == [
        "Personnes suivies par CPIP le dernier jour",
        "",
        "",
    ]
    # every line's tooltip is its indicator's definition
    tip = model.index(closed, COL_DETAIL).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(I.ACTIVE_LAST.definition)
    assert "Double-cliquez" in tip
    rate_tip = card(page, Section.STAGES).model.index(rate, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "pas de liste détaillée" in rate_tip


def test_lines_at_zero_in_both_months_are_hidden_unless_asked(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeSummary())
    keys = {line.key for line in card(page, Section.PERSONS).model.lines}
    assert "type:contrainte_penale" not in keys
    assert "type:tig" in keys

    page.zero_check.setChecked(True)

    keys = {line.key for line in card(page, Section.PERSONS).model.lines}
    assert "type:contrainte_penale" in keys


def test_month_navigation_with_the_arrows_and_the_combo(qtbot: QtBot) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)
    assert page.next_button.isEnabled()

    qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)
    assert page.month_combo.currentText() == "Janvier 2026"
    assert fake.calls[-1] == ("summary", Month(2026, 1), SERVICE)
    assert headers(page, Section.STAGES)[2:4] == ["Janvier 2026", "Décembre 2025"]

    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert page.month_combo.currentText() == "Mars 2026"
    assert fake.calls[-1] == ("summary", Month(2026, 3), SERVICE)
    assert not page.next_button.isEnabled()  # no month after the current one
    assert page.previous_button.isEnabled()

    page.month_combo.setCurrentIndex(page.month_combo.count() - 1)
    assert not page.previous_button.isEnabled()
    assert fake.calls[-1] == ("summary", Month(2023, 3), SERVICE)


def test_the_scopes_are_grouped_and_a_choice_recomputes(qtbot: QtBot) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)
    combo = page.scope_combo
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts == [
        "Tout le service",
        "Antennes",
        "Antenne de Bordeaux",
        "Antenne de Libourne",
        "CPIP référents",
        "LEFÈVRE Élodie",
    ]
    model = combo.model()
    assert not model.flags(model.index(1, 0)) & Qt.ItemFlag.ItemIsEnabled  # a heading

    combo.setCurrentIndex(texts.index("LEFÈVRE Élodie"))

    assert fake.calls[-1] == ("summary", Month(2026, 2), LEFEVRE)
    assert page.heading_label.text() == "Février 2026 — CPIP référent : LEFÈVRE Élodie"


def test_f5_recomputes(qtbot: QtBot) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)
    fake.calls.clear()

    QTest.keyClick(page.cards[Section.PERSONS].table, Qt.Key.Key_F5)

    assert ("register",) in fake.calls
    assert fake.calls[-1] == ("summary", Month(2026, 2), SERVICE)


def test_the_current_month_says_its_figures_are_provisional(qtbot: QtBot) -> None:
    fake = FakeSummary(date(2026, 11, 27))
    page = make_page(qtbot, fake)
    assert page.partial_banner.isHidden()  # October 2026 is complete

    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)

    assert page.month_combo.currentText() == "Novembre 2026"
    assert page.partial_banner.isVisible()
    assert page.partial_banner.text() == (
        "Mois en cours : chiffres arrêtés au 27/11/2026, provisoires."
    )
    assert page.empty_banner.isHidden()


def test_an_empty_month_says_everything_is_zero(qtbot: QtBot) -> None:
    fake = FakeSummary()
    fake.answer = lambda month, scope: (zero_summary(month, scope), zero_summary(month.previous))
    page = make_page(qtbot, fake)

    assert page.empty_banner.isVisible()
    assert page.empty_banner.text() == EMPTY_BANNER
    assert page.partial_banner.isHidden()
    total = row_of(page, Section.PERSONS, I.ACTIVE_LAST)
    assert cells(page, Section.PERSONS, total)[2:] == ["0", "0", "0"]


def test_a_refusal_is_said_in_french_on_the_page(qtbot: QtBot) -> None:
    fake = FakeSummary()

    def refuse(month: Month, scope: SummaryScope) -> tuple[Summary, Summary]:
        raise SpipError("Cette antenne n'existe plus : choisissez un autre périmètre.")

    fake.answer = refuse
    page = make_page(qtbot, fake)

    assert page.stack.currentWidget() is page.message_label
    assert page.message_label.text() == (
        "Cette antenne n'existe plus : choisissez un autre périmètre."
    )


def test_an_answer_for_a_month_left_since_is_dropped(qtbot: QtBot) -> None:
    runner = DeferredRunner()
    fake = FakeSummary()
    page = make_page(qtbot, fake, runner=runner)
    runner.deliver(0)  # today, scopes, register: February is asked
    assert page.stack.currentWidget() is page.message_label
    assert page.message_label.text() == COMPUTING
    assert page.computing_label.isVisible()

    qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)  # January
    qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)  # December
    assert len(runner.pending) == 3

    runner.deliver(2)  # December's answer first
    assert page.current is not None and page.current.month == Month(2025, 12)
    assert page.computing_label.isHidden()
    runner.deliver(0)  # then February's and January's, late: dropped
    runner.deliver(0)
    assert page.current.month == Month(2025, 12)
    assert page.heading_label.text() == "Décembre 2025 — Tout le service"
    assert headers(page, Section.PERSONS)[2] == "Décembre 2025"


def test_while_computing_the_figures_shown_are_greyed_until_the_answer(qtbot: QtBot) -> None:
    runner = DeferredRunner()
    page = make_page(qtbot, FakeSummary(), runner=runner)
    runner.deliver(0)
    runner.deliver(0)
    assert page.body.isEnabled()

    qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)

    assert not page.body.isEnabled()
    assert page.computing_label.text() == COMPUTING
    runner.deliver(0)
    assert page.body.isEnabled()


# -- drill-down -----------------------------------------------------------------------------------


def test_a_double_click_opens_the_items_behind_a_figure_and_a_row_opens_the_file(
    qtbot: QtBot,
) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)
    table = card(page, Section.PERSONS).table
    row = row_of(page, Section.PERSONS, I.ACTIVE_LAST, "regime:ferme")

    double_click_row(table, row, COL_CURRENT)

    assert fake.calls[-1] == ("drill", Month(2026, 2), SERVICE, I.ACTIVE_LAST, "regime:ferme")
    dialog = page.drill_dialog
    assert isinstance(dialog, DrillDialog)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == DRILL.title
    assert dialog.count_label.text() == "3 éléments"
    texts = [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]
    assert texts == ["MARTIN Paul", "ABADIE Jean", "ZOLA Émile"]
    opened: list[tuple[int, str, int]] = []
    page.open_person_requested.connect(lambda *args: opened.append(args))

    double_click_row(dialog.table, 1)
    assert opened == [(7, "measures", 70)]

    dialog.table.setCurrentIndex(dialog.model.index(0, 0))
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)
    assert opened[-1] == (12, "", 0)


def test_the_drill_down_sorts_by_column_dates_as_dates(qtbot: QtBot) -> None:
    dialog = DrillDialog(DRILL)
    qtbot.addWidget(dialog)
    dialog.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    starts = [dialog.model.index(r, 3).data() for r in range(3)]
    assert starts == ["15/11/2024", "03/01/2025", "28/02/2026"]
    dialog.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert dialog.model.index(0, 0).data() == "ZOLA Émile"
    assert sort_key("1\u202f248") < sort_key("12\u202f480")
    assert sort_key("9") < sort_key("10")


def test_a_long_drill_down_says_only_the_first_rows_are_shown(qtbot: QtBot) -> None:
    rows = tuple(DrillRow((f"P{i}",), person_id=i) for i in range(5000))
    dialog = DrillDialog(DrillList("Entretiens du mois", ("Personne",), rows, 6120))
    qtbot.addWidget(dialog)
    assert dialog.count_label.text() == (
        "6\u202f120 éléments — les 5\u202f000 premiers sont affichés"
    )


def test_drill_rows_open_a_stage_session_or_a_partner(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeSummary())
    stages: list[tuple[int, int]] = []
    partners: list[int] = []
    page.open_stage_requested.connect(lambda *args: stages.append(args))
    page.open_partner_requested.connect(partners.append)

    page.open_drill_row(DrillRow(("Séance",), stage_id=5, session_id=51))
    page.open_drill_row(DrillRow(("Stage",), stage_id=6))
    page.open_drill_row(DrillRow(("CAF",), partner_id=9))

    assert stages == [(5, 51), (6, 0)]
    assert partners == [9]


def test_a_rate_has_no_list_behind_it(qtbot: QtBot) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)
    table = card(page, Section.STAGES).table
    rate = row_of(page, Section.STAGES, I.ATTENDANCE_RATE)

    table.setCurrentIndex(table.model().index(rate, 0))
    QTest.keyClick(table, Qt.Key.Key_Return)

    assert not any(call[0] == "drill" for call in fake.calls)
    assert page.drill_dialog is None
    assert "pas de liste détaillée" in page.hint_label.text()


def test_a_refused_drill_down_is_said_in_french(qtbot: QtBot, prompter: FakePrompter) -> None:
    fake = FakeSummary()

    def refuse() -> DrillList:
        raise PermissionDenied("Votre rôle ne vous permet pas de voir ces personnes.")

    fake.drill_answer = refuse
    page = make_page(qtbot, fake, prompter)
    table = card(page, Section.PERSONS).table
    table.setCurrentIndex(table.model().index(0, 0))
    QTest.keyClick(table, Qt.Key.Key_Enter)

    assert page.drill_dialog is None
    assert prompter.asked[-1] == (
        "Détail du chiffre",
        "Votre rôle ne vous permet pas de voir ces personnes.",
    )


# -- export ------------------------------------------------------------------------------------


def test_export_writes_where_the_user_chose_and_gives_the_fingerprint(
    qtbot: QtBot, prompter: FakePrompter, tmp_path: Path
) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake, prompter)
    out = tmp_path / "synthese.pdf"
    prompter.answers.append(out)
    seen: list[object] = []
    fake.on_progress = lambda: seen.append(page.export_dialog)

    page.export_actions[ExportFormat.PDF].trigger()

    assert prompter.asked[0] == ("Exporter la synthèse", "synthese-2026-02-service.pdf")
    assert fake.calls[-2][:5] == ("export", Month(2026, 2), SERVICE, ExportFormat.PDF, out)
    assert out.read_bytes().startswith(b"%PDF")
    assert seen and all(d is not None for d in seen)  # the progress dialog was up
    assert page.export_dialog is None  # and is gone
    assert prompter.asked[-1] == (
        "Synthèse exportée",
        f"Synthèse exportée : {out} — empreinte SHA-256 9f86d081884c…",
    )
    assert fake.calls[-1] == ("register",)  # the register is read again
    assert page.register_model.rowCount() == 3
    assert page.tabs.tabText(1) == "Synthèses envoyées (3)"
    assert page.sent_label.isVisible()  # February has now been sent (twice)


def test_export_of_an_antenne_proposes_its_file_name(qtbot: QtBot, prompter: FakePrompter) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake, prompter)
    page.set_scope(BORDEAUX)

    page.export_actions[ExportFormat.XLSX].trigger()  # the user cancels the file dialog

    assert prompter.asked == [("Exporter la synthèse", "synthese-2026-02-antenne-1.xlsx")]
    assert not any(call[0] == "export" for call in fake.calls)


def test_cancelling_an_export_is_a_calm_message(
    qtbot: QtBot, prompter: FakePrompter, tmp_path: Path
) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake, prompter)
    prompter.answers.append(tmp_path / "synthese.csv")

    def press_cancel() -> None:
        dialog = page.export_dialog
        assert dialog is not None
        button = dialog.findChild(QPushButton)
        assert button is not None and button.text() == "Annuler"
        button.click()  # the next progress call answers False

    fake.on_progress = press_cancel
    page.export_actions[ExportFormat.CSV].trigger()

    assert prompter.asked[-1] == (
        "Export interrompu",
        "Export interrompu : aucun fichier n'a été écrit.",
    )
    assert not (tmp_path / "synthese.csv").exists()
    assert page.export_dialog is None
    assert page.export_button.isEnabled()


def test_a_refused_export_is_said_in_french(
    qtbot: QtBot, prompter: FakePrompter, tmp_path: Path
) -> None:
    fake = FakeSummary()
    fake.export_error = SpipError(
        "Le dossier « /lecture-seule » n'accepte pas l'écriture : choisissez-en un autre."
    )
    page = make_page(qtbot, fake, prompter)
    prompter.answers.append(tmp_path / "synthese.pdf")

    page.export_actions[ExportFormat.PDF].trigger()

    assert prompter.asked[-1] == (
        "Export impossible",
        "Le dossier « /lecture-seule » n'accepte pas l'écriture : choisissez-en un autre.",
    )
    assert page.export_button.isEnabled()


# -- the register -------------------------------------------------------------------------------


def test_the_register_lists_the_sent_summaries(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeSummary())
    model = page.register_model
    assert page.tabs.tabText(1) == "Synthèses envoyées (2)"
    first = [str(model.index(0, c).data()) for c in range(model.columnCount())]
    assert first == [
        "Février 2026",
        "Tout le service",
        "PDF",
        "03/03/2026 à 10:14",
        "Diane DIRECTRICE",
        "02a3f9c2b7e1…",
    ]
    second = [str(model.index(1, c).data()) for c in range(3)]
    assert second == ["Janvier 2026", "Antenne : Antenne de Bordeaux", "Classeur (XLSX)"]
    # the month shown was sent: a note beside the month
    assert page.sent_label.isVisible()
    assert page.sent_label.text() == "✓ Envoyée le 03/03/2026"
    qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)  # January, service
    assert page.sent_label.isHidden()  # January was sent for Bordeaux only
    page.set_scope(BORDEAUX)
    assert page.sent_label.isVisible()


def test_a_sent_summary_compared_line_by_line(qtbot: QtBot) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)
    sent = fake.sent[0]
    today = make_summary(sent.month)
    fake.check_answer = SentCheck(
        sent,
        today,
        (
            Difference("suivis_fin", "Personnes suivies le dernier jour du mois", 1240, 1248),
            Difference("taux_presence", "Taux de présence", Decimal("81.0"), Decimal("82.5")),
        ),
    )
    page.tabs.setCurrentIndex(1)
    assert not page.check_button.isEnabled()
    page.register_table.selectRow(0)
    assert page.check_button.isEnabled()

    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)

    assert fake.calls[-1] == ("check", sent.id)
    dialog = page.check_dialog
    assert isinstance(dialog, SentCheckDialog)
    model = dialog.model
    rows = [[model.index(r, c).data() for c in range(4)] for r in range(model.rowCount())]
    assert rows == [
        ["Personnes suivies le dernier jour du mois", "1\u202f240", "1\u202f248", "+8"],
        ["Taux de présence", "81,0 %", "82,5 %", "+1,5"],
    ]
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "Indicateur",
        "Valeur envoyée",
        "Valeur actuelle",
        "Écart",
    ]
    assert dialog.result_label.text().startswith("2 chiffres ont changé")
    dialog.reject()


def test_a_sent_summary_that_still_holds_says_so(qtbot: QtBot) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)
    page.register_table.selectRow(0)

    page.check_selected()

    dialog = page.check_dialog
    assert isinstance(dialog, SentCheckDialog)
    assert dialog.result_label.text() == NO_DIFFERENCE
    assert dialog.table.isHidden()
    dialog.reject()


def test_a_sent_file_produced_again(qtbot: QtBot, prompter: FakePrompter, tmp_path: Path) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake, prompter)
    page.register_table.selectRow(1)
    out = tmp_path / "copie.xlsx"
    prompter.answers.append(out)

    qtbot.mouseClick(page.reproduce_button, Qt.MouseButton.LeftButton)

    assert prompter.asked[0] == ("Produire à nouveau la synthèse", fake.sent[1].file_name)
    assert fake.calls[-1] == ("reproduce", fake.sent[1].id, out)
    title, text = prompter.asked[-1]
    assert title == "Fichier reproduit"
    assert text.startswith("Fichier reproduit à l'identique (empreinte vérifiée).")
    assert str(out) in text


def test_a_file_that_cannot_be_reproduced_is_said_in_french(
    qtbot: QtBot, prompter: FakePrompter, tmp_path: Path
) -> None:
    fake = FakeSummary()
    fake.reproduce_error = SpipError(
        "Le fichier produit à nouveau diffère de celui envoyé : il n'a pas été conservé."
    )
    page = make_page(qtbot, fake, prompter)
    page.register_table.selectRow(0)
    prompter.answers.append(tmp_path / "copie.pdf")

    page.reproduce_selected()

    assert prompter.asked[-1] == (
        "Reproduction impossible",
        "Le fichier produit à nouveau diffère de celui envoyé : il n'a pas été conservé.",
    )
    assert page.reproduce_button.isEnabled()


def test_a_sent_summary_opens_its_month_and_scope(qtbot: QtBot) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)
    page.tabs.setCurrentIndex(1)
    page.register_table.selectRow(1)  # January 2026, Bordeaux

    qtbot.mouseClick(page.show_month_button, Qt.MouseButton.LeftButton)

    assert page.tabs.currentIndex() == 0
    assert fake.calls[-1] == ("summary", Month(2026, 1), BORDEAUX)
    assert page.heading_label.text() == "Janvier 2026 — Antenne : Antenne de Bordeaux"


# -- charts and painting ------------------------------------------------------------------------


def test_the_charts_show_both_months(qtbot: QtBot) -> None:
    page = make_page(qtbot, FakeSummary())
    persons, stages = card(page, Section.PERSONS), card(page, Section.STAGES)
    chart = persons.charts[0]
    assert chart.series == ("Février 2026", "Janvier 2026")
    assert chart.bars[0] == Bar("Sursis probatoire", 612, 575)  # the largest first
    assert "Contrainte pénale (ancien régime)" not in [b.label for b in chart.bars]
    attendance = stages.charts[1]
    assert attendance.title == "Émargements par code — taux de présence 82,5 %"
    assert [b.label for b in attendance.bars] == [
        "Présent",
        "Retard",
        "Absent excusé",
        "Absent non excusé",
    ]
    assert "Présent : 318 (Janvier 2026 : 299)" in attendance.accessibleDescription()
    closed = card(page, Section.RIGHTS).charts[0]
    assert [b.label for b in closed.bars] == ["Obtenues", "Refusées", "Abandonnées"]


def test_the_chart_paints_and_says_when_there_is_nothing(qtbot: QtBot) -> None:
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(420, 200)
    chart.set_data("Séances", ("Mars 2026", "Février 2026"), [])
    assert not chart.grab().isNull()
    assert chart.description() == "Aucune donnée sur ce mois."
    chart.set_data("Séances", ("Mars 2026", "Février 2026"), [Bar("Stage", 3, None)])
    assert chart.sizeHint().height() > 0
    assert not chart.grab().isNull()


@pytest.mark.parametrize("width", [1136, 1690])
def test_the_page_paints_narrow_and_wide(qtbot: QtBot, width: int) -> None:
    page = make_page(qtbot, FakeSummary(), width=width)
    QApplication.processEvents()
    wide = card(page, Section.PERSONS).wide
    assert wide is (width > 1500)
    assert not page.grab().isNull()


def test_the_models_are_valid_qt_models(qtbot: QtBot, qtmodeltester: Any) -> None:
    page = make_page(qtbot, FakeSummary())
    qtmodeltester.check(card(page, Section.PERSONS).model)
    dialog = DrillDialog(DRILL)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)


class WindowsShown(QObject):
    """Records the windows shown while it filters the application's events."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        shown = event.type() == QEvent.Type.Show
        if shown and isinstance(watched, QWidget) and watched.isWindow():
            self.shown.append(type(watched).__name__)
        return False


def test_nothing_is_asked_before_the_page_is_shown(qtbot: QtBot) -> None:
    fake = FakeSummary()
    windows = WindowsShown()
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(windows)
    try:
        page = SummaryPage(fake, ImmediateTaskRunner(on_error=pytest.fail), FakePrompter())
    finally:
        app.removeEventFilter(windows)
    qtbot.addWidget(page)
    assert fake.calls == []
    # no part of it showed as a window of its own, even for an instant (it would take the
    # activation, and the shortcuts, from the main window)
    assert windows.shown == []
    assert not page.export_button.isEnabled()
    page.show()
    assert fake.calls[-1][0] == "summary"
    scope = page.selected_scope()
    assert scope is not None and scope.kind is ScopeKind.SERVICE


# -- the real window on real services -------------------------------------------------------------


def test_the_direction_reads_a_month_and_drills_into_a_figure_in_the_real_window(
    qtbot: QtBot, services: Any, reference: Any, prompter: FakePrompter, runner: Any
) -> None:
    from spip_desktop.domain.enums import MeasureType
    from spip_desktop.domain.model import MeasureDraft
    from spip_desktop.ui.main_window import MainWindow
    from tests.conftest import MANAGER, fixed_today, person_draft

    person = services.persons.create(
        person_draft(
            surname="Lefèvre",
            given_names="Hélène",
            referent_id=reference.cpip.id,
            antenne_id=reference.antenne.id,
        )
    ).person
    services.persons.add_measure(
        person.id,
        MeasureDraft(
            measure_type=MeasureType.SURSIS_PROBATOIRE,
            decision_date=date(2025, 5, 2),
            referral_date=date(2025, 6, 1),
            probation_end=date(2027, 6, 1),
        ),
    )
    window = MainWindow(prompter, runner, today=fixed_today)
    qtbot.addWidget(window)
    window.show()
    window.attach(services, MANAGER)
    labels = [window.nav_list.item(i).text() for i in range(window.nav_list.count())]
    assert "Synthèse mensuelle" in labels

    window.show_section(window.SECTION_SUMMARY)
    page = window.summary_page
    assert page is not None and window.stack.currentWidget() is window.summary_holder
    page.set_month(Month(2026, 1))

    assert page.current is not None and page.current.month == Month(2026, 1)
    total = row_of(page, Section.PERSONS, I.ACTIVE_LAST)
    assert cells(page, Section.PERSONS, total)[:3] == [
        "Personnes suivies le dernier jour du mois",
        "",
        "1",
    ]
    table = card(page, Section.PERSONS).table
    double_click_row(table, total, COL_CURRENT)

    dialog = page.drill_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.count_label.text() == "1 élément"
    assert dialog.row_at(0) is not None and dialog.row_at(0).person_id == person.id  # type: ignore[union-attr]

    double_click_row(dialog.table, 0)

    assert window.stack.currentWidget() is window.file_tabs
    assert getattr(window.file_tabs.currentWidget(), "person_id", None) == person.id


@pytest.mark.parametrize(("role", "present"), [("dpip", True), ("cpip", False)])
def test_the_section_is_the_directions(
    qtbot: QtBot,
    services: Any,
    reference: Any,
    prompter: FakePrompter,
    runner: Any,
    role: str,
    present: bool,
) -> None:
    from spip_desktop.domain.security import Role, User
    from spip_desktop.ui.main_window import MainWindow
    from tests.conftest import fixed_today

    user = User(None, role, "Agent", frozenset({Role(role)}), reference.cpip.id)
    window = MainWindow(prompter, runner, today=fixed_today)
    qtbot.addWidget(window)
    window.show()
    window.attach(services, user)

    labels = [window.nav_list.item(i).text() for i in range(window.nav_list.count())]
    assert ("Synthèse mensuelle" in labels) is present
    assert (window.SECTION_SUMMARY in window.sections) is present
    assert window.summary_page is None  # built when first shown, not at sign-in

    window.show_section(window.SECTION_SUMMARY)

    assert (window.summary_page is not None) is present
    if present:
        assert window.summary_page is not None and window.summary_page.isVisible()
        assert window.summary_page.current is not None  # computed once shown


def test_the_dialogs_show_nothing_while_being_built(qtbot: QtBot) -> None:
    windows = WindowsShown()
    app = QApplication.instance()
    assert app is not None
    sent = sent_summary(1, Month(2026, 2))
    app.installEventFilter(windows)
    try:
        built = [
            DrillDialog(DRILL),
            DrillDialog(replace(DRILL, rows=(), total=0)),
            SentCheckDialog(SentCheck(sent, make_summary(sent.month), ())),
        ]
    finally:
        app.removeEventFilter(windows)
    for dialog in built:
        qtbot.addWidget(dialog)
    assert windows.shown == []


def test_a_sent_month_reopened_says_which_figures_changed_since(qtbot: QtBot) -> None:
    fake = FakeSummary()
    sent = fake.sent[0]  # February, the whole service, as make_summary gave it then
    late = replace(
        make_summary(sent.month),
        figures=tuple(
            replace(f, value=f.value + 1)
            if f.code in ("entretiens", "entretiens/outcome:honore")
            else f
            for f in make_summary(sent.month).figures
        ),
    )
    fake.answer = lambda month, scope: (late, make_summary(month.previous, scope, factor=0.94))
    page = make_page(qtbot, fake)
    assert page.selected_month() == sent.month
    assert "2 chiffres ont changé depuis" in page.sent_label.text()
    page.sent_label.linkActivated.emit("check")
    dialog = page.check_dialog
    assert dialog is not None
    assert [d.code for d in dialog.check.differences] == ["entretiens", "entretiens/outcome:honore"]
    assert fake.calls.count(("check", sent.id)) == 0  # compared with the figures on the page


def test_a_month_older_than_the_list_opens_all_the_same(qtbot: QtBot) -> None:
    fake = FakeSummary()
    page = make_page(qtbot, fake)
    old = Month(2021, 5)
    page.set_month(old)
    assert page.selected_month() == old
    assert fake.calls[-1] == ("summary", old, SERVICE)
    assert page.month_combo.currentText() == "Mai 2021"


def test_the_direction_exports_the_three_formats_and_finds_them_in_the_register(
    qtbot: QtBot, services: Any, reference: Any, prompter: FakePrompter, runner: Any, tmp_path: Path
) -> None:
    import hashlib

    from spip_desktop.ui.main_window import MainWindow
    from tests.conftest import MANAGER, fixed_today

    window = MainWindow(prompter, runner, today=fixed_today)
    qtbot.addWidget(window)
    window.show()
    window.attach(services, MANAGER)
    window.show_section(window.SECTION_SUMMARY)
    page = window.summary_page
    assert page is not None
    page.set_month(Month(2026, 2))
    written = []
    for fmt in ExportFormat:
        out = tmp_path / f"synthese{fmt.suffix}"
        prompter.answers.append(out)
        page.export(fmt)
        assert out.exists()
        written.append(hashlib.sha256(out.read_bytes()).hexdigest())
        assert prompter.asked[-1][0] == "Synthèse exportée"
        assert written[-1][:12] in prompter.asked[-1][1]
    model = page.register_model
    assert model.rowCount() == 3
    assert page.tabs.tabText(1) == "Synthèses envoyées (3)"
    assert {model.index(r, 0).data() for r in range(3)} == {"Février 2026"}
    assert sorted(s.sha256 for s in services.summary.register()) == sorted(written)
    assert page.sent_label.isVisible()  # the month shown has now been sent
