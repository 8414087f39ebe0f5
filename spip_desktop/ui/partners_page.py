"""The partner directory and the conventions: *Partenaires et conventions*.

The *Annuaire* tab lists the partners (searched and filtered by kind, theme, antenne,
archived or not) beside the selected partner's card: kind, themes, antennes, address,
the SPIP's referent, contacts and conventions with their state. The *Conventions* tab
lists every convention with its state computed today; those to renew (90 days or less
before their expiry) and those expired are flagged. Only the direction
(:attr:`Permission.PARTNERS`) sees the buttons that change anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date, plural
from ..domain.errors import DuplicateValue, EditConflict, InvalidInput, SpipError
from ..domain.model import ReferenceData
from ..domain.partners import (
    Contact,
    Convention,
    ConventionDraft,
    ConventionLevel,
    ConventionState,
    Partner,
    PartnerDraft,
    PartnerKind,
    PartnerQuery,
    Theme,
    format_funding,
)
from ..domain.security import Permission, User
from ..domain.text import fold
from .backend import PartnerActions
from .convention_dialog import CONVENTION_LABELS, PillDelegate, expiry_text
from .partner_dialog import PARTNER_LABELS, PARTNER_STYLE, RebasedConflict
from .prompter import Prompter
from .record_model import Column, RecordTableModel, configure_table
from .tasks import TaskRunner
from .widgets import Badge, Card, page_heading

PAGE_STYLE = (
    PARTNER_STYLE
    + """
#partnerName { font-size: 15pt; font-weight: bold; color: #161616; }
#factTitle { color: #666666; font-size: 8.5pt; }
#factValue { color: #161616; }
#themeChip { background: #f0f0f6; color: #3a3a3a; border-radius: 9px; padding: 2px 9px;
    font-size: 8.5pt; }
#flagBanner { background: #fff4ec; border-left: 4px solid #b34000; color: #6e3300;
    padding: 8px 12px; }
"""
)

#: The states that deserve the direction's attention, worst first.
FLAGGED = (ConventionState.EXPIRED, ConventionState.EXPIRING)
#: The filter "to renew or expired" of the conventions tab.
NEEDS_ACTION = "a_traiter"


def _themes_text(themes: frozenset[Theme]) -> str:
    return ", ".join(t.label for t in Theme if t in themes)


def worst_state(conventions: Sequence[Convention], today: date) -> ConventionState | None:
    """The partner's state to flag in the list: expired, to renew, else in force."""
    states = {c.state(today) for c in conventions}
    for state in (*FLAGGED, ConventionState.ACTIVE):
        if state in states:
            return state
    return None


