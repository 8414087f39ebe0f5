"""The attestation of a stage or programme (*attestation de suivi* / *de présence*).

It names the person (name, given names, date and place of birth), the action and its
frame, the sessions attended with their hours, and is signed for the service. It says
*a suivi l'intégralité du stage* only when the person followed the whole of it, and
never mentions the offence. A reprint is the same document marked *DUPLICATA*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table, TableStyle

from ..domain.dates import format_date, format_date_long
from ..domain.documents import AttendedSessionLine, AttestationDocument, Letterhead, PrintStamp
from ..domain.stage_terms import format_minutes, format_time
from .fonts import SANS, SANS_BOLD
from .layout import (
    ACCENT,
    CONTENT_WIDTH,
    INK,
    LABEL_BACKGROUND,
    MUTED,
    NBSP,
    RULE,
    ZEBRA,
    DocumentPart,
    build_combined_pdf,
    document_title,
    escape,
    keep_together,
    paragraph,
    rich_paragraph,
    signature_block,
    styles,
)

DUPLICATA = "DUPLICATA"
DEFAULT_SIGNATORY_ROLE = "Pour le directeur du service"


@dataclass(frozen=True)
class _Noun:
    title: str  # "Attestation de suivi" + this
    of: str  # "l'intégralité" + this
    organised: str  # agrees with the noun


_NOUNS = {
    "stage": _Noun("de stage", "du stage", "organisé"),
    "programme": _Noun("de programme", "du programme", "organisé"),
    "action": _Noun("d'action", "de l'action", "organisée"),
}


def _noun(doc: AttestationDocument) -> _Noun:
    noun = doc.action_noun.strip().lower()
    if noun in _NOUNS:
        return _NOUNS[noun]
    if not noun:
        return _NOUNS["action"]
    elided = noun[0] in "aeéèêiîoôuhy"
    return _Noun(
        f"d'{noun}" if elided else f"de {noun}",
        f"de l'{noun}" if elided else f"du {noun}",
        "organisé",
    )


def title_for(doc: AttestationDocument) -> str:
    """``Attestation de suivi de stage`` (validated) or ``Attestation de présence``."""
    if doc.validated:
        return f"{doc.title} {_noun(doc).title}"
    return doc.title


def reference_for(doc: AttestationDocument) -> str:
    """``Attestation n° SPIP-33-2026-00042``, printed top right of the first page."""
    return f"Attestation n°{NBSP}{doc.number}"


def build_attestation(
    doc: AttestationDocument,
    head: Letterhead,
    stamp: PrintStamp,
    *,
    duplicata: bool = False,
) -> bytes:
    """The PDF attestation of one person.

    Args:
        doc: what the attestation says (as stored in the register).
        head: the issuing service.
        stamp: who prints it and when (footer).
        duplicata: a reprint: marked *DUPLICATA* (stamp under the title, watermark).

    Returns:
        The PDF file's bytes.
    """
    part = attestation_part(doc, head, duplicata=duplicata)
    return build_combined_pdf([part], head, stamp, title=part.title, subject=part.reference)


def build_attestations(
    docs: Sequence[tuple[AttestationDocument, bool]],
    head: Letterhead,
    stamp: PrintStamp,
    progress: Callable[[int], bool] | None = None,
) -> bytes:
    """Many attestations in one PDF file, each from a new page and numbered on its own.

    Args:
        docs: each attestation and whether it is a duplicata, in print order.
        head: the issuing service.
        stamp: who prints them and when (footer).
        progress: called with the number of attestations laid out so far (1, 2, ...),
            as each one is started; returning ``False`` cancels the batch.

    Returns:
        The PDF file's bytes.

    Raises:
        ~spip_desktop.reports.layout.Cancelled: ``progress`` returned ``False``.
        ValueError: ``docs`` is empty.
    """
    if not docs:
        raise ValueError("no attestation to print")

    def parts() -> Iterator[DocumentPart]:
        for doc, duplicata in docs:
            yield attestation_part(doc, head, duplicata=duplicata)

    return build_combined_pdf(
        parts(),
        head,
        stamp,
        title="Attestations",
        subject=f"Attestations ({len(docs)})",
        progress=progress,
    )


def attestation_part(
    doc: AttestationDocument, head: Letterhead, *, duplicata: bool = False
) -> DocumentPart:
    """One attestation, ready for :func:`~spip_desktop.reports.layout.build_combined_pdf`."""
    return DocumentPart(
        story=story_for_attestation(doc, head, duplicata=duplicata),
        title=title_for(doc),
        reference=reference_for(doc),
        watermark=DUPLICATA if duplicata else "",
    )


def story_for_attestation(
    doc: AttestationDocument, head: Letterhead, *, duplicata: bool = False
) -> list[Flowable]:
    """The flowables of one attestation (see :func:`build_attestation`)."""
    noun = _noun(doc)
    story: list[Flowable] = document_title(title_for(doc), f"N°{NBSP}{doc.number}")
    del story[0]  # the letterhead leaves room enough above the title
    story[-1] = Spacer(1, 4 * mm)
    if duplicata:
        story += [_duplicata_stamp(doc.issued_on), Spacer(1, 3 * mm)]
    if doc.recipient.strip():
        story.append(
            rich_paragraph(
                f"<b>Destinataire :</b> {escape(doc.recipient.strip())}", _style().recipient
            )
        )
    story += [
        rich_paragraph(f"{_service_phrase(head)} atteste que&nbsp;:"),
        rich_paragraph(_identity(doc), _style().identity),
        rich_paragraph(_statement(doc, noun)),
        Spacer(1, 2 * mm),
        _frame_table(
            (
                ("Cadre", doc.cadre.strip() or "Non précisé"),
                ("Référence de la décision", doc.decision_reference.strip() or "Non communiquée"),
                ("Organisateur", doc.organiser.strip() or "Non précisé"),
                ("Lieu", doc.venue.strip() or "Non précisé"),
            )
        ),
        CondPageBreak(30 * mm),
        paragraph("Séances suivies", _style().heading),
        _sessions_table(doc.sessions),
        Spacer(1, 2 * mm),
        rich_paragraph(_hours_sentence(doc)),
        # The closing sentence stays with the signature: a signature alone on a page
        # attests nothing.
        keep_together(
            [
                paragraph("Attestation délivrée pour servir et valoir ce que de droit."),
                signature_block(
                    doc.place.strip() or head.city,
                    doc.issued_on,
                    role=doc.signatory_role.strip() or DEFAULT_SIGNATORY_ROLE,
                    signatory=doc.signatory_name.strip(),
                    box_height=18 * mm,
                    space_before=4 * mm,
                ),
            ],
            align="RIGHT",
        ),
    ]
    return story


# --- Text ----------------------------------------------------------------------------------


def _prose_date(day: date) -> str:
    """``2 mars 2026`` that never breaks between its words."""
    return format_date_long(day).replace(" ", NBSP)


def _service_phrase(head: Letterhead) -> str:
    """``Le service pénitentiaire d'insertion et de probation (SPIP de la Gironde)``."""
    name = head.service_name.strip()
    if name.lower().startswith("service pénitentiaire d'insertion et de probation"):
        return f"Le <b>{escape(name[0].lower() + name[1:])}</b>"
    if not name:
        return "Le service pénitentiaire d'insertion et de probation"
    return f"Le service pénitentiaire d'insertion et de probation (<b>{escape(name)}</b>)"


