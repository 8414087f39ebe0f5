"""What [3/6 Stages] costs: one attestation, a batch of 500, LibreOffice, the GUI meanwhile.

Usage (repository root, project virtualenv)::

    python bench/stages.py            # 500 people in the stage, full repeats
    python bench/stages.py --quick    # 100 people, fewer repeats (well under a minute)

Each figure stands beside a baseline measured in the same run; the table is printed and
written to bench/results-stages.md. Targets (issue [3/6]): one attestation built in at
most 15 ms in a running process; 500 attestations into one combined PDF in at most 5 s,
and at least 50x faster per document than LibreOffice headless converting an equivalent
word-processor document (when ``soffice`` is installed); the window stays responsive
during a batch (progress dialog with cancel, work off the GUI thread, no event-loop
stall over 100 ms, measured by a 10 ms heartbeat timer on the GUI thread).

Scenarios:

1. ``build_attestation`` of a realistic document (8 sessions, a PNG logo), warm process;
   baseline: a minimal ReportLab document (one paragraph, the same two font faces).
2. ``build_attestations`` of 500 documents into one file; baseline: 500 pages of the
   minimal document in one file.
3. LibreOffice headless converting hand-written flat ODT (``.fodt``) attestations with
   the same text, tables and logo: N files in one invocation, and one per invocation.
4. ``StageService.issue_for_stage(..., combined=True)`` on a real SQLite file (people,
   stage, enrolments and attendance created through the services): numbers registered,
   PDF built, file written; then the same batch through the real ``StagesPage.run_batch``
   (real ``TaskRunner`` thread pool, ``QProgressDialog``), offscreen, with a 10 ms
   heartbeat ``QTimer`` on the GUI thread (the page is given the real ``StageService``
   behind a pass-through that notes when progress is reported); and the Annuler
   button's latency, clicked while the numbers are registered and during the layout.
"""

from __future__ import annotations

import argparse
import base64
import io
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, machine, percentile  # also: QT_QPA_PLATFORM=offscreen, SPIP_DATA_DIR

sys.path.insert(0, str(ROOT))

from spip_desktop.domain.documents import (
    AttendedSessionLine,
    AttestationDocument,
    Letterhead,
    PrintStamp,
)

TARGET_ONE = 0.015  # s, one attestation
TARGET_BATCH = 5.0  # s, 500 attestations in one file
TARGET_LO_RATIO = 50.0  # LibreOffice per document / ours per document
TARGET_STALL = 0.100  # s, longest gap between two heartbeats
HEARTBEAT_MS = 10

SERVICE_NAME = "Service pénitentiaire d'insertion et de probation de la Gironde"
ADDRESS = ("Antenne de Bordeaux", "12 rue du Palais de l'Ombrière", "33000 Bordeaux")
SURNAMES = (
    "Lefèvre-d'Arc",
    "N'Diaye",
    "Dupont",
    "Martin",
    "Le Goff",
    "Saint-Exupéry",
    "Benali",
    "Rousseau",
    "Oliveira da Costa",
    "Kerbrat",
    "Moreau",
    "Bouchard",
)
GIVEN = ("Élodie", "Jean-Noël", "Maëlys", "François Xavier", "Aïcha", "Loïc", "Chloé", "Hervé")
PLACES = ("Bordeaux", "Lyon", "Mérignac", "Pointe-à-Pitre", "Saint-Étienne", "Alger")


# -- inputs -------------------------------------------------------------------------------


def make_logo() -> bytes:
    """A service logo as a service would set one: 600 x 340 RGBA PNG, shapes and text."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 340), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 596, 336), radius=28, fill=(31, 58, 95, 255))
    for i, colour in enumerate(((0, 85, 164), (255, 255, 255), (239, 65, 53))):
        draw.rectangle((40 + 60 * i, 40, 100 + 60 * i, 200), fill=(*colour, 255))
    for y in range(220, 310, 6):  # a hatched band: the PNG does not compress to nothing
        draw.line((40, y, 560, y + 30), fill=(200, 210, 225, 255), width=2)
    draw.text((260, 60), "SPIP 33", fill=(255, 255, 255, 255), font_size=64)
    draw.text((260, 140), "Gironde", fill=(220, 230, 240, 255), font_size=40)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def letterhead(logo: bytes) -> Letterhead:
    return Letterhead(SERVICE_NAME, ADDRESS, "Bordeaux", None, "33", logo)


def stamp() -> PrintStamp:
    return PrintStamp(datetime(2026, 11, 27, 14, 5), "Élodie LEFÈVRE")


def sample_document(i: int) -> AttestationDocument:
    """Attestation ``i``: 8 sessions (4 days, 9 h-12 h and 13 h 30-16 h 30); one in 9 was
    late once, one in 11 missed a session (an *attestation de présence*)."""
    first = date(2026, 11, 2)
    missed = i % 11 == 5
    lines = []
    for n in range(8):
        if missed and n == 5:
            continue
        start, end = (clock(9), clock(12)) if n % 2 == 0 else (clock(13, 30), clock(16, 30))
        late = i % 9 == 4 and n == 2
        lines.append(
            AttendedSessionLine(
                first + timedelta(n // 2), start, end, "Retard" if late else "Présent", 180
            )
        )
    return AttestationDocument(
        number=f"SPIP-33-2026-{i + 1:05d}",
        validated=not missed,
        surname=SURNAMES[i % len(SURNAMES)],
        given_names=GIVEN[i % len(GIVEN)],
        usage_name="Martin" if i % 7 == 3 else "",
        birth_date=date(1970 + i % 35, 1 + i % 12, 1 + i % 28),
        birth_place=PLACES[i % len(PLACES)],
        action_noun="stage",
        action_name="Stage de citoyenneté",
        cadre="Obligation d'un sursis probatoire",
        decision_reference=f"TJ Bordeaux, jugement du 12/05/2026, n° parquet 26/{i:06d}",
        recipient="Le service pénitentiaire d'insertion et de probation, "
        "qui en informe le juge de l'application des peines",
        organiser=SERVICE_NAME,
        venue="SPIP de la Gironde, antenne de Bordeaux, salle collective, "
        "12 rue du Palais de l'Ombrière, 33000 Bordeaux",
        first_day=first,
        last_day=first + timedelta(3),
        sessions=tuple(lines),
        attended_minutes=180 * len(lines),
        required_minutes=24 * 60,
        place="Bordeaux",
        signatory_name="Anne MARTIN",
        signatory_role="La directrice fonctionnelle",
        issued_on=date(2026, 11, 27),
    )


def minimal_pdf(pages: int) -> bytes:
    """The floor of any PDF here: ReportLab, one paragraph a page in the same two faces
    (regular and bold, subset and embedded), no letterhead, no table, no logo."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    from spip_desktop.reports.fonts import SANS, register_fonts

    register_fonts()
    style = ParagraphStyle("minimal", fontName=SANS, fontSize=9.5, leading=13.5)
    story: list[Any] = []
    for i in range(pages):
        if i:
            story.append(PageBreak())
        story.append(
            Paragraph(f"Le service atteste que <b>DUPONT Jean</b> a suivi le stage ({i}).", style)
        )
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, initialFontName=SANS).build(story)
    return buffer.getvalue()


