"""The monthly summary's three files, read back: the PDF's text, the workbook cell by cell,
the CSV row by row, a real spreadsheet's reading of the workbook, and the same bytes for
the same document."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from spip_desktop.domain.summary import (
    GENERAL_RULES,
    Comparison,
    Indicator,
    Section,
    SummaryDocument,
    SummaryScope,
    Value,
    compare,
)
from spip_desktop.reports.monthly import (
    ANNEX_TITLE,
    CSV_COLUMNS,
    EMPTY_SENTENCE,
    HEADER_ROW,
    PERCENT_FORMAT,
    TITLE,
    summary_csv,
    summary_pdf,
    summary_xlsx,
)

from .conftest import all_text, font_names, image_bytes, normalise, page_texts
from .summary_data import AUTHOR, GENERATED_AT, MARCH, document, summary

STAMP = "Édité le 02/04/2026 à 09:30 par Élodie LEFÈVRE"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def doc() -> SummaryDocument:
    return document()


@pytest.fixture(scope="module")
def pdf(doc: SummaryDocument) -> bytes:
    return summary_pdf(doc)


@pytest.fixture(scope="module")
def xlsx(doc: SummaryDocument) -> bytes:
    return summary_xlsx(doc)


def flat(text: str) -> str:
    """Text on one line, single spaces, French no-break spaces as plain ones."""
    return " ".join(normalise(text).split())


def comparisons(doc: SummaryDocument, section: Section | None = None) -> list[Comparison]:
    return [
        c
        for c in compare(doc.summary, doc.previous)
        if section is None or c.figure.section is section
    ]


# -- PDF -------------------------------------------------------------------------------------


def test_the_pdf_names_the_month_the_scope_and_the_period(pdf: bytes) -> None:
    text = all_text(pdf)
    assert text.startswith("RÉPUBLIQUE FRANÇAISE")
    assert "SPIP de la Gironde" in text
    assert f"{TITLE} Mars 2026 — Tout le service Période du 01/03/2026 au 31/03/2026" in text
    assert "Chiffres calculés le 01/04/2026, comparés à ceux de février 2026." in text
    assert "Mois en cours" not in text
    assert EMPTY_SENTENCE not in text


def test_the_pdf_prints_every_figure_in_french_beside_the_previous_month(pdf: bytes) -> None:
    text = all_text(pdf)
    headings = [text.index(f"{section.label} ", 900) for section in Section]
    assert headings == sorted(headings)
    assert "Indicateur Détail Mars 2026 Février 2026 Évolution" in text
    for line in (
        "Personnes suivies le dernier jour du mois Total 2 340 2 176 +164",
        "Milieu fermé 530 493 +37",
        "Sursis avec mise à l'épreuve (SME, ancien régime) 0 0 0",
        "Personnes suivies par CPIP le dernier jour DUPONT Marie 95 88 +7",
        "Stage de responsabilité parentale 3 0 +3",  # a stage type February did not have
        "Taux de présence 86,7 % sans objet",  # no change when February has no rate
        "Démarches en cours le dernier jour 1 284 1 194 +90",
        "Délai médian d'obtention (jours) 23,5 21,9 +1,6",
        "Entretiens du mois Total 3 806 3 540 +266",
        "Conventions arrivant à échéance dans les 3 mois suivants 3 3 0",
    ):
        assert line in text
    # every line of the summary, in order
    position = 0
    for c in comparisons(document()):
        label = c.figure.label if c.figure.key else c.figure.indicator.label
        position = text.index(label, position)


def test_a_fall_is_printed_with_a_minus_sign() -> None:
    doc = document(previous=summary(MARCH.previous, 1.1))
    assert "Personnes suivies le dernier jour du mois Total 2 340 2 574 −234" in all_text(
        summary_pdf(doc)
    )


def test_every_page_is_numbered_and_stamped(pdf: bytes) -> None:
    pages = page_texts(pdf)
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert f"{STAMP} — page {number} sur {len(pages)}" in flat(text)


def test_the_annex_gives_the_general_rules_and_every_definition(pdf: bytes) -> None:
    text = all_text(pdf)
    annex = text[text.index(ANNEX_TITLE) :]
    for number, rule in enumerate(GENERAL_RULES, start=1):
        assert f"{number}. {flat(rule)}" in annex
    position = 0
    for indicator in Indicator:
        position = annex.index(f"{indicator.label} {flat(indicator.definition)}", position)


def test_the_charts_draw_the_months_side_by_side_without_empty_bars(pdf: bytes) -> None:
    text = all_text(pdf)

    def chart(caption: str) -> str:
        start = text.index(caption)
        return text[start : text.index("Indicateur Détail", start)]

    people = chart("Personnes suivies le 31/03/2026, par type de mesure")
    assert "Sursis probatoire (suivi renforcé)" in people
    assert "1 210" in people and "1 125" in people
    assert "Mars 2026 Février 2026" in people  # the legend
    assert "Contrainte pénale" not in people  # zero in both months
    sessions = chart("Séances tenues dans le mois, par type de stage")
    assert "Stage de responsabilité parentale" in sessions
    attendance = chart("Émargements des séances du mois, par code")
    assert "taux de présence : 86,7 % (février 2026 : sans objet)" in attendance
    assert all(code in attendance for code in ("Présent", "Retard", "Absent non excusé"))
    steps = chart("Démarches arrivées à leur issue dans le mois, par issue")
    assert all(status in steps for status in ("Obtenues", "Refusées", "Abandonnées"))


def test_a_stage_type_only_the_previous_month_had_is_drawn_at_zero() -> None:
    doc = document(summary(stage_types=2), summary(MARCH.previous, stage_types=3, with_rate=False))
    text = all_text(summary_pdf(doc))
    start = text.index("Séances tenues dans le mois, par type de stage")
    chart = text[start : text.index("Indicateur Détail", start)]
    assert "Programme de prévention de la récidive (PPR)" in chart


def test_a_month_in_progress_says_so() -> None:
    doc = document(summary(computed_on=date(2026, 3, 11)))
    text = all_text(summary_pdf(doc))
    assert (
        "Mois en cours : les chiffres vont du 01/03/2026 au 11/03/2026 inclus et changeront "
        "encore d'ici la fin du mois." in text
    )
    assert "Période du 01/03/2026 au 31/03/2026" in text
    assert "Personnes suivies le 11/03/2026, par type de mesure" in text


def test_a_month_without_activity_is_a_summary_of_zeros() -> None:
    doc = document(summary(scale=0), summary(MARCH.previous, scale=0))
    text = all_text(summary_pdf(doc))
    assert EMPTY_SENTENCE in text
    assert "Personnes suivies le dernier jour du mois Total 0 0 0" in text
    assert "Taux de présence sans objet sans objet" in text
    assert "Personnes suivies le 31/03/2026, par type de mesure" not in text  # no bar, no chart
    assert "taux de présence :" not in text
    assert ANNEX_TITLE in text


def test_the_scope_is_named() -> None:
    scope = SummaryScope.antenne(3, "Antenne de Libourne")
    text = all_text(summary_pdf(document(summary(scope=scope))))
    assert "Mars 2026 — Antenne : Antenne de Libourne" in text


def test_the_pdf_metadata_and_fonts(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == f"{TITLE} — mars 2026"
    assert meta.author == "SPIP de la Gironde"
    assert meta.subject == f"{TITLE} — Mars 2026 — Tout le service"
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20260402093000"
    fonts = font_names(pdf)
    assert fonts and all("DejaVuSans" in name for name in fonts), fonts  # charts too


# -- XLSX ------------------------------------------------------------------------------------


def test_one_sheet_per_section_then_the_definitions(xlsx: bytes) -> None:
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == [
        "Personnes suivies",
        "Stages et programmes",
        "Accès aux droits",
        "Entretiens",
        "Partenariats",
        "Définitions",
    ]
    assert all(len(name) <= 31 for name in book.sheetnames)


def cell_value(value: Value) -> int | float | None:
    return float(value) if isinstance(value, Decimal) else value


def test_each_sheet_holds_its_figures_as_numbers_in_order(
    doc: SummaryDocument, xlsx: bytes
) -> None:
    book = load_workbook(io.BytesIO(xlsx))
    for section in Section:
        sheet = book[section.label]
        assert sheet["A1"].value == f"{TITLE} — {section.label}"
        assert sheet["A1"].font.b
        assert sheet["A2"].value == (
            "Mars 2026 — période du 01/03/2026 au 31/03/2026, comparé à février 2026"
        )
        assert sheet["A3"].value == "Périmètre : Tout le service"
        assert sheet["A4"].value == f"{STAMP} — chiffres calculés le 01/04/2026"
        header = [c.value for c in sheet[HEADER_ROW]]
        assert header == ["Indicateur", "Détail", "Mars 2026", "Février 2026", "Évolution"]
        assert all(c.font.b and c.fill.fgColor.rgb == "FF1F3A5F" for c in sheet[HEADER_ROW])
        assert all(c.border.bottom.style == "thin" for c in sheet[HEADER_ROW])
        assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
        expected = [
            (
                c.figure.indicator.label,
                c.figure.breakdown,
                cell_value(c.figure.value),
                cell_value(c.previous),
                cell_value(c.change),
            )
            for c in comparisons(doc, section)
        ]
        rows = [tuple(row) for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
        assert rows == expected
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            for cell in row[2:]:
                assert cell.value is None or type(cell.value) in (int, float)
        widths = [sheet.column_dimensions[letter].width for letter in "ABCDE"]
        assert all(width >= 10 for width in widths) and widths[0] >= 40
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage


def test_numbers_carry_their_formats(xlsx: bytes) -> None:
    sheet = load_workbook(io.BytesIO(xlsx))["Stages et programmes"]
    by_label = {row[0].value + "/" + row[1].value: row for row in sheet.iter_rows(min_row=7)}
    rate = by_label["Taux de présence/Total"]
    assert rate[2].value == 86.7 and rate[2].number_format == PERCENT_FORMAT
    assert rate[3].value is None and rate[4].value is None  # sans objet: empty cells
    sessions = by_label["Séances tenues dans le mois/Total"]
    assert sessions[2].value == 34 and type(sessions[2].value) is int
    assert sessions[2].number_format == "#,##0"
    assert sessions[2].font.b
    assert not by_label["Émargements des séances du mois/Retard"][2].font.b
    assert sessions[4].number_format.startswith("+")
    days = load_workbook(io.BytesIO(xlsx))["Accès aux droits"]
    median = next(r for r in days.iter_rows(min_row=7) if r[0].value.startswith("Délai"))
    assert median[2].value == 23.5 and median[2].number_format == "0.0"
    assert median[4].value == pytest.approx(1.6)


def test_the_definitions_sheet(xlsx: bytes) -> None:
    sheet = load_workbook(io.BytesIO(xlsx))["Définitions"]
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    texts = [v for row in values for v in row if v]
    assert "Règles générales" in texts
    assert all(rule in texts for rule in GENERAL_RULES)
    header = values.index(("Indicateur", "Définition"))
    assert values[header + 1 :] == [(i.label, i.definition) for i in Indicator]
    assert sheet.cell(header + 2, 2).alignment.wrap_text
    assert sheet.column_dimensions["B"].width >= 80


def test_the_workbook_notes_a_month_in_progress_and_a_month_of_zeros() -> None:
    partial = load_workbook(
        io.BytesIO(summary_xlsx(document(summary(computed_on=date(2026, 3, 11)))))
    )
    assert partial["Entretiens"].cell(HEADER_ROW - 1, 1).value.startswith("Mois en cours")
    empty = load_workbook(
        io.BytesIO(summary_xlsx(document(summary(scale=0), summary(MARCH.previous, scale=0))))
    )
    assert empty["Partenariats"].cell(HEADER_ROW - 1, 1).value == EMPTY_SENTENCE


def test_the_workbook_is_dated_when_it_was_generated(xlsx: bytes) -> None:
    book = load_workbook(io.BytesIO(xlsx))
    assert book.properties.created == book.properties.modified == GENERATED_AT
    assert book.properties.lastModifiedBy == AUTHOR
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        entries = archive.infolist()
    assert {e.date_time for e in entries} == {(2026, 4, 2, 9, 30, 0)}
    assert {e.compress_type for e in entries} == {zipfile.ZIP_DEFLATED}
    assert entries[-1].filename == "[Content_Types].xml"  # openpyxl's order, kept


# -- CSV -------------------------------------------------------------------------------------


def test_the_csv_opens_right_in_a_french_spreadsheet(doc: SummaryDocument) -> None:
    data = summary_csv(doc)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS
    expected = [
        [
            c.figure.section.label,
            c.figure.indicator.label,
            c.figure.breakdown,
            "" if c.figure.value is None else str(c.figure.value).replace(".", ","),
            "" if c.previous is None else str(c.previous).replace(".", ","),
            "" if c.change is None else str(c.change).replace(".", ","),
        ]
        for c in comparisons(doc)
    ]
    assert rows[1:] == expected
    assert len(rows) == len(doc.summary.figures) + 1
    assert ["Stages et programmes", "Taux de présence", "Total", "86,7", "", ""] in rows
    assert [
        "Accès aux droits",
        "Délai médian d'obtention (jours)",
        "Total",
        "23,5",
        "21,9",
        "1,6",
    ] in rows
    assert [
        "Personnes suivies",
        "Personnes suivies le dernier jour du mois",
        "Milieu fermé",
        "530",
        "493",
        "37",
    ] in rows


# -- the same bytes --------------------------------------------------------------------------

_BUILDERS = {"pdf": summary_pdf, "xlsx": summary_xlsx, "csv": summary_csv}


def _digests(doc: SummaryDocument) -> dict[str, str]:
    return {name: hashlib.sha256(build(doc)).hexdigest() for name, build in _BUILDERS.items()}


def test_the_same_document_gives_the_same_bytes(doc: SummaryDocument) -> None:
    for build in _BUILDERS.values():
        assert build(doc) == build(document())


def test_the_same_bytes_with_a_logo(doc: SummaryDocument) -> None:
    with_logo = replace(doc, head=replace(doc.head, logo_png=image_bytes("PNG", "RGBA")))
    assert summary_pdf(with_logo) == summary_pdf(replace(with_logo))
    assert summary_pdf(with_logo) != summary_pdf(doc)


def test_the_same_bytes_in_another_process_another_time_zone(doc: SummaryDocument) -> None:
    script = (
        "import hashlib, json\n"
        "from tests.unit.reports.summary_data import document\n"
        "from spip_desktop.reports.monthly import summary_csv, summary_pdf, summary_xlsx\n"
        "d = document()\n"
        "print(json.dumps({n: hashlib.sha256(f(d)).hexdigest() for n, f in "
        "(('pdf', summary_pdf), ('xlsx', summary_xlsx), ('csv', summary_csv))}))\n"
    )
    env = {**os.environ, "TZ": "Pacific/Chatham", "PYTHONHASHSEED": "12345"}
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert json.loads(done.stdout) == _digests(doc)


def test_another_edition_time_gives_another_pdf_and_workbook(doc: SummaryDocument) -> None:
    later = replace(doc, generated_at=datetime(2026, 4, 2, 9, 31))
    assert summary_pdf(later) != summary_pdf(doc)
    assert summary_xlsx(later) != summary_xlsx(doc)
    assert summary_csv(later) == summary_csv(doc)  # the CSV holds the figures only


def test_other_figures_give_another_pdf_identifier(doc: SummaryDocument) -> None:
    other = document(summary(scale=1.01))

    def identifier(pdf: bytes) -> object:
        return PdfReader(io.BytesIO(pdf)).trailer["/ID"]

    assert identifier(summary_pdf(other)) != identifier(summary_pdf(doc))


# -- read by a real spreadsheet --------------------------------------------------------------

SOFFICE = shutil.which("soffice")
_FRENCH_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>fr-FR</value></prop></item>
</oor:items>
"""


