"""The *Journal* and *Chronologie* tabs of a file, on fake services and a task runner that
says whether the work runs inside it (never on the GUI thread's own path)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog

from spip_desktop.bootstrap import Services
from spip_desktop.domain.enums import AgentRole, Regime
from spip_desktop.domain.errors import (
    DatabaseUnavailable,
    EditConflict,
    InvalidInput,
    NotFound,
    SpipError,
)
from spip_desktop.domain.journal import EntryKind, JournalDraft, JournalEntry, Outcome
from spip_desktop.domain.model import (
    Agent,
    KeyDates,
    Person,
    PersonDraft,
    PersonFile,
    ReferenceData,
)
from spip_desktop.domain.security import Role, User
from spip_desktop.domain.timeline import (
    FileTab,
    Timeline,
    TimelineEvent,
    TimelineKind,
    TimelineQuery,
    merge,
    validate_query,
)
from spip_desktop.domain.validation import ValidationResult
from spip_desktop.services.journal import ENTRY_CHANGED, ENTRY_GONE
from spip_desktop.ui.journal_dialog import NO_OUTCOME, JournalDialog, parse_clock
from spip_desktop.ui.journal_panel import JournalPanel, pill_of
from spip_desktop.ui.tasks import ImmediateTaskRunner
from spip_desktop.ui.timeline_panel import NO_KIND, TimelinePanel
from tests.conftest import Reference, open_test_services, person_draft
from tests.ui.conftest import FakePrompter

NOW = datetime(2026, 3, 12, 12, 0)
K = TimelineKind
CPIP_ID, OTHER_CPIP_ID = 7, 8
AGENTS = (
    Agent(CPIP_ID, "Lefèvre", "Élodie", AgentRole.CPIP),
    Agent(OTHER_CPIP_ID, "N'Diaye", "Moussa", AgentRole.CPIP),
    Agent(9, "Ancien", "Agent", AgentRole.CPIP, active=False),
)
REFERENCE = ReferenceData(agents=AGENTS)
CPIP = User(None, "elefevre", "Élodie LEFÈVRE", frozenset({Role.CPIP}), CPIP_ID)
OUTSIDER = User(None, "mndiaye", "Moussa N'DIAYE", frozenset({Role.CPIP}), OTHER_CPIP_ID)


def person_file(person_id: int = 1, referent_id: int | None = CPIP_ID) -> PersonFile:
    person = Person(
        person_id,
        3,
        PersonDraft(
            surname="Œuvray",
            given_names="Hélène",
            file_number=f"2026-{person_id:06d}",
            regime=Regime.MILIEU_OUVERT,
            referent_id=referent_id,
        ),
    )
    return PersonFile(person, (), None, None, None, KeyDates())


class RecordingRunner(ImmediateTaskRunner):
    """Runs at once, and says whether the current call is inside a task."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        super().__init__(on_error=self.errors.append)
        self.inside = False
        self.held: list[Callable[[], None]] | None = None

    def run(self, work: Callable[[], Any], on_done: Any, on_error: Any = None) -> None:
        def task() -> None:
            self.inside = True
            try:
                result = work()
            except BaseException as error:
                self.inside = False
                (on_error or self._on_error)(error)
                return
            self.inside = False
            on_done(result)

        if self.held is not None:
            self.held.append(task)
        else:
            task()

    def hold(self) -> None:
        self.held = []

    def release(self) -> None:
        held, self.held = self.held or [], None
        for task in held:
            task()


@pytest.fixture
def recording_runner() -> RecordingRunner:
    runner = RecordingRunner()
    yield runner
    assert not runner.errors, runner.errors


# -- the journal ---------------------------------------------------------------------------


def entry(
    entry_id: int,
    kind: EntryKind,
    day: date,
    at: time | None = None,
    outcome: Outcome | None = None,
    subject: str = "",
    text: str = "",
    version: int = 1,
) -> JournalEntry:
    draft = JournalDraft(kind, day, at, subject, text, "", CPIP_ID if at else None, outcome)
    return JournalEntry(
        entry_id, version, 1, draft, "Élodie LEFÈVRE", NOW, NOW, "Élodie LEFÈVRE" if at else ""
    )


