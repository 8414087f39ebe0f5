"""Item model of a person's measures (a handful of rows, already in memory)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ..domain.dates import format_date
from ..domain.model import Measure

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Measure], str]


COLUMNS: tuple[Column, ...] = (
    Column("Mesure", lambda m: m.measure_type.label),
    Column("Juridiction", lambda m: m.draft.court or "—"),
    Column("Décision", lambda m: format_date(m.draft.decision_date, "—")),
    Column("Saisine SPIP", lambda m: format_date(m.draft.referral_date, "—")),
    Column("Fin du délai d'épreuve", lambda m: format_date(m.draft.probation_end, "—")),
    Column("Fin de peine", lambda m: format_date(m.draft.sentence_end, "—")),
    Column("JAP", lambda m: m.draft.jap_name or "—"),
    Column("Obligations", lambda m: str(len(m.draft.obligations)) if m.draft.obligations else "—"),
)


class MeasureTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._measures: list[Measure] = []

    def set_measures(self, measures: tuple[Measure, ...]) -> None:
        self.beginResetModel()
        self._measures = list(measures)
        self.endResetModel()

    def measure_at(self, row: int) -> Measure | None:
        return self._measures[row] if 0 <= row < len(self._measures) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._measures)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._measures)):
            return None
        measure = self._measures[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()].value(measure)
        if role == Qt.ItemDataRole.UserRole:
            return measure
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section].title
        return None
