"""Shared data for the PDF tests: a letterhead, a print stamp, and a PDF text reader."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from pypdf import PdfReader

from spip_desktop.domain.documents import Letterhead, PrintStamp

STAMP_TEXT = "Édité le 27/11/2026 à 14:05 par Élodie LEFÈVRE"


def normalise(text: str) -> str:
    """French no-break spaces read back as plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, no-break spaces normalised."""
    return [normalise(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    """The whole text on one line (single spaces), for phrases that may wrap anywhere."""
    return " ".join(" ".join(page_texts(pdf)).split())


def font_names(pdf: bytes) -> set[str]:
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get("/Font", {})
        names |= {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
    return names


@pytest.fixture
def head() -> Letterhead:
    return Letterhead(
        service_name="SPIP de la Gironde",
        address_lines=("13 rue Élisée-Reclus", "33000 Bordeaux"),
        city="Bordeaux",
        logo_path=None,
        service_code="33",
    )


@pytest.fixture
def stamp() -> PrintStamp:
    return PrintStamp(datetime(2026, 11, 27, 14, 5), "Élodie LEFÈVRE")
