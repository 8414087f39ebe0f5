"""The *Stages et programmes* section: the list of stages, and for the one selected its
attendance grid, the people enrolled and the attestations issued.

Every call to the services goes through the task runner (off the GUI thread); the
attendance grid keeps unsaved codes while the user moves around, and asks before
anything would drop them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date, plural
from ..domain.errors import InvalidInput, SpipError
from ..domain.model import PersonQuery
from ..domain.partners import Partner
from ..domain.security import Permission, User
from ..domain.stages import (
    AttendanceSheet,
    AttestationEntry,
    BatchOutcome,
    EnrolmentLine,
    IssuedAttestation,
    Stage,
    StageDraft,
    StagePhase,
    StageQuery,
    StageType,
    format_minutes,
    format_price,
)
from .backend import PersonBackend, StageActions
from .prompter import Choice, Prompter
from .record_model import Column, RecordTableModel, configure_table
from .tasks import TaskRunner
from .widgets import Card, page_heading

#: Shows a generated PDF (title, suggested file name); the main window passes the preview.
Preview = Callable[[bytes, str, str], None]


def stage_dates(stage: Stage) -> str:
    if stage.first_day is None or stage.last_day is None:
        return "Sans séance"
    if stage.first_day == stage.last_day:
        return format_date(stage.first_day)
    return f"{format_date(stage.first_day)} → {format_date(stage.last_day)}"


def places(stage: Stage) -> str:
    capacity = stage.draft.capacity
    return f"{stage.enrolled} / {capacity}" if capacity is not None else str(stage.enrolled)


def fit_columns(table: QTableView, stretch: int) -> None:
    """Every column as wide as its content, and ``stretch`` taking the rest (elided)."""
    header = table.horizontalHeader()
    header.setResizeContentsPrecision(40)  # widths from the first rows: 500 cost 0.3 s
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def agreed(count: int, noun: str, participle: str) -> str:
    """``1 attestation délivrée``, ``3 attestations délivrées`` (French agreement)."""
    ending = "s" if abs(count) >= 2 else ""
    counted = plural(count, noun) if noun else ""
    return f"{counted} {participle}{ending}".strip()


def free_places(count: int) -> str:
    return agreed(count, "place", "libre")


def attestation_label(entries: Sequence[AttestationEntry]) -> str:
    if not entries:
        return ""
    return entries[0].number


def first_day(stage: Stage) -> str:
    return format_date(stage.first_day, "Sans séance")


STAGE_COLUMNS: list[Column[Stage]] = [
    Column("Début", first_day),
    Column("Stage ou action", lambda s: s.display_title),
    Column("Inscrits", places),
]

ENROLMENT_COLUMNS: list[Column[EnrolmentLine]] = [
    Column("Personne", lambda x: x.enrolment.person.display_name),
    Column("Cadre", lambda x: "—" if x.enrolment.details_hidden else x.enrolment.cadre.short_label),
    Column("Date limite", lambda x: format_date(x.enrolment.deadline, "—")),
    Column("Statut", lambda x: x.progress.status.label),
    Column("Heures", lambda x: x.progress.hours_text),
    Column("Attestation", lambda x: attestation_label(x.attestations)),
]

REGISTER_COLUMNS: list[Column[AttestationEntry]] = [
    Column("Numéro", lambda a: a.number),
    Column("Personne", lambda a: a.person_name),
    Column("Nature", lambda a: a.kind.label),
    Column("Délivrée le", lambda a: f"{format_date(a.issued_at.date())} {a.issued_at:%H:%M}"),
    Column("Par", lambda a: a.issued_by),
    Column("Duplicatas", lambda a: str(a.copies) if a.copies else ""),
]


@dataclass(frozen=True)
class StageDetail:
    """Everything the detail panel shows, loaded in one background call."""

    stage: Stage
    sheet: AttendanceSheet
    lines: tuple[EnrolmentLine, ...]
    register: tuple[AttestationEntry, ...]
    now: datetime


class BatchProgress:
    """Progress of a batch shared between the worker thread and the GUI (polled by a timer).

    The worker only sets numbers under a lock; no Qt object crosses threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self.total = 0
        self.cancelled = False

    def report(self, done: int, total: int) -> bool:
        with self._lock:
            self.done, self.total = done, total
            return not self.cancelled

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.done, self.total


