"""The identity form of a file: widgets <-> :class:`PersonDraft`, no saving here."""

from __future__ import annotations

import itertools
from dataclasses import fields
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import DateParseError
from ..domain.enums import AgentRole, Regime, Sex
from ..domain.model import PersonDraft, ReferenceData
from ..domain.validation import MAX_LENGTHS, PERSON_TEXT_FIELDS, ValidationResult
from .widgets import (
    DateField,
    ErrorLabel,
    enum_data,
    field_with_error,
    fill_enum_combo,
    select_data,
    set_invalid,
)

TEXT_FIELDS = PERSON_TEXT_FIELDS
SINCE_TOOLTIP = (
    "Date d'arrivée dans l'établissement actuel ; la synthèse mensuelle en tire "
    "les placements en SAS."
)


class PersonForm(QWidget):
    """Identity, contact details and follow-up of a person.

    Signals:
        changed(): any field changed (the page recomputes its dirty state).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reference = ReferenceData()
        self._show_errors: set[str] = set()
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, ErrorLabel] = {}

        self.warning_label = QLabel()
        self.warning_label.setObjectName("warningBanner")
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()

        civil = QGroupBox("État civil")
        civil_form = self._form(civil)
        self._add_text(civil_form, "surname", "Nom de naissance *")
        self._add_text(civil_form, "usage_name", "Nom d'usage")
        self._add_text(civil_form, "given_names", "Prénoms *", "Dans l'ordre de l'état civil")
        self.sex_combo = QComboBox()
        fill_enum_combo(self.sex_combo, list(Sex), "Non renseigné")
        self.sex_combo.currentIndexChanged.connect(self._on_field_changed)
        civil_form.addRow("Sexe", self.sex_combo)
        self.birth_date_field = DateField()
        self.birth_date_field.changed.connect(self._on_field_changed)
        box, self.errors["birth_date"] = field_with_error(self.birth_date_field)
        civil_form.addRow("Date de naissance *", box)
        self._add_text(civil_form, "birth_place", "Lieu de naissance")

        contact = QGroupBox("Coordonnées")
        contact_form = self._form(contact)
        self._add_text(contact_form, "address", "Adresse")
        self._add_text(contact_form, "postal_code", "Code postal")
        self._add_text(contact_form, "city", "Commune")
        self._add_text(contact_form, "phone", "Téléphone")
        self._add_text(contact_form, "email", "Adresse électronique")

        follow = QGroupBox("Suivi")
        follow_form = self._form(follow)
        self._add_text(follow_form, "file_number", "N° de dossier *")
        self._add_text(follow_form, "appi_number", "N° APPI", "Référence dans APPI (facultatif)")
        self._add_text(follow_form, "ecrou_number", "N° d'écrou", "Milieu fermé (facultatif)")
        self.regime_combo = QComboBox()
        fill_enum_combo(self.regime_combo, list(Regime))
        self.regime_combo.currentIndexChanged.connect(self._on_regime_changed)
        follow_form.addRow("Milieu *", self.regime_combo)
        self.establishment_combo = QComboBox()
        self.establishment_combo.currentIndexChanged.connect(self._on_establishment_changed)
        box, self.errors["establishment_id"] = field_with_error(self.establishment_combo)
        follow_form.addRow("Établissement", box)
        self.establishment_since_field = DateField()
        self.establishment_since_field.setToolTip(SINCE_TOOLTIP)
        self.establishment_since_field.line_edit.setToolTip(SINCE_TOOLTIP)
        self.establishment_since_field.line_edit.setAccessibleName("Dans l'établissement depuis le")
        self.establishment_since_field.changed.connect(self._on_field_changed)
        self.establishment_since_field.line_edit.editingFinished.connect(
            lambda: self._touch("establishment_since")
        )
        box, self.errors["establishment_since"] = field_with_error(self.establishment_since_field)
        follow_form.addRow("Dans l'établissement depuis le", box)
        # The arrival date loaded with the file, and in which establishment.
        self._loaded_stay: tuple[int | None, date | None] = (None, None)
        self.antenne_combo = QComboBox()
        self.antenne_combo.currentIndexChanged.connect(self._on_field_changed)
        follow_form.addRow("Antenne", self.antenne_combo)
        self.referent_combo = QComboBox()
        self.referent_combo.currentIndexChanged.connect(self._on_field_changed)
        follow_form.addRow("Référent CPIP", self.referent_combo)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(16)
        grid.addWidget(civil, 0, 0, 2, 1)
        grid.addWidget(contact, 0, 1)
        grid.addWidget(follow, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.warning_label)
        layout.addLayout(grid)
        layout.addStretch(1)

        order: list[QWidget] = [
            self.edits["surname"],
            self.edits["usage_name"],
            self.edits["given_names"],
            self.sex_combo,
            self.birth_date_field.line_edit,
            self.edits["birth_place"],
            self.edits["address"],
            self.edits["postal_code"],
            self.edits["city"],
            self.edits["phone"],
            self.edits["email"],
            self.edits["file_number"],
            self.edits["appi_number"],
            self.edits["ecrou_number"],
            self.regime_combo,
            self.establishment_combo,
            self.establishment_since_field.line_edit,
            self.antenne_combo,
            self.referent_combo,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self._on_regime_changed()

    # -- construction helpers ------------------------------------------------------
    @staticmethod
    def _form(group: QGroupBox) -> QFormLayout:
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        return form

    def _add_text(self, form: QFormLayout, name: str, label: str, tooltip: str = "") -> None:
        edit = QLineEdit()
        edit.setObjectName(f"{name}_edit")
        edit.setMaxLength(MAX_LENGTHS[name] + 20)  # a little slack: the sentence says the limit
        edit.setAccessibleName(label.rstrip(" *"))
        if tooltip:
            edit.setToolTip(tooltip)
            edit.setPlaceholderText(tooltip)
        edit.textChanged.connect(self._on_field_changed)
        edit.editingFinished.connect(lambda n=name: self._touch(n))
        box, self.errors[name] = field_with_error(edit)
        self.edits[name] = edit
        form.addRow(label, box)

    # -- reference data ------------------------------------------------------------
    def set_reference(self, reference: ReferenceData) -> None:
        """Fill the pickers; inactive records stay only where already chosen."""
        draft = self.draft()
        self._reference = reference
        for combo in (self.establishment_combo, self.antenne_combo, self.referent_combo):
            combo.blockSignals(True)
            combo.clear()
        self.establishment_combo.addItem("—", None)
        for establishment in reference.establishments:
            if establishment.active or establishment.id == draft.establishment_id:
                self.establishment_combo.addItem(establishment.name, establishment.id)
        self.antenne_combo.addItem("—", None)
        for antenne in reference.antennes:
            if antenne.active or antenne.id == draft.antenne_id:
                self.antenne_combo.addItem(antenne.name, antenne.id)
        self.referent_combo.addItem("—", None)
        for agent in reference.agents:
            if agent.id == draft.referent_id or (agent.active and agent.role is AgentRole.CPIP):
                self.referent_combo.addItem(agent.display_name, agent.id)
        select_data(self.establishment_combo, draft.establishment_id)
        select_data(self.antenne_combo, draft.antenne_id)
        select_data(self.referent_combo, draft.referent_id)
        for combo in (self.establishment_combo, self.antenne_combo, self.referent_combo):
            combo.blockSignals(False)

    # -- draft <-> widgets -----------------------------------------------------------
    def set_read_only(self, read_only: bool) -> None:
        """Identity shown but not editable (the role may read it only)."""
        for edit in self.edits.values():
            edit.setReadOnly(read_only)
        for field in (self.birth_date_field, self.establishment_since_field):
            field.line_edit.setReadOnly(read_only)
            field.calendar_button.setEnabled(not read_only)
        for combo in (
            self.sex_combo,
            self.regime_combo,
            self.establishment_combo,
            self.antenne_combo,
            self.referent_combo,
        ):
            combo.setEnabled(not read_only)

    def set_draft(self, draft: PersonDraft) -> None:
        self.blockSignals(True)
        try:
            for name in TEXT_FIELDS:
                self.edits[name].setText(getattr(draft, name))
            select_data(self.sex_combo, draft.sex)
            self.birth_date_field.set_value(draft.birth_date)
            select_data(self.regime_combo, draft.regime)
            select_data(self.establishment_combo, draft.establishment_id)
            self.establishment_since_field.set_value(draft.establishment_since)
            select_data(self.antenne_combo, draft.antenne_id)
            select_data(self.referent_combo, draft.referent_id)
            self._loaded_stay = (draft.establishment_id, draft.establishment_since)
        finally:
            self.blockSignals(False)
        self._show_errors.clear()
        self.show_result(ValidationResult())
        self._on_regime_changed()

    def draft(self) -> PersonDraft:
        """What the form holds now (an unreadable date counts as empty: see :meth:`date_error`)."""
        values = {name: self.edits[name].text() for name in TEXT_FIELDS} if self.edits else {}
        known = {f.name for f in fields(PersonDraft)}
        regime = enum_data(self.regime_combo, Regime) or Regime.MILIEU_OUVERT
        detained = regime is Regime.MILIEU_FERME
        return PersonDraft(
            **{k: v for k, v in values.items() if k in known},
            sex=enum_data(self.sex_combo, Sex),
            birth_date=self.birth_date_field.safe_value(),
            regime=regime,
            establishment_id=self.establishment_combo.currentData() if detained else None,
            establishment_since=(self.establishment_since_field.safe_value() if detained else None),
            antenne_id=self.antenne_combo.currentData(),
            referent_id=self.referent_combo.currentData(),
        )

    def date_errors(self) -> dict[str, str]:
        """The dates typed that cannot be read, by field (the arrival date only counts in
        milieu fermé, where it is enabled)."""
        checked = {"birth_date": self.birth_date_field}
        if enum_data(self.regime_combo, Regime) is Regime.MILIEU_FERME:
            checked["establishment_since"] = self.establishment_since_field
        errors = {}
        for name, field in checked.items():
            try:
                field.value()
            except DateParseError as error:
                errors[name] = str(error)
        return errors

    def date_error(self) -> str | None:
        """The first unreadable date, if any."""
        return next(iter(self.date_errors().values()), None)

    # -- errors ----------------------------------------------------------------------
    def show_all_errors(self) -> None:
        self._show_errors = set(self.errors)

    def _touch(self, name: str) -> None:
        self._show_errors.add(name)
        self.changed.emit()

    def show_result(self, result: ValidationResult) -> None:
        """Show each field's error (once touched or after a save attempt) and the warnings."""
        result.errors.update(self.date_errors())
        for name, label in self.errors.items():
            message = result.errors.get(name) if name in self._show_errors else None
            label.show_message(message)
            set_invalid(self._widget(name), bool(message))
        self.warning_label.setText("\n".join(result.warnings))
        self.warning_label.setVisible(bool(result.warnings))

    def _widget(self, name: str) -> QWidget:
        """The widget that edits the field ``name``."""
        named: dict[str, QWidget] = {
            "birth_date": self.birth_date_field,
            "establishment_id": self.establishment_combo,
            "establishment_since": self.establishment_since_field,
        }
        return named.get(name) or self.edits[name]

    def first_error_widget(self, result: ValidationResult) -> QWidget | None:
        for name in (*TEXT_FIELDS, "birth_date", "establishment_id", "establishment_since"):
            if name in result.errors:
                return self._widget(name)
        return None

    # -- slots -----------------------------------------------------------------------
    def _on_field_changed(self, *_args: object) -> None:
        if not self.signalsBlocked():
            self.changed.emit()

    def _on_establishment_changed(self, *_args: object) -> None:
        """Another establishment: the arrival date loaded was the previous one's, and is
        cleared (it comes back if the officer picks the file's establishment again)."""
        if not self.signalsBlocked():
            loaded_id, loaded_since = self._loaded_stay
            field = self.establishment_since_field
            typed = field.safe_value()
            if self.establishment_combo.currentData() == loaded_id:
                if not field.text().strip():
                    field.set_value(loaded_since)
            elif loaded_since is not None and typed == loaded_since:
                field.set_value(None)
        self._on_field_changed()

    def _on_regime_changed(self, *_args: object) -> None:
        # The choice stays in the widget if the officer switches back and forth,
        # but only a detainee's file records an establishment.
        detained = enum_data(self.regime_combo, Regime) is Regime.MILIEU_FERME
        self.establishment_combo.setEnabled(detained)
        self.establishment_since_field.setEnabled(detained)
        self._on_field_changed()
