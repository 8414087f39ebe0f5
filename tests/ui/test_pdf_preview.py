"""The PDF preview: paging, zoom, print into a PDF printer, atomic save, system viewer."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QUrl
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from spip_desktop import resources
from spip_desktop.ui.pdf_preview import (
    UNREADABLE,
    PdfPreviewDialog,
    print_document,
    remove_viewer_copies,
)
from tests.ui.conftest import FakePrompter

WORDS = ("un", "deux", "trois")


def make_pdf(pages: int = 3) -> bytes:
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4)
    drawing.setTitle("Rapport de suivi")
    for number in range(pages):
        drawing.setFont("Helvetica-Bold", 28)
        drawing.drawString(72, 760, f"Page {WORDS[number % 3]}")
        drawing.setFont("Helvetica", 12)
        for line in range(20):
            drawing.drawString(72, 700 - 24 * line, f"Ligne {line + 1} du rapport de suivi SPIP.")
        drawing.rect(60, 60, A4[0] - 120, 40)
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return make_pdf()


class Opener:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.urls: list[QUrl] = []
        self.contents: list[bytes] = []

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(url)
        self.contents.append(Path(url.toLocalFile()).read_bytes())
        return self.answer


def open_dialog(
    qtbot: QtBot,
    pdf: bytes,
    prompter: FakePrompter,
    opener: Opener | None = None,
    printed: list[str] | None = None,
) -> PdfPreviewDialog:
    dialog = PdfPreviewDialog(
        pdf,
        "Rapport de suivi",
        "rapport-suivi.pdf",
        prompter,
        on_printed=None if printed is None else printed.append,
        open_url=opener or Opener(True),
    )
    qtbot.addWidget(dialog)
    dialog.resize(900, 1000)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.document.status() == QPdfDocument.Status.Ready)
    return dialog


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setFullPage(True)
    return printer


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_loads_and_pages_through(qtbot: QtBot, pdf: bytes, prompter: FakePrompter) -> None:
    dialog = open_dialog(qtbot, pdf, prompter)
    assert dialog.document.pageCount() == 3
    assert dialog.view.pageMode() == QPdfView.PageMode.MultiPage
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    assert dialog.fit_button.isChecked()
    assert dialog.page_label.text() == "Page 1 sur 3"
    assert not dialog.previous_button.isEnabled()
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.page_label.text() == "Page 2 sur 3")
    assert dialog.view.verticalScrollBar().value() > 0
    assert dialog.previous_button.isEnabled()
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.page_label.text() == "Page 3 sur 3")
    assert not dialog.next_button.isEnabled()
    dialog.previous_button.click()
    qtbot.waitUntil(lambda: dialog.page_label.text() == "Page 2 sur 3")
    assert dialog.stack.currentWidget() is dialog.view


def test_keyboard_pages_zooms_and_closes(qtbot: QtBot, pdf: bytes, prompter: FakePrompter) -> None:
    dialog = open_dialog(qtbot, pdf, prompter)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)  # shortcuts need it
    dialog.view.setFocus()
    QTest.keyClick(dialog.view, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: dialog.current_page() == 2)
    QTest.keyClick(dialog.view, Qt.Key.Key_PageUp)
    qtbot.waitUntil(lambda: dialog.current_page() == 1)
    QTest.keyClick(dialog.view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.Custom
    QTest.keyClick(dialog.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    QTest.keyClick(dialog.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert prompter.asked == [("Enregistrer le document", "rapport-suivi.pdf")]  # cancelled

    fitted = dialog.zoom()
    dialog.zoom_in_action.trigger()
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.Custom
    assert dialog.zoom() == pytest.approx(fitted * 1.25)
    assert not dialog.fit_button.isChecked()
    assert dialog.zoom_label.text() == f"{round(fitted * 125)} %"
    dialog.zoom_out_action.trigger()
    dialog.zoom_out_action.trigger()
    assert dialog.zoom() == pytest.approx(fitted / 1.25)
    dialog.fit_button.click()
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    assert dialog.fit_button.isChecked()
    for _ in range(20):
        dialog.zoom_out_action.trigger()
    assert dialog.zoom() == pytest.approx(0.25)
    assert not dialog.zoom_out_button.isEnabled()

    shortcuts = {
        action.text(): {key.toString() for key in action.shortcuts()} for action in dialog.actions()
    }
    assert "Ctrl+P" in shortcuts["Imprimer…"]
    assert "Ctrl+S" in shortcuts["Enregistrer sous…"]
    assert "Ctrl++" in shortcuts["Zoom avant"]
    assert "Ctrl+-" in shortcuts["Zoom arrière"]
    assert "PgDown" in shortcuts["Page suivante"]

    QTest.keyClick(dialog.view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_print_document_writes_the_pages(tmp_path: Path, pdf: bytes) -> None:
    document = QPdfDocument()
    source = tmp_path / "source.pdf"
    source.write_bytes(pdf)
    document.load(str(source))
    assert document.status() == QPdfDocument.Status.Ready

    everything = tmp_path / "tout.pdf"
    assert print_document(document, pdf_printer(everything), 1, 3) == 3
    reader = PdfReader(everything)
    assert len(reader.pages) == 3
    width = float(reader.pages[0].mediabox.width)
    height = float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points

    tail = tmp_path / "pages-2-3.pdf"
    assert print_document(document, pdf_printer(tail), 2, 3) == 2
    assert len(PdfReader(tail).pages) == 2

    clipped = tmp_path / "clipped.pdf"
    assert print_document(document, pdf_printer(clipped), 3, 99) == 1
    assert len(PdfReader(clipped).pages) == 1


def test_print_honours_the_dialog_range_and_reports(
    qtbot: QtBot,
    tmp_path: Path,
    pdf: bytes,
    prompter: FakePrompter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    printed: list[str] = []
    dialog = open_dialog(qtbot, pdf, prompter, printed=printed)
    output = tmp_path / "imprime.pdf"

    def choose(self: PdfPreviewDialog) -> QPrinter:
        printer = pdf_printer(output)
        printer.setPrintRange(QPrinter.PrintRange.PageRange)
        printer.setFromTo(2, 3)
        return printer

    monkeypatch.setattr(PdfPreviewDialog, "choose_printer", choose)
    assert dialog.print_pdf()
    assert printed == ["print"]
    assert len(PdfReader(output).pages) == 2

    monkeypatch.setattr(PdfPreviewDialog, "choose_printer", lambda self: None)
    assert not dialog.print_pdf()
    assert printed == ["print"]
    assert prompter.asked == []


def test_save_writes_the_exact_bytes(
    qtbot: QtBot, tmp_path: Path, pdf: bytes, prompter: FakePrompter
) -> None:
    printed: list[str] = []
    dialog = open_dialog(qtbot, pdf, prompter, printed=printed)
    target = tmp_path / "rapport.pdf"
    target.write_bytes(b"ancienne version")
    prompter.answers.append(target)
    assert dialog.save()
    assert target.read_bytes() == pdf
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.pdf"]
    assert prompter.asked == [("Enregistrer le document", "rapport-suivi.pdf")]
    assert printed == ["save"]


@pytest.mark.parametrize("where", ["parent-is-a-file", "proc"])
def test_save_failure_shows_a_french_error_and_leaves_nothing(
    qtbot: QtBot, tmp_path: Path, pdf: bytes, prompter: FakePrompter, where: str
) -> None:
    printed: list[str] = []
    dialog = open_dialog(qtbot, pdf, prompter, printed=printed)
    if where == "proc":
        target = Path("/proc/rapport-spip-test.pdf")
    else:
        blocker = tmp_path / "pas-un-dossier"
        blocker.write_text("un fichier, pas un dossier")
        target = blocker / "rapport.pdf"
    prompter.answers.append(target)
    assert not dialog.save()
    title, text = prompter.asked[-1]
    assert title == "Enregistrement impossible"
    assert "« rapport" in text and "n'a pas pu être enregistré" in text
    assert not target.exists()
    assert not target.with_name(target.name + ".part").exists()
    assert printed == []
    if where != "proc":
        assert sorted(p.name for p in tmp_path.iterdir()) == ["pas-un-dossier"]


def test_save_cancelled_writes_nothing(
    qtbot: QtBot, tmp_path: Path, pdf: bytes, prompter: FakePrompter
) -> None:
    printed: list[str] = []
    dialog = open_dialog(qtbot, pdf, prompter, printed=printed)
    prompter.answers.append(None)
    assert not dialog.save()
    assert list(tmp_path.iterdir()) == []
    assert printed == []
    assert len(prompter.asked) == 1  # the question only, no error


def test_open_with_the_system_viewer(qtbot: QtBot, pdf: bytes, prompter: FakePrompter) -> None:
    opener = Opener(True)
    printed: list[str] = []
    dialog = open_dialog(qtbot, pdf, prompter, opener, printed)
    dialog.open_button.click()
    assert len(opener.urls) == 1
    url = opener.urls[0]
    assert url.isLocalFile()
    path = Path(url.toLocalFile())
    assert path.name == "rapport-suivi.pdf"
    assert path.parent.name.startswith("spip-")
    assert path.read_bytes() == pdf
    assert opener.contents == [pdf]
    assert prompter.asked == []
    assert printed == ["open"]
    remove_viewer_copies()
    assert not path.parent.exists()


def test_system_viewer_refusal_shows_an_error(
    qtbot: QtBot, pdf: bytes, prompter: FakePrompter
) -> None:
    opener = Opener(False)
    dialog = open_dialog(qtbot, pdf, prompter, opener)
    assert not dialog.open_with_system_viewer()
    assert opener.contents == [pdf]
    title, text = prompter.asked[-1]
    assert title == "Ouverture impossible"
    assert "Aucun lecteur de PDF n'a pu ouvrir" in text
    assert not Path(opener.urls[0].toLocalFile()).exists()  # the private copy is gone


def test_garbage_shows_a_french_message(qtbot: QtBot, prompter: FakePrompter) -> None:
    opener = Opener(True)
    dialog = PdfPreviewDialog(
        b"ceci n'est pas un PDF", "Rapport", "rapport.pdf", prompter, open_url=opener
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.document.status() == QPdfDocument.Status.Error)
    assert dialog.stack.currentWidget() is not dialog.view
    assert dialog.message.isVisible()
    assert dialog.message.text() == UNREADABLE == "Le document n'a pas pu être affiché."
    assert dialog.page_label.text() == ""
    assert not dialog.toolbar.isVisible()
    for button in (
        dialog.print_button,
        dialog.save_button,
        dialog.open_button,
        dialog.next_button,
        dialog.zoom_in_button,
    ):
        assert not button.isEnabled()
    assert dialog.close_button.isEnabled()
    assert not dialog.save()
    assert not dialog.open_with_system_viewer()
    assert opener.urls == [] and prompter.asked == []


def test_show_pdf_execs_the_dialog(
    qtbot: QtBot, pdf: bytes, prompter: FakePrompter, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[PdfPreviewDialog] = []

    def fake_exec(self: PdfPreviewDialog) -> int:
        shown.append(self)
        return 0

    monkeypatch.setattr(PdfPreviewDialog, "exec", fake_exec)
    PdfPreviewDialog.show_pdf(pdf, "Rapport de suivi", "rapport", prompter)
    assert len(shown) == 1
    assert shown[0].windowTitle() == "Rapport de suivi"
    assert shown[0].document.pageCount() == 3


def test_screenshot(qtbot: QtBot, pdf: bytes, prompter: FakePrompter) -> None:
    dialog = open_dialog(qtbot, pdf, prompter)
    dialog.setStyleSheet(resources.stylesheet() + dialog.styleSheet())
    dialog.resize(900, 1000)
    qtbot.wait(300)  # QPdfView renders the pages in the background
    image = dialog.grab()
    assert image.save("/tmp/preview.png")
    assert image.width() == 900
