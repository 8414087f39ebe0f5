"""The *Journal* tab of a person's file: dated notes and appointments with their outcome.

The list runs newest first; the *Suite* column shows each appointment's outcome as a
pill (honoré green, non honoré red, excusé grey, *à renseigner* orange for a past
appointment without one). The outcome of a past appointment is set in one click from
the buttons under the list. Without :attr:`Permission.JOURNAL` on the person the tab
is read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date, plural
from ..domain.errors import EditConflict, InvalidInput, NotFound, SpipError
from ..domain.journal import EntryKind, JournalDraft, JournalEntry, Outcome
from ..domain.model import PersonFile, ReferenceData
from ..domain.security import Permission, User
from .backend import JournalActions
from .journal_dialog import JournalDialog
from .prompter import Prompter
from .record_model import Column, RecordTableModel
from .tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex

#: A pill's text, background and text colour (the stylesheet's families).
PILLS: dict[str, tuple[str, str, str]] = {
    "honore": ("Honoré", "#dff5e3", "#18753c"),
    "non_honore": ("Non honoré", "#ffe9e9", "#ce0500"),
    "excuse": ("Excusé", "#eeeeee", "#3a3a3a"),
    "a_renseigner": ("À renseigner", "#fff0e0", "#b34000"),
}
UPCOMING = "À venir"
PILL_ROLE = Qt.ItemDataRole.UserRole + 1

_STYLE = """
#journalDetail { background: #ffffff; border: 1px solid #dddddd; border-radius: 4px; }
#journalDetailTitle { font-weight: bold; color: #000091; }
#journalDetailMeta { color: #666666; }
#journalDetail QPlainTextEdit { border: none; background: transparent; padding: 0; }
QLabel#outcomeLabel { color: #3a3a3a; font-weight: bold; }
QPushButton#outcomeHonoured { border-color: #18753c; color: #18753c; }
QPushButton#outcomeMissed { border-color: #ce0500; color: #ce0500; }
QPushButton#outcomeExcused { border-color: #666666; color: #3a3a3a; }
"""


def _local(utc: datetime) -> date:
    """The local day of a time stored in UTC."""
    return utc.replace(tzinfo=UTC).astimezone().date()


def pill_of(entry: JournalEntry, now: datetime) -> str | None:
    """The pill key of an entry's outcome (``None``: no pill)."""
    if not entry.is_appointment:
        return None
    if entry.draft.outcome is not None:
        return str(entry.draft.outcome.value)
    return "a_renseigner" if entry.awaiting_outcome(now) else None


def _outcome_text(entry: JournalEntry, now: datetime) -> str:
    pill = pill_of(entry, now)
    if pill is not None:
        return PILLS[pill][0]
    return UPCOMING if entry.is_appointment else ""


def _subject(entry: JournalEntry) -> str:
    subject = entry.draft.subject.strip()
    if subject:
        return subject
    first = entry.draft.text.strip().splitlines()
    return first[0][:120] if first else ""


#: How a message names each field of an entry, in the order of the form.
FIELD_NAMES: dict[str, str] = {
    "kind": "la nature",
    "day": "la date",
    "at": "l'heure",
    "agent_id": "l'agent",
    "place": "le lieu",
    "subject": "l'objet",
    "text": "le texte",
    "outcome": "la suite",
}
ENTRY_DELETED = (
    "Cette entrée a été supprimée du journal pendant votre saisie. Vos saisies sont "
    "conservées : « Enregistrer » la recrée avec ce que vous avez saisi."
)


@dataclass(frozen=True)
class _Edit:
    """The entry a form writes: ``base`` is the version it was opened on (the new
    entry's defaults for a new one)."""

    person_id: int
    person_name: str
    entry_id: int | None
    version: int
    base: JournalDraft


def _is_conflict(error: SpipError) -> bool:
    """Saved by someone else since it was read (the service says so in its own words)."""
    return isinstance(error, EditConflict) or isinstance(error.__cause__, EditConflict)


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()  # the journal keeps its texts stripped
    return a == b