class FakeJournal:
    def __init__(self, runner: RecordingRunner) -> None:
        self.runner = runner
        self.store: dict[int, JournalEntry] = {
            1: entry(1, EntryKind.INTERVIEW, date(2026, 3, 20), time(10), subject="À venir"),
            2: entry(2, EntryKind.INTERVIEW, date(2026, 3, 11), time(14, 30), subject="Emploi"),
            3: entry(3, EntryKind.NOTE, date(2026, 3, 10), text="Appel du CHRS.\nRappeler."),
            4: entry(4, EntryKind.SUMMONS, date(2026, 3, 2), time(9), Outcome.MISSED),
            5: entry(5, EntryKind.HOME_VISIT, date(2026, 2, 20), time(16), Outcome.HONOURED),
            6: entry(6, EntryKind.INTERVIEW, date(2026, 2, 1), time(11), Outcome.EXCUSED),
        }
        self.calls: list[tuple[Any, ...]] = []
        self.fail_with: SpipError | None = None

    def _call(self, *call: Any) -> None:
        assert self.runner.inside, f"{call[0]} called outside the task runner"
        self.calls.append(call)
        if self.fail_with is not None and call[0] != "entries":
            error, self.fail_with = self.fail_with, None
            raise error

    def now(self) -> datetime:
        return NOW

    def entries(self, person_id: int) -> tuple[JournalEntry, ...]:
        self._call("entries", person_id)
        return tuple(
            sorted(
                self.store.values(),
                key=lambda e: (e.draft.day, e.draft.at or time.min, e.id),
                reverse=True,
            )
        )

    def save_entry(
        self, person_id: int, entry_id: int | None, version: int, draft: JournalDraft
    ) -> JournalEntry:
        self._call("save_entry", person_id, entry_id, version, draft)
        if entry_id is not None and entry_id not in self.store:  # as the service does
            raise NotFound(ENTRY_GONE)
        if entry_id is not None and self.store[entry_id].version != version:
            raise SpipError(ENTRY_CHANGED) from EditConflict()
        new_id = entry_id or max(self.store) + 1
        saved = JournalEntry(new_id, version + 1, person_id, draft, "Élodie LEFÈVRE", NOW, NOW)
        self.store[new_id] = saved
        return saved

    def set_outcome(self, entry_id: int, version: int, outcome: Outcome | None) -> JournalEntry:
        self._call("set_outcome", entry_id, version, outcome)
        before = self.store[entry_id]
        saved = replace(before, version=version + 1, draft=replace(before.draft, outcome=outcome))
        self.store[entry_id] = saved
        return saved

    def delete_entry(self, entry_id: int, version: int) -> None:
        self._call("delete_entry", entry_id, version)
        del self.store[entry_id]


@pytest.fixture
def journal(recording_runner: RecordingRunner) -> FakeJournal:
    return FakeJournal(recording_runner)


@pytest.fixture
def journal_panel(
    qtbot: Any, journal: FakeJournal, recording_runner: RecordingRunner, prompter: FakePrompter
) -> JournalPanel:
    panel = JournalPanel(journal, recording_runner, prompter, lambda: REFERENCE, CPIP)
    qtbot.addWidget(panel)
    panel.resize(1100, 700)
    panel.show()
    panel.set_file(person_file())
    panel.reload()
    return panel


def rows(panel: JournalPanel) -> list[list[str]]:
    model = panel.model
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_the_journal_model_passes_the_model_tester(
    qtmodeltester: Any, journal_panel: JournalPanel
) -> None:
    qtmodeltester.check(journal_panel.model)
    qtmodeltester.check(journal_panel.model, force_py=True)


def test_entries_newest_first_with_their_outcome_pill(journal_panel: JournalPanel) -> None:
    assert rows(journal_panel) == [
        ["20/03/2026", "10:00", "Entretien", "À venir", "Élodie LEFÈVRE", "À venir"],
        ["11/03/2026", "14:30", "Entretien", "Emploi", "Élodie LEFÈVRE", "À renseigner"],
        ["10/03/2026", "", "Note", "Appel du CHRS.", "Élodie LEFÈVRE", ""],
        ["02/03/2026", "09:00", "Convocation", "", "Élodie LEFÈVRE", "Non honoré"],
        ["20/02/2026", "16:00", "Visite à domicile", "", "Élodie LEFÈVRE", "Honoré"],
        ["01/02/2026", "11:00", "Entretien", "", "Élodie LEFÈVRE", "Excusé"],
    ]
    pills = [journal_panel.model.record_at(r) for r in range(6)]
    assert [pill_of(e, NOW) for e in pills if e is not None] == [
        None,
        "a_renseigner",
        None,
        "non_honore",
        "honore",
        "excuse",
    ]
    assert "1 rendez-vous passé sans suite renseignée" in journal_panel.message_label.text()


def test_a_new_note_is_saved_through_the_runner(
    monkeypatch: pytest.MonkeyPatch,
    qtbot: Any,
    journal_panel: JournalPanel,
    journal: FakeJournal,
) -> None:
    asked: list[JournalDraft] = []

    def ask(_parent: Any, draft: JournalDraft, agents: Any, now: datetime, *_: Any, **__: Any):
        asked.append(draft)
        return replace(draft, subject="Hébergement", text="Place au CHRS confirmée.")

    monkeypatch.setattr(JournalDialog, "ask", ask)
    with qtbot.waitSignal(journal_panel.changed):
        journal_panel.note_button.click()
    assert asked == [JournalDraft(EntryKind.NOTE, NOW.date(), None, agent_id=CPIP_ID)]
    kind, person_id, entry_id, version, draft = journal.calls[-2]
    assert (kind, person_id, entry_id, version) == ("save_entry", 1, None, 0)
    assert draft.text == "Place au CHRS confirmée."
    assert journal.calls[-1] == ("entries", 1)  # reloaded
    selected = journal_panel.selected_entry()
    assert selected is not None and selected.draft.subject == "Hébergement"