class PartnersPage(QWidget):
    """The directory of partners and the conventions signed with them."""

    def __init__(
        self,
        partners: PartnerActions,
        runner: TaskRunner,
        prompter: Prompter,
        reference: Callable[[], ReferenceData],
        user: User,
        today: Callable[[], date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("partnersPage")
        self.setStyleSheet(PAGE_STYLE)
        self.partners = partners
        self.runner = runner
        self.prompter = prompter
        self._reference = reference
        self.reference = reference() or ReferenceData()
        self.user = user
        self.today = today
        self.editable = user.may(Permission.PARTNERS, any_person=True)
        self.conventions: tuple[Convention, ...] = ()
        self.selected: Partner | None = None
        self._loaded = False
        self._pending_partner: int | None = None
        self._request = 0

        title, intro = page_heading(
            "Partenaires et conventions",
            "L'annuaire des partenaires du service (institutions, collectivités, associations, "
            "santé, logement, emploi, organismes de stage, structures d'accueil TIG), leurs "
            "contacts et les conventions signées avec eux ; celles qui arrivent à échéance "
            "sont signalées.",
        )

        # -- the directory ----------------------------------------------------------------
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setPlaceholderText("Rechercher un partenaire, un contact, une adresse")
        self.search_edit.setClearButtonEnabled(True)
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Type de partenaire")
        self.kind_combo.addItem("Tous les types", None)
        for kind in PartnerKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.theme_combo = QComboBox()
        self.theme_combo.setAccessibleName("Thème")
        self.theme_combo.addItem("Tous les thèmes", None)
        for theme in Theme:
            self.theme_combo.addItem(theme.label, theme.value)
        self.antenne_combo = QComboBox()
        self.antenne_combo.setAccessibleName("Antenne")
        self.archived_check = QCheckBox("Afficher les partenaires archivés")
        self.new_partner_button = QPushButton("Nouveau partenaire…")
        self.new_partner_button.setObjectName("primaryButton")
        filters = QHBoxLayout()
        filters.addWidget(self.kind_combo, 1)
        filters.addWidget(self.theme_combo, 1)
        filters.addWidget(self.antenne_combo, 1)
        options = QHBoxLayout()
        options.addWidget(self.archived_check)
        options.addStretch(1)
        options.addWidget(self.new_partner_button)

        self.partner_model: RecordTableModel[Partner] = RecordTableModel(
            [
                Column("Partenaire", lambda p: p.name + ("" if p.active else " (archivé)")),
                Column("Type", lambda p: p.draft.kind.label),
                Column("Convention", lambda p: self._partner_state_text(p)),
            ],
            self,
        )
        self.partner_table = QTableView()
        self.partner_table.setObjectName("partnerTable")
        self.partner_table.setAccessibleName("Partenaires")
        self.partner_table.setModel(self.partner_model)
        configure_table(self.partner_table)
        self.partner_table.setWordWrap(False)
        header = self.partner_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.partner_table.setItemDelegateForColumn(
            2, PillDelegate(self._partner_state, self.partner_table)
        )
        self.partner_table.selectionModel().selectionChanged.connect(
            self._on_partner_table_selection_changed
        )
        self.partner_table.doubleClicked.connect(lambda _index: self.edit_partner())
        self.partner_count_label = QLabel()
        self.partner_count_label.setObjectName("statusLabel")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_edit)
        left_layout.addLayout(filters)
        left_layout.addLayout(options)
        left_layout.addWidget(self.partner_table, 1)
        left_layout.addWidget(self.partner_count_label)

        # -- the partner's card -----------------------------------------------------------
        self.card = Card()
        self.name_label = QLabel()
        self.name_label.setObjectName("partnerName")
        self.name_label.setWordWrap(True)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.kind_badge = Badge("", "info")
        self.archived_badge = Badge("Archivé", "closed")
        self.chips_layout = QHBoxLayout()
        self.chips_layout.setSpacing(6)
        badges = QHBoxLayout()
        badges.setSpacing(6)
        badges.addWidget(self.kind_badge)
        badges.addWidget(self.archived_badge)
        badges.addLayout(self.chips_layout)
        badges.addStretch(1)
        self.edit_button = QPushButton("Modifier…")
        self.new_convention_button = QPushButton("Nouvelle convention…")
        self.archive_button = QPushButton("Archiver")
        self.delete_button = QPushButton("Supprimer…")
        self.delete_button.setObjectName("dangerButton")
        actions = QHBoxLayout()
        actions.addWidget(self.edit_button)
        actions.addWidget(self.new_convention_button)
        actions.addStretch(1)
        actions.addWidget(self.archive_button)
        actions.addWidget(self.delete_button)

        self.facts: dict[str, QLabel] = {}
        facts = QFormLayout()
        facts.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        facts.setHorizontalSpacing(18)
        facts.setVerticalSpacing(6)
        for key, title_text in (
            ("address", "Adresse"),
            ("phone", "Téléphone"),
            ("email", "Courriel"),
            ("antennes", "Antennes desservies"),
            ("referent", "Référent au SPIP"),
            ("notes", "Observations"),
        ):
            caption = QLabel(title_text.upper())
            caption.setObjectName("factTitle")
            value = QLabel()
            value.setObjectName("factValue")
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.addRow(caption, value)
            self.facts[key] = value

        self.contact_model: RecordTableModel[Contact] = RecordTableModel(
            [
                Column("Nom", lambda c: c.name),
                Column("Fonction", lambda c: c.role),
                Column("Téléphone", lambda c: c.phone),
                Column("Courriel", lambda c: c.email),
            ],
            self,
        )
        self.contact_table = QTableView()
        self.contact_table.setAccessibleName("Contacts du partenaire")
        self.contact_table.setModel(self.contact_model)
        configure_table(self.contact_table)
        self.contact_table.setMinimumHeight(110)
        self.no_contact_label = QLabel("Aucun contact enregistré.")
        self.no_contact_label.setObjectName("statusLabel")

        self.partner_convention_model: RecordTableModel[Convention] = RecordTableModel(
            [
                Column("Objet", lambda c: c.draft.title),
                Column("Niveau", lambda c: c.draft.level.label),
                Column("Échéance", lambda c: format_date(c.draft.expires_on, "—")),
                Column("Financement", lambda c: self._funding_text(c)),
                Column("État", lambda c: c.state(self.today()).label),
            ],
            self,
        )
        self.partner_convention_table = QTableView()
        self.partner_convention_table.setAccessibleName("Conventions du partenaire")
        self.partner_convention_table.setModel(self.partner_convention_model)
        configure_table(self.partner_convention_table)
        self.partner_convention_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch
        )
        self.partner_convention_table.horizontalHeader().setStretchLastSection(False)
        self.partner_convention_table.setItemDelegateForColumn(
            4, PillDelegate(self._convention_state, self.partner_convention_table)
        )
        self.partner_convention_table.setMinimumHeight(110)
        self.partner_convention_table.doubleClicked.connect(
            lambda index: self.edit_convention(self.partner_convention_model.record_at(index.row()))
        )
        self.no_convention_label = QLabel("Aucune convention avec ce partenaire.")
        self.no_convention_label.setObjectName("statusLabel")

        contacts_title = QLabel("Contacts")
        contacts_title.setObjectName("sectionTitle")
        self.conventions_title = QLabel("Conventions")
        self.conventions_title.setObjectName("sectionTitle")
        card_layout = QVBoxLayout(self.card)
        card_layout.setContentsMargins(18, 14, 18, 14)
        card_layout.setSpacing(8)
        card_layout.addWidget(self.name_label)
        card_layout.addLayout(badges)
        card_layout.addLayout(actions)
        card_layout.addLayout(facts)
        card_layout.addWidget(contacts_title)
        card_layout.addWidget(self.contact_table)
        card_layout.addWidget(self.no_contact_label)
        card_layout.addWidget(self.conventions_title)
        card_layout.addWidget(self.partner_convention_table)
        card_layout.addWidget(self.no_convention_label)
        card_layout.addStretch(1)
        self.card_scroll = QScrollArea()
        self.card_scroll.setWidgetResizable(True)
        self.card_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.card_scroll.setWidget(self.card)
        self.empty_label = QLabel(
            "Choisissez un partenaire dans la liste pour voir ses contacts et ses conventions."
        )
        self.empty_label.setObjectName("emptyLabel")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.empty_label, 1)
        right_layout.addWidget(self.card_scroll, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        left.setMinimumWidth(440)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        directory = QWidget()
        directory_layout = QVBoxLayout(directory)
        directory_layout.setContentsMargins(0, 8, 0, 0)
        directory_layout.addWidget(splitter, 1)

        # -- every convention -------------------------------------------------------------
        self.convention_search_edit = QLineEdit()
        self.convention_search_edit.setPlaceholderText("Rechercher (partenaire, objet, source)")
        self.convention_search_edit.setClearButtonEnabled(True)
        self.state_combo = QComboBox()
        self.state_combo.setAccessibleName("État")
        self.state_combo.addItem("Tous les états", None)
        self.state_combo.addItem("À renouveler ou expirées", NEEDS_ACTION)
        for state in ConventionState:
            self.state_combo.addItem(state.label, state.value)
        self.level_combo = QComboBox()
        self.level_combo.setAccessibleName("Niveau")
        self.level_combo.addItem("Nationales et locales", None)
        for level in ConventionLevel:
            self.level_combo.addItem(level.label + "s", level.value)
        self.new_convention_button2 = QPushButton("Nouvelle convention…")
        self.new_convention_button2.setObjectName("primaryButton")
        convention_filters = QHBoxLayout()
        convention_filters.addWidget(self.convention_search_edit, 2)
        convention_filters.addWidget(self.state_combo, 1)
        convention_filters.addWidget(self.level_combo, 1)
        convention_filters.addWidget(self.new_convention_button2)
        self.flag_label = QLabel()
        self.flag_label.setObjectName("flagBanner")
        self.flag_label.setWordWrap(True)
        self.flag_label.hide()
        self.convention_model: RecordTableModel[Convention] = RecordTableModel(
            [
                Column("Partenaire", lambda c: c.partner_name),
                Column("Objet", lambda c: c.draft.title),
                Column("Niveau", lambda c: c.draft.level.label),
                Column("Milieu", lambda c: c.draft.milieu.label),
                Column("Signée le", lambda c: format_date(c.draft.signed_on, "—")),
                Column("Échéance", lambda c: format_date(c.draft.expires_on, "—")),
                Column("Financement", lambda c: format_funding(c.draft.funding_cents) or "—"),
                Column("Source", lambda c: c.draft.funding_source),
                Column("État", lambda c: c.state(self.today()).label),
            ],
            self,
        )
        self.convention_table = QTableView()
        self.convention_table.setObjectName("conventionTable")
        self.convention_table.setAccessibleName("Conventions")
        self.convention_table.setModel(self.convention_model)
        configure_table(self.convention_table)
        self.convention_table.setWordWrap(False)
        convention_header = self.convention_table.horizontalHeader()
        convention_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # capped
        convention_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        convention_header.setStretchLastSection(False)
        self.convention_table.setItemDelegateForColumn(
            8, PillDelegate(self._convention_state, self.convention_table)
        )
        self.convention_table.doubleClicked.connect(
            lambda index: self.edit_convention(self.convention_model.record_at(index.row()))
        )
        self.edit_convention_button = QPushButton("Modifier…")
        self.delete_convention_button = QPushButton("Supprimer…")
        self.delete_convention_button.setObjectName("dangerButton")
        self.open_partner_button = QPushButton("Voir le partenaire")
        self.convention_count_label = QLabel()
        self.convention_count_label.setObjectName("statusLabel")
        convention_actions = QHBoxLayout()
        convention_actions.addWidget(self.convention_count_label, 1)
        convention_actions.addWidget(self.open_partner_button)
        convention_actions.addWidget(self.edit_convention_button)
        convention_actions.addWidget(self.delete_convention_button)
        conventions_tab = QWidget()
        conventions_layout = QVBoxLayout(conventions_tab)
        conventions_layout.setContentsMargins(0, 8, 0, 0)
        conventions_layout.addLayout(convention_filters)
        conventions_layout.addWidget(self.flag_label)
        conventions_layout.addWidget(self.convention_table, 1)
        conventions_layout.addLayout(convention_actions)

        self.tabs = QTabWidget()
        self.tabs.addTab(directory, "Annuaire")
        self.tabs.addTab(conventions_tab, "Conventions")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)

        # -- signals ----------------------------------------------------------------------
        self.search_edit.textChanged.connect(self._load_partners)
        for combo in (self.kind_combo, self.theme_combo, self.antenne_combo):
            combo.currentIndexChanged.connect(self._load_partners)
        self.archived_check.toggled.connect(self._load_partners)
        self.new_partner_button.clicked.connect(self.new_partner)
        self.edit_button.clicked.connect(self.edit_partner)
        self.archive_button.clicked.connect(self.toggle_archived)
        self.delete_button.clicked.connect(self.delete_partner)
        self.new_convention_button.clicked.connect(
            lambda: self.new_convention(self.selected.id if self.selected else None)
        )
        self.new_convention_button2.clicked.connect(lambda: self.new_convention(None))
        self.convention_search_edit.textChanged.connect(self._show_conventions)
        self.state_combo.currentIndexChanged.connect(self._show_conventions)
        self.level_combo.currentIndexChanged.connect(self._show_conventions)
        self.convention_table.selectionModel().selectionChanged.connect(
            self._update_convention_buttons
        )
        self.edit_convention_button.clicked.connect(
            lambda: self.edit_convention(self._current_convention())
        )
        self.delete_convention_button.clicked.connect(self.delete_convention)
        self.open_partner_button.clicked.connect(self._on_open_partner_button_clicked)

        for button in (
            self.new_partner_button,
            self.edit_button,
            self.new_convention_button,
            self.archive_button,
            self.delete_button,
            self.new_convention_button2,
            self.edit_convention_button,
            self.delete_convention_button,
        ):
            button.setVisible(self.editable)
        self._fill_antennes()
        self._show_partner(None)
        self._update_convention_buttons()

    # -- public ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Load the conventions, then the partners (the list shows their conventions' state)."""
        self._loaded = True
        self.runner.run(
            lambda: self.partners.conventions(), self._on_conventions_loaded, self._failed
        )

    def set_reference(self, reference: ReferenceData) -> None:
        self.reference = reference
        self._fill_antennes()
        self._show_partner(self.selected)

    def show_partner(self, partner_id: int) -> None:
        """Select the partner (whatever the filters) and show its conventions."""
        self.tabs.setCurrentIndex(0)
        self._pending_partner = partner_id
        self._reset_filters()
        self.refresh()

    def show_conventions_expiring(self) -> None:
        """The conventions tab, on those to renew."""
        self.tabs.setCurrentIndex(1)
        self.convention_search_edit.clear()
        self.level_combo.setCurrentIndex(0)
        self.state_combo.setCurrentIndex(self.state_combo.findData(ConventionState.EXPIRING.value))
        if not self._loaded:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        """The first time the page is shown, its lists load (after the event: a page
        shown for an instant while the window is cleared at sign-out loads nothing)."""
        super().showEvent(event)
        if not self._loaded:
            QTimer.singleShot(0, self, self._load_if_shown)

    def _load_if_shown(self) -> None:
        if self.isVisible() and not self._loaded:
            self.refresh()

    # -- loading --------------------------------------------------------------------------
    def query(self) -> PartnerQuery:
        kind = self.kind_combo.currentData()
        theme = self.theme_combo.currentData()
        antenne = self.antenne_combo.currentData()
        return PartnerQuery(
            text=self.search_edit.text(),
            kind=next((k for k in PartnerKind if k.value == kind), None),
            theme=next((t for t in Theme if t.value == theme), None),
            antenne_id=antenne if isinstance(antenne, int) else None,
            include_archived=self.archived_check.isChecked(),
        )

    def _reset_filters(self) -> None:
        widgets = (
            self.search_edit,
            self.kind_combo,
            self.theme_combo,
            self.antenne_combo,
            self.archived_check,
        )
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.search_edit.clear()
            for combo in (self.kind_combo, self.theme_combo, self.antenne_combo):
                combo.setCurrentIndex(0)
            self.archived_check.setChecked(False)  # checked again if the partner is archived
        finally:
            for widget in widgets:
                widget.blockSignals(False)

    def _fill_antennes(self) -> None:
        current = self.antenne_combo.currentData()
        self.antenne_combo.blockSignals(True)
        self.antenne_combo.clear()
        self.antenne_combo.addItem("Toutes les antennes", None)
        for antenne in self.reference.antennes:
            if antenne.active or antenne.id == current:
                self.antenne_combo.addItem(antenne.name, antenne.id)
        index = self.antenne_combo.findData(current)
        self.antenne_combo.setCurrentIndex(max(index, 0))
        self.antenne_combo.blockSignals(False)

    def _on_conventions_loaded(self, conventions: tuple[Convention, ...]) -> None:
        self.conventions = conventions
        self._show_conventions()
        self._load_partners()

    def _load_partners(self, *_args: object) -> None:
        self._request += 1
        request = self._request
        query = self.query()

        def loaded(partners: tuple[Partner, ...]) -> None:
            if request == self._request:  # an answer overtaken by later typing is dropped
                self._on_partners_loaded(partners)

        self.runner.run(lambda: self.partners.partners(query), loaded, self._failed)

    def _on_partners_loaded(self, partners: tuple[Partner, ...]) -> None:
        pending = self._pending_partner
        if (
            pending is not None
            and all(p.id != pending for p in partners)
            and not self.archived_check.isChecked()
        ):
            self.archived_check.setChecked(True)  # the partner asked for is archived: reload
            return
        keep = pending or (self.selected.id if self.selected else None)
        self._pending_partner = None
        self.partner_model.set_records(partners)
        self.partner_table.resizeColumnsToContents()
        self.partner_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch
        )
        archived = sum(1 for p in partners if not p.active)
        count = plural(len(partners), "partenaire")
        if archived:
            count += f" dont {plural(archived, 'archivé')}"
        self.partner_count_label.setText(count)
        row = next((i for i, p in enumerate(partners) if p.id == keep), -1)
        if row >= 0:
            self.partner_table.selectionModel().setCurrentIndex(
                self.partner_model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.partner_table.scrollTo(self.partner_model.index(row, 0))
            self._show_partner(partners[row])
        else:
            self.partner_table.clearSelection()
            self._show_partner(None)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, SpipError):
            self.prompter.error("Partenaires et conventions", error.message)
        else:
            raise error

    # -- the directory ----------------------------------------------------------------------
    def _conventions_of(self, partner_id: int) -> list[Convention]:
        return [c for c in self.conventions if c.draft.partner_id == partner_id]

    def _partner_state(self, partner: Partner) -> ConventionState | None:
        return worst_state(self._conventions_of(partner.id), self.today())

    def _partner_state_text(self, partner: Partner) -> str:
        state = self._partner_state(partner)
        return state.label if state is not None else ""

    def _convention_state(self, convention: Convention) -> ConventionState:
        return convention.state(self.today())

    @staticmethod
    def _funding_text(convention: Convention) -> str:
        amount = format_funding(convention.draft.funding_cents)
        source = convention.draft.funding_source.strip()
        if amount and source:
            return f"{amount} ({source})"
        return amount or "—"

    def _on_partner_table_selection_changed(self, *_args: object) -> None:
        rows = self.partner_table.selectionModel().selectedRows()
        partner = self.partner_model.record_at(rows[0].row()) if rows else None
        self._show_partner(partner)

    def _show_partner(self, partner: Partner | None) -> None:
        self.selected = partner
        self.card_scroll.setVisible(partner is not None)
        self.empty_label.setVisible(partner is None)
        if partner is None:
            return
        draft = partner.draft
        self.name_label.setText(partner.name)
        self.kind_badge.setText(draft.kind.label)
        self.archived_badge.setVisible(not partner.active)
        while self.chips_layout.count():
            item = self.chips_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # at once: the deletion waits for the event loop
                widget.setParent(None)
                widget.deleteLater()
        for theme in Theme:
            if theme in draft.themes:
                chip = QLabel(theme.label)
                chip.setObjectName("themeChip")
                self.chips_layout.addWidget(chip)
        antennes = [
            a.name
            for a in self.reference.antennes
            if a.id is not None and a.id in draft.antenne_ids
        ]
        referent = self.reference.agent(draft.referent_id)
        values = {
            "address": draft.address or "—",
            "phone": draft.phone or "—",
            "email": draft.email or "—",
            "antennes": ", ".join(antennes) if antennes else "Tout le service",
            "referent": (
                f"{referent.display_name} ({referent.role.label})"
                if referent is not None
                else "Aucun référent désigné"
            ),
            "notes": draft.notes or "—",
        }
        for key, value in values.items():
            self.facts[key].setText(value)
        self.contact_model.set_records(draft.contacts)
        self.contact_table.setVisible(bool(draft.contacts))
        self.no_contact_label.setVisible(not draft.contacts)
        self.contact_table.setFixedHeight(self._table_height(self.contact_table, draft.contacts))
        conventions = self._conventions_of(partner.id)
        self.partner_convention_model.set_records(conventions)
        self.partner_convention_table.setVisible(bool(conventions))
        self.no_convention_label.setVisible(not conventions)
        self.partner_convention_table.setFixedHeight(
            self._table_height(self.partner_convention_table, conventions)
        )
        self.conventions_title.setText(
            f"Conventions ({len(conventions)})" if conventions else "Conventions"
        )
        self.archive_button.setText("Archiver" if partner.active else "Réactiver")
        self.archive_button.setToolTip(
            "Ne plus proposer ce partenaire pour de nouvelles démarches et de nouveaux stages"
            if partner.active
            else "Proposer à nouveau ce partenaire"
        )
        self.new_convention_button.setEnabled(partner.active)

    @staticmethod
    def _table_height(table: QTableView, rows: Sequence[object]) -> int:
        header = table.horizontalHeader().sizeHint().height()
        row = table.verticalHeader().defaultSectionSize()
        return header + row * max(len(rows), 1) + 4

    # -- partners: changes ------------------------------------------------------------------
    def new_partner(self) -> None:
        self._ask_partner(None, 0, PartnerDraft(), None)

    def edit_partner(self) -> None:
        if not self.editable or self.selected is None:
            return
        partner = self.selected
        self._ask_partner(partner.id, partner.version, partner.draft, None)

    def _ask_partner(
        self,
        partner_id: int | None,
        version: int,
        draft: PartnerDraft,
        error: SpipError | None,
        saved: PartnerDraft | None = None,
    ) -> None:
        """The form; a refused save opens it again with what was typed and the reason.

        ``saved`` is the version of the partner the form is based on (``draft`` when it
        opens on the record as saved): on an edit conflict, what the user changed from it
        goes on top of the version saved meanwhile, the rest takes the saved values."""
        from .partner_dialog import PartnerDialog

        base = draft if saved is None else saved
        self.reference = self._reference() or self.reference
        edited = PartnerDialog.ask(
            draft, self.reference, self.prompter, self, error, new=partner_id is None
        )
        if edited is None:
            return

        def refused(failure: BaseException) -> None:
            if isinstance(failure, EditConflict) and partner_id is not None:

                def reopen(current: Partner) -> None:
                    merged, refusal = RebasedConflict.of(
                        failure, base, edited, current.draft, PARTNER_LABELS
                    )
                    self._ask_partner(partner_id, current.version, merged, refusal, current.draft)

                if isinstance(failure.current, Partner) and failure.current.id == partner_id:
                    reopen(failure.current)
                else:
                    self.runner.run(
                        lambda: self.partners.get_partner(partner_id), reopen, self._failed
                    )
            elif isinstance(failure, DuplicateValue | InvalidInput):
                self._ask_partner(partner_id, version, edited, failure, base)
            else:
                self._failed(failure)

        self.runner.run(
            lambda: self.partners.save_partner(partner_id, version, edited),
            self._on_partner_saved,
            refused,
        )

    def _on_partner_saved(self, partner: Partner) -> None:
        self._pending_partner = partner.id
        if not partner.active:
            self.archived_check.blockSignals(True)
            self.archived_check.setChecked(True)
            self.archived_check.blockSignals(False)
        self.refresh()

    def toggle_archived(self) -> None:
        partner = self.selected
        if partner is None:
            return
        if partner.active and not self.prompter.confirm(
            "Archiver le partenaire ?",
            f"« {partner.name} » ne sera plus proposé pour de nouvelles démarches, de "
            "nouveaux stages ni de nouvelles conventions. Les dossiers et les stages qui le "
            "mentionnent garderont son nom ; vous pourrez le réactiver.",
            yes="Archiver",
            no="Annuler",
        ):
            return
        self.runner.run(
            lambda: self.partners.set_archived(partner.id, partner.version, partner.active),
            self._on_partner_saved,
            self._failed,
        )

    def delete_partner(self) -> None:
        """Delete a partner nothing uses; one in use is offered for archiving instead."""
        partner = self.selected
        if partner is None:
            return

        def decide(use: Any) -> None:
            if use.total:
                if not partner.active:
                    self.prompter.error(
                        "Suppression impossible",
                        f"« {partner.name} » ne peut pas être supprimé : il est encore rattaché "
                        f"à {use.describe()}. Il est déjà archivé : il n'est plus proposé.",
                    )
                    return
                if self.prompter.confirm(
                    "Suppression impossible",
                    f"« {partner.name} » ne peut pas être supprimé : il est encore rattaché à "
                    f"{use.describe()}. L'archiver plutôt ? Il ne sera plus proposé, et les "
                    "anciens dossiers garderont son nom.",
                    yes="Archiver le partenaire",
                    no="Annuler",
                ):
                    self.runner.run(
                        lambda: self.partners.set_archived(partner.id, partner.version, True),
                        self._on_partner_saved,
                        self._failed,
                    )
                return
            if not self.prompter.confirm(
                "Supprimer le partenaire ?",
                f"Supprimer « {partner.name} » de l'annuaire, avec ses contacts ? "
                "Aucune démarche, aucun stage ni aucune convention ne le mentionne.",
                yes="Supprimer",
                no="Annuler",
            ):
                return
            self.runner.run(
                lambda: self.partners.delete_partner(partner.id, partner.version),
                lambda _none: self._after_delete(),
                self._failed,
            )

        self.runner.run(lambda: self.partners.partner_use(partner.id), decide, self._failed)

    def _after_delete(self) -> None:
        self.selected = None
        self.refresh()

    # -- conventions ------------------------------------------------------------------------
    def _visible_conventions(self) -> list[Convention]:
        today = self.today()
        wanted = self.state_combo.currentData()
        level = self.level_combo.currentData()
        words = fold(self.convention_search_edit.text()).split()
        shown = []
        for convention in self.conventions:
            state = convention.state(today)
            if wanted == NEEDS_ACTION and state not in FLAGGED:
                continue
            if wanted not in (None, NEEDS_ACTION) and state.value != wanted:
                continue
            if level is not None and convention.draft.level.value != level:
                continue
            haystack = fold(
                " ".join(
                    (
                        convention.partner_name,
                        convention.draft.title,
                        convention.draft.funding_source,
                        _themes_text(convention.draft.themes),
                    )
                )
            )
            if all(word in haystack for word in words):
                shown.append(convention)
        return shown

    def _show_conventions(self, *_args: object) -> None:
        kept = self._current_convention()
        shown = self._visible_conventions()
        self.convention_model.set_records(shown)
        self.convention_table.resizeColumnsToContents()
        for column in (0, 7):  # long names and sources: elided, whole in the tooltip
            width = min(self.convention_table.columnWidth(column), 240 if column == 0 else 170)
            self.convention_table.setColumnWidth(column, width)
        self.convention_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        if kept is not None:
            row = next((i for i, c in enumerate(shown) if c.id == kept.id), -1)
            if row >= 0:
                self.convention_table.selectRow(row)
        self.convention_count_label.setText(
            plural(len(shown), "convention")
            + (f" sur {len(self.conventions)}" if len(shown) != len(self.conventions) else "")
        )
        today = self.today()
        expiring = [c for c in self.conventions if c.state(today) is ConventionState.EXPIRING]
        expired = [c for c in self.conventions if c.state(today) is ConventionState.EXPIRED]
        parts = []
        if expiring:
            nearest = min(c.draft.expires_on for c in expiring if c.draft.expires_on)
            parts.append(
                f"{plural(len(expiring), 'convention')} à renouveler (la plus proche : "
                f"{expiry_text(nearest, today)})"
            )
        if expired:
            parts.append(
                f"{plural(len(expired), 'convention expirée', 'conventions expirées')} "
                "sans renouvellement enregistré"
            )
        self.flag_label.setText(" ; ".join(parts) + "." if parts else "")
        self.flag_label.setVisible(bool(parts))
        self.tabs.setTabText(
            1, f"Conventions ({len(expiring) + len(expired)} à traiter)" if parts else "Conventions"
        )
        self._update_convention_buttons()

    def _current_convention(self) -> Convention | None:
        rows = self.convention_table.selectionModel().selectedRows()
        return self.convention_model.record_at(rows[0].row()) if rows else None

    def _update_convention_buttons(self, *_args: object) -> None:
        chosen = self._current_convention() is not None
        for button in (
            self.edit_convention_button,
            self.delete_convention_button,
            self.open_partner_button,
        ):
            button.setEnabled(chosen)

    def _on_open_partner_button_clicked(self) -> None:
        convention = self._current_convention()
        if convention is not None and convention.draft.partner_id is not None:
            self.show_partner(convention.draft.partner_id)

    def new_convention(self, partner_id: int | None) -> None:
        self._ask_convention(None, 0, ConventionDraft(partner_id=partner_id), None, "")

    def edit_convention(self, convention: Convention | None) -> None:
        if not self.editable or convention is None:
            return
        self._ask_convention(
            convention.id,
            convention.version,
            convention.draft,
            None,
            convention.partner_name,
        )

    def _ask_convention(
        self,
        convention_id: int | None,
        version: int,
        draft: ConventionDraft,
        error: SpipError | None,
        partner_name: str,
        saved: ConventionDraft | None = None,
    ) -> None:
        """The form, once the active partners are loaded; a refused save opens it again
        (after an edit conflict, rebased on the version saved meanwhile: ``saved`` is the
        version the form is based on, ``draft`` when it opens on the record as saved)."""
        from .convention_dialog import ConventionDialog

        base = draft if saved is None else saved

        def ask(partners: tuple[Partner, ...]) -> None:
            edited = ConventionDialog.ask(
                draft,
                partners,
                self.today(),
                self.prompter,
                self,
                error,
                partner_name,
                new=convention_id is None,
            )
            if edited is None:
                return

            def refused(failure: BaseException) -> None:
                if isinstance(failure, EditConflict) and convention_id is not None:
                    self._reopen_convention(convention_id, base, edited, failure, partner_name)
                elif isinstance(failure, DuplicateValue | InvalidInput):
                    self._ask_convention(
                        convention_id, version, edited, failure, partner_name, base
                    )
                else:
                    self._failed(failure)

            self.runner.run(
                lambda: self.partners.save_convention(convention_id, version, edited),
                self._on_convention_saved,
                refused,
            )

        self.runner.run(lambda: self.partners.partners(PartnerQuery()), ask, self._failed)

    def _reopen_convention(
        self,
        convention_id: int,
        base: ConventionDraft,
        edited: ConventionDraft,
        failure: EditConflict,
        partner_name: str,
    ) -> None:
        """Saved meanwhile by someone else: the user's changes (``edited`` against
        ``base``) over the version saved now, the fields changed by the other person
        named."""

        def reopen(current: Convention) -> None:
            merged, refusal = RebasedConflict.of(
                failure, base, edited, current.draft, CONVENTION_LABELS
            )
            name = current.partner_name if merged.partner_id == current.draft.partner_id else ""
            self._ask_convention(
                convention_id,
                current.version,
                merged,
                refusal,
                name or partner_name,
                current.draft,
            )

        def found(conventions: tuple[Convention, ...]) -> None:
            current = next((c for c in conventions if c.id == convention_id), None)
            if current is None:
                self.prompter.error("Convention non enregistrée", failure.message)
                self.refresh()
                return
            reopen(current)

        if isinstance(failure.current, Convention) and failure.current.id == convention_id:
            reopen(failure.current)
        else:
            self.runner.run(lambda: self.partners.conventions(), found, self._failed)

    def _on_convention_saved(self, convention: Convention) -> None:
        if self.selected is not None and self.selected.id == convention.draft.partner_id:
            self._pending_partner = convention.draft.partner_id
        self.refresh()

    def delete_convention(self) -> None:
        convention = self._current_convention()
        if convention is None:
            return
        if not self.prompter.confirm(
            "Supprimer la convention ?",
            f"Supprimer la convention « {convention.draft.title} » avec "
            f"{convention.partner_name} ? Une convention arrivée à son terme se garde "
            "d'ordinaire : elle montre l'historique du partenariat.",
            yes="Supprimer",
            no="Annuler",
        ):
            return
        self.runner.run(
            lambda: self.partners.delete_convention(convention.id, convention.version),
            lambda _none: self.refresh(),
            self._failed,
        )
