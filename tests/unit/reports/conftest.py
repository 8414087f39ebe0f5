"""Shared data for the PDF tests: a letterhead, a print stamp, and a PDF text reader."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

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


def image_bytes(
    image_format: str = "PNG", mode: str = "RGB", size: tuple[int, int] = (120, 60)
) -> bytes:
    """A small logo as stored in the service's settings (PNG or JPEG bytes)."""
    from PIL import Image

    colour = (31, 58, 95, 128) if mode == "RGBA" else (31, 58, 95)
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, image_format)
    return buffer.getvalue()


def image_numbers(pdf: bytes) -> set[int]:
    """The object numbers of the distinct images a PDF holds (inside forms too)."""
    found: set[int] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found |= _image_numbers(page["/Resources"])
    return found


def draws_xobjects(pdf: bytes) -> list[bool]:
    """For each page, whether its content draws an XObject (an image or a form)."""
    return [b" Do" in page.get_contents().get_data() for page in PdfReader(io.BytesIO(pdf)).pages]


def _image_numbers(resources: Any) -> set[int]:
    found: set[int] = set()
    for ref in resources.get("/XObject", {}).values():
        xobject = ref.get_object()
        if xobject["/Subtype"] == "/Image":
            found.add(ref.idnum)
        elif "/Resources" in xobject:
            found |= _image_numbers(xobject["/Resources"])
    return found
