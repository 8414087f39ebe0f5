"""The screens before the workspace: first administrator, sign-in, and the lock screen's form.

Password checks take about half a second (Argon2id): they run on the task
runner, never on the GUI thread; the button shows the wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import InvalidInput, LoginRefused, SpipError
from ..domain.security import (
    DEMO_ACCOUNTS,
    LOGIN_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    AccountDraft,
    DemoAccount,
    Role,
    User,
    password_checks,
)
from .backend import AccountActions
from .tasks import TaskRunner
from .widgets import Card, ErrorLabel, field_with_error, set_invalid

log = logging.getLogger(__name__)


def _password_edit(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(PASSWORD_MAX_LENGTH)
    edit.setPlaceholderText(placeholder)
    return edit


def _centered(card: QWidget, width: int = 440) -> QWidget:
    """A page with ``card`` in its middle, on the app background."""
    page = QWidget()
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    card.setFixedWidth(width)
    row.addWidget(card)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    return page


def _row(widget: QWidget) -> QHBoxLayout:
    """``widget`` centred horizontally (stretches, not an alignment flag, which would
    clip its wrapped text)."""
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget)
    row.addStretch(1)
    return row


def _card_header(layout: QVBoxLayout, title: str, intro: str) -> None:
    brand = QLabel("SPIP Desktop")
    brand.setObjectName("signInBrand")
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    text = QLabel(intro)
    text.setObjectName("pageIntro")
    text.setWordWrap(True)
    layout.addWidget(brand)
    layout.addWidget(heading)
    layout.addWidget(text)
    layout.addSpacing(6)


class _Busy:
    """Disables a button while a password is being checked, with a waiting label."""

    def __init__(self, button: QPushButton, waiting: str) -> None:
        self.button = button
        self.text = button.text()
        self.waiting = waiting

    def start(self) -> None:
        self.button.setEnabled(False)
        self.button.setText(self.waiting)

    def done(self) -> None:
        self.button.setText(self.text)
        self.button.setEnabled(True)


class SignInPage(QWidget):
    """Identifiant + mot de passe; in the demonstration base, one click per role.

    Signals:
        signed_in(object): the :class:`User` now signed in.
    """

    signed_in = Signal(object)

    def __init__(
        self, accounts: AccountActions, runner: TaskRunner, service_name: str, demo: bool
    ) -> None:
        super().__init__()
        self.accounts = accounts
        self.runner = runner
        self._retry_timer = QTimer(self)
        self._retry_timer.setInterval(1000)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self._retry_left = 0

        card = Card()
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 24, 28, 24)
        _card_header(layout, "Connexion", service_name)
        self.login_edit = QLineEdit()
        self.login_edit.setObjectName("loginEdit")
        self.login_edit.setMaxLength(LOGIN_MAX_LENGTH)
        self.login_edit.setPlaceholderText("prenom.nom")
        self.password_edit = _password_edit()
        self.password_edit.setObjectName("passwordEdit")
        form = QFormLayout()
        form.addRow("Identifiant", self.login_edit)
        form.addRow("Mot de passe", self.password_edit)
        layout.addLayout(form)
        self.error_label = ErrorLabel()
        layout.addWidget(self.error_label)
        self.sign_in_button = QPushButton("Se connecter")
        self.sign_in_button.setObjectName("primaryButton")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._on_sign_in_button_clicked)
        self.password_edit.returnPressed.connect(self._on_sign_in_button_clicked)
        self.login_edit.returnPressed.connect(self.password_edit.setFocus)
        layout.addWidget(self.sign_in_button)
        self._busy = _Busy(self.sign_in_button, "Vérification…")
        self.ready = True
        self._pending = False
        #: Run on the worker after a successful check, before the workspace is built.
        self.prepare: Callable[[], None] | None = None

        self.demo_buttons: dict[str, QPushButton] = {}
        card.setFixedWidth(440)
        column = QVBoxLayout(self)
        if demo:
            banner = QLabel(
                "BASE DE DÉMONSTRATION — toutes les personnes sont fictives ; "
                "ne saisissez aucune donnée réelle."
            )
            banner.setObjectName("demoBanner")
            banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(banner)
        column.addStretch(1)
        column.addLayout(_row(card))
        if demo:
            column.addSpacing(16)
            column.addLayout(_row(self._demo_panel()))
        column.addStretch(2)

    def _demo_panel(self) -> QWidget:
        panel = Card()
        panel.setFixedWidth(700)
        grid = QGridLayout(panel)
        grid.setContentsMargins(20, 14, 20, 14)
        title = QLabel(
            "<b>Base de démonstration</b> — un compte par rôle ; "
            "cliquez pour vous connecter (identifiant / mot de passe)."
        )
        title.setWordWrap(True)
        grid.addWidget(title, 0, 0, 1, 3)
        for row, account in enumerate(DEMO_ACCOUNTS, start=1):
            button = QPushButton(account.role.label)
            button.setToolTip(f"Se connecter comme {account.role.label}")
            button.clicked.connect(lambda _=False, a=account: self.sign_in_demo(a))
            self.demo_buttons[account.login] = button
            grid.addWidget(button, row, 0)
            grid.addWidget(QLabel(f"{account.login}  /  {account.password}"), row, 1)
            hint = QLabel(account.description)
            hint.setObjectName("pageIntro")
            grid.addWidget(hint, row, 2)
        return panel

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        (self.password_edit if self.login_edit.text() else self.login_edit).setFocus()

    def sign_in_demo(self, account: DemoAccount) -> None:
        self.login_edit.setText(account.login)
        self.password_edit.setText(account.password)
        self._on_sign_in_button_clicked()

    def set_ready(self, ready: bool) -> None:
        """Whether the base has passed its start-up check; until then a sign-in waits."""
        self.ready = ready
        if not ready:
            self.sign_in_button.setEnabled(False)
            self.sign_in_button.setText("Vérification de la base…")
            return
        self._busy.done()
        if self._pending:
            self._pending = False
            self._on_sign_in_button_clicked()

    def _on_sign_in_button_clicked(self) -> None:
        if not self.ready:
            self._pending = True  # typed before the check ended: signs in right after it
            return
        if not self.sign_in_button.isEnabled():
            return
        login, password = self.login_edit.text(), self.password_edit.text()
        if not login.strip() or not password:
            self.error_label.show_message("Indiquez votre identifiant et votre mot de passe.")
            return
        self.error_label.show_message(None)
        self._busy.start()
        prepare = self.prepare

        def work() -> User:
            user = self.accounts.login(login, password)
            if prepare is not None:
                try:
                    prepare()
                except Exception:  # the workspace imports again on the GUI thread
                    log.exception("workspace not prepared during sign-in")
            return user

        self.runner.run(work, self._on_signed_in, self._on_refused)

    def _on_signed_in(self, user: User) -> None:
        self._busy.done()
        self.password_edit.clear()
        self.signed_in.emit(user)

    def _on_refused(self, error: BaseException) -> None:
        self._busy.done()
        if not isinstance(error, SpipError):
            raise error
        self.password_edit.clear()
        self.password_edit.setFocus()
        self.error_label.show_message(error.message)
        if isinstance(error, LoginRefused) and error.retry_after:
            self._retry_left = error.retry_after
            self.sign_in_button.setEnabled(False)
            self._retry_timer.start()

    def _on_retry_timer_timeout(self) -> None:
        self._retry_left -= 1
        if self._retry_left <= 0:
            self._retry_timer.stop()
            self.sign_in_button.setEnabled(True)
            self.sign_in_button.setText(self._busy.text)
        else:
            self.sign_in_button.setText(f"Patientez {self._retry_left} s")

    def reset(self) -> None:
        """Back to an empty form (after a sign-out)."""
        self.password_edit.clear()
        self.error_label.show_message(None)


class PasswordRuleView(QLabel):
    """The password rule, each part ticked as the user types."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("passwordRule")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.update_for("")

    def update_for(self, password: str) -> None:
        lines = []
        for part, ok in password_checks(password).items():
            colour, mark = ("#18753c", "✔") if ok else ("#666666", "○")
            lines.append(f"<span style='color:{colour}'>{mark} {part}</span>")
        self.setText("<br>".join(lines))


