"""Backups of a SQLite database: make, list, prune, check and restore them.

A backup is one self-contained SQLite file (journal mode DELETE) written with
SQLite's online backup API, consistent even while other connections write, and
checked with ``PRAGMA integrity_check`` before it takes its final name
``spip-AAAAMMJJ-HHMMSS-<reason>.sqlite3`` (UTC). Beside it, a JSON sidecar
``<file name>.json`` holds its :class:`BackupInfo`; files without a sidecar are
not listed, and therefore never pruned. A server database is backed up with
PostgreSQL's own tools, not here.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Collection
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from ..domain.backup_policy import BackupInfo, BackupReason, backups_to_delete, rotated
from ..domain.errors import SpipError

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_HEADER_SIZE = 100
BACKUP_SUFFIX = ".sqlite3"
SIDECAR_SUFFIX = ".json"
PARTIAL_SUFFIX = ".partial"
DAMAGED_LABEL = "endommagee"
BUSY_TIMEOUT_S = 5.0

_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_REASONS = {reason.value: reason for reason in BackupReason}
_T = TypeVar("_T")


class BackupError(SpipError):
    """A backup could not be made, read or restored; ``message`` says why, in French."""


@dataclass(frozen=True)
class _Contents:
    """What a backup holds, as recorded in :class:`BackupInfo`."""

    person_count: int
    measure_count: int
    audit_entries: int
    audit_head: str | None
    schema_revision: str | None


class _IntegrityFailure(Exception):
    """``PRAGMA integrity_check`` did not answer exactly ``ok``."""


# --- making a backup ---------------------------------------------------------------------


def create_backup(
    source: Path, backup_dir: Path, reason: BackupReason, *, now: datetime | None = None
) -> BackupInfo:
    """Back up the live database ``source`` into ``backup_dir`` and describe the copy.

    ``now`` (default: the current time; a naive value is taken as local time) dates
    the backup. Raises :class:`BackupError` when the copy cannot be made or fails
    its integrity check; no partial file is left behind.
    """
    created_at = (now or datetime.now(UTC)).astimezone(UTC)
    if not source.is_file():
        raise BackupError(
            f"La base « {source} » est introuvable ou n'est pas un fichier : "
            "il n'y a rien à sauvegarder."
        )
    _make_dir(backup_dir)
    target = _free_name(backup_dir, f"spip-{created_at:%Y%m%d-%H%M%S}-{reason.value}")
    contents = _write_checked_copy(source, backup_dir, _partial_of(target))
    info = _publish(_partial_of(target), target, created_at, reason, contents)
    log.info("database %s backed up to %s (%s)", source, target, reason.value)
    return info


def _write_checked_copy(source: Path, backup_dir: Path, partial: Path) -> _Contents:
    """Copy ``source`` into ``partial``, check it and flush it to disk."""
    try:
        partial.unlink(missing_ok=True)  # left over by an interrupted backup
        with closing(_open_source(source)) as src:
            contents = _copy_to(src, partial)
        _fsync_file(partial)
        return contents
    except _IntegrityFailure as error:
        _remove_quietly(partial)
        raise _damaged_source(source) from error
    except (sqlite3.Error, OSError) as error:
        _remove_quietly(partial)
        raise _copy_failure(error, source, backup_dir) from error


def _open_source(source: Path) -> sqlite3.Connection:
    """A read-only connection on the live database, which must be readable."""
    try:
        conn = _open_read_only(source, immutable=False)
    except sqlite3.Error as error:
        raise _read_failure(error, source) from error
    try:
        _read_schema(conn)
    except sqlite3.Error as error:
        conn.close()
        raise _read_failure(error, source) from error
    return conn


def _copy_to(src: sqlite3.Connection, partial: Path) -> _Contents:
    """Copy with the online backup API; the copy becomes one self-contained file."""
    with closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)
        (mode,) = dst.execute("PRAGMA journal_mode = DELETE").fetchone()
        if str(mode).lower() != "delete":
            raise sqlite3.OperationalError(f"journal mode stayed {mode}")
        _check_integrity(dst)
        return _read_contents(dst)


def _publish(
    partial: Path,
    target: Path,
    created_at: datetime,
    reason: BackupReason,
    contents: _Contents,
) -> BackupInfo:
    """Give the checked copy its final name, then write its sidecar."""
    try:
        os.replace(partial, target)
        _fsync_dir(target.parent)
        info = BackupInfo(
            target, created_at, reason, target.stat().st_size, **vars(contents), integrity_ok=True
        )
        _write_sidecar(info)
        return info
    except OSError as error:
        for path in (partial, target, _partial_of(_sidecar_of(target))):
            _remove_quietly(path)
        raise _write_failure(target.parent) from error


def _free_name(backup_dir: Path, stem: str) -> Path:
    """``<stem>.sqlite3``, or ``<stem>-2.sqlite3``, ``-3``… when the name is taken."""
    candidate = backup_dir / f"{stem}{BACKUP_SUFFIX}"
    number = 2
    while any(p.exists() for p in (candidate, _sidecar_of(candidate), _partial_of(candidate))):
        candidate = backup_dir / f"{stem}-{number}{BACKUP_SUFFIX}"
        number += 1
    return candidate


# --- listing and pruning -----------------------------------------------------------------


def list_backups(backup_dir: Path) -> list[BackupInfo]:
    """The backups of ``backup_dir`` that have a readable sidecar, newest first.

    A missing or unreadable folder gives an empty list; sidecars without their
    backup file, and backup files without sidecar, are ignored.
    """
    try:
        sidecars = sorted(backup_dir.glob(f"spip-*{BACKUP_SUFFIX}{SIDECAR_SUFFIX}"))
    except OSError:
        return []
    infos = []
    for sidecar in sidecars:
        backup = sidecar.with_name(sidecar.name.removesuffix(SIDECAR_SUFFIX))
        info = _read_sidecar(sidecar, backup) if backup.is_file() else None
        if info is not None:
            infos.append(info)
    return sorted(infos, key=lambda b: (b.created_at, b.path.name), reverse=True)


def prune_backups(backup_dir: Path, now: datetime) -> list[Path]:
    """Delete the automatic backups the retention rule lets go; return the deleted files.

    Only automatic backups rotate (see :func:`~spip_desktop.domain.backup_policy.rotated`).
    Each backup's sidecar goes with it. ``now`` must be timezone-aware. A file that
    cannot be deleted is logged and kept: pruning never stops the application.
    """
    deleted = []
    automatic = [info for info in list_backups(backup_dir) if rotated(info.reason)]
    for info in backups_to_delete(automatic, now):
        try:
            info.path.unlink(missing_ok=True)  # the backup first: a lone sidecar is ignored
            deleted.append(info.path)
            _sidecar_of(info.path).unlink(missing_ok=True)
        except OSError as error:
            log.warning("could not delete old backup %s: %s", info.path, error)
    return deleted


def latest_good_backup(backup_dir: Path) -> BackupInfo | None:
    """The newest backup whose integrity check passed, if any."""
    return next((b for b in list_backups(backup_dir) if b.integrity_ok), None)


# --- checking a backup before restoring it -----------------------------------------------


def inspect_backup(path: Path, known_revisions: Collection[str]) -> BackupInfo:
    """Check that ``path`` is a sound SPIP Desktop backup this version can restore.

    The file is opened read-only and never modified. Raises :class:`BackupError`
    with the reason in French: missing, a folder, unreadable, not SQLite,
    damaged, not a SPIP Desktop database, or made by a newer version.
    """
    _check_sqlite_header(path)
    try:
        with closing(_open_read_only(path, immutable=not _has_journal(path))) as conn:
            tables = _read_schema(conn)
            _check_integrity(conn)
            _check_spip_tables(tables, path)
            contents = _read_contents(conn)
    except _IntegrityFailure as error:
        raise _damaged_backup(path) from error
    except sqlite3.OperationalError as error:
        if _error_name(error) in _DAMAGED:
            raise _damaged_backup(path) from error
        raise _unreadable_backup(path) from error
    except sqlite3.DatabaseError as error:
        raise _damaged_backup(path) from error
    _check_revision(contents.schema_revision, known_revisions, path)
    return _describe_candidate(path, contents)


def _check_sqlite_header(path: Path) -> None:
    if not path.exists():
        raise BackupError(
            f"Le fichier « {path} » n'existe pas : il a peut-être été déplacé ou supprimé. "
            "Choisissez une autre sauvegarde."
        )
    if path.is_dir():
        raise BackupError(
            f"« {path} » est un dossier : choisissez le fichier de sauvegarde lui-même."
        )
    try:
        with path.open("rb") as file:
            header = file.read(SQLITE_HEADER_SIZE)
    except OSError as error:
        raise _unreadable_backup(path) from error
    if not header.startswith(SQLITE_MAGIC):
        raise BackupError(
            f"Le fichier « {path} » n'est pas une sauvegarde de SPIP Desktop : "
            "ce n'est pas une base de données SQLite."
        )


def _check_spip_tables(tables: set[str], path: Path) -> None:
    if not {"alembic_version", "person"} <= tables:
        raise BackupError(
            f"Le fichier « {path} » est une base de données SQLite, mais pas une base de "
            "SPIP Desktop : il ne peut pas être restauré."
        )


def _check_revision(revision: str | None, known: Collection[str], path: Path) -> None:
    if revision is None:
        raise BackupError(
            f"Le fichier « {path} » ne porte pas de numéro de version de SPIP Desktop : "
            "il ne peut pas être restauré."
        )
    if revision not in known:
        raise BackupError(
            f"La sauvegarde « {path} » a été faite par une version plus récente de "
            "SPIP Desktop : installez la dernière version de l'application pour la restaurer."
        )


def _describe_candidate(path: Path, contents: _Contents) -> BackupInfo:
    """The candidate's info: date and reason from its sidecar, else its modification time."""
    stat = path.stat()
    sidecar = _sidecar_of(path)
    recorded = _read_sidecar(sidecar, path) if sidecar.is_file() else None
    if recorded is not None:
        created_at, reason = recorded.created_at, recorded.reason
    else:
        created_at, reason = datetime.fromtimestamp(stat.st_mtime, UTC), BackupReason.MANUAL
    return BackupInfo(path, created_at, reason, stat.st_size, **vars(contents), integrity_ok=True)