def _identity(doc: AttestationDocument) -> str:
    """``DUPONT Jean Pierre (nom d'usage MARTIN),`` then on a new line ``né(e) le 12 mars
    1990 à Lyon,`` (the parts not known left out). The sex is not known: ``né(e)``."""
    surname = doc.surname.strip().upper()
    given = doc.given_names.strip()
    text = f"<b>{escape(surname)}</b>"
    if given:
        text += f" {escape(given)}"
    if doc.usage_name.strip():
        text += f" (nom d'usage <b>{escape(doc.usage_name.strip().upper())}</b>)"
    birth = ""
    if doc.birth_date:
        birth = f"le {_prose_date(doc.birth_date)}"
    if doc.birth_place.strip():
        birth += f" à {escape(doc.birth_place.strip())}"
    if birth:
        text += f",<br/>né(e) {birth.strip()}"
    return text + ","


def _period(doc: AttestationDocument) -> str:
    if doc.first_day == doc.last_day:
        return f"le {_prose_date(doc.first_day)}"
    return f"du {_prose_date(doc.first_day)} au {_prose_date(doc.last_day)}"


def _statement(doc: AttestationDocument, noun: _Noun) -> str:
    name = f"«&nbsp;<b>{escape(doc.action_name.strip())}</b>&nbsp;»"
    if doc.validated:
        text = f"a suivi l'intégralité {noun.of} {name}"
    else:
        text = f"a été présent(e) aux séances listées ci-dessous {noun.of} {name}"
    if doc.organiser.strip():
        text += f", {noun.organised} par {escape(doc.organiser.strip())}"
    text += f", {_period(doc)}"
    if doc.venue.strip():
        text += f", à l'adresse suivante&nbsp;: {escape(doc.venue.strip())}"
    return text + "."


