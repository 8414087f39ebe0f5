"""PDF documents: ReportLab builders taking plain data (``domain.documents``), returning bytes.

No Qt and no database session here. Shared page layout, styles and table helpers live in
:mod:`spip_desktop.reports.layout`.
"""

from __future__ import annotations

from .attestation import build_attestation, build_attestations, story_for_attestation
from .layout import Cancelled, DocumentPart, build_combined_pdf
from .purge_certificate import build_purge_certificate
from .sign_in_sheet import build_sign_in_sheet
from .subject_access import build_subject_access
from .timeline import TimelineReport, build_timeline

__all__ = [
    "Cancelled",
    "DocumentPart",
    "TimelineReport",
    "build_attestation",
    "build_attestations",
    "build_combined_pdf",
    "build_purge_certificate",
    "build_sign_in_sheet",
    "build_subject_access",
    "build_timeline",
    "story_for_attestation",
]
