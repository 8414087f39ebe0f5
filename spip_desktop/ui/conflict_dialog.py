"""Two people saved the same record: compare field by field and choose, never overwrite unseen.

Works on any draft dataclass (a person's identity, a measure): the fields that
differ are listed with the user's value and the saved one.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, TypeVar

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.audit import jsonable
from ..domain.errors import EditConflict
from ..domain.model import ReferenceData
from .audit_view import field_name, value_text

D = TypeVar("D")


def differing_fields(mine: Any, theirs: Any) -> list[str]:
    return [f.name for f in fields(mine) if getattr(mine, f.name) != getattr(theirs, f.name)]


def shown(name: str, value: Any, reference: ReferenceData | None) -> str:
    """A field's value as the form shows it (obligations as their labels)."""
    if name == "obligations":
        labels = [
            f"{o.kind.label} : {o.details}" if o.details else o.kind.label for o in value or ()
        ]
        return " ; ".join(labels) or "—"
    return value_text(name, jsonable(value), reference)


class ConflictDialog(QDialog):
    """For each field that differs: *votre saisie* or *la version enregistrée*.

    Defaults: a field only the user changed keeps the user's value; a field only the
    other person changed keeps theirs; a field both changed keeps the saved one
    (nothing of the other person's work is overwritten without a click).
    """

    def __init__(
        self,
        conflict: EditConflict,
        opened: Any,
        mine: Any,
        theirs: Any,
        parent: QWidget | None = None,
        reference: ReferenceData | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Modification concurrente")
        self.setObjectName("conflictDialog")
        self.mine = mine
        self.theirs = theirs
        self.choices: dict[str, QButtonGroup] = {}
        self.mine_buttons: dict[str, QRadioButton] = {}
        intro = QLabel(conflict.message)
        intro.setWordWrap(True)
        grid = QGridLayout()
        for column, title in enumerate(("Champ", "Votre saisie", "Version enregistrée")):
            header = QLabel(f"<b>{title}</b>")
            grid.addWidget(header, 0, column)
        for row, name in enumerate(differing_fields(mine, self.theirs), start=1):
            group = QButtonGroup(self)
            mine_button = QRadioButton(shown(name, getattr(mine, name), reference))
            theirs_button = QRadioButton(shown(name, getattr(self.theirs, name), reference))
            group.addButton(mine_button)
            group.addButton(theirs_button)
            only_mine = getattr(opened, name) == getattr(self.theirs, name)
            (mine_button if only_mine else theirs_button).setChecked(True)
            grid.addWidget(QLabel(field_name(name)), row, 0)
            grid.addWidget(mine_button, row, 1)
            grid.addWidget(theirs_button, row, 2)
            self.choices[name] = group
            self.mine_buttons[name] = mine_button
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            "Enregistrer ce choix", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primaryButton")
        buttons.addButton("Décider plus tard", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(grid)
        layout.addSpacing(8)
        layout.addWidget(buttons)

    def result_draft(self) -> Any:
        """The saved version, with the fields where the user chose their own value."""
        changes: dict[str, Any] = {
            name: getattr(self.mine, name)
            for name, button in self.mine_buttons.items()
            if button.isChecked()
        }
        return replace(self.theirs, **changes)

    @classmethod
    def ask(
        cls,
        parent: QWidget,
        conflict: EditConflict,
        opened: D,
        mine: D,
        theirs: D,
        reference: ReferenceData | None = None,
    ) -> D | None:
        """The draft to save, or ``None`` to decide later (tests patch this seam)."""
        dialog = cls(conflict, opened, mine, theirs, parent, reference)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                chosen: D = dialog.result_draft()
                return chosen
            return None
        finally:
            dialog.deleteLater()
