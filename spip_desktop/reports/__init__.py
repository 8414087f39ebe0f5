"""PDF documents: ReportLab builders taking plain data (``domain.documents``), returning bytes.

No Qt and no database session here. Shared page layout, styles and table helpers live in
:mod:`spip_desktop.reports.layout`.
"""

from __future__ import annotations

from .purge_certificate import build_purge_certificate
from .subject_access import build_subject_access

__all__ = ["build_purge_certificate", "build_subject_access"]