def test_a_new_appointment_starts_now_with_the_user_as_agent(
    monkeypatch: pytest.MonkeyPatch, journal_panel: JournalPanel, journal: FakeJournal
) -> None:
    asked: list[JournalDraft] = []
    monkeypatch.setattr(
        JournalDialog, "ask", lambda _p, draft, *a, **k: asked.append(draft) or None
    )
    journal_panel.appointment_button.click()
    assert asked == [JournalDraft(EntryKind.INTERVIEW, NOW.date(), time(12, 0), agent_id=CPIP_ID)]
    assert not any(call[0] == "save_entry" for call in journal.calls)  # cancelled


def test_edit_with_enter_keeps_the_version(
    monkeypatch: pytest.MonkeyPatch, journal_panel: JournalPanel, journal: FakeJournal
) -> None:
    monkeypatch.setattr(
        JournalDialog,
        "ask",
        lambda _p, draft, *a, **k: replace(draft, subject="Emploi et formation"),
    )
    journal_panel.table.selectRow(1)
    journal_panel.table.setFocus()
    QTest.keyClick(journal_panel.table, Qt.Key.Key_Return)
    call = next(c for c in journal.calls if c[0] == "save_entry")
    assert call[1:4] == (1, 2, 1)
    assert call[4].subject == "Emploi et formation"


def test_quick_outcome_on_a_past_appointment_only(
    journal_panel: JournalPanel, journal: FakeJournal
) -> None:
    buttons = journal_panel.outcome_buttons
    journal_panel.table.selectRow(0)  # to come
    assert not buttons[Outcome.HONOURED].isVisible()
    journal_panel.table.selectRow(2)  # a note
    assert not buttons[Outcome.HONOURED].isVisible()
    journal_panel.table.selectRow(1)  # past, no outcome yet
    assert all(b.isVisible() and b.isEnabled() for b in buttons.values())
    buttons[Outcome.HONOURED].click()
    assert ("set_outcome", 2, 1, Outcome.HONOURED) in journal.calls
    selected = journal_panel.selected_entry()
    assert selected is not None and selected.id == 2  # still selected after the reload
    assert rows(journal_panel)[1][5] == "Honoré"
    assert not buttons[Outcome.HONOURED].isEnabled()  # already so


def test_delete_asks_first(
    journal_panel: JournalPanel, journal: FakeJournal, prompter: FakePrompter
) -> None:
    journal_panel.table.selectRow(2)
    prompter.answers.append(False)
    journal_panel.delete_button.click()
    assert not any(c[0] == "delete_entry" for c in journal.calls)
    prompter.answers.append(True)
    journal_panel.delete_button.click()
    assert ("delete_entry", 3, 1) in journal.calls
    assert prompter.asked[-1][0] == "Supprimer du journal ?"
    assert journal_panel.model.rowCount() == 5


def test_a_refused_change_is_explained_and_the_journal_reloaded(
    journal_panel: JournalPanel, journal: FakeJournal, prompter: FakePrompter
) -> None:
    journal.fail_with = SpipError("Cette entrée du journal a été modifiée par quelqu'un d'autre.")
    journal_panel.table.selectRow(1)
    loads = sum(1 for c in journal.calls if c[0] == "entries")
    journal_panel.outcome_buttons[Outcome.MISSED].click()
    assert prompter.asked[-1] == (
        "Suite non enregistrée",
        "Cette entrée du journal a été modifiée par quelqu'un d'autre.",
    )
    assert sum(1 for c in journal.calls if c[0] == "entries") == loads + 1


TYPED = (
    "Compte rendu détaillé de l'entretien :\n"
    "- emploi : CDD de six mois chez Élagage Œuvray, à Pessac ;\n"
    "- logement : dossier déposé au CHRS, réponse attendue fin mars.\n"
    "Prochain point dans trois semaines."
)


class AskRecorder:
    """Stands in for the modal form: records each opening, answers from a script."""

    def __init__(self, *answers: Callable[[JournalDraft], JournalDraft | None]) -> None:
        self.answers = list(answers)
        self.opened: list[tuple[JournalDraft, dict[str, Any]]] = []

    def __call__(self, _parent: Any, draft: JournalDraft, *_: Any, **kw: Any) -> Any:
        self.opened.append((draft, kw))
        return self.answers.pop(0)(draft) if self.answers else None


