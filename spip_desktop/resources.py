"""The one place that knows where icons, the stylesheet and fonts are.

Installed, they sit inside the package (``spip_desktop/resources``); in a
source checkout, in the repository's top-level ``resources/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    package = Path(__file__).resolve().parent
    for candidate in (package / "resources", package.parent / "resources"):
        if (candidate / "style.qss").is_file():
            return candidate
    raise FileNotFoundError("resources directory not found")  # packaging error


def path(name: str) -> Path:
    return resources_dir() / name


def icon_path(name: str) -> Path:
    return resources_dir() / "icons" / f"{name}.svg"


def stylesheet() -> str:
    return path("style.qss").read_text(encoding="utf-8")
