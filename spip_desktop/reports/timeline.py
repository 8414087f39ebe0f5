"""The chronology of a person's follow-up (*Chronologie du suivi*), for a report to the JAP.

The service's letterhead (as on the attestations), the person's identity, the period and
the kinds of events included, then one table: date, nature, event, detail. Long details
wrap; the table's header repeats on every page; every footer carries who printed it,
when, and the page number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from ..domain.dates import format_date, format_date_long, plural
from ..domain.documents import Letterhead, PrintStamp
from ..domain.timeline import Timeline, TimelineKind
from .fonts import CONDENSED, CONDENSED_BOLD
from .layout import (
    ACCENT,
    CONTENT_WIDTH,
    NBSP,
    RULE,
    ZEBRA,
    build_pdf,
    document_title,
    escape,
    french_spacing,
    paragraph,
    rich_paragraph,
    section_heading,
    styles,
    summary_table,
)

TITLE = "Chronologie du suivi"
COLUMNS = ("Date", "Nature", "Événement", "Détail")
EMPTY = "Aucun événement sur cette période pour les natures retenues."
_FOOTER_NOTE = "Document confidentiel — données à caractère personnel"

#: The colour of each kind's name in the table (dark enough to read as text).
KIND_COLOURS: dict[TimelineKind, Color] = {
    TimelineKind.MEASURE: HexColor("#000091"),
    TimelineKind.OBLIGATION: HexColor("#5a3e9b"),
    TimelineKind.STAGE: HexColor("#0b6b57"),
    TimelineKind.ATTENDANCE: HexColor("#18753c"),
    TimelineKind.ATTESTATION: HexColor("#6e4a00"),
    TimelineKind.RIGHTS: HexColor("#a94645"),
    TimelineKind.JOURNAL: HexColor("#0063cb"),
    TimelineKind.FILE: HexColor("#53565a"),
}

#: Short names of the kinds in the table's *Nature* column.
KIND_NAMES: dict[TimelineKind, str] = {
    TimelineKind.MEASURE: "Mesure",
    TimelineKind.OBLIGATION: "Obligation",
    TimelineKind.STAGE: "Stage",
    TimelineKind.ATTENDANCE: "Présence",
    TimelineKind.ATTESTATION: "Attestation",
    TimelineKind.RIGHTS: "Accès aux droits",
    TimelineKind.JOURNAL: "Journal",
    TimelineKind.FILE: "Dossier",
}


@dataclass(frozen=True)
class TimelineReport:
    """What the chronology's PDF prints, the texts already formatted.

    Attributes:
        timeline: the events, in print order, and the query they answer.
        surname, given_names, usage_name, birth_date, file_number: the identity block.
        main_measure: ``Sursis probatoire (fin le 13/01/2028)``; empty when not shown.
        referent: the referent CPIP's name.
        period: ``du 01/01/2026 au 31/03/2026`` (see the timeline service).
        kinds: ``toutes`` or the French names of the kinds included.
        oldest_first: the events run from the oldest to the newest.
    """

    timeline: Timeline
    surname: str
    given_names: str
    usage_name: str = ""
    birth_date: date | None = None
    file_number: str = ""
    main_measure: str = ""
    referent: str = ""
    period: str = "toute la période"
    kinds: str = "toutes"
    oldest_first: bool = True


def build_timeline(report: TimelineReport, head: Letterhead, stamp: PrintStamp) -> bytes:
    """The PDF chronology of one person.

    Args:
        report: the person and the events, in print order.
        head: the issuing service (letterhead).
        stamp: who prints it and when (footer of every page).

    Returns:
        The PDF file's bytes.
    """
    return build_pdf(
        story_for_timeline(report, stamp),
        head,
        stamp,
        title=TITLE,
        reference=f"Dossier n°{NBSP}{report.file_number}" if report.file_number else "",
        footer_note=_FOOTER_NOTE,
        subject=f"{TITLE} — {_name(report)}",
    )


def _name(report: TimelineReport) -> str:
    return f"{report.surname.strip().upper()} {report.given_names.strip()}".strip()


def story_for_timeline(report: TimelineReport, stamp: PrintStamp) -> list[Flowable]:
    st = styles()
    events = report.timeline.events
    identity = [
        ("Nom", report.surname.strip().upper() or "—"),
        ("Prénoms", report.given_names.strip() or "—"),
    ]
    if report.usage_name.strip():
        identity.append(("Nom d'usage", report.usage_name.strip().upper()))
    identity += [
        ("Né(e) le", format_date(report.birth_date, "Non renseignée")),
        ("N° de dossier", report.file_number or "—"),
        ("Mesure principale", report.main_measure or "Non communiquée"),
        ("Référent", report.referent or "Non désigné"),
    ]
    order = (
        "du plus ancien au plus récent" if report.oldest_first else "du plus récent au plus ancien"
    )
    at = stamp.generated_at
    story: list[Flowable] = [
        *document_title(TITLE, _name(report)),
        summary_table(identity, label_width=42 * mm),
        Spacer(1, 4 * mm),
        rich_paragraph(f"<b>Période :</b> {escape(report.period)}"),
        rich_paragraph(f"<b>Natures d'événements :</b> {escape(report.kinds)}"),
        rich_paragraph(
            f"<b>{escape(plural(len(events), 'événement'))}</b>, {escape(order)}. "
            f"Édité le {format_date(at.date())} à {at:%H:%M}"
            + (f" par {escape(stamp.generated_by.strip())}" if stamp.generated_by.strip() else "")
            + "."
        ),
        *section_heading("Événements"),
        _events_table(report),
        Spacer(1, 4 * mm),
        paragraph(
            "Chronologie établie à partir des données enregistrées dans l'application de suivi "
            f"du service, telles qu'elles figurent au {format_date_long(at.date())}.",
            st.note,
        ),
    ]
    return story


_WIDTHS = (0.15, 0.13, 0.38, 0.34)
_CELL_SIZE = 8.5


def _events_table(report: TimelineReport) -> Table:
    """Date | nature | event | detail; the nature in its kind's colour."""
    st = _styles()
    header = [paragraph(label, styles().cell_header) for label in COLUMNS]
    rows: list[list[Any]] = [header]
    for event in report.timeline.events:
        colour = KIND_COLOURS[event.kind].hexval()[2:]
        rows.append(
            [
                Paragraph(event.when.replace(" ", "<br/>", 1), st.date),
                Paragraph(
                    f'<font color="#{colour}">{escape(KIND_NAMES[event.kind])}</font>', st.kind
                ),
                Paragraph(french_spacing(escape(event.title)), st.title),
                Paragraph(french_spacing(escape(event.detail)), st.detail),
            ]
        )
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), CONDENSED, _CELL_SIZE),  # no stray Helvetica in the file
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
    ]
    if len(rows) == 1:
        rows.append([paragraph(EMPTY, styles().cell_note), "", "", ""])
        commands.append(("SPAN", (0, 1), (-1, 1)))
    else:
        commands += [
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [white, ZEBRA]),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ]
    return Table(
        rows,
        colWidths=[CONTENT_WIDTH * share for share in _WIDTHS],
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
        style=TableStyle(commands),
    )


@dataclass(frozen=True)
class _Styles:
    date: ParagraphStyle
    kind: ParagraphStyle
    title: ParagraphStyle
    detail: ParagraphStyle


@cache
def _styles() -> _Styles:
    cell = styles().cell
    return _Styles(
        date=ParagraphStyle("tl_date", parent=cell),
        kind=ParagraphStyle("tl_kind", parent=cell, fontName=CONDENSED_BOLD),
        title=ParagraphStyle("tl_title", parent=cell, fontName=CONDENSED),
        detail=ParagraphStyle("tl_detail", parent=cell, textColor=HexColor("#3a3a3a")),
    )
