"""The TrueType fonts embedded in every PDF (DejaVu Sans, shipped in ``resources/fonts``).

The standard PDF fonts cannot print ``œ``, ``’`` or ``€`` reliably, so every
document uses these registered fonts; :func:`register_fonts` is idempotent and
called by the layout before anything is measured or drawn.
"""

from __future__ import annotations

from functools import cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .. import resources

SANS = "SPIPSans"
SANS_BOLD = "SPIPSans-Bold"
SANS_ITALIC = "SPIPSans-Italic"
SANS_BOLD_ITALIC = "SPIPSans-BoldItalic"
CONDENSED = "SPIPSansCondensed"
CONDENSED_BOLD = "SPIPSansCondensed-Bold"

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    SANS_ITALIC: "DejaVuSans-Oblique.ttf",
    SANS_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
    CONDENSED: "DejaVuSansCondensed.ttf",
    CONDENSED_BOLD: "DejaVuSansCondensed-Bold.ttf",
}


@cache
def register_fonts() -> None:
    """Register the fonts and their families (so ``<b>`` and ``<i>`` work in paragraphs).

    Raises:
        FileNotFoundError: a font file is missing from ``resources/fonts`` (a packaging error).
    """
    for name, file_name in _FILES.items():
        font_path = resources.path(f"fonts/{file_name}")
        if not font_path.is_file():
            raise FileNotFoundError(f"font file not found: {font_path}")
        pdfmetrics.registerFont(TTFont(name, str(font_path)))
    pdfmetrics.registerFontFamily(
        SANS, normal=SANS, bold=SANS_BOLD, italic=SANS_ITALIC, boldItalic=SANS_BOLD_ITALIC
    )
    # The condensed face has no italic of its own: slanted text falls back to the regular family.
    addMapping(CONDENSED, 0, 0, CONDENSED)
    addMapping(CONDENSED, 1, 0, CONDENSED_BOLD)
    addMapping(CONDENSED, 0, 1, SANS_ITALIC)
    addMapping(CONDENSED, 1, 1, SANS_BOLD_ITALIC)
