"""The sign-in sheet of a session: the session written out, one signing line per person."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, time

import pytest
from pypdf import PdfReader
from reportlab.platypus import Table

from spip_desktop.domain.documents import Letterhead, PrintStamp, SignInLine, SignInSheet
from spip_desktop.reports import build_sign_in_sheet
from spip_desktop.reports.layout import CONTENT_WIDTH
from spip_desktop.reports.sign_in_sheet import (
    SIGNATURE_HEIGHT,
    format_day,
    story_for_sign_in_sheet,
)

from .conftest import STAMP_TEXT, all_text, font_names, page_texts

PEOPLE = (
    SignInLine("MARTIN", "Gaëlle", date(1990, 3, 12)),
    SignInLine("N'DIAYE", "Moussa", date(1985, 7, 1)),
    SignInLine("LŒUILLET", "Zoé", None),
    SignInLine("ABADIE", "Jean-Pierre", date(2001, 12, 31)),  # not re-sorted: printed as given
)


@pytest.fixture
def sheet() -> SignInSheet:
    return SignInSheet(
        action_name="Stage de citoyenneté",
        stage_title="Stage de citoyenneté — session de mars",
        day=date(2026, 3, 12),
        start=time(9, 30),
        end=time(12, 0),
        venue="Maison de la justice et du droit de Bordeaux",
        organiser="Association Citoyens 33",
        facilitators="Karim BENALI, Julie ROUSSEAU",
        session_number=2,
        session_count=4,
        people=PEOPLE,
        label="Les valeurs de la République",
    )


def test_the_session_is_written_out(
    sheet: SignInSheet, head: Letterhead, stamp: PrintStamp
) -> None:
    pdf = build_sign_in_sheet(sheet, head, stamp)
    text = all_text(pdf)

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert "Feuille d'émargement" in text
    assert "Stage de citoyenneté" in text
    assert "Stage de citoyenneté — session de mars" in text
    assert "Séance 2 sur 4 — Les valeurs de la République" in text
    assert "jeudi 12 mars 2026, de 9 h 30 à 12 h" in text
    assert "Maison de la justice et du droit de Bordeaux" in text
    assert "Association Citoyens 33" in text
    assert "Karim BENALI, Julie ROUSSEAU" in text
    assert "Séance du 12/03/2026" in text  # the reference, top right
    assert "Signature de l'intervenant" in text
    assert "Personnes inscrites : 4" in text
    assert f"{STAMP_TEXT} — page 1 sur 1" in text


def test_people_are_listed_in_the_order_given(
    sheet: SignInSheet, head: Letterhead, stamp: PrintStamp
) -> None:
    text = all_text(build_sign_in_sheet(sheet, head, stamp))

    assert re.search(r"N°\s+Nom\s+Prénoms\s+Date de\s+naissance\s+Signature\s+Arrivée", text)
    positions = [text.index(f"{n} {p.surname} {p.given_names}") for n, p in enumerate(PEOPLE, 1)]
    assert positions == sorted(positions)
    assert "MARTIN Gaëlle 12/03/1990" in text
    assert "ABADIE Jean-Pierre 31/12/2001" in text


def test_every_line_leaves_room_to_sign(sheet: SignInSheet) -> None:
    tables = [
        flowable
        for flowable in story_for_sign_in_sheet(sheet)
        if isinstance(flowable, Table) and len(flowable._cellvalues[0]) == 6
    ]
    assert len(tables) == 1
    tables[0].wrap(CONTENT_WIDTH, 10_000)
    heights = tables[0]._rowHeights[1:]
    assert len(heights) == len(PEOPLE)
    assert min(heights) >= SIGNATURE_HEIGHT - 0.01


def test_a_long_list_continues_under_the_repeated_header(
    sheet: SignInSheet, head: Letterhead, stamp: PrintStamp
) -> None:
    people = tuple(SignInLine(f"NOM{n:02d}", f"Prénom{n:02d}") for n in range(1, 41))
    pages = page_texts(build_sign_in_sheet(replace(sheet, people=people), head, stamp))

    assert len(pages) >= 3
    for page in pages:
        if "NOM" in page:
            assert re.search(r"N°\s*\n?\s*Nom\s*\n?\s*Prénoms", page), page[:300]
    text = "\n".join(pages)
    assert all(f"NOM{n:02d}" in text for n in range(1, 41))
    assert text.index("NOM39") < text.index("NOM40")
    assert "Signature de l'intervenant" in pages[-1]
    assert "Signature de l'intervenant" not in pages[0]
    for number, page in enumerate(pages, start=1):
        assert f"page {number} sur {len(pages)}" in page
    assert "séance du 12/03/2026" in pages[1]  # the running header of later pages


def test_an_empty_sheet_still_prints(
    sheet: SignInSheet, head: Letterhead, stamp: PrintStamp
) -> None:
    pdf = build_sign_in_sheet(replace(sheet, people=(), label=""), head, stamp)
    text = all_text(pdf)

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert "Aucune personne inscrite." in text
    assert "Séance 2 sur 4" in text
    assert "Séance 2 sur 4 —" not in text
    assert "Signature de l'intervenant" in text


def test_names_print_as_typed_with_the_embedded_fonts(
    sheet: SignInSheet, head: Letterhead, stamp: PrintStamp
) -> None:
    tricky = SignInLine("O'BRIEN <b>&amp;", '<script> & "Seán"', date(1999, 1, 2))
    pdf = build_sign_in_sheet(replace(sheet, people=(tricky,), venue="Salle <A & B>"), head, stamp)
    text = all_text(pdf)

    assert "O'BRIEN <b>&amp;" in text
    assert '<script> & "Seán"' in text
    assert "Salle <A & B>" in text
    fonts = font_names(pdf)
    assert fonts and all("DejaVuSans" in name for name in fonts), fonts


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 9), "lundi 9 mars 2026"),
        (date(2026, 3, 10), "mardi 10 mars 2026"),
        (date(2026, 3, 11), "mercredi 11 mars 2026"),
        (date(2026, 3, 12), "jeudi 12 mars 2026"),
        (date(2026, 3, 13), "vendredi 13 mars 2026"),
        (date(2026, 3, 14), "samedi 14 mars 2026"),
        (date(2026, 3, 1), "dimanche 1er mars 2026"),
    ],
)
def test_days_are_written_in_french(day: date, expected: str) -> None:
    assert format_day(day) == expected
