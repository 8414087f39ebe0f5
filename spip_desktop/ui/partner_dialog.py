"""The partner form (a pure view over a :class:`PartnerDraft`) and the partner picker.

The form checks :func:`validate_partner` as the user types: a field shows its sentence
once touched, or all of them after a save attempt. What the service refuses after the
form was accepted (a name already in the directory, a record changed elsewhere) comes
back through ``error``: the page opens the form again with what was typed and the
sentence under the field it concerns.

:class:`PartnerPicker` is the combo every screen chooses a partner with (stage
organiser and venue, convention, rights step): active partners, filtered as the user
types (accents and case aside); an archived partner already chosen stays shown by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import DuplicateValue, EditConflict, InvalidInput, SpipError
from ..domain.merge import RebasedConflict as RebasedConflict
from ..domain.model import ReferenceData
from ..domain.partners import (
    PARTNER_MAX_LENGTHS,
    Contact,
    Partner,
    PartnerDraft,
    PartnerKind,
    Theme,
    validate_partner,
)
from ..domain.text import fold
from ..domain.validation import ValidationResult
from .prompter import Prompter
from .stage_dialog import grow_to_fit, hint_label
from .widgets import ErrorLabel, field_with_error, select_data, show_validation

T = TypeVar("T")

#: Styles of the partner screens that the application stylesheet has no rule for.
PARTNER_STYLE = """
#fieldHint { color: #666666; font-size: 9pt; }
#errorBanner { background: #ffe9e9; border-left: 4px solid #ce0500; color: #ce0500;
    padding: 8px 12px; }
#formIntro { color: #3a3a3a; }
QPushButton#dangerButton:disabled { border-color: #cecece; color: #929292; background: #f6f6f6; }
"""

#: Where the picker keeps each partner's folded name (what typing is matched against).
FOLDED_ROLE = Qt.ItemDataRole.UserRole + 1

CONTACT_HEADERS = ("Nom", "Fonction", "Téléphone", "Courriel")
COL_NAME, COL_ROLE, COL_PHONE, COL_EMAIL = range(4)

Index = QModelIndex | QPersistentModelIndex


def form_layout(group: QGroupBox) -> QFormLayout:
    """A group's form: labels right-aligned, fields growing (as in the stage dialog)."""
    form = QFormLayout(group)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setHorizontalSpacing(12)
    form.setVerticalSpacing(8)
    return form


def error_banner() -> QLabel:
    """A red sentence above the buttons: what the service refused."""
    label = QLabel()
    label.setObjectName("errorBanner")
    label.setWordWrap(True)
    label.hide()
    return label


#: The partner form's fields as the conflict message names them, in the form's order.
PARTNER_LABELS: dict[str, str] = {
    "name": "Nom",
    "kind": "Type",
    "address": "Adresse",
    "phone": "Téléphone",
    "email": "Courriel",
    "referent_id": "Référent au SPIP",
    "notes": "Observations",
    "themes": "Thèmes",
    "antenne_ids": "Antennes desservies",
    "contacts": "Contacts",
}


def refusal_text(error: SpipError) -> str:
    """The sentence to show in the form for a refused save."""
    if isinstance(error, RebasedConflict):
        return error.message
    if isinstance(error, EditConflict):
        return (
            "Cette fiche a été modifiée par ailleurs depuis que vous l'avez ouverte. Vos "
            "saisies sont conservées ci-dessous : vérifiez-les, puis enregistrez pour "
            "remplacer la version enregistrée, ou annulez pour la garder."
        )
    if isinstance(error, InvalidInput):
        return error.result.summary()
    return error.message


# -- the partner picker -------------------------------------------------------------------


class FoldingCompleter(QCompleter):
    """Matches what is typed anywhere in the names, accents, case and punctuation aside."""

    def splitPath(self, path: str) -> list[str]:
        return [fold(path)]

    def pathFromIndex(self, index: Index) -> str:
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")