def rebase(
    base: JournalDraft, mine: JournalDraft, theirs: JournalDraft
) -> tuple[JournalDraft, list[str], list[str]]:
    """What was typed over ``base``, carried over to ``theirs`` (saved meanwhile): the
    fields the user did not change take the saved values, the user's changes are kept.

    Returns the merged draft, the fields changed meanwhile, and those of them the user
    changed too, differently (the user's typing is kept there).
    """
    values: dict[str, Any] = {}
    changed: list[str] = []
    both: list[str] = []
    for field in fields(JournalDraft):
        name = field.name
        was, typed, saved = getattr(base, name), getattr(mine, name), getattr(theirs, name)
        touched = not _same(typed, was)
        if not _same(saved, was):
            changed.append(name)
            if touched and not _same(typed, saved):
                both.append(name)
        values[name] = typed if touched else saved
    return JournalDraft(**values), changed, both


def _names(names: Sequence[str], kind: EntryKind) -> str:
    """``le lieu et l'objet``, in the order of the form."""
    order = list(FIELD_NAMES)
    names = sorted(names, key=lambda n: order.index(n) if n in order else len(order))
    words = [
        ("le compte rendu" if kind.is_appointment else "le texte de la note")
        if name == "text"
        else FIELD_NAMES.get(name, name)
        for name in names
    ]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " et " + words[-1]


def conflict_text(changed: Sequence[str], both: Sequence[str], kind: EntryKind) -> str:
    """The banner of a form opened again over an entry saved by someone else meanwhile."""
    if not changed:
        return (
            "Pendant votre saisie, quelqu'un d'autre a enregistré cette entrée sans en changer "
            "le contenu. Vos saisies sont conservées : enregistrez à nouveau."
        )
    text = (
        f"Pendant votre saisie, quelqu'un d'autre a modifié cette entrée : "
        f"{_names(changed, kind)}. Ses modifications sont reprises et vos saisies sont "
        "conservées : vérifiez, puis enregistrez."
    )
    if both:
        text += (
            f" Vous aviez aussi modifié {_names(both, kind)} : c'est votre saisie qui est gardée."
        )
    return text


#: The journal's columns: the outcome (its pill) is the last one.
OUTCOME_COLUMN = 5


