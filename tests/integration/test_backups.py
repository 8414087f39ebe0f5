"""Backups of real SQLite files: online copy, sidecars, retention, checks and restore.

The databases are built with sqlite3 directly (the tables the backups read), so
these tests do not depend on the rest of the application.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from spip_desktop.db import backups
from spip_desktop.db.backups import (
    BackupError,
    create_backup,
    inspect_backup,
    latest_good_backup,
    list_backups,
    prune_backups,
    restore_backup,
)
from spip_desktop.domain.backup_policy import BackupInfo, BackupReason

KNOWN = {"0001"}
T0 = datetime(2026, 3, 12, 10, 15, 0, tzinfo=UTC)


def make_database(
    path: Path,
    persons: int = 3,
    audit: Sequence[tuple[int, str]] = ((1, "h-1"), (2, "h-2")),
    revision: str = "0001",
) -> Path:
    """A small database in WAL mode with the tables a backup reads."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, surname TEXT)")
        conn.execute("CREATE TABLE measure (id INTEGER PRIMARY KEY, person_id INTEGER)")
        conn.execute("CREATE TABLE audit_entry (id INTEGER PRIMARY KEY, hash TEXT)")
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
        add_persons(conn, persons)
        conn.executemany("INSERT INTO measure (person_id) VALUES (?)", [(1,), (1,)])
        conn.executemany("INSERT INTO audit_entry (id, hash) VALUES (?, ?)", audit)
        conn.execute("COMMIT")
    return path


def add_persons(conn: sqlite3.Connection, count: int) -> None:
    conn.executemany(
        "INSERT INTO person (surname) VALUES (?)", [(f"Nom {i}",) for i in range(count)]
    )


