"""UI fixtures: a prompter that answers from a script, typing helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from spip_desktop.ui.prompter import Choice, Prompter
from spip_desktop.ui.tasks import ImmediateTaskRunner


class FakePrompter(Prompter):
    """Records every question; answers with what the test queued (or a default)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.asked: list[tuple[str, str]] = []
        self.answers: list[object] = []

    def _next(self, default: object) -> object:
        return self.answers.pop(0) if self.answers else default

    def inform(self, title: str, text: str) -> None:
        self.asked.append((title, text))

    def error(self, title: str, text: str) -> None:
        self.asked.append((title, text))

    def confirm(self, title: str, text: str, yes: str = "Oui", no: str = "Annuler") -> bool:
        self.asked.append((title, text))
        return bool(self._next(True))

    def choose_file(self, title: str, directory: Path, pattern: str) -> Path | None:
        self.asked.append((title, str(directory)))
        answer = self._next(None)
        assert answer is None or isinstance(answer, Path)
        return answer

    def choose_directory(self, title: str, directory: Path) -> Path | None:
        self.asked.append((title, str(directory)))
        answer = self._next(None)
        assert answer is None or isinstance(answer, Path)
        return answer

    def save_discard_cancel(self, title: str, text: str) -> Choice:
        self.asked.append((title, text))
        answer = self._next(Choice.CANCEL)
        assert isinstance(answer, Choice)
        return answer

    def choose_save_file(self, title: str, suggested_name: str, filter: str) -> Path | None:
        self.asked.append((title, suggested_name))
        answer = self._next(None)
        assert answer is None or isinstance(answer, Path)
        return answer


@pytest.fixture
def prompter() -> FakePrompter:
    return FakePrompter()


@pytest.fixture
def runner() -> Iterator[ImmediateTaskRunner]:
    errors: list[BaseException] = []
    task_runner = ImmediateTaskRunner(on_error=errors.append)
    yield task_runner
    assert not errors, errors


def type_text(widget: QWidget, text: str) -> None:
    """Type like a user; accented characters one by one (keyClicks aborts on them)."""
    for char in text:
        QTest.sendKeyEvent(
            QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, char, Qt.KeyboardModifier.NoModifier
        )
