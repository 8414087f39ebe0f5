"""The chronology's PDF, read back: letterhead, identity, events in order, page numbers."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from spip_desktop.domain.documents import Letterhead, PrintStamp
from spip_desktop.domain.timeline import Timeline, TimelineEvent, TimelineKind, TimelineQuery
from spip_desktop.reports import TimelineReport, build_timeline

from .conftest import STAMP_TEXT, all_text, font_names, page_texts

K = TimelineKind

EVENTS = (
    TimelineEvent(
        date(2026, 1, 10),
        K.MEASURE,
        "Décision : Sursis probatoire",
        "Tribunal judiciaire de Bordeaux — JAP : Mme Anne-Sophie MARTIN",
        None,
        1,
    ),
    TimelineEvent(
        date(2026, 1, 10),
        K.OBLIGATION,
        "Obligation : Se soumettre à des mesures d'examen, de traitement ou de soins",
        "CSAPA « Œuvre de l'hôpital » — Sursis probatoire",
        None,
        1,
        10,
    ),
    TimelineEvent(
        date(2026, 2, 20),
        K.RIGHTS,
        "CAF — Revenu de solidarité active (RSA) : En cours → Dossier déposé",
        "Déposé à l'accueil. — Élodie LEFÈVRE (SPIP)",
        datetime(2026, 2, 20, 11, 0),
        4,
    ),
    TimelineEvent(
        date(2026, 3, 2),
        K.ATTENDANCE,
        "Absent excusé (correction) : Stage de citoyenneté",
        "Séance de 09:00 à 12:00 — corrige « Présent »",
        datetime(2026, 3, 2, 9, 0),
        9,
    ),
    TimelineEvent(
        date(2026, 3, 11),
        K.JOURNAL,
        "Entretien : Point sur l'emploi (honoré)",
        "avec Élodie LEFÈVRE — reçu pour évoquer l'hébergement, ça avance",
        datetime(2026, 3, 11, 14, 30),
        2,
    ),
)


def report(events: tuple[TimelineEvent, ...] = EVENTS, **changes: object) -> TimelineReport:
    values: dict[str, object] = {
        "timeline": Timeline(
            1, "LEFÈVRE Hélène", "2026-000001", TimelineQuery(newest_first=False), events
        ),
        "surname": "Lefèvre-d'Arc",
        "given_names": "Hélène, Œdipe",
        "birth_date": date(1980, 5, 17),
        "file_number": "2026-000001",
        "main_measure": "Sursis probatoire (fin le 09/01/2028)",
        "referent": "Élodie LEFÈVRE",
        "period": "du 01/01/2026 au 31/03/2026",
        "kinds": "Mesures, Obligations, Présences, Accès aux droits, Journal",
    }
    values.update(changes)
    return TimelineReport(**values)  # type: ignore[arg-type]


def test_letterhead_identity_and_events_in_order(head: Letterhead, stamp: PrintStamp) -> None:
    pdf = build_timeline(report(), head, stamp)
    text = all_text(pdf)
    # the letterhead of the attestations
    assert text.startswith("RÉPUBLIQUE FRANÇAISE")
    for line in ("Ministère de la Justice", "SPIP de la Gironde", "13 rue Élisée-Reclus"):
        assert line in text
    assert "Dossier n° 2026-000001" in text
    assert "Chronologie du suivi" in text
    # identity
    for label, value in (
        ("Nom", "LEFÈVRE-D'ARC"),
        ("Prénoms", "Hélène, Œdipe"),
        ("Né(e) le", "17/05/1980"),
        ("N° de dossier", "2026-000001"),
        ("Mesure principale", "Sursis probatoire (fin le 09/01/2028)"),
        ("Référent", "Élodie LEFÈVRE"),
    ):
        assert f"{label} {value}" in text
    assert "Période : du 01/01/2026 au 31/03/2026" in text
    assert (
        "Natures d'événements : Mesures, Obligations, Présences, Accès aux droits, Journal" in text
    )
    assert "5 événements, du plus ancien au plus récent" in text
    assert "Date Nature Événement Détail" in text
    positions = [text.index(e.title) for e in EVENTS]
    assert positions == sorted(positions)
    assert "11/03/2026 14:30 Journal Entretien : Point sur l'emploi (honoré)" in text
    assert "En cours → Dossier déposé" in text
    assert "CSAPA « Œuvre de l'hôpital »" in text
    assert "ça avance" in text
    assert "Document confidentiel" in text
    assert f"{STAMP_TEXT} — page 1 sur 1" in text


def test_long_chronology_numbers_its_pages(head: Letterhead, stamp: PrintStamp) -> None:
    start = date(2025, 1, 1)
    events = tuple(
        TimelineEvent(
            start + timedelta(days=i),
            K.JOURNAL,
            f"Entretien n° {i:03d} (honoré)",
            "avec Élodie LEFÈVRE — " + "échange sur l'hébergement et l'emploi " * 3,
            datetime.combine(start + timedelta(days=i), time(10)),
            i,
        )
        for i in range(150)
    )
    pdf = build_timeline(report(events), head, stamp)
    pages = page_texts(pdf)
    total = len(pages)
    assert total >= 3
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert f"page {number} sur {total}" in flat
        assert STAMP_TEXT in flat
    # pages 2+ carry the running header and the table's header again
    assert "SPIP de la Gironde" in pages[1] and "Chronologie du suivi" in pages[1]
    assert "Date Nature Événement Détail" in " ".join(pages[1].split())
    text = all_text(pdf)
    numbers = [int(n) for n in re.findall(r"Entretien n° (\d{3})", text)]
    assert numbers == list(range(150))


def test_newest_first_and_an_empty_period(head: Letterhead, stamp: PrintStamp) -> None:
    newest = report(tuple(reversed(EVENTS)), oldest_first=False)
    text = all_text(build_timeline(newest, head, stamp))
    assert "du plus récent au plus ancien" in text
    assert text.index("Point sur l'emploi") < text.index("Décision : Sursis probatoire")
    empty = all_text(build_timeline(report((), kinds="toutes"), head, stamp))
    assert "0 événement," in empty
    assert "Aucun événement sur cette période pour les natures retenues." in empty


def test_unknown_parts_of_the_identity_are_said_so(head: Letterhead, stamp: PrintStamp) -> None:
    text = all_text(
        build_timeline(
            report(birth_date=None, main_measure="", referent="", usage_name="Martin"),
            head,
            stamp,
        )
    )
    assert "Né(e) le Non renseignée" in text
    assert "Mesure principale Non communiquée" in text
    assert "Référent Non désigné" in text
    assert "Nom d'usage MARTIN" in text


def test_only_the_embedded_fonts(head: Letterhead, stamp: PrintStamp) -> None:
    fonts = font_names(build_timeline(report(), head, stamp))
    assert fonts and not any("Helvetica" in name for name in fonts)
