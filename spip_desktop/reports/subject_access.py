"""The statement of everything held about one person (right of access).

Each section of the report prints as a titled table whose long cells wrap. A section
too crowded for portrait (see :func:`~spip_desktop.reports.layout.needs_landscape`:
its columns' longest words alone fill most of the 17 cm line, typically the measures
with seven or eight columns) moves to landscape pages, where every column keeps
room for its dates and words instead of stacking one word per line. The letterhead
page and ordinary sections stay portrait, so the statement still reads, prints and
files like a letter; consecutive wide sections share their landscape pages.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from ..domain.dates import format_count, format_date_long, plural
from ..domain.documents import AccessSection, Letterhead, PrintStamp, SubjectAccessReport
from .layout import (
    CONTENT_WIDTH,
    LANDSCAPE_CONTENT_WIDTH,
    build_pdf,
    data_table,
    document_title,
    empty_note,
    escape,
    needs_landscape,
    orientation_switch,
    paragraph,
    rich_paragraph,
    section_heading,
    signature_block,
    styles,
)

TITLE = "Relevé des données détenues (droit d'accès)"
EMPTY_SECTION = "Aucune donnée."

_FOOTER_NOTE = "Document confidentiel — données à caractère personnel"


def build_subject_access(report: SubjectAccessReport, head: Letterhead, stamp: PrintStamp) -> bytes:
    """The PDF statement of the data held about one person.

    Args:
        report: the person's label and the sections, cells already formatted.
        head: the issuing service.
        stamp: who prints the statement and when (footer; its date is the statement's date).

    Returns:
        The PDF file's bytes.
    """
    return build_pdf(
        _story(report, head, stamp),
        head,
        stamp,
        title=TITLE,
        footer_note=_FOOTER_NOTE,
        subject=f"{TITLE} — {report.person_label}",
    )


def _is_wide(section: AccessSection) -> bool:
    return bool(section.rows) and needs_landscape(section.columns, section.rows)


def _story(report: SubjectAccessReport, head: Letterhead, stamp: PrintStamp) -> list[Flowable]:
    st = styles()
    day = stamp.generated_at.date()
    story: list[Flowable] = [
        *document_title(TITLE, report.person_label),
        rich_paragraph(
            "Le présent relevé reproduit l'ensemble des données enregistrées dans "
            "l'application de suivi du service au sujet de la personne désignée ci-dessus, "
            f"telles qu'elles figurent au <b>{escape(format_date_long(day))}</b>. "
            "Il est établi au titre du droit d'accès prévu par la loi n° 78-17 du "
            "6 janvier 1978 relative à l'informatique, aux fichiers et aux libertés."
        ),
    ]
    if report.sections:
        story += [
            *section_heading("Contenu du relevé"),
            data_table(
                ("Rubrique", "Enregistrements"),
                [
                    (f"{index}. {section.title}", format_count(len(section.rows)))
                    for index, section in enumerate(report.sections, start=1)
                ],
                numeric_columns=(1,),
                col_widths=(CONTENT_WIDTH - 40 * mm, 40 * mm),
            ),
        ]
    else:
        story.append(empty_note("Aucune donnée n'est enregistrée au sujet de cette personne."))
    landscape = False
    for index, section in enumerate(report.sections, start=1):
        wide = _is_wide(section)
        if wide != landscape:
            story += orientation_switch(wide)
            landscape = wide
        heading = f"{index}. {section.title}"
        if section.rows:
            heading += f" ({plural(len(section.rows), 'enregistrement')})"
        story += section_heading(heading)
        if section.rows:
            story.append(
                data_table(
                    section.columns,
                    section.rows,
                    width=LANDSCAPE_CONTENT_WIDTH if wide else CONTENT_WIDTH,
                )
            )
        else:
            story.append(empty_note(EMPTY_SECTION))
    story += [
        Spacer(1, 4 * mm),
        paragraph("Les données sont reproduites telles qu'elles sont enregistrées.", st.note),
        signature_block(head.city, day, role="Pour le service", box_label="Cachet du service"),
    ]
    return story