# --- restoring ---------------------------------------------------------------------------


def restore_backup(
    live: Path, backup: Path, backup_dir: Path, known_revisions: Collection[str]
) -> BackupInfo | None:
    """Replace the content of the database ``live`` by that of ``backup``.

    The backup is inspected first; then the current database is backed up with
    reason RESTORE (a damaged one, which the backup API cannot read, is kept as a
    raw ``…-endommagee.sqlite3`` copy instead) and the backup is copied into
    ``live`` with the backup API. No other connection of this process may be open
    on ``live``. Returns the safety backup (``None`` when there was none).
    """
    if live.resolve() == backup.resolve():
        raise BackupError(
            f"« {backup} » est la base actuelle elle-même : choisissez une sauvegarde."
        )
    expected = inspect_backup(backup, known_revisions)
    safety = _safety_backup(live, backup_dir)
    try:
        _copy_into(backup, live)
        _check_restored(live, expected)
    except (sqlite3.Error, OSError, _IntegrityFailure) as error:
        raise _restore_failure(error, live, safety) from error
    log.info("database %s restored from %s", live, backup)
    return safety


def _safety_backup(live: Path, backup_dir: Path) -> BackupInfo | None:
    """Back up the current database before it is replaced."""
    if not live.exists():
        return None
    try:
        return create_backup(live, backup_dir, BackupReason.RESTORE)
    except BackupError:
        if not _is_damaged(live):
            raise
    _set_damaged_aside(live, backup_dir)
    return None


