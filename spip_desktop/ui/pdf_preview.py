"""Preview a PDF inside the application: page through it, zoom, print, save, open elsewhere.

The PDF arrives as bytes (a report just generated); nothing touches the disk unless the user
saves it or hands it to the system viewer.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QMargins,
    QObject,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QUrl,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPageSize,
    QPainter,
    QPalette,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .prompter import Prompter

PDF_FILTER = "Documents PDF (*.pdf)"
UNREADABLE = "Le document n'a pas pu être affiché."
# Pages are printed as images: above 300 dpi an A4 page costs far more memory (1200 dpi:
# 560 MB per page) for no visible gain on an office printer.
MAX_PRINT_DPI = 300
ZOOM_STEP = 1.25
MIN_ZOOM = 0.25
MAX_ZOOM = 4.0

OpenUrl = Callable[[QUrl], bool]

_STYLE = """
#pdfToolbar {
    background: #ffffff;
    border-bottom: 1px solid #dddddd;
}
#pdfActions {
    background: #ffffff;
    border-top: 1px solid #dddddd;
}
#pdfPageLabel, #pdfZoomLabel {
    color: #3a3a3a;
    padding: 0 6px;
}
QPushButton#pdfIconButton {
    min-width: 22px;
    padding: 6px 8px;
    font-weight: bold;
}
QPushButton#pdfFitButton:checked {
    background: #e3e3fd;
}
#pdfView {
    border: none;
}
#pdfMessagePage {
    background: #f6f6f6;
}
#pdfMessage {
    color: #3a3a3a;
    font-size: 12pt;
    font-weight: bold;
}
#pdfMessageDetail {
    color: #666666;
}
"""

# Folders holding the copies handed to the system viewer, removed by remove_viewer_copies().
_viewer_copies: list[Path] = []


class PrintError(RuntimeError):
    """The printer refused the job; the message is a French sentence for the user."""


def print_document(document: QPdfDocument, printer: QPrinter, first: int, last: int) -> int:
    """Print pages ``first`` to ``last`` of ``document`` on ``printer``; returns the pages printed.

    Pages are numbered from 1, both ends included, as in the print dialog; the range is clipped to
    the document. Each page is rendered to an image at the printer's resolution (at most
    ``MAX_PRINT_DPI``) and drawn centred on the printer page, scaled to fit, proportions kept.
    Raises :class:`PrintError` when the printer cannot be opened or refuses a page.
    """
    first = max(1, first)
    last = min(document.pageCount(), last)
    if first > last:
        return 0
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError("L'imprimante n'a pas pu être ouverte. Vérifiez qu'elle est disponible.")
    try:
        for number in range(first, last + 1):
            if number > first and not printer.newPage():
                raise PrintError(
                    "L'imprimante a refusé une nouvelle page ; impression interrompue."
                )
            _paint_page(document, number - 1, printer, painter)
    finally:
        painter.end()
    return last - first + 1


def _paint_page(document: QPdfDocument, index: int, printer: QPrinter, painter: QPainter) -> None:
    points = document.pagePointSize(index)
    if points.width() <= 0 or points.height() <= 0:
        return
    width, height = printer.width(), printer.height()
    scale = min(width / points.width(), height / points.height())  # device pixels per point
    target = QRectF(0, 0, points.width() * scale, points.height() * scale)
    target.moveCenter(QRectF(0, 0, width, height).center())
    ratio = min(1.0, MAX_PRINT_DPI / max(1, printer.resolution()))
    size = QSize(max(1, round(target.width() * ratio)), max(1, round(target.height() * ratio)))
    rendered = document.render(index, size)
    # The page comes back on a transparent background: lay it on white paper.
    page = QImage(size, QImage.Format.Format_RGB32)
    page.fill(QColor("white"))
    composer = QPainter(page)
    composer.drawImage(0, 0, rendered)
    composer.end()
    painter.drawImage(target, page)


def chosen_pages(printer: QPrinter, page_count: int) -> tuple[int, int]:
    """The pages (from 1, both included) that the print dialog asked for."""
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        return printer.fromPage(), printer.toPage() or page_count
    return 1, page_count


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once: a failure leaves neither a half file nor a .part."""
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(part, path)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    with contextlib.suppress(OSError, AttributeError):  # the rename itself, on disk (POSIX only)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def remove_viewer_copies() -> None:
    """Delete the temporary copies handed to the system viewer (call when the application quits)."""
    while _viewer_copies:
        shutil.rmtree(_viewer_copies.pop(), ignore_errors=True)


