"""Retention: files past their keeping period, reviewed by number only, then purged or
anonymised with a certificate; and the pruning of old audit entries.

The administrator never sees a name here: only file numbers and dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date, plural
from ..domain.documents import PurgeCertificate
from ..domain.errors import SpipError
from ..domain.model import ReferenceData
from ..domain.retention import RetentionCandidate
from .backend import AuditActions, RetentionActions
from .prompter import Prompter
from .record_model import Column, RecordTableModel, configure_table
from .tasks import TaskRunner
from .widgets import page_heading


class RetentionPage(QWidget):
    def __init__(
        self,
        retention: RetentionActions,
        audit: AuditActions,
        runner: TaskRunner,
        prompter: Prompter,
        reference: Callable[[], ReferenceData],
        documents_dir: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.retention = retention
        self.audit = audit
        self.runner = runner
        self.prompter = prompter
        self.reference = reference
        self.documents_dir = documents_dir
        self.last_certificate: Path | None = None
        title, intro = page_heading(
            "Conservation des données",
            "Un dossier se conserve 5 ans après la fin de la dernière mesure (réglable), puis "
            "il est supprimé ou anonymisé. Revoyez la liste avec les référents avant d'agir : "
            "chaque opération produit un certificat et s'inscrit au journal d'audit.",
        )
        self.model: RecordTableModel[RetentionCandidate] = RecordTableModel(
            [
                Column("N° de dossier", lambda c: c.file_number),
                Column("Échu depuis le", lambda c: format_date(c.due_since)),
                Column("Motif", lambda c: c.basis_label),
                Column("Dossier", lambda c: "clôturé" if c.closed_on else "encore ouvert"),
                Column("Référent", self._referent),
            ],
            self,
        )
        self.table = QTableView()
        self.table.setObjectName("retentionTable")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.select_all_button = QPushButton("Tout sélectionner")
        self.select_all_button.clicked.connect(self.table.selectAll)
        self.anonymise_button = QPushButton("Anonymiser la sélection…")
        self.anonymise_button.clicked.connect(lambda: self._process(anonymise=True))
        self.purge_button = QPushButton("Supprimer définitivement la sélection…")
        self.purge_button.setObjectName("dangerButton")
        self.purge_button.clicked.connect(lambda: self._process(anonymise=False))
        self.prune_button = QPushButton("Élaguer le journal d'audit")
        self.prune_button.setToolTip(
            "Supprime les entrées plus anciennes que leur durée de conservation ; la chaîne "
            "d'empreintes reste vérifiable à partir du point d'élagage."
        )
        self.prune_button.clicked.connect(self._on_prune_button_clicked)
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.select_all_button, self.anonymise_button, self.purge_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.prune_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.reload()

    def _referent(self, candidate: RetentionCandidate) -> str:
        agent = self.reference().agent(candidate.referent_id)
        return agent.display_name if agent else "—"

    def reload(self) -> None:
        self.runner.run(
            lambda: (self.retention.due(), self.retention.count_due()),
            self._on_loaded,
            self._on_failed,
        )

    def _on_loaded(self, outcome: tuple[list[RetentionCandidate], int]) -> None:
        due, total = outcome
        self.model.set_records(due)
        shown = f" ({len(due)} affichés)" if total > len(due) else ""
        self.count_label.setText(plural(total, "dossier échu", "dossiers échus") + shown)

    def selected(self) -> list[RetentionCandidate]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [c for c in (self.model.record_at(r) for r in rows) if c is not None]

    def _process(self, anonymise: bool) -> None:
        chosen = self.selected()
        if not chosen:
            self.status_label.setText("Sélectionnez d'abord les dossiers à traiter.")
            return
        numbers = ", ".join(c.file_number for c in chosen[:8]) + (" …" if len(chosen) > 8 else "")
        what = "anonymisés" if anonymise else "supprimés définitivement, sans retour possible"
        if not self.prompter.confirm(
            "Anonymiser les dossiers ?" if anonymise else "Supprimer les dossiers ?",
            f"{plural(len(chosen), 'dossier')} seront {what} : {numbers}.\n\n"
            "Un certificat sera produit et l'opération inscrite au journal d'audit.",
            yes="Anonymiser" if anonymise else "Supprimer définitivement",
        ):
            return
        ids = [c.person_id for c in chosen]
        action = self.retention.anonymise if anonymise else self.retention.purge

        def work() -> tuple[PurgeCertificate, bytes]:
            certificate = action(ids)
            return certificate, self.retention.certificate_pdf(certificate)

        self.status_label.setText("Traitement en cours…")
        self.runner.run(work, self._on_processed, self._on_failed)

    def _on_processed(self, outcome: tuple[PurgeCertificate, bytes]) -> None:
        certificate, pdf = outcome
        self.status_label.setText("")
        self.reload()
        folder = (
            self.prompter.choose_directory("Enregistrer le certificat", self.documents_dir)
            or self.documents_dir
        )
        target = folder / f"{certificate.number}.pdf"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_bytes(pdf)
        except OSError as error:
            self.prompter.error(
                "Certificat non enregistré",
                f"L'opération est faite, mais le certificat n'a pas pu être écrit dans "
                f"« {folder} » ({error.strerror}). Il peut être réédité depuis le journal.",
            )
            return
        self.last_certificate = target
        self.prompter.inform(
            "Opération terminée",
            f"{plural(len(certificate.file_numbers), 'dossier')} traité(s). "
            f"Certificat n° {certificate.number} enregistré : {target}",
        )

    def _on_prune_button_clicked(self) -> None:
        if not self.prompter.confirm(
            "Élaguer le journal d'audit ?",
            "Les entrées plus anciennes que leur durée de conservation seront supprimées. "
            "La chaîne d'empreintes reste vérifiable à partir du point d'élagage.",
            yes="Élaguer",
        ):
            return
        self.runner.run(self.audit.prune, self._on_pruned, self._on_failed)

    def _on_pruned(self, deleted: int) -> None:
        stamp = datetime.now().strftime("%d/%m/%Y %H:%M")
        removed = plural(deleted, "entrée supprimée", "entrées supprimées")
        self.status_label.setText(f"{stamp} — journal d'audit : {removed}.")

    def _on_failed(self, error: BaseException) -> None:
        if not isinstance(error, SpipError):
            raise error
        self.status_label.setText("")
        self.prompter.error("Conservation des données", error.message)
