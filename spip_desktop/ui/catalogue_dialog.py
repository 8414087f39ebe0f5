"""The catalogue of stages and collective actions, as the direction (DPIP) keeps it.

The official entries (the nine stages of the Code pénal, the PPR, the built-in actions)
keep their names; their default duration, price and usual organiser are the service's
to adjust. The service adds its own local actions. An entry is never deleted: it stops
being proposed for new stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import InvalidInput, SpipError
from ..domain.stages import (
    STAGE_MAX_LENGTHS,
    ActionKind,
    StageType,
    StageTypeDraft,
    format_minutes,
    format_price,
    parse_price,
    validate_stage_type,
)
from .prompter import Choice, Prompter
from .widgets import ErrorLabel, enum_data, page_heading, select_data, set_invalid


class CatalogueActions(Protocol):
    """What the dialog needs from the stage service (faked in tests)."""

    def catalogue(self, include_inactive: bool = False) -> tuple[StageType, ...]: ...
    def save_type(
        self, type_id: int | None, version: int, draft: StageTypeDraft, active: bool = True
    ) -> StageType: ...


HEADERS = (
    "Nom",
    "Nature",
    "Durée par défaut",
    "Coût par défaut",
    "Organisateur habituel",
    "Origine",
    "Actif",
)
COL_NAME, COL_KIND, COL_MINUTES, COL_PRICE, COL_ORGANISER, COL_ORIGIN, COL_ACTIVE = range(7)

OFFICIAL_NOTE = "Intitulé officiel : non modifiable"
PRICE_HINT_STAGE = "450 € au plus pour un stage (art. 131-5-1 du code pénal) ; 0 : gratuit."
PRICE_HINT_OTHER = "0 ou vide : gratuit."
#: What a new local action starts with (the form can change all of it).
NEW_DRAFT = StageTypeDraft(kind=ActionKind.COLLECTIVE, default_minutes=3 * 60)

#: The table's short names of the natures (the form's combo shows the full ones).
KIND_SHORT = {
    ActionKind.STAGE: "Stage",
    ActionKind.PPR: "Programme (PPR)",
    ActionKind.COLLECTIVE: "Action collective",
}

INACTIVE_TEXT = QColor("#929292")
OFFICIAL_TEXT = QColor("#000091")

DIALOG_STYLE = """
#fieldHint { color: #666666; font-size: 9pt; }
#officialNote { color: #000091; font-size: 9pt; }
QLineEdit[readOnly="true"] { background: #f6f6f6; color: #3a3a3a; border: 1px solid #cecece;
                             border-bottom: 2px solid #cecece; }
QTableView#catalogueTable { outline: 0; }
"""


def read_price(text: str) -> int:
    """The price field in cents: ``150``, ``150,50 €``, ``Gratuit``; empty is free.

    Raises ``ValueError`` with a French sentence otherwise.
    """
    if text.strip().casefold() == "gratuit":
        return 0
    cents = parse_price(text)
    return 0 if cents is None else cents


def price_text(cents: int) -> str:
    """What the price field shows: ``150,00`` (``0`` when free)."""
    if cents == 0:
        return "0"
    euros, rest = divmod(cents, 100)
    return f"{euros},{rest:02d}"


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setObjectName("fieldHint")
    label.setWordWrap(True)
    return label


def _item(text: str, tooltip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tooltip:
        item.setToolTip(tooltip)
    return item


def _labels_on_first_line(form: QFormLayout) -> None:
    """Align each label with its field's first line (fields with hints are taller)."""
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        if isinstance(label, QLabel):
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            label.setContentsMargins(0, 6, 0, 0)


class CatalogueDialog(QDialog):
    """The catalogue's table above, the selected entry's form below."""

    def __init__(
        self, actions: CatalogueActions, prompter: Prompter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.catalogue_actions = actions
        self.prompter = prompter
        #: Something was saved since the dialog opened.
        self.saved = False
        self.types: tuple[StageType, ...] = ()
        #: The entry the form edits (``None``: a new local action).
        self.editing: StageType | None = None
        self._shown: tuple[StageTypeDraft, bool] | None = None
        self._filling = False
        self.setWindowTitle("Catalogue des stages et actions collectives")
        self.setMinimumSize(1120, 760)
        self.setStyleSheet(DIALOG_STYLE)
        title, intro = page_heading(
            "Catalogue des stages et actions collectives",
            "Les intitulés officiels sont fixés par les textes ; la durée, le coût et "
            "l'organisateur proposés par défaut à la planification d'un stage sont ceux "
            "du service. Une action n'est jamais supprimée : elle cesse d'être proposée.",
        )

        # -- the table ---------------------------------------------------------------
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("catalogueTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for column in (COL_KIND, COL_MINUTES, COL_PRICE, COL_ORIGIN, COL_ACTIVE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_ORGANISER, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_ORGANISER, 230)
        for column in (COL_MINUTES, COL_PRICE):
            header_item = self.table.horizontalHeaderItem(column)
            if header_item is not None:
                header_item.setTextAlignment(
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
        self.table.currentCellChanged.connect(self._on_current_changed)

        # -- the form ----------------------------------------------------------------
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(STAGE_MAX_LENGTHS["type_name"])
        self.name_edit.setAccessibleName("Nom de l'action")
        self.official_note = QLabel(OFFICIAL_NOTE)
        self.official_note.setObjectName("officialNote")
        policy = self.official_note.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the form keeps its height from row to row
        self.official_note.setSizePolicy(policy)
        self.kind_combo = QComboBox()
        for kind in ActionKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.kind_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind_combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.hours_spin = QSpinBox()
        self.hours_spin.setRange(0, 200)
        self.hours_spin.setSuffix(" h")
        self.hours_spin.setAccessibleName("Durée par défaut, heures")
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setRange(0, 59)
        self.minutes_spin.setSingleStep(5)
        self.minutes_spin.setSuffix(" min")
        self.minutes_spin.setAccessibleName("Durée par défaut, minutes")
        for spin in (self.hours_spin, self.minutes_spin):
            spin.setMinimumSize(100, 30)
        self.price_edit = QLineEdit()
        self.price_edit.setPlaceholderText("ex. 150 ou 150,50")
        self.price_edit.setMaximumWidth(140)
        self.price_edit.setAccessibleName("Coût par défaut en euros")
        self.price_hint = _hint()
        self.organiser_edit = QLineEdit()
        self.organiser_edit.setMaxLength(STAGE_MAX_LENGTHS["usual_organiser"])
        self.organiser_edit.setPlaceholderText("ex. SPIP, CSAPA, association agréée")
        self.active_check = QCheckBox("Proposé pour les nouveaux stages")

        name_box = QWidget()
        name_layout = QVBoxLayout(name_box)
        name_layout.setContentsMargins(0, 0, 0, 0)
        name_layout.setSpacing(3)
        name_layout.addWidget(self.name_edit)
        name_layout.addWidget(self.official_note)
        duration = QHBoxLayout()
        duration.setSpacing(6)
        duration.addWidget(self.hours_spin)
        duration.addWidget(self.minutes_spin)
        duration.addStretch(1)
        price = QHBoxLayout()
        price.setSpacing(6)
        price.addWidget(self.price_edit)
        price.addWidget(QLabel("€"))
        price.addSpacing(10)
        price.addWidget(self.price_hint, 1)

        self.form_box = QGroupBox("Action sélectionnée")
        form = QFormLayout(self.form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        form.addRow("Nom", name_box)
        form.addRow("Nature", self.kind_combo)
        form.addRow("Durée par défaut", duration)
        form.addRow("Coût par défaut", price)
        form.addRow("Organisateur habituel", self.organiser_edit)
        form.addRow("", self.active_check)
        self.error_label = ErrorLabel()
        policy = self.error_label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.error_label.setSizePolicy(policy)
        form.addRow("", self.error_label)
        _labels_on_first_line(form)
        self.kind_combo.currentIndexChanged.connect(self._update_price_hint)

        # -- buttons -----------------------------------------------------------------
        self.new_button = QPushButton("Nouvelle action locale")
        self.new_button.clicked.connect(self.new_type)
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Fermer")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.form_box)
        layout.addLayout(buttons)
        failure = self.reload()
        if self.types:
            self.table.setCurrentCell(0, COL_NAME)
        else:
            self.new_type()
        if failure:
            self.error_label.show_message(failure)

    # -- the table --------------------------------------------------------------------
    def reload(self, select_id: int | None = None) -> str | None:
        """Read the catalogue again (inactive entries too) and select ``select_id``.

        Returns why the catalogue could not be read (a French sentence), or ``None``.
        """
        failure = None
        try:
            self.types = tuple(self.catalogue_actions.catalogue(include_inactive=True))
        except SpipError as error:
            failure = error.message
            self.types = ()
        self._filling = True
        try:
            self.table.setRowCount(len(self.types))
            for row, stage_type in enumerate(self.types):
                self._fill_row(row, stage_type)
            if select_id is not None:
                selected = self._row_of(select_id)
                if selected is not None:
                    self.table.setCurrentCell(selected, COL_NAME)
        finally:
            self._filling = False
        return failure

    def _fill_row(self, row: int, stage_type: StageType) -> None:
        draft = stage_type.draft
        origin = "Officiel" if stage_type.official else "Local"
        cells = (
            _item(draft.name, draft.name),
            _item(KIND_SHORT.get(draft.kind, draft.kind.label), draft.kind.label),
            _item(format_minutes(draft.default_minutes)),
            _item(format_price(draft.default_price_cents)),
            _item(draft.usual_organiser, draft.usual_organiser),
            _item(origin),
            _item("Oui" if stage_type.active else "Non"),
        )
        for column in (COL_MINUTES, COL_PRICE):
            cells[column].setTextAlignment(
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
        if stage_type.official:
            cells[COL_ORIGIN].setForeground(QBrush(OFFICIAL_TEXT))
            cells[COL_ORIGIN].setToolTip("Intitulé fixé par les textes")
        if not stage_type.active:
            for cell in cells:
                cell.setForeground(QBrush(INACTIVE_TEXT))
                font = QFont(cell.font())
                font.setItalic(True)
                cell.setFont(font)
            cells[COL_ACTIVE].setToolTip("N'est plus proposé pour les nouveaux stages")
        for column, cell in enumerate(cells):
            self.table.setItem(row, column, cell)

    def _row_of(self, type_id: int) -> int | None:
        return next((r for r, t in enumerate(self.types) if t.id == type_id), None)

    def _on_current_changed(self, row: int, _column: int, previous: int, _prev_col: int) -> None:
        if self._filling or row == previous:
            return
        if row < 0 or row >= len(self.types):
            return
        wanted = self.types[row].id
        if not self._leave_form():
            self._select_quietly(previous)
            return
        # Saving the form read the catalogue again: find the chosen row anew.
        found = self._row_of(wanted)
        self._select_quietly(-1 if found is None else found)
        if found is not None:
            self.show_type(self.types[found])

    def _select_quietly(self, row: int) -> None:
        self._filling = True
        try:
            if row < 0:
                self.table.clearSelection()
                self.table.setCurrentCell(-1, -1)
            else:
                self.table.setCurrentCell(row, COL_NAME)
        finally:
            self._filling = False

    # -- the form ---------------------------------------------------------------------
    def show_type(self, stage_type: StageType | None) -> None:
        """Fill the form with ``stage_type`` (``None``: a new local action)."""
        self.editing = stage_type
        draft = NEW_DRAFT if stage_type is None else stage_type.draft
        active = True if stage_type is None else stage_type.active
        official = stage_type is not None and stage_type.official
        self.form_box.setTitle(
            "Nouvelle action locale" if stage_type is None else "Action sélectionnée"
        )
        self.name_edit.setText(draft.name)
        self.name_edit.setReadOnly(official)
        self.name_edit.style().unpolish(self.name_edit)  # the stylesheet greys read-only
        self.name_edit.style().polish(self.name_edit)
        self.name_edit.setToolTip(OFFICIAL_NOTE if official else "")
        self.official_note.setVisible(official)
        select_data(self.kind_combo, draft.kind.value)
        # The nature of an official entry is fixed by the texts, like its name.
        self.kind_combo.setEnabled(not official)
        hours, minutes = divmod(draft.default_minutes, 60)
        self.hours_spin.setValue(hours)
        self.minutes_spin.setValue(minutes)
        self.price_edit.setText(price_text(draft.default_price_cents))
        self.organiser_edit.setText(draft.usual_organiser)
        self.active_check.setChecked(active)
        self._update_price_hint()
        self._show_errors({})
        self.error_label.show_message(None)
        self._shown = (draft, active)

    def new_type(self) -> None:
        """An empty form for a local action."""
        if not self._leave_form():
            return
        self._select_quietly(-1)
        self.show_type(None)
        self.status_label.clear()
        self.name_edit.setFocus()

    def _update_price_hint(self) -> None:
        stage = self.kind_combo.currentData() == ActionKind.STAGE.value
        self.price_hint.setText(PRICE_HINT_STAGE if stage else PRICE_HINT_OTHER)

    def form_draft(self) -> StageTypeDraft:
        """The draft the form holds; raises ``ValueError`` (French) for an unreadable price."""
        kind = enum_data(self.kind_combo, ActionKind) or ActionKind.COLLECTIVE
        name = self.name_edit.text().strip()
        if self.editing is not None and self.editing.official:
            name = self.editing.name
        return StageTypeDraft(
            name=name,
            kind=kind,
            default_minutes=self.hours_spin.value() * 60 + self.minutes_spin.value(),
            default_price_cents=read_price(self.price_edit.text()),
            usual_organiser=self.organiser_edit.text().strip(),
        )

    def dirty(self) -> bool:
        """The form differs from what it showed."""
        if self._shown is None:
            return False
        try:
            draft = self.form_draft()
        except ValueError:
            return True
        shown_draft, shown_active = self._shown
        clean = replace(shown_draft, name=shown_draft.name.strip())
        return (draft, self.active_check.isChecked()) != (clean, shown_active)

    def _leave_form(self) -> bool:
        """May the form show something else? Asks when it holds unsaved changes."""
        if not self.dirty():
            return True
        label = self.name_edit.text().strip() or "la nouvelle action"
        choice = self.prompter.save_discard_cancel(
            "Modifications non enregistrées",
            f"Enregistrer les modifications de « {label} » ?",
        )
        if choice is Choice.SAVE:
            return self.save()
        return choice is Choice.DISCARD

    def _show_errors(self, errors: dict[str, str]) -> None:
        fields: dict[str, Sequence[QWidget]] = {
            "name": (self.name_edit,),
            "default_price_cents": (self.price_edit,),
            "usual_organiser": (self.organiser_edit,),
        }
        for name, widgets in fields.items():
            for widget in widgets:
                set_invalid(widget, name in errors)

    # -- saving -----------------------------------------------------------------------
    def save(self) -> bool:
        """Save the form; ``True`` when it was saved (errors show under the form)."""
        self.status_label.clear()
        try:
            draft = self.form_draft()
        except ValueError as error:
            self._show_errors({"default_price_cents": str(error)})
            self.error_label.show_message(f"Coût par défaut : {error}")
            self.price_edit.setFocus()
            return False
        result = validate_stage_type(draft)
        if not result.ok:
            self._show_errors(result.errors)
            self.error_label.show_message(result.summary())
            return False
        editing = self.editing
        try:
            saved = self.catalogue_actions.save_type(
                None if editing is None else editing.id,
                0 if editing is None else editing.version,
                draft,
                self.active_check.isChecked(),
            )
        except SpipError as error:
            errors = error.result.errors if isinstance(error, InvalidInput) else {}
            field = getattr(error, "field", None)
            self._show_errors({field: error.message} if isinstance(field, str) else errors)
            text = error.result.summary() if isinstance(error, InvalidInput) else error.message
            self.error_label.show_message(text)
            return False
        self.saved = True
        self.reload(select_id=saved.id)
        self.show_type(saved)
        self.status_label.setText(f"« {saved.name} » enregistré.")
        return True

    def reject(self) -> None:
        if self._leave_form():
            super().reject()

    @classmethod
    def open_catalogue(
        cls, actions: CatalogueActions, prompter: Prompter, parent: QWidget | None = None
    ) -> bool:
        """Show the catalogue; ``True`` when anything was saved (tests patch this seam)."""
        dialog = cls(actions, prompter, parent)
        try:
            dialog.exec()
            return dialog.saved
        finally:
            dialog.deleteLater()
