"""Dialog to plan or edit a stage and its sessions (pure view over a :class:`StageDraft`).

Every change rebuilds the draft and runs :func:`validate_stage`: a field shows its
sentence once touched (or after a save attempt), the sessions' rules (6 hours a day and
one month in all for a stage, overlaps, an end before the start) in the panel under the
table. *Enregistrer* stays enabled; pressing it with errors shows them all and focuses
the first; warnings are confirmed through the :class:`Prompter`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, time, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QShowEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
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
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import DateParseError, format_date, parse_date, plural
from ..domain.partners import Partner
from ..domain.stages import (
    STAGE_MAX_LENGTHS,
    ActionKind,
    OrganiserKind,
    SessionDraft,
    StageDraft,
    StageType,
    format_minutes,
    format_price,
    parse_price,
    validate_stage,
)
from ..domain.validation import ValidationResult
from .prompter import Prompter
from .widgets import ErrorLabel, field_with_error, select_data, show_validation

#: Local styles for what the application stylesheet has no rule for (hints, rule panels).
DIALOG_STYLE = """
#fieldHint { color: #666666; font-size: 9pt; }
#rulesPanel { background: #fff4f3; border-left: 4px solid #ce0500; }
#rulesPanel QLabel { color: #ce0500; background: transparent; }
#rulesReminder { color: #3a3a3a; font-size: 9pt; }
#totalsLabel { font-weight: bold; color: #161616; }
#deadlineLabel { color: #000091; font-weight: bold; }
QHeaderView::section:vertical { border: none; border-bottom: 1px solid #eeeeee;
    font-weight: normal; color: #666666; padding: 0 6px; }
"""

INVALID_CELL_BACKGROUND = QColor("#ffe9e9")
INVALID_CELL_TEXT = QColor("#ce0500")
COMPUTED_CELL_TEXT = QColor("#3a3a3a")
#: The stylesheet colours every widget's text, so unavailable items are greyed by hand.
UNAVAILABLE_TEXT = QColor("#929292")
HEADING_TEXT = QColor("#000091")

SPIN_HEIGHT = 32
CHOOSE_ORGANISER = "Choisir l'organisateur dans l'annuaire…"
SESSION_HEADERS = ("Date", "Début", "Fin", "Durée", "Thème")
COL_DAY, COL_START, COL_END, COL_MINUTES, COL_LABEL = range(5)

KIND_HEADINGS = {
    ActionKind.STAGE: "Stages (art. 131-5-1 du code pénal)",
    ActionKind.PPR: "Programmes de prévention de la récidive",
    ActionKind.COLLECTIVE: "Actions collectives",
}
KIND_ORDER = (ActionKind.STAGE, ActionKind.PPR, ActionKind.COLLECTIVE)

STAGE_RULES = (
    "Règles d'un stage (art. 131-5-1 du code pénal) : 6 heures par jour au plus, "
    "un mois au plus du premier au dernier jour, coût de 450 € au plus."
)

_TIME_RE = re.compile(r"^(\d{1,2})(?:[:hH.](\d{2})?)?$")


# -- small helpers (pure) ---------------------------------------------------------------


def parse_time(text: str) -> time | None:
    """``9:30``, ``09h30``, ``9h``, ``930``, ``14`` → a time; empty → ``None``.

    Raises ``ValueError`` with a French sentence otherwise.
    """
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return None
    if cleaned.isdigit() and len(cleaned) in (3, 4):
        hours, minutes = int(cleaned[:-2]), int(cleaned[-2:])
    else:
        match = _TIME_RE.match(cleaned)
        if not match:
            raise ValueError(f"« {text.strip()} » n'est pas une heure (ex. 9:30, 14h, 1430).")
        hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"« {text.strip()} » n'est pas une heure de la journée.")
    return time(hours, minutes)


def format_clock(value: time | None) -> str:
    """``09:30``: how the sessions table shows a time."""
    return "" if value is None else f"{value.hour:02d}:{value.minute:02d}"


def read_price(text: str) -> int | None:
    """The field's text in cents: what :func:`parse_price` reads, plus ``Gratuit``."""
    if text.strip().casefold() == "gratuit":
        return 0
    return parse_price(text)


def sessions_summary(sessions: Sequence[SessionDraft]) -> str:
    """``3 séances · 12 h au total · du 02/03/2026 au 03/03/2026``."""
    if not sessions:
        return "Aucune séance"
    parts = [plural(len(sessions), "séance")]
    total = sum(s.minutes for s in sessions)
    if total:
        parts.append(f"{format_minutes(total)} au total")
    days = sorted(s.day for s in sessions if s.day is not None)
    if days and days[0] == days[-1]:
        parts.append(f"le {format_date(days[0])}")
    elif days:
        parts.append(f"du {format_date(days[0])} au {format_date(days[-1])}")
    return " · ".join(parts)


def grow_to_fit(dialog: QWidget) -> None:
    """Make a shown dialog tall enough for its wrapped sentences (Qt sizes windows
    without the height-for-width of word-wrapped labels, which then overlap)."""
    layout = dialog.layout()
    if layout is None or not dialog.isVisible():
        return
    width = dialog.width()
    needed = (
        layout.totalHeightForWidth(width)
        if layout.hasHeightForWidth()
        else layout.totalSizeHint().height()
    )
    if needed > dialog.height():
        dialog.resize(width, needed)


def hint_label(text: str = "") -> QLabel:
    """A small grey sentence under or beside a field."""
    label = QLabel(text)
    label.setObjectName("fieldHint")
    label.setWordWrap(True)
    return label


# -- the dialog -------------------------------------------------------------------------


class StageDialog(QDialog):
    """Type, organiser, venue, capacity, price, required hours and dated sessions."""

    def __init__(
        self,
        draft: StageDraft,
        types: Sequence[StageType],
        enrolled: int,
        prompter: Prompter,
        parent: QWidget | None = None,
        service_name: str = "SPIP",
        partners: Sequence[Partner] = (),
    ) -> None:
        from .partner_dialog import PartnerPicker

        super().__init__(parent)
        self._prompter = prompter
        self._partners = {p.id: p for p in partners}
        self._initial = draft
        self._enrolled = enrolled
        self._attempted = False
        self._loading = False
        self._touched: set[str] = set()
        self._types = {t.id: t for t in types if t.active or t.id == draft.type_id}
        #: What the dialog itself put in the price and hours fields (replaceable).
        self._new = replace(draft, type_id=None) == StageDraft()
        self._auto_price: str | None = "" if self._new else None
        self._auto_required: int | None = None  # a stored stage's hours are never replaced
        self.setWindowTitle("Planifier un stage" if self._new else "Modifier le stage")
        self.setMinimumWidth(1240)
        self.setStyleSheet(DIALOG_STYLE)
        self.errors: dict[str, ErrorLabel] = {}

        # -- the action --------------------------------------------------------------
        self.type_combo = QComboBox()
        self.type_combo.setAccessibleName("Type de stage ou d'action")
        self.type_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.type_combo.setMinimumContentsLength(36)
        self._fill_types()
        self.type_hint = hint_label()
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("ex. Session de mars — Bordeaux")
        self.title_edit.setMaxLength(STAGE_MAX_LENGTHS["title"] + 20)
        spip_text = OrganiserKind.SPIP.label
        if service_name.strip() and service_name.strip() != "SPIP":
            spip_text = f"{spip_text} ({service_name.strip()})"
        self.spip_radio = QRadioButton(spip_text)
        self.partner_radio = QRadioButton(OrganiserKind.PARTNER.label)
        self.organiser_group = QButtonGroup(self)
        self.organiser_group.addButton(self.spip_radio)
        self.organiser_group.addButton(self.partner_radio)
        self.partner_combo = PartnerPicker(CHOOSE_ORGANISER)
        self.partner_combo.setAccessibleName("Partenaire organisateur")
        self.partner_combo.set_partners(partners, draft.organiser_partner_id, draft.organiser_name)
        self.venue_edit = QLineEdit()
        self.venue_edit.setPlaceholderText("Adresse ou salle")
        self.venue_edit.setMaxLength(STAGE_MAX_LENGTHS["venue"] + 20)
        self.venue_partner_combo = PartnerPicker("Aucun : lieu saisi ci-dessus")
        self.venue_partner_combo.setAccessibleName("Partenaire qui prête le lieu")
        self.venue_partner_combo.set_partners(partners, draft.venue_partner_id)
        self.venue_hint = hint_label(
            "Choisir le partenaire qui prête la salle remplit le lieu avec son adresse."
        )
        self.facilitators_edit = QLineEdit()
        self.facilitators_edit.setPlaceholderText("ex. Mme Martin (CPIP), M. Leroy (association)")
        self.facilitators_edit.setMaxLength(STAGE_MAX_LENGTHS["facilitators"] + 20)

        action = QGroupBox("Action")
        form = self._form(action)
        type_box = QWidget()
        type_layout = QVBoxLayout(type_box)
        type_layout.setContentsMargins(0, 0, 0, 0)
        type_layout.setSpacing(2)
        inner, self.errors["type_id"] = field_with_error(self.type_combo)
        type_layout.addWidget(inner)
        type_layout.addWidget(self.type_hint)
        form.addRow("Type de stage ou d'action *", type_box)
        self._add_row(form, "title", "Libellé (facultatif)", self.title_edit)
        organiser_row = QWidget()
        organiser_layout = QHBoxLayout(organiser_row)
        organiser_layout.setContentsMargins(0, 0, 0, 0)
        organiser_layout.addWidget(self.spip_radio)
        organiser_layout.addSpacing(12)
        organiser_layout.addWidget(self.partner_radio)
        organiser_layout.addStretch(1)
        form.addRow("Organisateur", organiser_row)
        self._add_row(form, "organiser_partner_id", "Partenaire", self.partner_combo)
        self._add_row(form, "venue", "Lieu", self.venue_edit)
        venue_partner_box = QWidget()
        venue_partner_layout = QVBoxLayout(venue_partner_box)
        venue_partner_layout.setContentsMargins(0, 0, 0, 0)
        venue_partner_layout.setSpacing(2)
        inner, self.errors["venue_partner_id"] = field_with_error(self.venue_partner_combo)
        venue_partner_layout.addWidget(inner)
        venue_partner_layout.addWidget(self.venue_hint)
        form.addRow("Lieu prêté par", venue_partner_box)
        self._add_row(form, "facilitators", "Intervenants", self.facilitators_edit)

        # -- participation -----------------------------------------------------------
        self.capacity_spin = QSpinBox()
        self.capacity_spin.setAccessibleName("Capacité")
        self.capacity_spin.setRange(0, 200)
        self.capacity_spin.setSpecialValueText("Non limitée")
        self.capacity_spin.setSuffix(" places")
        self.capacity_spin.setFixedWidth(130)
        self.enrolled_hint = hint_label(
            f"{plural(enrolled, 'personne inscrite', 'personnes inscrites')}" if enrolled else ""
        )
        self.override_edit = QLineEdit()
        self.override_edit.setAccessibleName("Motif du dépassement de capacité")
        self.override_edit.setPlaceholderText("Pourquoi accepter plus de personnes que de places")
        self.override_edit.setMaxLength(STAGE_MAX_LENGTHS["reason"] + 20)
        self.price_edit = QLineEdit()
        self.price_edit.setAccessibleName("Coût pour la personne")
        self.price_edit.setPlaceholderText("ex. 150,00")
        self.price_edit.setFixedWidth(130)
        self.price_hint = hint_label("en euros ; vide si non fixé")
        self.all_sessions_check = QCheckBox("Toutes les séances")
        self.hours_spin = QSpinBox()
        self.hours_spin.setAccessibleName("Heures requises")
        self.hours_spin.setRange(0, 200)
        self.hours_spin.setSuffix(" h")
        self.hours_spin.setFixedWidth(80)
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setAccessibleName("Minutes requises")
        self.minutes_spin.setRange(0, 59)
        self.minutes_spin.setSingleStep(15)
        self.minutes_spin.setSuffix(" min")
        self.minutes_spin.setFixedWidth(90)
        for spin in (self.capacity_spin, self.hours_spin, self.minutes_spin):
            spin.setMinimumHeight(SPIN_HEIGHT)  # level with the line edits beside them

        participation = QGroupBox("Participation")
        pform = self._form(participation)
        capacity_row = QWidget()
        capacity_layout = QHBoxLayout(capacity_row)
        capacity_layout.setContentsMargins(0, 0, 0, 0)
        capacity_layout.addWidget(self.capacity_spin)
        capacity_layout.addWidget(self.enrolled_hint, 1)
        box, self.errors["capacity"] = field_with_error(capacity_row)
        pform.addRow("Capacité", box)
        self.override_box, self.errors["capacity_override_reason"] = field_with_error(
            self.override_edit
        )
        pform.addRow("Motif du dépassement de capacité *", self.override_box)
        self._participation_form = pform
        price_row = QWidget()
        price_layout = QHBoxLayout(price_row)
        price_layout.setContentsMargins(0, 0, 0, 0)
        price_layout.addWidget(self.price_edit)
        price_layout.addWidget(self.price_hint, 1)
        box, self.errors["price_cents"] = field_with_error(price_row)
        pform.addRow("Coût pour la personne", box)
        hours_row = QWidget()
        hours_layout = QHBoxLayout(hours_row)
        hours_layout.setContentsMargins(0, 0, 0, 0)
        hours_layout.addWidget(self.hours_spin)
        hours_layout.addWidget(self.minutes_spin)
        hours_layout.addSpacing(8)
        hours_layout.addWidget(self.all_sessions_check)
        hours_layout.addStretch(1)
        box, self.errors["required_minutes"] = field_with_error(hours_row)
        pform.addRow("Heures requises pour valider", box)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setAccessibleName("Observations")
        self.notes_edit.setPlaceholderText("Observations (facultatif)")
        self.notes_edit.setFixedHeight(64)
        self.notes_edit.setTabChangesFocus(True)
        box, self.errors["stage_notes"] = field_with_error(self.notes_edit)
        pform.addRow("Observations", box)

        # -- sessions ----------------------------------------------------------------
        sessions = QGroupBox("Séances")
        self.table = QTableWidget(0, len(SESSION_HEADERS))
        self.table.setAccessibleName("Séances")
        self.table.setHorizontalHeaderLabels(list(SESSION_HEADERS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(True)
        self.table.setAlternatingRowColors(True)
        self.table.setMinimumHeight(230)
        header = self.table.horizontalHeader()
        for column, width in ((COL_DAY, 105), (COL_START, 66), (COL_END, 66), (COL_MINUTES, 72)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(COL_LABEL, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.add_button = QPushButton("Ajouter une séance")
        self.duplicate_button = QPushButton("Dupliquer")
        self.delete_button = QPushButton("Supprimer")
        self.delete_button.setObjectName("dangerButton")
        session_buttons = QHBoxLayout()
        session_buttons.addWidget(self.add_button)
        session_buttons.addWidget(self.duplicate_button)
        session_buttons.addStretch(1)
        session_buttons.addWidget(self.delete_button)
        self.totals_label = QLabel()
        self.totals_label.setObjectName("totalsLabel")
        self.input_hint = hint_label(
            "Dates jj/mm/aaaa, heures 9:30, 9h30 ou 930 ; Tab passe à la cellule suivante."
        )
        self.rules_panel = QWidget()
        self.rules_panel.setObjectName("rulesPanel")
        self.rules_panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        rules_layout = QVBoxLayout(self.rules_panel)
        rules_layout.setContentsMargins(8, 6, 8, 6)
        self.rules_label = QLabel()
        self.rules_label.setWordWrap(True)
        self.rules_label.setObjectName("rulesText")
        rules_layout.addWidget(self.rules_label)
        self.rules_panel.hide()
        self.rules_reminder = hint_label(STAGE_RULES)
        self.rules_reminder.setObjectName("rulesReminder")
        sessions_layout = QVBoxLayout(sessions)
        sessions_layout.addWidget(self.table, 1)
        sessions_layout.addLayout(session_buttons)
        sessions_layout.addWidget(self.totals_label)
        sessions_layout.addWidget(self.input_hint)
        sessions_layout.addWidget(self.rules_panel)
        sessions_layout.addWidget(self.rules_reminder)

        # -- buttons -----------------------------------------------------------------
        self.warning_label = QLabel()
        self.warning_label.setObjectName("warningBanner")
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.save_button.setAutoDefault(False)
        for button in (self.add_button, self.duplicate_button, self.delete_button):
            button.setAutoDefault(False)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        grid = QGridLayout()
        left = QVBoxLayout()
        left.addWidget(action)
        left.addWidget(participation)
        left.addStretch(1)
        grid.addLayout(left, 0, 0)
        grid.addWidget(sessions, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid, 1)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.buttons)

        # -- signals -----------------------------------------------------------------
        self.type_combo.currentIndexChanged.connect(self._on_type_changed)
        self.title_edit.textChanged.connect(lambda: self._touch("title"))
        self.organiser_group.buttonToggled.connect(self._on_organiser_toggled)
        self.partner_combo.editTextChanged.connect(lambda: self._touch("organiser_partner_id"))
        self.venue_edit.textChanged.connect(lambda: self._touch("venue"))
        self.venue_partner_combo.partner_changed.connect(self._on_venue_partner_changed)
        self.facilitators_edit.textChanged.connect(lambda: self._touch("facilitators"))
        self.capacity_spin.valueChanged.connect(
            lambda: self._touch("capacity", "capacity_override_reason")
        )
        self.override_edit.textChanged.connect(lambda: self._touch("capacity_override_reason"))
        self.price_edit.textChanged.connect(lambda: self._touch("price_cents"))
        self.price_edit.editingFinished.connect(self._on_price_editing_finished)
        self.all_sessions_check.toggled.connect(self._on_all_sessions_toggled)
        self.hours_spin.valueChanged.connect(lambda: self._touch("required_minutes"))
        self.minutes_spin.valueChanged.connect(lambda: self._touch("required_minutes"))
        self.notes_edit.textChanged.connect(lambda: self._touch("stage_notes"))
        self.table.itemChanged.connect(self._on_table_item_changed)
        self.table.currentCellChanged.connect(self._update_session_buttons)
        self.add_button.clicked.connect(self.add_session)
        self.duplicate_button.clicked.connect(self.duplicate_session)
        self.delete_button.clicked.connect(self.delete_session)

        self.set_draft(draft)

    # -- layout helpers ------------------------------------------------------------
    @staticmethod
    def _form(group: QGroupBox) -> QFormLayout:
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        return form

    def _add_row(self, form: QFormLayout, name: str, label: str, field: QWidget) -> None:
        box, self.errors[name] = field_with_error(field)
        form.addRow(label, box)

    def _fill_types(self) -> None:
        combo = self.type_combo
        combo.clear()
        combo.addItem("Choisir…", None)
        bold = QFont()
        bold.setBold(True)
        widest = 0
        metrics = combo.fontMetrics()
        model = combo.model()
        for kind in KIND_ORDER:
            members = [t for t in self._types.values() if t.kind is kind]
            if not members:
                continue
            combo.addItem(KIND_HEADINGS[kind].upper(), None)
            heading = combo.count() - 1
            combo.setItemData(heading, bold, Qt.ItemDataRole.FontRole)
            combo.setItemData(heading, QBrush(HEADING_TEXT), Qt.ItemDataRole.ForegroundRole)
            if isinstance(model, QStandardItemModel) and (item := model.item(heading)):
                item.setEnabled(False)  # a heading, not a choice
            for stage_type in members:
                text = stage_type.name if stage_type.active else f"{stage_type.name} (retiré)"
                combo.addItem(text, stage_type.id)
                combo.setItemData(combo.count() - 1, stage_type.name, Qt.ItemDataRole.ToolTipRole)
                widest = max(widest, metrics.horizontalAdvance(text))
        combo.view().setMinimumWidth(min(widest + 80, 980))

    # -- draft <-> widgets ---------------------------------------------------------
    def set_draft(self, draft: StageDraft) -> None:
        self._loading = True
        try:
            select_data(self.type_combo, draft.type_id)
            self.title_edit.setText(draft.title)
            partner = draft.organiser_kind is OrganiserKind.PARTNER
            (self.partner_radio if partner else self.spip_radio).setChecked(True)
            self.partner_combo.setEnabled(partner)
            self.partner_combo.select(draft.organiser_partner_id)
            self.venue_edit.setText(draft.venue)
            self.venue_partner_combo.select(draft.venue_partner_id)
            self.facilitators_edit.setText(draft.facilitators)
            self.capacity_spin.setValue(draft.capacity or 0)
            self.override_edit.setText(draft.capacity_override_reason)
            self.price_edit.setText(format_price(draft.price_cents))
            self._set_required(draft.required_minutes, draft.total_minutes)
            self.notes_edit.setPlainText(draft.notes)
            self.table.blockSignals(True)
            self.table.setRowCount(0)
            for session in draft.sessions:
                self._append_row(session)
            self.table.blockSignals(False)
        finally:
            self._loading = False
        self._touched = set() if self._new else set(self.errors) | {"sessions"}
        self._update_type_hint()
        self._update_session_buttons()
        self._validate()

    def draft(self) -> StageDraft:
        """What the form holds now (an unreadable cell or price counts as empty)."""
        partner = self.partner_radio.isChecked()
        organiser_id = self.partner_combo.partner_id() if partner else None
        capacity = self.capacity_spin.value() or None
        return StageDraft(
            type_id=self.selected_type_id(),
            title=self.title_edit.text(),
            organiser_kind=OrganiserKind.PARTNER if partner else OrganiserKind.SPIP,
            organiser_name=self._organiser_name(organiser_id),
            organiser_partner_id=organiser_id,
            venue=self.venue_edit.text(),
            venue_partner_id=self.venue_partner_combo.partner_id(),
            capacity=capacity,
            price_cents=self._price_value(),
            required_minutes=self._required_value(),
            facilitators=self.facilitators_edit.text(),
            notes=self.notes_edit.toPlainText(),
            sessions=self._read_sessions()[0],
            capacity_override_reason=(
                self.override_edit.text() if self._over_capacity(capacity) else ""
            ),
        )

    def is_modified(self) -> bool:
        return self.draft() != self._initial

    def _organiser_name(self, partner_id: int | None) -> str:
        """The name the stage keeps for its organiser (the service sets it again at save)."""
        if partner_id is None:
            return ""
        if partner_id == self._initial.organiser_partner_id:
            return self._initial.organiser_name
        partner = self._partners.get(partner_id)
        return partner.name if partner is not None else ""

    def selected_type_id(self) -> int | None:
        data = self.type_combo.currentData()
        return data if isinstance(data, int) else None

    def selected_kind(self) -> ActionKind | None:
        stage_type = self._types.get(self.selected_type_id() or -1)
        return stage_type.kind if stage_type else None

    def _price_value(self) -> int | None:
        try:
            return read_price(self.price_edit.text())
        except ValueError:
            return None

    def _price_error(self) -> str | None:
        try:
            read_price(self.price_edit.text())
        except ValueError as error:
            return f"{error} Exemple : 150,00."
        return None

    def _required_value(self) -> int | None:
        if self.all_sessions_check.isChecked():
            return None
        return self.hours_spin.value() * 60 + self.minutes_spin.value()

    def _set_required(self, minutes: int | None, total: int) -> None:
        loading, self._loading = self._loading, True
        try:
            self.all_sessions_check.setChecked(minutes is None)
            shown = total if minutes is None else minutes
            self.hours_spin.setValue(shown // 60)
            self.minutes_spin.setValue(shown % 60)
            self.hours_spin.setEnabled(minutes is not None)
            self.minutes_spin.setEnabled(minutes is not None)
        finally:
            self._loading = loading

    def _over_capacity(self, capacity: int | None) -> bool:
        return capacity is not None and capacity < self._enrolled

    # -- sessions table ------------------------------------------------------------
    def _append_row(self, session: SessionDraft, row: int | None = None) -> int:
        row = self.table.rowCount() if row is None else row
        blocked = self.table.blockSignals(True)
        self.table.insertRow(row)
        day = QTableWidgetItem(format_date(session.day))
        day.setData(Qt.ItemDataRole.UserRole, session.id)
        self.table.setItem(row, COL_DAY, day)
        self.table.setItem(row, COL_START, QTableWidgetItem(format_clock(session.start)))
        self.table.setItem(row, COL_END, QTableWidgetItem(format_clock(session.end)))
        minutes = QTableWidgetItem()
        minutes.setFlags(Qt.ItemFlag.NoItemFlags)  # computed; Tab skips it
        minutes.setForeground(QBrush(COMPUTED_CELL_TEXT))
        minutes.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, COL_MINUTES, minutes)
        self.table.setItem(row, COL_LABEL, QTableWidgetItem(session.label))
        self.table.blockSignals(blocked)
        return row

    def _cell_text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def session_id(self, row: int) -> int | None:
        item = self.table.item(row, COL_DAY)
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, int) else None

    def _read_row(self, row: int) -> tuple[SessionDraft, dict[int, str]]:
        errors: dict[int, str] = {}
        day: date | None = None
        try:
            day = parse_date(self._cell_text(row, COL_DAY))
        except DateParseError as error:
            errors[COL_DAY] = f"Séance {row + 1}, date : {error}"
        times: dict[int, time | None] = {}
        for column, what in ((COL_START, "début"), (COL_END, "fin")):
            try:
                times[column] = parse_time(self._cell_text(row, column))
            except ValueError as error:
                times[column] = None
                errors[column] = f"Séance {row + 1}, heure de {what} : {error}"
        session = SessionDraft(
            day,
            times[COL_START],
            times[COL_END],
            self._cell_text(row, COL_LABEL),
            self.session_id(row),
        )
        return session, errors

    def _read_sessions(self) -> tuple[tuple[SessionDraft, ...], dict[tuple[int, int], str]]:
        """The rows as session drafts (blank new rows left out) and the unreadable cells."""
        sessions: list[SessionDraft] = []
        errors: dict[tuple[int, int], str] = {}
        for row in range(self.table.rowCount()):
            blank = not any(
                self._cell_text(row, c).strip() for c in (COL_DAY, COL_START, COL_END, COL_LABEL)
            )
            if blank and self.session_id(row) is None:
                continue
            session, row_errors = self._read_row(row)
            sessions.append(session)
            errors.update({(row, column): message for column, message in row_errors.items()})
        return tuple(sessions), errors

    def _refresh_cells(self, errors: dict[tuple[int, int], str]) -> None:
        """Durations, canonical texts and red cells (signals blocked: no recursion)."""
        blocked = self.table.blockSignals(True)
        try:
            for row in range(self.table.rowCount()):
                session, _ = self._read_row(row)
                for column in (COL_DAY, COL_START, COL_END):
                    item = self.table.item(row, column)
                    if item is None:
                        continue
                    message = errors.get((row, column))
                    item.setToolTip(message or "")
                    if message:
                        item.setBackground(QBrush(INVALID_CELL_BACKGROUND))
                        item.setForeground(QBrush(INVALID_CELL_TEXT))
                    else:
                        item.setData(Qt.ItemDataRole.BackgroundRole, None)
                        item.setData(Qt.ItemDataRole.ForegroundRole, None)
                minutes = self.table.item(row, COL_MINUTES)
                if minutes is not None:
                    inverted = (
                        session.start is not None
                        and session.end is not None
                        and session.end <= session.start
                    )
                    minutes.setText(
                        "—"
                        if inverted
                        else format_minutes(session.minutes)
                        if session.minutes
                        else ""
                    )
        finally:
            self.table.blockSignals(blocked)

    def _normalise_cell(self, item: QTableWidgetItem) -> None:
        """``9h30`` → ``09:30``, ``2/3/26`` → ``02/03/2026`` once the cell is left."""
        text = item.text()
        try:
            if item.column() == COL_DAY:
                day = parse_date(text)
                canonical = format_date(day) if day else text.strip()
            else:
                canonical = format_clock(parse_time(text)) or text.strip()
        except ValueError:
            return
        if canonical != text:
            blocked = self.table.blockSignals(True)
            item.setText(canonical)
            self.table.blockSignals(blocked)

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() in (COL_DAY, COL_START, COL_END):
            self._normalise_cell(item)
        self._touch("sessions")

    def _current_row(self) -> int:
        row = self.table.currentRow()
        if row < 0 and self.table.rowCount():
            row = self.table.rowCount() - 1
        return row

    def add_session(self) -> None:
        """A row the day after the last dated session, with its times; else a blank row."""
        template: SessionDraft | None = None
        for row in reversed(range(self.table.rowCount())):
            session, _ = self._read_row(row)
            if session.day is not None:
                template = session
                break
        if template is not None and template.day is not None:
            new = SessionDraft(template.day + timedelta(days=1), template.start, template.end)
        else:
            new = SessionDraft()
        row = self._append_row(new)
        self._after_rows_changed(row)

    def duplicate_session(self) -> None:
        """A copy of the current row (a new session) on the following day, just below it."""
        row = self._current_row()
        if row < 0:
            self.add_session()
            return
        session, _ = self._read_row(row)
        day = session.day + timedelta(days=1) if session.day is not None else None
        new_row = self._append_row(replace(session, day=day, id=None), row + 1)
        if day is None:  # keep what was typed, readable or not
            blocked = self.table.blockSignals(True)
            item = self.table.item(new_row, COL_DAY)
            if item is not None:
                item.setText(self._cell_text(row, COL_DAY))
            self.table.blockSignals(blocked)
        self._after_rows_changed(new_row)

    def delete_session(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        if self.session_id(row) is not None:
            session, _ = self._read_row(row)
            when = format_date(session.day) or f"n° {row + 1}"
            if not self._prompter.confirm(
                "Supprimer la séance ?",
                f"La séance du {when} est déjà enregistrée : elle sera retirée du stage "
                "à l'enregistrement.",
                yes="Supprimer la séance",
                no="Garder la séance",
            ):
                return
        self.table.removeRow(row)
        self._after_rows_changed(min(row, self.table.rowCount() - 1))

    def _after_rows_changed(self, row: int) -> None:
        if row >= 0:
            self.table.setCurrentCell(row, COL_DAY)
            self.table.setFocus()
        self._update_session_buttons()
        self._touch("sessions")

    def _update_session_buttons(self, *_args: object) -> None:
        has_row = self.table.currentRow() >= 0
        self.duplicate_button.setEnabled(has_row)
        self.delete_button.setEnabled(has_row)

    # -- type, price and hours -------------------------------------------------------
    def _on_type_changed(self, *_args: object) -> None:
        self._update_type_hint()
        if self._loading:
            return
        stage_type = self._types.get(self.selected_type_id() or -1)
        if stage_type is not None:
            self._prefill(stage_type)
        self._touch("type_id")

    def _prefill(self, stage_type: StageType) -> None:
        """The type's default price and hours, only where the user typed nothing."""
        loading, self._loading = self._loading, True
        try:
            text = self.price_edit.text()
            if not text.strip() or text == self._auto_price:
                self._auto_price = format_price(stage_type.draft.default_price_cents)
                self.price_edit.setText(self._auto_price)
            default = stage_type.draft.default_minutes
            if self._new and default and self._required_value() == self._auto_required:
                self._set_required(default, self.draft().total_minutes)
                self._auto_required = default
        finally:
            self._loading = loading

    def _update_type_hint(self) -> None:
        stage_type = self._types.get(self.selected_type_id() or -1)
        if stage_type is None:
            self.type_hint.hide()
            return
        parts = [stage_type.kind.label]
        if stage_type.draft.default_minutes:
            parts.append(f"durée habituelle {format_minutes(stage_type.draft.default_minutes)}")
        if stage_type.kind is ActionKind.STAGE:
            parts.append(f"coût habituel {format_price(stage_type.draft.default_price_cents)}")
        self.type_hint.setText(" · ".join(parts))
        self.type_hint.setToolTip(stage_type.name)
        self.type_hint.show()
        usual = stage_type.draft.usual_organiser.strip()
        self.partner_combo.set_placeholder(
            f"Organisateur habituel : {usual}" if usual else CHOOSE_ORGANISER
        )

    def _on_price_editing_finished(self) -> None:
        value = self._price_value()
        if value is not None and self._price_error() is None:
            text = format_price(value)
            if text != self.price_edit.text():
                self.price_edit.setText(text)

    def _on_all_sessions_toggled(self, checked: bool) -> None:
        if self._loading:
            return
        total = self.draft().total_minutes
        self._set_required(None if checked else (self._required_from_spins() or total), total)
        self._touch("required_minutes")

    def _required_from_spins(self) -> int:
        return self.hours_spin.value() * 60 + self.minutes_spin.value()

    def _on_organiser_toggled(self, *_args: object) -> None:
        self.partner_combo.setEnabled(self.partner_radio.isChecked())
        if not self._loading and self.partner_radio.isChecked():
            self.partner_combo.setFocus()
        self._touch("organiser_partner_id")

    def _on_venue_partner_changed(self, partner_id: object) -> None:
        """A partner lending the premises: the venue becomes its name and address."""
        partner = self._partners.get(partner_id) if isinstance(partner_id, int) else None
        if not self._loading and partner is not None:
            address = partner.draft.address.strip()
            self.venue_edit.setText(f"{partner.name}, {address}" if address else partner.name)
        self._touch("venue_partner_id", "venue")

    # -- validation ------------------------------------------------------------------
    def _touch(self, *names: str) -> None:
        if self._loading:
            return
        self._touched.update(names)
        self._validate()

    def validation(self) -> ValidationResult:
        """The domain's verdict plus what the widgets could not read."""
        draft = self.draft()
        result = validate_stage(draft, self.selected_kind(), self._enrolled)
        if "organiser_name" in result.errors:  # the name comes with the partner chosen
            result.error("organiser_partner_id", result.errors.pop("organiser_name"))
        price_error = self._price_error()
        if price_error:
            result.errors["price_cents"] = price_error
        _, cell_errors = self._read_sessions()
        if cell_errors:
            result.errors["sessions"] = next(iter(cell_errors.values()))
        return result

    def _validate(self, *_args: object) -> ValidationResult:
        if self._loading:
            return ValidationResult()
        draft = self.draft()
        result = self.validation()
        sessions, cell_errors = self._read_sessions()
        self._refresh_cells(cell_errors)
        if self.all_sessions_check.isChecked():
            self._set_required(None, draft.total_minutes)
        self.totals_label.setText(sessions_summary(sessions))
        self._participation_form.setRowVisible(
            self.override_box, self._over_capacity(draft.capacity)
        )
        self.rules_reminder.setVisible(self.selected_kind() is ActionKind.STAGE)
        shown = (
            self._touched | set(self.errors) | {"sessions"} if self._attempted else self._touched
        )
        show_validation(result, self.errors, self._error_widgets(), shown, self.warning_label)
        lines = list(cell_errors.values()) or [
            result.errors[n] for n in ("sessions", "session_label") if n in result.errors
        ]
        self.rules_label.setText("\n".join(lines))
        self.rules_panel.setVisible(bool(lines) and "sessions" in shown)
        grow_to_fit(self)
        return result

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        grow_to_fit(self)

    def _error_widgets(self) -> dict[str, QWidget]:
        """The widget to flag and focus for each field, in the order of the form."""
        return {
            "type_id": self.type_combo,
            "title": self.title_edit,
            "organiser_partner_id": self.partner_combo,
            "venue": self.venue_edit,
            "venue_partner_id": self.venue_partner_combo,
            "facilitators": self.facilitators_edit,
            "capacity": self.capacity_spin,
            "capacity_override_reason": self.override_edit,
            "price_cents": self.price_edit,
            "required_minutes": self.hours_spin,
            "stage_notes": self.notes_edit,
            "sessions": self.table,
            "session_label": self.table,
        }

    def _on_buttons_accepted(self) -> None:
        self._attempted = True
        result = self._validate()
        if not result.ok:
            self._focus_first_error(result)
            return
        if result.warnings and not self._prompter.confirm(
            "Enregistrer malgré l'avertissement ?",
            "\n".join(result.warnings),
            yes="Enregistrer",
            no="Revenir à la saisie",
        ):
            return
        self.accept()

    def _focus_first_error(self, result: ValidationResult) -> None:
        for name, widget in self._error_widgets().items():
            if name not in result.errors:
                continue
            if widget is self.table:
                _, cell_errors = self._read_sessions()
                if cell_errors:
                    row, column = next(iter(cell_errors))
                    self.table.setCurrentCell(row, column)
                elif not self.table.rowCount():
                    self.add_button.setFocus()
                    return
            widget.setFocus()
            return

    def reject(self) -> None:
        """Escape or *Annuler*: ask before dropping what was typed."""
        if self.is_modified() and not self._prompter.confirm(
            "Abandonner la saisie ?",
            "Les informations saisies pour ce stage seront perdues.",
            yes="Abandonner la saisie",
            no="Continuer la saisie",
        ):
            return
        super().reject()

    # -- the seam tests patch ----------------------------------------------------------
    @classmethod
    def ask(
        cls,
        draft: StageDraft,
        types: Sequence[StageType],
        enrolled: int,
        prompter: Prompter,
        parent: QWidget | None = None,
        service_name: str = "SPIP",
        partners: Sequence[Partner] = (),
    ) -> StageDraft | None:
        """Show the dialog; the edited draft, or ``None`` when cancelled."""
        dialog = cls(draft, types, enrolled, prompter, parent, service_name, partners)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.draft()
            return None
        finally:
            dialog.deleteLater()
