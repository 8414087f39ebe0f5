"""The application shell: opening failures and unexpected errors reach the officer in French."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from spip_desktop import app as app_module
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.errors import SpipError
from spip_desktop.settings import Settings
from spip_desktop.ui import prompter as prompter_module
from tests.ui.conftest import FakePrompter


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[FakePrompter]:
    made: list[FakePrompter] = []

    def factory(parent=None) -> FakePrompter:
        fake = FakePrompter()
        made.append(fake)
        return fake

    monkeypatch.setattr(prompter_module, "Prompter", factory)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    return made


def test_a_corrupt_database_is_explained_and_the_app_exits(
    qapp,
    tmp_path: Path,
    recorded: list[FakePrompter],
) -> None:
    path = tmp_path / "abimee.sqlite3"
    path.write_bytes(b"pas une base" * 500)
    settings = Settings(sqlite_file_url(path), False, path, tmp_path / "data")
    assert app_module.run(settings) == 1
    title, text = recorded[0].asked[-1]
    assert title == "Ouverture de la base impossible"
    assert "endommagé" in text
    assert path.read_bytes() == b"pas une base" * 500  # untouched


def test_refusing_to_create_a_missing_database_quits_without_creating_it(
    qapp,
    tmp_path: Path,
    recorded: list[FakePrompter],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "nouvelle.sqlite3"
    settings = Settings(sqlite_file_url(path), False, path, tmp_path / "data")
    monkeypatch.setattr(FakePrompter, "confirm", lambda self, *a, **k: False)
    assert app_module.run(settings) == 1
    assert not path.exists()


def test_unexpected_errors_are_logged_and_summed_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    shown: list[tuple[str, str]] = []
    settings = Settings("sqlite://", data_directory=tmp_path)
    app_module.install_exception_hook(settings, lambda title, text: shown.append((title, text)))
    try:
        raise KeyError("colonne inconnue")
    except KeyError as error:
        with caplog.at_level(logging.ERROR):
            sys.excepthook(type(error), error, error.__traceback__)
    assert shown == [
        (
            "Erreur inattendue",
            "Une erreur inattendue s'est produite ; vos saisies en cours sont conservées. "
            f"Le détail est enregistré dans le journal « {settings.log_file} ».",
        )
    ]
    assert "KeyError: 'colonne inconnue'" in caplog.text
    sys.excepthook(SpipError, SpipError("Phrase claire."), None)
    assert shown[-1] == ("Opération impossible", "Phrase claire.")


def test_a_damaged_database_offers_the_latest_backup_and_opens_it(
    qapp,
    tmp_path: Path,
    recorded: list[FakePrompter],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtCore import QTimer

    from spip_desktop.domain.model import PersonQuery
    from spip_desktop.ui.main_window import MainWindow
    from tests.conftest import MANAGER, open_test_services, person_draft

    path = tmp_path / "base.sqlite3"
    settings = Settings(sqlite_file_url(path), False, path, tmp_path / "data")
    services = open_test_services(settings)
    services.persons.create(person_draft())
    backup = services.backups.create()
    services.close()
    path.write_bytes(b"plus une base" * 500)  # the disk damaged it
    opened = []

    def attach(self, backend, user=None) -> None:
        opened.append(backend)
        QTimer.singleShot(0, self.close)  # as an officer closing the window

    monkeypatch.setattr(MainWindow, "attach", attach)
    assert app_module.run(settings) == 0
    title, text = recorded[0].asked[0]
    assert title == "Base de données endommagée" and "endommagée" in text
    restored = opened[0]
    restored.session.user = MANAGER
    assert restored.persons.count(PersonQuery()) == 1
    kept = list(settings.backup_dir.glob("*endommagee*"))
    assert kept and kept[0].read_bytes() == b"plus une base" * 500  # nothing is thrown away
    assert backup.path.exists()


def test_damage_found_by_the_check_beside_the_sign_in_form_lets_nobody_in(
    qapp,
    tmp_path: Path,
    recorded: list[FakePrompter],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The header is sound (the base opens), a page deep inside is not: quick_check, run
    while the form is on screen, keeps sign-in closed and offers the backup."""
    import sqlite3
    from contextlib import closing

    from PySide6.QtCore import QTimer

    from spip_desktop.ui.main_window import MainWindow
    from tests.conftest import open_test_services, person_draft

    path = tmp_path / "base.sqlite3"
    settings = Settings(sqlite_file_url(path), False, path, tmp_path / "data")
    services = open_test_services(settings)
    for i in range(300):
        services.persons.create(person_draft(file_number=f"A-{i:04d}", surname=f"Nom{i}"))
    services.backups.create()
    services.close()
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'person'").fetchone()
    with path.open("r+b") as raw:
        raw.seek((root - 1) * page_size + 8)
        raw.write(b"\xff" * 64)
    states: list[bool] = []
    original = MainWindow.set_database_checked

    def watch(self, checked: bool) -> None:
        states.append(checked)
        original(self, checked)
        if len(states) == 3:  # damaged base, then the restored one
            QTimer.singleShot(0, self.close)

    monkeypatch.setattr(MainWindow, "set_database_checked", watch)
    assert app_module.run(settings) == 0
    assert states == [False, False, True]  # never open on the damaged base
    assert recorded[0].asked[0][0] == "Base de données endommagée"