def invalid_agent() -> InvalidInput:
    result = ValidationResult()
    result.error("agent_id", "Cet agent n'existe plus : choisissez-en un autre.")
    return InvalidInput(result)


@pytest.mark.parametrize(
    ("error", "refusal", "refused"),
    [
        (invalid_agent(), "Cet agent n'existe plus : choisissez-en un autre.", "agent_id"),
        (
            DatabaseUnavailable("locked", "La base est occupée : réessayez dans un instant."),
            "La base est occupée : réessayez dans un instant.",
            None,
        ),
        (EditConflict(), EditConflict().message, None),  # a new entry has no version to rebase
    ],
)
def test_a_refused_save_opens_the_form_again_with_what_was_typed(
    monkeypatch: pytest.MonkeyPatch,
    journal_panel: JournalPanel,
    journal: FakeJournal,
    prompter: FakePrompter,
    error: SpipError,
    refusal: str,
    refused: str | None,
) -> None:
    typed = JournalDraft(
        EntryKind.INTERVIEW, NOW.date(), time(10), "Emploi", TYPED, "Bureau 3", CPIP_ID
    )
    ask = AskRecorder(lambda _: typed, lambda shown: shown)  # save; refused; save again
    monkeypatch.setattr(JournalDialog, "ask", ask)
    journal.fail_with = error
    journal_panel.appointment_button.click()
    assert len(ask.opened) == 2
    again, kw = ask.opened[1]
    assert again == typed and again.text == TYPED  # every keystroke
    assert kw["refusal"] == refusal
    assert (list(kw["refused"]) if kw["refused"] else None) == ([refused] if refused else None)
    assert kw["new"] is True
    assert not prompter.asked  # said in the form, not in a box that closes it
    saves = [c for c in journal.calls if c[0] == "save_entry"]
    assert [c[1:4] for c in saves] == [(1, None, 0), (1, None, 0)]
    assert journal.store[max(journal.store)].draft == typed


def test_a_form_given_up_after_a_refusal_reloads_the_journal(
    monkeypatch: pytest.MonkeyPatch, journal_panel: JournalPanel, journal: FakeJournal
) -> None:
    ask = AskRecorder(lambda draft: replace(draft, text=TYPED))  # then cancelled
    monkeypatch.setattr(JournalDialog, "ask", ask)
    journal.fail_with = SpipError("Ce dossier n'existe plus : il a peut-être été supprimé.")
    loads = sum(1 for c in journal.calls if c[0] == "entries")
    journal_panel.table.selectRow(2)
    journal_panel.edit_button.click()
    assert ask.opened[1][0].text == TYPED
    assert ask.opened[1][1]["refusal"] == "Ce dossier n'existe plus : il a peut-être été supprimé."
    assert sum(1 for c in journal.calls if c[0] == "entries") > loads


@pytest.mark.parametrize("raised", ["by the service", "as an EditConflict"])
def test_an_edit_conflict_keeps_the_text_typed_and_the_colleagues_outcome(
    monkeypatch: pytest.MonkeyPatch,
    journal_panel: JournalPanel,
    journal: FakeJournal,
    prompter: FakePrompter,
    raised: str,
) -> None:
    def type_report(draft: JournalDraft) -> JournalDraft:
        # meanwhile a colleague records the outcome of the appointment
        before = journal.store[2]
        journal.store[2] = replace(
            before, version=2, draft=replace(before.draft, outcome=Outcome.HONOURED)
        )
        if raised == "as an EditConflict":
            journal.fail_with = EditConflict()
        return replace(draft, text=TYPED)

    ask = AskRecorder(type_report, lambda shown: shown)
    monkeypatch.setattr(JournalDialog, "ask", ask)
    journal_panel.table.selectRow(1)
    journal_panel.edit_button.click()
    assert len(ask.opened) == 2
    again, kw = ask.opened[1]
    assert again.text == TYPED and again.outcome is Outcome.HONOURED
    assert again.subject == "Emploi"
    assert "modifié cette entrée : la suite." in kw["refusal"]
    assert "vos saisies sont conservées" in kw["refusal"]
    saves = [c for c in journal.calls if c[0] == "save_entry"]
    assert [c[2:4] for c in saves] == [(2, 1), (2, 2)]  # saved again over the new version
    stored = journal.store[2]
    assert (stored.version, stored.draft.text, stored.draft.outcome) == (
        3,
        TYPED,
        Outcome.HONOURED,
    )
    assert not prompter.asked


