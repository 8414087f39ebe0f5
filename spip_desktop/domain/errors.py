"""Errors that reach the officer: each carries one French sentence.

Any layer may raise them; the interface shows :attr:`SpipError.message` as is.
"""

from __future__ import annotations

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
    """Someone saved the same record since it was opened (optimistic locking)."""

    def __init__(self) -> None:
        super().__init__(
            "Ce dossier a été modifié par ailleurs depuis que vous l'avez ouvert. "
            "Vos saisies sont conservées : rechargez le dossier pour voir l'autre "
            "modification, puis reportez vos changements."
        )


class DatabaseUnavailable(SpipError):
    """The database cannot be opened or written; ``reason`` is a short code for tests."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
