"""The attestation of a stage: what it says, when it says "l'intégralité", the duplicata,
escaping, fonts, several attestations in one file, and the logo given as bytes."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest
from pypdf import PdfReader

from spip_desktop.domain.documents import (
    AttendedSessionLine,
    AttestationDocument,
    Letterhead,
    PrintStamp,
)
from spip_desktop.reports import build_attestation, build_attestations
from spip_desktop.reports.layout import (
    Cancelled,
    DocumentPart,
    build_combined_pdf,
    keep_together,
    load_logo,
    paragraph,
    signature_block,
)

from .conftest import (
    STAMP_TEXT,
    all_text,
    draws_xobjects,
    font_names,
    image_bytes,
    image_numbers,
    page_texts,
)


def _sessions(count: int, first: date = date(2026, 3, 2)) -> tuple[AttendedSessionLine, ...]:
    return tuple(
        AttendedSessionLine(
            day=date(first.year, first.month, first.day + n),
            start=time(9, 0),
            end=time(12, 0),
            outcome="Retard" if n == 1 else "Présent",
            minutes=180,
        )
        for n in range(count)
    )


@pytest.fixture
def doc() -> AttestationDocument:
    sessions = _sessions(4)
    return AttestationDocument(
        number="SPIP-33-2026-00042",
        validated=True,
        surname="Lefèvre-d'Arc",
        given_names="Élodie",
        birth_date=date(1990, 3, 12),
        birth_place="Lyon",
        action_noun="stage",
        action_name="Stage de citoyenneté",
        cadre="Composition pénale",
        decision_reference="CP 26/0142",
        recipient="Monsieur le procureur de la République près le tribunal judiciaire de Bordeaux",
        organiser="Association Citoyens 33",
        venue="Maison de la justice et du droit de Bordeaux",
        first_day=date(2026, 3, 2),
        last_day=date(2026, 3, 5),
        sessions=sessions,
        attended_minutes=720,
        required_minutes=720,
        place="Bordeaux",
        signatory_name="Anne MARTIN",
        signatory_role="La directrice fonctionnelle",
        issued_on=date(2026, 3, 12),
    )


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


# --- What it says ----------------------------------------------------------------------------


def test_validated_attestation_states_the_whole_stage(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    pdf = build_attestation(doc, head, stamp)
    text = all_text(pdf)

    assert _pages(pdf) == 1
    assert "Attestation de suivi de stage" in text
    assert "N° SPIP-33-2026-00042" in text
    assert "Attestation n° SPIP-33-2026-00042" in text  # the reference, top right
    assert "Destinataire : Monsieur le procureur de la République" in text
    assert "service pénitentiaire d'insertion et de probation (SPIP de la Gironde) atteste" in text
    assert "LEFÈVRE-D'ARC Élodie" in text
    assert "né(e) le 12 mars 1990 à Lyon" in text
    assert "a suivi l'intégralité du stage « Stage de citoyenneté »" in text
    assert "organisé par Association Citoyens 33" in text
    assert "du 2 mars 2026 au 5 mars 2026" in text
    assert "Maison de la justice et du droit de Bordeaux" in text
    for label, value in (
        ("Cadre", "Composition pénale"),
        ("Référence de la décision", "CP 26/0142"),
        ("Organisateur", "Association Citoyens 33"),
        ("Lieu", "Maison de la justice et du droit de Bordeaux"),
    ):
        assert f"{label} {value}" in text
    assert "Heures suivies : 12 h sur 12 h requises" in text
    assert "Attestation délivrée pour servir et valoir ce que de droit." in text
    assert "Fait à Bordeaux, le 12 mars 2026" in text
    assert "La directrice fonctionnelle" in text
    assert "Anne MARTIN" in text
    assert f"{STAMP_TEXT} — page 1 sur 1" in text
    assert "DUPLICATA" not in text.upper()


def test_sessions_are_listed_with_dates_hours_and_total(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    text = all_text(build_attestation(doc, head, stamp))

    assert re.search(r"Date\s+Horaires\s+Durée\s+Présence", text)
    assert "02/03/2026 9 h – 12 h 3 h Présent" in text
    assert "03/03/2026 9 h – 12 h 3 h Retard" in text
    assert "05/03/2026 9 h – 12 h 3 h Présent" in text
    assert "Total 12 h 4 séances" in text


def test_attendance_only_never_claims_the_whole_stage(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    partial = replace(doc, validated=False, sessions=doc.sessions[:2], attended_minutes=360)
    text = all_text(build_attestation(partial, head, stamp))

    assert "Attestation de présence" in text
    assert "Attestation de suivi" not in text
    assert "intégralité" not in text
    assert "a été présent(e) aux séances listées ci-dessous du stage « Stage de citoyenneté »" in (
        text
    )
    assert "02/03/2026" in text
    assert "03/03/2026" in text
    assert "04/03/2026" not in text
    assert "Heures suivies : 6 h sur 12 h requises" in text


@pytest.mark.parametrize(
    ("noun", "title", "whole", "organised"),
    [
        (
            "programme",
            "Attestation de suivi de programme",
            "l'intégralité du programme",
            "organisé",
        ),
        ("action", "Attestation de suivi d'action", "l'intégralité de l'action", "organisée"),
    ],
)
def test_the_action_noun_is_declined(
    doc: AttestationDocument,
    head: Letterhead,
    stamp: PrintStamp,
    noun: str,
    title: str,
    whole: str,
    organised: str,
) -> None:
    text = all_text(build_attestation(replace(doc, action_noun=noun), head, stamp))

    assert title in text
    assert f"{whole} « Stage de citoyenneté »" in text
    assert f"{organised} par Association Citoyens 33" in text


def test_one_day_stage_usage_name_and_defaults(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    one_day = replace(
        doc,
        first_day=date(2026, 3, 2),
        last_day=date(2026, 3, 2),
        sessions=doc.sessions[:1],
        usage_name="Martin",
        birth_date=None,
        decision_reference="",
        signatory_role="",
        required_minutes=0,
        attended_minutes=180,
    )
    text = all_text(build_attestation(one_day, head, stamp))

    assert ", le 2 mars 2026" in text
    assert "du 2 mars" not in text
    assert "LEFÈVRE-D'ARC Élodie (nom d'usage MARTIN)" in text
    assert "né(e) à Lyon" in text
    assert "Référence de la décision Non communiquée" in text
    assert "Pour le directeur du service" in text
    assert "Heures suivies : 3 h." in text


def test_no_session_says_so(doc: AttestationDocument, head: Letterhead, stamp: PrintStamp) -> None:
    empty = replace(doc, validated=False, sessions=(), attended_minutes=0)
    assert "Aucune séance suivie." in all_text(build_attestation(empty, head, stamp))


# --- Duplicata -------------------------------------------------------------------------------


def test_duplicata_is_marked_and_the_original_is_not(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    original = all_text(build_attestation(doc, head, stamp))
    copy = build_attestation(doc, head, stamp, duplicata=True)
    text = all_text(copy)

    assert "DUPLICATA" not in original.upper()
    assert "Duplicata" not in original
    assert "DUPLICATA" in text
    assert "Duplicata de l'attestation délivrée le 12 mars 2026." in text
    assert "Fait à Bordeaux, le 12 mars 2026" in text  # the original's date, not today's
    # The stamp under the title, and the watermark across the page.
    assert text.count("DUPLICATA") >= 2


def test_duplicata_watermark_is_on_every_page_of_that_attestation(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    long = replace(doc, validated=False, sessions=_sessions(25, date(2026, 1, 1)))
    pages = page_texts(build_attestation(long, head, stamp, duplicata=True))

    assert len(pages) == 2
    assert all("DUPLICATA" in page for page in pages)


# --- Escaping, long text, fonts, page fit ----------------------------------------------------


def test_user_text_prints_as_typed(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    tricky = '<b>&amp; "O\'Brien" & <script>'
    odd = replace(
        doc,
        given_names=tricky,
        surname="d'Arc <i>&",
        birth_place="Lyon <3 & co",
        action_name="Stage « A & B » <br/>",
        organiser="Asso <Citoyens> & fils",
        venue="Salle <b>Rouge</b>",
        recipient="Le procureur <& co>",
    )
    text = all_text(build_attestation(odd, head, stamp))

    assert f"D'ARC <I>& {tricky}" in text
    assert "à Lyon <3 & co" in text
    assert "Stage « A & B » <br/>" in text
    assert "Asso <Citoyens> & fils" in text
    assert "Salle <b>Rouge</b>" in text
    assert "Destinataire : Le procureur <& co>" in text


def test_a_very_long_name_wraps(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    given = " ".join(["Marie-Thérèse"] * 14)  # about 200 characters
    unbroken = "X" * 200
    assert len(given) >= 190
    pdf = build_attestation(replace(doc, given_names=given, surname=unbroken), head, stamp)
    text = all_text(pdf)

    assert given in text
    assert unbroken in text.replace(" ", "")
    assert _pages(pdf) == 1


def test_only_the_embedded_dejavu_fonts_are_used(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    fonts = font_names(build_attestation(doc, head, stamp, duplicata=True))
    assert fonts and all("DejaVuSans" in name for name in fonts), fonts


def test_eight_sessions_fit_on_one_page_and_a_long_list_flows_on(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    with_logo = replace(head, logo_png=image_bytes())
    eight = replace(doc, sessions=_sessions(8), last_day=date(2026, 3, 9))
    assert _pages(build_attestation(eight, with_logo, stamp, duplicata=True)) == 1

    many = replace(doc, validated=False, sessions=_sessions(28, date(2026, 1, 1)))
    pages = page_texts(build_attestation(many, with_logo, stamp))
    assert len(pages) == 2
    assert "28/01/2026" in pages[1]
    assert re.search(r"Date\s*\n?\s*Horaires", pages[1])  # the header is repeated
    assert "Fait à Bordeaux" in pages[1]
    assert "pour servir et valoir" in pages[1]  # kept with the signature
    assert f"{STAMP_TEXT} — page 2 sur 2" in pages[1]


# --- Several attestations in one file --------------------------------------------------------


def test_combined_file_numbers_each_attestation_on_its_own(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    second = replace(
        doc, number="SPIP-33-2026-00043", validated=False, sessions=_sessions(28, date(2026, 1, 1))
    )
    third = replace(doc, number="SPIP-33-2026-00044", surname="Martin")
    pdf = build_attestations([(doc, False), (second, True), (third, False)], head, stamp)
    pages = page_texts(pdf)

    assert len(pages) == 4
    numbers = [re.findall(r"SPIP-33-2026-000(\d\d)", page) for page in pages]
    assert set(numbers[0]) == {"42"}
    assert set(numbers[1]) == {"43"}
    assert "SPIP-33-2026-000" not in pages[2] or set(numbers[2]) == {"43"}
    assert set(numbers[3]) == {"44"}
    footers = [re.search(r"page (\d+) sur (\d+)", page).groups() for page in pages]  # type: ignore[union-attr]
    assert footers == [("1", "1"), ("1", "2"), ("2", "2"), ("1", "1")]
    assert all_text(pdf).count("page 1 sur 1") == 2
    # Each attestation starts with the whole letterhead; its second page has the running header.
    assert ["RÉPUBLIQUE FRANÇAISE" in page for page in pages] == [True, True, False, True]
    assert "Attestation de présence" in pages[2]
    # The duplicata mark stays on the duplicata's pages.
    assert ["DUPLICATA" in page for page in pages] == [False, True, True, False]


def test_combined_file_of_three_reads_page_1_of_1_three_times(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    docs = [(replace(doc, number=f"SPIP-33-2026-0010{n}"), False) for n in range(3)]
    pages = page_texts(build_attestations(docs, head, stamp))

    assert len(pages) == 3
    for n, page in enumerate(pages):
        assert f"SPIP-33-2026-0010{n}" in page
        assert f"{STAMP_TEXT} — page 1 sur 1" in page


def test_progress_is_reported_and_can_cancel(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    docs = [(replace(doc, number=f"N-{n}"), False) for n in range(4)]
    seen: list[int] = []

    build_attestations(docs, head, stamp, progress=lambda i: seen.append(i) is None)
    assert seen == [1, 2, 3, 4]

    seen.clear()

    def stop_at_two(i: int) -> bool:
        seen.append(i)
        return i < 2

    with pytest.raises(Cancelled):
        build_attestations(docs, head, stamp, progress=stop_at_two)
    assert seen == [1, 2]


def test_an_empty_batch_is_refused(head: Letterhead, stamp: PrintStamp) -> None:
    with pytest.raises(ValueError):
        build_attestations([], head, stamp)
    with pytest.raises(ValueError):
        build_combined_pdf([], head, stamp, title="Rien")


def test_combined_parts_keep_their_references_and_titles(
    head: Letterhead, stamp: PrintStamp
) -> None:
    parts = [
        DocumentPart([paragraph(f"Corps {n} ") for _ in range(60)], f"Titre {n}", f"Réf. {n}")
        for n in range(2)
    ]
    pages = page_texts(build_combined_pdf(parts, head, stamp, title="Lot"))

    assert len(pages) == 4
    assert "Réf. 0" in pages[0] and "Réf. 1" in pages[2]
    assert "Titre 0" in pages[1] and "Titre 1" in pages[3]  # running headers
    assert "Corps 1" not in pages[1] and "Corps 0" not in pages[2]


# --- Logo given as bytes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "logo",
    [image_bytes("PNG"), image_bytes("JPEG"), image_bytes("PNG", "RGBA"), image_bytes("PNG", "P")],
    ids=["png", "jpeg", "png-transparent", "png-palette"],
)
def test_logo_bytes_print_on_the_first_page(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp, logo: bytes
) -> None:
    pdf = build_attestation(doc, replace(head, logo_png=logo), stamp)

    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) >= 1
    assert draws_xobjects(pdf) == [True]
    assert "Attestation n° SPIP-33-2026-00042" in all_text(pdf)


def test_unreadable_logo_bytes_give_a_text_letterhead(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    for garbage in (b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"GIF89a"):
        assert load_logo(None, garbage) is None
        pdf = build_attestation(doc, replace(head, logo_png=garbage), stamp)
        assert "SPIP de la Gironde" in all_text(pdf)
        assert not image_numbers(pdf)
        assert draws_xobjects(pdf) == [False]


def test_a_logo_file_wins_over_logo_bytes(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(image_bytes(size=(30, 30)))
    from_file = load_logo(path, image_bytes(size=(90, 10)))
    assert from_file is not None and from_file.getSize() == (30, 30)
    from_bytes = load_logo(None, image_bytes(size=(90, 10)))
    assert from_bytes is not None and from_bytes.getSize() == (90, 10)


def test_logo_is_decoded_once_and_stored_once_in_a_batch(
    doc: AttestationDocument, head: Letterhead, stamp: PrintStamp
) -> None:
    logo = image_bytes(size=(400, 200))
    assert load_logo(None, logo) is load_logo(None, bytes(bytearray(logo)))  # once per content

    with_logo = replace(head, logo_png=logo)
    docs = [(replace(doc, number=f"N-{n}"), False) for n in range(5)]
    pdf = build_attestations(docs, with_logo, stamp)

    assert draws_xobjects(pdf) == [True] * 5  # on each first page...
    assert len(image_numbers(pdf)) == 1  # ...the same image


def test_a_huge_logo_is_scaled_down(head: Letterhead) -> None:
    reader = load_logo(None, image_bytes(size=(4000, 2000)))
    assert reader is not None
    width, height = reader.getSize()
    assert width <= 600 and height <= 300
    assert width / height == pytest.approx(2, rel=0.02)


# --- Blocks kept together --------------------------------------------------------------------


def test_blocks_kept_together_can_be_nested_without_breaking_the_page(
    head: Letterhead, stamp: PrintStamp
) -> None:
    signature = signature_block("Bordeaux", date(2026, 3, 12), role="La directrice")
    story = [paragraph("Avant"), keep_together([paragraph("Phrase finale."), signature])]
    pages = page_texts(build_combined_pdf([DocumentPart(story, "Essai")], head, stamp, title="E"))

    assert len(pages) == 1
    assert "Phrase finale." in pages[0] and "La directrice" in pages[0]


def test_a_block_kept_together_moves_whole_to_the_next_page(
    head: Letterhead, stamp: PrintStamp
) -> None:
    filler = [paragraph(f"Ligne {n}") for n in range(46)]
    signature = signature_block("Bordeaux", date(2026, 3, 12), role="La directrice")
    story = [*filler, keep_together([paragraph("Phrase finale."), signature])]
    pages = page_texts(build_combined_pdf([DocumentPart(story, "Essai")], head, stamp, title="E"))

    assert len(pages) == 2
    assert "Phrase finale." in pages[1] and "Fait à Bordeaux" in pages[1]
    assert "Phrase finale." not in pages[0]
