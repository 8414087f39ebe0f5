"""The *feuille d'émargement*: the printed sign-in sheet of one session of a stage.

One line per person enrolled, in the order given, with a box tall enough to sign in and
room to note the time of arrival and departure; the facilitator signs at the bottom. A
long list continues on the next pages under the repeated table header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from reportlab.lib.colors import white
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from ..domain.dates import format_date, format_date_long
from ..domain.documents import Letterhead, PrintStamp, SignInLine, SignInSheet
from ..domain.stage_terms import format_time
from .fonts import SANS, SANS_BOLD
from .layout import (
    ACCENT,
    CONTENT_WIDTH,
    INK,
    LABEL_BACKGROUND,
    MUTED,
    RULE,
    build_pdf,
    document_title,
    empty_note,
    keep_together,
    paragraph,
    styles,
)

TITLE = "Feuille d'émargement"

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

SIGNATURE_HEIGHT = 14 * mm
"""The least height of a person's line: room enough to sign."""

_SIZE = 8.5
_PAD = 4.0
# N°, Nom, Prénoms, Date de naissance, Signature, Arrivée / départ (170 mm in all).
_WIDTHS = (9 * mm, 38 * mm, 34 * mm, 22 * mm, 42 * mm, 25 * mm)
_HEADERS = ("N°", "Nom", "Prénoms", "Date de naissance", "Signature", "Arrivée / départ")


def format_day(day: date) -> str:
    """``jeudi 12 mars 2026``."""
    return f"{WEEKDAYS[day.weekday()]} {format_date_long(day)}"


def session_text(sheet: SignInSheet) -> str:
    """``Séance 2 sur 4 — Les valeurs de la République`` (no label: ``Séance 2 sur 4``)."""
    text = f"Séance {sheet.session_number} sur {sheet.session_count}"
    if sheet.label.strip():
        text += f" — {sheet.label.strip()}"
    return text


def build_sign_in_sheet(sheet: SignInSheet, head: Letterhead, stamp: PrintStamp) -> bytes:
    """The PDF sign-in sheet of one session.

    Args:
        sheet: the session and the people enrolled, in print order.
        head: the issuing service.
        stamp: who prints it and when (footer).

    Returns:
        The PDF file's bytes.
    """
    reference = f"Séance du {format_date(sheet.day)}"
    title = f"{TITLE} — {sheet.action_name.strip()} — {reference.lower()}"
    return build_pdf(story_for_sign_in_sheet(sheet), head, stamp, title=title, reference=reference)


def story_for_sign_in_sheet(sheet: SignInSheet) -> list[Flowable]:
    """The flowables of a sign-in sheet (see :func:`build_sign_in_sheet`)."""
    story: list[Flowable] = document_title(TITLE, sheet.action_name.strip())
    story[-1] = Spacer(1, 4 * mm)
    story.append(_session_table(sheet))
    story.append(Spacer(1, 5 * mm))
    if sheet.people:
        story.append(
            paragraph(
                "Chaque personne signe à son arrivée ; l'intervenant note l'heure d'arrivée "
                "et de départ de chacun.",
                _style().hint,
            )
        )
        story.append(_people_table(sheet.people))
    else:
        story.append(empty_note("Aucune personne inscrite."))
    story.append(_closing(len(sheet.people)))
    return story


# --- The session -----------------------------------------------------------------------------


def _session_table(sheet: SignInSheet) -> Table:
    pairs = [("Séance", session_text(sheet))]
    if sheet.stage_title.strip() and sheet.stage_title.strip() != sheet.action_name.strip():
        pairs.insert(0, ("Session", sheet.stage_title.strip()))
    pairs += [
        (
            "Date",
            f"{format_day(sheet.day)}, de {format_time(sheet.start)} à {format_time(sheet.end)}",
        ),
        ("Lieu", sheet.venue.strip() or "Non précisé"),
        ("Organisateur", sheet.organiser.strip() or "Non précisé"),
        ("Intervenant(s)", sheet.facilitators.strip() or "Non précisé"),
    ]
    st = _style()
    label_width = 36 * mm
    return Table(
        [[paragraph(label, st.label), paragraph(value, st.cell)] for label, value in pairs],
        colWidths=[label_width, CONTENT_WIDTH - label_width],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, _SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BACKGROUND),
                ("LEFTPADDING", (0, 0), (-1, -1), _PAD + 1),
                ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
            ]
        ),
    )


