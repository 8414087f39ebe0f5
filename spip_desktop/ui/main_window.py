"""The main window: navigation, the list and open files, reference data, demo banner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import SpipError
from ..domain.model import PersonFile, PersonQuery, ReferenceData
from .backend import Backend
from .prompter import Prompter
from .tasks import TaskRunner

if TYPE_CHECKING:
    from .person_file_page import PersonFilePage
    from .person_list_model import PersonListModel
    from .persons_page import PersonsPage
    from .reference_page import ReferencePage

APP_TITLE = "SPIP Desktop"


class MainWindow(QMainWindow):
    """Signals:
    ready(): the database is open and the first page of the list is shown.
    """

    ready = Signal()

    SECTION_PERSONS = 0
    SECTION_REFERENCE = 1

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
        self.reference = ReferenceData()
        self.persons_model: PersonListModel | None = None
        self.persons_page: PersonsPage | None = None
        self.reference_page: ReferencePage | None = None
        self.setWindowTitle(APP_TITLE + (" — base de démonstration" if demo else ""))
        self.resize(1380, 860)
        self.setMinimumSize(1000, 640)

        self.nav_list = QListWidget()
        self.nav_list.setObjectName("navList")
        for text in ("Personnes suivies", "Référentiel du service"):
            QListWidgetItem(text, self.nav_list)
        self.nav_list.setCurrentRow(0)
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
        side.addWidget(self.database_label)

        self.file_tabs = QTabWidget()
        self.file_tabs.setObjectName("fileTabBar")
        self.file_tabs.setTabsClosable(True)
        self.file_tabs.setMovable(True)
        self.file_tabs.setDocumentMode(True)
        self.file_tabs.tabCloseRequested.connect(self._on_file_tabs_tab_close_requested)
        self.loading_label = QLabel("Ouverture de la base de données…")
        self.loading_label.setObjectName("loadingLabel")
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.file_tabs.addTab(self.loading_label, "Personnes suivies")
        self._make_list_tab_permanent()

        self.stack = QStackedWidget()
        self.stack.addWidget(self.file_tabs)
        self.stack.addWidget(QWidget())

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

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(sidebar)
        row.addWidget(content, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Démarrage…")
        self.busy_label = QLabel("Chargement…")
        self.busy_label.setObjectName("busyLabel")
        self.busy_label.hide()
        self.statusBar().addPermanentWidget(self.busy_label)
        runner.busy_changed.connect(self.busy_label.setVisible)

        QShortcut(QKeySequence.StandardKey.New, self, self.new_file)
        QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close_current_file)
        QShortcut(QKeySequence("Escape"), self, self._on_escape)

    # -- start-up -------------------------------------------------------------------
    def _make_list_tab_permanent(self) -> None:
        bar = self.file_tabs.tabBar()
        for side in (QTabBar.ButtonPosition.RightSide, QTabBar.ButtonPosition.LeftSide):
            button = bar.tabButton(0, side)
            if button is not None:
                button.resize(0, 0)
                button.hide()

    def attach(self, backend: Backend) -> None:
        """Wire the open database: build the list and reference pages, load the first page."""
        # The pages are imported here, after the first frame, not before it.
        from .person_list_model import PersonListModel
        from .persons_page import PersonsPage
        from .reference_page import ReferencePage

        self.backend = backend
        self.database_label.setText(
            ("Base de démonstration\n" if self.demo else "Base : ") + backend.database_label
        )
        persons = backend.persons
        self.persons_model = PersonListModel(persons.list_page, persons.count, self.runner, self)
        self.persons_model.failed.connect(self.show_error)
        self.persons_page = PersonsPage(self.persons_model)
        self.persons_page.open_requested.connect(self.open_file)
        self.persons_page.new_requested.connect(self.new_file)
        self.file_tabs.removeTab(0)
        self.loading_label.deleteLater()
        self.file_tabs.insertTab(0, self.persons_page, "Personnes suivies")
        self._make_list_tab_permanent()
        self.file_tabs.setCurrentIndex(0)
        self.reference_page = ReferencePage(backend.reference, self.prompter)
        self.reference_page.changed.connect(self._on_reference_changed)
        old = self.stack.widget(self.SECTION_REFERENCE)
        if old is not None:
            self.stack.removeWidget(old)
            old.deleteLater()
        self.stack.insertWidget(self.SECTION_REFERENCE, self.reference_page)
        self.persons_model.page_loaded.connect(self._on_first_page_loaded)
        self.runner.run(backend.reference.load, self._on_reference_changed)
        self.persons_model.set_query(PersonQuery())
        self.persons_page.focus_search()

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
        for page in self.file_pages():
            page.set_reference(reference)

    # -- navigation -------------------------------------------------------------------
    def _on_nav_list_current_row_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(max(row, 0))

    def show_section(self, section: int) -> None:
        self.nav_list.setCurrentRow(section)

    def focus_search(self) -> None:
        if self.persons_page is None:
            return
        self.show_section(self.SECTION_PERSONS)
        self.file_tabs.setCurrentIndex(0)
        self.persons_page.focus_search()

    def _on_escape(self) -> None:
        """Escape on a file goes back to the list; the file stays open with its edits."""
        if self.stack.currentIndex() == self.SECTION_PERSONS and self.file_tabs.currentIndex() > 0:
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

        assert self.backend is not None
        page = PersonFilePage(self.backend.persons, self.prompter, self.reference, self._today)
        page.title_changed.connect(lambda title, p=page: self._on_page_title_changed(p, title))
        page.saved.connect(self._on_page_saved)
        return page

    def open_file(self, person_id: int) -> PersonFilePage | None:
        """Show a person's file: the tab already open (with its edits), or a new one."""
        if self.backend is None:
            return None
        self.show_section(self.SECTION_PERSONS)
        for page in self.file_pages():
            if page.person_id == person_id:
                self.file_tabs.setCurrentWidget(page)
                return page
        page = self._new_page()
        try:
            page.load(person_id)
        except SpipError as error:
            page.deleteLater()
            self.show_error(error)
            return None
        index = self.file_tabs.addTab(page, page.title())
        self.file_tabs.setCurrentIndex(index)
        page.form.edits["surname"].setFocus()
        return page

    def new_file(self) -> PersonFilePage | None:
        if self.backend is None:
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
        for page in self.file_pages():
            if page.is_dirty():
                self.show_section(self.SECTION_PERSONS)
                self.file_tabs.setCurrentWidget(page)
                if not page.confirm_leave():
                    event.ignore()
                    return
        self.runner.wait()
        event.accept()