def test_both_changed_the_same_field_the_typing_is_kept_and_said(
    monkeypatch: pytest.MonkeyPatch, journal_panel: JournalPanel, journal: FakeJournal
) -> None:
    def retitle(draft: JournalDraft) -> JournalDraft:
        before = journal.store[2]
        journal.store[2] = replace(
            before, version=2, draft=replace(before.draft, subject="Formation", place="Bureau 2")
        )
        return replace(draft, subject="Emploi et logement")

    ask = AskRecorder(retitle)
    monkeypatch.setattr(JournalDialog, "ask", ask)
    journal_panel.table.selectRow(1)
    journal_panel.edit_button.click()
    again, kw = ask.opened[1]
    assert (again.subject, again.place) == ("Emploi et logement", "Bureau 2")
    assert "modifié cette entrée : le lieu et l'objet." in kw["refusal"]
    assert "Vous aviez aussi modifié l'objet : c'est votre saisie qui est gardée." in kw["refusal"]


def test_an_entry_deleted_meanwhile_can_be_saved_again_as_new(
    monkeypatch: pytest.MonkeyPatch, journal_panel: JournalPanel, journal: FakeJournal
) -> None:
    def delete_meanwhile(draft: JournalDraft) -> JournalDraft:
        del journal.store[3]
        return replace(draft, text=TYPED)

    ask = AskRecorder(delete_meanwhile, lambda shown: shown)
    monkeypatch.setattr(JournalDialog, "ask", ask)
    journal_panel.table.selectRow(2)
    journal_panel.edit_button.click()
    again, kw = ask.opened[1]
    assert again.text == TYPED and kw["new"] is True
    assert "supprimée du journal pendant votre saisie" in kw["refusal"]
    last = [c for c in journal.calls if c[0] == "save_entry"][-1]
    assert last[2:4] == (None, 0)


def test_an_outcome_recorded_meanwhile_through_the_service_is_kept_with_the_report(
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    services: Services,
    reference: Reference,
    settings: Any,
    runner: ImmediateTaskRunner,
    prompter: FakePrompter,
) -> None:
    file = services.persons.create(person_draft(referent_id=reference.cpip.id))
    written = services.journal.save_entry(
        file.person.id,
        None,
        0,
        JournalDraft(
            EntryKind.INTERVIEW, NOW.date(), time(9, 30), "Emploi", agent_id=reference.cpip.id
        ),
    )
    cpip = User(None, "elodie", "Élodie LEFÈVRE", frozenset({Role.CPIP}), reference.cpip.id)
    panel = JournalPanel(services.journal, runner, prompter, services.reference.load, cpip)
    qtbot.addWidget(panel)
    panel.set_file(file)
    panel.reload()

    def type_report(draft: JournalDraft) -> JournalDraft:
        colleague = open_test_services(settings)  # another workstation
        try:
            colleague.journal.set_outcome(written.id, written.version, Outcome.MISSED)
        finally:
            colleague.close()
        return replace(draft, text=TYPED)

    ask = AskRecorder(type_report, lambda shown: shown)
    monkeypatch.setattr(JournalDialog, "ask", ask)
    panel.show_entry(written.id)
    panel.edit_button.click()
    assert len(ask.opened) == 2
    again, kw = ask.opened[1]
    assert (again.text, again.outcome) == (TYPED, Outcome.MISSED)
    assert "la suite" in kw["refusal"]
    stored = services.journal.get_entry(written.id)
    assert (stored.draft.text, stored.draft.outcome) == (TYPED, Outcome.MISSED)
    assert stored.version == written.version + 2


def test_show_entry_before_and_after_the_load(
    qtbot: Any,
    journal: FakeJournal,
    recording_runner: RecordingRunner,
    prompter: FakePrompter,
) -> None:
    panel = JournalPanel(journal, recording_runner, prompter, lambda: REFERENCE, CPIP)
    qtbot.addWidget(panel)
    panel.set_file(person_file())
    panel.show_entry(5)  # asked by the chronology before the tab loaded
    panel.reload()
    selected = panel.selected_entry()
    assert selected is not None and selected.id == 5
    panel.show_entry(3)
    selected = panel.selected_entry()
    assert selected is not None and selected.id == 3
    assert "Appel du CHRS." in panel.detail_text.toPlainText()


def test_read_only_outside_the_caseload(
    qtbot: Any, journal: FakeJournal, recording_runner: RecordingRunner, prompter: FakePrompter
) -> None:
    panel = JournalPanel(journal, recording_runner, prompter, lambda: REFERENCE, OUTSIDER)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_file(person_file())
    assert "Lecture seule" in panel.message_label.text()
    for button in (panel.note_button, panel.appointment_button, panel.edit_button):
        assert not button.isVisible()
    panel.table.selectRow(0)
    assert not panel.outcome_buttons[Outcome.HONOURED].isVisible()


# -- the entry dialog ------------------------------------------------------------------------