def _is_damaged(path: Path) -> bool:
    """Whether SQLite finds ``path`` corrupt or not a database at all."""
    try:
        with closing(_open_read_only(path, immutable=False)) as conn:
            _read_schema(conn)
            _check_integrity(conn)
    except _IntegrityFailure:
        return True
    except sqlite3.OperationalError as error:
        return _error_name(error) in _DAMAGED
    except sqlite3.DatabaseError:
        return True
    return False


def _set_damaged_aside(live: Path, backup_dir: Path) -> None:
    """Keep a raw copy of a damaged database (and its journals), then remove it."""
    _make_dir(backup_dir)
    target = _free_name(backup_dir, f"spip-{datetime.now(UTC):%Y%m%d-%H%M%S}-{DAMAGED_LABEL}")
    try:
        for suffix in ("", "-wal", "-journal"):
            if _with_suffix(live, suffix).is_file():
                shutil.copy2(_with_suffix(live, suffix), _with_suffix(target, suffix))
        _fsync_file(target)
    except OSError as error:
        raise _write_failure(backup_dir) from error
    log.warning("damaged database %s copied to %s before restoring", live, target)
    try:
        for suffix in ("-wal", "-journal", "-shm", ""):  # journals first: never replay them
            _with_suffix(live, suffix).unlink(missing_ok=True)
    except OSError as error:
        raise BackupError(
            f"La base endommagée « {live} » n'a pas pu être remplacée : vérifiez les droits "
            f"sur son dossier. Une copie en est conservée dans « {target} »."
        ) from error