class FirstAdminPage(QWidget):
    """The first start on an empty database: create the service's administrator.

    Signals:
        signed_in(object): the administrator, created and signed in.
    """

    signed_in = Signal(object)

    def __init__(self, accounts: AccountActions, runner: TaskRunner) -> None:
        super().__init__()
        self.accounts = accounts
        self.runner = runner
        card = Card()
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 24, 28, 24)
        _card_header(
            layout,
            "Premier démarrage",
            "Cette base ne contient encore aucun compte. Créez celui de l'administrateur du "
            "service : il créera ensuite les comptes des agents.",
        )
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Prénom NOM")
        self.login_edit = QLineEdit()
        self.login_edit.setMaxLength(LOGIN_MAX_LENGTH)
        self.login_edit.setPlaceholderText("prenom.nom")
        self.password_edit = _password_edit()
        self.confirmation_edit = _password_edit()
        self.dpip_check = QCheckBox("Cette personne est aussi DPIP / direction du service")
        self.rule_view = PasswordRuleView()
        self.password_edit.textChanged.connect(self.rule_view.update_for)
        self.errors: dict[str, ErrorLabel] = {}
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        for name, label, edit in (
            ("display_name", "Nom complet", self.name_edit),
            ("login", "Identifiant", self.login_edit),
            ("password", "Mot de passe", self.password_edit),
            ("password_confirmation", "Confirmation", self.confirmation_edit),
        ):
            box, error = field_with_error(edit)
            self.errors[name] = error
            self.fields[name] = edit
            form.addRow(label, box)
        layout.addLayout(form)
        layout.addWidget(self.rule_view)
        layout.addWidget(self.dpip_check)
        self.error_label = ErrorLabel()
        layout.addWidget(self.error_label)
        self.create_button = QPushButton("Créer le compte et se connecter")
        self.create_button.setObjectName("primaryButton")
        self.create_button.clicked.connect(self._on_create_button_clicked)
        layout.addWidget(self.create_button)
        self._busy = _Busy(self.create_button, "Création…")
        self.ready = True
        column = QVBoxLayout(self)
        column.addWidget(_centered(card, 520))

    def set_ready(self, ready: bool) -> None:
        """Whether the base has passed its start-up check."""
        self.ready = ready
        if ready:
            self._busy.done()
        else:
            self.create_button.setEnabled(False)
            self.create_button.setText("Vérification de la base…")

    def _on_create_button_clicked(self) -> None:
        if not self.ready:
            return
        roles = frozenset({Role.ADMIN, Role.DPIP} if self.dpip_check.isChecked() else {Role.ADMIN})
        draft = AccountDraft(self.login_edit.text(), self.name_edit.text(), roles)
        password, confirmation = self.password_edit.text(), self.confirmation_edit.text()
        self._show_errors({})
        self._busy.start()
        self.runner.run(
            lambda: self.accounts.create_first_admin(draft, password, confirmation),
            self._on_created,
            self._on_failed,
        )

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            label.show_message(errors.get(name))
            set_invalid(self.fields[name], name in errors)
        self.error_label.show_message(None)

    def _on_created(self, user: User) -> None:
        self._busy.done()
        self.password_edit.clear()
        self.confirmation_edit.clear()
        self.signed_in.emit(user)

    def _on_failed(self, error: BaseException) -> None:
        self._busy.done()
        if isinstance(error, InvalidInput):
            self._show_errors(error.result.errors)
        elif isinstance(error, SpipError):
            self.error_label.show_message(error.message)
        else:
            raise error


