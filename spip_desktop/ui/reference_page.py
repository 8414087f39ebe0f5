"""The service's reference data: antennes, agents and establishments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.enums import AgentRole, EstablishmentKind
from ..domain.errors import DuplicateValue, InvalidInput, SpipError
from ..domain.model import Agent, Antenne, Establishment, ReferenceData
from .backend import ReferenceActions
from .prompter import Prompter
from .record_model import Column, RecordTableModel, configure_table
from .widgets import (
    ErrorLabel,
    enum_data,
    field_with_error,
    fill_enum_combo,
    page_heading,
    select_data,
)

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")
INACTIVE_COLOR = QColor("#8a8a8a")


def _active(record: Any) -> str:
    return "Oui" if record.active else "Non (archivé)"


class RecordDialog(QDialog):
    """A small form; ``fields`` returns the record built from the widgets."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.form = QFormLayout()
        self.error_label = ErrorLabel()
        self.buttons = QDialogButtonBox()
        ok = self.buttons.addButton("Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setDefault(True)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.errors: dict[str, ErrorLabel] = {}

    def add_field(self, name: str, label: str, widget: QWidget) -> None:
        box, self.errors[name] = field_with_error(widget)
        self.form.addRow(label, box)

    def show_error(self, error: SpipError) -> None:
        for label in self.errors.values():
            label.show_message(None)
        if isinstance(error, InvalidInput):
            for name, message in error.result.errors.items():
                target = self.errors.get(name)
                if target is not None:
                    target.show_message(message)
                else:
                    self.error_label.show_message(message)
        elif isinstance(error, DuplicateValue) and error.field in self.errors:
            self.errors[error.field].show_message(error.message)
        else:
            self.error_label.show_message(error.message)


class AntenneDialog(RecordDialog):
    def __init__(self, antenne: Antenne, parent: QWidget | None = None) -> None:
        super().__init__("Antenne", parent)
        self._record = antenne
        self.name_edit = QLineEdit(antenne.name)
        self.code_edit = QLineEdit(antenne.code)
        self.address_edit = QLineEdit(antenne.address)
        self.phone_edit = QLineEdit(antenne.phone)
        self.active_check = QCheckBox("En activité")
        self.active_check.setChecked(antenne.active)
        self.add_field("name", "Nom *", self.name_edit)
        self.add_field("code", "Code", self.code_edit)
        self.add_field("address", "Adresse", self.address_edit)
        self.add_field("phone", "Téléphone", self.phone_edit)
        self.form.addRow("", self.active_check)

    def record(self) -> Antenne:
        return replace(
            self._record,
            name=self.name_edit.text(),
            code=self.code_edit.text(),
            address=self.address_edit.text(),
            phone=self.phone_edit.text(),
            active=self.active_check.isChecked(),
        )


class AgentDialog(RecordDialog):
    def __init__(
        self, agent: Agent, antennes: Sequence[Antenne], parent: QWidget | None = None
    ) -> None:
        super().__init__("Agent du service", parent)
        self._record = agent
        self.surname_edit = QLineEdit(agent.surname)
        self.given_edit = QLineEdit(agent.given_name)
        self.role_combo = QComboBox()
        fill_enum_combo(self.role_combo, list(AgentRole))
        select_data(self.role_combo, agent.role)
        self.antenne_combo = QComboBox()
        self.antenne_combo.addItem("—", None)
        for antenne in antennes:
            self.antenne_combo.addItem(antenne.name, antenne.id)
        select_data(self.antenne_combo, agent.antenne_id)
        self.email_edit = QLineEdit(agent.email)
        self.phone_edit = QLineEdit(agent.phone)
        self.active_check = QCheckBox("En poste")
        self.active_check.setChecked(agent.active)
        self.add_field("surname", "Nom *", self.surname_edit)
        self.add_field("given_name", "Prénom *", self.given_edit)
        self.add_field("role", "Fonction *", self.role_combo)
        self.add_field("antenne", "Antenne", self.antenne_combo)
        self.add_field("email", "Adresse électronique", self.email_edit)
        self.add_field("phone", "Téléphone", self.phone_edit)
        self.form.addRow("", self.active_check)
        self.form.addRow(
            "",
            QLabel("Les identifiants de connexion se gèrent à part (comptes utilisateurs)."),
        )

    def record(self) -> Agent:
        return replace(
            self._record,
            surname=self.surname_edit.text(),
            given_name=self.given_edit.text(),
            role=enum_data(self.role_combo, AgentRole) or AgentRole.CPIP,
            antenne_id=self.antenne_combo.currentData(),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
            active=self.active_check.isChecked(),
        )


class EstablishmentDialog(RecordDialog):
    def __init__(self, establishment: Establishment, parent: QWidget | None = None) -> None:
        super().__init__("Établissement pénitentiaire", parent)
        self._record = establishment
        self.name_edit = QLineEdit(establishment.name)
        self.kind_combo = QComboBox()
        fill_enum_combo(self.kind_combo, list(EstablishmentKind))
        select_data(self.kind_combo, establishment.kind)
        self.city_edit = QLineEdit(establishment.city)
        self.active_check = QCheckBox("En service")
        self.active_check.setChecked(establishment.active)
        self.add_field("name", "Nom *", self.name_edit)
        self.add_field("kind", "Type *", self.kind_combo)
        self.add_field("city", "Commune", self.city_edit)
        self.form.addRow("", self.active_check)

    def record(self) -> Establishment:
        return replace(
            self._record,
            name=self.name_edit.text(),
            kind=enum_data(self.kind_combo, EstablishmentKind) or EstablishmentKind.MAISON_ARRET,
            city=self.city_edit.text(),
            active=self.active_check.isChecked(),
        )


class RecordTab(QWidget, Generic[T]):
    """A table of records with *Ajouter* and *Modifier*.

    Signals:
        add_requested(), edit_requested(object)
    """

    add_requested = Signal()
    edit_requested = Signal(object)

    def __init__(
        self, columns: Sequence[Column[T]], add_label: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model: RecordTableModel[T] = RecordTableModel(columns, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.add_button = QPushButton(add_label)
        self.add_button.setObjectName("primaryButton")
        self.add_button.clicked.connect(self.add_requested)
        self.edit_button = QPushButton("Modifier")
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.editable = True

    def set_editable(self, editable: bool) -> None:
        """Read-only for roles that may not manage the reference data."""
        self.editable = editable
        self.add_button.setVisible(editable)
        self.edit_button.setVisible(editable)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        record = self.model.record_at(index.row())
        if record is not None and self.editable:
            self.edit_requested.emit(record)

    def _on_edit_button_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._on_table_double_clicked(rows[0])


class ReferencePage(QWidget):
    """Three tabs; every save reloads the lists and tells the window.

    Signals:
        changed(object): the new :class:`ReferenceData`.
    """

    changed = Signal(object)

    def __init__(
        self,
        actions: ReferenceActions,
        prompter: Prompter,
        parent: QWidget | None = None,
        editable: bool = True,
    ) -> None:
        super().__init__(parent)
        self._actions = actions
        self._prompter = prompter
        self._reference = ReferenceData()
        title, intro = page_heading(
            "Référentiel du service",
            "Antennes, agents et établissements proposés dans les dossiers. Une fiche qui "
            "n'est plus utilisée s'archive : elle reste lisible dans les anciens dossiers.",
        )
        self.antennes_tab: RecordTab[Antenne] = RecordTab(
            [
                Column("Nom", lambda a: a.name),
                Column("Code", lambda a: a.code),
                Column("Adresse", lambda a: a.address),
                Column("Téléphone", lambda a: a.phone),
                Column("Active", _active),
            ],
            "Ajouter une antenne",
        )
        self.agents_tab: RecordTab[Agent] = RecordTab(
            [
                Column("Nom", lambda a: a.surname.upper()),
                Column("Prénom", lambda a: a.given_name),
                Column("Fonction", lambda a: a.role.label),
                Column("Antenne", self._antenne_name),
                Column("Adresse électronique", lambda a: a.email),
                Column("En poste", _active),
            ],
            "Ajouter un agent",
        )
        self.establishments_tab: RecordTab[Establishment] = RecordTab(
            [
                Column("Nom", lambda e: e.name),
                Column("Type", lambda e: e.kind.label),
                Column("Commune", lambda e: e.city),
                Column("En service", _active),
            ],
            "Ajouter un établissement",
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.antennes_tab, "Antennes")
        self.tabs.addTab(self.agents_tab, "Agents")
        self.tabs.addTab(self.establishments_tab, "Établissements")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)

        self.antennes_tab.add_requested.connect(lambda: self._edit_antenne(Antenne(None, "")))
        self.antennes_tab.edit_requested.connect(self._edit_antenne)
        self.agents_tab.add_requested.connect(
            lambda: self._edit_agent(Agent(None, "", "", AgentRole.CPIP))
        )
        self.agents_tab.edit_requested.connect(self._edit_agent)
        self.establishments_tab.add_requested.connect(
            lambda: self._edit_establishment(
                Establishment(None, "", EstablishmentKind.MAISON_ARRET)
            )
        )
        self.establishments_tab.edit_requested.connect(self._edit_establishment)
        for tab in (self.antennes_tab, self.agents_tab, self.establishments_tab):
            tab.set_editable(editable)
        if not editable:
            intro.setText(intro.text() + " Seule la direction les modifie.")

    def _antenne_name(self, agent: Agent) -> str:
        antenne = self._reference.antenne(agent.antenne_id)
        return antenne.name if antenne else "—"

    def set_reference(self, reference: ReferenceData) -> None:
        self._reference = reference
        self.antennes_tab.model.set_records(reference.antennes)
        self.agents_tab.model.set_records(reference.agents)
        self.establishments_tab.model.set_records(reference.establishments)

    def _run_dialog(self, dialog: RecordDialog, save: Callable[[Any], Any]) -> None:
        """Keep the dialog open until the record saves or the user cancels."""
        try:
            while dialog.exec() == QDialog.DialogCode.Accepted:
                try:
                    save(dialog.record())  # type: ignore[attr-defined]
                except SpipError as error:
                    dialog.show_error(error)
                    continue
                reference = self._actions.load()
                self.set_reference(reference)
                self.changed.emit(reference)
                return
        finally:
            dialog.deleteLater()

    def _edit_antenne(self, antenne: Antenne) -> None:
        self._run_dialog(AntenneDialog(antenne, self), self._actions.save_antenne)

    def _edit_agent(self, agent: Agent) -> None:
        self._run_dialog(
            AgentDialog(agent, self._reference.antennes, self), self._actions.save_agent
        )

    def _edit_establishment(self, establishment: Establishment) -> None:
        self._run_dialog(EstablishmentDialog(establishment, self), self._actions.save_establishment)