def timed(work: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


# -- 1 and 2: the PDF builders ------------------------------------------------------------


def bench_one(head: Letterhead, repeat: int) -> tuple[list[float], list[float]]:
    from spip_desktop.reports.attestation import build_attestation

    doc, printed = sample_document(3), stamp()
    for _ in range(5):  # a running process: fonts registered, logo decoded, code warm
        build_attestation(doc, head, printed)
        minimal_pdf(1)
    ours: list[float] = []
    base: list[float] = []
    for _ in range(repeat):  # interleaved: both see the same machine
        ours += timed(lambda: build_attestation(doc, head, printed), 1)
        base += timed(lambda: minimal_pdf(1), 1)
    return ours, base


def bench_batch(head: Letterhead, count: int, repeat: int) -> tuple[list[float], list[float]]:
    from spip_desktop.reports.attestation import build_attestations

    docs = [(sample_document(i), False) for i in range(count)]
    ours: list[float] = []
    base: list[float] = []
    for _ in range(repeat):
        ours += timed(lambda: build_attestations(docs, head, stamp()), 1)
        base += timed(lambda: minimal_pdf(count), 1)
    return ours, base


# -- 3: LibreOffice -----------------------------------------------------------------------

_FODT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls>
 <style:font-face style:name="DejaVu Sans" svg:font-family="'DejaVu Sans'"
  style:font-family-generic="swiss"/>
</office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties fo:margin-top="0mm" fo:margin-bottom="2mm"/>
  <style:text-properties style:font-name="DejaVu Sans" fo:font-size="9.5pt" fo:color="#1b1b1b"/>
 </style:default-style>
 <style:style style:name="Standard" style:family="paragraph"/>
 <style:style style:name="Head" style:family="paragraph">
  <style:paragraph-properties fo:margin-bottom="0.5mm"/>
  <style:text-properties fo:font-size="8.5pt"/>
 </style:style>
 <style:style style:name="HeadBold" style:family="paragraph" style:parent-style-name="Head">
  <style:text-properties fo:font-size="10.5pt" fo:font-weight="bold" fo:color="#1f3a5f"/>
 </style:style>
 <style:style style:name="Ref" style:family="paragraph">
  <style:paragraph-properties fo:text-align="end"/>
  <style:text-properties fo:font-size="8.5pt" fo:color="#5c6573"/>
 </style:style>
 <style:style style:name="Title" style:family="paragraph">
  <style:paragraph-properties fo:text-align="center" fo:margin-top="6mm" fo:margin-bottom="1mm"/>
  <style:text-properties fo:font-size="15pt" fo:font-weight="bold" fo:color="#1f3a5f"/>
 </style:style>
 <style:style style:name="Subtitle" style:family="paragraph">
  <style:paragraph-properties fo:text-align="center" fo:margin-bottom="5mm"/>
  <style:text-properties fo:font-size="10.5pt" fo:color="#5c6573"/>
 </style:style>
 <style:style style:name="Identity" style:family="paragraph">
  <style:paragraph-properties fo:margin-left="10mm"/>
  <style:text-properties fo:font-size="10.5pt"/>
 </style:style>
 <style:style style:name="Heading" style:family="paragraph">
  <style:paragraph-properties fo:margin-top="3mm" fo:keep-with-next="always"/>
  <style:text-properties fo:font-size="10.5pt" fo:font-weight="bold" fo:color="#1f3a5f"/>
 </style:style>
 <style:style style:name="Cell" style:family="paragraph">
  <style:paragraph-properties fo:margin-bottom="0mm"/>
  <style:text-properties fo:font-size="8.5pt"/>
 </style:style>
 <style:style style:name="CellHead" style:family="paragraph" style:parent-style-name="Cell">
  <style:text-properties fo:font-weight="bold" fo:color="#ffffff"/>
 </style:style>
 <style:style style:name="Sign" style:family="paragraph">
  <style:paragraph-properties fo:margin-left="92mm" fo:margin-bottom="1mm"/>
 </style:style>
 <style:style style:name="Footer" style:family="paragraph">
  <style:paragraph-properties fo:text-align="center" fo:border-top="0.4pt solid #b8c0cb"/>
  <style:text-properties fo:font-size="7.5pt" fo:color="#5c6573"/>
 </style:style>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="A4">
  <style:page-layout-properties fo:page-width="210mm" fo:page-height="297mm"
   fo:margin-top="14mm" fo:margin-bottom="8mm" fo:margin-left="20mm" fo:margin-right="20mm"/>
  <style:footer-style><style:header-footer-properties fo:min-height="10mm"/></style:footer-style>
 </style:page-layout>
 <style:style style:name="B" style:family="text"><style:text-properties fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Logo" style:family="graphic">
  <style:graphic-properties style:wrap="parallel" style:horizontal-pos="right"
   style:horizontal-rel="paragraph" style:vertical-pos="top" style:vertical-rel="paragraph"/>
 </style:style>
 <style:style style:name="Frame" style:family="table">
  <style:table-properties style:width="170mm" table:align="left" fo:margin-bottom="3mm"/>
 </style:style>
 <style:style style:name="Frame.A" style:family="table-column">
  <style:table-column-properties style:column-width="48mm"/></style:style>
 <style:style style:name="Frame.B" style:family="table-column">
  <style:table-column-properties style:column-width="122mm"/></style:style>
 <style:style style:name="Label" style:family="table-cell">
  <style:table-cell-properties fo:background-color="#f4f5f7" fo:padding="1.5mm"
   fo:border-bottom="0.25pt solid #b8c0cb" fo:border-top="none" fo:border-left="none"
   fo:border-right="none"/></style:style>
 <style:style style:name="Value" style:family="table-cell">
  <style:table-cell-properties fo:padding="1.5mm" fo:border-bottom="0.25pt solid #b8c0cb"
   fo:border-top="none" fo:border-left="none" fo:border-right="none"/></style:style>
 <style:style style:name="Sessions" style:family="table">
  <style:table-properties style:width="170mm" table:align="left"/></style:style>
 <style:style style:name="Sessions.A" style:family="table-column">
  <style:table-column-properties style:column-width="37mm"/></style:style>
 <style:style style:name="Sessions.B" style:family="table-column">
  <style:table-column-properties style:column-width="51mm"/></style:style>
 <style:style style:name="Sessions.C" style:family="table-column">
  <style:table-column-properties style:column-width="31mm"/></style:style>
 <style:style style:name="Sessions.D" style:family="table-column">
  <style:table-column-properties style:column-width="51mm"/></style:style>
 <style:style style:name="Top" style:family="table-cell">
  <style:table-cell-properties fo:background-color="#1f3a5f" fo:padding="1.2mm"
   fo:border="none"/></style:style>
 <style:style style:name="Even" style:family="table-cell">
  <style:table-cell-properties fo:background-color="#eef2f6" fo:padding="1.2mm"
   fo:border-bottom="0.25pt solid #b8c0cb" fo:border-top="none" fo:border-left="none"
   fo:border-right="none"/></style:style>
 <style:style style:name="Box" style:family="table-cell">
  <style:table-cell-properties fo:padding="1.5mm" fo:border="0.5pt dashed #b8c0cb"/>
 </style:style>
 <style:style style:name="SignTable" style:family="table">
  <style:table-properties style:width="78mm" table:align="right" fo:margin-top="4mm"/>
 </style:style>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="A4">
  <style:footer><text:p text:style-name="Footer">{footer} — page <text:page-number/> sur
   <text:page-count/></text:p></style:footer>
 </style:master-page>
</office:master-styles>
<office:body><office:text>
"""


def _p(style: str, text: str) -> str:
    return f'<text:p text:style-name="{style}">{text}</text:p>\n'


def _b(text: str) -> str:
    return f'<text:span text:style-name="B">{escape(text)}</text:span>'


def _cell(style: str, para: str, text: str) -> str:
    return (
        f'<table:table-cell table:style-name="{style}" office:value-type="string">'
        f"{_p(para, text)}</table:table-cell>"
    )


def fodt(doc: AttestationDocument, head: Letterhead, printed: PrintStamp, logo: str) -> str:
    """The attestation as a flat ODT: same letterhead (with the logo), text and tables."""
    from spip_desktop.domain.dates import format_date, format_date_long
    from spip_desktop.domain.stages import format_minutes, format_time
    from spip_desktop.reports.attestation import title_for
    from spip_desktop.reports.layout import stamp_text

    footer = escape(stamp_text(printed, 1, 1).rsplit(" — ", 1)[0])
    out = [_FODT_HEAD.replace("{footer}", footer)]
    out.append(
        '<text:p text:style-name="HeadBold"><draw:frame draw:style-name="Logo" '
        'text:anchor-type="paragraph" svg:width="42mm" svg:height="23.8mm" draw:z-index="0">'
        f"<draw:image><office:binary-data>{logo}</office:binary-data></draw:image>"
        "</draw:frame>RÉPUBLIQUE FRANÇAISE</text:p>\n"
    )
    out += [
        _p("Head", "Ministère de la Justice"),
        _p("Head", "Direction de l'administration pénitentiaire"),
        _p("HeadBold", escape(head.service_name)),
    ]
    out += [_p("Head", escape(line)) for line in head.address_lines]
    out.append(_p("Ref", f"Attestation n° {escape(doc.number)}"))
    out.append(_p("Title", escape(title_for(doc))))
    out.append(_p("Subtitle", f"N° {escape(doc.number)}"))
    out.append(_p("Standard", f"{_b('Destinataire :')} {escape(doc.recipient)}"))
    out.append(_p("Standard", f"Le {_b(head.service_name)} atteste que :"))
    birth = f"le {format_date_long(doc.birth_date)}" if doc.birth_date else ""
    out.append(
        _p(
            "Identity",
            f"{_b(doc.surname.upper())} {escape(doc.given_names)},"
            f"<text:line-break/>né(e) {birth} à {escape(doc.birth_place)},",
        )
    )
    verb = "a suivi l'intégralité du stage" if doc.validated else "a été présent(e) aux séances"
    out.append(
        _p(
            "Standard",
            f"{verb} « {_b(doc.action_name)} », organisé par "
            f"{escape(doc.organiser)}, du {format_date_long(doc.first_day)} au "
            f"{format_date_long(doc.last_day)}, à l'adresse suivante : "
            f"{escape(doc.venue)}.",
        )
    )
    out.append(
        '<table:table table:name="Cadre" table:style-name="Frame">'
        '<table:table-column table:style-name="Frame.A"/>'
        '<table:table-column table:style-name="Frame.B"/>'
    )
    for label, value in (
        ("Cadre", doc.cadre),
        ("Référence de la décision", doc.decision_reference),
        ("Organisateur", doc.organiser),
        ("Lieu", doc.venue),
    ):
        out.append(
            f"<table:table-row>{_cell('Label', 'Cell', _b(label))}"
            f"{_cell('Value', 'Cell', escape(value))}</table:table-row>"
        )
    out.append("</table:table>\n")
    out.append(_p("Heading", "Séances suivies"))
    out.append(
        '<table:table table:name="Seances" table:style-name="Sessions">'
        + "".join(f'<table:table-column table:style-name="Sessions.{c}"/>' for c in "ABCD")
        + "<table:table-header-rows><table:table-row>"
        + "".join(_cell("Top", "CellHead", h) for h in ("Date", "Horaires", "Durée", "Présence"))
        + "</table:table-row></table:table-header-rows>"
    )
    for n, line in enumerate(doc.sessions):
        style = "Even" if n % 2 else "Value"
        cells = (
            format_date(line.day),
            f"{format_time(line.start)} – {format_time(line.end)}",
            format_minutes(line.minutes),
            line.outcome,
        )
        out.append(
            "<table:table-row>"
            + "".join(_cell(style, "Cell", escape(c)) for c in cells)
            + "</table:table-row>"
        )
    total = ("Total", "", format_minutes(doc.attended_minutes), f"{len(doc.sessions)} séances")
    out.append(
        "<table:table-row>"
        + "".join(_cell("Value", "Cell", _b(c)) for c in total)
        + "</table:table-row></table:table>\n"
    )
    out.append(
        _p(
            "Standard",
            _b(
                f"Heures suivies : {format_minutes(doc.attended_minutes)} sur "
                f"{format_minutes(doc.required_minutes)} requises."
            ),
        )
    )
    out.append(_p("Standard", "Attestation délivrée pour servir et valoir ce que de droit."))
    out.append(
        '<table:table table:name="Signature" table:style-name="SignTable"><table:table-column/>'
    )
    for text in (
        f"Fait à {escape(doc.place)}, le {format_date_long(doc.issued_on)}",
        escape(doc.signatory_role),
        _b(doc.signatory_name),
    ):
        out.append(f"<table:table-row>{_cell('', 'Standard', text)}</table:table-row>")
    out.append(
        f"<table:table-row>{_cell('Box', 'Cell', 'Signature et cachet du service')}"
        "</table:table-row></table:table>\n"
    )
    out.append("</office:text></office:body></office:document>\n")
    return "".join(out)


@dataclass
class LibreOffice:
    batched: list[float]  # per document, N files in one invocation
    single: list[float]  # per document, one invocation each
    marginal: float  # (T(N) - T(1)) / (N - 1): LibreOffice's cost of one more document
    files: int
    version: str


def bench_libreoffice(head: Letterhead, logo: bytes, files: int, repeat: int) -> LibreOffice:
    soffice = shutil.which("soffice")
    assert soffice is not None
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True).stdout
    work = Path(tempfile.mkdtemp(prefix="spip-bench-lo-"))
    profile = (work / "profile").as_uri()  # a fresh user profile, created by the warm-up
    encoded = base64.b64encode(logo).decode()
    sources = []
    for i in range(files):
        path = work / f"attestation-{i + 1:02d}.fodt"
        path.write_text(fodt(sample_document(i), head, stamp(), encoded), encoding="utf-8")
        sources.append(path)
    out = work / "out"

    def convert(paths: Sequence[Path]) -> float:
        shutil.rmtree(out, ignore_errors=True)
        command = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, paths),
        ]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        elapsed = time.perf_counter() - start
        made = sorted(p.stem for p in out.glob("*.pdf"))
        assert made == sorted(p.stem for p in paths), f"LibreOffice wrote {made}"
        return elapsed

    convert(sources[:1])  # warm-up: profile creation, first start (not measured)
    batched, single, whole = [], [], []
    for _ in range(repeat):
        elapsed = convert(sources)
        whole.append(elapsed)
        batched.append(elapsed / files)
        single += [convert([path]) for path in sources]
    shutil.rmtree(work, ignore_errors=True)
    marginal = (statistics.median(whole) - statistics.median(single)) / max(files - 1, 1)
    return LibreOffice(batched, single, marginal, files, version.strip())


# -- 4: through the service, and through the window ---------------------------------------


@dataclass
class Base:
    path: Path
    stage_id: int
    people: int
    setup: float


def open_base(path: Path) -> Any:
    from spip_desktop.bootstrap import open_services
    from spip_desktop.db_url import sqlite_file_url
    from spip_desktop.settings import Settings

    services = open_services(Settings(sqlite_file_url(path), data_directory=path.parent / "data"))
    services.sign_in_command_line("bench stages")
    return services


def create_base(work: Path, people: int, logo: bytes) -> Base:
    """A fresh SQLite file filled through the services: settings with the logo, ``people``
    people, one citizenship stage of 8 past sessions, everyone enrolled, attendance saved."""
    from spip_desktop.domain.enums import Regime, Sex
    from spip_desktop.domain.model import PersonDraft
    from spip_desktop.domain.stages import (
        AttendanceChange,
        AttendanceCode,
        Cadre,
        EnrolmentDraft,
        SessionDraft,
        StageDraft,
    )

    start = time.perf_counter()
    path = work / "stages.sqlite3"
    services = open_base(path)
    services.service_settings.save(
        replace(
            services.service_settings.load(),
            service_name=SERVICE_NAME,
            service_code="33",
            address="\n".join(ADDRESS),
            city="Bordeaux",
            logo_png=base64.b64encode(logo).decode(),
            signatory_name="Anne MARTIN",
            signatory_role="La directrice fonctionnelle",
        )
    )
    today = date.today()
    first = today - timedelta(days=24)
    citizenship = next(t for t in services.stages.catalogue() if t.name == "Stage de citoyenneté")
    sessions = tuple(
        SessionDraft(first + timedelta(days=day), begin, end)
        for day in range(4)
        for begin, end in ((clock(9), clock(12)), (clock(13, 30), clock(16, 30)))
    )
    stage = services.stages.save_stage(
        None,
        0,
        StageDraft(
            type_id=citizenship.id,
            title="Session de novembre",
            venue="SPIP de la Gironde, antenne de Bordeaux, salle collective",
            capacity=None,
            facilitators="Élodie LEFÈVRE, Karim BENSAÏD",
            sessions=sessions,
        ),
    )
    cadres = (Cadre.SURSIS_PROBATOIRE, Cadre.ALTERNATIVE, Cadre.PEINE, Cadre.COMPOSITION)
    for i in range(people):
        person = services.persons.create(
            PersonDraft(
                surname=SURNAMES[i % len(SURNAMES)],
                given_names=GIVEN[i % len(GIVEN)],
                usage_name="Martin" if i % 7 == 3 else "",
                birth_date=date(1970 + i % 35, 1 + i % 12, 1 + i % 28),
                birth_place=PLACES[i % len(PLACES)],
                sex=Sex.FEMALE if i % 2 else Sex.MALE,
                file_number=f"2026-{i + 1:06d}",
                regime=Regime.MILIEU_OUVERT,
            )
        ).person
        services.stages.enrol(
            EnrolmentDraft(
                stage_id=stage.id,
                person_id=person.id,
                cadre=cadres[i % len(cadres)],
                decision_reference=f"TJ Bordeaux 26/{i:05d}",
                final_date=today - timedelta(days=90),
            )
        )
    sheet = services.stages.attendance_sheet(stage.id)
    changes = []
    for n, enrolment in enumerate(sheet.enrolments):
        for s, session in enumerate(sheet.stage.sessions):
            code = AttendanceCode.PRESENT
            if n % 9 == 4 and s == 2:
                code = AttendanceCode.LATE
            elif n % 11 == 5 and s == 5:
                code = AttendanceCode.UNEXCUSED
            elif n % 13 == 6 and s == 6:
                code = AttendanceCode.EXCUSED
            reason = "Certificat médical" if code is AttendanceCode.EXCUSED else ""
            changes.append(AttendanceChange(enrolment.id, session.id, code, reason))
    for chunk in range(0, len(changes), 1000):
        services.stages.save_attendance(stage.id, changes[chunk : chunk + 1000])
    services.close()
    return Base(path, stage.id, people, time.perf_counter() - start)


def register_documents(services: Any, stage_id: int) -> list[tuple[AttestationDocument, bool]]:
    """The documents the register holds for the stage (what the batch printed)."""
    with services.factory.reader() as uow:
        rows = uow.stages.attestations_of_stage(stage_id)
        docs = [AttestationDocument.from_json(row.document) for row, *_ in rows]
    return [(doc, False) for doc in sorted(docs, key=lambda d: d.number)]


@dataclass
class ServiceTimes:
    new: list[float]  # first issue: numbers registered
    duplicates: list[float]  # second and later: every attestation a duplicata
    pdf_only: list[float]  # build_attestations of the registered documents
    size: int  # bytes of the combined file


def bench_service(base: Base, work: Path, repeat: int) -> ServiceTimes:
    from spip_desktop.reports.attestation import build_attestations
    from spip_desktop.services.documents import letterhead_of

    snapshot = work / "snapshot.sqlite3"
    shutil.copyfile(base.path, snapshot)
    target = work / "Attestations.pdf"
    new: list[float] = []
    for _ in range(repeat):  # every repeat on the same fresh base: new numbers each time
        shutil.copyfile(snapshot, base.path)
        services = open_base(base.path)
        start = time.perf_counter()
        outcome = services.stages.issue_for_stage(base.stage_id, target, True)
        new.append(time.perf_counter() - start)
        assert outcome.issued == base.people and not outcome.duplicates, outcome
        services.close()
    size = target.stat().st_size
    services = open_base(base.path)
    duplicates: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        outcome = services.stages.issue_for_stage(base.stage_id, target, True)
        duplicates.append(time.perf_counter() - start)
        assert outcome.duplicates == base.people, outcome
    docs = register_documents(services, base.stage_id)
    head = letterhead_of(services.service_settings.load())
    pdf_only = timed(lambda: build_attestations(docs, head, stamp()), repeat)
    services.close()
    shutil.copyfile(snapshot, base.path)  # the GUI starts from a fresh base too
    return ServiceTimes(new, duplicates, pdf_only, size)


class Heartbeat:
    """A 10 ms timer on the GUI thread; every tick's time kept."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self.timer.start()

    def gaps(self, start: float, end: float) -> list[float]:
        """Time between consecutive ticks over [start, end] (the ticks around it included)."""
        before = [t for t in self.ticks if t < start][-1:]
        inside = [t for t in self.ticks if start <= t <= end]
        after = [t for t in self.ticks if t > end][:1]
        marks = before + inside + after
        return [b - a for a, b in itertools.pairwise(marks)]


@dataclass
class GuiRun:
    label: str
    wall: float  # run_batch called -> its done() informed the user
    registered: float  # run_batch called -> first progress report (numbers registered)
    gaps: list[float]  # heartbeat gaps over the batch
    worst_at: float  # when the longest of them began, from the start
    dialog_at: float | None  # when the progress dialog was first seen on screen
    after: list[float]  # heartbeat gaps while the page reloads its detail afterwards


@dataclass
class Cancel:
    phase: str
    stopped: float  # Annuler clicked -> the batch's failure handler informed the user
    outcome: str  # OK: cancelled, no register entry, no copy, no file


@dataclass
class Gui:
    idle: list[float]  # heartbeat gaps, nothing running
    runs: list[GuiRun]
    cancels: list[Cancel]


class _RecordingStages:
    """The real StageService as the page sees it, noting when each batch first reports
    progress (the numbers are registered by then). Everything else is passed through."""

    def __init__(self, stages: Any) -> None:
        self._stages = stages
        self.reports: list[tuple[float, int, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stages, name)

    def issue_for_stage(self, stage_id, target, combined, on_progress=None):  # type: ignore[no-untyped-def]
        def report(done: int, total: int) -> bool:
            self.reports.append((time.perf_counter(), done, total))
            return on_progress(done, total) if on_progress else True

        return self._stages.issue_for_stage(stage_id, target, combined, report)


def bench_gui(base: Base, work: Path, runs: int) -> Gui:
    """The batch through the real StagesPage.run_batch, offscreen, heartbeat running."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QProgressDialog, QPushButton
    from suite import counting_runner  # the same counting runner as the suite

    from spip_desktop.app import make_application, settle_long_lived_objects
    from spip_desktop.ui.prompter import Prompter
    from spip_desktop.ui.stages_page import StagesPage

    class BenchPrompter(Prompter):
        def __init__(self) -> None:
            super().__init__()
            self.said: list[tuple[str, str, float]] = []

        def inform(self, title: str, text: str) -> None:
            self.said.append((title, text, time.perf_counter()))

        def error(self, title: str, text: str) -> None:
            self.said.append((title, "ERREUR " + text, time.perf_counter()))

    def spin(until: Callable[[], bool], timeout: float = 300) -> None:
        """Sleep in Qt's event loop until ``until()``: timers fire on time meanwhile. The
        times measured come from the callbacks themselves: a slow poll is precise enough,
        and leaves the worker thread the interpreter lock (it competes with the GUI's)."""
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(50)
        poll.timeout.connect(lambda: until() and loop.quit())
        poll.start()
        QTimer.singleShot(int(timeout * 1000), loop.quit)
        loop.exec()
        poll.stop()
        if not until():
            raise TimeoutError("the window did not get there")

    def pause(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(max(0, round(seconds * 1000)), loop.quit)
        loop.exec()

    app = make_application([])
    services = open_base(base.path)
    stages = _RecordingStages(services.stages)
    runner = counting_runner(on_error=lambda e: print("task failed:", e, file=sys.stderr))
    prompter = BenchPrompter()
    page = StagesPage(
        stages,  # type: ignore[arg-type]
        services.persons,
        runner,
        prompter,
        services.session.user,
        lambda pdf, title, name: None,  # the preview: not measured here
        work,
    )
    page.resize(1380, 860)
    page.show()
    spin(lambda: runner.outstanding == 0 and page.stage_model.rowCount() > 0)
    page.stage_table.selectRow(0)  # the stage's detail: attendance grid, people, register
    spin(lambda: runner.outstanding == 0 and page.detail is not None)
    settle_long_lived_objects()  # as the application does once its window is ready
    assert page.detail is not None
    stage = page.detail.stage
    beat = Heartbeat()
    idle_start = time.perf_counter()
    pause(2.0)
    idle = beat.gaps(idle_start + 0.05, time.perf_counter())

    seen: dict[str, float] = {}

    def watch_dialog() -> None:
        dialog = page.findChild(QProgressDialog)
        if dialog is not None and dialog.isVisible():
            seen.setdefault("dialog", time.perf_counter())

    watcher = QTimer()
    watcher.setInterval(50)
    watcher.timeout.connect(watch_dialog)
    watcher.start()

    def activate() -> None:
        """The window active again, as on a desktop once the last dialog has closed: the
        progress dialog taking the focus then repaints the page in its inactive colours."""
        page.activateWindow()
        spin(page.isActiveWindow)
        pause(0.3)

    results = []
    for n in range(runs):
        activate()
        said, reports = len(prompter.said), len(stages.reports)
        seen.clear()
        start = time.perf_counter()
        page.run_batch(stage, work / "Attestations-gui.pdf", True)
        spin(lambda said=said: len(prompter.said) > said)  # done() informs at its end
        finished = prompter.said[said][2]
        spin(lambda: runner.outstanding == 0)  # then the page reloads its detail
        settled = time.perf_counter()
        assert "délivrée" in prompter.said[said][1], prompter.said[said]
        gaps = beat.gaps(start, finished)
        ticks = [start] + [t for t in beat.ticks if start <= t <= finished]
        worst = max(range(len(ticks) - 1), key=lambda i: ticks[i + 1] - ticks[i], default=0)
        results.append(
            GuiRun(
                "new numbers" if n == 0 else "duplicatas",
                finished - start,
                stages.reports[reports][0] - start,
                gaps,
                ticks[worst] - start,
                seen["dialog"] - start if "dialog" in seen else None,
                beat.gaps(finished, settled),
            )
        )

    def register_state() -> tuple[int, int]:
        entries = services.stages.register(base.stage_id)
        return len(entries), sum(entry.copies for entry in entries)

    later = results[1:] or results
    registering = statistics.median(run.registered for run in later)
    layout = statistics.median(run.wall - run.registered for run in later)
    cancels = []
    for wanted in ("registering", "laying out"):
        activate()
        before = register_state()
        said, reports = len(prompter.said), len(stages.reports)
        target = work / "Attestations-cancelled.pdf"
        start = time.perf_counter()
        page.run_batch(stage, target, True)
        if wanted == "registering":  # halfway through the registering of the numbers
            pause(registering / 2)
        else:  # a quarter of the way through the layout
            spin(lambda reports=reports: len(stages.reports) > reports)
            pause(layout / 4)
        dialog = page.findChild(QProgressDialog)
        assert dialog is not None and len(prompter.said) == said, "the batch ended first"
        button = dialog.findChild(QPushButton)
        assert button is not None and button.text() == "Annuler"
        laid_out = stages.reports[-1][1] if len(stages.reports) > reports else 0
        phase = (
            f"while the {base.people} numbers are registered (no progress shown yet)"
            if not laid_out
            else f"after {laid_out} of {base.people} attestations laid out"
        )
        clicked = time.perf_counter()
        button.click()
        spin(lambda said=said: len(prompter.said) > said)
        stopped = prompter.said[said][2] - clicked
        spin(lambda: runner.outstanding == 0)
        told = prompter.said[said][1]
        if "annulée" in told:
            left = register_state() != before or target.exists()
            outcome = "OK" if not left else "over: a register entry or the file was left"
        elif "délivrée" in told:
            outcome = "over: issued all the same (Annuler after the last attestation was taken)"
        else:
            outcome = f"over: {told[:80]}"
        cancels.append(Cancel(phase, stopped, outcome))
    watcher.stop()
    beat.timer.stop()
    page.close()
    runner.shutdown()
    services.close()
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
    return Gui(idle, results, cancels)


# -- the table ----------------------------------------------------------------------------


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


@dataclass
class Row:
    scenario: str
    p50: str
    p95: str
    baseline: str
    ratio: str
    target: str
    result: str

    def line(self) -> str:
        return (
            f"| {self.scenario} | {self.p50} | {self.p95} | {self.baseline} | {self.ratio} "
            f"| {self.target} | {self.result} |"
        )


def timing_row(
    name: str, samples: list[float], base_name: str, base: list[float], target: str, ok: bool | None
) -> Row:
    p50, b50 = statistics.median(samples), statistics.median(base)
    return Row(
        name,
        fmt(p50),
        fmt(percentile(samples, 0.95)),
        f"{base_name}: {fmt(b50)}",
        f"{p50 / b50:.2f}×",
        target,
        "—" if ok is None else ("OK" if ok else "over"),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 people, fewer repeats")
    args = parser.parse_args()
    quick = args.quick
    people = 100 if quick else 500
    batch = 500
    rows: list[Row] = []
    notes: list[str] = []

    def add(row: Row) -> None:
        rows.append(row)
        print(row.line(), flush=True)

    logo = make_logo()
    head = letterhead(logo)

    ours, base = bench_one(head, 50 if quick else 100)
    add(
        timing_row(
            "1. one attestation, 8 sessions, logo (`build_attestation`, warm)",
            ours,
            "minimal ReportLab PDF",
            base,
            "≤ 15 ms",
            statistics.median(ours) <= TARGET_ONE,
        )
    )

    batch_s, batch_base = bench_batch(head, batch, 1 if quick else 3)
    add(
        timing_row(
            f"2. {batch} attestations, one PDF (`build_attestations`)",
            batch_s,
            f"{batch} minimal pages in one PDF",
            batch_base,
            "≤ 5 s",
            statistics.median(batch_s) <= TARGET_BATCH,
        )
    )
    per_doc = statistics.median(batch_s) / batch

    if shutil.which("soffice") is None:
        add(
            Row(
                "3. LibreOffice headless, per document",
                "skipped",
                "skipped",
                f"ours per document: {fmt(per_doc)}",
                "—",
                f"≥ {TARGET_LO_RATIO:.0f}× ours",
                "skipped: `soffice` not on PATH",
            )
        )
    else:
        files = 3 if quick else 10
        lo = bench_libreoffice(head, logo, files, 1 if quick else 3)
        lo50 = statistics.median(lo.batched)
        ratio = lo50 / per_doc
        add(
            Row(
                f"3a. LibreOffice headless, per document ({files} `.fodt` in one invocation)",
                fmt(lo50),
                fmt(percentile(lo.batched, 0.95)),
                f"ours, per document of the {batch} batch: {fmt(per_doc)}",
                f"LO / ours: {ratio:.0f}×",
                f"≥ {TARGET_LO_RATIO:.0f}×",
                "OK" if ratio >= TARGET_LO_RATIO else "over",
            )
        )
        single = statistics.median(lo.single)
        add(
            Row(
                "3b. LibreOffice headless, one invocation per document",
                fmt(single),
                fmt(percentile(lo.single, 0.95)),
                f"ours, one attestation: {fmt(statistics.median(ours))}",
                f"LO / ours: {single / statistics.median(ours):.0f}×",
                "(information)",
                "—",
            )
        )
        add(
            Row(
                "3c. LibreOffice, one more document in an invocation ((T(N) − T(1)) / (N − 1))",
                fmt(lo.marginal),
                "—",
                f"ours per document: {fmt(per_doc)}",
                f"LO / ours: {lo.marginal / per_doc:.0f}×",
                "(information)",
                "—",
            )
        )
        notes.append(
            f"{lo.version}: {files} files in one invocation, then one invocation each, "
            f"{1 if quick else 3} time(s), after an unmeasured warm-up (profile creation)."
        )

    work = Path(tempfile.mkdtemp(prefix="spip-bench-stages-"))
    try:
        made = create_base(work, people, logo)
        service = bench_service(made, work, 1 if quick else 3)
        add(
            timing_row(
                f"4a. `issue_for_stage`, {people} people, new numbers (register + PDF + file)",
                service.new,
                "the same PDF alone",
                service.pdf_only,
                "≤ 5 s",
                statistics.median(service.new) <= TARGET_BATCH,
            )
        )
        add(
            timing_row(
                f"4b. `issue_for_stage`, {people} people again: all duplicatas",
                service.duplicates,
                "the same PDF alone",
                service.pdf_only,
                "≤ 5 s",
                statistics.median(service.duplicates) <= TARGET_BATCH,
            )
        )
        gui = bench_gui(made, work, 2 if quick else 3)
        idle_max = max(gui.idle)
        gaps = [gap for run in gui.runs for gap in run.gaps]
        worst = max(gaps)
        add(
            Row(
                f"4c. GUI: 10 ms heartbeat during `StagesPage.run_batch`, {people} people "
                f"({len(gui.runs)} batches: new numbers, then duplicatas), gap between ticks",
                fmt(statistics.median(gaps)),
                f"{fmt(percentile(gaps, 0.95))}; **max {fmt(worst)}**",
                f"idle event loop, max gap: {fmt(idle_max)}",
                f"max {worst / idle_max:.1f}×",
                "max ≤ 100 ms",
                "OK" if worst <= TARGET_STALL else "over",
            )
        )
        walls = [run.wall for run in gui.runs]
        add(
            timing_row(
                f"4d. GUI: the batch through the window, click → done ({people} people)",
                walls,
                "4a/4b without a window",
                service.new + service.duplicates,
                "≤ 5 s",
                statistics.median(walls) <= TARGET_BATCH,
            )
        )
        registered = [run.registered for run in gui.runs]
        add(
            Row(
                "4e. GUI: click → first progress shown (numbers registered meanwhile, the "
                "dialog shows a busy bar)",
                fmt(statistics.median(registered)),
                fmt(percentile(registered, 0.95)),
                "—",
                "—",
                "(information)",
                "—",
            )
        )
        after = [gap for run in gui.runs for gap in run.after]
        add(
            Row(
                f"4f. GUI: after the batch, the page reloading its {people} people, heartbeat gap",
                fmt(statistics.median(after)),
                f"{fmt(percentile(after, 0.95))}; max {fmt(max(after))}",
                f"idle: {fmt(idle_max)}",
                f"max {max(after) / idle_max:.1f}×",
                "max ≤ 100 ms",
                "OK" if max(after) <= TARGET_STALL else "over",
            )
        )
        for cancel in gui.cancels:
            add(
                Row(
                    f"4g. Annuler clicked {cancel.phase} → batch stopped",
                    fmt(cancel.stopped),
                    "—",
                    "—",
                    "—",
                    "nothing registered nor written",
                    cancel.outcome,
                )
            )
        for run in gui.runs:
            shown = "never" if run.dialog_at is None else f"at +{fmt(run.dialog_at)}"
            notes.append(
                f"GUI batch ({run.label}): {fmt(run.wall)}, first progress at "
                f"+{fmt(run.registered)}, progress dialog seen {shown}, longest heartbeat gap "
                f"{fmt(max(run.gaps))} from +{fmt(run.worst_at)}; reload afterwards: longest "
                f"gap {fmt(max(run.after))}."
            )
        notes.append(
            f"Base built through the services in {made.setup:.1f} s; combined PDF of "
            f"{people}: {service.size / 1e6:.2f} MB."
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    header = (
        "| Scenario | p50 | p95 | Baseline (p50) | Ratio | Target | Result |\n"
        "|---|---|---|---|---|---|---|"
    )
    table = "\n".join([header, *(row.line() for row in rows)])
    table += "\n\n" + "\n".join(f"- {note}" for note in notes)
    command = "python bench/stages.py" + (" --quick" if quick else "")
    (ROOT / "bench" / "results-stages.md").write_text(
        f"# [3/6 Stages] — {datetime.now():%Y-%m-%d %H:%M}\n\nMachine: {machine()}.  \n"
        f"Command: `{command}`.\n\n{table}\n"
    )
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