class UnlockForm(QFrame):
    """The lock screen's form: only the signed-in user's password unlocks it.

    Shows no personal datum: the user's own name only, so they know whose session it is.

    Signals:
        unlocked(object): the user, after a correct password.
    """

    unlocked = Signal(object)

    def __init__(
        self,
        unlock: Callable[[str], User],
        runner: TaskRunner,
        user_name: str,
        sign_out: Callable[[], None],
    ) -> None:
        super().__init__()
        self.setObjectName("card")
        self.unlock = unlock
        self.runner = runner
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        _card_header(
            layout,
            "Session verrouillée",
            f"Session de {user_name}. Vos saisies en cours sont conservées : "
            "saisissez votre mot de passe pour reprendre là où vous en étiez.",
        )
        self.password_edit = _password_edit("Mot de passe")
        self.password_edit.setObjectName("unlockPasswordEdit")
        layout.addWidget(self.password_edit)
        self.error_label = ErrorLabel()
        layout.addWidget(self.error_label)
        buttons = QHBoxLayout()
        self.sign_out_button = QPushButton("Changer d'utilisateur")
        self.sign_out_button.clicked.connect(sign_out)
        self.unlock_button = QPushButton("Déverrouiller")
        self.unlock_button.setObjectName("primaryButton")
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.password_edit.returnPressed.connect(self._on_unlock_button_clicked)
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout.addLayout(buttons)
        self._busy = _Busy(self.unlock_button, "Vérification…")
        self.setFixedWidth(440)

    def _on_unlock_button_clicked(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        password = self.password_edit.text()
        if not password:
            self.error_label.show_message("Saisissez votre mot de passe.")
            return
        self._busy.start()
        self.runner.run(lambda: self.unlock(password), self._on_unlocked, self._on_refused)

    def _on_unlocked(self, user: User) -> None:
        self._busy.done()
        self.password_edit.clear()
        self.unlocked.emit(user)

    def _on_refused(self, error: BaseException) -> None:
        self._busy.done()
        if not isinstance(error, SpipError):
            raise error
        self.password_edit.clear()
        self.error_label.show_message(error.message)
        if isinstance(error, LoginRefused) and error.retry_after:
            self.unlock_button.setEnabled(False)
            QTimer.singleShot(
                error.retry_after * 1000, self, lambda: self.unlock_button.setEnabled(True)
            )


class ChangePasswordDialog(QDialog):
    """Change one's own password (required after an administrator reset it).

    Signals:
        save_requested(): the page runs the change and answers with :meth:`show_error`
        or closes the dialog.
    """

    save_requested = Signal()

    def __init__(self, required: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changer de mot de passe")
        self.required = required
        self.current_edit = _password_edit()
        self.new_edit = _password_edit()
        self.confirmation_edit = _password_edit()
        self.rule_view = PasswordRuleView()
        self.new_edit.textChanged.connect(self.rule_view.update_for)
        self.errors: dict[str, ErrorLabel] = {}
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        for name, label, edit in (
            ("current_password", "Mot de passe actuel", self.current_edit),
            ("password", "Nouveau mot de passe", self.new_edit),
            ("password_confirmation", "Confirmation", self.confirmation_edit),
        ):
            box, error = field_with_error(edit)
            self.errors[name] = error
            self.fields[name] = edit
            form.addRow(label, box)
        layout = QVBoxLayout(self)
        if required:
            intro = QLabel(
                "Votre mot de passe a été réinitialisé par un administrateur : choisissez-en "
                "un nouveau pour continuer."
            )
            intro.setWordWrap(True)
            layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.rule_view)
        self.error_label = ErrorLabel()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            "Changer le mot de passe", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primaryButton")
        buttons.addButton(
            "Se déconnecter" if required else "Annuler", QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.accepted.connect(self.save_requested)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, str, str]:
        return self.current_edit.text(), self.new_edit.text(), self.confirmation_edit.text()

    def show_error(self, error: SpipError) -> None:
        errors = error.result.errors if isinstance(error, InvalidInput) else {}
        for name, label in self.errors.items():
            label.show_message(errors.get(name))
            set_invalid(self.fields[name], name in errors)
        self.error_label.show_message(None if errors else error.message)