class PartnerPicker(QComboBox):
    """Choose a partner of the directory by typing part of its name.

    The list holds the partners only; an empty field means no partner (its grey
    placeholder says what that means for the form).

    Signals:
        partner_changed(object): the partner chosen (its id), or ``None``.
    """

    partner_changed = Signal(object)

    def __init__(
        self, placeholder: str = "Choisir dans l'annuaire…", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._partners: dict[int, Partner] = {}
        self._last: int | None = None
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(16)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(30)
        self._model = QStandardItemModel(self)
        self.setModel(self._model)
        completer = FoldingCompleter(self._model, self)
        completer.setCompletionRole(FOLDED_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        self.set_placeholder(placeholder)
        self.currentIndexChanged.connect(self._emit_if_changed)
        self.editTextChanged.connect(self._emit_if_changed)

    def set_partners(
        self, partners: Sequence[Partner], current_id: int | None = None, current_name: str = ""
    ) -> None:
        """The active partners to offer; ``current_id`` is shown even when archived."""
        blocked = self.blockSignals(True)
        try:
            self._model.clear()
            self._partners = {}
            offered = [p for p in partners if p.active or p.id == current_id]
            if current_id is not None and all(p.id != current_id for p in offered):
                offered.append(
                    Partner(current_id, 0, PartnerDraft(name=current_name or "Partenaire"), False)
                )
            for partner in sorted(offered, key=lambda p: fold(p.name)):
                text = partner.name if partner.active else f"{partner.name} (archivé)"
                item = QStandardItem(text)
                item.setData(partner.id, Qt.ItemDataRole.UserRole)
                item.setData(fold(partner.name), FOLDED_ROLE)
                tip = [partner.draft.kind.label]
                if partner.draft.address:
                    tip.append(partner.draft.address)
                item.setToolTip(" · ".join(tip) if partner.active else "Partenaire archivé")
                self._model.appendRow(item)
                self._partners[partner.id] = partner
            self.select(current_id)
        finally:
            self.blockSignals(blocked)
        self._last = self.partner_id()

    def set_placeholder(self, text: str) -> None:
        """The grey hint shown while no partner is chosen."""
        line_edit = self.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText(text)

    def select(self, partner_id: int | None) -> None:
        """Show ``partner_id`` (``None``: an empty field)."""
        index = self.findData(partner_id, Qt.ItemDataRole.UserRole) if partner_id else -1
        self.setCurrentIndex(index)
        if index < 0:
            self.setEditText("")

    def partner_id(self) -> int | None:
        """The partner whose name is in the field (chosen, or typed in full), else ``None``."""
        text = self.currentText().strip()
        if not text:
            return None
        index = self.currentIndex()
        if index >= 0 and self.itemText(index) == text:
            current = self.itemData(index, Qt.ItemDataRole.UserRole)
            return current if isinstance(current, int) else None
        folded = fold(text)
        for row in range(self.count()):
            if fold(self.itemText(row)) == folded or self.itemData(row, FOLDED_ROLE) == folded:
                data = self.itemData(row, Qt.ItemDataRole.UserRole)
                return data if isinstance(data, int) else None
        return None

    def _emit_if_changed(self, *_args: object) -> None:
        current = self.partner_id()
        if current != self._last:
            self._last = current
            self.partner_changed.emit(current)


# -- the forms --------------------------------------------------------------------------------


def error_baseline(draft: T, refusal: SpipError | None) -> T:
    """What a reopened form compares itself with: after an edit conflict, the version
    saved meanwhile (the form holds the user's changes on top of it)."""
    if isinstance(refusal, RebasedConflict) and isinstance(refusal.saved, type(draft)):
        return refusal.saved
    return draft


class FormDialog(QDialog):
    """What the partner and convention forms share: each field validated as the user
    types (its sentence once touched, all of them after a save attempt), the first wrong
    field focused on *Enregistrer*, a question before *Annuler* drops what was typed."""

    #: The sentence of that question.
    DISCARD_TEXT = "Les informations saisies seront perdues."

    def __init__(
        self,
        prompter: Prompter,
        initial: object,
        new: bool,
        refusal: SpipError | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._prompter = prompter
        #: What the form is compared with: the version saved (the one it was rebased
        #: on after an edit conflict), else what it was opened with.
        self._initial = error_baseline(initial, refusal)
        self._new = new
        self._loading = False
        self._attempted = refusal is not None
        self._touched: set[str] = set()
        self.errors: dict[str, ErrorLabel] = {}
        self.setStyleSheet(PARTNER_STYLE)

    def draft(self) -> object:
        raise NotImplementedError

    def _widgets(self) -> dict[str, QWidget]:
        """The widget to flag and focus for each field, in the order of the form."""
        raise NotImplementedError

    def _validate(self) -> ValidationResult:
        raise NotImplementedError

    def is_modified(self) -> bool:
        return self.draft() != self._initial

    def _add_row(self, form: QFormLayout, name: str, label: str, field: QWidget) -> None:
        box, self.errors[name] = field_with_error(field)
        form.addRow(label, box)

    def _touch(self, *names: str) -> None:
        if self._loading:
            return
        self._touched.update(names)
        self._validate()

    def _shown(self) -> set[str]:
        return set(self.errors) if self._attempted else self._touched

    def _on_buttons_accepted(self) -> None:
        self._attempted = True
        result = self._validate()
        if not result.ok:
            for name, widget in self._widgets().items():
                if name in result.errors:
                    widget.setFocus()
                    break
            return
        self.accept()

    def reject(self) -> None:
        """Escape or *Annuler*: ask before dropping what was typed."""
        if self.is_modified() and not self._prompter.confirm(
            "Abandonner la saisie ?",
            self.DISCARD_TEXT,
            yes="Abandonner la saisie",
            no="Continuer la saisie",
        ):
            return
        super().reject()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        grow_to_fit(self)


class PartnerDialog(FormDialog):
    """Name, kind, themes, antennes, address, referent, contacts and notes of a partner."""

    DISCARD_TEXT = "Les informations saisies pour ce partenaire seront perdues."

    def __init__(
        self,
        draft: PartnerDraft,
        reference: ReferenceData,
        prompter: Prompter,
        parent: QWidget | None = None,
        error: SpipError | None = None,
        new: bool | None = None,
    ) -> None:
        new = draft == PartnerDraft() if new is None else new
        super().__init__(prompter, draft, new, error, parent)
        self._initial: PartnerDraft = error_baseline(draft, error)
        self._refused = error
        self.setWindowTitle("Nouveau partenaire" if self._new else "Modifier le partenaire")
        self.setMinimumWidth(1020)

        # -- identity ---------------------------------------------------------------------
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Nom du partenaire")
        self.name_edit.setPlaceholderText("ex. CAF de la Gironde, Mission locale des Graves")
        self.name_edit.setMaxLength(PARTNER_MAX_LENGTHS["name"] + 20)
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Type de partenaire")
        for kind in PartnerKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.address_edit = QLineEdit()
        self.address_edit.setPlaceholderText("ex. 12 rue de la Paix, 33000 Bordeaux")
        self.address_edit.setMaxLength(PARTNER_MAX_LENGTHS["address"] + 20)
        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText("ex. 05 56 00 00 00")
        self.phone_edit.setMaxLength(PARTNER_MAX_LENGTHS["phone"])
        self.email_edit = QLineEdit()
        self.email_edit.setPlaceholderText("ex. accueil@partenaire.fr")
        self.email_edit.setMaxLength(PARTNER_MAX_LENGTHS["email"])
        self.referent_combo = QComboBox()
        self.referent_combo.setAccessibleName("Référent au SPIP")
        self.referent_combo.addItem("Aucun référent désigné", None)
        agents = [a for a in reference.agents if a.active or a.id == draft.referent_id]
        for agent in agents:
            suffix = "" if agent.active else " (ne fait plus partie du service)"
            self.referent_combo.addItem(
                f"{agent.display_name} — {agent.role.label}{suffix}", agent.id
            )
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setAccessibleName("Observations")
        self.notes_edit.setPlaceholderText(
            "ex. horaires d'accueil, modalités d'orientation, pièces à fournir"
        )
        self.notes_edit.setFixedHeight(72)
        self.notes_edit.setTabChangesFocus(True)

        identity = QGroupBox("Le partenaire")
        form = form_layout(identity)
        self._add_row(form, "name", "Nom *", self.name_edit)
        self._add_row(form, "kind", "Type *", self.kind_combo)
        self._add_row(form, "address", "Adresse", self.address_edit)
        self._add_row(form, "phone", "Téléphone", self.phone_edit)
        self._add_row(form, "email", "Courriel", self.email_edit)
        self._add_row(form, "referent_id", "Référent au SPIP", self.referent_combo)
        self._add_row(form, "notes", "Observations", self.notes_edit)

        # -- reach ------------------------------------------------------------------------
        self.theme_checks: dict[Theme, QCheckBox] = {}
        themes_box = QGroupBox("Thèmes")
        themes_grid = QGridLayout(themes_box)
        for i, theme in enumerate(Theme):
            check = QCheckBox(theme.label)
            self.theme_checks[theme] = check
            themes_grid.addWidget(check, i // 2, i % 2)
        self.antenne_checks: dict[int, QCheckBox] = {}
        antennes_box = QGroupBox("Antennes desservies")
        antennes_layout = QVBoxLayout(antennes_box)
        shown_antennes = [
            a for a in reference.antennes if a.active or (a.id or 0) in draft.antenne_ids
        ]
        for antenne in shown_antennes:
            assert antenne.id is not None
            check = QCheckBox(antenne.name)
            self.antenne_checks[antenne.id] = check
            antennes_layout.addWidget(check)
        self.antennes_hint = hint_label("Aucune case cochée : le partenaire sert tout le service.")
        self.antennes_hint.setWordWrap(False)
        antennes_layout.addWidget(self.antennes_hint)
        self.errors["antenne_ids"] = ErrorLabel()
        antennes_layout.addWidget(self.errors["antenne_ids"])
        antennes_layout.addStretch(1)

        # -- contacts ---------------------------------------------------------------------
        contacts = QGroupBox("Contacts")
        self.contacts_table = QTableWidget(0, len(CONTACT_HEADERS))
        self.contacts_table.setAccessibleName("Contacts")
        self.contacts_table.setHorizontalHeaderLabels(list(CONTACT_HEADERS))
        self.contacts_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.contacts_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.contacts_table.setTabKeyNavigation(True)
        self.contacts_table.setAlternatingRowColors(True)
        self.contacts_table.verticalHeader().setDefaultSectionSize(30)
        self.contacts_table.setMinimumHeight(150)
        header = self.contacts_table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column in range(len(CONTACT_HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.add_contact_button = QPushButton("Ajouter un contact")
        self.up_button = QPushButton("Monter")
        self.down_button = QPushButton("Descendre")
        self.remove_contact_button = QPushButton("Retirer")
        self.remove_contact_button.setObjectName("dangerButton")
        for button in (
            self.add_contact_button,
            self.up_button,
            self.down_button,
            self.remove_contact_button,
        ):
            button.setAutoDefault(False)
        contact_buttons = QHBoxLayout()
        contact_buttons.addWidget(self.add_contact_button)
        contact_buttons.addWidget(self.up_button)
        contact_buttons.addWidget(self.down_button)
        contact_buttons.addStretch(1)
        contact_buttons.addWidget(self.remove_contact_button)
        self.errors["contacts"] = ErrorLabel()
        contacts_layout = QVBoxLayout(contacts)
        contacts_layout.addWidget(self.contacts_table, 1)
        contacts_layout.addLayout(contact_buttons)
        contacts_layout.addWidget(self.errors["contacts"])
        contacts_layout.addWidget(
            hint_label(
                "Le premier contact est celui que l'annuaire met en avant. Un nom suffit ; "
                "Tab passe à la cellule suivante."
            )
        )

        # -- buttons ----------------------------------------------------------------------
        self.error_label = error_banner()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        right = QVBoxLayout()
        right.addWidget(themes_box)
        right.addWidget(antennes_box, 1)
        grid = QGridLayout()
        grid.addWidget(identity, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.addWidget(contacts, 1, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(grid, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        # -- signals ----------------------------------------------------------------------
        self.name_edit.textChanged.connect(lambda: self._touch("name"))
        self.kind_combo.currentIndexChanged.connect(lambda: self._touch("kind"))
        self.address_edit.textChanged.connect(lambda: self._touch("address"))
        self.phone_edit.textChanged.connect(lambda: self._touch("phone"))
        self.email_edit.textChanged.connect(lambda: self._touch("email"))
        self.referent_combo.currentIndexChanged.connect(lambda: self._touch("referent_id"))
        self.notes_edit.textChanged.connect(lambda: self._touch("notes"))
        for check in (*self.theme_checks.values(), *self.antenne_checks.values()):
            check.toggled.connect(lambda: self._touch("themes", "antenne_ids"))
        self.contacts_table.itemChanged.connect(lambda: self._touch("contacts"))
        self.contacts_table.currentCellChanged.connect(self._update_contact_buttons)
        self.add_contact_button.clicked.connect(self.add_contact)
        self.up_button.clicked.connect(lambda: self.move_contact(-1))
        self.down_button.clicked.connect(lambda: self.move_contact(1))
        self.remove_contact_button.clicked.connect(self.remove_contact)

        self.set_draft(draft)

    # -- draft <-> widgets ------------------------------------------------------------
    def set_draft(self, draft: PartnerDraft) -> None:
        self._loading = True
        try:
            self.name_edit.setText(draft.name)
            select_data(self.kind_combo, draft.kind.value)
            self.address_edit.setText(draft.address)
            self.phone_edit.setText(draft.phone)
            self.email_edit.setText(draft.email)
            select_data(self.referent_combo, draft.referent_id)
            self.notes_edit.setPlainText(draft.notes)
            for theme, check in self.theme_checks.items():
                check.setChecked(theme in draft.themes)
            for antenne_id, check in self.antenne_checks.items():
                check.setChecked(antenne_id in draft.antenne_ids)
            blocked = self.contacts_table.blockSignals(True)
            self.contacts_table.setRowCount(0)
            for contact in draft.contacts:
                self._append_contact(contact)
            self.contacts_table.blockSignals(blocked)
        finally:
            self._loading = False
        self._touched = set() if self._new else set(self.errors)
        self._update_contact_buttons()
        self._show_refusal()
        self._validate()

    def draft(self) -> PartnerDraft:
        """What the form holds now."""
        kind_value = self.kind_combo.currentData()
        kind = next((k for k in PartnerKind if k.value == kind_value), PartnerKind.ASSOCIATION)
        referent = self.referent_combo.currentData()
        return PartnerDraft(
            name=self.name_edit.text(),
            kind=kind,
            themes=frozenset(t for t, c in self.theme_checks.items() if c.isChecked()),
            antenne_ids=frozenset(a for a, c in self.antenne_checks.items() if c.isChecked()),
            address=self.address_edit.text(),
            phone=self.phone_edit.text(),
            email=self.email_edit.text(),
            referent_id=referent if isinstance(referent, int) else None,
            contacts=self._read_contacts(),
            notes=self.notes_edit.toPlainText(),
        )

    # -- contacts ---------------------------------------------------------------------
    def _append_contact(self, contact: Contact, row: int | None = None) -> int:
        row = self.contacts_table.rowCount() if row is None else row
        blocked = self.contacts_table.blockSignals(True)
        self.contacts_table.insertRow(row)
        for column, text in enumerate((contact.name, contact.role, contact.phone, contact.email)):
            self.contacts_table.setItem(row, column, QTableWidgetItem(text))
        self.contacts_table.blockSignals(blocked)
        return row

    def _cell(self, row: int, column: int) -> str:
        item = self.contacts_table.item(row, column)
        return item.text() if item is not None else ""

    def _read_contacts(self) -> tuple[Contact, ...]:
        """The rows as contacts, in order; rows left entirely blank are left out."""
        contacts = []
        for row in range(self.contacts_table.rowCount()):
            cells = [self._cell(row, c) for c in range(len(CONTACT_HEADERS))]
            if not any(text.strip() for text in cells):
                continue
            contacts.append(Contact(*(text.strip() for text in cells)))
        return tuple(contacts)

    def add_contact(self) -> None:
        row = self._append_contact(Contact(""))
        self.contacts_table.setCurrentCell(row, COL_NAME)
        self.contacts_table.setFocus()
        item = self.contacts_table.item(row, COL_NAME)
        if item is not None:
            self.contacts_table.editItem(item)
        self._update_contact_buttons()

    def move_contact(self, step: int) -> None:
        row = self.contacts_table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.contacts_table.rowCount():
            return
        column = max(self.contacts_table.currentColumn(), 0)
        texts = [self._cell(row, c) for c in range(len(CONTACT_HEADERS))]
        blocked = self.contacts_table.blockSignals(True)
        self.contacts_table.removeRow(row)
        self.contacts_table.blockSignals(blocked)
        self._append_contact(Contact(*texts), target)
        self.contacts_table.setCurrentCell(target, column)
        self._touch("contacts")

    def remove_contact(self) -> None:
        row = self.contacts_table.currentRow()
        if row < 0:
            return
        self.contacts_table.removeRow(row)
        if self.contacts_table.rowCount():
            self.contacts_table.setCurrentCell(min(row, self.contacts_table.rowCount() - 1), 0)
        self._update_contact_buttons()
        self._touch("contacts")

    def _update_contact_buttons(self, *_args: object) -> None:
        row = self.contacts_table.currentRow()
        count = self.contacts_table.rowCount()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        self.remove_contact_button.setEnabled(row >= 0)

    # -- validation -------------------------------------------------------------------
    def validation(self) -> ValidationResult:
        return validate_partner(self.draft())

    def _widgets(self) -> dict[str, QWidget]:
        return {
            "name": self.name_edit,
            "kind": self.kind_combo,
            "address": self.address_edit,
            "phone": self.phone_edit,
            "email": self.email_edit,
            "referent_id": self.referent_combo,
            "notes": self.notes_edit,
            "contacts": self.contacts_table,
        }

    def _validate(self) -> ValidationResult:
        result = self.validation()
        refused = self._refused
        if (
            isinstance(refused, DuplicateValue)
            and refused.field in self.errors
            and fold(self.name_edit.text()) == fold(self._initial.name)  # not changed since
        ):
            result.error(refused.field, refused.message)
        show_validation(result, self.errors, self._widgets(), self._shown())
        grow_to_fit(self)
        return result

    def _show_refusal(self) -> None:
        """A refusal the fields cannot show (a record changed elsewhere) goes in the banner."""
        error = self._refused
        if error is None or (isinstance(error, DuplicateValue) and error.field in self.errors):
            self.error_label.hide()
            return
        self.error_label.setText(refusal_text(error))
        self.error_label.show()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.name_edit.setFocus()

    # -- the seam tests patch -----------------------------------------------------------
    @classmethod
    def ask(
        cls,
        draft: PartnerDraft,
        reference: ReferenceData,
        prompter: Prompter,
        parent: QWidget | None = None,
        error: SpipError | None = None,
        new: bool | None = None,
    ) -> PartnerDraft | None:
        """Show the form; the edited draft, or ``None`` when cancelled."""
        dialog = cls(draft, reference, prompter, parent, error, new)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.draft()
            return None
        finally:
            dialog.deleteLater()
