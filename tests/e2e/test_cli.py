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


def test_backup_restore_and_audit_verify_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "base.sqlite3"
    assert run(tmp_path, "--db", str(db), "demo", "--persons", "50").returncode == 0
    out = tmp_path / "sauvegarde.sqlite3"
    backup = run(tmp_path, "--db", str(db), "backup", "--out", str(out))
    assert backup.returncode == 0, backup.stderr
    assert "50 personnes" in backup.stdout and "intégrité vérifiée" in backup.stdout
    assert out.is_file() and Path(f"{out}.json").is_file()
    again = run(tmp_path, "--db", str(db), "backup", "--out", str(out))
    assert_clean_failure(again)
    assert "existe déjà" in again.stderr

    # without a terminal, a restore needs --yes: nothing is replaced
    refused = run(tmp_path, "--db", str(db), "restore", str(out))
    assert_clean_failure(refused)
    assert "--yes" in refused.stderr
    restored = run(tmp_path, "--db", str(db), "restore", str(out), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "sauvegardée d'abord" in restored.stdout  # the base replaced was backed up first
    safety = list((tmp_path / "data" / "sauvegardes").glob("*avant-restauration*.sqlite3"))
    assert len(safety) == 1

    verify = run(tmp_path, "--db", str(db), "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    assert "Journal d'audit intègre" in verify.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "n'est pas une sauvegarde"),
        (b"ceci est un texte" * 100, "n'est pas une sauvegarde"),
    ],
)
def test_restoring_what_is_not_a_backup_is_refused(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    db = tmp_path / "base.sqlite3"
    assert run(tmp_path, "--db", str(db), "demo", "--persons", "10").returncode == 0
    before = db.read_bytes()
    fake = tmp_path / "faux.sqlite3"
    fake.write_bytes(content)
    result = run(tmp_path, "--db", str(db), "restore", str(fake), "--yes")
    assert_clean_failure(result)
    assert expected in result.stderr
    assert db.read_bytes() == before  # nothing touched


def test_an_unknown_home_folder_in_db_is_a_french_sentence(tmp_path: Path) -> None:
    result = run(tmp_path, "--db", "~personne-inconnue/base.sqlite3", "check")
    assert_clean_failure(result)
    assert "n'est pas utilisable" in result.stderr
