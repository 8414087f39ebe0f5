"""The retention certificate: what was done, under which rule, to which files — never to whom."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

import pytest

from spip_desktop.domain.documents import Letterhead, PrintStamp, PurgeAction, PurgeCertificate
from spip_desktop.reports import build_purge_certificate

from .conftest import STAMP_TEXT, all_text, page_texts

# People whose files are purged: their names must never reach the certificate.
PEOPLE = [
    (f"2016-{n:06d}", surname, given)
    for n, (surname, given) in enumerate(
        [("DUPONT", "Jean"), ("MARTIN", "Gaëlle"), ("N'DIAYE", "Moussa"), ("LŒUILLET", "Zoé")]
        * 150,
        start=1,
    )
]


@pytest.fixture
def cert() -> PurgeCertificate:
    return PurgeCertificate(
        number="2026-33-0004",
        action=PurgeAction.PURGE,
        retention_years=5,
        cutoff=date(2021, 11, 27),
        file_numbers=tuple(number for number, _, _ in PEOPLE[:12]),
        counts=(("Personnes", 12), ("Mesures", 30), ("Journal des consultations", 1250)),
        performed_at=datetime(2026, 11, 27, 14, 2),
        performed_by="Marc N'GUYEN",
    )


def test_states_the_rule_the_counts_and_the_files(
    cert: PurgeCertificate, head: Letterhead, stamp: PrintStamp
) -> None:
    text = all_text(build_purge_certificate(cert, head, stamp))

    assert "Certificat de purge des données" in text
    assert "Certificat n° 2026-33-0004" in text
    assert "5 ans après la fin de sa dernière mesure" in text
    assert "avant le 27 novembre 2021" in text
    assert "la suppression définitive" in text
    assert "12 dossiers" in text
    for label, count in (
        ("Personnes", "12"),
        ("Mesures", "30"),
        ("Journal des consultations", "1 250"),
    ):
        assert re.search(rf"{label}\s+{count}\b", text), label
    assert "Enregistrements supprimés" in text
    assert all(number in text for number in cert.file_numbers)
    assert "Fait à Bordeaux, le 27 novembre 2026" in text
    assert "L'administrateur" in text
    assert "Marc N'GUYEN" in text
    assert f"{STAMP_TEXT} — page 1 sur" in text


def test_anonymisation_has_its_own_title_and_wording(
    cert: PurgeCertificate, head: Letterhead, stamp: PrintStamp
) -> None:
    text = all_text(
        build_purge_certificate(replace(cert, action=PurgeAction.ANONYMISATION), head, stamp)
    )

    assert "Certificat d'anonymisation des données" in text
    assert "l'anonymisation" in text
    assert "Enregistrements anonymisés" in text
    assert "suppression" not in text.lower()


def test_long_file_list_spans_pages_without_any_name(
    cert: PurgeCertificate, head: Letterhead, stamp: PrintStamp
) -> None:
    numbers = tuple(number for number, _, _ in PEOPLE)
    pages = page_texts(build_purge_certificate(replace(cert, file_numbers=numbers), head, stamp))
    text = "\n".join(pages)

    assert len(pages) >= 3
    for index, page in enumerate(pages, start=1):
        assert f"{STAMP_TEXT} — page {index} sur {len(pages)}" in page
    assert all(number in text for number in numbers)
    assert "Dossiers concernés (600)" in text
    words = set(re.findall(r"[\w'’]+", text.upper()))
    for _, surname, given in PEOPLE:
        assert surname not in words
        assert given.upper() not in words
    # The pages holding only the list carry nothing but file numbers, header and footer.
    for page in pages[1:-1]:
        for line in page.splitlines():
            assert (
                re.fullmatch(r"(\s*\d{4}-\d{6})+\s*", line)
                or line in ("SPIP de la Gironde", "Certificat de purge des données")
                or line.startswith(STAMP_TEXT)
            ), line


def test_without_files_or_counts_it_still_prints(
    cert: PurgeCertificate, head: Letterhead, stamp: PrintStamp
) -> None:
    text = all_text(build_purge_certificate(replace(cert, file_numbers=(), counts=()), head, stamp))

    assert "Aucun dossier n'était concerné." in text
    assert "Aucun enregistrement." in text
    assert "0 dossier" not in text


def test_rejects_impossible_values(cert: PurgeCertificate) -> None:
    with pytest.raises(ValueError):
        replace(cert, retention_years=0)
    with pytest.raises(ValueError):
        replace(cert, counts=(("Personnes", -1),))


def test_action_labels_are_french() -> None:
    assert PurgeAction.PURGE.label == "Suppression définitive"
    assert PurgeAction.ANONYMISATION.label == "Anonymisation"