# --- The people ------------------------------------------------------------------------------


def _people_table(people: Sequence[SignInLine]) -> Table:
    st = _style()
    # The signature box is kept at least SIGNATURE_HEIGHT high; a long name makes it taller.
    box = SIGNATURE_HEIGHT - 2 * _PAD
    header: list[Any] = [paragraph(text, st.header) for text in _HEADERS]
    rows: list[list[Any]] = [header]
    for number, person in enumerate(people, start=1):
        rows.append(
            [
                paragraph(str(number), st.number),
                paragraph(person.surname.strip(), st.name),
                paragraph(person.given_names.strip(), st.cell),
                paragraph(format_date(person.birth_date), st.cell),
                Spacer(1, box),
                [
                    paragraph("Arrivée :", st.hint_cell),
                    Spacer(1, 2 * mm),
                    paragraph("Départ :", st.hint_cell),
                ],
            ]
        )
    return Table(
        rows,
        colWidths=list(_WIDTHS),
        repeatRows=1,
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, _SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
                ("TOPPADDING", (0, 0), (-1, -1), _PAD),
                ("BOTTOMPADDING", (0, 0), (-1, -1), _PAD),
                ("TOPPADDING", (0, 0), (-1, 0), 3),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 3),
                ("GRID", (0, 1), (-1, -1), 0.5, RULE),
                ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
                ("BACKGROUND", (0, 1), (0, -1), LABEL_BACKGROUND),
            ]
        ),
    )


def _closing(enrolled: int) -> Flowable:
    """The count of people present and the facilitator's signature, kept together."""
    st = _style()
    left: list[Flowable] = [
        paragraph(f"Personnes inscrites : {enrolled}", st.closing),
        paragraph("Personnes présentes : ………", st.closing),
        Spacer(1, 2 * mm),
        paragraph("Observations :", st.closing),
    ]
    right: list[Flowable] = [
        paragraph("Signature de l'intervenant", st.closing_bold),
        paragraph("Nom et prénom :", st.hint_cell),
    ]
    table = Table(
        [[left, right]],
        colWidths=[CONTENT_WIDTH - 80 * mm, 80 * mm],
        rowHeights=[24 * mm],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, _SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (1, 0), (1, 0), 5),
                ("BOX", (1, 0), (1, 0), 0.6, MUTED, None, (2, 2)),
            ]
        ),
    )
    return keep_together([Spacer(1, 6 * mm), table])


@dataclass(frozen=True)
class _Styles:
    header: ParagraphStyle
    cell: ParagraphStyle
    name: ParagraphStyle
    number: ParagraphStyle
    label: ParagraphStyle
    hint: ParagraphStyle
    hint_cell: ParagraphStyle
    closing: ParagraphStyle
    closing_bold: ParagraphStyle


@cache
def _style() -> _Styles:
    st = styles()
    cell = ParagraphStyle(
        "sheet_cell", parent=st.body, fontName=SANS, fontSize=_SIZE, leading=_SIZE + 2.5
    )
    cell.spaceAfter = 0
    return _Styles(
        header=ParagraphStyle("sheet_header", parent=cell, fontName=SANS_BOLD, textColor=white),
        cell=cell,
        # A compound name breaks after a hyphen rather than inside a word.
        name=ParagraphStyle("sheet_name", parent=cell, fontName=SANS_BOLD, embeddedHyphenation=1),
        number=ParagraphStyle("sheet_number", parent=cell, textColor=MUTED),
        label=ParagraphStyle("sheet_label", parent=cell, fontName=SANS_BOLD, textColor=MUTED),
        hint=ParagraphStyle(
            "sheet_hint", parent=st.body, fontSize=8.5, textColor=MUTED, spaceAfter=4
        ),
        hint_cell=ParagraphStyle("sheet_hint_cell", parent=cell, fontSize=7.5, textColor=MUTED),
        closing=ParagraphStyle("sheet_closing", parent=st.body, textColor=INK, spaceAfter=3),
        closing_bold=ParagraphStyle(
            "sheet_closing_bold", parent=st.body, fontName=SANS_BOLD, spaceAfter=3
        ),
    )
