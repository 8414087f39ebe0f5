"""The *Accès aux droits* tab of a person's file: their steps, opening and following one.

The steps load off the GUI thread with the partner directory (for the partners' names);
a step opens in :class:`~spip_desktop.ui.step_dialog.StepDialog`, read as it is saved
now. The tab is read-only for a user who may not follow this person's steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date, plural
from ..domain.errors import InvalidInput, PermissionDenied, SpipError
from ..domain.model import PersonFile, ReferenceData
from ..domain.partners import Partner, PartnerQuery
from ..domain.rights import Step
from ..domain.security import Permission, User
from .backend import PartnerActions, RightsActions
from .prompter import Prompter
from .record_model import Column, Index, RecordTableModel, configure_table
from .status_pill import STATUS_ROLE, StatusPillDelegate
from .tasks import TaskRunner

#: Overdue follow-ups, as the stylesheet's error colour.
OVERDUE_COLOUR = QColor("#ce0500")
COL_STATUS, COL_FOLLOW_UP = 3, 4


def follow_up_text(step: Step, today: date, separator: str = " · ") -> str:
    """``12/03/2026``, ``12/03/2026 · en retard``, or ``—``."""
    text = format_date(step.draft.follow_up_on, "—")
    return f"{text}{separator}en retard" if step.overdue(today) else text


def last_update(step: Step) -> str:
    """When the step last moved: its last history row, else its last status change."""
    at = step.history[-1].at if step.history else step.status_at
    return f"{format_date(at.date())} {at:%H:%M}"


class PersonStepModel(RecordTableModel[Step]):
    """A person's steps: the status as a pill, an overdue follow-up in red."""

    def __init__(
        self,
        partner_name: Callable[[int | None], str],
        today: Callable[[], date],
        parent: QObject | None = None,
    ) -> None:
        self._today = today
        columns: list[Column[Step]] = [
            Column("Démarche", lambda s: s.title),
            Column("Domaine", lambda s: s.domain.label),
            Column("Partenaire", lambda s: partner_name(s.draft.partner_id)),
            Column("Statut", lambda s: s.status.label),
            Column("Relance", lambda s: follow_up_text(s, self._today())),
            Column("Échéance du droit", lambda s: format_date(s.draft.expires_on, "—")),
            Column("Dernière mise à jour", last_update),
        ]
        super().__init__(columns, parent)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == STATUS_ROLE and index.column() == COL_STATUS:
            step = self.record_at(index.row())
            return step.status.value if step is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == COL_FOLLOW_UP:
            step = self.record_at(index.row())
            if step is not None and step.overdue(self._today()):
                return OVERDUE_COLOUR
        if role == Qt.ItemDataRole.ForegroundRole:
            step = self.record_at(index.row())
            if step is not None and step.closed:
                return QColor("#666666")
            return None
        return super().data(index, role)


