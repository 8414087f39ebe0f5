"""Every way a database file can be unusable gets a French sentence and no traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from spip_desktop.bootstrap import open_services
from spip_desktop.db.engine import create_engine_for, probe
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.errors import DatabaseUnavailable
from spip_desktop.settings import Settings


def settings_for(path: Path, tmp_path: Path) -> Settings:
    return Settings(sqlite_file_url(path), False, path, tmp_path / "data")


def test_a_corrupt_file_is_named_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    with pytest.raises(DatabaseUnavailable) as caught:
        open_services(settings_for(path, tmp_path))
    assert caught.value.reason == "corrupt"
    assert "endommagé" in caught.value.message


def test_a_directory_instead_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "dossier.sqlite3"
    path.mkdir()
    with pytest.raises(DatabaseUnavailable) as caught:
        open_services(settings_for(path, tmp_path))
    assert caught.value.reason == "unreadable"
    assert "dossier" in caught.value.message


def test_a_missing_folder_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "base.sqlite3"
    with pytest.raises(DatabaseUnavailable) as caught:
        open_services(settings_for(path, tmp_path))
    assert caught.value.reason == "missing"
    assert "n'existe pas" in caught.value.message


def test_a_database_locked_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    open_services(settings_for(path, tmp_path)).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        engine = create_engine_for(sqlite_file_url(path), busy_timeout_ms=200)
        with pytest.raises(DatabaseUnavailable) as caught:
            probe(engine)
        engine.dispose()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert caught.value.reason == "locked"
    assert "utilisée par un autre programme" in caught.value.message


def _make_read_only(path: Path) -> None:
    if os.geteuid() != 0:
        path.chmod(0o444)
        path.parent.chmod(0o555)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root ignores file modes and chattr is not installed")
    result = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"chattr refused here: {result.stderr.decode().strip()}")


def _undo_read_only(path: Path) -> None:
    if os.geteuid() == 0 and shutil.which("chattr"):
        subprocess.run(["chattr", "-i", str(path)], check=False)
    else:
        path.parent.chmod(0o755)
        path.chmod(0o644)


def test_a_read_only_database(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "base.sqlite3"
    services = open_services(settings_for(path, tmp_path))
    services.close()
    for extra in folder.glob("base.sqlite3-*"):
        extra.unlink()
    _make_read_only(path)
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            open_services(settings_for(path, tmp_path))
    finally:
        _undo_read_only(path)
    assert caught.value.reason in {"read_only", "unreadable"}
    assert "lecture seule" in caught.value.message or "inaccessible" in caught.value.message
