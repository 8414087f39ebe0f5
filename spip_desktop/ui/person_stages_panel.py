"""The *Stages et programmes* tab of a person's file: their stages with status and hours,
enrolment in a stage, and their attestations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date
from ..domain.errors import InvalidInput, SpipError
from ..domain.model import PersonFile
from ..domain.stages import EnrolmentLine, IssuedAttestation, Stage, StagePhase
from .backend import StageActions
from .prompter import Prompter
from .record_model import Column, RecordTableModel, configure_table
from .stages_page import Preview, attestation_label, fit_columns, stage_dates
from .tasks import TaskRunner

COLUMNS: list[Column[EnrolmentLine]] = [
    Column("Stage ou action", lambda x: x.stage.display_title),
    Column("Dates", lambda x: stage_dates(x.stage)),
    Column("Cadre", lambda x: "—" if x.enrolment.details_hidden else x.enrolment.cadre.short_label),
    Column("Date limite", lambda x: format_date(x.enrolment.deadline, "—")),
    Column("Statut", lambda x: x.progress.status.label),
    Column("Heures", lambda x: x.progress.hours_text),
    Column("Attestation", lambda x: attestation_label(x.attestations)),
]


class PersonStagesPanel(QWidget):
    """Signals:
    show_stage_requested(int): show this stage in the *Stages et programmes* section.
    changed(): an enrolment was added or ended (the file's history has new entries).
    """

    show_stage_requested = Signal(int)
    changed = Signal()

    def __init__(
        self,
        stages: StageActions,
        runner: TaskRunner,
        prompter: Prompter,
        preview: Preview,
        may_enrol: Callable[[], bool],
        may_print: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.stages = stages
        self.runner = runner
        self.prompter = prompter
        self.preview = preview
        self._may_enrol = may_enrol
        self._may_print = may_print
        self.file: PersonFile | None = None
        self.model: RecordTableModel[EnrolmentLine] = RecordTableModel(COLUMNS, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        configure_table(self.table)
        fit_columns(self.table, stretch=0)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.message_label = QLabel()
        self.message_label.setObjectName("pageIntro")
        self.message_label.setWordWrap(True)
        self.enrol_button = QPushButton("Inscrire à un stage…")
        self.enrol_button.setObjectName("primaryButton")
        self.attest_button = QPushButton("Produire l'attestation…")
        self.end_button = QPushButton("Abandon ou exclusion…")
        self.show_button = QPushButton("Voir le stage")
        buttons = QHBoxLayout()
        buttons.addWidget(self.enrol_button)
        buttons.addWidget(self.attest_button)
        buttons.addWidget(self.end_button)
        buttons.addStretch(1)
        buttons.addWidget(self.show_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.enrol_button.clicked.connect(self.enrol)
        self.attest_button.clicked.connect(self.print_attestation)
        self.end_button.clicked.connect(self.end_enrolment)
        self.show_button.clicked.connect(self._on_show_button_clicked)

    def set_file(self, file: PersonFile | None) -> None:
        self.file = file
        self.model.set_records([])
        self.enrol_button.setVisible(file is not None and self._may_enrol())
        self.end_button.setVisible(file is not None and self._may_enrol())
        self.attest_button.setVisible(file is not None and self._may_print())

    def reload(self) -> None:
        """Load the person's stages off the GUI thread (an answer for another file is dropped)."""
        if self.file is None:
            return
        person_id = self.file.person.id

        def loaded(lines: tuple[EnrolmentLine, ...]) -> None:
            if self.file is not None and self.file.person.id == person_id:
                self._show(lines)

        def failed(error: BaseException) -> None:
            if not isinstance(error, SpipError):
                raise error
            self.message_label.setText(error.message)

        self.runner.run(lambda: self.stages.person_enrolments(person_id), loaded, failed)

    def _show(self, lines: tuple[EnrolmentLine, ...]) -> None:
        self.model.set_records(lines)
        self.message_label.setText(
            "Aucune inscription à un stage ou à un programme."
            if not lines
            else "Le statut et les heures sont calculés à partir des présences saisies."
        )

    def selected(self) -> EnrolmentLine | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.prompter.inform("Stages", "Choisissez d'abord un stage dans la liste.")
            return None
        return self.model.record_at(rows[0].row())

    def enrol(self) -> None:
        """Pick a stage still to come or running, then enrol the person in it."""
        if self.file is None:
            return
        stages = self.stages
        self.runner.run(
            lambda: (stages.now(), stages.list_stages()),
            lambda found: self._enrol_in(*found),
            lambda error: self._failed("Inscription impossible", error),
        )

    def _enrol_in(self, now: datetime, stages: tuple[Stage, ...]) -> None:
        from .enrol_dialog import EnrolDialog

        if self.file is None:
            return
        open_stages = [s for s in stages if s.phase(now) is not StagePhase.DONE]
        if not open_stages:
            self.prompter.inform(
                "Inscrire à un stage",
                "Aucun stage à venir ou en cours : planifiez d'abord une session dans "
                "« Stages et programmes ».",
            )
            return
        enrolled = {x.stage.id for x in self.model.records()}
        person = self.file.person
        draft = EnrolDialog.ask_for_person(
            person.display_name, person.id, open_stages, now.date(), enrolled, self.prompter, self
        )
        if draft is None:
            return
        self.runner.run(
            lambda: self.stages.enrol(draft),
            lambda _: self._changed(),
            lambda error: self._failed("Inscription impossible", error),
        )

    def end_enrolment(self) -> None:
        from .enrol_dialog import EndEnrolmentDialog

        line = self.selected()
        if line is None:
            return
        answer = EndEnrolmentDialog.ask(
            line.enrolment.person.display_name,
            line.stage.display_title,
            self.stages.now().date(),
            self.prompter,
            self,
        )
        if answer is None:
            return
        kind, day, reason = answer
        enrolment = line.enrolment
        self.runner.run(
            lambda: self.stages.end_enrolment(enrolment.id, enrolment.version, kind, day, reason),
            lambda _: self._changed(),
            lambda error: self._failed("Enregistrement impossible", error),
        )

    def _changed(self) -> None:
        self.reload()
        self.changed.emit()

    def print_attestation(self) -> None:
        line = self.selected()
        if line is None:
            return
        enrolment_id = line.enrolment.id
        self.runner.run(
            lambda: self.stages.issue_attestation(enrolment_id),
            self._show_attestation,
            lambda error: self._failed("Attestation impossible", error),
        )

    def _show_attestation(self, issued: IssuedAttestation) -> None:
        self.reload()
        kind = "Duplicata de l'attestation" if issued.duplicata else "Attestation"
        self.preview(issued.pdf, f"{kind} {issued.number}", issued.file_name)
        for notice in issued.notices:
            self.prompter.inform("Paramètres du service", notice)

    def _on_table_double_clicked(self, *_: object) -> None:
        self._on_show_button_clicked()

    def _on_show_button_clicked(self) -> None:
        line = self.selected()
        if line is not None:
            self.show_stage_requested.emit(line.stage.id)

    def _failed(self, title: str, error: BaseException) -> None:
        if not isinstance(error, SpipError):
            raise error
        text = error.result.summary() if isinstance(error, InvalidInput) else error.message
        self.prompter.error(title, text)
