"""The PDF preview: paging, zoom, print into a PDF printer, atomic save, system viewer."""

from __future__ import annotations

import io
import time
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QEvent, Qt, QUrl
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QProgressDialog
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from spip_desktop import resources
from spip_desktop.domain.documents import (
    AttendedSessionLine,
    AttestationDocument,
    Letterhead,
    PrintStamp,
)
from spip_desktop.reports import build_attestation
from spip_desktop.ui.pdf_preview import (
    UNREADABLE,
    PdfPreviewDialog,
    PrintCancelled,
    print_document,
    remove_viewer_copies,
    render_page,
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


def make_attestation() -> bytes:
    sessions = tuple(
        AttendedSessionLine(
            day=date(2026, 3, 2 + n),
            start=clock(9, 0),
            end=clock(12, 0),
            outcome="Présent",
            minutes=180,
        )
        for n in range(4)
    )
    document = AttestationDocument(
        number="SPIP-33-2026-00042",
        validated=True,
        surname="Lefèvre-d'Arc",
        given_names="Élodie",
        birth_date=date(1990, 3, 12),
        birth_place="Lyon",
        action_noun="stage",
        action_name="Stage de citoyenneté",
        cadre="Composition pénale",
        decision_reference="CP 26/0142",
        recipient="Monsieur le procureur de la République près le tribunal judiciaire de Bordeaux",
        organiser="Association Citoyens 33",
        venue="Maison de la justice et du droit de Bordeaux",
        first_day=date(2026, 3, 2),
        last_day=date(2026, 3, 5),
        sessions=sessions,
        attended_minutes=720,
        required_minutes=720,
        place="Bordeaux",
        signatory_name="Anne MARTIN",
        signatory_role="La directrice fonctionnelle",
        issued_on=date(2026, 3, 12),
    )
    head = Letterhead(
        service_name="SPIP de la Gironde",
        address_lines=("13 rue Élisée-Reclus", "33000 Bordeaux"),
        city="Bordeaux",
        service_code="33",
    )
    return build_attestation(document, head, PrintStamp(datetime(2026, 11, 27, 14, 5), "A. M."))


def dark_pixels(image: QImage) -> int:
    """Pixels dark enough to be text (every 2nd pixel, every 2nd row: enough to tell)."""
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if QColor(image.pixel(x, y)).lightness() < 100
    )


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
    assert dialog.is_loaded()
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
    assert dialog.page_count() == 3
    assert dialog.view.fits_width()
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
    assert not dialog.view.fits_width()
    QTest.keyClick(dialog.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert dialog.view.fits_width()
    QTest.keyClick(dialog.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert prompter.asked == [("Enregistrer le document", "rapport-suivi.pdf")]  # cancelled

    fitted = dialog.zoom()
    dialog.zoom_in_action.trigger()
    assert not dialog.view.fits_width()
    assert dialog.zoom() == pytest.approx(fitted * 1.25)
    assert not dialog.fit_button.isChecked()
    assert dialog.zoom_label.text() == f"{round(fitted * 125)} %"
    dialog.zoom_out_action.trigger()
    dialog.zoom_out_action.trigger()
    assert dialog.zoom() == pytest.approx(fitted / 1.25)
    dialog.fit_button.click()
    assert dialog.view.fits_width()
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
    document = pdfium.PdfDocument(pdf)

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


def test_print_document_reports_progress_and_stops_when_asked(tmp_path: Path, pdf: bytes) -> None:
    document = pdfium.PdfDocument(pdf)
    seen: list[tuple[int, int]] = []

    def follow(done: int, total: int) -> bool:
        seen.append((done, total))
        return True

    assert print_document(document, pdf_printer(tmp_path / "a.pdf"), 1, 3, follow) == 3
    assert seen == [(0, 3), (1, 3), (2, 3)]

    seen.clear()

    def stop_at_second(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 1

    with pytest.raises(PrintCancelled):
        print_document(document, pdf_printer(tmp_path / "b.pdf"), 1, 3, stop_at_second)
    assert seen == [(0, 3), (1, 3)]
    document.close()


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


def test_long_print_shows_its_progress_and_can_be_cancelled(
    qtbot: QtBot,
    tmp_path: Path,
    prompter: FakePrompter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    printed: list[str] = []
    dialog = open_dialog(qtbot, make_pdf(6), prompter, printed=printed)
    output = tmp_path / "long.pdf"
    monkeypatch.setattr(PdfPreviewDialog, "choose_printer", lambda self: pdf_printer(output))
    labels: list[str] = []
    set_label = QProgressDialog.setLabelText

    def record_label(self: QProgressDialog, text: str) -> None:
        labels.append(text)
        set_label(self, text)

    monkeypatch.setattr(QProgressDialog, "setLabelText", record_label)
    assert dialog.print_pdf()
    assert labels[0] == "Impression… page 1 sur 6"
    assert labels[-1] == "Impression… page 6 sur 6"
    assert len(PdfReader(output).pages) == 6
    assert printed == ["print"]

    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    assert not dialog.print_pdf()
    assert printed == ["print"]  # cancelled: not journalled as printed
    assert prompter.asked == []  # and no error shown


def test_closing_while_printing_finishes_the_job_first(
    qtbot: QtBot,
    tmp_path: Path,
    prompter: FakePrompter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = open_dialog(qtbot, make_pdf(6), prompter)
    output = tmp_path / "long.pdf"
    monkeypatch.setattr(PdfPreviewDialog, "choose_printer", lambda self: pdf_printer(output))
    set_label = QProgressDialog.setLabelText

    def close_on_third_page(self: QProgressDialog, text: str) -> None:
        set_label(self, text)
        if text.endswith("page 3 sur 6"):
            dialog.reject()  # the window closed while the pages go out

    monkeypatch.setattr(QProgressDialog, "setLabelText", close_on_third_page)
    assert dialog.print_pdf()
    assert len(PdfReader(output).pages) == 6
    assert not dialog.isVisible()
    assert dialog.document is None  # released once the printing ended


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
    assert dialog.document is None and not dialog.is_loaded()
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
    shown: list[tuple[str, int, pdfium.PdfDocument | None]] = []

    def fake_exec(self: PdfPreviewDialog) -> int:
        shown.append((self.windowTitle(), self.page_count(), self.document))
        return 0

    monkeypatch.setattr(PdfPreviewDialog, "exec", fake_exec)
    PdfPreviewDialog.show_pdf(pdf, "Rapport de suivi", "rapport", prompter)
    assert len(shown) == 1
    title, pages, document = shown[0]
    assert (title, pages) == ("Rapport de suivi", 3)
    assert document is not None and document.raw  # still open until the dialog is deleted
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not document.raw  # closed with the dialog, even without done()


def test_indicator_follows_the_scroll_position(
    qtbot: QtBot, pdf: bytes, prompter: FakePrompter
) -> None:
    dialog = open_dialog(qtbot, pdf, prompter)
    view, bar = dialog.view, dialog.view.verticalScrollBar()
    second = view.page_rect(1)
    bar.setValue(second.top() + second.height() // 3)  # as the user would, with the wheel
    assert dialog.page_label.text() == "Page 2 sur 3"
    bar.setValue(0)
    assert dialog.page_label.text() == "Page 1 sur 3"
    bar.setValue(bar.maximum())
    assert dialog.page_label.text() == "Page 3 sur 3"
    assert not dialog.next_button.isEnabled()


def test_zoom_keeps_the_page_and_fit_follows_the_window(
    qtbot: QtBot, pdf: bytes, prompter: FakePrompter
) -> None:
    dialog = open_dialog(qtbot, pdf, prompter)
    view = dialog.view
    fitted = dialog.zoom()
    width = view.page_rect(0).width()
    assert width == view.viewport().width() - 48  # the page fills the width, margins aside
    dialog.go_to_page(2)
    dialog.set_zoom(2.0)
    assert dialog.current_page() == 2
    assert 1 in view.visible_pages()
    assert view.page_rect(0).width() == pytest.approx(width * 2.0 / fitted, abs=2)
    dialog.set_zoom(9.0)
    assert dialog.zoom() == 4.0 and dialog.zoom_label.text() == "400 %"
    assert not dialog.zoom_in_button.isEnabled()

    dialog.fit_width()
    assert dialog.current_page() == 2
    dialog.resize(700, 1000)
    qtbot.waitUntil(lambda: dialog.zoom() < fitted)  # fitted again to the narrower window
    assert view.page_rect(0).width() == view.viewport().width() - 48
    assert dialog.zoom_label.text() == f"{round(dialog.zoom() * 100)} %"

    dialog.set_zoom(1.0)
    dialog.resize(800, 1000)
    qtbot.waitUntil(lambda: view.viewport().width() > 700)
    assert dialog.zoom() == 1.0  # a chosen zoom stays when the window changes


def test_a_long_document_opens_at_once_and_renders_only_what_is_seen(
    qtbot: QtBot, prompter: FakePrompter
) -> None:
    long_pdf = make_pdf(300)
    started = time.perf_counter()
    dialog = open_dialog(qtbot, long_pdf, prompter)
    QApplication.processEvents()
    opened = time.perf_counter() - started
    view = dialog.view
    assert dialog.page_count() == 300
    assert dialog.page_label.text() == "Page 1 sur 300"
    assert 1 <= view.rendered_pages <= 4  # the pages in view and the next one
    assert opened < 3  # generous for a slow CI machine: about 0.2 s here

    dialog.go_to_page(150)
    QApplication.processEvents()
    view.viewport().repaint()
    assert dialog.page_label.text() == "Page 150 sur 300"
    assert view.rendered_pages <= 9
    seen = view.visible_pages()
    assert 149 in seen

    before = view.rendered_pages
    view.viewport().repaint()
    QApplication.processEvents()
    assert view.rendered_pages == before  # drawn again from the cache

    for number in range(1, 301, 10):  # a quick scroll through the whole file
        dialog.go_to_page(number)
        QApplication.processEvents()
    assert view.rendered_pages < 150


def test_rendered_page_shows_the_text(qtbot: QtBot, pdf: bytes, prompter: FakePrompter) -> None:
    dialog = open_dialog(qtbot, pdf, prompter)
    dialog.grab()  # paints the pages in view
    image = dialog.view.page_image(0)
    assert image is not None
    rect = dialog.view.page_rect(0)
    ratio = image.devicePixelRatio()
    assert abs(image.width() / ratio - rect.width()) <= 1  # drawn at its size: sharp text
    dark = dark_pixels(image)
    assert dark > 500  # the title and twenty lines of text
    assert dark < image.width() * image.height() / 4 / 10  # on white paper

    document = pdfium.PdfDocument(pdf)
    page = render_page(document, 0, 1.0)
    assert (page.width(), page.height()) == (596, 842)  # A4 at 72 dpi
    assert QColor(page.pixel(5, 5)) == QColor("white")
    assert dark_pixels(page) > 100
    document.close()


def test_closing_releases_the_document(qtbot: QtBot, pdf: bytes, prompter: FakePrompter) -> None:
    dialog = open_dialog(qtbot, pdf, prompter)
    dialog.close_button.click()
    assert dialog.document is None
    assert dialog.page_count() == 0
    assert not dialog.save() and not dialog.print_pdf()


def test_screenshot(qtbot: QtBot, prompter: FakePrompter) -> None:
    dialog = open_dialog(qtbot, make_attestation(), prompter)
    dialog.setStyleSheet(resources.stylesheet() + dialog.styleSheet())
    dialog.resize(900, 1000)
    QApplication.processEvents()
    image = dialog.grab()
    assert image.save("/tmp/preview.png")
    assert image.width() == 900
    assert dialog.view.rendered_pages == 1
