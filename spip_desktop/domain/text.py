"""Text folding for search and French ordering of names.

SQLite's FTS5 ``remove_diacritics`` folds accents but not the ligatures œ and æ,
and apostrophes or hyphens inside names (L'Hôpital, Jean-Noël) must split words
the same way in the stored text and in what the officer types.  Everything that
is searched or sorted therefore goes through :func:`fold` first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
    }
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces.

    >>> fold("L'Hôpital-Cœur  Lætitia")
    'l hopital coeur laetitia'
    """
    if text.isascii():
        return _NON_WORD.sub(" ", text.lower()).strip()
    # Decompose first: "ǽ" is "æ" plus an accent, and only then does "æ" meet the table.
    decomposed = unicodedata.normalize("NFKD", text).translate(_LIGATURES)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped.lower()).strip()


def search_terms(query: str) -> list[str]:
    """The folded words of a search query, in order, without duplicates."""
    seen: dict[str, None] = {}
    for word in fold(query).split():
        seen.setdefault(word, None)
    return list(seen)


def search_document(*parts: str | None) -> str:
    """The folded text a person is found by (names, file and external numbers)."""
    return " ".join(fold(p) for p in parts if p)


def name_sort_key(surname: str, given_names: str = "") -> str:
    """A key that orders names as a French directory does.

    Accents and case are ignored at first (Écrivain sorts with E), particles
    and apostrophes are treated as spaces; the exact spelling breaks ties.
    """
    return f"{fold(surname)}\x1f{fold(given_names)}\x1f{surname}\x1f{given_names}"


def given_names_sort_key(surname: str, given_names: str) -> str:
    """Like :func:`name_sort_key`, for a list ordered by given names first."""
    return name_sort_key(given_names, surname)
