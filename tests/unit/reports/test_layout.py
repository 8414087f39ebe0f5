"""The shared page layout: letterhead, footer numbering, fonts, tables, signature."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.platypus import Flowable

from spip_desktop.domain.documents import Letterhead, PrintStamp
from spip_desktop.reports.layout import (
    CONTENT_WIDTH,
    build_pdf,
    data_table,
    document_title,
    grid_table,
    load_logo,
    needs_landscape,
    orientation_switch,
    paragraph,
    place_and_date,
    section_heading,
    signature_block,
    stamp_text,
    summary_table,
)

from .conftest import STAMP_TEXT, all_text, font_names, page_texts

FRENCH = "Œuvre, cœur, ex æquo, « guillemets », l’apostrophe, ÉLÈVE, Ça, naïf, 1 250 €"


def _pdf(story: list[Flowable], head: Letterhead, stamp: PrintStamp, **kwargs: str) -> bytes:
    return build_pdf(story, head, stamp, title=kwargs.pop("title", "Document d'essai"), **kwargs)


def _png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (120, 60), (31, 58, 95)).save(path)
    return path


def test_stamp_text_is_the_french_footer_line() -> None:
    stamp = PrintStamp(datetime(2026, 11, 27, 14, 5), "Élodie LEFÈVRE")
    assert stamp_text(stamp, 1, 3) == (
        "Édité le 27/11/2026 à 14:05 par Élodie LEFÈVRE — page 1 sur 3"
    )
    assert stamp_text(PrintStamp(datetime(2026, 1, 2, 9, 0), ""), 2, 2) == (
        "Édité le 02/01/2026 à 09:00 — page 2 sur 2"
    )


def test_place_and_date_is_written_out() -> None:
    assert place_and_date("Bordeaux", date(2026, 11, 27)) == "Fait à Bordeaux, le 27 novembre 2026"
    assert place_and_date("", date(2026, 12, 1)) == "Fait le 1er décembre 2026"


def test_first_page_carries_the_letterhead_and_every_page_its_number(
    head: Letterhead, stamp: PrintStamp
) -> None:
    story: list[Flowable] = [
        *document_title("Document d'essai", "N° 2026-0001"),
        *[paragraph(f"Paragraphe {n} : {FRENCH}.") for n in range(120)],
    ]
    pages = page_texts(_pdf(story, head, stamp))

    assert len(pages) >= 3
    first = pages[0]
    for line in (
        "RÉPUBLIQUE FRANÇAISE",
        "Ministère de la Justice",
        "Direction de l'administration pénitentiaire",
        "SPIP de la Gironde",
        "13 rue Élisée-Reclus",
        "33000 Bordeaux",
    ):
        assert line in first
    for number, text in enumerate(pages, start=1):
        assert f"{STAMP_TEXT} — page {number} sur {len(pages)}" in text
    # Later pages: a running header, not the whole letterhead again.
    assert "SPIP de la Gironde" in pages[1]
    assert "Document d'essai" in pages[1]
    assert "RÉPUBLIQUE FRANÇAISE" not in pages[1]


def test_french_characters_print_with_the_embedded_font(
    head: Letterhead, stamp: PrintStamp
) -> None:
    pdf = _pdf([paragraph(FRENCH)], head, stamp)

    assert FRENCH in all_text(pdf)
    fonts = font_names(pdf)
    assert fonts and all("DejaVuSans" in name for name in fonts), fonts


def test_plain_text_is_escaped_not_read_as_markup(head: Letterhead, stamp: PrintStamp) -> None:
    tricky = "O'Brien & fils <inconnu> <b>pas gras</b>"
    story: list[Flowable] = [
        paragraph(tricky),
        data_table(("Nom", "Note"), [(tricky, "a < b & c > d")]),
        summary_table([("Libellé & co", tricky)]),
    ]
    text = all_text(_pdf(story, head, stamp))

    assert text.count(tricky) == 3
    assert "a < b & c > d" in text


def test_footer_note_prints_on_every_page(head: Letterhead, stamp: PrintStamp) -> None:
    story = [paragraph(f"Ligne {n}") for n in range(200)]
    pages = page_texts(_pdf(story, head, stamp, footer_note="Document confidentiel"))

    assert len(pages) > 1
    assert all("Document confidentiel" in text for text in pages)


def test_missing_logo_falls_back_to_a_text_letterhead(
    head: Letterhead, stamp: PrintStamp, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    svg = tmp_path / "logo.svg"
    svg.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    for logo in (tmp_path / "absent.png", broken, svg):
        assert load_logo(logo) is None
        with_logo = Letterhead(head.service_name, head.address_lines, head.city, logo, "33")
        pdf = _pdf([paragraph("Corps")], with_logo, stamp)
        assert "SPIP de la Gironde" in all_text(pdf)
        assert not _images(pdf)


def test_logo_prints_top_right_when_readable(
    head: Letterhead, stamp: PrintStamp, tmp_path: Path
) -> None:
    logo = _png(tmp_path / "logo.png")
    with_logo = Letterhead(head.service_name, head.address_lines, head.city, logo, "33")

    pdf = _pdf([paragraph("Corps")], with_logo, stamp, reference="Réf. : 2026-0001")

    assert len(_images(pdf)) == 1
    assert "Réf. : 2026-0001" in all_text(pdf)


def _images(pdf: bytes) -> list[object]:
    return [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]


def test_long_table_repeats_its_header_on_every_page(head: Letterhead, stamp: PrintStamp) -> None:
    rows = [(f"{n:03d}/2026", f"Ligne numéro {n}", "Présent") for n in range(1, 301)]
    story: list[Flowable] = [
        *section_heading("Émargements"),
        data_table(("Date", "Libellé", "Présence"), rows),
    ]
    pages = page_texts(_pdf(story, head, stamp))

    assert len(pages) >= 4
    text = "\n".join(pages)
    assert all(f"Ligne numéro {n}\n" in text for n in range(1, 301))  # each row once, whole
    for page in pages:
        assert re.search(r"Date\s*\n\s*Libellé\s*\n\s*Présence", page), page[:200]


def test_a_cell_longer_than_a_page_is_split_not_lost(head: Letterhead, stamp: PrintStamp) -> None:
    long_note = " ".join(f"mot{n}" for n in range(4000))
    story = [data_table(("Date", "Note"), [("01/01/2026", long_note)])]
    text = all_text(_pdf(story, head, stamp))

    assert "mot0 mot1 " in text
    assert "mot3999" in text


def test_empty_table_says_so(head: Letterhead, stamp: PrintStamp) -> None:
    text = all_text(_pdf([data_table(("Date", "Libellé"), [])], head, stamp))
    assert "Aucune donnée." in text


def test_grid_lists_every_value(head: Letterhead, stamp: PrintStamp) -> None:
    values = [f"2026-{n:06d}" for n in range(1, 24)]
    text = all_text(_pdf([grid_table(values, columns=5)], head, stamp))
    assert all(value in text for value in values)


def test_signature_block_shows_place_date_role_and_name(
    head: Letterhead, stamp: PrintStamp
) -> None:
    block = signature_block(
        "Bordeaux", date(2026, 11, 27), role="La directrice", signatory="Anne MARTIN"
    )
    text = all_text(_pdf([block], head, stamp))

    assert "Fait à Bordeaux, le 27 novembre 2026" in text
    assert "La directrice" in text
    assert "Anne MARTIN" in text
    assert "Signature et cachet du service" in text


def test_orientation_switch_gives_landscape_pages(head: Letterhead, stamp: PrintStamp) -> None:
    story: list[Flowable] = [
        paragraph("Portrait"),
        *orientation_switch(True),
        paragraph("Paysage"),
        *orientation_switch(False),
        paragraph("Portrait encore"),
    ]
    pages = PdfReader(io.BytesIO(_pdf(story, head, stamp))).pages

    shapes = [float(p.mediabox.width) > float(p.mediabox.height) for p in pages]
    assert shapes == [False, True, False]


def test_crowded_tables_need_landscape() -> None:
    measures = (
        ("Mesure", "Juridiction", "Décision", "Saisine", "Début", "Fin", "JAP", "Obligations"),
        [
            (
                "Sursis probatoire (suivi renforcé)",
                "Tribunal judiciaire de Bordeaux",
                "14/01/2026",
                "02/02/2026",
                "14/01/2026",
                "13/01/2028",
                "Mme Anne-Sophie MARTIN",
                "Exercer une activité professionnelle ; obligation de soins",
            )
        ],
    )
    identity = (("Donnée", "Valeur"), [("Nom", "DUPONT"), ("Prénoms", "Jean")])

    assert needs_landscape(*measures)
    assert not needs_landscape(*identity)


def test_table_fills_the_frame_width() -> None:
    table = data_table(("A", "B"), [("x", "y")])
    assert sum(table._colWidths) == pytest.approx(CONTENT_WIDTH)
