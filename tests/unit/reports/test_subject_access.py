"""The right-of-access statement: every section of what is held about one person."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from spip_desktop.domain.documents import (
    AccessSection,
    Letterhead,
    PrintStamp,
    SubjectAccessReport,
)
from spip_desktop.reports import build_subject_access

from .conftest import STAMP_TEXT, all_text, page_texts

IDENTITY = AccessSection(
    "Identité",
    ("Donnée", "Valeur"),
    (
        ("Nom", "DUPONT"),
        ("Prénoms", "Jean, Œdipe, Gaëtan"),
        ("Lieu de naissance", "Saint-Étienne (Loire)"),
        ("Adresse", "4 allée des Cœurs-Vaillants, 33800 Bordeaux"),
    ),
)
MEASURES = AccessSection(
    "Mesures",
    ("Mesure", "Juridiction", "Décision", "Saisine", "Début", "Fin", "JAP", "Obligations"),
    (
        (
            "Sursis probatoire (suivi renforcé)",
            "Tribunal judiciaire de Bordeaux",
            "14/01/2026",
            "02/02/2026",
            "14/01/2026",
            "13/01/2028",
            "Mme Anne-Sophie MARTIN",
            "Exercer une activité professionnelle ou suivre une formation ; obligation de soins",
        ),
    ),
)
DOCUMENTS = AccessSection("Documents reçus", ("Document", "Reçu le"))
JOURNAL = AccessSection(
    "Journal des consultations",
    ("Date", "Agent", "Action", "Détail"),
    tuple(
        (
            f"{n % 28 + 1:02d}/03/2026 à 10:{n % 60:02d}",
            "Élodie LEFÈVRE",
            "Consultation",
            f"Accès n° {n}",
        )
        for n in range(1, 301)
    ),
)


@pytest.fixture
def report() -> SubjectAccessReport:
    return SubjectAccessReport(
        "Jean DUPONT — dossier 2026-000001", (IDENTITY, MEASURES, DOCUMENTS, JOURNAL)
    )


def test_title_person_and_sections(
    report: SubjectAccessReport, head: Letterhead, stamp: PrintStamp
) -> None:
    text = all_text(build_subject_access(report, head, stamp))

    assert "Relevé des données détenues (droit d'accès)" in text
    assert "Jean DUPONT — dossier 2026-000001" in text
    assert "au 27 novembre 2026" in text
    for heading in (
        "1. Identité (4 enregistrements)",
        "2. Mesures (1 enregistrement)",
        "3. Documents reçus",
        "4. Journal des consultations (300 enregistrements)",
    ):
        assert heading in text
    for value in (
        "Jean, Œdipe, Gaëtan",
        "Saint-Étienne (Loire)",
        "Cœurs-Vaillants",
        "Tribunal judiciaire de Bordeaux",
    ):
        assert value in text
    assert "Fait à Bordeaux, le 27 novembre 2026" in text


def test_empty_section_says_no_data(
    report: SubjectAccessReport, head: Letterhead, stamp: PrintStamp
) -> None:
    text = all_text(build_subject_access(report, head, stamp))
    assert "3. Documents reçus Aucune donnée." in text


def test_every_page_is_stamped_numbered_and_marked_confidential(
    report: SubjectAccessReport, head: Letterhead, stamp: PrintStamp
) -> None:
    pages = page_texts(build_subject_access(report, head, stamp))

    assert len(pages) >= 4
    for number, text in enumerate(pages, start=1):
        assert f"{STAMP_TEXT} — page {number} sur {len(pages)}" in text
        assert "Document confidentiel — données à caractère personnel" in text


def test_long_section_spans_pages_and_repeats_its_header(
    report: SubjectAccessReport, head: Letterhead, stamp: PrintStamp
) -> None:
    pages = page_texts(build_subject_access(report, head, stamp))
    journal_pages = [page for page in pages if "Accès n° " in page]

    assert len(journal_pages) >= 3
    for page in journal_pages:
        assert re.search(r"Date\s*\n\s*Agent\s*\n\s*Action\s*\n\s*Détail", page)
    text = "\n".join(pages)
    assert all(f"Accès n° {n}\n" in text for n in range(1, 301))


def test_crowded_section_is_printed_on_a_landscape_page(
    report: SubjectAccessReport, head: Letterhead, stamp: PrintStamp
) -> None:
    reader = PdfReader(io.BytesIO(build_subject_access(report, head, stamp)))
    shapes = {
        index: float(page.mediabox.width) > float(page.mediabox.height)
        for index, page in enumerate(reader.pages)
    }
    texts = [page.extract_text() for page in reader.pages]

    measures = [i for i, text in enumerate(texts) if "13/01/2028" in text]
    assert measures and all(shapes[i] for i in measures)
    assert not shapes[0]  # the letterhead page
    assert not any(shapes[i] for i, text in enumerate(texts) if "Accès n° " in text)


def test_without_any_section(head: Letterhead, stamp: PrintStamp) -> None:
    report = SubjectAccessReport("Jean DUPONT — dossier 2026-000001", ())
    text = all_text(build_subject_access(report, head, stamp))
    assert "Aucune donnée n'est enregistrée au sujet de cette personne." in text


def test_missing_logo_does_not_stop_the_statement(
    report: SubjectAccessReport, head: Letterhead, stamp: PrintStamp, tmp_path: Path
) -> None:
    head = Letterhead(head.service_name, head.address_lines, head.city, tmp_path / "none.png", "33")
    assert "RÉPUBLIQUE FRANÇAISE" in all_text(build_subject_access(report, head, stamp))


def test_a_row_must_match_its_columns() -> None:
    with pytest.raises(ValueError, match="row 0"):
        AccessSection("Identité", ("Donnée", "Valeur"), (("Nom",),))
    with pytest.raises(ValueError):
        AccessSection("Identité", ())
