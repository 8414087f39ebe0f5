"""The convention form (a pure view over a :class:`ConventionDraft`) and the state pills.

The form checks :func:`validate_convention` as the user types (a convention ending
before it starts, a signed one without its date, a negative amount) and shows the state
the convention will have today: *en projet*, *en vigueur*, *à renouveler* (90 days or
less before its expiry), *expirée* or *dénoncée*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date, plural
from ..domain.errors import SpipError
from ..domain.partners import (
    PARTNER_MAX_LENGTHS,
    ConventionDraft,
    ConventionLevel,
    ConventionState,
    ConventionStatus,
    Milieu,
    Partner,
    Theme,
    convention_state,
    format_funding,
    validate_convention,
)
from ..domain.stage_terms import parse_price
from ..domain.validation import ValidationResult
from .partner_dialog import (
    FormDialog,
    PartnerPicker,
    error_banner,
    error_baseline,
    form_layout,
    refusal_text,
)
from .prompter import Prompter
from .stage_dialog import grow_to_fit, hint_label
from .status_pill import paint_pill, pill_size, text_colour
from .widgets import DateField, select_data, show_validation

Index = QModelIndex | QPersistentModelIndex

#: The pill's background for each state (its text is a darker shade of the same hue):
#: orange to renew, red once expired.
STATE_COLOURS: dict[ConventionState, str] = {
    ConventionState.DRAFT: "#e8edff",
    ConventionState.ACTIVE: "#dff5e3",
    ConventionState.EXPIRING: "#ffe2c8",
    ConventionState.EXPIRED: "#ffdede",
    ConventionState.TERMINATED: "#eeeeee",
}

#: Where the money usually comes from (the field accepts any other source).
FUNDING_SOURCES = (
    "FIPD",
    "Préfecture (hors FIPD)",
    "Conseil départemental",
    "Commune ou intercommunalité",
    "Direction interrégionale des services pénitentiaires (DISP)",
    "Agence régionale de santé (ARS)",
    "Administration pénitentiaire (DAP)",
)

#: The convention form's fields as the conflict message names them, in the form's order.
CONVENTION_LABELS: dict[str, str] = {
    "partner_id": "Partenaire",
    "title": "Objet",
    "level": "Niveau",
    "milieu": "Milieu",
    "themes": "Thèmes",
    "status": "Statut",
    "signed_on": "Signée le",
    "expires_on": "Échéance",
    "funding_cents": "Montant",
    "funding_source": "Source du financement",
    "notes": "Observations",
}


def expiry_text(expires_on: date | None, today: date) -> str:
    """``échéance le 12/05/2026, dans 61 jours``; ``expirée depuis le …``; empty without one."""
    if expires_on is None:
        return ""
    days = (expires_on - today).days
    if days < 0:
        return f"expirée depuis le {format_date(expires_on)}"
    if days == 0:
        return "expire aujourd'hui"
    return f"échéance le {format_date(expires_on)}, dans {plural(days, 'jour')}"


def state_text(draft: ConventionDraft, today: date) -> str:
    """What the state means for this convention, in a few words."""
    state = convention_state(draft, today)
    if state is ConventionState.DRAFT:
        return "pas encore signée"
    if state is ConventionState.TERMINATED:
        return "ne s'applique plus"
    return expiry_text(draft.expires_on, today) or "sans date d'échéance"


def pill_style(state: ConventionState) -> str:
    background = STATE_COLOURS[state]
    text = text_colour(background).name()
    return (
        f"background: {background}; color: {text}; border-radius: 9px; padding: 2px 10px; "
        "font-size: 8.5pt; font-weight: bold;"
    )


class StatePill(QLabel):
    """A convention's state as a coloured pill."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statePill")
        self.state: ConventionState | None = None

    def set_state(self, state: ConventionState | None) -> None:
        self.state = state
        self.setText(state.label if state is not None else "")
        self.setStyleSheet(pill_style(state) if state is not None else "")
        self.setVisible(state is not None)


