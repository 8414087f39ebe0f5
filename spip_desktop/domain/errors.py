"""Errors that reach the officer: each carries one French sentence.

Any layer may raise them; the interface shows :attr:`SpipError.message` as is.
"""

from __future__ import annotations

from datetime import datetime

from .validation import ValidationResult


class SpipError(Exception):
    """An error the user can understand and act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(SpipError):
    """What was typed breaks a rule; ``result`` says which fields."""

    def __init__(self, result: ValidationResult) -> None:
        super().__init__(result.summary())
        self.result = result


class NotFound(SpipError):
    pass


class DuplicateValue(SpipError):
    """A value that must be unique is already used; ``field`` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class EditConflict(SpipError):
    """Someone saved the same record since it was opened (optimistic locking).

    The services fill in what the user needs to choose: the record as it is now
    (``current``), and who saved it last and when.
    """

    def __init__(
        self, current: object = None, changed_by: str = "", changed_at: datetime | None = None
    ) -> None:
        who = f" par {changed_by}" if changed_by else " par ailleurs"
        when = f" le {changed_at:%d/%m/%Y} à {changed_at:%H:%M}" if changed_at is not None else ""
        if current is None:  # nothing to compare with: a reference record, an account
            message = (
                "Cette fiche a été modifiée par ailleurs depuis que vous l'avez ouverte. "
                "Vos saisies sont conservées : fermez puis rouvrez la fiche pour voir "
                "l'autre modification avant de reporter la vôtre."
            )
        else:
            message = (
                f"Ce dossier a été modifié{who}{when} depuis que vous l'avez ouvert. "
                "Vos saisies sont conservées : comparez-les avec la version enregistrée "
                "avant de choisir."
            )
        super().__init__(message)
        self.current = current
        self.changed_by = changed_by
        self.changed_at = changed_at


class DatabaseUnavailable(SpipError):
    """The database cannot be opened or written; ``reason`` is a short code for tests."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class PermissionDenied(SpipError):
    """The signed-in user's role does not allow this (the interface should not have offered it)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "Votre rôle ne vous permet pas de faire cela.")


class NotSignedIn(SpipError):
    def __init__(self) -> None:
        super().__init__("Votre session est fermée : reconnectez-vous.")


class LoginRefused(SpipError):
    """Sign-in refused; ``retry_after`` seconds must pass before the next attempt."""

    def __init__(self, message: str, retry_after: int = 0, locked: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.locked = locked
