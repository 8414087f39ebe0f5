"""Message boxes behind one object, so that tests can answer them."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


class Choice(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Prompter:
    """Asks the user; every question and answer is in French."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent
        self.held: list[tuple[str, str, str]] | None = None

    def hold(self) -> None:
        """While the screen is locked, keep notices for later: a box would show over the lock."""
        if self.held is None:
            self.held = []

    def release(self) -> None:
        """Show the notices kept while locked, in order."""
        held, self.held = self.held or [], None
        for kind, title, text in held:
            (self.inform if kind == "inform" else self.error)(title, text)

    def _box(self, icon: QMessageBox.Icon, title: str, text: str, detail: str = "") -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, self.parent)
        if detail:
            box.setInformativeText(detail)
        return box

    def inform(self, title: str, text: str) -> None:
        if self.held is not None:
            self.held.append(("inform", title, text))
            return
        box = self._box(QMessageBox.Icon.Information, title, text)
        box.addButton("OK", QMessageBox.ButtonRole.AcceptRole)
        box.exec()

    def error(self, title: str, text: str) -> None:
        if self.held is not None:
            self.held.append(("error", title, text))
            return
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

    def choose_file(self, title: str, directory: Path, pattern: str) -> Path | None:
        """A file to open, or ``None`` when the user cancels (or the screen is locked)."""
        if self.held is not None:
            return None
        name, _ = QFileDialog.getOpenFileName(self.parent, title, str(directory), pattern)
        return Path(name) if name else None

    def choose_directory(self, title: str, directory: Path) -> Path | None:
        """A folder to write into, or ``None`` when the user cancels (or the screen is locked)."""
        if self.held is not None:
            return None
        name = QFileDialog.getExistingDirectory(self.parent, title, str(directory))
        return Path(name) if name else None

    def choose_save_file(self, title: str, suggested_name: str, filter: str) -> Path | None:
        """Where to save a file, or ``None`` when the user cancels (or the screen is locked).

        ``filter`` is a Qt name filter, e.g. ``"Documents PDF (*.pdf)"``; the dialog opens in the
        user's documents folder with ``suggested_name`` filled in, and asks before overwriting.
        """
        if self.held is not None:
            return None
        suggested = Path(suggested_name)
        if not suggested.is_absolute():
            documents = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            )
            suggested = Path(documents or Path.home()) / suggested
        dialog = QFileDialog(self.parent, title, str(suggested.parent), filter)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(suggested.name)
        # "Documents PDF (*.pdf)": a name typed without extension gets ".pdf".
        suffix = filter.partition("*.")[2].split(")")[0].split(" ")[0]
        if suffix and suffix != "*":
            dialog.setDefaultSuffix(suffix)
        try:
            if not dialog.exec() or not dialog.selectedFiles():
                return None
            return Path(dialog.selectedFiles()[0])
        finally:
            dialog.deleteLater()
