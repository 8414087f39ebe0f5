"""Is a database file on a network share? SQLite's WAL mode must not be used there.

WAL needs shared memory between the processes that open the file, which SMB/CIFS
and NFS do not give; two workstations on one shared file corrupt it sooner or
later. The application refuses such a path and points to the server mode.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

#: File system types that live on another machine (Linux and macOS names).
NETWORK_TYPES = frozenset(
    {
        "cifs", "smb", "smb2", "smb3", "smbfs", "nfs", "nfs4", "afs", "ncpfs", "9p",
        "fuse.sshfs", "sshfs", "davfs", "fuse.davfs2", "webdav", "glusterfs",
        "fuse.glusterfs", "ceph", "fuse.ceph", "lustre", "gpfs", "beegfs", "afpfs",
        "fuse.rclone", "fuse.s3fs",
    }
)  # fmt: skip


class Mount(NamedTuple):
    mountpoint: str
    fstype: str
    remote: bool = False  # Windows marks network drives with the "remote" option


def mounts() -> list[Mount]:
    """The machine's mounted file systems (psutil knows every platform's way)."""
    import psutil

    found = []
    for partition in psutil.disk_partitions(all=True):
        options = partition.opts.split(",") if partition.opts else []
        found.append(Mount(partition.mountpoint, partition.fstype.lower(), "remote" in options))
    return found


def network_filesystem(path: Path, table: Iterable[Mount] | None = None) -> str | None:
    """The network file system type holding ``path``, or ``None`` when it is local.

    A Windows UNC path (``\\\\serveur\\partage``) is a network share by definition;
    otherwise the mount with the longest prefix of the resolved path decides.
    """
    text = str(path)
    if text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\")):
        return "smb"
    resolved = os.path.normcase(str(path.expanduser().resolve(strict=False)))
    best: Mount | None = None
    for mount in table if table is not None else mounts():
        point = os.path.normcase(mount.mountpoint)
        inside = resolved == point or resolved.startswith(point.rstrip("/\\") + os.sep)
        if inside and (best is None or len(point) > len(os.path.normcase(best.mountpoint))):
            best = mount
    if best is None:
        return None
    if best.remote or best.fstype in NETWORK_TYPES:
        return best.fstype or "réseau"
    return None
