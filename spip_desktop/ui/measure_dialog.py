"""Dialog to record or edit a measure and its obligations (pure view over a draft)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..domain.enums import MeasureType, ObligationType
from ..domain.model import MeasureDraft, ObligationDraft
from ..domain.validation import MAX_LENGTHS, ValidationResult
from .prompter import Prompter
from .widgets import (
    DateField,
    ErrorLabel,
    enum_data,
    field_with_error,
    fill_enum_combo,
    select_data,
    set_invalid,
)

Checker = Callable[[MeasureDraft], ValidationResult]
DATE_FIELDS = (
    ("decision_date", "Date de la décision *"),
    ("final_date", "Date à laquelle elle est devenue définitive"),
    ("referral_date", "Saisine du SPIP"),
    ("probation_start", "Début du délai d'épreuve"),
    ("probation_end", "Fin du délai d'épreuve"),
    ("sentence_end", "Fin de peine"),
    ("cancelled_on", "Annulée le"),
)
#: What the date of cancellation means, shown on its field.
CANCELLED_TOOLTIP = "Une mesure annulée n'est comptée dans aucun indicateur."


class MeasureDialog(QDialog):
    """Type, court, dates, JAP and obligations of one measure."""

    def __init__(
        self,
        draft: MeasureDraft,
        check: Checker,
        prompter: Prompter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._check = check
        self._prompter = prompter
        self._initial = draft
        self._details: dict[ObligationType, str] = {}
        self.setWindowTitle("Mesure" if draft.measure_type else "Nouvelle mesure")
        self.setMinimumWidth(1080)

        self.type_combo = QComboBox()
        members = list(MeasureType.choices())
        if draft.measure_type is not None and draft.measure_type not in members:
            members.append(draft.measure_type)  # an old label stays readable
        fill_enum_combo(self.type_combo, members, "Choisir…")
        self.type_combo.setAccessibleName("Type de mesure")
        self.court_edit = QLineEdit()
        self.court_edit.setPlaceholderText("Ex. : Tribunal judiciaire de Bordeaux")
        self.jap_edit = QLineEdit()
        self.jap_edit.setPlaceholderText("Juge de l'application des peines en charge")
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setPlaceholderText("Observations (facultatif)")
        self.notes_edit.setFixedHeight(64)
        self.notes_edit.setTabChangesFocus(True)
        self.dates: dict[str, DateField] = {}
        self.errors: dict[str, ErrorLabel] = {}

        general = QGroupBox("Décision")
        form = QFormLayout(general)
        box, self.errors["measure_type"] = field_with_error(self.type_combo)
        form.addRow("Type de mesure *", box)
        box, self.errors["court"] = field_with_error(self.court_edit)
        form.addRow("Juridiction", box)
        box, self.errors["jap_name"] = field_with_error(self.jap_edit)
        form.addRow("JAP", box)
        dates = QGroupBox("Dates")
        date_form = QFormLayout(dates)
        for name, label in DATE_FIELDS:
            field = DateField()
            field.line_edit.setAccessibleName(label.rstrip(" *"))
            self.dates[name] = field
            box, self.errors[name] = field_with_error(field)
            caption = QLabel(label)
            if name == "cancelled_on":
                for widget in (caption, field, field.line_edit):
                    widget.setToolTip(CANCELLED_TOOLTIP)
            date_form.addRow(caption, box)
            field.changed.connect(self._validate)
        form.addRow("Observations", self.notes_edit)

        obligations = QGroupBox("Obligations (article 132-45 du code pénal)")
        self.obligation_list = QListWidget()
        self.obligation_list.setAccessibleName("Obligations")
        self.obligation_list.setWordWrap(True)
        self.obligation_list.setMinimumHeight(330)
        for kind in ObligationType:
            if kind is ObligationType.AUTRE:
                continue
            item = QListWidgetItem(kind.label)
            item.setToolTip(kind.label)
            item.setData(Qt.ItemDataRole.UserRole, kind)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.obligation_list.addItem(item)
        self.obligation_list.currentItemChanged.connect(self._on_obligation_current_changed)
        self.obligation_list.itemChanged.connect(self._on_obligation_item_changed)
        self.detail_edit = QLineEdit()
        self.detail_edit.setPlaceholderText("Précision de l'obligation cochée (lieux, personnes…)")
        self.detail_edit.setMaxLength(MAX_LENGTHS["obligation_details"] + 20)
        self.detail_edit.textEdited.connect(self._on_detail_edit_text_edited)
        self.other_edit = QPlainTextEdit()
        self.other_edit.setPlaceholderText("Autres obligations, une par ligne (texte libre)")
        self.other_edit.setFixedHeight(60)
        self.other_edit.setTabChangesFocus(True)
        self.obligation_error = ErrorLabel()
        self.errors["obligations"] = self.obligation_error
        obligations_layout = QVBoxLayout(obligations)
        obligations_layout.addWidget(self.obligation_list, 1)
        detail_row = QHBoxLayout()
        detail_row.addWidget(QLabel("Précision :"))
        detail_row.addWidget(self.detail_edit, 1)
        obligations_layout.addLayout(detail_row)
        obligations_layout.addWidget(self.other_edit)
        obligations_layout.addWidget(self.obligation_error)

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setDefault(True)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        grid = QGridLayout()
        grid.addWidget(general, 0, 0)
        grid.addWidget(dates, 1, 0)
        grid.addWidget(obligations, 0, 1, 2, 1)
        grid.setColumnStretch(0, 4)
        grid.setColumnStretch(1, 5)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.buttons)

        self.type_combo.currentIndexChanged.connect(self._validate)
        self._attempted = False
        self.set_draft(draft)

    # -- draft <-> widgets ---------------------------------------------------------
    def set_draft(self, draft: MeasureDraft) -> None:
        select_data(self.type_combo, draft.measure_type)
        self.court_edit.setText(draft.court)
        self.jap_edit.setText(draft.jap_name)
        self.notes_edit.setPlainText(draft.notes)
        for name, field in self.dates.items():
            field.set_value(getattr(draft, name))
        chosen: dict[ObligationType, str] = {
            o.kind: o.details for o in draft.obligations if o.kind is not ObligationType.AUTRE
        }
        self._details = dict(chosen)
        self.obligation_list.blockSignals(True)
        for row in range(self.obligation_list.count()):
            item = self.obligation_list.item(row)
            kind = item.data(Qt.ItemDataRole.UserRole)
            item.setCheckState(Qt.CheckState.Checked if kind in chosen else Qt.CheckState.Unchecked)
        self.obligation_list.blockSignals(False)
        self.other_edit.setPlainText(
            "\n".join(o.details for o in draft.obligations if o.kind is ObligationType.AUTRE)
        )
        self.obligation_list.setCurrentRow(0)

    def draft(self) -> MeasureDraft:
        obligations: list[ObligationDraft] = []
        for row in range(self.obligation_list.count()):
            item = self.obligation_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                kind = item.data(Qt.ItemDataRole.UserRole)
                obligations.append(ObligationDraft(kind, self._details.get(kind, "")))
        for line in self.other_edit.toPlainText().splitlines():
            if line.strip():
                obligations.append(ObligationDraft(ObligationType.AUTRE, line.strip()))
        values: dict[str, date | None] = {n: f.safe_value() for n, f in self.dates.items()}
        return MeasureDraft(
            measure_type=enum_data(self.type_combo, MeasureType),
            court=self.court_edit.text(),
            jap_name=self.jap_edit.text(),
            notes=self.notes_edit.toPlainText(),
            obligations=tuple(obligations),
            **values,
        )

    def is_modified(self) -> bool:
        return self.draft() != self._initial

    # -- validation ------------------------------------------------------------------
    def _validate(self, *_args: object) -> ValidationResult:
        result = self._check(self.draft())
        for name, field in self.dates.items():
            error = field.error()
            if error:
                result.errors[name] = error
        if self._attempted:
            for name, label in self.errors.items():
                label.show_message(result.errors.get(name))
            for name, field in self.dates.items():
                set_invalid(field, name in result.errors)
            set_invalid(self.type_combo, "measure_type" in result.errors)
        return result

    def _on_buttons_accepted(self) -> None:
        self._attempted = True
        result = self._validate()
        if result.ok:
            self.accept()
            return
        for name, field in self.dates.items():
            if name in result.errors:
                field.setFocus()
                return
        if "measure_type" in result.errors:
            self.type_combo.setFocus()

    def reject(self) -> None:
        """Escape or *Annuler*: ask before dropping what was typed."""
        if self.is_modified() and not self._prompter.confirm(
            "Abandonner la saisie ?",
            "Les informations saisies pour cette mesure seront perdues.",
            yes="Abandonner la saisie",
            no="Continuer la saisie",
        ):
            return
        super().reject()

    # -- obligations -------------------------------------------------------------------
    def _on_obligation_current_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        kind = current.data(Qt.ItemDataRole.UserRole) if current else None
        checked = current is not None and current.checkState() == Qt.CheckState.Checked
        self.detail_edit.setEnabled(checked)
        self.detail_edit.setText(self._details.get(kind, "") if kind else "")

    def _on_obligation_item_changed(self, item: QListWidgetItem) -> None:
        if item is self.obligation_list.currentItem():
            self._on_obligation_current_changed(item, None)
        self._validate()

    def _on_detail_edit_text_edited(self, text: str) -> None:
        item = self.obligation_list.currentItem()
        if item is not None:
            self._details[item.data(Qt.ItemDataRole.UserRole)] = text

    # -- the seam tests patch ----------------------------------------------------------
    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        draft: MeasureDraft,
        check: Checker,
        prompter: Prompter,
    ) -> MeasureDraft | None:
        """Show the dialog; the edited draft, or ``None`` when cancelled."""
        dialog = cls(draft, check, prompter, parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.draft()
            return None
        finally:
            dialog.deleteLater()