def _reason(error: OSError) -> str:
    """Why a file could not be written, as the end of a French sentence."""
    reasons = {
        errno.ENOSPC: "le disque est plein",
        getattr(errno, "EDQUOT", -1): "votre quota d'espace disque est atteint",
        errno.EACCES: (
            "vous n'avez pas le droit d'écrire à cet endroit, "
            "ou le fichier est ouvert dans un autre programme"
        ),
        errno.EPERM: "vous n'avez pas le droit d'écrire à cet endroit",
        errno.EROFS: "cet emplacement est en lecture seule",
        errno.ENOENT: "ce dossier n'existe pas",
        errno.ENOTDIR: "ce chemin ne désigne pas un dossier",
        errno.EISDIR: "un dossier porte déjà ce nom",
        errno.ENAMETOOLONG: "le nom du fichier est trop long",
    }
    return reasons.get(error.errno or 0, "le système a refusé l'écriture")


def _pdf_file_name(suggested_name: str) -> str:
    """A bare file name ending in .pdf (no folder part can sneak in from the caller)."""
    name = Path(suggested_name.replace("\\", "/")).name.strip() or "document.pdf"
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


class PdfPreviewDialog(QDialog):
    """Shows a PDF held in memory, with print, save and "open with the system viewer".

    ``on_printed`` is called with ``"print"``, ``"save"`` or ``"open"`` once the document has
    left the application that way (for the journal). ``open_url`` opens a file URL with the
    system's viewer (tests inject a fake).
    """

    def __init__(
        self,
        pdf: bytes,
        title: str,
        suggested_name: str,
        prompter: Prompter,
        parent: QWidget | None = None,
        on_printed: Callable[[str], None] | None = None,
        open_url: OpenUrl = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self._pdf = bytes(pdf)
        self._title = title
        self._suggested_name = _pdf_file_name(suggested_name)
        self._prompter = prompter
        self._on_printed = on_printed
        self._open_url = open_url
        self.setWindowTitle(title)
        self.setObjectName("pdfPreview")
        self.setStyleSheet(_STYLE)

        # QPdfDocument reads from the buffer for as long as the document is open: keep it.
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(self._pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)

        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setAccessibleName("Aperçu du document")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocumentMargins(QMargins(24, 24, 24, 24))
        self.view.setPageSpacing(16)
        palette = self.view.palette()
        palette.setColor(QPalette.ColorRole.Dark, QColor("#e5e5e5"))  # around the pages
        self.view.setPalette(palette)
        self.view.viewport().installEventFilter(self)
        self.navigator = self.view.pageNavigator()

        self.message = QLabel(UNREADABLE)
        self.message.setObjectName("pdfMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        detail = QLabel(
            "Le fichier reçu n'est pas un PDF lisible. Fermez cette fenêtre et réessayez ; "
            "si le problème persiste, signalez-le à votre administrateur."
        )
        detail.setObjectName("pdfMessageDetail")
        detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        detail.setWordWrap(True)
        message_page = QWidget()
        message_page.setObjectName("pdfMessagePage")
        message_layout = QVBoxLayout(message_page)
        message_layout.setContentsMargins(48, 48, 48, 48)
        message_layout.addStretch(1)
        message_layout.addWidget(self.message)
        message_layout.addWidget(detail)
        message_layout.addStretch(2)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(message_page)

        self.previous_action = self._action(
            "Page précédente", [QKeySequence(Qt.Key.Key_PageUp)], self.previous_page
        )
        self.next_action = self._action(
            "Page suivante", [QKeySequence(Qt.Key.Key_PageDown)], self.next_page
        )
        self.zoom_in_action = self._action(
            "Zoom avant",
            _keys(QKeySequence.StandardKey.ZoomIn, "Ctrl++", "Ctrl+="),
            self.zoom_in,
        )
        self.zoom_out_action = self._action(
            "Zoom arrière", _keys(QKeySequence.StandardKey.ZoomOut, "Ctrl+-"), self.zoom_out
        )
        self.fit_action = self._action("Ajuster à la largeur", _keys("Ctrl+0"), self.fit_width)
        self.print_action = self._action(
            "Imprimer…", _keys(QKeySequence.StandardKey.Print, "Ctrl+P"), self.print_pdf
        )
        self.save_action = self._action(
            "Enregistrer sous…", _keys(QKeySequence.StandardKey.Save, "Ctrl+S"), self.save
        )
        self.open_action = self._action(
            "Ouvrir avec le lecteur du système", [], self.open_with_system_viewer
        )

        self.previous_button = self._button(self.previous_action, "‹  Précédente")
        self.next_button = self._button(self.next_action, "Suivante  ›")
        self.page_label = QLabel()
        self.page_label.setObjectName("pdfPageLabel")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_label.setMinimumWidth(110)
        self.zoom_out_button = self._button(self.zoom_out_action, "−", "pdfIconButton")
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("pdfZoomLabel")
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_label.setMinimumWidth(56)
        self.zoom_label.setAccessibleName("Zoom")
        self.zoom_in_button = self._button(self.zoom_in_action, "+", "pdfIconButton")
        self.fit_button = self._button(self.fit_action, "Ajuster à la largeur", "pdfFitButton")
        self.fit_button.setCheckable(True)
        self.print_button = self._button(self.print_action, "Imprimer…", "primaryButton")
        self.save_button = self._button(self.save_action, "Enregistrer sous…")
        self.open_button = self._button(self.open_action, "Ouvrir avec le lecteur du système")
        self.close_button = QPushButton("Fermer")
        self.close_button.setAutoDefault(False)
        self.close_button.setToolTip("Fermer l'aperçu (Échap)")
        self.close_button.clicked.connect(self.reject)

        self.toolbar = toolbar = QFrame()
        toolbar.setObjectName("pdfToolbar")
        bar = QHBoxLayout(toolbar)
        bar.setContentsMargins(12, 8, 12, 8)
        bar.setSpacing(6)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.page_label)
        bar.addWidget(self.next_button)
        bar.addSpacing(24)
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.zoom_label)
        bar.addWidget(self.zoom_in_button)
        bar.addSpacing(6)
        bar.addWidget(self.fit_button)
        bar.addStretch(1)

        actions = QFrame()
        actions.setObjectName("pdfActions")
        row = QHBoxLayout(actions)
        row.setContentsMargins(12, 10, 12, 10)
        row.setSpacing(8)
        row.addWidget(self.print_button)
        row.addWidget(self.save_button)
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(toolbar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(actions)

        screen = (parent.screen() if parent is not None else None) or (
            QGuiApplication.primaryScreen()
        )
        if screen is not None:
            available = screen.availableGeometry()
            self.resize(
                min(900, int(available.width() * 0.9)), min(1000, int(available.height() * 0.8))
            )
        else:
            self.resize(900, 1000)

        self.navigator.currentPageChanged.connect(self._refresh)
        self.view.zoomFactorChanged.connect(self._refresh)
        self.view.zoomModeChanged.connect(self._refresh)
        self.document.statusChanged.connect(self._on_status_changed)
        self.document.load(self._buffer)  # synchronous for a buffer: status is known now
        self._on_status_changed(self.document.status())
        self.view.setFocus()

    @classmethod
    def show_pdf(
        cls,
        pdf: bytes,
        title: str,
        suggested_name: str,
        prompter: Prompter,
        parent: QWidget | None = None,
        on_printed: Callable[[str], None] | None = None,
    ) -> None:
        """Show the preview until the user closes it (tests patch this seam)."""
        dialog = cls(pdf, title, suggested_name, prompter, parent, on_printed)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    # State

    def is_loaded(self) -> bool:
        return self.document.status() == QPdfDocument.Status.Ready

    def current_page(self) -> int:
        """The page shown, numbered from 1 (0 when there is none)."""
        return self.navigator.currentPage() + 1 if self.document.pageCount() else 0

    def zoom(self) -> float:
        """The zoom shown: 1.0 is the page at its real size on screen."""
        if self.view.zoomMode() == QPdfView.ZoomMode.Custom:
            return float(self.view.zoomFactor())
        points = self.document.pagePointSize(self.navigator.currentPage())
        screen = QGuiApplication.primaryScreen()
        # QPdfView sizes a page at zoom 1.0 from the primary screen's logical resolution.
        resolution = (screen.logicalDotsPerInch() if screen is not None else 96.0) / 72.0
        if points.width() <= 0:
            return 1.0
        margins = self.view.documentMargins()
        width = self.view.viewport().width() - margins.left() - margins.right()
        return max(0.01, width / (points.width() * resolution))

    # Navigation and zoom

    def go_to_page(self, number: int) -> None:
        """Scroll to page ``number`` (from 1, clipped to the document)."""
        count = self.document.pageCount()
        if not count:
            return
        index = min(max(number, 1), count) - 1
        self.navigator.jump(index, QPointF(), self.navigator.currentZoom())
        self._refresh()

    def previous_page(self) -> None:
        self.go_to_page(self.current_page() - 1)

    def next_page(self) -> None:
        self.go_to_page(self.current_page() + 1)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def set_zoom(self, factor: float) -> None:
        """Zoom to ``factor`` (between 25 % and 400 %), keeping the same place in view."""
        factor = min(MAX_ZOOM, max(MIN_ZOOM, factor))
        bar = self.view.verticalScrollBar()
        where = bar.value() / bar.maximum() if bar.maximum() else 0.0
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(factor)
        bar.setValue(round(where * bar.maximum()))
        self._refresh()

    def fit_width(self) -> None:
        page = self.current_page()
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.go_to_page(page)
        self._refresh()

    # Print, save, open elsewhere

    def choose_printer(self) -> QPrinter | None:
        """The printer and pages chosen in the print dialog, ``None`` if cancelled (a seam)."""
        count = self.document.pageCount()
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setFullPage(True)
        printer.setDocName(self._title)
        printer.setFromTo(1, count)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Imprimer le document")
        dialog.setMinMax(1, count)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, True)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
        finally:
            dialog.deleteLater()
        if printer.printRange() == QPrinter.PrintRange.CurrentPage:
            page = self.current_page()
            printer.setPrintRange(QPrinter.PrintRange.PageRange)
            printer.setFromTo(page, page)
        return printer

    def print_pdf(self) -> bool:
        """Ask for a printer, then print the pages chosen; ``True`` once printed."""
        if not self.is_loaded():
            return False
        printer = self.choose_printer()
        if printer is None:
            return False
        first, last = chosen_pages(printer, self.document.pageCount())
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            print_document(self.document, printer, first, last)
        except PrintError as error:
            failure: str | None = str(error)
        else:
            failure = None
        finally:
            QApplication.restoreOverrideCursor()
        if failure is not None:
            self._prompter.error("Impression impossible", failure)
            return False
        self._notify("print")
        return True

    def save(self) -> bool:
        """Ask where, then write the PDF there; ``True`` once saved."""
        if not self.is_loaded():
            return False
        path = self._prompter.choose_save_file(
            "Enregistrer le document", self._suggested_name, PDF_FILTER
        )
        if path is None:
            return False
        try:
            write_atomically(path, self._pdf)
        except OSError as error:
            self._prompter.error(
                "Enregistrement impossible",
                f"Le document n'a pas pu être enregistré sous le nom « {path.name} » "
                f"dans le dossier « {path.parent} » : {_reason(error)}. "
                "Aucun fichier n'a été créé ni modifié.",
            )
            return False
        self._notify("save")
        return True

    def open_with_system_viewer(self) -> bool:
        """Hand a private temporary copy to the system's PDF viewer; ``True`` once handed."""
        if not self.is_loaded():
            return False
        folder: Path | None = None
        try:
            folder = Path(tempfile.mkdtemp(prefix="spip-"))
            copy = folder / self._suggested_name
            write_atomically(copy, self._pdf)
        except OSError as error:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            self._prompter.error(
                "Ouverture impossible",
                f"Le document « {self._suggested_name} » n'a pas pu être préparé pour le "
                f"lecteur du système : {_reason(error)}.",
            )
            return False
        if not self._open_url(QUrl.fromLocalFile(str(copy))):
            shutil.rmtree(folder, ignore_errors=True)
            self._prompter.error(
                "Ouverture impossible",
                f"Aucun lecteur de PDF n'a pu ouvrir le document « {self._suggested_name} ». "
                "Utilisez « Enregistrer sous… », puis ouvrez le fichier depuis son dossier.",
            )
            return False
        _viewer_copies.append(folder)
        self._notify("open")
        return True

    # Internals

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._refresh()  # fitted to the width, the zoom follows the window
        return super().eventFilter(watched, event)

    def _notify(self, how: str) -> None:
        if self._on_printed is not None:
            self._on_printed(how)

    def _action(
        self, text: str, shortcuts: list[QKeySequence], slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcuts(shortcuts)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _button(self, action: QAction, text: str, name: str = "") -> QPushButton:
        button = QPushButton(text)
        if name:
            button.setObjectName(name)
        button.setAutoDefault(False)
        button.setAccessibleName(action.text())
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        button.setToolTip(f"{action.text()} ({shortcut})" if shortcut else action.text())
        button.clicked.connect(action.trigger)
        action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
        return button

    def _on_status_changed(self, status: QPdfDocument.Status) -> None:
        if status == QPdfDocument.Status.Error:
            self.stack.setCurrentIndex(1)
            self.toolbar.hide()  # nothing to page through or zoom
        elif status == QPdfDocument.Status.Ready:
            self.stack.setCurrentIndex(0)
            self.toolbar.show()
        self._refresh()

    def _refresh(self) -> None:
        loaded = self.is_loaded()
        count = self.document.pageCount() if loaded else 0
        page = self.current_page() if count else 0
        self.page_label.setText(f"Page {page} sur {count}" if count else "")
        fitted = self.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
        self.zoom_label.setText(f"{round(self.zoom() * 100)} %" if count else "")
        self.fit_button.setChecked(fitted and bool(count))
        self.previous_action.setEnabled(count > 0 and page > 1)
        self.next_action.setEnabled(count > 0 and page < count)
        zoom = self.zoom() if count else 1.0
        self.zoom_in_action.setEnabled(count > 0 and zoom < MAX_ZOOM - 1e-6)
        self.zoom_out_action.setEnabled(count > 0 and zoom > MIN_ZOOM + 1e-6)
        self.fit_action.setEnabled(count > 0)
        for action in (self.print_action, self.save_action, self.open_action):
            action.setEnabled(loaded)


def _keys(*keys: QKeySequence.StandardKey | str) -> list[QKeySequence]:
    """The key sequences, standard ones expanded, each once (a duplicate would be ambiguous)."""
    sequences: list[QKeySequence] = []
    for key in keys:
        found = (
            QKeySequence.keyBindings(key)
            if isinstance(key, QKeySequence.StandardKey)
            else [QKeySequence(key)]
        )
        sequences.extend(s for s in found if not s.isEmpty() and s not in sequences)
    return sequences
