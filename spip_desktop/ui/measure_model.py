"""Columns of a person's measures table (a handful of rows, already in memory)."""

from __future__ import annotations

from ..domain.dates import format_date
from ..domain.model import Measure
from .record_model import Column, RecordTableModel

COLUMNS: tuple[Column[Measure], ...] = (
    Column("Mesure", lambda m: m.measure_type.label),
    Column("Juridiction", lambda m: m.draft.court or "—"),
    Column("Décision", lambda m: format_date(m.draft.decision_date, "—")),
    Column("Saisine SPIP", lambda m: format_date(m.draft.referral_date, "—")),
    Column("Fin du délai d'épreuve", lambda m: format_date(m.draft.probation_end, "—")),
    Column("Fin de peine", lambda m: format_date(m.draft.sentence_end, "—")),
    Column("JAP", lambda m: m.draft.jap_name or "—"),
    Column("Obligations", lambda m: str(len(m.draft.obligations)) if m.draft.obligations else "—"),
)


def measure_model() -> RecordTableModel[Measure]:
    return RecordTableModel(COLUMNS)
