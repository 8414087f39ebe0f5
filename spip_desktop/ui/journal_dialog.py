"""The dialog of a journal entry: a note, or an appointment (*entretien*, *convocation*,
*visite à domicile*) with its outcome. A pure view over a :class:`JournalDraft`, checked
as the user types with :func:`validate_entry`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date
from ..domain.journal import (
    JOURNAL_MAX_LENGTHS,
    EntryKind,
    JournalDraft,
    Outcome,
    validate_entry,
)
from ..domain.model import Agent
from ..domain.validation import ValidationResult
from .prompter import Prompter
from .widgets import (
    DateField,
    ErrorLabel,
    enum_data,
    field_with_error,
    fill_enum_combo,
    select_data,
    show_validation,
)

_TIME = re.compile(r"^\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?\s*$")
_DIALOG_STYLE = """
#fieldHint { color: #666666; font-size: 9pt; }
#errorBanner { background: #ffe9e9; border-left: 4px solid #ce0500; color: #ce0500;
    padding: 8px 12px; }
"""
NO_OUTCOME = "Non renseignée"


def parse_clock(text: str) -> time | None:
    """``14:30``, ``14h30``, ``14h``, ``1430``, ``9`` → a time; empty → ``None``.

    Raises:
        ValueError: with a French sentence.
    """
    cleaned = text.strip()
    if not cleaned:
        return None
    if cleaned.isdigit() and len(cleaned) in (3, 4):
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    match = _TIME.match(cleaned)
    if match is None or not cleaned.isascii():
        raise ValueError(f"« {text.strip()} » n'est pas une heure au format hh:mm.")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text.strip()} n'est pas une heure de la journée.")
    return time(hours, minutes)


class JournalDialog(QDialog):
    """Nature, date and time, agent, place, subject, text and (after it) the outcome.

    Opened again after a refused save, it shows what was typed with the reason
    (``refusal``, in a banner) and the fields the service refused (``refused``, under
    each field until it is changed); *Annuler* then always asks, since nothing of what
    is shown has been saved.
    """

    def __init__(
        self,
        draft: JournalDraft,
        agents: Sequence[Agent],
        now: datetime,
        prompter: Prompter,
        person_name: str = "",
        new: bool = True,
        parent: QWidget | None = None,
        refusal: str = "",
        refused: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._initial = draft
        self._now = now
        self._prompter = prompter
        self._attempted = False
        self._touched: set[str] = set()
        self._unsaved = bool(refusal or refused)
        self.setStyleSheet(_DIALOG_STYLE)
        self.setMinimumWidth(620)
        appointment = draft.kind.is_appointment
        if new:
            self.setWindowTitle("Nouveau rendez-vous" if appointment else "Nouvelle note")
        else:
            self.setWindowTitle("Modifier le rendez-vous" if appointment else "Modifier la note")

        self.heading_label = QLabel(person_name)
        self.heading_label.setObjectName("sectionTitle")
        self.kind_combo = QComboBox()
        fill_enum_combo(self.kind_combo, list(EntryKind))
        self.kind_combo.setAccessibleName("Nature")
        self.day_field = DateField()
        self.time_edit = QLineEdit()
        self.time_edit.setPlaceholderText("hh:mm")
        self.time_edit.setMaxLength(5)
        self.time_edit.setMaximumWidth(90)
        self.time_edit.setAccessibleName("Heure")
        self.agent_combo = QComboBox()
        self.agent_combo.setAccessibleName("Agent")
        self.agent_combo.addItem("Choisir…", None)
        listed = {a.id for a in agents if a.active}
        for agent in agents:
            if agent.active or agent.id == draft.agent_id:
                self.agent_combo.addItem(agent.display_name, agent.id)
        if draft.agent_id is not None and draft.agent_id not in listed:
            index = self.agent_combo.findData(draft.agent_id)
            if index < 0:
                self.agent_combo.addItem(f"Agent n° {draft.agent_id}", draft.agent_id)
        self.place_edit = QLineEdit()
        self.place_edit.setPlaceholderText("Ex. : Antenne de Bordeaux, bureau 3 ; domicile")
        self.place_edit.setMaxLength(JOURNAL_MAX_LENGTHS["place"] + 20)
        self.subject_edit = QLineEdit()
        self.subject_edit.setPlaceholderText("Ex. : Point sur l'emploi")
        self.subject_edit.setMaxLength(JOURNAL_MAX_LENGTHS["subject"] + 20)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setMinimumHeight(140)
        self.outcome_combo = QComboBox()
        self.outcome_combo.setAccessibleName("Suite du rendez-vous")
        fill_enum_combo(self.outcome_combo, list(Outcome), NO_OUTCOME)
        self.outcome_hint = QLabel()
        self.outcome_hint.setObjectName("fieldHint")
        self.outcome_hint.setWordWrap(True)

        self.refusal_label = QLabel(refusal)
        self.refusal_label.setObjectName("errorBanner")
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setVisible(bool(refusal))

        self.errors: dict[str, ErrorLabel] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setHorizontalSpacing(12)
        self.form.addRow("Nature", self.kind_combo)
        box, self.errors["day"] = field_with_error(self.day_field)
        self.form.addRow("Date *", box)
        box, self.errors["at"] = field_with_error(self.time_edit)
        self.form.addRow("Heure *", box)
        box, self.errors["agent_id"] = field_with_error(self.agent_combo)
        self.form.addRow("Agent", box)
        box, self.errors["place"] = field_with_error(self.place_edit)
        self.form.addRow("Lieu", box)
        box, self.errors["subject"] = field_with_error(self.subject_edit)
        self.form.addRow("Objet", box)
        box, self.errors["text"] = field_with_error(self.text_edit)
        self.form.addRow("Note", box)
        outcome_box, self.errors["outcome"] = field_with_error(self.outcome_combo)
        outcome_layout = outcome_box.layout()
        assert outcome_layout is not None
        outcome_layout.addWidget(self.outcome_hint)
        self.form.addRow("Suite", outcome_box)

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setDefault(True)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if person_name:
            layout.addWidget(self.heading_label)
        layout.addWidget(self.refusal_label)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)

        self.set_draft(draft)
        # What the service refused, shown under its field until that field changes.
        self._refused = {k: v for k, v in (refused or {}).items() if k in self.errors}
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        for name, signal in (
            ("day", self.day_field.changed),
            ("at", self.time_edit.textChanged),
            ("agent_id", self.agent_combo.currentIndexChanged),
            ("place", self.place_edit.textChanged),
            ("subject", self.subject_edit.textChanged),
            ("text", self.text_edit.textChanged),
            ("outcome", self.outcome_combo.currentIndexChanged),
        ):
            signal.connect(lambda *_, name=name: self._on_field_changed(name))
        self._arrange()
        self._validate()

    # -- draft <-> widgets ---------------------------------------------------------------
    def set_draft(self, draft: JournalDraft) -> None:
        select_data(self.kind_combo, draft.kind)
        self.day_field.set_value(draft.day)
        self.time_edit.setText(f"{draft.at:%H:%M}" if draft.at is not None else "")
        select_data(self.agent_combo, draft.agent_id)
        self.place_edit.setText(draft.place)
        self.subject_edit.setText(draft.subject)
        self.text_edit.setPlainText(draft.text)
        select_data(self.outcome_combo, draft.outcome)

    def kind(self) -> EntryKind:
        return enum_data(self.kind_combo, EntryKind) or EntryKind.NOTE

    def draft(self) -> JournalDraft:
        kind = self.kind()
        appointment = kind.is_appointment
        try:
            at = parse_clock(self.time_edit.text()) if appointment else None
        except ValueError:
            at = None
        agent = self.agent_combo.currentData()
        return JournalDraft(
            kind=kind,
            day=self.day_field.safe_value(),
            at=at,
            subject=self.subject_edit.text(),
            text=self.text_edit.toPlainText(),
            place=self.place_edit.text(),
            agent_id=int(agent) if agent is not None else None,
            outcome=enum_data(self.outcome_combo, Outcome) if appointment else None,
        )

    def is_modified(self) -> bool:
        """Anything to lose on *Annuler* (after a refused save, all that is shown)?"""
        return self._unsaved or self.draft() != self._initial

    # -- layout by nature ----------------------------------------------------------------
    def _arrange(self) -> None:
        """A note has no time, place nor outcome; an appointment's text is its report."""
        appointment = self.kind().is_appointment
        for widget in (self.time_edit, self.place_edit, self.outcome_combo):
            self.form.setRowVisible(self._row_of(widget), appointment)
        text_label = self.form.labelForField(self._box_of(self.text_edit))
        if isinstance(text_label, QLabel):
            text_label.setText("Compte rendu" if appointment else "Note *")
        self.text_edit.setPlaceholderText(
            "Ce qui s'est dit, ce qui est convenu (facultatif)"
            if appointment
            else "Le texte de la note"
        )
        self._update_outcome()

    def _box_of(self, widget: QWidget) -> QWidget:
        parent = widget.parentWidget()
        assert parent is not None
        return parent

    def _row_of(self, widget: QWidget) -> int:
        position: Any = self.form.getWidgetPosition(self._box_of(widget))
        return int(position[0])

    def _update_outcome(self) -> None:
        """The outcome is entered once the appointment has taken place."""
        draft = self.draft()
        start = (
            datetime.combine(draft.day, draft.at)
            if draft.day is not None and draft.at is not None
            else None
        )
        past = start is not None and start <= self._now
        self.outcome_combo.setEnabled(past or self.outcome_combo.currentData() is not None)
        if start is None:
            self.outcome_hint.setText("La suite se renseigne une fois le rendez-vous passé.")
        elif past:
            self.outcome_hint.setText("Le rendez-vous a eu lieu : a-t-il été honoré ?")
        else:
            self.outcome_hint.setText(
                f"Rendez-vous à venir ({format_date(start.date())} à {start:%H:%M}) : "
                "sa suite se renseignera après."
            )

    # -- validation ----------------------------------------------------------------------
    def _validate(self) -> ValidationResult:
        result = validate_entry(self.draft(), self._now)
        day_error = self.day_field.error()
        if day_error:
            result.errors["day"] = day_error
        if self.kind().is_appointment:
            try:
                parse_clock(self.time_edit.text())
            except ValueError as error:
                result.errors["at"] = str(error)
        for name, message in self._refused.items():
            result.errors.setdefault(name, message)
        shown = set(self.errors) if self._attempted else self._touched | set(self._refused)
        show_validation(
            result,
            self.errors,
            {
                "day": self.day_field,
                "at": self.time_edit,
                "agent_id": self.agent_combo,
                "place": self.place_edit,
                "subject": self.subject_edit,
            },
            shown,
        )
        return result

    def _on_field_changed(self, name: str) -> None:
        self._refused.pop(name, None)
        if name not in ("text", "agent_id", "outcome"):
            self._touched.add(name)
        if name in ("day", "at"):
            self._update_outcome()
        self._validate()

    def _on_kind_changed(self, *_: object) -> None:
        kind = self.kind()
        if kind.is_appointment and not self.time_edit.text().strip():
            self.time_edit.setText("09:00")
        self._arrange()
        self._validate()

    def _on_buttons_accepted(self) -> None:
        self._attempted = True
        result = self._validate()
        if result.ok:
            self.accept()
            return
        focus: dict[str, QWidget] = {
            "day": self.day_field,
            "at": self.time_edit,
            "agent_id": self.agent_combo,
            "text": self.text_edit,
            "outcome": self.outcome_combo,
        }
        for name, widget in focus.items():
            if name in result.errors:
                widget.setFocus()
                return

    def reject(self) -> None:
        """Escape or *Annuler*: ask before dropping what was typed."""
        if self.is_modified() and not self._prompter.confirm(
            "Abandonner la saisie ?",
            "Ce que vous avez saisi dans le journal sera perdu.",
            yes="Abandonner la saisie",
            no="Continuer la saisie",
        ):
            return
        super().reject()

    # -- the seam tests patch ----------------------------------------------------------------
    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        draft: JournalDraft,
        agents: Sequence[Agent],
        now: datetime,
        prompter: Prompter,
        person_name: str = "",
        new: bool = True,
        refusal: str = "",
        refused: Mapping[str, str] | None = None,
    ) -> JournalDraft | None:
        """Show the dialog; the edited draft, or ``None`` when cancelled.

        ``refusal`` and ``refused``: why the last save of ``draft`` was refused (the
        sentence, and the sentence of each field).
        """
        dialog = cls(draft, agents, now, prompter, person_name, new, parent, refusal, refused)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.draft()
            return None
        finally:
            dialog.deleteLater()
