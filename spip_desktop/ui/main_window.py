"""The main window: sign-in, navigation by role, the list and open files, the lock.

Screens: the *gate* (opening, first administrator, sign-in) and the
*workspace* (sidebar + pages). The sidebar offers what the signed-in user's
roles allow (see :mod:`spip_desktop.domain.security`); the services refuse the
rest anyway. Inactivity lays :class:`~spip_desktop.ui.lock.ScreenLock` over
every window without closing anything.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import SpipError
from ..domain.model import PersonFile, PersonQuery, ReferenceData
from ..domain.security import LOCK_MINUTES_DEFAULT, Permission, Scope, User
from ..domain.service_settings import ServiceSettings
from ..domain.timeline import FileTab
from .backend import Backend
from .lock import InactivityWatcher, ScreenLock
from .prompter import Prompter
from .tasks import TaskRunner

if TYPE_CHECKING:
    from .partners_page import PartnersPage
    from .person_file_page import PersonFilePage
    from .person_list_model import PersonListModel
    from .persons_page import PersonsPage
    from .reference_page import ReferencePage
    from .rights_page import RightsPage
    from .sign_in import FirstAdminPage, SignInPage
    from .stages_page import StagesPage
    from .summary_page import SummaryPage
    from .todo_page import TodoPage

APP_TITLE = "SPIP Desktop"


#: The interface modules the workspace and a person's file are built from.
WORKSPACE_MODULES = (
    "todo_page",
    "person_list_model",
    "persons_page",
    "reference_page",
    "stages_page",
    "rights_page",
    "partners_page",
    "person_file_page",
    "person_stages_panel",
    "person_rights_panel",
    "journal_panel",
    "timeline_panel",
)


@contextmanager
def _no_collection(settle: bool = False) -> Iterator[None]:
    """No cyclic garbage collection while a screen is built: the thousands of objects it
    creates triggered full collections of 70 to 80 ms in the middle (bench/README.md,
    [6/6]). ``settle``: what was built lives as long as the session, so the collector
    stops walking it (as the application does at start-up, ``app.settle_long_lived_objects``);
    signing out gives it back."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        if settle:
            gc.freeze()


def _yield_to_event_loop() -> None:
    """Let the event loop paint and run timers and results, but not the user's input (the
    workspace being built is not ready for it)."""
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)