def test_the_dialog_shapes_itself_to_the_nature(qtbot: Any, prompter: FakePrompter) -> None:
    draft = JournalDraft(EntryKind.NOTE, NOW.date(), None, agent_id=CPIP_ID)
    dialog = JournalDialog(draft, AGENTS, NOW, prompter)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Nouvelle note"
    assert not dialog.time_edit.isVisible() and not dialog.outcome_combo.isVisible()
    assert [dialog.agent_combo.itemText(i) for i in range(dialog.agent_combo.count())] == [
        "Choisir…",
        "Élodie LEFÈVRE",
        "Moussa N'DIAYE",
    ]
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.errors["text"].text() == "La note est vide."
    dialog.text_edit.setPlainText("Appel de la mission locale : rendez-vous pris.")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(EntryKind.INTERVIEW))
    assert dialog.time_edit.isVisible() and dialog.time_edit.text() == "09:00"
    assert dialog.outcome_combo.isEnabled()  # 09:00 today is past
    dialog.time_edit.setText("15h30")
    assert not dialog.outcome_combo.isEnabled()
    assert "à venir" in dialog.outcome_hint.text()
    assert dialog.draft().at == time(15, 30)
    dialog.time_edit.setText("25:00")
    dialog.save_button.click()
    assert dialog.errors["at"].text() == "25:00 n'est pas une heure de la journée."
    dialog.time_edit.setText("10:15")
    dialog.outcome_combo.setCurrentIndex(dialog.outcome_combo.findData(Outcome.EXCUSED))
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft() == JournalDraft(
        EntryKind.INTERVIEW,
        NOW.date(),
        time(10, 15),
        "",
        "Appel de la mission locale : rendez-vous pris.",
        "",
        CPIP_ID,
        Outcome.EXCUSED,
    )


def test_an_old_agent_stays_readable_and_cancel_asks(qtbot: Any, prompter: FakePrompter) -> None:
    draft = JournalDraft(EntryKind.INTERVIEW, date(2025, 1, 6), time(10), "Suivi", agent_id=9)
    dialog = JournalDialog(draft, AGENTS, NOW, prompter, "ŒUVRAY Hélène", new=False)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Modifier le rendez-vous"
    assert dialog.agent_combo.currentText() == "Agent ANCIEN"
    assert dialog.outcome_combo.currentText() == NO_OUTCOME
    assert dialog.draft() == draft
    dialog.show()
    dialog.subject_edit.setText("Suivi renforcé")
    prompter.answers.append(False)  # « Continuer la saisie »
    dialog.reject()
    assert dialog.isVisible()
    assert prompter.asked[-1][0] == "Abandonner la saisie ?"
    prompter.answers.append(True)
    dialog.reject()
    assert not dialog.isVisible()


def test_a_form_opened_again_shows_the_refusal_and_asks_before_dropping_it(
    qtbot: Any, prompter: FakePrompter
) -> None:
    draft = JournalDraft(EntryKind.INTERVIEW, NOW.date(), time(10), "Suivi", TYPED, "", 9)
    dialog = JournalDialog(
        draft,
        AGENTS,
        NOW,
        prompter,
        "ŒUVRAY Hélène",
        refusal="Cet agent n'existe plus : choisissez-en un autre.",
        refused={"agent_id": "Cet agent n'existe plus : choisissez-en un autre."},
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.refusal_label.isVisible()
    assert dialog.refusal_label.text() == "Cet agent n'existe plus : choisissez-en un autre."
    assert dialog.errors["agent_id"].text() == "Cet agent n'existe plus : choisissez-en un autre."
    assert dialog.draft() == draft and dialog.text_edit.toPlainText() == TYPED
    dialog.save_button.click()  # the same agent again: refused here, not by the service
    assert dialog.result() != QDialog.DialogCode.Accepted
    prompter.answers.append(False)
    dialog.reject()  # nothing shown is saved: asks though nothing changed since
    assert dialog.isVisible() and prompter.asked[-1][0] == "Abandonner la saisie ?"
    dialog.agent_combo.setCurrentIndex(dialog.agent_combo.findData(CPIP_ID))
    assert dialog.errors["agent_id"].text() == ""
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft() == replace(draft, agent_id=CPIP_ID)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14:30", time(14, 30)), ("14h30", time(14, 30)), ("9h", time(9)), ("930", time(9, 30))],
)
def test_times_are_read_as_typed(text: str, expected: time) -> None:
    assert parse_clock(text) == expected
    assert parse_clock("  ") is None
    with pytest.raises(ValueError, match="hh:mm"):
        parse_clock("midi")


# -- the chronology ---------------------------------------------------------------------------