class StepsTable(QTableView):
    """A table of steps where Enter opens the current one (the file's tab, the page).

    Signals:
        open_requested(int): Enter was pressed on this row.
    """

    open_requested = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class PersonRightsPanel(QWidget):
    """Signals:
    changed(): a step was opened or followed (the file's history has new entries).
    """

    changed = Signal()

    def __init__(
        self,
        rights: RightsActions,
        partners: PartnerActions,
        runner: TaskRunner,
        prompter: Prompter,
        reference: Callable[[], ReferenceData],
        user: User,
        today: Callable[[], date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("personRightsPanel")
        self.rights = rights
        self.partner_actions = partners
        self.runner = runner
        self.prompter = prompter
        self.reference = reference
        self.user = user
        self.today = today
        self.file: PersonFile | None = None
        self.partners: tuple[Partner, ...] = ()
        self._pending_step: int | None = None
        self._loaded_for: int | None = None

        self.model = PersonStepModel(self.partner_name, today, self)
        self.table = StepsTable()
        self.table.setObjectName("personStepsTable")
        self.table.setAccessibleName("Démarches d'accès aux droits")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(32)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItemDelegateForColumn(COL_STATUS, StatusPillDelegate(self.table))
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.open_requested.connect(self._open_row)
        self.message_label = QLabel()
        self.message_label.setObjectName("pageIntro")
        self.message_label.setWordWrap(True)
        self.new_button = QPushButton("Nouvelle démarche…")
        self.new_button.setObjectName("primaryButton")
        self.new_button.setToolTip("Ouvrir une démarche d'accès aux droits pour cette personne")
        self.open_button = QPushButton("Ouvrir…")
        self.open_button.setToolTip("Voir la démarche, changer son statut, lire son historique")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.new_button.clicked.connect(self.new_step)
        self.open_button.clicked.connect(self.open_selected)

    # -- the contract ---------------------------------------------------------------------------
    def set_file(self, file: PersonFile | None) -> None:
        self.file = file
        self._loaded_for = None
        self.model.set_records([])
        self.message_label.setText("")
        follows = self.may_follow()
        self.new_button.setVisible(file is not None and follows)
        self.open_button.setToolTip(
            "Voir la démarche, changer son statut, lire son historique"
            if follows
            else "Voir la démarche et son historique (lecture seule)"
        )
        self.open_button.setEnabled(file is not None)

    def may_follow(self) -> bool:
        """May the user open and follow steps of this person (else: read-only)?"""
        if self.file is None:
            return False
        return self.user.may(Permission.RIGHTS, self.file.person.draft.referent_id)

    def reload(self) -> None:
        """Load the person's steps and the partners' names off the GUI thread."""
        if self.file is None:
            return
        person_id = self.file.person.id
        rights, partners = self.rights, self.partner_actions

        def load() -> tuple[tuple[Step, ...], tuple[Partner, ...]]:
            steps = rights.person_steps(person_id)
            try:
                directory = partners.partners(PartnerQuery(include_archived=True))
            except SpipError:  # names only: the steps show without them
                directory = ()
            return steps, directory

        self.runner.run(
            load,
            lambda found: self._on_loaded(person_id, *found),
            lambda error: self._on_load_failed(person_id, error),
        )

    def show_step(self, step_id: int) -> None:
        """Select the step and open its dialog (once the steps are loaded)."""
        if self.file is not None and self._loaded_for == self.file.person.id:
            row = self._row_of(step_id)
            if row >= 0:
                self.table.selectRow(row)
            self.open_step(step_id)
            return
        self._pending_step = step_id
        self.reload()

    # -- loading ------------------------------------------------------------------------------
    def _on_loaded(
        self, person_id: int, steps: tuple[Step, ...], partners: tuple[Partner, ...]
    ) -> None:
        if self.file is None or self.file.person.id != person_id:
            return  # an answer for a file no longer shown
        self.partners = partners
        self._loaded_for = person_id
        selected = self.selected_step()
        self.model.set_records(steps)
        self.message_label.setText(self._summary(steps))
        row = self._row_of(selected.id) if selected else -1
        if row >= 0:
            self.table.selectRow(row)
        self.open_button.setEnabled(bool(steps))
        pending, self._pending_step = self._pending_step, None
        if pending is not None:
            self.show_step(pending)

    def _on_load_failed(self, person_id: int, error: BaseException) -> None:
        if not isinstance(error, SpipError):
            raise error
        if self.file is None or self.file.person.id != person_id:
            return
        self._pending_step = None
        if isinstance(error, PermissionDenied):
            self.message_label.setText(
                "Votre rôle ne vous permet pas de suivre les démarches de cette personne."
            )
        else:
            self.message_label.setText(error.message)

    def _summary(self, steps: Sequence[Step]) -> str:
        if not steps:
            if self.may_follow():
                return "Aucune démarche d'accès aux droits : « Nouvelle démarche… » en ouvre une."
            return "Aucune démarche d'accès aux droits."
        today = self.today()
        opened = sum(1 for s in steps if not s.closed)
        late = sum(1 for s in steps if s.overdue(today))
        parts = [f"{opened} ouverte{'s' if opened >= 2 else ''}"]
        if len(steps) - opened:
            parts.append(f"{len(steps) - opened} close{'s' if len(steps) - opened >= 2 else ''}")
        text = f"{plural(len(steps), 'démarche')} : {', '.join(parts)}"
        if late:
            text += f" — {plural(late, 'relance')} en retard"
        return text + "."

    def partner_name(self, partner_id: int | None) -> str:
        if partner_id is None:
            return "—"
        return next((p.name for p in self.partners if p.id == partner_id), "—")

    # -- selection and dialogs --------------------------------------------------------------------
    def selected_step(self) -> Step | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        return self.model.record_at(rows[0].row()) if rows else None

    def _row_of(self, step_id: int) -> int:
        return next((i for i, s in enumerate(self.model.records()) if s.id == step_id), -1)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self._open_row(index.row())

    def _open_row(self, row: int) -> None:
        step = self.model.record_at(row)
        if step is not None:
            self.open_step(step.id)

    def open_selected(self) -> None:
        step = self.selected_step()
        if step is None:
            self.prompter.inform(
                "Accès aux droits", "Choisissez d'abord une démarche dans la liste."
            )
            return
        self.open_step(step.id)

    def open_step(self, step_id: int) -> None:
        """Read the step as saved now, then show it."""
        rights = self.rights
        self.runner.run(
            lambda: rights.get_step(step_id),
            self._show_dialog,
            lambda error: self._failed("Démarche introuvable", error),
        )

    def new_step(self) -> None:
        if self.file is None or not self.may_follow():
            return
        self._show_dialog(None)

    def _show_dialog(self, step: Step | None) -> None:
        from .step_dialog import StepDialog

        if self.file is None:
            return
        person = self.file.person
        saved = StepDialog.ask(
            self.rights,
            self.runner,
            self.prompter,
            person.id,
            f"{person.display_name} · dossier n° {person.draft.file_number}",
            step,
            self.partners,
            self.reference().agents,
            self.user,
            self.today(),
            not self.may_follow(),
            self,
        )
        if saved is not None:
            self.reload()
            self.changed.emit()

    def _failed(self, title: str, error: BaseException) -> None:
        if not isinstance(error, SpipError):
            raise error
        text = error.result.summary() if isinstance(error, InvalidInput) else error.message
        self.prompter.error(title, text)
