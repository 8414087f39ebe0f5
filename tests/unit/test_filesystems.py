"""Network share detection, from mount tables as each platform reports them."""

from __future__ import annotations

from pathlib import Path

import pytest

from spip_desktop.db.filesystems import Mount, network_filesystem

LINUX = [
    Mount("/", "ext4"),
    Mount("/home", "ext4"),
    Mount("/mnt/partage", "cifs"),
    Mount("/mnt/nfs", "nfs4"),
    Mount("/mnt/partage/local", "ext4"),  # a local disk mounted inside the share
    Mount("/media/clef", "vfat"),
]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/agent/spip.sqlite3", None),
        ("/mnt/partage/spip/base.sqlite3", "cifs"),
        ("/mnt/nfs/base.sqlite3", "nfs4"),
        ("/mnt/partage/local/base.sqlite3", None),  # the longest mount prefix wins
        ("/mnt/partagex/base.sqlite3", None),  # a prefix of the name is not a parent
        ("/media/clef/base.sqlite3", None),
    ],
)
def test_the_mount_holding_the_file_decides(path: str, expected: str | None) -> None:
    assert network_filesystem(Path(path), LINUX) == expected


def test_a_windows_network_drive_and_a_unc_path_are_shares() -> None:
    table = [Mount("C:\\", "ntfs"), Mount("Z:\\", "", remote=True)]
    assert network_filesystem(Path("//serveur/partage/base.sqlite3"), table) == "smb"
    assert network_filesystem(Path("\\\\serveur\\partage\\base.sqlite3"), []) == "smb"


def test_the_machine_this_runs_on_answers_without_error(tmp_path: Path) -> None:
    assert network_filesystem(tmp_path / "base.sqlite3") is None  # pytest's tmp is local
