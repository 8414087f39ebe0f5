"""The wheel carries what the installed application needs at run time."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_migrations_and_resources(tmp_path: Path) -> None:
    builders = pytest.importorskip("hatchling.builders.wheel", reason="hatchling is a dev extra")
    wheel = Path(next(builders.WheelBuilder(str(ROOT)).build(directory=str(tmp_path))))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "spip_desktop/migrations/env.py" in names
    assert "spip_desktop/migrations/versions/0001_initial_schema.py" in names
    assert "spip_desktop/resources/style.qss" in names
    assert "spip_desktop/resources/icons/logo.svg" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "spip-desktop = spip_desktop.__main__:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )
