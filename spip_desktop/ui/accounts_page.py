"""The administrator's accounts page: create, edit roles, unlock, reset a password.

Password hashing takes about half a second: every save runs on the task
runner while the dialog stays open, showing what is wrong if it fails.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Signal
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
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import InvalidInput, SpipError
from ..domain.model import ReferenceData
from ..domain.security import (
    LOGIN_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    Account,
    AccountDraft,
    Role,
)
from .audit_view import local_time
from .backend import AccountActions
from .prompter import Prompter
from .record_model import Column, RecordTableModel, configure_table
from .sign_in import PasswordRuleView
from .tasks import TaskRunner
from .widgets import ErrorLabel, field_with_error, page_heading, set_invalid


class AccountDialog(QDialog):
    """One account: identity, roles, agent record; a password when created or reset.

    Signals:
        save_requested(): the user asks to save; the page answers with
        :meth:`saved` or :meth:`show_error`.
    """

    save_requested = Signal()

    def __init__(
        self,
        account: Account | None,
        reference: ReferenceData,
        password_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.account = account
        self.password_only = password_only
        title = (
            "Réinitialiser le mot de passe"
            if password_only
            else ("Nouveau compte" if account is None else "Modifier le compte")
        )
        self.setWindowTitle(title)
        self.errors: dict[str, ErrorLabel] = {}
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        draft = account.draft if account else AccountDraft("", "", frozenset())
        self.login_edit = QLineEdit(draft.login)
        self.login_edit.setMaxLength(LOGIN_MAX_LENGTH)
        self.name_edit = QLineEdit(draft.display_name)
        self.role_checks: dict[Role, QCheckBox] = {}
        roles_box = QWidget()
        roles_row = QHBoxLayout(roles_box)
        roles_row.setContentsMargins(0, 0, 0, 0)
        for role in Role:
            check = QCheckBox(role.label)
            check.setChecked(role in draft.roles)
            self.role_checks[role] = check
            roles_row.addWidget(check)
        self.agent_combo = QComboBox()
        self.agent_combo.addItem("— aucune —", None)
        for agent in reference.agents:
            if agent.active or agent.id == draft.agent_id:
                label = f"{agent.display_name} ({agent.role.label})"
                self.agent_combo.addItem(label, agent.id)
        index = self.agent_combo.findData(draft.agent_id)
        self.agent_combo.setCurrentIndex(max(index, 0))
        self.active_check = QCheckBox("Compte actif (décochez pour désactiver sans supprimer)")
        self.active_check.setChecked(draft.active)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(PASSWORD_MAX_LENGTH)
        self.confirmation_edit = QLineEdit()
        self.confirmation_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirmation_edit.setMaxLength(PASSWORD_MAX_LENGTH)
        self.rule_view = PasswordRuleView()
        self.password_edit.textChanged.connect(self.rule_view.update_for)
        rows: list[tuple[str, str, QWidget]] = []
        if not password_only:
            rows += [
                ("login", "Identifiant", self.login_edit),
                ("display_name", "Nom affiché", self.name_edit),
                ("roles", "Rôles", roles_box),
                ("agent_id", "Fiche agent", self.agent_combo),
            ]
        if account is None or password_only:
            rows += [
                ("password", "Mot de passe provisoire", self.password_edit),
                ("password_confirmation", "Confirmation", self.confirmation_edit),
            ]
        for name, label, widget in rows:
            box, error = field_with_error(widget)
            self.errors[name] = error
            self.fields[name] = widget
            form.addRow(label, box)
        layout = QVBoxLayout(self)
        if password_only and account is not None:
            layout.addWidget(
                QLabel(f"Compte « {account.draft.login} » — {account.draft.display_name}")
            )
        layout.addLayout(form)
        if "password" in self.fields:
            layout.addWidget(self.rule_view)
            hint = QLabel("La personne devra le changer à sa prochaine connexion.")
            hint.setObjectName("pageIntro")
            layout.addWidget(hint)
        if not password_only and account is not None:
            layout.addWidget(self.active_check)
        self.error_label = ErrorLabel()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("primaryButton")
        buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def draft(self) -> AccountDraft:
        roles = frozenset(role for role, check in self.role_checks.items() if check.isChecked())
        return AccountDraft(
            self.login_edit.text(),
            self.name_edit.text(),
            roles,
            self.agent_combo.currentData(),
            self.active_check.isChecked(),
        )

    def passwords(self) -> tuple[str, str]:
        return self.password_edit.text(), self.confirmation_edit.text()

    def _on_buttons_accepted(self) -> None:
        self.save_button.setEnabled(False)
        self.save_button.setText("Enregistrement…")
        self.save_requested.emit()

    def show_error(self, error: SpipError) -> None:
        self.save_button.setEnabled(True)
        self.save_button.setText("Enregistrer")
        field_errors = error.result.errors if isinstance(error, InvalidInput) else {}
        if not field_errors and hasattr(error, "field") and error.field in self.errors:
            field_errors = {error.field: error.message}
        for name, label in self.errors.items():
            label.show_message(field_errors.get(name))
            set_invalid(self.fields[name], name in field_errors)
        self.error_label.show_message(None if field_errors else error.message)


class AccountsPage(QWidget):
    """Every account of the service, with its roles and state."""

    def __init__(
        self,
        accounts: AccountActions,
        runner: TaskRunner,
        prompter: Prompter,
        reference: Callable[[], ReferenceData],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.runner = runner
        self.prompter = prompter
        self.reference = reference
        self.dialog: AccountDialog | None = None
        title, intro = page_heading(
            "Comptes",
            "Les agents qui peuvent se connecter, et ce que leurs rôles leur permettent. "
            "Un compte verrouillé après 10 essais infructueux se débloque ici.",
        )
        self.model: RecordTableModel[Account] = RecordTableModel(
            [
                Column("Identifiant", lambda a: a.draft.login),
                Column("Nom", lambda a: a.draft.display_name),
                Column("Rôles", self._roles),
                Column("Fiche agent", self._agent),
                Column("État", lambda a: a.status_label),
                Column(
                    "Dernière connexion",
                    lambda a: local_time(a.last_login_at) if a.last_login_at else "jamais",
                ),
            ],
            self,
        )
        self.table = QTableView()
        self.table.setObjectName("accountsTable")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.new_button = QPushButton("Nouveau compte")
        self.new_button.setObjectName("primaryButton")
        self.new_button.clicked.connect(lambda: self.edit(None))
        self.edit_button = QPushButton("Modifier")
        self.edit_button.clicked.connect(lambda: self.edit(self.selected()))
        self.unlock_button = QPushButton("Débloquer")
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.reset_button = QPushButton("Réinitialiser le mot de passe")
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.unlock_button, self.reset_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()
        self.reload()

    def _roles(self, account: Account) -> str:
        return ", ".join(role.label for role in Role if role in account.draft.roles)

    def _agent(self, account: Account) -> str:
        agent = self.reference().agent(account.draft.agent_id)
        return agent.display_name if agent else "—"

    def reload(self) -> None:
        self.runner.run(self.accounts.accounts, self._on_loaded, self._on_failed)

    def _on_loaded(self, accounts: list[Account]) -> None:
        self.model.set_records(accounts)
        self._update_buttons()

    def _on_failed(self, error: BaseException) -> None:
        if not isinstance(error, SpipError):
            raise error
        self.prompter.error("Comptes", error.message)

    def selected(self) -> Account | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        account = self.selected()
        self.edit_button.setEnabled(account is not None)
        self.reset_button.setEnabled(account is not None)
        self.unlock_button.setEnabled(account is not None and account.locked)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self.edit(self.model.record_at(index.row()))

    def edit(self, account: Account | None, password_only: bool = False) -> AccountDialog:
        dialog = AccountDialog(account, self.reference(), password_only, self)
        dialog.save_requested.connect(lambda: self._save(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _save(self, dialog: AccountDialog) -> None:
        account, draft = dialog.account, dialog.draft()
        password, confirmation = dialog.passwords()
        if dialog.password_only and account is not None:
            work: Callable[[], object] = lambda: self.accounts.reset_password(  # noqa: E731
                account.id, password, confirmation
            )
        elif account is None:
            work = lambda: self.accounts.create_account(draft, password, confirmation)  # noqa: E731
        else:
            work = lambda: self.accounts.update_account(account.id, account.version, draft)  # noqa: E731

        def done(_result: object) -> None:
            dialog.accept()
            self.reload()

        def failed(error: BaseException) -> None:
            if not isinstance(error, SpipError):
                raise error
            dialog.show_error(error)

        self.runner.run(work, done, failed)

    def _on_unlock_button_clicked(self) -> None:
        account = self.selected()
        if account is None:
            return
        self.runner.run(
            lambda: self.accounts.unlock_account(account.id),
            lambda _: self.reload(),
            self._on_failed,
        )

    def _on_reset_button_clicked(self) -> None:
        account = self.selected()
        if account is not None:
            self.edit(account, password_only=True)


__all__ = ["AccountDialog", "AccountsPage"]