class BatchChoiceDialog(QDialog):
    """One combined PDF, or one PDF per person in a folder."""

    def __init__(self, stage: Stage, people: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Attestations du stage")
        intro = QLabel(
            f"Produire les attestations de {plural(people, 'personne')} pour "
            f"« {stage.display_title} ».\nChaque attestation reçoit un numéro et entre au "
            "registre ; une attestation déjà délivrée et inchangée est imprimée en duplicata."
        )
        intro.setWordWrap(True)
        self.combined_radio = QRadioButton("Un seul PDF regroupant toutes les attestations")
        self.folder_radio = QRadioButton("Un PDF par personne, dans un dossier")
        self.combined_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.combined_radio)
        group.addButton(self.folder_radio)
        buttons = QDialogButtonBox()
        buttons.addButton("Continuer…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addWidget(self.combined_radio)
        layout.addWidget(self.folder_radio)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, stage: Stage, people: int, parent: QWidget | None = None) -> bool | None:
        """``True`` for one combined PDF, ``False`` for a folder, ``None`` if cancelled."""
        dialog = cls(stage, people, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.combined_radio.isChecked()


class StagesPage(QWidget):
    """Signals:
    open_person_requested(int): open this person's file.
    dirty_changed(bool): the attendance grid has unsaved codes, or no longer.
    """

    open_person_requested = Signal(int)
    dirty_changed = Signal(bool)

    def __init__(
        self,
        stages: StageActions,
        persons: PersonBackend,
        runner: TaskRunner,
        prompter: Prompter,
        user: User,
        preview: Preview,
        documents_dir: Path,
        parent: QWidget | None = None,
    ) -> None:
        from .attendance_grid import AttendanceGrid

        super().__init__(parent)
        self.setObjectName("stagesPage")
        self.stages = stages
        self.persons = persons
        self.runner = runner
        self.prompter = prompter
        self.user = user
        self.preview = preview
        self.documents_dir = documents_dir
        self.types: tuple[StageType, ...] = ()
        self.detail: StageDetail | None = None
        self._selecting: int | None = None

        title, intro = page_heading(
            "Stages et programmes",
            "Planifiez les stages, programmes de prévention de la récidive et actions "
            "collectives, inscrivez les personnes, saisissez les présences au clavier et "
            "éditez attestations et feuilles d'émargement.",
        )
        self.phase_combo = QComboBox()
        self.phase_combo.addItem("Tous les stages", None)
        for phase in StagePhase:
            self.phase_combo.addItem(phase.label, phase)
        self.type_combo = QComboBox()
        self.type_combo.addItem("Tous les types", None)
        self.type_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.type_combo.setMinimumContentsLength(28)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Rechercher (libellé, lieu, organisateur)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(240)
        self.catalogue_button = QPushButton("Catalogue…")
        self.new_button = QPushButton("Planifier un stage…")
        self.new_button.setObjectName("primaryButton")
        filters = QHBoxLayout()
        filters.addWidget(self.phase_combo)
        filters.addWidget(self.type_combo)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.catalogue_button)
        filters.addWidget(self.new_button)

        self.stage_model: RecordTableModel[Stage] = RecordTableModel(STAGE_COLUMNS, self)
        self.stage_table = QTableView()
        self.stage_table.setObjectName("stageTable")
        self.stage_table.setModel(self.stage_model)
        configure_table(self.stage_table)
        self.stage_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.stage_table.selectionModel().selectionChanged.connect(
            self._on_stage_table_selection_changed
        )
        self.count_label = QLabel()
        self.count_label.setObjectName("statusLabel")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.stage_table, 1)
        left_layout.addWidget(self.count_label)

        # -- detail ------------------------------------------------------------------
        self.detail_card = Card()
        self.title_label = QLabel()
        self.title_label.setObjectName("sectionTitle")
        self.title_label.setWordWrap(True)
        self.facts_label = QLabel()
        self.facts_label.setObjectName("cardFacts")
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextFormat(Qt.TextFormat.PlainText)
        self.edit_button = QPushButton("Modifier…")
        self.delete_button = QPushButton("Supprimer")
        self.enrol_button = QPushButton("Inscrire…")
        self.enrol_button.setToolTip("Inscrire une personne à ce stage")
        self.sheet_button = QPushButton("Émargement…")
        self.sheet_button.setToolTip("Imprimer la feuille d'émargement d'une séance")
        self.batch_button = QPushButton("Attestations…")
        self.batch_button.setToolTip(
            "Produire les attestations de toutes les personnes qui ont suivi au moins une séance"
        )
        actions = QHBoxLayout()
        for button in (
            self.edit_button,
            self.delete_button,
            self.enrol_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.sheet_button)
        actions.addWidget(self.batch_button)

        self.grid = AttendanceGrid()
        self.grid.setEnabled(user.may(Permission.ATTENDANCE, any_person=True))
        self.save_grid_button = QPushButton("Enregistrer les présences")
        self.save_grid_button.setObjectName("primaryButton")
        self.save_grid_button.setToolTip("Enregistrer toute la grille en une fois (Ctrl+S)")
        self.grid_status = QLabel()
        self.grid_status.setObjectName("statusLabel")
        grid_row = QHBoxLayout()
        grid_row.addWidget(self.save_grid_button)
        grid_row.addWidget(self.grid_status, 1)
        grid_tab = QWidget()
        grid_layout = QVBoxLayout(grid_tab)
        grid_layout.addWidget(self.grid, 1)
        grid_layout.addLayout(grid_row)

        self.enrolment_model: RecordTableModel[EnrolmentLine] = RecordTableModel(
            ENROLMENT_COLUMNS, self
        )
        self.enrolment_table = QTableView()
        self.enrolment_table.setModel(self.enrolment_model)
        configure_table(self.enrolment_table)
        fit_columns(self.enrolment_table, stretch=0)
        self.enrolment_table.doubleClicked.connect(self._on_enrolment_table_double_clicked)
        self.attest_button = QPushButton("Attestation…")
        self.end_button = QPushButton("Abandon ou exclusion…")
        self.remove_button = QPushButton("Annuler l'inscription")
        self.open_person_button = QPushButton("Ouvrir le dossier")
        enrolment_actions = QHBoxLayout()
        for button in (
            self.attest_button,
            self.end_button,
            self.remove_button,
        ):
            enrolment_actions.addWidget(button)
        enrolment_actions.addStretch(1)
        enrolment_actions.addWidget(self.open_person_button)
        people_tab = QWidget()
        people_layout = QVBoxLayout(people_tab)
        people_layout.addWidget(self.enrolment_table, 1)
        people_layout.addLayout(enrolment_actions)

        self.register_model: RecordTableModel[AttestationEntry] = RecordTableModel(
            REGISTER_COLUMNS, self
        )
        self.register_table = QTableView()
        self.register_table.setModel(self.register_model)
        configure_table(self.register_table)
        fit_columns(self.register_table, stretch=1)
        self.reprint_button = QPushButton("Réimprimer (duplicata)…")
        register_actions = QHBoxLayout()
        register_actions.addWidget(self.reprint_button)
        register_actions.addStretch(1)
        register_tab = QWidget()
        register_layout = QVBoxLayout(register_tab)
        register_layout.addWidget(self.register_table, 1)
        register_layout.addLayout(register_actions)

        self.detail_tabs = QTabWidget()
        self.detail_tabs.addTab(grid_tab, "Présences")
        self.detail_tabs.addTab(people_tab, "Inscrits")
        self.detail_tabs.addTab(register_tab, "Attestations délivrées")
        card_layout = QVBoxLayout(self.detail_card)
        card_layout.setContentsMargins(16, 14, 16, 12)
        card_layout.addWidget(self.title_label)
        card_layout.addWidget(self.facts_label)
        card_layout.addLayout(actions)
        card_layout.addWidget(self.detail_tabs, 1)
        self.empty_label = QLabel("Choisissez un stage dans la liste, ou planifiez-en un nouveau.")
        self.empty_label.setObjectName("pageIntro")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.empty_label)
        right_layout.addWidget(self.detail_card, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        left.setMinimumWidth(420)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        self.phase_combo.currentIndexChanged.connect(self.refresh)
        self.type_combo.currentIndexChanged.connect(self.refresh)
        self.search_edit.textChanged.connect(self.refresh)
        self.new_button.clicked.connect(self.plan_stage)
        self.catalogue_button.clicked.connect(self.open_catalogue)
        self.edit_button.clicked.connect(self.edit_stage)
        self.delete_button.clicked.connect(self.delete_stage)
        self.enrol_button.clicked.connect(self.enrol_person)
        self.sheet_button.clicked.connect(self.print_sign_in_sheet)
        self.batch_button.clicked.connect(self.print_all_attestations)
        self.save_grid_button.clicked.connect(self.save_grid)
        self.grid.save_requested.connect(self.save_grid)
        self.grid.history_requested.connect(self.show_history)
        self.grid.dirty_changed.connect(self._on_grid_dirty_changed)
        self.grid.model.pending_changed.connect(self._update_grid_status)
        self.attest_button.clicked.connect(self.print_attestation)
        self.end_button.clicked.connect(self.end_enrolment)
        self.remove_button.clicked.connect(self.remove_enrolment)
        self.open_person_button.clicked.connect(self._on_open_person_button_clicked)
        self.reprint_button.clicked.connect(self.reprint)
        self._offer_by_role(user)
        self._show_detail(None)
        self.load_types()

    def _offer_by_role(self, user: User) -> None:
        """Hide what the user's roles do not allow (once every widget has its parent:
        showing a widget without one would open it as a window of its own)."""
        planner = user.may(Permission.ENROL, any_person=True)
        printer = user.may(Permission.PRINT, any_person=True)
        for button, shown in (
            (self.catalogue_button, user.may(Permission.CATALOGUE, any_person=True)),
            (self.new_button, planner),
            (self.edit_button, planner),
            (self.delete_button, planner),
            (self.enrol_button, planner),
            (self.end_button, planner),
            (self.remove_button, planner),
            (self.sheet_button, printer),
            (self.batch_button, printer),
            (self.attest_button, printer),
            (self.reprint_button, printer),
        ):
            button.setVisible(shown)

    # -- list --------------------------------------------------------------------------
    def load_types(self) -> None:
        self.runner.run(lambda: self.stages.catalogue(True), self._on_types_loaded)

    def _on_types_loaded(self, types: tuple[StageType, ...]) -> None:
        self.types = types
        current = self.type_combo.currentData()
        self.type_combo.blockSignals(True)
        self.type_combo.clear()
        self.type_combo.addItem("Tous les types", None)
        for stage_type in types:
            self.type_combo.addItem(stage_type.name, stage_type.id)
            self.type_combo.setItemData(
                self.type_combo.count() - 1, stage_type.name, Qt.ItemDataRole.ToolTipRole
            )
        index = self.type_combo.findData(current)
        self.type_combo.setCurrentIndex(max(index, 0))
        self.type_combo.blockSignals(False)
        self.refresh()

    def query(self) -> StageQuery:
        return StageQuery(
            phase=self.phase_combo.currentData(),
            type_id=self.type_combo.currentData(),
            text=self.search_edit.text(),
        )

    def refresh(self) -> None:
        query = self.query()
        self.runner.run(lambda: self.stages.list_stages(query), self._on_stages_loaded)

    def _on_stages_loaded(self, stages: tuple[Stage, ...]) -> None:
        keep = self.detail.stage.id if self.detail else self._selecting
        self.stage_table.selectionModel().blockSignals(True)
        self.stage_model.set_records(stages)
        self.stage_table.selectionModel().blockSignals(False)
        self.count_label.setText(plural(len(stages), "stage"))
        rows = [i for i, s in enumerate(stages) if s.id == keep]
        if rows:
            self.stage_table.selectionModel().blockSignals(True)
            self.stage_table.selectRow(rows[0])
            self.stage_table.selectionModel().blockSignals(False)

    def select_stage(self, stage_id: int) -> None:
        """Show ``stage_id`` (after asking about unsaved attendance)."""
        if self.detail is not None and self.detail.stage.id == stage_id:
            return
        if not self.may_leave():
            self._reselect_current()
            return
        self._selecting = stage_id
        self.load_detail(stage_id)

    def _reselect_current(self) -> None:
        if self.detail is None:
            return
        for row in range(self.stage_model.rowCount()):
            record = self.stage_model.record_at(row)
            if record is not None and record.id == self.detail.stage.id:
                self.stage_table.selectionModel().blockSignals(True)
                self.stage_table.selectRow(row)
                self.stage_table.selectionModel().blockSignals(False)

    def _on_stage_table_selection_changed(self, selected: QItemSelection, _: Any) -> None:
        rows = self.stage_table.selectionModel().selectedRows()
        stage = self.stage_model.record_at(rows[0].row()) if rows else None
        if stage is not None:
            self.select_stage(stage.id)

    # -- detail ------------------------------------------------------------------------
    def load_detail(self, stage_id: int, keep_pending: bool = False) -> None:
        """Load a stage's detail off the GUI thread; a result for a stage the user has left
        since (a slow answer overtaken by a later click) is dropped."""
        stages = self.stages
        self._selecting = stage_id
        may_print = self.user.may(Permission.PRINT, any_person=True)

        def work() -> StageDetail:
            return StageDetail(
                stages.get_stage(stage_id),
                stages.attendance_sheet(stage_id),
                stages.stage_enrolments(stage_id),
                stages.register(stage_id) if may_print else (),
                stages.now(),
            )

        def loaded(detail: StageDetail) -> None:
            if self._selecting == stage_id:
                self._show_detail(detail, keep_pending)

        def failed(error: BaseException) -> None:
            if self._selecting == stage_id:
                self._show_failure("Stages et programmes", error)

        self.runner.run(work, loaded, failed)

    def _show_detail(self, detail: StageDetail | None, keep_pending: bool = False) -> None:
        self.detail = detail
        self.detail_card.setVisible(detail is not None)
        self.empty_label.setVisible(detail is None)
        if detail is None:
            return
        stage = detail.stage
        self.title_label.setText(stage.display_title)
        draft = stage.draft
        facts = [
            stage_dates(stage),
            plural(len(stage.sessions), "séance"),
            f"{format_minutes(stage.required_minutes)} requises",
            f"Organisateur : {draft.organiser_label('SPIP')}",
        ]
        if draft.venue:
            facts.append(f"Lieu : {draft.venue}")
        if draft.facilitators:
            facts.append(f"Intervenants : {draft.facilitators}")
        if draft.price_cents is not None:
            facts.append(f"Coût : {format_price(draft.price_cents)}")
        if draft.capacity is not None:
            left = stage.places_left or 0
            facts.append(
                f"{places(stage)} inscrits"
                + (
                    " (complet)"
                    if left <= 0
                    else f" ({plural(left, 'place')} libre{'s' if left > 1 else ''})"
                )
            )
        self.facts_label.setText(" · ".join(facts))
        self.grid.load(detail.sheet, detail.now, keep_pending=keep_pending)
        self.enrolment_model.set_records(detail.lines)
        self.register_model.set_records(detail.register)
        self.delete_button.setEnabled(not detail.lines)
        self._update_grid_status()

    def _on_grid_dirty_changed(self, dirty: bool) -> None:
        self._update_grid_status()
        self.dirty_changed.emit(dirty)

    def _update_grid_status(self) -> None:
        """The save button follows the unsaved codes (the grid itself counts them)."""
        pending = self.grid.model.pending_count()
        self.save_grid_button.setEnabled(pending > 0)
        if pending:
            self.grid_status.clear()  # the last "saved" message no longer holds

    def is_dirty(self) -> bool:
        return self.grid.model.is_dirty()

    def may_leave(self) -> bool:
        """Ask about unsaved attendance: save it, drop it, or stay."""
        if not self.is_dirty():
            return True
        choice = self.prompter.save_discard_cancel(
            "Présences non enregistrées",
            "Des présences saisies dans la grille ne sont pas enregistrées. "
            "Voulez-vous les enregistrer ?",
        )
        if choice is Choice.CANCEL:
            return False
        if choice is Choice.DISCARD:
            self.grid.model.discard_changes()
            self._update_grid_status()
            return True
        return self.save_grid(wait=True)

    # -- attendance --------------------------------------------------------------------
    def save_grid(self, wait: bool = False) -> bool:
        """Save the grid in one transaction; ``wait`` reports whether it succeeded."""
        if self.detail is None or not self.grid.model.is_dirty():
            return True
        stage_id = self.detail.stage.id
        changes = self.grid.model.changes()
        outcome: dict[str, bool] = {}
        # Nothing typed while the save runs could be told apart from what it saves.
        self.grid.setEnabled(False)
        self.save_grid_button.setEnabled(False)

        def done() -> None:
            self.grid.setEnabled(self.user.may(Permission.ATTENDANCE, any_person=True))
            self._update_grid_status()

        def saved(sheet: AttendanceSheet) -> None:
            done()
            outcome["ok"] = True
            if self._selecting != stage_id:
                return  # the user moved on (after answering "save"): the page shows another
            self.grid.load(sheet, self.stages.now(), keep_pending=False)
            self.grid_status.setText(f"{agreed(len(changes), 'présence', 'enregistrée')}.")
            self.load_detail(stage_id)
            self.refresh()

        def failed(error: BaseException) -> None:
            done()
            outcome["ok"] = False
            self._show_failure("Présences non enregistrées", error)

        self.runner.run(lambda: self.stages.save_attendance(stage_id, changes), saved, failed)
        if wait:
            self.runner.wait()
        return outcome.get("ok", False)

    def show_history(self, enrolment_id: int, session_id: int) -> None:
        from .attendance_grid import AttendanceHistoryDialog

        if self.detail is None:
            return
        line = next((x for x in self.detail.lines if x.enrolment.id == enrolment_id), None)
        session = self.detail.stage.session(session_id)
        if line is None or session is None:
            return

        def show(records: Any) -> None:
            AttendanceHistoryDialog.show_history(
                self, line.enrolment.person.display_name, session.describe(), list(records)
            )

        self.runner.run(
            lambda: self.stages.attendance_history(enrolment_id, session_id), show, self._failed
        )

    # -- planning ----------------------------------------------------------------------
    def plan_stage(self) -> None:
        from ..domain.stages import StageDraft

        self._ask_stage(None, StageDraft(), [t for t in self.types if t.active])

    def edit_stage(self) -> None:
        if self.detail is None:
            return
        stage = self.detail.stage
        types = [t for t in self.types if t.active or t.id == stage.stage_type.id]
        self._ask_stage(stage, stage.draft, types)

    def _ask_stage(self, stage: Stage | None, draft: StageDraft, types: list[StageType]) -> None:
        """The planning form, once the directory's partners are loaded; a save refused for
        what was typed opens the form again with it (nothing typed is lost)."""
        from .stage_dialog import StageDialog

        def ask(partners: tuple[Partner, ...]) -> None:
            enrolled = stage.enrolled if stage is not None else 0
            edited = StageDialog.ask(draft, types, enrolled, self.prompter, self, partners=partners)
            if edited is None:
                return
            if stage is None:
                self._selecting = None

            def refused(error: BaseException) -> None:
                self._show_failure("Stage non enregistré", error)
                if isinstance(error, InvalidInput):
                    self._ask_stage(stage, edited, types)

            self.runner.run(
                lambda: self.stages.save_stage(
                    stage.id if stage else None, stage.version if stage else 0, edited
                ),
                self._on_stage_saved,
                refused,
            )

        self.runner.run(self.stages.partner_choices, ask, self._failed)

    def _on_stage_saved(self, stage: Stage) -> None:
        self.load_detail(stage.id, keep_pending=True)
        self.refresh()

    def delete_stage(self) -> None:
        if self.detail is None:
            return
        stage = self.detail.stage
        if not self.prompter.confirm(
            "Supprimer le stage",
            f"Supprimer « {stage.display_title} » ({plural(len(stage.sessions), 'séance')}) ?",
            yes="Supprimer",
        ):
            return

        def deleted(_: object) -> None:
            self._show_detail(None)
            self.refresh()

        self.runner.run(
            lambda: self.stages.delete_stage(stage.id, stage.version),
            deleted,
            lambda e: self._show_failure("Suppression impossible", e),
        )

    def open_catalogue(self) -> None:
        from .catalogue_dialog import CatalogueDialog

        if CatalogueDialog.open_catalogue(self.stages, self.prompter, self):
            self.load_types()

    # -- enrolment ---------------------------------------------------------------------
    def search_people(self, text: str) -> list[Any]:
        from .enrol_dialog import PersonChoice

        page = self.persons.list_page(PersonQuery(text=text), 0, 30)
        return [
            PersonChoice(
                row.id,
                f"{row.surname.upper()} {row.given_names} — n° {row.file_number}"
                + (f" — né(e) le {format_date(row.birth_date)}" if row.birth_date else ""),
            )
            for row in page.rows
        ]

    def enrol_person(self) -> None:
        from .enrol_dialog import EnrolDialog

        if self.detail is None:
            return
        stage = self.detail.stage
        enrolled = {x.enrolment.person.id for x in self.detail.lines}
        draft = EnrolDialog.ask_for_stage(
            stage,
            self.search_people,
            self.detail.now.date(),
            enrolled,
            self.prompter,
            self,
            self.runner,  # the search runs off the GUI thread, as in the list
        )
        if draft is None:
            return
        self.runner.run(
            lambda: self.stages.enrol(draft),
            lambda _: self._reload(),
            lambda e: self._show_failure("Inscription impossible", e),
        )

    def _reload(self) -> None:
        if self.detail is not None:
            self.load_detail(self.detail.stage.id, keep_pending=True)
        self.refresh()

    def selected_line(self) -> EnrolmentLine | None:
        rows = self.enrolment_table.selectionModel().selectedRows()
        if not rows:
            self.prompter.inform("Inscrits", "Choisissez d'abord une personne dans la liste.")
            return None
        return self.enrolment_model.record_at(rows[0].row())

    def end_enrolment(self) -> None:
        from .enrol_dialog import EndEnrolmentDialog

        line = self.selected_line()
        if line is None or self.detail is None:
            return
        answer = EndEnrolmentDialog.ask(
            line.enrolment.person.display_name,
            line.stage.display_title,
            self.detail.now.date(),
            self.prompter,
            self,
        )
        if answer is None:
            return
        kind, day, reason = answer
        enrolment = line.enrolment
        self.runner.run(
            lambda: self.stages.end_enrolment(enrolment.id, enrolment.version, kind, day, reason),
            lambda _: self._reload(),
            lambda e: self._show_failure("Enregistrement impossible", e),
        )

    def remove_enrolment(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        enrolment = line.enrolment
        if not self.prompter.confirm(
            "Annuler l'inscription",
            f"Annuler l'inscription de {enrolment.person.display_name} à "
            f"« {line.stage.display_title} » ? À réserver aux inscriptions faites par erreur : "
            "pour une personne qui ne vient plus, enregistrez un abandon.",
            yes="Annuler l'inscription",
            no="Garder",
        ):
            return
        self.runner.run(
            lambda: self.stages.remove_enrolment(enrolment.id, enrolment.version),
            lambda _: self._reload(),
            lambda e: self._show_failure("Annulation impossible", e),
        )

    def _on_enrolment_table_double_clicked(self, *_: object) -> None:
        self._on_open_person_button_clicked()

    def _on_open_person_button_clicked(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.open_person_requested.emit(line.enrolment.person.id)

    # -- documents ---------------------------------------------------------------------
    def print_attestation(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        enrolment_id = line.enrolment.id
        self.runner.run(
            lambda: self.stages.issue_attestation(enrolment_id),
            self._show_attestation,
            lambda e: self._show_failure("Attestation impossible", e),
        )

    def _show_attestation(self, issued: IssuedAttestation) -> None:
        self._reload()
        kind = "Duplicata de l'attestation" if issued.duplicata else "Attestation"
        self.preview(issued.pdf, f"{kind} {issued.number}", issued.file_name)
        for notice in issued.notices:
            self.prompter.inform("Paramètres du service", notice)

    def reprint(self) -> None:
        rows = self.register_table.selectionModel().selectedRows()
        entry = self.register_model.record_at(rows[0].row()) if rows else None
        if entry is None:
            self.prompter.inform("Registre", "Choisissez d'abord une attestation dans le registre.")
            return
        self.runner.run(
            lambda: self.stages.reprint(entry.id),
            self._show_attestation,
            lambda e: self._show_failure("Réimpression impossible", e),
        )

    def print_sign_in_sheet(self) -> None:
        if self.detail is None:
            return
        stage, now = self.detail.stage, self.detail.now
        if not stage.sessions:
            self.prompter.inform("Feuille d'émargement", "Ce stage n'a pas de séance.")
            return
        labels = [f"Séance {i} : {s.describe()}" for i, s in enumerate(stage.sessions, start=1)]
        upcoming = [i for i, s in enumerate(stage.sessions) if s.ends_at >= now]
        choice, ok = QInputDialog.getItem(
            self,
            "Feuille d'émargement",
            "Séance à imprimer :",
            labels,
            upcoming[0] if upcoming else len(labels) - 1,
            False,
        )
        if not ok:
            return
        session = stage.sessions[labels.index(choice)]
        self.runner.run(
            lambda: self.stages.sign_in_sheet(session.id),
            lambda sheet: self.preview(sheet.pdf, "Feuille d'émargement", sheet.file_name),
            lambda e: self._show_failure("Feuille d'émargement impossible", e),
        )

    def print_all_attestations(self) -> None:
        if self.detail is None:
            return
        stage = self.detail.stage
        people = sum(1 for x in self.detail.lines if x.progress.attended_sessions)
        if not people:
            self.prompter.inform(
                "Attestations du stage",
                "Personne n'a encore suivi de séance de ce stage : il n'y a rien à attester.",
            )
            return
        combined = BatchChoiceDialog.ask(stage, people, self)
        if combined is None:
            return
        if combined:
            target = self.prompter.choose_save_file(
                "Enregistrer les attestations",
                str(self.documents_dir / f"Attestations_{stage.id}.pdf"),
                "Documents PDF (*.pdf)",
            )
        else:
            target = self.prompter.choose_directory("Dossier des attestations", self.documents_dir)
        if target is None:
            return
        self.run_batch(stage, target, combined)

    def run_batch(self, stage: Stage, target: Path, combined: bool) -> None:
        """The batch off the GUI thread, with a progress dialog that can cancel it."""
        progress = BatchProgress()
        dialog = QProgressDialog("Préparation des attestations…", "Annuler", 0, 0, self)
        dialog.setWindowTitle("Attestations du stage")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(progress.cancel)
        timer = QTimer(dialog)
        timer.setInterval(100)

        def tick() -> None:
            done, total = progress.snapshot()
            if total:
                dialog.setMaximum(total)
                dialog.setValue(done)
                dialog.setLabelText(f"Attestation {done} sur {total}…")

        timer.timeout.connect(tick)
        timer.start()
        stages = self.stages

        def finish() -> None:
            timer.stop()
            dialog.reset()
            dialog.deleteLater()

        def done(outcome: BatchOutcome) -> None:
            finish()
            self._reload()
            copies = outcome.duplicates
            files = plural(len(outcome.written), "fichier")
            where = str(target) if combined else f"{files} dans {target}"
            lines = [
                agreed(outcome.issued, "attestation", "délivrée")
                + (f", {plural(copies, 'duplicata', 'duplicatas')}" if copies else "")
                + ".",
                f"Enregistré : {where}",
            ]
            if outcome.skipped:
                lines.append("Sans attestation : " + " ; ".join(outcome.skipped) + ".")
            lines.extend(outcome.notices)
            self.prompter.inform("Attestations du stage", "\n".join(lines))
            if combined and outcome.written:
                self.preview(
                    outcome.written[0].read_bytes(),
                    "Attestations du stage",
                    outcome.written[0].name,
                )

        def failed(error: BaseException) -> None:
            finish()
            from ..reports.layout import Cancelled

            if isinstance(error, Cancelled):
                self.prompter.inform(
                    "Attestations du stage",
                    "Production annulée : aucune attestation n'a été délivrée ni enregistrée.",
                )
                return
            self._show_failure("Attestations non produites", error)

        self.runner.run(
            lambda: stages.issue_for_stage(stage.id, target, combined, progress.report),
            done,
            failed,
        )

    # -- errors ------------------------------------------------------------------------
    def _failed(self, error: BaseException) -> None:
        self._show_failure("Stages et programmes", error)

    def _show_failure(self, title: str, error: BaseException) -> None:
        if isinstance(error, InvalidInput):
            self.prompter.error(title, error.result.summary())
        elif isinstance(error, SpipError):
            self.prompter.error(title, error.message)
        else:
            raise error
