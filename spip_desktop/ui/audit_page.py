"""The administrator's audit browser: filter the trail, read it, verify its chain.

An administrator who is not also DPIP sees which fields changed, not their
values: the trail must not become a back door into the files' content.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.audit import OBJECT_LABELS, AuditAction, AuditEntry, AuditQuery, ChainReport
from ..domain.dates import format_count
from ..domain.errors import SpipError
from .audit_view import entry_columns
from .backend import AuditActions
from .record_model import RecordTableModel, configure_table
from .tasks import TaskRunner
from .widgets import DateField, enum_data, fill_enum_combo, page_heading

PAGE = 200


class AuditPage(QWidget):
    def __init__(
        self,
        audit: AuditActions,
        runner: TaskRunner,
        with_values: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.audit = audit
        self.runner = runner
        self.entries: list[AuditEntry] = []
        self.query = AuditQuery()
        title, intro = page_heading(
            "Journal d'audit",
            "Toute création, modification, suppression, consultation de dossier, impression "
            "et export, avec son auteur et son heure. Chaque entrée est chaînée à la "
            "précédente par une empreinte SHA-256 : une entrée modifiée ou retirée se voit.",
        )
        self.since_field = DateField()
        self.until_field = DateField()
        self.actor_combo = QComboBox()
        self.actor_combo.addItem("Tous les agents", "")
        self.action_combo = QComboBox()
        fill_enum_combo(self.action_combo, list(AuditAction), "Toutes les actions")
        self.object_combo = QComboBox()
        self.object_combo.addItem("Tous les objets", "")
        for key, label in OBJECT_LABELS.items():
            self.object_combo.addItem(label, key)
        self.apply_button = QPushButton("Filtrer")
        self.apply_button.setObjectName("primaryButton")
        self.apply_button.clicked.connect(self.apply_filters)
        filters = QHBoxLayout()
        for label, widget in (
            ("Du", self.since_field),
            ("au", self.until_field),
            ("Agent", self.actor_combo),
            ("Action", self.action_combo),
            ("Objet", self.object_combo),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.apply_button)
        filters.addStretch(1)
        self.model: RecordTableModel[AuditEntry] = RecordTableModel(
            entry_columns(lambda: None, with_values), self
        )
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.more_button = QPushButton("Afficher les entrées plus anciennes")
        self.more_button.clicked.connect(self._load_more)
        self.verify_button = QPushButton("Vérifier l'intégrité du journal")
        self.verify_button.clicked.connect(self.verify)
        self.verify_label = QLabel()
        self.verify_label.setObjectName("verifyLabel")
        self.verify_label.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addWidget(self.more_button)
        bottom.addStretch(1)
        bottom.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(filters)
        layout.addWidget(self.verify_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.verify_label.hide()
        self.runner.run(self.audit.actors, self._on_actors_loaded, self._on_failed)
        self.apply_filters()

    def _on_actors_loaded(self, actors: list[tuple[str, str]]) -> None:
        for login, name in actors:
            self.actor_combo.addItem(f"{name} ({login})", login)

    def apply_filters(self) -> None:
        self.query = AuditQuery(
            since=self.since_field.safe_value(),
            until=self.until_field.safe_value(),
            actor_login=self.actor_combo.currentData() or "",
            action=enum_data(self.action_combo, AuditAction),
            object_type=self.object_combo.currentData() or "",
        )
        self.entries = []
        query = self.query
        self.runner.run(
            lambda: (self.audit.browse(query, 0, PAGE), self.audit.count(query)),
            self._on_first_page,
            self._on_failed,
        )

    def _on_first_page(self, outcome: tuple[list[AuditEntry], int]) -> None:
        entries, total = outcome
        self.total = total
        self._show(entries)

    def _load_more(self) -> None:
        query, offset = self.query, len(self.entries)
        self.runner.run(
            lambda: self.audit.browse(query, offset, PAGE),
            lambda more: self._show(self.entries + more),
            self._on_failed,
        )

    def _show(self, entries: list[AuditEntry]) -> None:
        self.entries = entries
        self.model.set_records(entries)
        self.table.resizeRowsToContents()
        total = getattr(self, "total", len(entries))
        self.count_label.setText(
            f"{format_count(len(entries))} entrées affichées sur {format_count(total)}"
        )
        self.more_button.setVisible(len(entries) < total)

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.verify_label.setText("Vérification de la chaîne d'empreintes…")
        self.verify_label.setProperty("kind", "")
        self.verify_label.show()
        self.runner.run(self.audit.verify, self._on_verified, self._on_failed)

    def _on_verified(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        self.verify_label.setText(report.message())
        self.verify_label.setProperty("kind", "success" if report.ok else "danger")
        self.verify_label.style().unpolish(self.verify_label)
        self.verify_label.style().polish(self.verify_label)

    def _on_failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        if not isinstance(error, SpipError):
            raise error
        self.verify_label.setText(error.message)
        self.verify_label.show()