def _hours_sentence(doc: AttestationDocument) -> str:
    done = format_minutes(doc.attended_minutes)
    if doc.required_minutes > 0:
        required = format_minutes(doc.required_minutes)
        return f"<b>Heures suivies&nbsp;: {done} sur {required} requises.</b>"
    return f"<b>Heures suivies&nbsp;: {done}.</b>"


# --- Tables and marks ----------------------------------------------------------------------
#
# Only the two faces of the body text are used: every font in a PDF is subset and embedded
# when the file is saved, the costliest step of a one-page document.

_PAD = 5.0
_REGULAR = SANS
_BOLD = SANS_BOLD
_SIZE = 8.5
_LABEL_WIDTH = 48 * mm


def _frame_table(pairs: Sequence[tuple[str, str]]) -> Table:
    """The frame of the action, label / value, labels on a grey band; a value too long for
    one line wraps in a paragraph, a short one is drawn as is."""
    value_width = CONTENT_WIDTH - _LABEL_WIDTH
    room = value_width - 2 * _PAD - 1
    rows: list[list[object]] = [
        [
            label,
            value
            if "\n" not in value and stringWidth(value, _REGULAR, _SIZE) <= room
            else paragraph(value, _style().cell),
        ]
        for label, value in pairs
    ]
    return Table(
        rows,
        colWidths=[_LABEL_WIDTH, value_width],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), _REGULAR, _SIZE),
                ("FONT", (0, 0), (0, -1), _BOLD, _SIZE),
                ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                ("TEXTCOLOR", (1, 0), (1, -1), INK),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BACKGROUND),
                ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
            ]
        ),
    )


_SESSION_COLUMNS = ("Date", "Horaires", "Durée", "Présence")
_SESSION_WIDTHS = (0.22, 0.30, 0.18, 0.30)


