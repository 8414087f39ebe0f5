"""The installed ``spip-desktop`` command, run as an officer or an administrator would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = shutil.which("spip-desktop", path=str(Path(sys.executable).parent)) or shutil.which(
    "spip-desktop"
)
pytestmark = pytest.mark.skipif(COMMAND is None, reason="the package is not installed")


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SPIP_DATA_DIR": str(tmp_path / "data")}
    env.pop("SPIP_DATABASE_URL", None)
    assert COMMAND is not None
    return subprocess.run(
        [COMMAND, *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "a failure must say why"


def test_demo_then_check_on_a_new_file(tmp_path: Path) -> None:
    db = tmp_path / "essai.sqlite3"
    demo = run(tmp_path, "--db", str(db), "demo", "--persons", "1200", "--seed", "3")
    assert demo.returncode == 0, demo.stderr
    assert "1\u202f200 personnes" in demo.stdout
    check = run(tmp_path, "--db", str(db), "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Intégrité du fichier : correcte" in check.stdout
    assert "Migrations : à jour" in check.stdout
    again = run(tmp_path, "--db", str(db), "demo", "--persons", "10")
    assert_clean_failure(again)
    assert "contient déjà des personnes" in again.stderr


def test_check_reports_problems_with_exit_codes(tmp_path: Path) -> None:
    missing = run(tmp_path, "--db", str(tmp_path / "absente.sqlite3"), "check")
    assert_clean_failure(missing)
    assert "introuvable" in missing.stderr
    corrupt = tmp_path / "abimee.sqlite3"
    corrupt.write_bytes(b"\x00garbage" * 1000)
    damaged = run(tmp_path, "--db", str(corrupt), "check")
    assert_clean_failure(damaged)
    assert "endommagé" in damaged.stderr


def test_a_database_without_its_migrations_fails_the_check(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "vide.sqlite3"
    sqlite3.connect(db).close()
    result = run(tmp_path, "--db", str(db), "check")
    assert result.returncode == 1
    assert "Migrations : en retard" in result.stdout


def test_usage_errors_are_french_one_liners(tmp_path: Path) -> None:
    unknown = run(tmp_path, "inventer")
    assert_clean_failure(unknown)
    assert "choix invalide" in unknown.stderr
    bad_number = run(tmp_path, "--db", str(tmp_path / "x.sqlite3"), "demo", "--persons", "beaucoup")
    assert_clean_failure(bad_number)
    assert "n'est pas un nombre entier" in bad_number.stderr
    help_text = run(tmp_path, "--help")
    assert help_text.returncode == 0
    assert "utilisation : spip-desktop" in help_text.stdout
    assert "vérifier l'intégrité" in help_text.stdout


def test_a_bad_database_url_is_explained(tmp_path: Path) -> None:
    result = run(tmp_path, "--database-url", "oracle+inconnu://agent:secret@serveur/base", "check")
    assert_clean_failure(result)
    assert "n'est pas valide" in result.stderr
    assert "secret" not in result.stderr  # a password never reaches the screen
