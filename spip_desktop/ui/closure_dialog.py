"""Dialog to close a file (*clôture*): date, reason, comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date
from ..domain.enums import ClosureReason
from .widgets import DateField, enum_data, field_with_error, fill_enum_combo


@dataclass(frozen=True)
class Closure:
    closed_on: date
    reason: ClosureReason
    note: str


class ClosureDialog(QDialog):
    def __init__(self, person_name: str, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self.setWindowTitle("Clôturer le dossier")
        intro = QLabel(
            f"Le dossier de <b>{person_name}</b> quittera la liste des dossiers actifs. "
            "Il reste consultable et pourra être rouvert."
        )
        intro.setWordWrap(True)
        self.date_field = DateField()
        self.date_field.set_value(today)
        box, self.date_error = field_with_error(self.date_field)
        self.reason_combo = QComboBox()
        fill_enum_combo(self.reason_combo, list(ClosureReason))
        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText("Commentaire (facultatif)")
        self.note_edit.setFixedHeight(70)
        self.note_edit.setTabChangesFocus(True)
        form = QFormLayout()
        form.addRow("Date de clôture *", box)
        form.addRow("Motif *", self.reason_combo)
        form.addRow("Commentaire", self.note_edit)
        buttons = QDialogButtonBox()
        ok = buttons.addButton("Clôturer le dossier", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setDefault(True)
        buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def closure(self) -> Closure:
        return Closure(
            self.date_field.safe_value() or self._today,
            enum_data(self.reason_combo, ClosureReason) or ClosureReason.AUTRE,
            self.note_edit.toPlainText(),
        )

    def _on_buttons_accepted(self) -> None:
        error = self.date_field.error()
        value = self.date_field.safe_value()
        if error is None and value is None:
            error = "La date de clôture est obligatoire."
        if error is None and value is not None and value > self._today:
            error = (
                f"La date de clôture ne peut pas être postérieure à aujourd'hui "
                f"({format_date(self._today)})."
            )
        self.date_error.show_message(error)
        if error is None:
            self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, person_name: str, today: date) -> Closure | None:
        dialog = cls(person_name, today, parent)
        try:
            return dialog.closure() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
