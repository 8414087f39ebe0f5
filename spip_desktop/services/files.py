"""Writing documents to files: complete, or not there at all, with a French reason.

Every document the application writes (attestations, sign-in sheets, the PDF preview's
"Enregistrer sous…") goes through :func:`write_part` and :func:`write_atomically`: the
bytes go to ``name.part``, are flushed to the disk, and only then take the real name.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from ..domain.errors import SpipError
from ..domain.text import fold

#: Flushes a written file to the disk (a seam for the full-disk tests).
_fsync = os.fsync


def part_of(final: Path) -> Path:
    return final.with_name(final.name + ".part")


def discard(part: Path) -> None:
    """Remove a partial file, if there is one (its folder may not even exist)."""
    with contextlib.suppress(OSError):
        part.unlink(missing_ok=True)


def write_part(final: Path, data: bytes) -> Path:
    """Write ``data`` beside ``final`` as ``final.part``, on the disk; the caller renames it.

    Raises :class:`OSError`, leaving no ``.part`` behind.
    """
    part = part_of(final)
    try:
        with open(part, "wb") as handle:
            handle.write(data)
            handle.flush()
            _fsync(handle.fileno())
    except BaseException:
        discard(part)
        raise
    return part


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``: a failure leaves neither a half file nor a ``.part``.

    Raises :class:`OSError` (see :func:`reason` and :func:`file_error` to explain it).
    """
    part = write_part(path, data)
    try:
        os.replace(part, path)
    except BaseException:
        discard(part)
        raise
    sync_folder(path)


def sync_folder(path: Path) -> None:
    """Put the renames done in ``path``'s folder on the disk (POSIX; elsewhere nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def check_writable(out: Path) -> None:
    """The folder of ``out`` exists and takes files, or a French sentence says why not
    (checked before any work, and before a number or a register entry is given out)."""
    folder = out.parent
    if not folder.is_dir():
        raise SpipError(f"Le dossier « {folder} » n'existe pas : choisissez-en un autre.")
    if not os.access(folder, os.W_OK):
        raise SpipError(f"Le dossier « {folder} » n'est pas accessible en écriture.")


def save_file(path: Path, data: bytes) -> None:
    """:func:`write_atomically`, its failure as a French sentence (:class:`SpipError`)."""
    try:
        write_atomically(path, data)
    except OSError as error:
        raise file_error(path, error) from error


def reason(error: OSError) -> str:
    """Why a file could not be written, as the end of a French sentence."""
    reasons = {
        errno.ENOSPC: "le disque est plein",
        getattr(errno, "EDQUOT", -1): "votre quota d'espace disque est atteint",
        errno.EACCES: (
            "vous n'avez pas le droit d'écrire à cet endroit, "
            "ou le fichier est ouvert dans un autre programme"
        ),
        errno.EPERM: "vous n'avez pas le droit d'écrire à cet endroit",
        errno.EROFS: "cet emplacement est en lecture seule",
        errno.ENOENT: "ce dossier n'existe pas",
        errno.ENOTDIR: "ce chemin ne désigne pas un dossier",
        errno.EISDIR: "un dossier porte déjà ce nom",
        errno.ENAMETOOLONG: "le nom du fichier est trop long",
    }
    return reasons.get(error.errno or 0, "le système a refusé l'écriture")


def file_error(path: Path, error: OSError) -> SpipError:
    """A French sentence for a file that could not be written."""
    if error.errno == errno.ENOSPC:
        return SpipError(
            f"Le disque est plein : « {path.name} » n'a pas pu être enregistré. "
            "Libérez de la place puis recommencez ; aucun fichier incomplet n'a été laissé."
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return SpipError(
            f"Le dossier « {path.parent} » n'est pas accessible en écriture : "
            "choisissez un autre dossier."
        )
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return SpipError(f"Le dossier « {path.parent} » n'existe pas : choisissez-en un autre.")
    return SpipError(f"« {path.name} » n'a pas pu être enregistré ({reason(error)}).")


def safe_file_name(text: str) -> str:
    """A file name any system accepts: letters, digits, ``-`` and ``_``, accents folded."""
    folded = fold(text).upper()
    kept = "".join(c if c.isalnum() else "_" for c in folded)
    return "_".join(part for part in kept.split("_") if part)[:80] or "DOCUMENT"