def french_number(text: str) -> Value:
    """A number as LibreOffice shows it on a French workstation: ``2 340``, ``86,7 %``,
    ``+1,6``; ``None`` for an empty cell."""
    text = re.sub(r"[\s\u00a0\u202f]", "", text).removesuffix("%").replace("\u2212", "-")
    if not text:
        return None
    return Decimal(text.replace(",", ".")) if "," in text else int(text)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_figures_of_every_sheet(
    doc: SummaryDocument, xlsx: bytes, tmp_path: Path
) -> None:
    assert SOFFICE is not None
    profile = tmp_path / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_FRENCH_PROFILE, "utf-8")
    source = tmp_path / "synthese.xlsx"
    source.write_bytes(xlsx)
    out = tmp_path / "csv"
    # ; separated, UTF-8, cells as shown, every sheet to its own file (the trailing -1)
    options = "59,34,76,1,,1036,false,true,true,false,false,-1"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):{options}",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    )
    for section in Section:
        path = out / f"synthese-{section.label}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8"), newline=""), delimiter=";"))
        assert rows[HEADER_ROW - 1] == [
            "Indicateur",
            "Détail",
            "Mars 2026",
            "Février 2026",
            "Évolution",
        ]
        read = [
            (row[0], row[1], *(french_number(cell) for cell in row[2:5]))
            for row in rows[HEADER_ROW:]
        ]
        assert read == [
            (c.figure.indicator.label, c.figure.breakdown, c.figure.value, c.previous, c.change)
            for c in comparisons(doc, section)
        ]
    shown = (out / "synthese-Stages et programmes.csv").read_text("utf-8")
    assert "86,7 %" in shown  # the percentage as a French reader sees it
    assert (out / "synthese-Définitions.csv").is_file()


def test_a_name_beginning_like_a_formula_stays_text() -> None:
    from spip_desktop.domain.summary import Summary

    doc = document()
    figures = tuple(
        replace(f, label='=HYPERLINK("http://x")')
        if f.indicator is Indicator.SESSIONS and f.key
        else f
        for f in doc.summary.figures
    )
    current = doc.summary
    doc = replace(doc, summary=Summary(current.month, current.scope, current.computed_on, figures))
    book = load_workbook(io.BytesIO(summary_xlsx(doc)))
    texts = [
        c
        for row in book["Stages et programmes"].iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    hyperlinks = [c for c in texts if c.value.startswith("=HYPERLINK")]
    assert hyperlinks and all(c.data_type == "s" for c in hyperlinks)
    rows = list(csv.reader(io.StringIO(summary_csv(doc).decode("utf-8-sig")), delimiter=";"))
    details = [row[2] for row in rows if "HYPERLINK" in row[2]]
    assert details and all(d.startswith("'=") for d in details)


def test_the_workbook_names_no_library_version() -> None:
    archive = zipfile.ZipFile(io.BytesIO(summary_xlsx(document())))
    assert b"penpyxl" not in archive.read("docProps/app.xml")