def _sessions_table(sessions: Sequence[AttendedSessionLine]) -> Table:
    """Date, hours, duration, outcome, then the total: short texts, drawn as plain strings
    (no paragraph to wrap, a table of twenty lines costs next to nothing)."""
    rows: list[list[str]] = [list(_SESSION_COLUMNS)]
    for line in sessions:
        rows.append(
            [
                format_date(line.day),
                f"{format_time(line.start)}{NBSP}–{NBSP}{format_time(line.end)}",
                format_minutes(line.minutes),
                _fit(line.outcome.strip(), 34),
            ]
        )
    body = len(rows) - 1
    total = sum(line.minutes for line in sessions)
    if body:
        rows.append(["Total", "", format_minutes(total), _count(body)])
    else:
        rows.append(["Aucune séance suivie.", "", "", ""])
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), _REGULAR, _SIZE),
        ("FONT", (0, 0), (-1, 0), _BOLD, _SIZE),
        ("TEXTCOLOR", (0, 0), (-1, 0), HexColor("#ffffff")),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("ALIGN", (2, 0), (2, -1), "RIGHT"),
        ("LEFTPADDING", (3, 0), (3, -1), 4 * _PAD),  # away from the right-aligned hours
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
    ]
    if body:
        commands += [
            ("ROWBACKGROUNDS", (0, 1), (-1, body), [HexColor("#ffffff"), ZEBRA]),
            ("LINEBELOW", (0, 1), (-1, body - 1), 0.25, RULE),
            ("FONT", (0, -1), (-1, -1), _BOLD, _SIZE),
            # The total never starts a page alone: the last two sessions go with it.
            ("NOSPLIT", (0, max(body - 1, 1)), (-1, -1)),
        ]
    else:
        commands += [
            ("SPAN", (0, -1), (-1, -1)),
            ("FONT", (0, -1), (-1, -1), _REGULAR, _SIZE),
        ]
    return Table(
        rows,
        colWidths=[CONTENT_WIDTH * share for share in _SESSION_WIDTHS],
        repeatRows=1,
        hAlign="LEFT",
        style=TableStyle(commands),
    )


def _count(sessions: int) -> str:
    return f"{sessions} séance" + ("s" if sessions > 1 else "")


def _fit(text: str, limit: int) -> str:
    """A short outcome label, cut with an ellipsis should it ever be long (a plain-string
    cell does not wrap)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_STAMP_RED: Color = HexColor("#b3261e")


def _duplicata_stamp(issued_on: date) -> Table:
    """``DUPLICATA`` and the original's date, in a red box centred under the title."""
    return Table(
        [
            [DUPLICATA],
            [
                paragraph(
                    f"Duplicata de l'attestation délivrée le {_prose_date(issued_on)}.",
                    _style().stamp_note,
                )
            ],
        ],
        colWidths=[95 * mm],
        hAlign="CENTER",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), _REGULAR, _SIZE),
                ("FONT", (0, 0), (-1, 0), SANS_BOLD, 15),
                ("TEXTCOLOR", (0, 0), (-1, 0), _STAMP_RED),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("BOX", (0, 0), (-1, -1), 1.4, _STAMP_RED),
                ("TOPPADDING", (0, 0), (-1, 0), 4),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 1),
                ("TOPPADDING", (0, 1), (-1, 1), 0),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 4),
            ]
        ),
    )


@dataclass(frozen=True)
class _Styles:
    stamp_note: ParagraphStyle
    cell: ParagraphStyle
    recipient: ParagraphStyle
    identity: ParagraphStyle
    heading: ParagraphStyle


@cache
def _style() -> _Styles:
    st = styles()
    return _Styles(
        stamp_note=ParagraphStyle(
            "att_stamp_note",
            parent=st.body,
            fontSize=8.5,
            leading=11,
            textColor=_STAMP_RED,
            alignment=TA_CENTER,
            spaceAfter=0,
        ),
        cell=ParagraphStyle(
            "att_cell", parent=st.body, fontSize=_SIZE, leading=_SIZE + 2, spaceAfter=0
        ),
        recipient=ParagraphStyle("att_recipient", parent=st.body, spaceAfter=8),
        heading=ParagraphStyle("att_heading", parent=st.heading, spaceBefore=6, spaceAfter=4),
        identity=ParagraphStyle(
            "att_identity",
            parent=st.body,
            fontSize=10.5,
            leading=15,
            leftIndent=10 * mm,
            spaceAfter=6,
        ),
    )
