"""Preview a PDF inside the application: page through it, zoom, print, save, open elsewhere.

The PDF arrives as bytes (a report just generated); nothing touches the disk unless the user
saves it or hands it to the system viewer.

Pages are drawn by PDFium, the engine QtPdf wraps, through pypdfium2 (a 4 MB wheel, where QtPdf
comes only in the 175 MB PySide6-Addons one). A page is rendered on the GUI thread when it
scrolls into view (a few milliseconds for an A4 page on screen), its image kept in a small
cache: a file of 500 attestations opens as fast as a single one.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QPoint, QRect, QRectF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPageSize,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..services.files import reason, write_atomically
from .prompter import Prompter

PDF_FILTER = "Documents PDF (*.pdf)"
UNREADABLE = "Le document n'a pas pu être affiché."
# Pages are printed as images: above 300 dpi an A4 page costs far more memory (1200 dpi:
# 560 MB per page) for no visible gain on an office printer.
MAX_PRINT_DPI = 300
ZOOM_STEP = 1.25
MIN_ZOOM = 0.25
MAX_ZOOM = 4.0
# From this many pages on, printing shows its progress (and can be cancelled).
PROGRESS_FROM = 4

# The column of pages: grey around, a gap between two pages.
PAGE_MARGIN = 24
PAGE_SPACING = 16
BACKGROUND = QColor("#e5e5e5")
PAPER = QColor("#ffffff")
PAGE_BORDER = QColor("#c6c6c6")
# The shadow under a page: rectangles around it (left, top, right, bottom offsets), lightest first.
SHADOWS = (((-2, -1, 2, 4), QColor(0, 0, 0, 10)), ((-1, 0, 1, 2), QColor(0, 0, 0, 22)))
# Rendered pages kept for scrolling back: at most this many images, and this many bytes
# (an A4 page fitted to a 900-pixel window is about 4.5 MB; at 400 % about 57 MB).
CACHE_PAGES = 12
CACHE_BYTES = 256 * 1024 * 1024
# The pages just above and below the view are rendered ahead while the user reads, unless
# their image would be larger than this (then they are rendered when they come into view).
PREFETCH_BYTES = 32 * 1024 * 1024

OpenUrl = Callable[[QUrl], bool]
# Printing progress: called before each page with (pages printed, pages to print); False stops.
PrintProgress = Callable[[int, int], bool]

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

# PDFium's pixel layouts (pypdfium2's names for them) as QImage formats.
_IMAGE_FORMATS = {
    "RGBX": QImage.Format.Format_RGBX8888,
    "RGBA": QImage.Format.Format_RGBA8888,
    "RGB": QImage.Format.Format_RGB888,
    "L": QImage.Format.Format_Grayscale8,
}


class PrintError(RuntimeError):
    """The printer refused the job; the message is a French sentence for the user."""


class PrintCancelled(Exception):
    """The user stopped the printing (the progress callback answered False)."""


def render_page(
    document: pdfium.PdfDocument, index: int, scale: float, *, for_print: bool = False
) -> QImage:
    """Page ``index`` (from 0) of ``document`` on white, ``scale`` pixels per point.

    Raises ``pypdfium2.PdfiumError`` when PDFium cannot load the page.
    """
    page = document[index]
    try:
        options = {"optimize_mode": "print"} if for_print else {}
        # rev_byteorder + prefer_bgrx: 4 bytes a pixel in R, G, B, x order, QImage's RGBX8888.
        bitmap = page.render(scale=scale, rev_byteorder=True, prefer_bgrx=True, **options)
        try:
            image = QImage(
                bitmap.buffer,
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                _IMAGE_FORMATS[bitmap.mode],
            )
            return image.copy()  # the pixels belong to the bitmap, released below
        finally:
            bitmap.close()
    finally:
        page.close()


def page_size(document: pdfium.PdfDocument, index: int) -> tuple[float, float]:
    """The size of page ``index`` (from 0) in points, rotation applied; A4 if unreadable."""
    try:
        width, height = document.get_page_size(index)
    except pdfium.PdfiumError:
        return 595.0, 842.0
    if width <= 0 or height <= 0:
        return 595.0, 842.0
    return float(width), float(height)


def print_document(
    document: pdfium.PdfDocument,
    printer: QPrinter,
    first: int,
    last: int,
    progress: PrintProgress | None = None,
) -> int:
    """Print pages ``first`` to ``last`` of ``document`` on ``printer``; returns the pages printed.

    Pages are numbered from 1, both ends included, as in the print dialog; the range is clipped to
    the document. Each page is rendered to an image at the printer's resolution (at most
    ``MAX_PRINT_DPI``) and drawn centred on the printer page, scaled to fit, proportions kept.
    ``progress`` is called before each page with (pages printed, pages to print); when it returns
    False the job is aborted and :class:`PrintCancelled` raised (where the printer driver cannot
    abort, as with CUPS, the pages already drawn still print).
    Raises :class:`PrintError` when the printer cannot be opened or refuses a page.
    """
    first = max(1, first)
    last = min(len(document), last)
    if first > last:
        return 0
    total = last - first + 1
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError("L'imprimante n'a pas pu être ouverte. Vérifiez qu'elle est disponible.")
    try:
        for done, number in enumerate(range(first, last + 1)):
            if progress is not None and not progress(done, total):
                printer.abort()
                raise PrintCancelled
            if done and not printer.newPage():
                raise PrintError(
                    "L'imprimante a refusé une nouvelle page ; impression interrompue."
                )
            _paint_page(document, number - 1, printer, painter)
    finally:
        painter.end()
    return total


def _paint_page(
    document: pdfium.PdfDocument, index: int, printer: QPrinter, painter: QPainter
) -> None:
    width_pt, height_pt = page_size(document, index)
    width, height = printer.width(), printer.height()
    scale = min(width / width_pt, height / height_pt)  # device pixels per point
    target = QRectF(0, 0, width_pt * scale, height_pt * scale)
    target.moveCenter(QRectF(0, 0, width, height).center())
    ratio = min(1.0, MAX_PRINT_DPI / max(1, printer.resolution()))
    try:
        image = render_page(document, index, scale * ratio, for_print=True)
    except pdfium.PdfiumError as error:
        raise PrintError(
            f"La page {index + 1} du document n'a pas pu être préparée ; impression interrompue."
        ) from error
    painter.drawImage(target, image)


def chosen_pages(printer: QPrinter, page_count: int) -> tuple[int, int]:
    """The pages (from 1, both included) that the print dialog asked for."""
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        return printer.fromPage(), printer.toPage() or page_count
    return 1, page_count


def remove_viewer_copies() -> None:
    """Delete the temporary copies handed to the system viewer (call when the application quits)."""
    while _viewer_copies:
        shutil.rmtree(_viewer_copies.pop(), ignore_errors=True)


def _pdf_file_name(suggested_name: str) -> str:
    """A bare file name ending in .pdf (no folder part can sneak in from the caller)."""
    name = Path(suggested_name.replace("\\", "/")).name.strip() or "document.pdf"
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


def _screen_dpi() -> float:
    """The logical resolution pages are sized with: zoom 1.0 is the page at its real size."""
    screen = QGuiApplication.primaryScreen()
    return float(screen.logicalDotsPerInch()) if screen is not None else 96.0


class _PageWidget(QWidget):
    """One page: white paper with a thin border, its image once it has come into view."""

    def __init__(self, view: PdfPageView, index: int, parent: QWidget) -> None:
        super().__init__(parent)
        self._view = view
        self.index = index
        self.setAccessibleName(f"Page {index + 1}")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.rect()
        painter.fillRect(rect, PAPER)
        image = self._view.page_image(self.index)  # Qt paints only what is in view
        if image is not None:
            painter.drawImage(QPoint(0, 0), image)
        painter.setPen(PAGE_BORDER)
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()


class _PageColumn(QWidget):
    """The grey sheet the pages lie on, with a soft shadow under each page."""

    def __init__(self, view: PdfPageView) -> None:
        super().__init__()
        self._view = view
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = event.rect()
        painter.fillRect(area, BACKGROUND)
        for index in self._view.pages_between(area.top() - 8, area.bottom() + 8):
            page = self._view.page_rect(index)
            for offsets, colour in SHADOWS:
                painter.fillRect(page.adjusted(*offsets), colour)
        painter.end()


class PdfPageView(QScrollArea):
    """The pages of a PDF one under the other, rendered by PDFium as they come into view.

    Each page is a widget sized from the PDF (points) and the zoom; its image is rendered at the
    zoom and the screen's pixel ratio when Qt first paints it, and kept in a small cache. The
    pages just above and below the view are rendered ahead, when the event loop is idle.
    """

    currentPageChanged = Signal(int)  # the page shown changed (from 0)
    layoutChanged = Signal()  # the zoom or the fit mode changed
    zoomRequested = Signal(int)  # Ctrl + wheel: +1 to zoom in, -1 to zoom out

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfView")
        self.setWidgetResizable(False)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Always there: a bar coming and going would change the width fitted, hence the height.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._column = _PageColumn(self)
        self.setWidget(self._column)
        self._document: pdfium.PdfDocument | None = None
        self._sizes: list[tuple[float, float]] = []  # points
        self._pages: list[_PageWidget] = []
        self._tops: list[int] = []
        self._bottoms: list[int] = []
        self._zoom = 1.0
        self._fit = True
        self._current = 0
        # After go_to_page: the page asked for, even if the view could not scroll that far.
        self._pinned = False
        self._quiet = False  # scrolling done by the view itself, not by the user
        self._wheel = 0
        self._cache: OrderedDict[tuple[int, int], QImage] = OrderedDict()
        self._cache_bytes = 0
        self._scale_key = 0
        self._failed: set[int] = set()
        self.rendered_pages = 0  # images rendered by PDFium since the document was set
        self._prefetch_timer = QTimer(self)
        self._prefetch_timer.setSingleShot(True)
        self._prefetch_timer.setInterval(0)
        self._prefetch_timer.timeout.connect(self._prefetch)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    # Document and state

    def set_document(self, document: pdfium.PdfDocument | None) -> None:
        """Show ``document`` from its first page (``None``: nothing)."""
        for page in self._pages:
            page.hide()
            page.deleteLater()
        self._document = document
        self._sizes = (
            [page_size(document, index) for index in range(len(document))]
            if document is not None
            else []
        )
        self._pages = [_PageWidget(self, index, self._column) for index in range(len(self._sizes))]
        for page in self._pages:
            page.show()
        self._clear_cache()
        self._failed.clear()
        self.rendered_pages = 0
        self._current = 0
        self._pinned = False
        with self._quietly():
            self._relayout()
            self.verticalScrollBar().setValue(0)
        self.currentPageChanged.emit(0)

    def page_count(self) -> int:
        return len(self._pages)

    def current_page(self) -> int:
        """The page shown (from 0): the one filling most of the view, or the one asked for."""
        return self._current

    def zoom(self) -> float:
        return self._zoom

    def fits_width(self) -> bool:
        return self._fit

    def page_rect(self, index: int) -> QRect:
        """Where page ``index`` lies in the column of pages."""
        return self._pages[index].geometry()

    def pages_between(self, top: int, bottom: int) -> range:
        """The pages (from 0) crossing the band from ``top`` to ``bottom`` of the column."""
        first = bisect_right(self._bottoms, top)
        last = first
        while last < len(self._tops) and self._tops[last] <= bottom:
            last += 1
        return range(first, last)

    def visible_pages(self) -> range:
        top = self.verticalScrollBar().value()
        return self.pages_between(top, top + self.viewport().height())

    def page_image(self, index: int) -> QImage | None:
        """The image of page ``index`` at the current zoom, rendered now if not in the cache."""
        if self._document is None or index in self._failed:
            return None
        ratio = self._column.devicePixelRatioF()
        scale = self._pixels_per_point() * ratio
        key = (index, round(scale * 10_000))
        image = self._cache.get(key)
        if image is not None:
            self._cache.move_to_end(key)
            return image
        try:
            image = render_page(self._document, index, scale)
        except pdfium.PdfiumError:
            self._failed.add(index)  # drawn as a blank page, not retried on every repaint
            return None
        image.setDevicePixelRatio(ratio)
        self.rendered_pages += 1
        self._cache[key] = image
        self._cache_bytes += image.sizeInBytes()
        self._trim_cache()
        return image

    # Moving and zooming

    def scroll_to_page(self, index: int) -> None:
        """Bring page ``index`` (from 0, clipped) to the top of the view."""
        if not self._pages:
            return
        index = min(max(index, 0), len(self._pages) - 1)
        with self._quietly():
            self.verticalScrollBar().setValue(self._page_position(index))
        self._pinned = True
        self._set_current(index)

    def set_zoom(self, factor: float) -> None:
        """Show the pages at ``factor`` (clipped to 25–400 %), the same place staying in view."""
        self._change_layout(False, min(MAX_ZOOM, max(MIN_ZOOM, factor)))

    def fit_width(self) -> None:
        """Size the widest page to the view's width, now and whenever the view is resized."""
        self._change_layout(True, self._zoom)

    # Events

    def resizeEvent(self, event: QResizeEvent) -> None:  # the viewport's size
        anchor = self._anchor()
        with self._quietly():
            super().resizeEvent(event)
            self._relayout()
            self._restore(anchor)
        if not self._pinned:
            self._set_current(self._most_visible())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)
            return
        self._wheel += event.angleDelta().y()  # a notch is 120; touchpads send smaller steps
        while abs(self._wheel) >= 120:
            step = 1 if self._wheel > 0 else -1
            self._wheel -= 120 * step
            self.zoomRequested.emit(step)
        event.accept()

    # Internals

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        before, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = before

    def _pixels_per_point(self) -> float:
        return self._zoom * _screen_dpi() / 72.0

    def _fit_zoom(self) -> float:
        widest = max((width for width, _ in self._sizes), default=0.0)
        if widest <= 0:
            return 1.0
        available = self.viewport().width() - 2 * PAGE_MARGIN
        return min(MAX_ZOOM, max(MIN_ZOOM, available / (widest * _screen_dpi() / 72.0)))

    def _relayout(self) -> None:
        """Size and place every page for the zoom (no page is rendered here)."""
        if self._fit:
            self._zoom = self._fit_zoom()
        ppp = self._pixels_per_point()
        sizes = [
            (max(1, round(width * ppp)), max(1, round(height * ppp)))
            for width, height in self._sizes
        ]
        column_width = max(
            self.viewport().width(),
            max((width for width, _ in sizes), default=0) + 2 * PAGE_MARGIN,
        )
        tops: list[int] = []
        bottoms: list[int] = []
        y = PAGE_MARGIN
        for page, (width, height) in zip(self._pages, sizes, strict=True):
            page.setGeometry((column_width - width) // 2, y, width, height)
            tops.append(y)
            bottoms.append(y + height)
            y += height + PAGE_SPACING
        self._tops, self._bottoms = tops, bottoms
        column_height = y - PAGE_SPACING + PAGE_MARGIN if sizes else self.viewport().height()
        self._column.resize(column_width, column_height)
        scale_key = round(ppp * 10_000)
        if scale_key != self._scale_key:  # images at another zoom will not be drawn again
            self._scale_key = scale_key
            self._clear_cache()
        self._schedule_prefetch()
        self.layoutChanged.emit()

    def _change_layout(self, fit: bool, zoom: float) -> None:
        anchor = self._anchor()
        with self._quietly():
            self._fit = fit
            self._zoom = zoom
            self._relayout()
            self._restore(anchor)
        if not self._pinned:
            self._set_current(self._most_visible())

    def _page_position(self, index: int) -> int:
        """The scroll position putting page ``index`` at the top, half a gap above it."""
        return 0 if index == 0 else self._tops[index] - PAGE_SPACING // 2

    def _anchor(self) -> tuple[int, float | None, float]:
        """What the view shows: a page, how far down it (None: its top), the horizontal centre."""
        bar = self.horizontalScrollBar()
        width = self._column.width()
        across = (bar.value() + self.viewport().width() / 2) / width if width else 0.5
        if not self._pages:
            return 0, None, across
        if self._pinned:
            return self._current, None, across
        y = self.verticalScrollBar().value()
        index = max(0, bisect_right(self._tops, y + PAGE_SPACING // 2) - 1)
        height = self._bottoms[index] - self._tops[index]
        return index, (y - self._tops[index]) / height, across

    def _restore(self, anchor: tuple[int, float | None, float]) -> None:
        index, down, across = anchor
        if index < len(self._pages):
            if down is None:
                position = self._page_position(index)
            else:
                height = self._bottoms[index] - self._tops[index]
                position = round(self._tops[index] + down * height)
            self.verticalScrollBar().setValue(position)
        self.horizontalScrollBar().setValue(
            round(across * self._column.width() - self.viewport().width() / 2)
        )

    def _most_visible(self) -> int:
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        best, seen_best = self._current, -1
        for index in self.pages_between(top, bottom):
            seen = min(bottom, self._bottoms[index]) - max(top, self._tops[index])
            if seen > seen_best:
                best, seen_best = index, seen
        return best

    def _set_current(self, index: int) -> None:
        if index != self._current:
            self._current = index
            self.currentPageChanged.emit(index)

    def _on_scrolled(self, _value: int) -> None:
        if not self._quiet:
            self._pinned = False
            self._set_current(self._most_visible())
        self._schedule_prefetch()

    def _wanted(self) -> range:
        """The pages in view and one on each side."""
        shown = self.visible_pages()
        return range(max(0, shown.start - 1), min(len(self._pages), shown.stop + 1))

    def _schedule_prefetch(self) -> None:
        if self._document is not None:
            self._prefetch_timer.start()

    def _prefetch(self) -> None:
        if self._document is None or not self.isVisible():
            return
        ratio = self._column.devicePixelRatioF()
        for index in self._wanted():
            size = self._pages[index].size() * ratio
            if size.width() * size.height() * 4 <= PREFETCH_BYTES:
                self.page_image(index)

    def _trim_cache(self) -> None:
        keep = self._wanted()
        for key in list(self._cache):  # least recently drawn first
            if len(self._cache) <= CACHE_PAGES and self._cache_bytes <= CACHE_BYTES:
                break
            if key[0] not in keep:
                self._cache_bytes -= self._cache.pop(key).sizeInBytes()

    def _clear_cache(self) -> None:
        self._cache.clear()
        self._cache_bytes = 0


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
        # PDFium reads from these bytes for as long as the document is open: keep them.
        self._pdf = bytes(pdf)
        self._title = title
        self._suggested_name = _pdf_file_name(suggested_name)
        self._prompter = prompter
        self._on_printed = on_printed
        self._open_url = open_url
        self.setWindowTitle(title)
        self.setObjectName("pdfPreview")
        self.setStyleSheet(_STYLE)

        self.document: pdfium.PdfDocument | None = None
        self._printing = False
        self._closed = False
        self.view = PdfPageView(self)
        self.view.setAccessibleName("Aperçu du document")

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

        self.view.currentPageChanged.connect(self._refresh)
        self.view.layoutChanged.connect(self._refresh)
        self.view.zoomRequested.connect(self._zoom_step)
        self._load()
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
        return self.document is not None

    def page_count(self) -> int:
        return self.view.page_count() if self.document is not None else 0

    def current_page(self) -> int:
        """The page shown, numbered from 1 (0 when there is none)."""
        return self.view.current_page() + 1 if self.page_count() else 0

    def zoom(self) -> float:
        """The zoom shown: 1.0 is the page at its real size on screen."""
        return self.view.zoom()

    # Navigation and zoom

    def go_to_page(self, number: int) -> None:
        """Scroll to page ``number`` (from 1, clipped to the document)."""
        if self.page_count():
            self.view.scroll_to_page(number - 1)
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
        if self.page_count():
            self.view.set_zoom(factor)
            self._refresh()

    def fit_width(self) -> None:
        if self.page_count():
            self.view.fit_width()
            self._refresh()

    # Print, save, open elsewhere

    def choose_printer(self) -> QPrinter | None:
        """The printer and pages chosen in the print dialog, ``None`` if cancelled (a seam)."""
        count = self.page_count()
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
        if self.document is None:
            return False
        printer = self.choose_printer()
        if printer is None or self.document is None:
            return False
        count = self.page_count()
        first, last = chosen_pages(printer, count)
        pages = min(last, count) - max(first, 1) + 1
        progress = self._print_progress() if pages >= PROGRESS_FROM else None
        if progress is None:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        failure: str | None = None
        self._printing = True
        try:
            print_document(
                self.document,
                printer,
                first,
                last,
                None if progress is None else lambda done, total: _step(progress, done, total),
            )
        except PrintCancelled:
            return False
        except PrintError as error:
            failure = str(error)
        finally:
            self._printing = False
            if progress is None:
                QApplication.restoreOverrideCursor()
            else:
                progress.close()
                progress.deleteLater()
            if self._closed:  # closed while the pages were going out: release it now
                self._release()
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
                f"dans le dossier « {path.parent} » : {reason(error)}. "
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
                f"lecteur du système : {reason(error)}.",
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

    def done(self, result: int) -> None:
        """Close the preview and release PDFium's document (the dialog is not shown again)."""
        super().done(result)
        self._closed = True
        if not self._printing:  # print_pdf() is still reading it otherwise
            self._release()

    # Internals

    def _release(self) -> None:
        if self.document is not None:
            self.view.set_document(None)
            self.document.close()
            self.document = None

    def _load(self) -> None:
        try:
            document = pdfium.PdfDocument(self._pdf)
        except pdfium.PdfiumError:  # not a PDF, damaged beyond repair, or password protected
            document = None
        if document is not None and len(document) == 0:
            document.close()
            document = None
        if document is not None:  # closed by done(); this for a dialog deleted without it
            self.destroyed.connect(lambda *_: document.close())
        self.document = document
        self.view.set_document(document)
        self.stack.setCurrentIndex(0 if document is not None else 1)
        self.toolbar.setVisible(document is not None)  # nothing to page through or zoom
        self._refresh()

    def _print_progress(self) -> QProgressDialog:
        progress = QProgressDialog("Impression…", "Annuler", 0, 1, self)
        progress.setWindowTitle("Impression")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(500)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        return progress

    def _zoom_step(self, step: int) -> None:
        if step > 0 and self.zoom_in_action.isEnabled():
            self.zoom_in()
        elif step < 0 and self.zoom_out_action.isEnabled():
            self.zoom_out()

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

    def _refresh(self) -> None:
        loaded = self.is_loaded()
        count = self.page_count()
        page = self.current_page()
        self.page_label.setText(f"Page {page} sur {count}" if count else "")
        zoom = self.zoom() if count else 1.0
        self.zoom_label.setText(f"{round(zoom * 100)} %" if count else "")
        self.fit_button.setChecked(self.view.fits_width() and bool(count))
        self.previous_action.setEnabled(count > 0 and page > 1)
        self.next_action.setEnabled(count > 0 and page < count)
        self.zoom_in_action.setEnabled(count > 0 and zoom < MAX_ZOOM - 1e-6)
        self.zoom_out_action.setEnabled(count > 0 and zoom > MIN_ZOOM + 1e-6)
        self.fit_action.setEnabled(count > 0)
        for action in (self.print_action, self.save_action, self.open_action):
            action.setEnabled(loaded)


def _step(progress: QProgressDialog, done: int, total: int) -> bool:
    """Show that page ``done + 1`` of ``total`` is being printed; False once cancelled."""
    progress.setMaximum(total)
    progress.setLabelText(f"Impression… page {done + 1} sur {total}")
    progress.setValue(done)
    QApplication.processEvents()  # repaint, and let the cancel button be clicked
    return not progress.wasCanceled()


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