class JournalModel(RecordTableModel[JournalEntry]):
    """The entries of one file, as loaded (newest first)."""

    def __init__(self, now: Callable[[], datetime], parent: QObject | None = None) -> None:
        self._now = now
        self._moment = now()
        super().__init__(
            [
                Column("Date", lambda e: format_date(e.draft.day)),
                Column("Heure", lambda e: f"{e.draft.at:%H:%M}" if e.draft.at else ""),
                Column("Nature", lambda e: e.draft.kind.label),
                Column("Objet", _subject),
                Column("Agent", lambda e: e.agent_name or e.author),
                Column("Suite", lambda e: _outcome_text(e, self._moment)),
            ],
            parent,
        )

    def set_records(self, records: Sequence[JournalEntry]) -> None:
        self._moment = self._now()  # "à renseigner" is judged at the time of the load
        super().set_records(records)

    def row_of(self, entry_id: int) -> int:
        return next((i for i, e in enumerate(self.records()) if e.id == entry_id), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.record_at(index.row()) if index.isValid() else None
        if entry is None:
            return None
        column = index.column()
        if role == PILL_ROLE and column == OUTCOME_COLUMN:
            return pill_of(entry, self._moment)
        if role == Qt.ItemDataRole.FontRole and column == 2 and entry.is_appointment:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == OUTCOME_COLUMN:
            return QColor("#666666") if entry.is_appointment else None
        return super().data(index, role)


class PillDelegate(QStyledItemDelegate):
    """Draws the outcome as a coloured pill (plain text when there is none)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        pill = index.data(PILL_ROLE)
        if pill is None or pill not in PILLS:
            super().paint(painter, option, index)
            return
        text, background, colour = PILLS[pill]
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget is not None else None
        option.text = ""
        if style is not None:  # selection and zebra background
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 18
        height = metrics.height() + 4
        rect = QRect(
            option.rect.left() + 6,
            option.rect.top() + (option.rect.height() - height) // 2,
            width,
            height,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(background))
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor(colour))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(max(size.width(), 120), size.height())


class JournalPanel(QWidget):
    """Signals:
    changed(): an entry was written, changed or deleted (the file's history has new entries).
    """

    changed = Signal()

    def __init__(
        self,
        journal: JournalActions,
        runner: TaskRunner,
        prompter: Prompter,
        reference: Callable[[], ReferenceData],
        user: User,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.journal = journal
        self.runner = runner
        self.prompter = prompter
        self._reference = reference
        self.user = user
        self.file: PersonFile | None = None
        self._pending_entry: int | None = None
        self._loads = 0
        self.setStyleSheet(_STYLE)

        self.message_label = QLabel()
        self.message_label.setObjectName("pageIntro")
        self.message_label.setWordWrap(True)
        self.note_button = QPushButton("Nouvelle note…")
        self.note_button.setObjectName("primaryButton")
        self.appointment_button = QPushButton("Nouveau rendez-vous…")
        self.edit_button = QPushButton("Modifier…")
        self.delete_button = QPushButton("Supprimer…")
        self.delete_button.setObjectName("dangerButton")
        top = QHBoxLayout()
        top.addWidget(self.note_button)
        top.addWidget(self.appointment_button)
        top.addWidget(self.edit_button)
        top.addStretch(1)
        top.addWidget(self.delete_button)

        self.model = JournalModel(journal.now, self)
        self.table = QTableView()
        self.table.setObjectName("journalTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setItemDelegateForColumn(5, PillDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for column, width in enumerate((96, 60, 150, 0, 170, 130)):
            if width:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(column, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.installEventFilter(self)

        self.outcome_label = QLabel("Suite du rendez-vous :")
        self.outcome_label.setObjectName("outcomeLabel")
        self.outcome_buttons: dict[Outcome, QPushButton] = {}
        outcome_row = QHBoxLayout()
        outcome_row.addWidget(self.outcome_label)
        for outcome, name in (
            (Outcome.HONOURED, "outcomeHonoured"),
            (Outcome.MISSED, "outcomeMissed"),
            (Outcome.EXCUSED, "outcomeExcused"),
        ):
            button = QPushButton(outcome.label)
            button.setObjectName(name)
            button.setToolTip(f"Enregistrer la suite « {outcome.label.lower()} »")
            button.clicked.connect(lambda *_, o=outcome: self.set_outcome(o))
            self.outcome_buttons[outcome] = button
            outcome_row.addWidget(button)
        outcome_row.addStretch(1)

        self.detail = QWidget()
        self.detail.setObjectName("journalDetail")
        self.detail_title = QLabel()
        self.detail_title.setObjectName("journalDetailTitle")
        self.detail_meta = QLabel()
        self.detail_meta.setObjectName("journalDetailMeta")
        self.detail_meta.setWordWrap(True)
        self.detail_text = QPlainTextEdit()
        self.detail_text.setReadOnly(True)
        self.detail_text.setFrameShape(QPlainTextEdit.Shape.NoFrame)
        self.detail_text.setMaximumHeight(120)
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(12, 8, 12, 8)
        detail_layout.setSpacing(4)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.detail_meta)
        detail_layout.addWidget(self.detail_text)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.message_label)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(outcome_row)
        layout.addWidget(self.detail)

        self.note_button.clicked.connect(lambda: self.new_entry(EntryKind.NOTE))
        self.appointment_button.clicked.connect(lambda: self.new_entry(EntryKind.INTERVIEW))
        self.edit_button.clicked.connect(self.edit_entry)
        self.delete_button.clicked.connect(self.delete_entry)
        self._update_actions()

    # -- state ---------------------------------------------------------------------------
    def may_write(self) -> bool:
        return self.file is not None and self.user.may(
            Permission.JOURNAL, self.file.person.draft.referent_id
        )

    def set_file(self, file: PersonFile | None) -> None:
        if file is None or self.file is None or file.person.id != self.file.person.id:
            self.model.set_records([])
            self._pending_entry = None
        self.file = file
        writable = self.may_write()
        for button in (
            self.note_button,
            self.appointment_button,
            self.edit_button,
            self.delete_button,
        ):
            button.setVisible(writable)
        if file is not None and not writable:
            self.message_label.setText(
                "Lecture seule : votre rôle ne permet pas d'écrire dans le journal de ce dossier."
            )
        self._update_actions()

    def reload(self) -> None:
        """Load the person's journal off the GUI thread (an answer for another file, or
        overtaken by a later load, is dropped)."""
        if self.file is None:
            return
        person_id = self.file.person.id
        self._loads += 1
        ticket = self._loads

        def loaded(entries: tuple[JournalEntry, ...]) -> None:
            if ticket == self._loads and self.file is not None and self.file.person.id == person_id:
                self._show(entries)

        def failed(error: BaseException) -> None:
            if not isinstance(error, SpipError):
                raise error
            if ticket == self._loads:
                self.model.set_records([])
                self.message_label.setText(error.message)
                self._update_actions()

        self.runner.run(lambda: self.journal.entries(person_id), loaded, failed)

    def _show(self, entries: tuple[JournalEntry, ...]) -> None:
        selected = self.selected_entry()
        self.model.set_records(entries)
        now = self.journal.now()
        due = sum(1 for e in entries if e.awaiting_outcome(now))
        if not entries:
            text = "Aucune note ni aucun rendez-vous dans le journal de ce dossier."
        else:
            text = f"{plural(len(entries), 'entrée')}, de la plus récente à la plus ancienne."
            if due:
                text += f" {plural(due, 'rendez-vous passé', 'rendez-vous passés')} sans suite "
                text += "renseignée."
        if not self.may_write():
            text += " Lecture seule."
        self.message_label.setText(text)
        target = self._pending_entry or (selected.id if selected else None)
        self._pending_entry = None
        if target is not None:
            self._select(target)
        elif entries:
            self.table.selectRow(0)
        self._update_actions()

    def show_entry(self, entry_id: int) -> None:
        """Select this entry (once the journal is loaded, if it is not yet)."""
        if self.model.row_of(entry_id) >= 0:
            self._select(entry_id)
        else:
            self._pending_entry = entry_id

    def _select(self, entry_id: int) -> None:
        row = self.model.row_of(entry_id)
        if row < 0:
            return
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def selected_entry(self) -> JournalEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_at(rows[0].row()) if rows else None

    # -- actions -------------------------------------------------------------------------
    def _agents(self) -> tuple[Any, ...]:
        return self._reference().agents

    def _default_agent(self) -> int | None:
        if self.user.agent_id is not None:
            return self.user.agent_id
        return self.file.person.draft.referent_id if self.file is not None else None

    def new_entry(self, kind: EntryKind) -> None:
        if self.file is None or not self.may_write():
            return
        now = self.journal.now()
        draft = JournalDraft(
            kind=kind,
            day=now.date(),
            at=now.time().replace(second=0, microsecond=0) if kind.is_appointment else None,
            agent_id=self._default_agent(),
        )
        person = self.file.person
        self._ask(_Edit(person.id, person.display_name, None, 0, draft), draft)

    def edit_entry(self) -> None:
        entry = self.selected_entry()
        if entry is None or self.file is None:
            self.prompter.inform("Journal", "Choisissez d'abord une entrée dans la liste.")
            return
        if not self.may_write():
            return
        person = self.file.person
        edit = _Edit(person.id, person.display_name, entry.id, entry.version, entry.draft)
        self._ask(edit, entry.draft)

    def _ask(
        self,
        edit: _Edit,
        draft: JournalDraft,
        refusal: str = "",
        refused: Mapping[str, str] | None = None,
    ) -> None:
        """The form on ``draft``, then the save; a refused save opens the form again with
        what was typed and the reason (nothing typed is lost)."""
        answer = JournalDialog.ask(
            self,
            draft,
            self._agents(),
            self.journal.now(),
            self.prompter,
            edit.person_name,
            new=edit.entry_id is None,
            refusal=refusal,
            refused=refused,
        )
        if answer is None:
            if refusal or refused:
                self.reload()  # given up after a refusal: show the journal as it is now
            return
        if edit.entry_id is not None and answer == edit.base:
            return  # nothing changed
        self._save(edit, answer)

    def _save(self, edit: _Edit, draft: JournalDraft) -> None:
        def saved(entry: JournalEntry) -> None:
            self._pending_entry = entry.id
            self._changed()

        def refused(error: BaseException) -> None:
            if not isinstance(error, SpipError):
                raise error
            if edit.entry_id is not None and (_is_conflict(error) or isinstance(error, NotFound)):
                self._rebase(edit, draft, error)
            elif isinstance(error, InvalidInput):
                self._ask(edit, draft, error.result.summary(), error.result.errors)
            else:
                self._ask(edit, draft, error.message)

        self.runner.run(
            lambda: self.journal.save_entry(edit.person_id, edit.entry_id, edit.version, draft),
            saved,
            refused,
        )

    def _rebase(self, edit: _Edit, draft: JournalDraft, error: SpipError) -> None:
        """Saved or deleted meanwhile: what was typed, over the entry as it is now."""
        assert edit.entry_id is not None

        def loaded(entries: tuple[JournalEntry, ...]) -> None:
            if self.file is not None and self.file.person.id == edit.person_id:
                self._loads += 1  # an older load in flight would show the stale journal
                self._show(entries)
            current = next((e for e in entries if e.id == edit.entry_id), None)
            if current is None:
                self._ask(replace(edit, entry_id=None, version=0), draft, ENTRY_DELETED)
            elif current.version == edit.version:  # not changed after all: the refusal as is
                self._ask(edit, draft, error.message)
            else:
                merged, theirs, both = rebase(edit.base, draft, current.draft)
                now = replace(edit, version=current.version, base=current.draft)
                self._ask(now, merged, conflict_text(theirs, both, merged.kind))

        def failed(reading: BaseException) -> None:
            if not isinstance(reading, SpipError):
                raise reading
            self._ask(edit, draft, reading.message)  # the file is gone, the base unreachable

        self.runner.run(lambda: self.journal.entries(edit.person_id), loaded, failed)

    def set_outcome(self, outcome: Outcome | None) -> None:
        entry = self.selected_entry()
        if entry is None or not entry.is_appointment or not self.may_write():
            return
        if entry.draft.outcome is outcome:
            return
        self._pending_entry = entry.id
        self.runner.run(
            lambda: self.journal.set_outcome(entry.id, entry.version, outcome),
            lambda _: self._changed(),
            lambda error: self._failed("Suite non enregistrée", error),
        )

    def delete_entry(self) -> None:
        entry = self.selected_entry()
        if entry is None or not self.may_write():
            return
        what = f"{entry.draft.kind.label.lower()} du {format_date(entry.draft.day)}"
        if not self.prompter.confirm(
            "Supprimer du journal ?",
            f"Supprimer définitivement cette entrée ({what}) ? Son contenu reste dans "
            "l'historique du dossier.",
            yes="Supprimer",
            no="Conserver",
        ):
            return
        self.runner.run(
            lambda: self.journal.delete_entry(entry.id, entry.version),
            lambda _: self._changed(),
            lambda error: self._failed("Suppression impossible", error),
        )

    def _changed(self) -> None:
        self.reload()
        self.changed.emit()

    def _failed(self, title: str, error: BaseException) -> None:
        if not isinstance(error, SpipError):
            raise error
        text = error.result.summary() if isinstance(error, InvalidInput) else error.message
        self.prompter.error(title, text)
        self.reload()  # a conflict or a deletion elsewhere: show the journal as it is now

    # -- selection and keys --------------------------------------------------------------
    def _on_selection_changed(self, *_: object) -> None:
        self._update_actions()

    def _on_table_double_clicked(self, *_: object) -> None:
        self.edit_entry()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.edit_entry()
            return True
        return super().eventFilter(watched, event)

    def _update_actions(self) -> None:
        entry = self.selected_entry()
        writable = self.may_write()
        self.edit_button.setEnabled(entry is not None and writable)
        self.delete_button.setEnabled(entry is not None)
        now = self.journal.now()
        start = entry.starts_at if entry is not None else None
        past_appointment = (
            entry is not None and entry.is_appointment and start is not None and start <= now
        )
        for widget in (self.outcome_label, *self.outcome_buttons.values()):
            widget.setVisible(past_appointment and writable)
        if entry is not None:
            for outcome, button in self.outcome_buttons.items():
                button.setEnabled(entry.draft.outcome is not outcome)
        self._show_detail(entry)

    def _show_detail(self, entry: JournalEntry | None) -> None:
        self.detail.setVisible(entry is not None)
        if entry is None:
            return
        draft = entry.draft
        when = format_date(draft.day)
        if draft.at is not None:
            when += f" à {draft.at:%H:%M}"
        title = f"{draft.kind.label} du {when}"
        if draft.subject.strip():
            title += f" — {draft.subject.strip()}"
        self.detail_title.setText(title)
        meta = []
        if entry.is_appointment:
            if entry.agent_name:
                meta.append(f"Avec {entry.agent_name}")
            if draft.place.strip():
                meta.append(draft.place.strip())
            meta.append(f"Suite : {_outcome_text(entry, self.journal.now()).lower()}")
        written = f"Saisi par {entry.author or '—'} le {format_date(_local(entry.created_at))}"
        if entry.version > 1:
            written += f", modifié le {format_date(_local(entry.updated_at))}"
        meta.append(written)
        self.detail_meta.setText(" · ".join(meta))
        self.detail_text.setPlainText(draft.text or "(pas de texte)")
