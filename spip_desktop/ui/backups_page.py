"""The administrator's backups page: what exists, make one now, restore one.

Backups and restores run on the task runner (a 250,000-person base takes a few
seconds). A restore replaces everything: the window then returns to the sign-in
screen, since the accounts of the restored base may differ.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.backup_policy import BackupInfo
from ..domain.dates import format_count, format_size
from ..domain.errors import SpipError
from .backend import BackupActions
from .prompter import Prompter
from .record_model import Column, RecordTableModel, configure_table
from .tasks import TaskRunner
from .widgets import page_heading

SERVER_MODE_TEXT = (
    "Cette base est sur un serveur PostgreSQL : ses sauvegardes se font sur le serveur, "
    "avec les outils de PostgreSQL (voir le guide d'installation du mode serveur)."
)


def when(info: BackupInfo) -> str:
    return info.created_at.astimezone().strftime("%d/%m/%Y %H:%M")


def describe(info: BackupInfo) -> str:
    return (
        f"Sauvegarde du {when(info)} ({info.reason.label}) — {format_size(info.size_bytes)}, "
        f"{format_count(info.person_count)} personnes, {format_count(info.measure_count)} "
        f"mesures, {format_count(info.audit_entries)} entrées d'audit."
    )


class BackupsPage(QWidget):
    def __init__(
        self,
        backups: BackupActions,
        runner: TaskRunner,
        prompter: Prompter,
        backup_dir: Path,
        on_restored: Callable[[], None],
        may_leave: Callable[[], bool] = lambda: True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.backups = backups
        self.runner = runner
        self.prompter = prompter
        self.backup_dir = backup_dir
        self.on_restored = on_restored
        self.may_leave = may_leave
        title, intro = page_heading(
            "Sauvegardes",
            "Une sauvegarde est faite à la fermeture, toutes les 4 heures pendant l'utilisation "
            "et avant chaque mise à jour ; chacune est vérifiée après écriture. On garde une "
            "sauvegarde par jour sur 7 jours et une par semaine sur 4 semaines. "
            f"Dossier : {backup_dir}",
        )
        self.model: RecordTableModel[BackupInfo] = RecordTableModel(
            [
                Column("Date", when),
                Column("Motif", lambda b: b.reason.label),
                Column("Taille", lambda b: format_size(b.size_bytes)),
                Column("Personnes", lambda b: format_count(b.person_count)),
                Column("Mesures", lambda b: format_count(b.measure_count)),
                Column("Entrées d'audit", lambda b: format_count(b.audit_entries)),
                Column("Vérifiée", lambda b: "Oui" if b.integrity_ok else "NON"),
                Column("Fichier", lambda b: b.path.name),
            ],
            self,
        )
        self.table = QTableView()
        self.table.setObjectName("backupsTable")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.backup_button = QPushButton("Sauvegarder maintenant")
        self.backup_button.setObjectName("primaryButton")
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton("Restaurer la sauvegarde choisie…")
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.file_button = QPushButton("Restaurer depuis un fichier…")
        self.file_button.clicked.connect(self._on_file_button_clicked)
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.backup_button, self.restore_button, self.file_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(title)
        layout.addWidget(intro)
        if not backups.available:
            note = QLabel(SERVER_MODE_TEXT)
            note.setObjectName("warningBanner")
            note.setWordWrap(True)
            layout.addWidget(note)
            layout.addStretch(1)
            return
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 1)
        self.reload()

    def reload(self) -> None:
        self.runner.run(self.backups.list, self.model.set_records, self._on_failed)

    def back_up_now(self) -> None:
        self.backup_button.setEnabled(False)
        self.status_label.setText("Sauvegarde en cours…")
        self.runner.run(self.backups.create, self._on_backed_up, self._on_failed)

    def _on_backed_up(self, info: BackupInfo) -> None:
        self.backup_button.setEnabled(True)
        self.status_label.setText(f"{describe(info)} Intégrité vérifiée.")
        self.reload()

    def _on_restore_button_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        info = self.model.record_at(rows[0].row()) if rows else None
        if info is None:
            self.status_label.setText("Choisissez d'abord une sauvegarde dans la liste.")
            return
        self.restore(info.path)

    def _on_file_button_clicked(self) -> None:
        path = self.prompter.choose_file(
            "Restaurer une sauvegarde", self.backup_dir, "Sauvegardes SPIP (*.sqlite3);;Tous (*)"
        )
        if path is not None:
            self.restore(path)

    def restore(self, path: Path) -> None:
        """Check the file, show what it holds, ask, then restore."""
        self.status_label.setText("Vérification de la sauvegarde…")
        self.runner.run(lambda: self.backups.inspect(path), self._confirm_restore, self._on_failed)

    def _confirm_restore(self, info: BackupInfo) -> None:
        self.status_label.setText("")
        if not self.may_leave():  # a restore replaces everything: no draft is dropped unseen
            return
        if not self.prompter.confirm(
            "Restaurer cette sauvegarde ?",
            f"{describe(info)}\n\nToute la base sera remplacée par cette sauvegarde ; la base "
            "actuelle est d'abord sauvegardée. Chacun devra se reconnecter.",
            yes="Restaurer",
        ):
            return
        self.status_label.setText("Restauration en cours…")
        self.runner.run(lambda: self.backups.restore(info.path), self._on_restored, self._on_failed)

    def _on_restored(self, safety: BackupInfo | None) -> None:
        text = "Sauvegarde restaurée."
        if safety is not None:
            text += f" La base remplacée est gardée dans {safety.path.name}."
        self.prompter.inform("Restauration terminée", text + " Reconnectez-vous.")
        self.on_restored()

    def _on_failed(self, error: BaseException) -> None:
        self.backup_button.setEnabled(True)
        if not isinstance(error, SpipError):
            raise error
        self.status_label.setText("")
        self.prompter.error("Sauvegardes", error.message)