EVENTS = (
    TimelineEvent(date(2026, 1, 10), K.MEASURE, "Décision : Sursis probatoire", "TJ", None, 11),
    TimelineEvent(
        date(2026, 2, 20),
        K.RIGHTS,
        "CAF — RSA : En cours → Dossier déposé",
        "",
        datetime(2026, 2, 20, 11),
        4,
    ),
    TimelineEvent(
        date(2026, 3, 2),
        K.ATTENDANCE,
        "Absent excusé (correction) : Stage de citoyenneté",
        "",
        datetime(2026, 3, 2, 9),
        9,
    ),
    TimelineEvent(
        date(2026, 3, 11),
        K.JOURNAL,
        "Entretien : Point sur l'emploi (honoré)",
        "avec Élodie LEFÈVRE",
        datetime(2026, 3, 11, 14, 30),
        2,
    ),
)


class FakeTimeline:
    def __init__(self, runner: RecordingRunner) -> None:
        self.runner = runner
        self.queries: list[TimelineQuery] = []
        self.printed: list[TimelineQuery] = []
        self.allowed: frozenset[TimelineKind] = frozenset(K)

    def timeline(self, person_id: int, query: TimelineQuery) -> Timeline:
        assert self.runner.inside, "the chronology is read outside the task runner"
        assert validate_query(query).ok
        self.queries.append(query)
        wanted = (query.kinds or frozenset(K)) & self.allowed
        shown = replace(query, kinds=frozenset() if wanted == set(K) else wanted)
        return Timeline(
            person_id, "ŒUVRAY Hélène", "2026-000001", shown, tuple(merge([EVENTS], shown))
        )

    def timeline_pdf(self, person_id: int, query: TimelineQuery) -> tuple[bytes, str]:
        assert self.runner.inside, "the PDF is built outside the task runner"
        self.printed.append(query)
        return b"%PDF-1.4 chronologie", "Chronologie_2026_000001_OEUVRAY.pdf"


@pytest.fixture
def fake_timeline(recording_runner: RecordingRunner) -> FakeTimeline:
    return FakeTimeline(recording_runner)


@pytest.fixture
def previews() -> list[tuple[bytes, str, str]]:
    return []


@pytest.fixture
def timeline_panel(
    qtbot: Any,
    fake_timeline: FakeTimeline,
    recording_runner: RecordingRunner,
    prompter: FakePrompter,
    previews: list[tuple[bytes, str, str]],
) -> TimelinePanel:
    panel = TimelinePanel(
        fake_timeline,
        recording_runner,
        prompter,
        lambda pdf, title, name: previews.append((pdf, title, name)),
    )
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    panel.set_file(person_file())
    panel.reload()
    return panel


def shown_titles(panel: TimelinePanel) -> list[str]:
    return [e.title for e in panel.model.records()]


def test_the_timeline_model_passes_the_model_tester(
    qtmodeltester: Any, timeline_panel: TimelinePanel
) -> None:
    qtmodeltester.check(timeline_panel.model)
    qtmodeltester.check(timeline_panel.model, force_py=True)


def test_lines_newest_first_with_date_kind_title_and_detail(
    timeline_panel: TimelinePanel, fake_timeline: FakeTimeline
) -> None:
    assert fake_timeline.queries == [TimelineQuery()]
    model = timeline_panel.model
    first = [model.index(0, c).data() for c in range(4)]
    assert first == [
        "11/03/2026 14:30",
        "Journal",
        "Entretien : Point sur l'emploi (honoré)",
        "avec Élodie LEFÈVRE",
    ]
    assert model.index(3, 0).data() == "10/01/2026"
    assert "4 événements" in timeline_panel.count_label.text()


def test_double_click_or_enter_asks_to_open_the_event(
    qtbot: Any, timeline_panel: TimelinePanel
) -> None:
    table = timeline_panel.table
    rect = table.visualRect(timeline_panel.model.index(1, 2))
    with qtbot.waitSignal(timeline_panel.open_requested) as opened:
        # a double click is a press, a release, then the double-click event
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    event = opened.args[0]
    assert (event.kind, event.tab, event.ref_id) == (K.ATTENDANCE, FileTab.STAGES, 9)
    table.setCurrentIndex(timeline_panel.model.index(2, 0))
    table.setFocus()
    with qtbot.waitSignal(timeline_panel.open_requested) as entered:
        QTest.keyClick(table, Qt.Key.Key_Return)
    assert (entered.args[0].tab, entered.args[0].ref_id) == (FileTab.RIGHTS, 4)


def test_kind_chips_and_order_filter_the_list(
    timeline_panel: TimelinePanel, fake_timeline: FakeTimeline
) -> None:
    chips = timeline_panel.kind_buttons
    chips[K.JOURNAL].click()
    assert fake_timeline.queries[-1].kinds == frozenset(K) - {K.JOURNAL}
    assert "Entretien : Point sur l'emploi (honoré)" not in shown_titles(timeline_panel)
    timeline_panel.order_button.click()
    assert fake_timeline.queries[-1].newest_first is False
    assert shown_titles(timeline_panel)[0] == "Décision : Sursis probatoire"
    for chip in chips.values():
        chip.setChecked(False)
    asked = len(fake_timeline.queries)
    assert timeline_panel.period_error.text() == NO_KIND
    assert timeline_panel.model.rowCount() == 0
    chips[K.MEASURE].click()
    assert len(fake_timeline.queries) == asked + 1
    assert fake_timeline.queries[-1].kinds == frozenset({K.MEASURE})