class PillDelegate(QStyledItemDelegate):
    """Paints a cell as the pill of the state its record is in (the look of the rights
    steps' status pills, :mod:`.status_pill`); a cell without a state as usual."""

    def __init__(
        self, state_of: Callable[[Any], ConventionState | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._state_of = state_of

    def _state(self, index: Index) -> ConventionState | None:
        record = index.data(Qt.ItemDataRole.UserRole)
        return self._state_of(record) if record is not None else None

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        state = self._state(index)
        if state is None:
            super().paint(painter, option, index)
            return
        # the row's background (zebra, selection) as Qt draws it, without the text
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        widget = background.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)
        size = pill_size(state.label, option.font)
        rect = QRectF(
            option.rect.x() + 6,
            option.rect.y() + (option.rect.height() - size.height()) / 2,
            min(size.width(), option.rect.width() - 8),
            size.height(),
        )
        paint_pill(painter, rect, state.label, STATE_COLOURS[state], option.font)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        state = self._state(index)
        if state is None:
            return hint
        pill = pill_size(state.label, option.font)
        return QSize(max(hint.width(), pill.width() + 14), max(hint.height(), pill.height() + 8))


class ConventionDialog(FormDialog):
    """Partner, level, object, themes, milieu, dates, funding and status of a convention."""

    DISCARD_TEXT = "Les informations saisies pour cette convention seront perdues."

    def __init__(
        self,
        draft: ConventionDraft,
        partners: Sequence[Partner],
        today: date,
        prompter: Prompter,
        parent: QWidget | None = None,
        error: SpipError | None = None,
        partner_name: str = "",
        new: bool | None = None,
    ) -> None:
        new = draft.title == "" if new is None else new
        super().__init__(prompter, draft, new, error, parent)
        self._initial: ConventionDraft = error_baseline(draft, error)
        self._today = today
        self.setWindowTitle("Nouvelle convention" if self._new else "Modifier la convention")
        self.setMinimumWidth(960)

        # -- what the convention is -------------------------------------------------------
        self.partner_picker = PartnerPicker()
        self.partner_picker.setAccessibleName("Partenaire")
        self.partner_picker.set_partners(partners, draft.partner_id, partner_name)
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Objet de la convention")
        self.title_edit.setPlaceholderText("ex. Accès aux droits des personnes suivies")
        self.title_edit.setMaxLength(PARTNER_MAX_LENGTHS["title"] + 20)
        self.national_radio = QRadioButton(ConventionLevel.NATIONAL.label)
        self.local_radio = QRadioButton(ConventionLevel.LOCAL.label)
        self.level_group = QButtonGroup(self)
        self.level_group.addButton(self.national_radio)
        self.level_group.addButton(self.local_radio)
        self.milieu_combo = QComboBox()
        self.milieu_combo.setAccessibleName("Milieu")
        for milieu in Milieu:
            self.milieu_combo.addItem(milieu.label, milieu.value)
        self.theme_checks: dict[Theme, QCheckBox] = {}
        themes_row = QWidget()
        themes_grid = QGridLayout(themes_row)
        themes_grid.setContentsMargins(0, 0, 0, 0)
        for i, theme in enumerate(Theme):
            check = QCheckBox(theme.label)
            self.theme_checks[theme] = check
            themes_grid.addWidget(check, i // 3, i % 3)

        what = QGroupBox("La convention")
        form = form_layout(what)
        self._add_row(form, "partner_id", "Partenaire *", self.partner_picker)
        self._add_row(form, "title", "Objet *", self.title_edit)
        level_row = QWidget()
        level_layout = QHBoxLayout(level_row)
        level_layout.setContentsMargins(0, 0, 0, 0)
        level_layout.addWidget(self.local_radio)
        level_layout.addSpacing(12)
        level_layout.addWidget(self.national_radio)
        level_layout.addStretch(1)
        form.addRow("Niveau", level_row)
        self._add_row(form, "milieu", "Milieu", self.milieu_combo)
        form.addRow("Thèmes", themes_row)

        # -- its life -------------------------------------------------------------------
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("Statut")
        for status in ConventionStatus:
            self.status_combo.addItem(status.label, status.value)
        self.signed_field = DateField()
        self.signed_field.setAccessibleName("Date de signature")
        self.expires_field = DateField()
        self.expires_field.setAccessibleName("Date d'échéance")
        for date_field in (self.signed_field, self.expires_field):
            date_field.setMaximumWidth(170)
        self.state_pill = StatePill()
        self.state_hint = hint_label()
        state_row = QWidget()
        state_layout = QHBoxLayout(state_row)
        state_layout.setContentsMargins(0, 0, 0, 0)
        state_layout.addWidget(self.state_pill)
        state_layout.addWidget(self.state_hint, 1)
        life = QGroupBox("Signature et échéance")
        life_form = form_layout(life)
        self._add_row(life_form, "status", "Statut", self.status_combo)
        self._add_row(life_form, "signed_on", "Signée le", self.signed_field)
        self._add_row(life_form, "expires_on", "Échéance", self.expires_field)
        life_form.addRow("État aujourd'hui", state_row)

        # -- money ----------------------------------------------------------------------
        self.funding_edit = QLineEdit()
        self.funding_edit.setAccessibleName("Montant du financement")
        self.funding_edit.setPlaceholderText("ex. 12 500,00")
        self.funding_edit.setFixedWidth(150)
        self.source_combo = QComboBox()
        self.source_combo.setAccessibleName("Source du financement")
        self.source_combo.setEditable(True)
        self.source_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.source_combo.addItem("")
        self.source_combo.addItems(list(FUNDING_SOURCES))
        source_edit = self.source_combo.lineEdit()
        if source_edit is not None:
            source_edit.setMaxLength(PARTNER_MAX_LENGTHS["funding_source"])
            source_edit.setPlaceholderText("ex. FIPD")
        funding = QGroupBox("Financement")
        funding_form = form_layout(funding)
        amount_row = QWidget()
        amount_layout = QHBoxLayout(amount_row)
        amount_layout.setContentsMargins(0, 0, 0, 0)
        amount_layout.addWidget(self.funding_edit)
        amount_layout.addWidget(hint_label("en euros ; vide sans financement"), 1)
        self._add_row(funding_form, "funding_cents", "Montant", amount_row)
        self._add_row(funding_form, "funding_source", "Source", self.source_combo)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setAccessibleName("Observations")
        self.notes_edit.setPlaceholderText("ex. bilan annuel à transmettre en janvier")
        self.notes_edit.setFixedHeight(64)
        self.notes_edit.setTabChangesFocus(True)
        self._add_row(funding_form, "notes", "Observations", self.notes_edit)

        # -- buttons ----------------------------------------------------------------------
        self.warning_label = QLabel()
        self.warning_label.setObjectName("warningBanner")
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()
        self.error_label = error_banner()
        if error is not None:
            self.error_label.setText(refusal_text(error))
            self.error_label.show()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        for group in (life, funding):
            group.setMinimumWidth(440)
        grid = QGridLayout()
        grid.addWidget(what, 0, 0, 1, 2)
        grid.addWidget(life, 1, 0)
        grid.addWidget(funding, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid, 1)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        # -- signals ----------------------------------------------------------------------
        self.partner_picker.editTextChanged.connect(lambda _text: self._touch("partner_id"))
        self.title_edit.textChanged.connect(lambda: self._touch("title"))
        self.level_group.buttonToggled.connect(lambda *_: self._touch("level"))
        self.milieu_combo.currentIndexChanged.connect(lambda: self._touch("milieu"))
        for check in self.theme_checks.values():
            check.toggled.connect(lambda: self._touch("themes"))
        self.status_combo.currentIndexChanged.connect(lambda: self._touch("status", "signed_on"))
        self.signed_field.changed.connect(lambda: self._touch("signed_on", "expires_on"))
        self.expires_field.changed.connect(lambda: self._touch("expires_on"))
        self.funding_edit.textChanged.connect(lambda: self._touch("funding_cents"))
        self.funding_edit.editingFinished.connect(self._on_funding_editing_finished)
        self.source_combo.editTextChanged.connect(lambda: self._touch("funding_source"))
        self.notes_edit.textChanged.connect(lambda: self._touch("notes"))

        self.set_draft(draft)

    # -- draft <-> widgets ------------------------------------------------------------
    def set_draft(self, draft: ConventionDraft) -> None:
        self._loading = True
        try:
            self.partner_picker.select(draft.partner_id)
            self.title_edit.setText(draft.title)
            national = draft.level is ConventionLevel.NATIONAL
            (self.national_radio if national else self.local_radio).setChecked(True)
            select_data(self.milieu_combo, draft.milieu.value)
            for theme, check in self.theme_checks.items():
                check.setChecked(theme in draft.themes)
            select_data(self.status_combo, draft.status.value)
            self.signed_field.set_value(draft.signed_on)
            self.expires_field.set_value(draft.expires_on)
            self.funding_edit.setText(format_funding(draft.funding_cents))
            self.source_combo.setEditText(draft.funding_source)
            self.notes_edit.setPlainText(draft.notes)
        finally:
            self._loading = False
        self._touched = set() if self._new else set(self.errors)
        self._validate()

    def draft(self) -> ConventionDraft:
        """What the form holds (an unreadable date or amount counts as empty)."""
        status = self.status_combo.currentData()
        milieu = self.milieu_combo.currentData()
        return ConventionDraft(
            partner_id=self.partner_picker.partner_id(),
            level=(
                ConventionLevel.NATIONAL
                if self.national_radio.isChecked()
                else ConventionLevel.LOCAL
            ),
            title=self.title_edit.text(),
            themes=frozenset(t for t, c in self.theme_checks.items() if c.isChecked()),
            milieu=next((m for m in Milieu if m.value == milieu), Milieu.BOTH),
            signed_on=self.signed_field.safe_value(),
            expires_on=self.expires_field.safe_value(),
            funding_cents=self._funding_value(),
            funding_source=self.source_combo.currentText(),
            status=next((s for s in ConventionStatus if s.value == status), ConventionStatus.DRAFT),
            notes=self.notes_edit.toPlainText(),
        )

    def _funding_value(self) -> int | None:
        try:
            return parse_price(self.funding_edit.text())
        except ValueError:
            return None

    def _funding_error(self) -> str | None:
        try:
            parse_price(self.funding_edit.text())
        except ValueError as error:
            return f"{error} Exemple : 12 500,00."
        return None

    def _on_funding_editing_finished(self) -> None:
        value = self._funding_value()
        if value is not None:
            text = format_funding(value)
            if text != self.funding_edit.text():
                self.funding_edit.setText(text)

    # -- validation -------------------------------------------------------------------
    def validation(self) -> ValidationResult:
        """The domain's verdict plus what the fields could not read."""
        draft = self.draft()
        result = validate_convention(draft)
        if draft.partner_id is None and self.partner_picker.currentText().strip():
            result.errors["partner_id"] = (
                "Ce nom n'est pas dans l'annuaire : choisissez le partenaire dans la liste."
            )
        for name, field in (("signed_on", self.signed_field), ("expires_on", self.expires_field)):
            problem = field.error()
            if problem:
                result.errors[name] = problem
        funding_error = self._funding_error()
        if funding_error:
            result.errors["funding_cents"] = funding_error
        return result

    def _widgets(self) -> dict[str, QWidget]:
        return {
            "partner_id": self.partner_picker,
            "title": self.title_edit,
            "milieu": self.milieu_combo,
            "status": self.status_combo,
            "signed_on": self.signed_field,
            "expires_on": self.expires_field,
            "funding_cents": self.funding_edit,
            "funding_source": self.source_combo,
            "notes": self.notes_edit,
        }

    def _validate(self) -> ValidationResult:
        if self._loading:
            return ValidationResult()
        result = self.validation()
        show_validation(result, self.errors, self._widgets(), self._shown(), self.warning_label)
        draft = self.draft()
        self.state_pill.set_state(convention_state(draft, self._today))
        self.state_hint.setText(state_text(draft, self._today))
        grow_to_fit(self)
        return result

    # -- the seam tests patch -----------------------------------------------------------
    @classmethod
    def ask(
        cls,
        draft: ConventionDraft,
        partners: Sequence[Partner],
        today: date,
        prompter: Prompter,
        parent: QWidget | None = None,
        error: SpipError | None = None,
        partner_name: str = "",
        new: bool | None = None,
    ) -> ConventionDraft | None:
        """Show the form; the edited draft, or ``None`` when cancelled."""
        dialog = cls(draft, partners, today, prompter, parent, error, partner_name, new)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.draft()
            return None
        finally:
            dialog.deleteLater()
