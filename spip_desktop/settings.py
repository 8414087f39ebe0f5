"""Where the application keeps its data, and which database it opens.

Every location is declared here once. ``SPIP_DATA_DIR`` overrides the user data
directory (tests and portable installs); ``SPIP_DATABASE_URL`` chooses a server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .domain.errors import SpipError

APP_NAME = "spip-desktop"
APP_AUTHOR = "SPIP"
DATABASE_FILE = "spip-desktop.sqlite3"
DEMO_DATABASE_FILE = "demonstration.sqlite3"
DEMO_PERSONS = 1500
DEMO_SEED = 2026


class SettingsError(SpipError):
    """A location given by the user cannot be used (unknown home folder, invalid name)."""


def _expanded(path: Path, what: str, absolute: bool = True) -> Path:
    """``~`` expanded (and the path made absolute), or a French sentence."""
    try:
        expanded = path.expanduser()
        return expanded.resolve() if absolute else expanded
    except (RuntimeError, ValueError, OSError) as error:
        raise SettingsError(
            f"{what} « {str(path).replace(chr(0), '')} » n'est pas utilisable : "
            "dossier personnel inconnu ou caractère interdit dans le nom."
        ) from error


def data_dir() -> Path:
    override = os.environ.get("SPIP_DATA_DIR")
    if override:
        return _expanded(Path(override), "Le dossier de données (SPIP_DATA_DIR)", absolute=False)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


@dataclass(frozen=True)
class Settings:
    """What one run of the application works on."""

    database_url: str
    demo: bool = False
    explicit_file: Path | None = None
    data_directory: Path = Path()

    @property
    def missing_file(self) -> bool:
        """An explicitly chosen database file that does not exist (the app asks first)."""
        return self.explicit_file is not None and not self.explicit_file.exists()

    @property
    def backup_dir(self) -> Path:
        return self.data_directory / "sauvegardes"

    @property
    def log_file(self) -> Path:
        return self.data_directory / "journaux" / "spip-desktop.log"


def resolve(
    db_file: Path | None = None,
    database_url: str | None = None,
    demo: bool = False,
) -> Settings:
    """Pick the database: ``--db`` > ``--database-url`` > ``SPIP_DATABASE_URL`` > default file."""
    from .db_url import sqlite_file_url

    directory = data_dir()
    if db_file is not None:
        path = _expanded(db_file, "Le fichier de base")
        return Settings(sqlite_file_url(path), demo, path, directory)
    if demo:
        path = directory / DEMO_DATABASE_FILE
        return Settings(sqlite_file_url(path), True, None, directory)
    url = database_url or os.environ.get("SPIP_DATABASE_URL")
    if url:
        return Settings(url, False, None, directory)
    return Settings(sqlite_file_url(directory / DATABASE_FILE), False, None, directory)
