"""The certificate left behind when files past their retention period are purged or anonymised.

It proves what was done, when, by whom and under which rule. It names the files by
number only: the person's name or any other identity field never appears on it.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from ..domain.dates import format_count, format_date_long, plural
from ..domain.documents import Letterhead, PrintStamp, PurgeAction, PurgeCertificate
from .layout import (
    NBSP,
    build_pdf,
    data_table,
    document_title,
    empty_note,
    escape,
    grid_table,
    paragraph,
    rich_paragraph,
    section_heading,
    signature_block,
    styles,
)

_TITLES = {
    PurgeAction.PURGE: "Certificat de purge des données",
    PurgeAction.ANONYMISATION: "Certificat d'anonymisation des données",
}
_ACT = {  # "certifie avoir procédé à ..."
    PurgeAction.PURGE: "la suppression définitive",
    PurgeAction.ANONYMISATION: "l'anonymisation",
}
_DONE = {  # "... conservées N ans après la fin de sa dernière mesure, puis ..."
    PurgeAction.PURGE: "supprimées définitivement",
    PurgeAction.ANONYMISATION: "anonymisées",
}
_COUNT_HEADERS = {
    PurgeAction.PURGE: "Enregistrements supprimés",
    PurgeAction.ANONYMISATION: "Enregistrements anonymisés",
}
_EFFECT = {
    PurgeAction.PURGE: (
        "Les données de ces dossiers ont été effacées de la base de l'application ; "
        "elles ne peuvent plus y être consultées."
    ),
    PurgeAction.ANONYMISATION: (
        "Les éléments permettant d'identifier les personnes concernées ont été effacés ; "
        "seules subsistent des données qui ne permettent pas de les identifier."
    ),
}
_FILE_COLUMNS = 5


def title_for(action: PurgeAction) -> str:
    """The certificate's title for ``action``."""
    return _TITLES[action]


def build_purge_certificate(cert: PurgeCertificate, head: Letterhead, stamp: PrintStamp) -> bytes:
    """The PDF certificate of a retention run (purge or anonymisation).

    Args:
        cert: what was done; files are named by number only.
        head: the issuing service.
        stamp: who prints the certificate and when (footer).

    Returns:
        The PDF file's bytes.
    """
    title = title_for(cert.action)
    return build_pdf(
        _story(cert, head),
        head,
        stamp,
        title=title,
        subject=f"{title} n° {cert.number}",
    )


def _story(cert: PurgeCertificate, head: Letterhead) -> list[Flowable]:
    st = styles()
    files = len(cert.file_numbers)
    performed = cert.performed_at
    when = f"{format_date_long(performed.date())} à {performed:%H:%M}"
    story: list[Flowable] = [
        *document_title(title_for(cert.action), f"Certificat n°{NBSP}{cert.number}"),
        rich_paragraph(
            f"Je soussigné(e), <b>{escape(cert.performed_by)}</b>, certifie avoir procédé "
            f"le {escape(when)} à <b>{_ACT[cert.action]}</b> des données "
            + (
                f"de {escape(plural(files, 'dossier'))}, énumérés ci-dessous."
                if files
                else "des dossiers échus ; aucun dossier n'était concerné."
            )
        ),
        rich_paragraph(
            "Ces dossiers sont ceux dont la dernière mesure a pris fin "
            f"<b>avant le {escape(format_date_long(cert.cutoff))}</b>. En application de la "
            "règle de conservation, les données relatives à une personne suivie sont "
            f"conservées {escape(plural(cert.retention_years, 'an'))} après la fin de sa "
            f"dernière mesure, puis {_DONE[cert.action]}."
        ),
        *section_heading("Enregistrements traités"),
    ]
    if cert.counts:
        story.append(
            data_table(
                ("Nature des données", _COUNT_HEADERS[cert.action]),
                [(label, format_count(count)) for label, count in cert.counts],
                numeric_columns=(1,),
            )
        )
    else:
        story.append(empty_note("Aucun enregistrement."))
    story += section_heading(f"Dossiers concernés ({format_count(files)})")
    if cert.file_numbers:
        story.append(grid_table(cert.file_numbers, columns=_FILE_COLUMNS))
    else:
        story.append(empty_note("Aucun dossier n'était concerné."))
    # The closing sentences stay with the signature: a signature alone on a page proves little.
    story.append(
        KeepTogether(
            [
                Spacer(1, 3 * mm),
                paragraph(_EFFECT[cert.action]),
                paragraph(
                    "Le présent certificat ne contient aucune donnée nominative : "
                    "les dossiers y sont désignés par leur seul numéro.",
                    st.note,
                ),
                signature_block(
                    head.city,
                    performed.date(),
                    role="L'administrateur",
                    signatory=cert.performed_by,
                ),
            ]
        )
    )
    return story