def contents(path: Path) -> tuple[int, int, int, str | None]:
    """(persons, measures, audit entries, newest audit hash) read straight from a file."""
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        (persons,) = conn.execute("SELECT count(*) FROM person").fetchone()
        (measures,) = conn.execute("SELECT count(*) FROM measure").fetchone()
        (entries,) = conn.execute("SELECT count(*) FROM audit_entry").fetchone()
        head = conn.execute("SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    return persons, measures, entries, head[0] if head else None


def corrupt_pages(path: Path) -> None:
    """Keep page 1 (header and schema), break every b-tree page after it."""
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 4096):
        data[offset : offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


def break_index(path: Path) -> None:
    """Make an index disagree with its table: readable, but the integrity check fails."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("CREATE INDEX ix_person_surname ON person (surname)")
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_person_surname ON person (id)' "
            "WHERE name = 'ix_person_surname'"
        )


def damage(path: Path, how: str) -> None:
    if how == "garbage":
        path.write_bytes(b"plus du tout une base" * 500)
    elif how == "pages":
        corrupt_pages(path)
    else:
        break_index(path)


@pytest.fixture
def live(tmp_path: Path) -> Path:
    return make_database(tmp_path / "spip.sqlite3")


@pytest.fixture
def backup_dir(tmp_path: Path) -> Path:
    return tmp_path / "sauvegardes"


@pytest.fixture
def writer(live: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(live, isolation_level=None)
    yield conn
    conn.close()


# --- making backups -----------------------------------------------------------------------


def test_the_backup_has_the_committed_state_while_another_connection_writes(
    live: Path, backup_dir: Path, writer: sqlite3.Connection
) -> None:
    # A committed row that lives only in the WAL: a copy of the main file would miss it.
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    add_persons(writer, 1)
    assert Path(f"{live}-wal").stat().st_size > 0
    other = sqlite3.connect(live, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        add_persons(other, 5)  # uncommitted
        info = create_backup(live, backup_dir, BackupReason.PERIODIC, now=T0)
        other.execute("COMMIT")  # the backup did not get in the writer's way
    finally:
        other.close()
    assert info.person_count == 4
    assert contents(info.path)[0] == 4
    assert contents(live)[0] == 9


def test_the_backup_is_one_self_contained_file_with_its_counts(
    tmp_path: Path, backup_dir: Path
) -> None:
    live = make_database(tmp_path / "base.sqlite3", audit=[(1, "zz"), (10, "mm"), (2, "aa")])
    paris = timezone(timedelta(hours=1))
    info = create_backup(
        live, backup_dir, BackupReason.EXIT, now=datetime(2026, 3, 12, 11, 15, tzinfo=paris)
    )
    name = "spip-20260312-101500-fermeture.sqlite3"
    assert info.path == backup_dir / name
    assert sorted(os.listdir(backup_dir)) == [name, f"{name}.json"]
    assert info.path.read_bytes()[18:20] == b"\x01\x01"  # rollback journal, not WAL
    assert info.created_at == T0 and info.created_at.utcoffset() == timedelta(0)
    assert info.reason is BackupReason.EXIT
    assert (info.person_count, info.measure_count, info.audit_entries) == (3, 2, 3)
    assert info.audit_head == "mm"  # the entry with the largest id
    assert info.schema_revision == "0001"
    assert info.integrity_ok
    assert info.size_bytes == info.path.stat().st_size > 0
    assert contents(info.path) == (3, 2, 3, "mm")
    assert sorted(os.listdir(backup_dir)) == [name, f"{name}.json"]  # opening left no -wal


def test_a_taken_name_gets_a_number(live: Path, backup_dir: Path) -> None:
    names = [create_backup(live, backup_dir, BackupReason.MANUAL, now=T0).path.name for _ in "abc"]
    assert names == [
        "spip-20260312-101500-manuelle.sqlite3",
        "spip-20260312-101500-manuelle-2.sqlite3",
        "spip-20260312-101500-manuelle-3.sqlite3",
    ]


def test_without_audit_trail_nor_revision(tmp_path: Path, backup_dir: Path) -> None:
    live = make_database(tmp_path / "base.sqlite3", audit=[])
    info = create_backup(live, backup_dir, BackupReason.MANUAL, now=T0)
    assert (info.audit_entries, info.audit_head) == (0, None)
    with closing(sqlite3.connect(live, isolation_level=None)) as conn:
        conn.execute("DROP TABLE audit_entry")
        conn.execute("DROP TABLE alembic_version")
    info = create_backup(live, backup_dir, BackupReason.MANUAL, now=T0)
    assert (info.audit_entries, info.audit_head, info.schema_revision) == (0, None, None)
    assert info.person_count == 3


def test_an_unwritable_backup_folder_is_a_french_error(live: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "fichier"
    not_a_folder.write_text("je ne suis pas un dossier")
    for target in (not_a_folder, not_a_folder / "sauvegardes"):
        with pytest.raises(BackupError) as caught:
            create_backup(live, target, BackupReason.EXIT, now=T0)
        assert caught.value.message == (
            f"La sauvegarde n'a pas pu être écrite dans « {target} » : "
            "disque plein ou droits insuffisants."
        )
    assert not_a_folder.read_text() == "je ne suis pas un dossier"


def test_a_failed_write_leaves_no_partial_file(
    live: Path, backup_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "_fsync_file", full_disk)
    with pytest.raises(BackupError, match="disque plein ou droits insuffisants"):
        create_backup(live, backup_dir, BackupReason.EXIT, now=T0)
    assert os.listdir(backup_dir) == []


@pytest.mark.parametrize("how", ["pages", "index"])
def test_a_damaged_database_is_not_backed_up(live: Path, backup_dir: Path, how: str) -> None:
    damage(live, how)
    with pytest.raises(BackupError) as caught:
        create_backup(live, backup_dir, BackupReason.EXIT, now=T0)
    assert caught.value.message == (
        f"La base « {live} » est endommagée : elle ne peut pas être sauvegardée. "
        "Restaurez la dernière sauvegarde valide."
    )
    assert os.listdir(backup_dir) == []  # the partial copy is gone


def test_a_missing_database_has_nothing_to_back_up(tmp_path: Path, backup_dir: Path) -> None:
    with pytest.raises(BackupError, match="introuvable"):
        create_backup(tmp_path / "absente.sqlite3", backup_dir, BackupReason.EXIT)


# --- sidecars, listing, pruning ---------------------------------------------------------


def test_the_sidecar_records_every_field_and_reads_back(live: Path, backup_dir: Path) -> None:
    info = create_backup(live, backup_dir, BackupReason.MIGRATION, now=T0)
    sidecar = json.loads(Path(f"{info.path}.json").read_text(encoding="utf-8"))
    assert set(sidecar) == {f.name for f in fields(BackupInfo)}
    assert sidecar["created_at"] == "2026-03-12T10:15:00+00:00"
    assert sidecar["reason"] == "avant-migration"
    assert sidecar["audit_head"] == "h-2"
    assert list_backups(backup_dir) == [info]


def test_backups_are_listed_newest_first_without_strays(live: Path, backup_dir: Path) -> None:
    made = [
        create_backup(live, backup_dir, BackupReason.PERIODIC, now=T0 + timedelta(hours=h))
        for h in (5, -30, 2)
    ]
    good = made[0].path
    shutil.copy(f"{good}.json", backup_dir / "spip-orphan.sqlite3.json")  # no backup file
    shutil.copy(good, backup_dir / "spip-sans-fiche.sqlite3")  # no sidecar
    for name, text in (("illisible", "{pas du json"), ("liste", "[]"), ("type", '{"a": 1}')):
        shutil.copy(good, backup_dir / f"spip-{name}.sqlite3")
        (backup_dir / f"spip-{name}.sqlite3.json").write_text(text)
    listed = list_backups(backup_dir)
    assert listed == [made[0], made[2], made[1]]
    assert latest_good_backup(backup_dir) == made[0]


def test_listing_a_missing_or_wrong_folder_gives_nothing(tmp_path: Path) -> None:
    (tmp_path / "fichier").write_text("x")
    assert list_backups(tmp_path / "absent") == []
    assert list_backups(tmp_path / "fichier") == []
    assert latest_good_backup(tmp_path / "absent") is None


def test_the_latest_good_backup_skips_a_failed_check(live: Path, backup_dir: Path) -> None:
    older = create_backup(live, backup_dir, BackupReason.EXIT, now=T0)
    newer = create_backup(live, backup_dir, BackupReason.EXIT, now=T0 + timedelta(days=1))
    sidecar = Path(f"{newer.path}.json")
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    sidecar.write_text(json.dumps({**data, "integrity_ok": False}), encoding="utf-8")
    assert latest_good_backup(backup_dir) == older


def test_pruning_keeps_seven_days_and_four_weeks(
    live: Path, backup_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backups, "_fsync_file", lambda path: None)  # 80 backups, quickly
    monkeypatch.setattr(backups, "_fsync_dir", lambda path: None)
    # Two backups a day (11:00 and 13:00 UTC: the same local date in any European zone)
    # from Sunday 1 February to Thursday 12 March 2026.
    days = [date(2026, 2, 1) + timedelta(d) for d in range(40)]
    for day in days:
        for hour in (11, 13):
            when = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            create_backup(live, backup_dir, BackupReason.PERIODIC, now=when)
    (backup_dir / "notes.txt").write_text("à garder")
    deleted = prune_backups(backup_dir, datetime(2026, 3, 12, 18, tzinfo=UTC))
    kept_days = [*range(12, 5, -1)]  # daily: 6 to 12 March (ISO weeks 10 and 11)
    expected = [f"spip-202603{d:02}-130000-periodique.sqlite3" for d in kept_days] + [
        "spip-20260301-130000-periodique.sqlite3",  # week 9
        "spip-20260222-130000-periodique.sqlite3",  # week 8
        "spip-20260215-130000-periodique.sqlite3",  # week 7
        "spip-20260208-130000-periodique.sqlite3",  # week 6
    ]
    assert [b.path.name for b in list_backups(backup_dir)] == expected
    assert sorted(os.listdir(backup_dir)) == sorted(
        [*expected, *(f"{name}.json" for name in expected), "notes.txt"]
    )
    assert len(deleted) == 80 - 11
    assert not any(p.exists() or Path(f"{p}.json").exists() for p in deleted)
    assert prune_backups(backup_dir / "absent", datetime.now(UTC)) == []


@pytest.mark.parametrize(
    "reason", [BackupReason.MANUAL, BackupReason.RESTORE, BackupReason.MIGRATION]
)
def test_backups_made_on_purpose_never_rotate_away(
    live: Path, backup_dir: Path, reason: BackupReason
) -> None:
    """The safety copy before a restore must outlive the exit backup of the same day."""
    on_purpose = create_backup(live, backup_dir, reason, now=datetime(2026, 1, 5, 9, tzinfo=UTC))
    for day in range(6, 30):
        create_backup(
            live, backup_dir, BackupReason.EXIT, now=datetime(2026, 1, day, 18, tzinfo=UTC)
        )
    prune_backups(backup_dir, datetime(2026, 3, 1, tzinfo=UTC))
    remaining = list_backups(backup_dir)
    assert on_purpose.path in [b.path for b in remaining]
    assert sum(b.reason is BackupReason.EXIT for b in remaining) <= 7 + 4


# --- inspecting a file chosen for restore ------------------------------------------------


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "absente.sqlite3"


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "dossier.sqlite3"
    path.mkdir()
    return path


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.sqlite3"
    path.write_text("Compte rendu d'entretien\n" * 50, encoding="utf-8")
    return path


def _truncated(tmp_path: Path) -> Path:
    source = make_database(tmp_path / "source.sqlite3", persons=2000)
    info = create_backup(source, tmp_path / "b", BackupReason.MANUAL, now=T0)
    data = info.path.read_bytes()
    path = tmp_path / "tronquee.sqlite3"
    path.write_bytes(data[: len(data) // 2])
    return path


def _header_only(tmp_path: Path) -> Path:
    source = make_database(tmp_path / "source.sqlite3")
    path = tmp_path / "entete.sqlite3"
    path.write_bytes(source.read_bytes()[:60])
    return path


def _random_with_header(tmp_path: Path) -> Path:
    path = tmp_path / "aleatoire.sqlite3"
    path.write_bytes(backups.SQLITE_MAGIC + random.Random(7).randbytes(16_384))
    return path


def _inconsistent_index(tmp_path: Path) -> Path:
    path = make_database(tmp_path / "incoherente.sqlite3")
    break_index(path)
    return path


def _foreign(tmp_path: Path) -> Path:
    path = tmp_path / "autre.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, surname TEXT)")
    return path


def _newer(tmp_path: Path) -> Path:
    return make_database(tmp_path / "future.sqlite3", revision="0042")


REFUSALS: list[tuple[Callable[[Path], Path], str]] = [
    (
        _missing,
        "Le fichier « {} » n'existe pas : il a peut-être été déplacé ou supprimé. "
        "Choisissez une autre sauvegarde.",
    ),
    (_directory, "« {} » est un dossier : choisissez le fichier de sauvegarde lui-même."),
    (
        _text_file,
        "Le fichier « {} » n'est pas une sauvegarde de SPIP Desktop : "
        "ce n'est pas une base de données SQLite.",
    ),
    (
        _truncated,
        "Le fichier « {} » est endommagé (incomplet ou corrompu) : il ne peut pas être "
        "restauré. Choisissez une autre sauvegarde.",
    ),
    (
        _header_only,
        "Le fichier « {} » est endommagé (incomplet ou corrompu) : il ne peut pas être "
        "restauré. Choisissez une autre sauvegarde.",
    ),
    (
        _random_with_header,
        "Le fichier « {} » est endommagé (incomplet ou corrompu) : il ne peut pas être "
        "restauré. Choisissez une autre sauvegarde.",
    ),
    (
        _inconsistent_index,
        "Le fichier « {} » est endommagé (incomplet ou corrompu) : il ne peut pas être "
        "restauré. Choisissez une autre sauvegarde.",
    ),
    (
        _foreign,
        "Le fichier « {} » est une base de données SQLite, mais pas une base de "
        "SPIP Desktop : il ne peut pas être restauré.",
    ),
    (
        _newer,
        "La sauvegarde « {} » a été faite par une version plus récente de SPIP Desktop : "
        "installez la dernière version de l'application pour la restaurer.",
    ),
]


@pytest.mark.parametrize(("build", "message"), REFUSALS, ids=lambda v: getattr(v, "__name__", ""))
def test_inspect_refuses_with_its_own_sentence(
    tmp_path: Path, build: Callable[[Path], Path], message: str
) -> None:
    path = build(tmp_path)
    with pytest.raises(BackupError) as caught:
        inspect_backup(path, KNOWN)
    assert caught.value.message == message.format(path)


def test_inspect_reads_a_backup_with_its_sidecar(live: Path, backup_dir: Path) -> None:
    made = create_backup(live, backup_dir, BackupReason.EXIT, now=T0)
    before = (made.path.read_bytes(), made.path.stat().st_mtime_ns, sorted(os.listdir(backup_dir)))
    assert inspect_backup(made.path, KNOWN) == made
    after = (made.path.read_bytes(), made.path.stat().st_mtime_ns, sorted(os.listdir(backup_dir)))
    assert after == before  # read-only: not a byte, not a -shm file


def test_inspect_dates_a_file_without_sidecar_by_its_modification_time(
    live: Path, tmp_path: Path
) -> None:
    # The main file of a WAL database, copied alone: still opened without side files.
    candidate = tmp_path / "copie" / "base.sqlite3"
    candidate.parent.mkdir()
    shutil.copy(live, candidate)
    assert candidate.read_bytes()[18:20] == b"\x02\x02"
    os.utime(candidate, (T0.timestamp(), T0.timestamp()))
    info = inspect_backup(candidate, KNOWN)
    assert (info.created_at, info.reason) == (T0, BackupReason.MANUAL)
    assert (info.person_count, info.audit_head, info.schema_revision) == (3, "h-2", "0001")
    assert os.listdir(candidate.parent) == ["base.sqlite3"]


# --- restoring ---------------------------------------------------------------------------


def test_restore_replaces_the_content_after_a_safety_backup(live: Path, backup_dir: Path) -> None:
    chosen = create_backup(live, backup_dir, BackupReason.MANUAL, now=T0)
    with closing(sqlite3.connect(live, isolation_level=None)) as conn:
        add_persons(conn, 2)
        conn.execute("INSERT INTO audit_entry (id, hash) VALUES (3, 'h-3')")
    safety = restore_backup(live, chosen.path, backup_dir, KNOWN)
    assert contents(live) == (3, 2, 2, "h-2")
    assert safety is not None and safety.reason is BackupReason.RESTORE
    assert (safety.person_count, safety.audit_head) == (5, "h-3")
    assert contents(safety.path) == (5, 2, 3, "h-3")  # taken before the copy
    assert safety in list_backups(backup_dir)
    with closing(sqlite3.connect(live, isolation_level=None)) as conn:  # usable again in WAL
        assert conn.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
        add_persons(conn, 1)
    assert contents(live)[0] == 4


@pytest.mark.parametrize("how", ["garbage", "pages", "index"])
def test_restore_over_a_damaged_database_keeps_a_raw_copy(
    live: Path, backup_dir: Path, tmp_path: Path, how: str
) -> None:
    chosen = create_backup(
        make_database(tmp_path / "autre.sqlite3", persons=7),
        backup_dir,
        BackupReason.MANUAL,
        now=T0,
    )
    damage(live, how)
    damaged_bytes = live.read_bytes()
    assert restore_backup(live, chosen.path, backup_dir, KNOWN) is None
    raw = sorted(backup_dir.glob("spip-*-endommagee.sqlite3"))
    assert len(raw) == 1 and raw[0].read_bytes() == damaged_bytes
    assert contents(live)[0] == 7
    assert [b.reason for b in list_backups(backup_dir)] == [BackupReason.MANUAL]


def test_restore_into_a_missing_database_creates_it(
    live: Path, backup_dir: Path, tmp_path: Path
) -> None:
    chosen = create_backup(live, backup_dir, BackupReason.MANUAL, now=T0)
    target = tmp_path / "nouveau" / "spip.sqlite3"
    assert restore_backup(target, chosen.path, backup_dir, KNOWN) is None
    assert contents(target) == contents(live)


def test_a_refused_backup_changes_nothing(live: Path, backup_dir: Path, tmp_path: Path) -> None:
    before = contents(live)
    with pytest.raises(BackupError, match="plus récente"):
        restore_backup(live, _newer(tmp_path), backup_dir, KNOWN)
    with pytest.raises(BackupError, match="la base actuelle elle-même"):
        restore_backup(live, live, backup_dir, KNOWN)
    assert contents(live) == before
    assert not backup_dir.exists()  # no safety backup either


def test_no_restore_without_a_safety_backup(live: Path, tmp_path: Path) -> None:
    chosen = create_backup(
        make_database(tmp_path / "autre.sqlite3", persons=7), tmp_path / "b", BackupReason.MANUAL
    )
    not_a_folder = tmp_path / "fichier"
    not_a_folder.write_text("x")
    with pytest.raises(BackupError, match="n'a pas pu être écrite"):
        restore_backup(live, chosen.path, not_a_folder, KNOWN)
    assert contents(live)[0] == 3


def test_no_restore_while_another_program_has_the_database_open(
    live: Path, backup_dir: Path, writer: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backups, "BUSY_TIMEOUT_S", 0.1)
    chosen = create_backup(live, backup_dir, BackupReason.MANUAL, now=T0)
    add_persons(writer, 4)  # the other program keeps its connection open
    with pytest.raises(BackupError) as caught:
        restore_backup(live, chosen.path, backup_dir, KNOWN)
    safety = next(b for b in list_backups(backup_dir) if b.reason is BackupReason.RESTORE)
    assert caught.value.message == (
        f"La base « {live} » est utilisée par un autre programme (une autre fenêtre de "
        "SPIP Desktop ?) : fermez-le, puis recommencez la restauration. "
        f"La base d'avant est conservée dans « {safety.path} »."
    )
    assert contents(live)[0] == 7
