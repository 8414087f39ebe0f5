"""Message boxes behind one object, so that tests can answer them."""

from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import QMessageBox, QWidget


class Choice(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Prompter:
    """Asks the user; every question and answer is in French."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def _box(self, icon: QMessageBox.Icon, title: str, text: str, detail: str = "") -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, self.parent)
        if detail:
            box.setInformativeText(detail)
        return box

    def inform(self, title: str, text: str) -> None:
        box = self._box(QMessageBox.Icon.Information, title, text)
        box.addButton("OK", QMessageBox.ButtonRole.AcceptRole)
        box.exec()

    def error(self, title: str, text: str) -> None:
        box = self._box(QMessageBox.Icon.Warning, title, text)
        box.addButton("OK", QMessageBox.ButtonRole.AcceptRole)
        box.exec()

    def confirm(self, title: str, text: str, yes: str = "Oui", no: str = "Annuler") -> bool:
        box = self._box(QMessageBox.Icon.Question, title, text)
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no_button)
        box.setEscapeButton(no_button)
        box.exec()
        return box.clickedButton() is yes_button

    def save_discard_cancel(self, title: str, text: str) -> Choice:
        box = self._box(QMessageBox.Icon.Question, title, text)
        save = box.addButton("Enregistrer", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Ne pas enregistrer", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is save:
            return Choice.SAVE
        if clicked is discard:
            return Choice.DISCARD
        return Choice.CANCEL