def _copy_into(backup: Path, live: Path) -> None:
    """Copy ``backup`` over ``live`` in one step of the backup API (all or nothing)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(_open_read_only(backup, immutable=not _has_journal(backup))) as src,
        closing(sqlite3.connect(live, timeout=BUSY_TIMEOUT_S)) as dst,
    ):
        # Leaving WAL needs every other connection closed, and lets the page size change.
        (mode,) = dst.execute("PRAGMA journal_mode = DELETE").fetchone()
        if str(mode).lower() != "delete":
            raise sqlite3.OperationalError("database is locked")
        src.backup(dst)


def _check_restored(live: Path, expected: BackupInfo) -> None:
    with closing(_open_read_only(live, immutable=False)) as conn:
        _check_integrity(conn)
        contents = _read_contents(conn)
    recorded = _Contents(
        expected.person_count,
        expected.measure_count,
        expected.audit_entries,
        expected.audit_head,
        expected.schema_revision,
    )
    if contents != recorded:
        raise _IntegrityFailure(f"restored {contents}, expected {recorded}")


# --- SQLite helpers ----------------------------------------------------------------------


def _open_read_only(path: Path, *, immutable: bool) -> sqlite3.Connection:
    """A read-only connection; ``immutable`` also avoids locks and ``-shm`` files."""
    uri = f"{path.resolve().as_uri()}?mode=ro{'&immutable=1' if immutable else ''}"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)


def _read_schema(conn: sqlite3.Connection) -> set[str]:
    """The table names (reading them fails early on a file that is not a database)."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(name) for (name,) in rows}


def _check_integrity(conn: sqlite3.Connection) -> None:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    if rows != [("ok",)]:
        raise _IntegrityFailure("; ".join(str(row[0]) for row in rows[:5]))