class MainWindow(QMainWindow):
    """Signals:
    ready(): the first screen that takes input is shown (sign-in, or the list's first page).
    """

    ready = Signal()

    SECTION_TODO = "todo"
    SECTION_PERSONS = "persons"
    SECTION_STAGES = "stages"
    SECTION_RIGHTS = "rights"
    SECTION_PARTNERS = "partners"
    SECTION_SUMMARY = "summary"
    SECTION_REFERENCE = "reference"
    SECTION_ACCOUNTS = "accounts"
    SECTION_AUDIT = "audit"
    SECTION_BACKUPS = "backups"
    SECTION_RETENTION = "retention"
    SECTION_SETTINGS = "settings"

    def __init__(
        self,
        prompter: Prompter,
        runner: TaskRunner,
        demo: bool = False,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__()
        self.prompter = prompter
        self.prompter.parent = self
        self.runner = runner
        self.demo = demo
        self._today = today
        self.backend: Backend | None = None
        self.user: User | None = None
        self.service_settings = ServiceSettings()
        self.sections: list[str] = []
        self.reference = ReferenceData()
        self.persons_model: PersonListModel | None = None
        self.persons_page: PersonsPage | None = None
        self.reference_page: ReferencePage | None = None
        self.stages_page: StagesPage | None = None
        self.todo_page: TodoPage | None = None
        self.rights_page: RightsPage | None = None
        self.partners_page: PartnersPage | None = None
        self.summary_page: SummaryPage | None = None
        self.summary_holder: QWidget | None = None
        #: (stage, session) whose attendance column to show once the stage has loaded.
        self._pending_session: tuple[int, int] | None = None
        self.setWindowTitle(APP_TITLE + (" — base de démonstration" if demo else ""))
        self.resize(1380, 860)
        self.setMinimumSize(1000, 640)

        self.nav_list = QListWidget()
        self.nav_list.setObjectName("navList")
        self.nav_list.currentRowChanged.connect(self._on_nav_list_current_row_changed)
        brand = QLabel("SPIP Desktop")
        brand.setObjectName("brand")
        brand_sub = QLabel("Suivi des personnes placées\nsous main de justice")
        brand_sub.setObjectName("brandSub")
        self.database_label = QLabel("Ouverture de la base…")
        self.database_label.setObjectName("databaseLabel")
        self.database_label.setWordWrap(True)
        sidebar = QFrame()
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(230)
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(0, 18, 0, 14)
        side.addWidget(brand)
        side.addWidget(brand_sub)
        side.addSpacing(18)
        side.addWidget(self.nav_list, 1)
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        self.user_label.setWordWrap(True)
        self.sign_out_button = QPushButton("Se déconnecter")
        self.sign_out_button.setObjectName("sideButton")
        self.sign_out_button.clicked.connect(self.sign_out)
        self.password_button = QPushButton("Changer de mot de passe…")
        self.password_button.setObjectName("sideButton")
        self.password_button.clicked.connect(lambda: self.change_password(required=False))
        side.addWidget(self.user_label)
        for button in (self.sign_out_button, self.password_button):
            side.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        side.addSpacing(8)
        side.addWidget(self.database_label)

        self.file_tabs = QTabWidget()
        self.file_tabs.setObjectName("fileTabBar")
        self.file_tabs.setTabsClosable(True)
        self.file_tabs.setMovable(True)
        self.file_tabs.setDocumentMode(True)
        self.file_tabs.tabCloseRequested.connect(self._on_file_tabs_tab_close_requested)

        self.stack = QStackedWidget()

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(0)
        if demo:
            banner = QLabel(
                "BASE DE DÉMONSTRATION — toutes les personnes sont fictives ; "
                "ne saisissez aucune donnée réelle."
            )
            banner.setObjectName("demoBanner")
            banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            content_layout.addWidget(banner)
        content_layout.addWidget(self.stack, 1)

        self.workspace = QWidget()
        row = QHBoxLayout(self.workspace)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(sidebar)
        row.addWidget(content, 1)
        self.gate_label = QLabel("Ouverture de la base de données…")
        self.gate_label.setObjectName("loadingLabel")
        self.gate_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.gate = QStackedWidget()
        self.gate.addWidget(self.gate_label)
        self.screens = QStackedWidget()
        self.screens.addWidget(self.gate)
        self.screens.addWidget(self.workspace)
        self.setCentralWidget(self.screens)
        self.watcher = InactivityWatcher(LOCK_MINUTES_DEFAULT, self)
        self.watcher.idle.connect(self.lock)
        self.screen_lock = ScreenLock(self, self._make_unlock_form)
        self.sign_in_page: FirstAdminPage | SignInPage | None = None
        #: The base passed its start-up check (the application runs it beside the form).
        self.database_checked = True
        self.statusBar().showMessage("Démarrage…")
        self.busy_label = QLabel("Chargement…")
        self.busy_label.setObjectName("busyLabel")
        self.busy_label.hide()
        self.statusBar().addPermanentWidget(self.busy_label)
        runner.busy_changed.connect(self.busy_label.setVisible)

        self.shortcuts = [
            QShortcut(QKeySequence.StandardKey.New, self, self.new_file),
            QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search),
            QShortcut(QKeySequence("Ctrl+W"), self, self.close_current_file),
            QShortcut(QKeySequence("Escape"), self, self._on_escape),
            QShortcut(QKeySequence("Ctrl+L"), self, self.lock),
        ]
        self._set_shortcuts_enabled(False)

    # -- start-up -------------------------------------------------------------------
    def _make_list_tab_permanent(self) -> None:
        bar = self.file_tabs.tabBar()
        for side in (QTabBar.ButtonPosition.RightSide, QTabBar.ButtonPosition.LeftSide):
            button = bar.tabButton(0, side)
            if button is not None:
                button.resize(0, 0)
                button.hide()

    def attach(self, backend: Backend, user: User | None = None) -> None:
        """Wire the open database, then ask who is there (or enter as ``user`` at once)."""
        self.backend = backend
        self.database_label.setText(
            ("Base de démonstration\n" if self.demo else "Base : ") + backend.database_label
        )
        if user is not None:
            self.enter(user)
            return
        self.runner.run(
            lambda: (backend.accounts.needs_first_admin(), backend.service_settings.load()),
            self._on_gate_checked,
            self._on_gate_failed,
        )

    def _on_gate_checked(self, outcome: tuple[bool, ServiceSettings]) -> None:
        first_start, settings = outcome
        self.service_settings = settings
        self.show_gate(first_start)
        self.ready.emit()

    def _on_gate_failed(self, error: BaseException) -> None:
        self.gate_label.setText("La base de données n'a pas pu être lue.")
        self.show_error(error)

    def show_gate(self, first_start: bool = False) -> None:
        """The first-administrator form on an empty base, else the sign-in form."""
        from .sign_in import FirstAdminPage, SignInPage

        assert self.backend is not None
        if self.sign_in_page is not None:
            self.gate.removeWidget(self.sign_in_page)
            self.sign_in_page.deleteLater()
        page: FirstAdminPage | SignInPage
        if first_start:
            page = FirstAdminPage(self.backend.accounts, self.runner)
        else:
            page = SignInPage(
                self.backend.accounts, self.runner, self.service_settings.service_name, self.demo
            )
        page.signed_in.connect(self.enter)
        if isinstance(page, SignInPage):
            page.prepare = self.prepare_workspace
        page.set_ready(self.database_checked)
        self.sign_in_page = page
        self.gate.addWidget(page)
        self.gate.setCurrentWidget(page)
        self.screens.setCurrentWidget(self.gate)
        self.statusBar().showMessage("Identifiez-vous pour continuer.")

    def set_database_checked(self, checked: bool) -> None:
        """The start-up check passed (or is running): sign-in waits for it."""
        self.database_checked = checked
        if self.sign_in_page is not None:
            self.sign_in_page.set_ready(checked)

    def enter(self, user: User) -> None:
        """Build the workspace for ``user``'s roles and show it.

        A password reset by an administrator is changed first: until then nothing of
        the service is loaded (the services refuse it anyway).
        """
        if user.must_change_password:
            self.user = user
            self.change_password(required=True)
            return
        with _no_collection(settle=True):
            self._build_workspace(user)

    def _build_workspace(self, user: User) -> None:
        from .person_list_model import PersonListModel
        from .persons_page import PersonsPage
        from .reference_page import ReferencePage

        backend = self.backend
        assert backend is not None
        self.user = user
        self.user_label.setText(f"{user.display_name}\n{user.roles_label}")
        self._clear_workspace()
        self._add_todo_section(user)
        if user.may(Permission.PERSON_VIEW, any_person=True):
            persons = backend.persons
            self.persons_model = PersonListModel(
                persons.list_page, persons.count, self.runner, self
            )
            self.persons_model.failed.connect(self.show_error)
            self.persons_page = PersonsPage(self.persons_model)
            self.persons_page.open_requested.connect(self.open_file)
            self.persons_page.new_requested.connect(self.new_file)
            self.persons_page.new_button.setVisible(
                user.may(Permission.PERSON_CREATE, any_person=True)
            )
            self.file_tabs.insertTab(0, self.persons_page, "Personnes suivies")
            self._make_list_tab_permanent()
            self.file_tabs.setCurrentIndex(0)
            self._add_section(self.SECTION_PERSONS, "Personnes suivies", self.file_tabs)
        # Each section takes 20 to 70 ms to build at 250,000 people; the event loop runs
        # between them (no user input) so that the window never freezes for their sum.
        _yield_to_event_loop()
        self._add_stages_section(user)
        _yield_to_event_loop()
        self._add_rights_sections(user)
        _yield_to_event_loop()
        self._add_summary_section(user)
        self.reference_page = ReferencePage(
            backend.reference,
            self.prompter,
            editable=user.may(Permission.REFERENCE, any_person=True),
        )
        self.reference_page.changed.connect(self._on_reference_changed)
        self._add_section(self.SECTION_REFERENCE, "Référentiel du service", self.reference_page)
        _yield_to_event_loop()
        self._add_admin_sections(user)
        self.nav_list.setCurrentRow(0)
        self.screens.setCurrentWidget(self.workspace)
        self._set_shortcuts_enabled(True)
        self.runner.run(backend.reference.load, self._on_reference_changed)
        self.runner.run(backend.service_settings.load, self._on_settings_loaded)
        if self.persons_model is not None and self.persons_page is not None:
            self.persons_model.page_loaded.connect(self._on_first_page_loaded)
            self.persons_model.set_query(PersonQuery())
            if self.todo_page is None:
                self.persons_page.focus_search()
        else:
            self.statusBar().showMessage(f"Connecté : {user.display_name}.", 4000)
            self.ready.emit()
        if self.todo_page is not None:
            self.todo_page.setFocus()
        self.watcher.start()

    def prepare_workspace(self) -> None:
        """On the sign-in's worker thread, while the password is checked: import what the
        workspace is made of and create its services, which took 175 ms of the GUI
        thread at the first sign-in (the modules' classes, named tuples and queries)."""
        import importlib

        for module in WORKSPACE_MODULES:
            importlib.import_module(f"{__package__}.{module}")
        backend = self.backend
        if backend is not None:
            for service in ("todo", "stages", "rights", "partners", "journal", "timeline"):
                getattr(backend, service)

    def _add_todo_section(self, user: User) -> None:
        """*À traiter*, the home screen: what is due today for the agent signed in."""
        from .todo_page import TodoPage

        assert self.backend is not None
        if user.agent_id is None or not any(
            user.may(p, any_person=True)
            for p in (Permission.PERSON_DETAILS, Permission.RIGHTS, Permission.JOURNAL)
        ):
            return
        page = TodoPage(
            self.backend.todo,
            self.runner,
            user,
            lambda: self.reference,
            self._today,
            parent=self.stack,
        )
        page.open_person_requested.connect(self._on_todo_open_person)
        page.open_stage_requested.connect(self.show_stage)
        page.open_partner_requested.connect(self.show_partner)
        self.todo_page = page
        self._add_section(self.SECTION_TODO, "À traiter", page)

    def _on_todo_open_person(self, person_id: int, tab: str, ref_id: int) -> None:
        self.open_file(person_id, FileTab(tab) if tab else None, ref_id or None)

    def _add_rights_sections(self, user: User) -> None:
        """Access to rights (service-wide view of steps) and the partner directory."""
        assert self.backend is not None
        backend = self.backend
        if user.may(Permission.RIGHTS, any_person=True):
            from .rights_page import RightsPage

            self.rights_page = RightsPage(
                backend.rights,
                backend.partners,
                self.runner,
                self.prompter,
                lambda: self.reference,
                user,
                self._today,
                parent=self.stack,
            )
            self.rights_page.open_step_requested.connect(
                lambda person_id, step_id: self.open_file(person_id, FileTab.RIGHTS, step_id)
            )
            self._add_section(self.SECTION_RIGHTS, "Accès aux droits", self.rights_page)
            _yield_to_event_loop()
        if any(
            user.may(p, any_person=True)
            for p in (
                Permission.PARTNERS,
                Permission.RIGHTS,
                Permission.ENROL,
                Permission.PERSON_DETAILS,
            )
        ):
            from .partners_page import PartnersPage

            self.partners_page = PartnersPage(
                backend.partners,
                self.runner,
                self.prompter,
                lambda: self.reference,
                user,
                self._today,
                parent=self.stack,
            )
            self._add_section(
                self.SECTION_PARTNERS, "Partenaires et conventions", self.partners_page
            )

    def _add_summary_section(self, user: User) -> None:
        """*Synthèse mensuelle*, for the direction. Opened once a month, not every day: the
        page is imported and built the first time the section is shown (not at sign-in),
        and computes nothing before that."""
        if not user.may(Permission.SUMMARY, any_person=True):
            return
        holder = QWidget(self.stack)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary_holder = holder
        self._add_section(self.SECTION_SUMMARY, "Synthèse mensuelle", holder)

    def _build_summary_page(self) -> None:
        from .summary_page import SummaryPage

        assert self.backend is not None and self.summary_holder is not None
        page = SummaryPage(self.backend.summary, self.runner, self.prompter, self.summary_holder)
        page.open_person_requested.connect(self._on_todo_open_person)
        page.open_stage_requested.connect(self._on_summary_open_stage)
        page.open_partner_requested.connect(self.show_partner)
        self.summary_page = page
        layout = self.summary_holder.layout()
        assert layout is not None
        layout.addWidget(page)
        page.show()

    def _on_summary_open_stage(self, stage_id: int, session_id: int) -> None:
        self.show_stage(stage_id, session_id or None)

    def show_partner(self, partner_id: int) -> None:
        if self.partners_page is None:
            return
        self.show_section(self.SECTION_PARTNERS)
        self.partners_page.show_partner(partner_id)

    def _add_stages_section(self, user: User) -> None:
        """Stages and programmes, for whoever enrols, records attendance or prints."""
        from .stages_page import StagesPage

        assert self.backend is not None
        if not any(
            user.may(p, any_person=True)
            for p in (Permission.ENROL, Permission.ATTENDANCE, Permission.PRINT)
        ):
            return
        self.stages_page = StagesPage(
            self.backend.stages,
            self.backend.persons,
            self.runner,
            self.prompter,
            user,
            self.preview_pdf,
            self.documents_dir(),
            parent=self.stack,  # never a window of its own, even while being built
        )
        self.stages_page.open_person_requested.connect(self.open_file)
        self.stages_page.grid.model.modelReset.connect(self._focus_pending_session)
        self._add_section(self.SECTION_STAGES, "Stages et programmes", self.stages_page)

    def preview_pdf(self, pdf: bytes, title: str, file_name: str) -> None:
        """Show a generated PDF to print it, save it or open it in the system viewer."""
        from .pdf_preview import PdfPreviewDialog

        PdfPreviewDialog.show_pdf(pdf, title, file_name, self.prompter, self)

    def show_stage(self, stage_id: int, session_id: int | None = None) -> None:
        """Show a stage; with ``session_id``, its attendance grid on that session's column
        (at once if the stage is shown, else when its detail has loaded)."""
        if self.stages_page is None:
            return
        self.show_section(self.SECTION_STAGES)
        self._pending_session = None if session_id is None else (stage_id, session_id)
        self.stages_page.select_stage(stage_id)
        self._focus_pending_session()

    def _focus_pending_session(self) -> None:
        page = self.stages_page
        if page is None or self._pending_session is None:
            return
        stage_id, session_id = self._pending_session
        if page.detail is None or page.detail.stage.id != stage_id:
            return  # not loaded yet: the grid's reset comes back here
        self._pending_session = None
        column = page.grid.model.column_of(session_id)
        if column >= 0:
            page.detail_tabs.setCurrentIndex(0)  # Présences
            page.grid.set_current_cell(0, column)

    def change_password(self, required: bool) -> None:
        """One's own password; when an administrator reset it, nothing else until it is done."""
        from .sign_in import ChangePasswordDialog

        assert self.backend is not None
        accounts = self.backend.accounts
        dialog = ChangePasswordDialog(required, self)
        self.password_dialog = dialog

        def changed(_result: object) -> None:
            dialog.accept()
            self.statusBar().showMessage("Mot de passe changé.", 5000)
            if required and self.user is not None:
                self.enter(replace(self.user, must_change_password=False))

        def refused(error: BaseException) -> None:
            if isinstance(error, SpipError):
                dialog.show_error(error)
            else:
                self.show_error(error)

        def save() -> None:
            current, new, confirmation = dialog.values()
            self.runner.run(
                lambda: accounts.change_password(current, new, confirmation), changed, refused
            )

        def finished(result: int) -> None:
            dialog.deleteLater()
            if required and result != QDialog.DialogCode.Accepted:
                self._finish_sign_out()

        dialog.save_requested.connect(save)
        dialog.finished.connect(finished)
        dialog.open()

    def _add_admin_sections(self, user: User) -> None:
        """Accounts, the audit trail, backups, retention and settings, by role."""
        assert self.backend is not None
        if user.may(Permission.ACCOUNTS, any_person=True):
            from .accounts_page import AccountsPage

            accounts = AccountsPage(
                self.backend.accounts, self.runner, self.prompter, lambda: self.reference
            )
            self._add_section(self.SECTION_ACCOUNTS, "Comptes", accounts)
        if user.may(Permission.AUDIT, any_person=True):
            from .audit_page import AuditPage

            page = AuditPage(
                self.backend.audit,
                self.runner,
                with_values=user.scope(Permission.PERSON_DETAILS) is Scope.SERVICE,
            )
            self._add_section(self.SECTION_AUDIT, "Journal d'audit", page)
        if user.may(Permission.BACKUPS, any_person=True):
            from .backups_page import BackupsPage

            backups = self.backend.backups
            self._add_section(
                self.SECTION_BACKUPS,
                "Sauvegardes",
                BackupsPage(
                    backups,
                    self.runner,
                    self.prompter,
                    backups.backup_dir,
                    self._finish_sign_out,
                    self._may_leave_files,
                ),
            )
        if user.may(Permission.RETENTION, any_person=True):
            from .retention_page import RetentionPage

            retention = RetentionPage(
                self.backend.retention,
                self.backend.audit,
                self.runner,
                self.prompter,
                lambda: self.reference,
                self.documents_dir(),
            )
            self._add_section(self.SECTION_RETENTION, "Conservation des données", retention)
        service = user.may(Permission.SERVICE_SETTINGS, any_person=True)
        security = user.may(Permission.SECURITY_SETTINGS, any_person=True)
        if service or security:
            from .settings_page import SettingsPage

            settings_page = SettingsPage(
                self.backend.service_settings,
                self.runner,
                service,
                security,
                self._on_settings_loaded,
                prompter=self.prompter,
            )
            self._add_section(self.SECTION_SETTINGS, "Paramètres", settings_page)

    def documents_dir(self) -> Path:
        """Where certificates and statements are proposed by default."""
        assert self.backend is not None
        return self.backend.backups.backup_dir.parent / "documents"

    def _add_section(self, key: str, label: str, page: QWidget) -> None:
        self.sections.append(key)
        QListWidgetItem(label, self.nav_list)
        self.stack.addWidget(page)

    def _clear_workspace(self) -> None:
        """Forget the previous user's pages (only called with no unsaved draft left)."""
        self.nav_list.blockSignals(True)
        self.nav_list.clear()
        self.nav_list.blockSignals(False)
        self.sections = []
        while self.stack.count():
            page = self.stack.widget(0)
            assert page is not None
            self.stack.removeWidget(page)
            if page is not self.file_tabs:
                page.deleteLater()
        while self.file_tabs.count():
            widget = self.file_tabs.widget(0)
            self.file_tabs.removeTab(0)
            if widget is not None:
                widget.deleteLater()
        self.persons_model = None
        self.persons_page = None
        self.reference_page = None
        self.stages_page = None
        self.todo_page = None
        self.rights_page = None
        self.partners_page = None
        self.summary_page = None
        self.summary_holder = None

    def _on_settings_loaded(self, settings: ServiceSettings) -> None:
        self.service_settings = settings
        self.watcher.set_minutes(settings.lock_minutes)

    # -- lock and sign-out -----------------------------------------------------------------
    def _set_shortcuts_enabled(self, enabled: bool) -> None:
        for shortcut in self.shortcuts:
            shortcut.setEnabled(enabled)

    def lock(self) -> None:
        """Cover every window; unlocking returns to exactly this state."""
        if self.user is None or self.screen_lock.locked:
            return
        self.watcher.stop()
        self._set_shortcuts_enabled(False)
        self.prompter.hold()
        self.screen_lock.lock()

    def _make_unlock_form(self) -> QWidget:
        from .sign_in import UnlockForm

        assert self.backend is not None and self.user is not None
        form = UnlockForm(
            self.backend.accounts.unlock,
            self.runner,
            self.user.display_name,
            self._on_unlock_form_sign_out,
        )
        form.unlocked.connect(self._on_unlocked)
        return form

    def _on_unlocked(self, user: User) -> None:
        self.screen_lock.unlock()
        self._set_shortcuts_enabled(True)
        self.prompter.release()
        self.watcher.start()

    def _on_unlock_form_sign_out(self) -> None:
        """Changing user from the lock screen: only when nothing unsaved would be lost."""
        unsaved = any(page.is_dirty() for page in self.file_pages())
        if unsaved or QApplication.activeModalWidget() is not None:
            form = self.screen_lock.form
            message = (
                "Des saisies ne sont pas enregistrées dans cette session : déverrouillez-la "
                "pour les enregistrer ou les abandonner avant de changer d'utilisateur."
            )
            if form is not None and hasattr(form, "error_label"):
                form.error_label.show_message(message)
            return
        self._finish_sign_out()  # the workspace is emptied before the covers go
        self.screen_lock.unlock()
        self.prompter.held = None  # the previous session's notices are not the next one's

    def _on_stages_changed(self) -> None:
        if self.stages_page is not None:
            self.stages_page.refresh()

    def _may_leave_stages(self) -> bool:
        """Unsaved attendance asks first (save, discard or stay)."""
        if self.stages_page is None or not self.stages_page.is_dirty():
            return True
        self.show_section(self.SECTION_STAGES)
        return self.stages_page.may_leave()

    def _may_leave_files(self) -> bool:
        """Each unsaved file asks first (save, discard or stay), as closing the window does."""
        if not self._may_leave_stages():
            return False
        for page in self.file_pages():
            if page.is_dirty():
                self.show_section(self.SECTION_PERSONS)
                self.file_tabs.setCurrentWidget(page)
                if not page.confirm_leave():
                    return False
        return True

    def sign_out(self) -> None:
        """Leave the session, once every unsaved file has been saved or given up."""
        if self.user is None or not self._may_leave_files():
            return
        self._finish_sign_out()

    def _finish_sign_out(self) -> None:
        assert self.backend is not None
        backend = self.backend
        self.watcher.stop()
        self._set_shortcuts_enabled(False)
        self.runner.run(backend.accounts.logout, lambda _: None)
        self.user = None
        self._clear_workspace()
        # The session's objects may go now: collected once its pages are deleted, so that
        # the next sign-in does not settle the previous session's garbage with its own.
        gc.unfreeze()
        QTimer.singleShot(0, gc.collect)
        self.user_label.clear()
        self.show_gate(first_start=False)

    def _on_first_page_loaded(self) -> None:
        assert self.persons_model is not None
        self.persons_model.page_loaded.disconnect(self._on_first_page_loaded)
        self.statusBar().showMessage("Prêt.", 4000)
        self.ready.emit()

    def _on_reference_changed(self, reference: ReferenceData) -> None:
        self.reference = reference
        if self.persons_page is not None:
            self.persons_page.set_reference(reference)
        if self.reference_page is not None:
            self.reference_page.set_reference(reference)
        for section_page in (self.todo_page, self.rights_page, self.partners_page):
            if section_page is not None:
                section_page.set_reference(reference)
        for page in self.file_pages():
            page.set_reference(reference)

    # -- navigation -------------------------------------------------------------------
    def _on_nav_list_current_row_changed(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentIndex(row)
            shown = self.stack.widget(row)
            if shown is not None and shown is self.summary_holder and self.summary_page is None:
                self._build_summary_page()
            for page in (self.todo_page, self.rights_page):
                if page is not None and page is shown:
                    page.refresh()  # computed from the data: others' changes show

    def show_section(self, section: str) -> None:
        if section in self.sections:
            self.nav_list.setCurrentRow(self.sections.index(section))

    def focus_search(self) -> None:
        if self.persons_page is None or self.screen_lock.locked:
            return
        self.show_section(self.SECTION_PERSONS)
        self.file_tabs.setCurrentIndex(0)
        self.persons_page.focus_search()

    def _on_escape(self) -> None:
        """Escape on a file goes back to the list; the file stays open with its edits."""
        if self.stack.currentWidget() is self.file_tabs and self.file_tabs.currentIndex() > 0:
            self.focus_search()

    def file_pages(self) -> list[PersonFilePage]:
        from .person_file_page import PersonFilePage

        pages = []
        for index in range(self.file_tabs.count()):
            widget = self.file_tabs.widget(index)
            if isinstance(widget, PersonFilePage):
                pages.append(widget)
        return pages

    def _new_page(self) -> PersonFilePage:
        from .person_file_page import PersonFilePage

        assert self.backend is not None and self.user is not None
        # Built inside the tabs' own stack: a page built apart and then added is styled
        # twice (the style sheet applies again to the whole page when it changes parent).
        page = PersonFilePage(
            self.backend.persons,
            self.prompter,
            self.reference,
            self._today,
            self.user,
            self.file_tabs.findChild(QStackedWidget),
        )
        page.export_access = self.backend.subject_access.export
        if self.stages_page is not None:
            from .person_stages_panel import PersonStagesPanel

            panel = PersonStagesPanel(
                self.backend.stages,
                self.runner,
                self.prompter,
                self.preview_pdf,
                lambda: page.may(Permission.ENROL),
                lambda: page.may(Permission.PRINT),
            )
            panel.show_stage_requested.connect(self.show_stage)
            panel.changed.connect(self._on_stages_changed)
            page.attach_stages(panel)
        self._attach_file_panels(page)
        page.documents_dir = self.documents_dir()
        page.title_changed.connect(lambda title, p=page: self._on_page_title_changed(p, title))
        page.saved.connect(self._on_page_saved)
        return page

    def _attach_file_panels(self, page: PersonFilePage) -> None:
        """The file's *Accès aux droits*, *Journal* and *Chronologie* tabs."""
        from .journal_panel import JournalPanel
        from .person_rights_panel import PersonRightsPanel
        from .timeline_panel import TimelinePanel

        assert self.backend is not None and self.user is not None
        backend, user = self.backend, self.user
        rights = PersonRightsPanel(
            backend.rights,
            backend.partners,
            self.runner,
            self.prompter,
            lambda: self.reference,
            user,
            self._today,
        )
        page.attach_panel(
            FileTab.RIGHTS,
            rights,
            "Accès aux droits",
            (Permission.RIGHTS, Permission.PERSON_DETAILS),
            rights.show_step,
        )
        journal = JournalPanel(
            backend.journal, self.runner, self.prompter, lambda: self.reference, user
        )
        page.attach_panel(
            FileTab.JOURNAL, journal, "Journal", (Permission.JOURNAL,), journal.show_entry
        )
        timeline = TimelinePanel(backend.timeline, self.runner, self.prompter, self.preview_pdf)
        timeline.open_requested.connect(lambda event, p=page: p.show_tab(event.tab, event.ref_id))
        page.attach_panel(FileTab.TIMELINE, timeline, "Chronologie", (Permission.PERSON_DETAILS,))

    def open_file(
        self, person_id: int, tab: FileTab | None = None, ref_id: int | None = None
    ) -> PersonFilePage | None:
        """Show a person's file: the tab already open (with its edits), or a new one;
        ``tab`` (and ``ref_id``, a record in it) chooses what the file shows."""
        if self.backend is None or self.persons_page is None:
            return None
        self.show_section(self.SECTION_PERSONS)
        for page in self.file_pages():
            if page.person_id == person_id:
                self.file_tabs.setCurrentWidget(page)
                if tab is not None:
                    page.show_tab(tab, ref_id)
                return page
        with _no_collection():
            page = self._new_page()
        try:
            page.load(person_id)
        except SpipError as error:
            page.deleteLater()
            self.show_error(error)
            return None
        index = self.file_tabs.addTab(page, page.title())
        self.file_tabs.setCurrentIndex(index)
        if tab is not None and page.show_tab(tab, ref_id):
            return page
        page.form.edits["surname"].setFocus()
        return page

    def new_file(self) -> PersonFilePage | None:
        if (
            self.backend is None
            or self.user is None
            or self.persons_page is None
            or not self.user.may(Permission.PERSON_CREATE, any_person=True)
        ):
            return None
        self.show_section(self.SECTION_PERSONS)
        try:
            number = self.backend.persons.suggest_file_number()
        except SpipError as error:
            self.show_error(error)
            return None
        page = self._new_page()
        page.start_new(number)
        index = self.file_tabs.addTab(page, page.title())
        self.file_tabs.setCurrentIndex(index)
        page.form.edits["surname"].setFocus()
        return page

    def close_current_file(self) -> None:
        index = self.file_tabs.currentIndex()
        if index > 0:
            self._on_file_tabs_tab_close_requested(index)

    def _on_file_tabs_tab_close_requested(self, index: int) -> None:
        from .person_file_page import PersonFilePage

        widget = self.file_tabs.widget(index)
        if not isinstance(widget, PersonFilePage):
            return
        self.file_tabs.setCurrentIndex(index)
        if widget.confirm_leave():
            self.file_tabs.removeTab(index)
            widget.deleteLater()

    def _on_page_title_changed(self, page: PersonFilePage, title: str) -> None:
        index = self.file_tabs.indexOf(page)
        if index >= 0:
            self.file_tabs.setTabText(index, title)

    def _on_page_saved(self, file: PersonFile) -> None:
        self.statusBar().showMessage(f"Dossier de {file.person.display_name} enregistré.", 5000)
        if self.persons_model is not None:
            self.persons_model.refresh()

    # -- errors and closing ------------------------------------------------------------
    def show_error(self, error: BaseException) -> None:
        if isinstance(error, SpipError):
            self.prompter.error("Opération impossible", error.message)
        else:
            raise error  # the application's exception hook logs it and tells the user

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.screen_lock.locked:
            # Closing would ask about unsaved files by name, over the lock: unlock first.
            event.ignore()
            form = self.screen_lock.form
            if form is not None and hasattr(form, "error_label"):
                form.error_label.show_message(
                    "Déverrouillez la session pour fermer l'application : vos saisies en "
                    "cours vous seront proposées à l'enregistrement."
                )
            return
        if not self._may_leave_files():
            event.ignore()
            return
        self.runner.wait()
        self.watcher.stop()
        event.accept()
