"""Columns of a person's measures table (a handful of rows, already in memory)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ..domain.dates import format_date
from ..domain.model import Measure
from .record_model import INACTIVE_COLOR, Column, Index, RecordTableModel


def measure_label(measure: Measure) -> str:
    """``Sursis probatoire``, or ``Sursis probatoire (annulée le 12/03/2026)``."""
    label = measure.measure_type.label
    if measure.draft.cancelled_on is not None:
        return f"{label} (annulée le {format_date(measure.draft.cancelled_on)})"
    return label


COLUMNS: tuple[Column[Measure], ...] = (
    Column("Mesure", measure_label),
    Column("Juridiction", lambda m: m.draft.court or "—"),
    Column("Décision", lambda m: format_date(m.draft.decision_date, "—")),
    Column("Saisine SPIP", lambda m: format_date(m.draft.referral_date, "—")),
    Column("Fin du délai d'épreuve", lambda m: format_date(m.draft.probation_end, "—")),
    Column("Fin de peine", lambda m: format_date(m.draft.sentence_end, "—")),
    Column("JAP", lambda m: m.draft.jap_name or "—"),
    Column("Obligations", lambda m: str(len(m.draft.obligations)) if m.draft.obligations else "—"),
)


class MeasureTableModel(RecordTableModel[Measure]):
    """The measures of a file; a cancelled one is greyed (it counts nowhere)."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            measure = self.record_at(index.row()) if index.isValid() else None
            return INACTIVE_COLOR if measure is not None and measure.draft.cancelled else None
        return super().data(index, role)


def measure_model() -> MeasureTableModel:
    return MeasureTableModel(COLUMNS)