def test_an_empty_period_is_explained_and_not_asked(
    timeline_panel: TimelinePanel, fake_timeline: FakeTimeline
) -> None:
    asked = len(fake_timeline.queries)
    timeline_panel.start_field.set_value(date(2026, 3, 31))
    timeline_panel.end_field.set_value(date(2026, 3, 1))
    assert timeline_panel.period_error.isVisible() or timeline_panel.period_error.text()
    assert timeline_panel.period_error.text() == (
        "La période est vide : elle finit le 01/03/2026, avant de commencer le 31/03/2026."
    )
    assert timeline_panel.end_field.line_edit.property("invalid") is True
    assert all(validate_query(q).ok for q in fake_timeline.queries)
    assert len(fake_timeline.queries) == asked + 1  # the start alone was a valid period
    timeline_panel.end_field.set_value(date(2026, 4, 30))
    assert fake_timeline.queries[-1] == TimelineQuery(
        start=date(2026, 3, 31), end=date(2026, 4, 30)
    )
    assert timeline_panel.period_error.text() == ""


def test_a_date_that_cannot_be_read_is_explained(
    timeline_panel: TimelinePanel, fake_timeline: FakeTimeline
) -> None:
    asked = len(fake_timeline.queries)
    timeline_panel.start_field.line_edit.setText("31/02/2026")
    timeline_panel.reload()
    assert timeline_panel.period_error.text() == "Le 31/02/2026 n'existe pas dans le calendrier."
    assert len(fake_timeline.queries) == asked


def test_print_previews_the_pdf_built_in_the_runner(
    timeline_panel: TimelinePanel,
    fake_timeline: FakeTimeline,
    previews: list[tuple[bytes, str, str]],
) -> None:
    timeline_panel.order_button.click()
    timeline_panel.start_field.set_value(date(2026, 1, 1))
    timeline_panel.print_button.click()
    assert fake_timeline.printed == [TimelineQuery(start=date(2026, 1, 1), newest_first=False)]
    assert previews == [
        (
            b"%PDF-1.4 chronologie",
            "Chronologie du suivi — ŒUVRAY Hélène",
            "Chronologie_2026_000001_OEUVRAY.pdf",
        )
    ]


def test_only_the_kinds_the_role_shows_are_offered(
    qtbot: Any,
    fake_timeline: FakeTimeline,
    recording_runner: RecordingRunner,
    prompter: FakePrompter,
) -> None:
    fake_timeline.allowed = frozenset({K.STAGE, K.ATTENDANCE, K.ATTESTATION})
    panel = TimelinePanel(fake_timeline, recording_runner, prompter, lambda *a: None)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_file(person_file())
    panel.reload()
    visible = {k for k, chip in panel.kind_buttons.items() if chip.isVisible()}
    assert visible == {K.STAGE, K.ATTENDANCE, K.ATTESTATION}
    assert shown_titles(panel) == ["Absent excusé (correction) : Stage de citoyenneté"]
    panel.kind_buttons[K.STAGE].click()  # two of the three: a real filter
    assert fake_timeline.queries[-1].kinds == frozenset({K.ATTENDANCE, K.ATTESTATION})
    panel.set_file(person_file(2))  # another file: every chip again until it loads
    assert all(not chip.isHidden() for chip in panel.kind_buttons.values())


def test_an_answer_overtaken_or_for_another_file_is_dropped(
    timeline_panel: TimelinePanel, recording_runner: RecordingRunner
) -> None:
    recording_runner.hold()
    timeline_panel.kind_buttons[K.MEASURE].click()  # first answer: without the measures
    timeline_panel.kind_buttons[K.MEASURE].click()  # second answer: everything
    recording_runner.release()
    assert len(timeline_panel.model.records()) == 4
    recording_runner.hold()
    timeline_panel.reload()
    timeline_panel.set_file(person_file(2))
    recording_runner.release()
    assert timeline_panel.model.rowCount() == 0


def test_a_refusal_is_shown_in_place_of_the_list(
    timeline_panel: TimelinePanel, fake_timeline: FakeTimeline
) -> None:
    def refuse(person_id: int, query: TimelineQuery) -> Timeline:
        raise InvalidInput(
            validate_query(TimelineQuery(start=date(2026, 2, 1), end=date(2026, 1, 1)))
        )

    fake_timeline.timeline = refuse  # type: ignore[method-assign]
    timeline_panel.reload()
    assert timeline_panel.model.rowCount() == 0
    assert "La période est vide" in timeline_panel.count_label.text()