def _read_contents(conn: sqlite3.Connection) -> _Contents:
    tables = _read_schema(conn)
    head = None
    if "audit_entry" in tables:
        row = conn.execute("SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
        head = None if row is None or row[0] is None else str(row[0])
    revision = None
    if "alembic_version" in tables:
        versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        revision = str(versions[0][0]) if len(versions) == 1 else None
    return _Contents(
        _count(conn, tables, "person"),
        _count(conn, tables, "measure"),
        _count(conn, tables, "audit_entry"),
        head,
        revision,
    )


def _count(conn: sqlite3.Connection, tables: set[str], table: str) -> int:
    if table not in tables:
        return 0
    (count,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    return int(count)


def _has_journal(path: Path) -> bool:
    """Whether a ``-wal`` or ``-journal`` beside ``path`` may hold part of its content."""
    return any(_with_suffix(path, s).exists() for s in ("-wal", "-journal"))


def _error_name(error: sqlite3.Error) -> str:
    """The primary SQLite result code, e.g. ``SQLITE_BUSY`` for ``SQLITE_BUSY_SNAPSHOT``."""
    name = getattr(error, "sqlite_errorname", None) or ""
    return "_".join(str(name).split("_")[:2])


# --- files -------------------------------------------------------------------------------


def _sidecar_of(backup: Path) -> Path:
    return _with_suffix(backup, SIDECAR_SUFFIX)


def _partial_of(path: Path) -> Path:
    return _with_suffix(path, PARTIAL_SUFFIX)


def _with_suffix(path: Path, suffix: str) -> Path:
    """``path`` with ``suffix`` appended to its full name (``a.sqlite3`` → ``a.sqlite3-wal``)."""
    return path.with_name(path.name + suffix)


def _make_dir(backup_dir: Path) -> None:
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _write_failure(backup_dir) from error


def _write_sidecar(info: BackupInfo) -> None:
    """Write the sidecar atomically (a temporary file renamed over the final name)."""
    sidecar = _sidecar_of(info.path)
    temporary = _partial_of(sidecar)
    temporary.write_text(json.dumps(_to_json(info), indent=2), encoding="utf-8")
    _fsync_file(temporary)
    os.replace(temporary, sidecar)
    _fsync_dir(sidecar.parent)


def _to_json(info: BackupInfo) -> dict[str, object]:
    return {
        "path": str(info.path),
        "created_at": info.created_at.isoformat(),
        "reason": info.reason.value,
        "size_bytes": info.size_bytes,
        "person_count": info.person_count,
        "measure_count": info.measure_count,
        "audit_entries": info.audit_entries,
        "audit_head": info.audit_head,
        "schema_revision": info.schema_revision,
        "integrity_ok": info.integrity_ok,
    }


def _read_sidecar(sidecar: Path, backup: Path) -> BackupInfo | None:
    """The info a sidecar records for ``backup`` (its real place, whatever the stored path).

    ``None``, logged, when the sidecar cannot be read or is not one of ours.
    """
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        created_at = datetime.fromisoformat(_field(data, "created_at", str))
        return BackupInfo(
            path=backup,
            created_at=(
                created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at
            ).astimezone(UTC),
            reason=_REASONS[_field(data, "reason", str)],
            size_bytes=_field(data, "size_bytes", int),
            person_count=_field(data, "person_count", int),
            measure_count=_field(data, "measure_count", int),
            audit_entries=_field(data, "audit_entries", int),
            audit_head=_optional_field(data, "audit_head", str),
            schema_revision=_optional_field(data, "schema_revision", str),
            integrity_ok=_field(data, "integrity_ok", bool),
        )
    except (OSError, ValueError, TypeError, KeyError) as error:
        log.warning("ignoring unreadable backup sidecar %s: %s", sidecar, error)
        return None


def _field(data: dict[str, object], key: str, kind: type[_T]) -> _T:
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{key}: {kind.__name__} expected")
    return value


def _optional_field(data: dict[str, object], key: str, kind: type[_T]) -> _T | None:
    return None if data.get(key) is None else _field(data, key, kind)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as file:
        os.fsync(file.fileno())


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX only; Windows cannot open a folder)."""
    if os.name != "posix":
        return
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not remove %s: %s", path, error)


# --- French sentences --------------------------------------------------------------------


def _write_failure(backup_dir: Path) -> BackupError:
    return BackupError(
        f"La sauvegarde n'a pas pu être écrite dans « {backup_dir} » : "
        "disque plein ou droits insuffisants."
    )


def _damaged_source(source: Path) -> BackupError:
    return BackupError(
        f"La base « {source} » est endommagée : elle ne peut pas être sauvegardée. "
        "Restaurez la dernière sauvegarde valide."
    )


def _busy_source(source: Path) -> BackupError:
    return BackupError(
        f"La base « {source} » est occupée par un autre programme : la sauvegarde "
        "n'a pas pu être faite. Réessayez dans un instant."
    )


def _read_failure(error: sqlite3.Error, source: Path) -> BackupError:
    """The live database could not be read."""
    name = _error_name(error)
    if name in _BUSY:
        return _busy_source(source)
    if name in _DAMAGED or not isinstance(error, sqlite3.OperationalError):
        return _damaged_source(source)
    return BackupError(
        f"La base « {source} » n'a pas pu être lue pour la sauvegarde : "
        "vérifiez le disque et les droits d'accès."
    )


def _copy_failure(error: sqlite3.Error | OSError, source: Path, backup_dir: Path) -> BackupError:
    """The copy failed once the live database was open: mostly a write problem."""
    name = _error_name(error) if isinstance(error, sqlite3.Error) else ""
    if name in _BUSY:
        return _busy_source(source)
    if name in _DAMAGED:
        return _damaged_source(source)
    return _write_failure(backup_dir)


def _damaged_backup(path: Path) -> BackupError:
    return BackupError(
        f"Le fichier « {path} » est endommagé (incomplet ou corrompu) : il ne peut pas "
        "être restauré. Choisissez une autre sauvegarde."
    )


def _unreadable_backup(path: Path) -> BackupError:
    return BackupError(
        f"Le fichier « {path} » ne peut pas être lu : vérifiez les droits d'accès et le disque."
    )


def _restore_failure(
    error: sqlite3.Error | OSError | _IntegrityFailure, live: Path, safety: BackupInfo | None
) -> BackupError:
    kept = f" La base d'avant est conservée dans « {safety.path} »." if safety else ""
    name = _error_name(error) if isinstance(error, sqlite3.Error) else ""
    if name in _BUSY or "locked" in str(error):
        return BackupError(
            f"La base « {live} » est utilisée par un autre programme (une autre fenêtre de "
            f"SPIP Desktop ?) : fermez-le, puis recommencez la restauration.{kept}"
        )
    if isinstance(error, _IntegrityFailure):
        return BackupError(
            f"La base restaurée « {live} » n'a pas passé le contrôle d'intégrité : "
            f"recommencez avec une autre sauvegarde.{kept}"
        )
    return BackupError(
        f"La sauvegarde n'a pas pu être recopiée dans « {live} » : disque plein ou "
        f"droits insuffisants.{kept}"
    )
