"""French date formatting and parsing, and calendar arithmetic."""

from __future__ import annotations

import calendar
import re
from datetime import date

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

_DATE_RE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\s*$")


def format_date(value: date | None, empty: str = "") -> str:
    """``dd/mm/yyyy``, the form officers read and type."""
    if not value:
        return empty
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"  # %Y drops zeros before 1000


def format_date_long(value: date) -> str:
    """``12 mars 2026``, for prose; the first of the month is ``1er``."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


class DateParseError(ValueError):
    """Raised with a French sentence when a typed date cannot be read."""


def parse_date(text: str) -> date | None:
    """Read ``dd/mm/yyyy`` (also ``d/m/yy``, ``.`` or ``-``); empty gives ``None``.

    Two-digit years are read in the window 1930-2029, which suits birth dates
    and judicial decisions alike.
    """
    cleaned = text.strip().replace(" ", "")
    if not cleaned or cleaned.replace("/", "").replace("_", "") == "":
        return None
    if cleaned.isdigit() and len(cleaned) in (6, 8):  # 120326 or 12032026, typed fast
        cleaned = f"{cleaned[:2]}/{cleaned[2:4]}/{cleaned[4:]}"
    match = _DATE_RE.match(cleaned)
    if not match:
        raise DateParseError(f"« {text.strip()} » n'est pas une date au format jj/mm/aaaa.")
    day, month, year = (int(g) for g in match.groups())
    if len(match.group(3)) == 2:
        year += 2000 if year < 30 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        raise DateParseError(f"Le {text.strip()} n'existe pas dans le calendrier.") from None


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_years(start: date, years: int) -> date:
    return add_months(start, 12 * years)


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def format_count(value: int) -> str:
    """``250 000``: French digit grouping with a narrow no-break space."""
    return f"{value:,}".replace(",", "\u202f")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 personne``, ``12 personnes``, ``0 personne`` (French: 0 and 1 are singular)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{format_count(count)} {word}"


def format_size(size_bytes: int) -> str:
    """``850 octets``, ``12,4 Ko``, ``186,2 Mo``, ``1,3 Go`` (French units, decimal comma)."""
    if size_bytes < 1024:
        return plural(size_bytes, "octet")
    value = float(size_bytes)
    for unit in ("Ko", "Mo", "Go", "To"):
        value /= 1024
        if value < 1024 or unit == "To":
            break
    return f"{value:.1f}".replace(".", ",") + f"\u00a0{unit}"
